/*
 * notes.c - the Lotus Notes SMTP MTA's "Undeliverable message".
 *
 *	Subject: Undeliverable message
 *
 *	------- Failure Reasons  --------
 *
 *	User not listed in public Name & Address Book
 *	bob@example.org
 *
 *	------- Returned Message --------
 *
 * Each reason line is followed by the address it applies to.
 */
#include <string.h>

#include "engine.h"

#define NT_REASONS	"------- Failure Reasons"
#define NT_RETURNED	"------- Returned Message"

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { REASONS, RETURNED };

static const char *const phrases[] = {
	[REASONS] = NT_REASONS,
	[RETURNED] = NT_RETURNED,
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
notes_detect(const struct msgview *mv)
{
	int score = 0;

	/* Markers sit near the top. */
	if (mv_marker(mv, &markers, REASONS, 16384))
		score = 70;
	if (score > 0 && mv_marker(mv, &markers, RETURNED, 16384))
		score += 10;
	if (score > 0 && span_istarts(span_trim(mv_header(mv, "Subject")), "Undeliverable message"))
		score += 10;
	return score;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, REASONS),
	GATE_DONE,
};

static size_t
notes_parse(struct msgview *mv)
{
	static const char *const start[] = { NT_REASONS, NULL };
	static const char *const end[] = { NT_RETURNED, NULL };
	struct bounce_report *r = mv->report;
	struct span region = text_region(mv->body, start, end), line, t, a, why = SPAN_EMPTY;
	size_t pos = 0, found = 0;

	while (span_next_line(region, &pos, &line)) {
		struct bounce_recipient *rc;

		t = span_trim(line);
		if (t.len == 0)
			continue;
		if ((a = addr_find(t)).len == 0 || a.len + 2 < t.len) {
			why = t;	/* the reason for the address below */
			continue;
		}
		if (report_find_recipient(r, a) != NULL ||
		    (rc = report_add_recipient(r, mv->limits)) == NULL)
			continue;
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->action, SPAN_LIT("failed"));
		REPORT_SET(r, rc->diagnostic, why);
		found++;
	}
	if (found > 0 && mv->returned.len == 0)
		mv->returned = text_region(mv->body, end, NULL);
	return found;
}

const struct vendor_module vendor_notes = {
	.name = "notes",
	.gate = gate,
	.markers = &markers,
	.detect = notes_detect,
	.parse = notes_parse,
};
