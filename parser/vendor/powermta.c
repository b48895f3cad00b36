/*
 * powermta.c - PowerMTA (Port25 / SparkPost) delivery reports.
 *
 *	Hello, this is the mail server on mta.example.com.
 *	...
 *	  <bob@example.org>  delivery failed; will not continue trying
 *
 * with a DSN part carrying X-PowerMTA-VirtualMTA and
 * X-PowerMTA-BounceCategory. parse() handles the text alone.
 */
#include <string.h>

#include "engine.h"

#define PM_HELLO	"Hello, this is the mail server on "

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { HELLO };

static const char *const phrases[] = {
	[HELLO] = PM_HELLO,
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
powermta_detect(const struct msgview *mv)
{
	size_t i;

	for (i = 0; i < mv->nleaf; i++)
		if (!mv->leaf[i].in_returned &&
		    strcmp(mv->leaf[i].type, "message/delivery-status") == 0 &&
		    span_ifind(mv->leaf[i].text, "X-PowerMTA-") != NULL)
			return 85;
	if (mv_marker(mv, &markers, HELLO, 256))
		return 70;
	return 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_STATUS,
	GATE_PHRASE(&markers, HELLO),
	GATE_DONE,
};

static size_t
powermta_parse(struct msgview *mv)
{
	static const char *const start[] = { "affected recipients", NULL };
	struct bounce_report *r = mv->report;
	struct span region = text_region(mv->body, start, NULL), line, t, a;
	size_t pos = 0, found = 0;

	while (span_next_line(region, &pos, &line)) {
		struct bounce_recipient *rc;
		bool delayed;

		t = span_trim(line);
		if (t.len == 0 || t.p[0] != '<' || (a = addr_find(t)).len == 0 ||
		    report_find_recipient(r, a) != NULL ||
		    (rc = report_add_recipient(r, mv->limits)) == NULL)
			continue;
		delayed = span_ifind(t, "will continue trying") != NULL ||
		    span_ifind(t, "delayed") != NULL;
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->action, delayed ? SPAN_LIT("delayed") : SPAN_LIT("failed"));
		REPORT_SET(r, rc->diagnostic, span_trim(span_make(a.p + a.len + 1,
		    (size_t)(t.p + t.len - a.p - a.len - 1))));
		found++;
	}
	return found;
}

const struct vendor_module vendor_powermta = {
	.name = "powermta",
	.gate = gate,
	.markers = &markers,
	.detect = powermta_detect,
	.parse = powermta_parse,
};
