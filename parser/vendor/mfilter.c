/*
 * mfilter.c - bounces of the m-FILTER mail gateway (Digital Arts).
 *
 *	X-Mailer: m-FILTER
 *
 *	(Japanese notice)
 *	bob@example.org
 *	-------server message
 *	550 5.1.1 <bob@example.org>: Recipient address rejected
 *	-------SMTP command
 *	DATA
 *	-------original message
 */
#include <string.h>

#include "engine.h"

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { SERVER_MESSAGE, ORIGINAL_MESSAGE };

static const char *const phrases[] = {
	[SERVER_MESSAGE] = "-------server message",
	[ORIGINAL_MESSAGE] = "-------original message",
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
mfilter_detect(const struct msgview *mv)
{
	if (span_ifind(mv_header(mv, "X-Mailer"), "m-FILTER") != NULL)
		return 85;
	/* Markers sit near the top. */
	if (mv_marker(mv, &markers, SERVER_MESSAGE, 16384) &&
	    mv_marker(mv, &markers, ORIGINAL_MESSAGE, 16384))
		return 60;
	return 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("X-Mailer", "m-FILTER"),
	GATE_PHRASE(&markers, SERVER_MESSAGE),
	GATE_DONE,
};

static size_t
mfilter_parse(struct msgview *mv)
{
	static const char *const end[] = { "-------original message", NULL };
	struct bounce_report *r = mv->report;
	struct span region = text_region(mv->body, NULL, end), line, t, a;
	enum { NOTICE, SERVER, COMMAND } where = NOTICE;
	size_t pos = 0, first = r->nrcpt, i;
	const char *ds = NULL, *de = NULL;
	struct span cmd = SPAN_EMPTY;

	while (span_next_line(region, &pos, &line)) {
		t = span_trim(line);
		if (span_istarts(t, "-------server message")) {
			where = SERVER;
			continue;
		}
		if (span_istarts(t, "-------SMTP command")) {
			where = COMMAND;
			continue;
		}
		if (t.len == 0)
			continue;
		if (where == SERVER) {
			if (ds == NULL)
				ds = t.p;
			de = t.p + t.len;
		} else if (where == COMMAND && cmd.len == 0)
			cmd = t;
		else if (where == NOTICE && (a = addr_find(t)).len > 0 && a.len == t.len) {
			struct bounce_recipient *rc;

			if (report_find_recipient(r, a) == NULL &&
			    (rc = report_add_recipient(r, mv->limits)) != NULL) {
				REPORT_SET(r, rc->recipient, a);
				REPORT_SET(r, rc->action, SPAN_LIT("failed"));
			}
		}
	}
	for (i = first; i < r->nrcpt; i++) {
		if (ds != NULL)
			REPORT_SET(r, r->rcpt[i].diagnostic, span_make(ds, (size_t)(de - ds)));
		if (span_istarts(cmd, "RCPT") || span_istarts(cmd, "MAIL") || span_istarts(cmd, "DATA"))
			REPORT_SET(r, r->rcpt[i].command, span_make(cmd.p, 4));
	}
	if (r->nrcpt > first && mv->returned.len == 0)
		mv->returned = text_region(mv->body, end, NULL);
	return r->nrcpt - first;
}

const struct vendor_module vendor_mfilter = {
	.name = "mfilter",
	.gate = gate,
	.markers = &markers,
	.detect = mfilter_detect,
	.parse = mfilter_parse,
};
