/*
 * mailfoundry.c - bounces of the MailFoundry mail gateway.
 *
 *	Subject: Message delivery has failed
 *
 *	Unable to deliver message to: <bob@example.org>
 *	Delivery failed for the following reason:
 *	Server mx.example.org[192.0.2.1] failed with: 550 No such user here
 *
 *	This has been a permanent failure.  No further delivery attempts will be made.
 */
#include <string.h>

#include "engine.h"

#define MF_RCPT		"Unable to deliver message to:"
#define MF_REASON	"Delivery failed for the following reason:"

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { RCPT, REASON };

static const char *const phrases[] = {
	[RCPT] = MF_RCPT,
	[REASON] = MF_REASON,
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
mailfoundry_detect(const struct msgview *mv)
{
	static const char *const relay[] = { "(MAILFOUNDRY)", NULL };
	int score = 0;

	if (mv_header_has(mv, "Received", 8, relay))
		score = 50;
	/* Markers sit near the top. */
	if (mv_marker(mv, &markers, RCPT, 16384) &&
	    mv_marker(mv, &markers, REASON, 16384))
		score += 35;
	if (score > 0 && span_ieq(span_trim(mv_header(mv, "Subject")), "Message delivery has failed"))
		score += 10;
	return score >= 45 ? score : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("Received", "(MAILFOUNDRY)"),
	GATE_PHRASE(&markers, RCPT),
	GATE_DONE,
};

static size_t
mailfoundry_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct bounce_recipient *rc = NULL;
	struct span line, t;
	const char *ds = NULL, *de = NULL;
	size_t pos = 0, found = 0;

	while (span_next_line(mv->body, &pos, &line)) {
		t = span_trim(line);
		if (span_istarts(t, MF_RCPT)) {
			struct span a = addr_find(t);

			if (rc != NULL && ds != NULL)
				REPORT_SET(r, rc->diagnostic, span_make(ds, (size_t)(de - ds)));
			rc = NULL;
			ds = de = NULL;
			if (a.len == 0 || report_find_recipient(r, a) != NULL ||
			    (rc = report_add_recipient(r, mv->limits)) == NULL)
				continue;
			REPORT_SET(r, rc->recipient, a);
			REPORT_SET(r, rc->action, SPAN_LIT("failed"));
			found++;
			continue;
		}
		if (rc == NULL || t.len == 0 || span_istarts(t, MF_REASON))
			continue;
		if (span_istarts(t, "This has been a ")) {
			/* "... a permanent failure": the reason has ended. */
			if (ds != NULL)
				REPORT_SET(r, rc->diagnostic, span_make(ds, (size_t)(de - ds)));
			rc = NULL;
			ds = de = NULL;
			continue;
		}
		if (ds == NULL)
			ds = t.p;
		de = t.p + t.len;
	}
	if (rc != NULL && ds != NULL)
		REPORT_SET(r, rc->diagnostic, span_make(ds, (size_t)(de - ds)));
	return found;
}

const struct vendor_module vendor_mailfoundry = {
	.name = "mailfoundry",
	.gate = gate,
	.markers = &markers,
	.detect = mailfoundry_detect,
	.parse = mailfoundry_parse,
};
