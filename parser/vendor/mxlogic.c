/*
 * mxlogic.c - bounces of the MX Logic (McAfee SaaS) filtering service.
 *
 * Exim's wording, from MX Logic's own MTA ("mxl_mta"):
 *
 *	This message was created automatically by mail delivery software.
 *	... The following address failed:
 *
 *	  <bob@example.org>: 550 unknown user
 *
 *	Included is a copy of the message header:
 */
#include <string.h>

#include "engine.h"

static int
mxlogic_detect(const struct msgview *mv)
{
	static const char *const relay[] = { "(mxl_mta-", NULL };

	if (span_ifind(mv_header(mv, "From"), ".mxlogic.net") != NULL)
		return 85;
	return mv_header_has(mv, "Received", 8, relay) ? 85 : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("From", ".mxlogic.net"),
	GATE_HAS("Received", "(mxl_mta-"),
	GATE_DONE,
};

static size_t
mxlogic_parse(struct msgview *mv)
{
	static const char *const start[] = { "address failed:", "address(es) failed:", NULL };
	static const char *const end[] = { "Included is a copy of the message", NULL };
	struct bounce_report *r = mv->report;
	struct span region = text_region(mv->body, start, end), line, t, a;
	size_t pos = 0, found = 0;

	while (span_next_line(region, &pos, &line)) {
		struct bounce_recipient *rc;
		const char *colon;

		t = span_trim(line);
		/* "  <a@b>: reason"; the bare "<a@b>" repeated below adds nothing. */
		if (t.len == 0 || t.p[0] != '<' || (a = addr_find(t)).len == 0 ||
		    (colon = memchr(a.p + a.len, ':', (size_t)(t.p + t.len - a.p - a.len))) == NULL ||
		    report_find_recipient(r, a) != NULL ||
		    (rc = report_add_recipient(r, mv->limits)) == NULL)
			continue;
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->action, SPAN_LIT("failed"));
		REPORT_SET(r, rc->diagnostic, span_make(colon + 1, (size_t)(t.p + t.len - colon - 1)));
		found++;
	}
	if (found > 0 && mv->returned.len == 0)
		mv->returned = text_region(mv->body, end, NULL);
	return found;
}

const struct vendor_module vendor_mxlogic = {
	.name = "mxlogic",
	.gate = gate,
	.detect = mxlogic_detect,
	.parse = mxlogic_parse,
};
