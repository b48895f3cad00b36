/*
 * x4.c - an unnamed qmail-derived MTA's bounce (Sisimai's "X4").
 *
 *	Your mail message to the following address(es) could not be delivered.
 *	This is a permanent error. ...
 *
 *	<bob@example.org>:
 *	child status 100...The e-mail message could not be delivered because
 *	the user's mailfolder is full.
 *
 *	--- Below this line is a copy of the message.
 */
#include <string.h>

#include "engine.h"

#define X4_INTRO	"Your mail message to the following address(es) could not be delivered"

static const char *const x4_start[] = { X4_INTRO, NULL };
static const char *const x4_returned[] = { "--- Below this line is a copy of the message", NULL };

/* detect() asks about both (found for all modules in one pass, vendor.c). */
static struct vendor_markers returned_markers = { .phrase = x4_returned };
static struct vendor_markers markers = {
	.phrase = x4_start, .next = &returned_markers,
};

static int
x4_detect(const struct msgview *mv)
{
	int score = 0;

	/* Markers sit near the top. */
	if (mv_marker(mv, &markers, 0, 512))
		score = 70;
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
x4_parse(struct msgview *mv)
{
	struct span region = text_region(mv->body, x4_start, x4_returned);
	size_t found, i;

	/* The intro runs on for a few lines; recipients start at "<a@b>:". */
	found = textscan_recipients(mv, region, 0);
	for (i = mv->report->nrcpt - found; i < mv->report->nrcpt; i++)
		REPORT_SET(mv->report, mv->report->rcpt[i].action, SPAN_LIT("failed"));
	if (found > 0 && mv->returned.len == 0)
		mv->returned = text_region(mv->body, x4_returned, NULL);
	return found;
}

const struct vendor_module vendor_x4 = {
	.name = "x4",
	.gate = gate,
	.markers = &markers,
	.detect = x4_detect,
	.parse = x4_parse,
};
