/*
 * mcafee.c - McAfee (Network Associates) e-mail gateway reports.
 *
 *	Subject: Delivery Status
 *	(a text part named "deliveryproblems.txt")
 *
 *	    --- The following addresses had delivery problems ---
 *	<bob@example.org>   (Unknown user bob@example.org)
 *
 * The DSN part ("deliverystatus.txt") names recipients with
 * Original-Recipient only; parse() reads the text when it is missing.
 */
#include <string.h>

#include "engine.h"

#define MC_LIST	"--- The following addresses had delivery problems ---"

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { LIST };

static const char *const phrases[] = {
	[LIST] = MC_LIST,
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
mcafee_detect(const struct msgview *mv)
{
	int score = 0;

	/* Markers sit near the top. */
	if (mv_marker(mv, &markers, LIST, 16384))
		score = 70;
	if (score > 0 && span_ieq(span_trim(mv_header(mv, "Subject")), "Delivery Status"))
		score += 15;
	return score;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, LIST),
	GATE_DONE,
};

static size_t
mcafee_parse(struct msgview *mv)
{
	static const char *const start[] = { MC_LIST, NULL };
	struct bounce_report *r = mv->report;
	struct span region = text_region(mv->body, start, NULL), line, t, a;
	size_t pos = 0, found = 0;

	while (span_next_line(region, &pos, &line)) {
		struct bounce_recipient *rc;
		const char *open;

		t = span_trim(line);
		if (t.len == 0 || t.p[0] != '<' || (a = addr_find(t)).len == 0 ||
		    report_find_recipient(r, a) != NULL ||
		    (rc = report_add_recipient(r, mv->limits)) == NULL)
			continue;
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->action, SPAN_LIT("failed"));
		/* "<a@b>   (reason)" */
		open = memchr(a.p + a.len, '(', (size_t)(t.p + t.len - a.p - a.len));
		if (open != NULL && t.p[t.len - 1] == ')')
			REPORT_SET(r, rc->diagnostic, span_make(open + 1, (size_t)(t.p + t.len - open - 2)));
		found++;
	}
	return found;
}

const struct vendor_module vendor_mcafee = {
	.name = "mcafee",
	.gate = gate,
	.markers = &markers,
	.detect = mcafee_detect,
	.parse = mcafee_parse,
};
