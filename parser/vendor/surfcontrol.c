/*
 * surfcontrol.c - SurfControl (Websense) E-mail Filter reports.
 *
 *	X-Mailer: SurfControl E-mail Filter
 *
 *	Your message could not be sent.
 *	A transcript of the attempts to send the message follows.
 *	The number of attempts made: 1
 *	Addressed To: bob@example.org
 *
 *	Failed to send to identified host,
 *	bob@example.org: [192.0.2.1], 550 bob@example.org... No such user
 *	--- Message non-deliverable.
 */
#include <string.h>

#include "engine.h"

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { TRANSCRIPT };

static const char *const phrases[] = {
	[TRANSCRIPT] = "A transcript of the attempts to send the message follows",
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
surfcontrol_detect(const struct msgview *mv)
{
	if (span_ifind(mv_header(mv, "X-Mailer"), "SurfControl") != NULL)
		return 85;
	/* Markers sit near the top. */
	if (mv_marker(mv, &markers, TRANSCRIPT, 16384))
		return 60;
	return 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("X-Mailer", "SurfControl"),
	GATE_PHRASE(&markers, TRANSCRIPT),
	GATE_DONE,
};

static size_t
surfcontrol_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct bounce_recipient *rc = NULL;
	struct span line, t, a;
	size_t pos = 0, found = 0;

	while (span_next_line(mv->body, &pos, &line)) {
		const char *colon;

		t = span_trim(line);
		if (span_istarts(t, "Addressed To:")) {
			if ((a = addr_find(t)).len == 0)
				continue;
			if ((rc = report_find_recipient(r, a)) == NULL &&
			    (rc = report_add_recipient(r, mv->limits)) != NULL) {
				REPORT_SET(r, rc->recipient, a);
				REPORT_SET(r, rc->action, SPAN_LIT("failed"));
				found++;
			}
			continue;
		}
		/* "a@b: [192.0.2.1], 550 ..." */
		if (rc != NULL && (a = addr_find(t)).len > 0 && a.p == t.p &&
		    (colon = memchr(a.p + a.len, ':', (size_t)(t.p + t.len - a.p - a.len))) != NULL &&
		    span_ieq(a, rc->recipient))
			REPORT_SET(r, rc->diagnostic, span_trim(span_make(colon + 1,
			    (size_t)(t.p + t.len - colon - 1))));
	}
	return found;
}

const struct vendor_module vendor_surfcontrol = {
	.name = "surfcontrol",
	.gate = gate,
	.markers = &markers,
	.detect = surfcontrol_detect,
	.parse = surfcontrol_parse,
};
