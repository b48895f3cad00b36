/*
 * x1.c - an unnamed MTA's bounce (Sisimai's "X1").
 *
 *	From: "Mail Deliver System" <MAILER-DAEMON@example.com>
 *	Subject: Returned Mail: User unknown
 *
 *	---The following addresses had delivery errors---
 *	bob@example.org [User unknown]
 *
 * The bracketed words are the only diagnostic.
 */
#include <string.h>

#include "engine.h"

#define X1_LIST	"---The following addresses had delivery errors---"

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { LIST };

static const char *const phrases[] = {
	[LIST] = X1_LIST,
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
x1_detect(const struct msgview *mv)
{
	int score = 0;

	/* Markers sit near the top. */
	if (mv_marker(mv, &markers, LIST, 16384))
		score = 60;
	if (score > 0 && span_ifind(mv_header(mv, "From"), "Mail Deliver System") != NULL)
		score += 20;
	if (score > 0 && span_istarts(span_trim(mv_header(mv, "Subject")), "Returned Mail: "))
		score += 10;
	return score;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, LIST),
	GATE_DONE,
};

static size_t
x1_parse(struct msgview *mv)
{
	static const char *const list[] = { X1_LIST, NULL };
	struct bounce_report *r = mv->report;
	struct span region = text_region(mv->body, list, NULL), line, t, a;
	size_t pos = 0, found = 0;

	while (span_next_line(region, &pos, &line)) {
		struct bounce_recipient *rc;
		const char *open, *close;

		t = span_trim(line);
		if (t.len == 0 && found > 0)
			break;
		if ((a = addr_find(t)).len == 0 || a.p != t.p || report_find_recipient(r, a) != NULL)
			continue;
		if ((rc = textscan_add_failed(mv, a)) == NULL)
			break;
		open = memchr(a.p + a.len, '[', (size_t)(t.p + t.len - a.p - a.len));
		close = t.p + t.len - 1;
		if (open != NULL && *close == ']' && close > open + 1)
			REPORT_SET(r, rc->diagnostic, span_make(open + 1, (size_t)(close - open - 1)));
		found++;
	}
	return found;
}

const struct vendor_module vendor_x1 = {
	.name = "x1",
	.gate = gate,
	.markers = &markers,
	.detect = x1_detect,
	.parse = x1_parse,
};
