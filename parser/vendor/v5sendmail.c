/*
 * v5sendmail.c - bounces of Sendmail 5 and the appliances built on it.
 *
 * No address list and no DSN: only the session transcript, then the
 * message ("----- Unsent message follows -----"):
 *
 *	   ----- Transcript of session follows -----
 *	While talking to mx.example.org:
 *	>>> RCPT To:<bob@example.org>
 *	<<< 550 <bob@example.org>, User Unknown
 *	550 <bob@example.org>... User unknown
 *	421 example.net (smtp)... Deferred: Connection timed out
 *
 * The transcript reader is vendor/sendmail.c's. When no line names an
 * address (a host that never answered), the returned message's To: is
 * the recipient that failed.
 */
#include <string.h>

#include "engine.h"
#include "sendmail.h"

/* What ends the transcript; detect() asks about these and the
 * transcript's heading (found for all modules in one pass, vendor.c). */
enum { UNSENT, NOT_COLLECTED };

static const char *const v5_returned[] = {
	[UNSENT] = "----- Unsent message follows -----",
	[NOT_COLLECTED] = "----- No message was collected -----",
	NULL,
};

static const char *const v5_transcript[] = {
	"----- Transcript of session follows -----", NULL,
};

static struct vendor_markers returned_markers = { .phrase = v5_returned };
static struct vendor_markers markers = {
	.phrase = v5_transcript, .next = &returned_markers,
};

static int
v5sendmail_detect(const struct msgview *mv)
{
	int score = 0;

	/* Markers sit near the top. */
	if (!mv_marker(mv, &markers, 0, 16384))
		return 0;
	if (mv_marker(mv, &returned_markers, UNSENT, 16384) ||
	    mv_marker(mv, &returned_markers, NOT_COLLECTED, 16384))
		score = 80;
	if (score > 0 && span_istarts(span_trim(mv_header(mv, "Subject")), "Returned mail:"))
		score += 15;
	return score;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, 0),
	GATE_DONE,
};

static size_t
v5sendmail_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct sm_transcript t;
	struct bounce_recipient *rc;
	struct span returned = text_region(mv->body, v5_returned, NULL), to;
	size_t found;

	if (mv->returned.len == 0)
		mv->returned = returned;
	sm_read(mv, mv->body, &t);
	if ((found = sm_emit(mv, &t)) > 0 || !t.found)
		return found;
	/* Only the host failed ("421 example.org (smtp)... Deferred"): the
	 * message was for its To:. */
	if ((to = addr_find(returned_header(returned, "To"))).len == 0 ||
	    (rc = report_add_recipient(r, mv->limits)) == NULL)
		return 0;
	REPORT_SET(r, rc->recipient, to);
	REPORT_SET(r, rc->action, SPAN_LIT("failed"));
	REPORT_SET(r, rc->diagnostic, sm_best_text(mv, &t, NULL));
	if (t.hostcode[0] != '\0')
		REPORT_SET(r, rc->reply_code, span_make(t.hostcode, 3));
	return 1;
}

const struct vendor_module vendor_v5sendmail = {
	.name = "v5sendmail",
	.gate = gate,
	.markers = &markers,
	.detect = v5sendmail_detect,
	.parse = v5sendmail_parse,
};
