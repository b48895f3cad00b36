/*
 * x2.c - an unnamed MTA's bounce (Sisimai's "X2"; seen at large webmail
 * providers of the 2000s).
 *
 *	Message from example.com.
 *	Unable to deliver message to the following address(es).
 *
 *	<bob@example.org>:
 *	Sorry, your message to bob@example.org cannot be delivered.  This
 *	account is over quota.
 *
 *	--- Original message follows.
 */
#include <string.h>

#include "engine.h"

#define X2_INTRO	"Unable to deliver message to the following address(es)."

static const char *const x2_start[] = { X2_INTRO, NULL };
static const char *const x2_returned[] = { "--- Original message follows.", NULL };

/* detect() asks about both (found for all modules in one pass, vendor.c). */
static struct vendor_markers returned_markers = { .phrase = x2_returned };
static struct vendor_markers markers = {
	.phrase = x2_start, .next = &returned_markers,
};

static int
x2_detect(const struct msgview *mv)
{
	struct span head = span_make(mv->body.p, mv->body.len < 512 ? mv->body.len : 512);
	int score = 0;

	/* Markers sit near the top. */
	if (mv_marker(mv, &markers, 0, 512))
		score = 60;
	if (score > 0 && span_istarts(span_trim(head), "Message from "))
		score += 15;
	if (score > 0 && mv_marker(mv, &returned_markers, 0, 16384))
		score += 10;
	return score;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, 0),
	GATE_DONE,
};

static size_t
x2_parse(struct msgview *mv)
{
	size_t found = textscan_recipients(mv, text_region(mv->body, x2_start, x2_returned), 0);
	size_t i;

	for (i = mv->report->nrcpt - found; i < mv->report->nrcpt; i++)
		REPORT_SET(mv->report, mv->report->rcpt[i].action, SPAN_LIT("failed"));
	if (found > 0 && mv->returned.len == 0)
		mv->returned = text_region(mv->body, x2_returned, NULL);
	return found;
}

const struct vendor_module vendor_x2 = {
	.name = "x2",
	.gate = gate,
	.markers = &markers,
	.detect = x2_detect,
	.parse = x2_parse,
};
