/*
 * x3.c - an unnamed MTA's notification (Sisimai's "X3").
 *
 *	Subject: Delivery status notification
 *
 *	      This is an automatically generated Delivery Status Notification.
 *
 *	Delivery to the following recipients failed permanently:
 *	(or: ... was aborted after 5.0 hour(s):)
 *
 *	  * bob@example.org
 *
 *	                         Technical details:
 *	SMTP:RCPT host mx.example.org: 550 5.1.1 unknown user
 *
 * Some versions add a DSN part; its recipients may lack a diagnostic
 * that the "Technical details" give.
 */
#include <string.h>

#include "engine.h"

#define X3_BANNER	"This is an automatically generated Delivery Status Notification"

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { BANNER, FAILED_PERMANENTLY, ABORTED };

static const char *const phrases[] = {
	[BANNER] = X3_BANNER,
	[FAILED_PERMANENTLY] = "following recipients failed permanently:",
	[ABORTED] = "following recipients was aborted after",
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
x3_detect(const struct msgview *mv)
{
	int score = 0;

	/* Microsoft's IIS and Exchange use the same banner, followed by
	 * "Delivery to the following recipients failed." without the
	 * asterisk list: theirs, not ours. */
	if (!mv_marker(mv, &markers, BANNER, 1024) ||
	    (!mv_marker(mv, &markers, FAILED_PERMANENTLY, 16384) &&
	     !mv_marker(mv, &markers, ABORTED, 16384)))
		return 0;
	score = 60;
	if (span_ieq(span_trim(mv_header(mv, "Subject")), "Delivery status notification"))
		score += 15;
	return score;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, BANNER),
	GATE_DONE,
};

/* The lines under "Technical details:" up to the next rule line. */
static struct span
x3_details(struct span body)
{
	static const char *const start[] = { "Technical details", NULL };
	static const char *const end[] = { "=======", NULL };

	return span_trim(text_region(body, start, end));
}

static size_t
x3_parse(struct msgview *mv)
{
	static const char *const start[] = { "following recipients", NULL };
	static const char *const end[] = { "=======", "Technical details", NULL };
	struct bounce_report *r = mv->report;
	struct span region = text_region(mv->body, start, end), why = x3_details(mv->body), line, t, a;
	size_t pos = 0, found = 0;

	while (span_next_line(region, &pos, &line)) {
		struct bounce_recipient *rc;

		t = span_trim(line);
		if (!span_istarts(t, "*") || (a = addr_find(t)).len == 0 ||
		    report_find_recipient(r, a) != NULL ||
		    (rc = report_add_recipient(r, mv->limits)) == NULL)
			continue;
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->action, SPAN_LIT("failed"));
		REPORT_SET(r, rc->diagnostic, why);
		found++;
	}
	return found;
}

static void
x3_refine(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct span why = x3_details(mv->body);
	size_t i;

	for (i = 0; i < r->nrcpt && why.len > 0; i++)
		if (r->rcpt[i].diagnostic[0] == '\0')
			REPORT_SET(r, r->rcpt[i].diagnostic, why);
}

const struct vendor_module vendor_x3 = {
	.name = "x3",
	.gate = gate,
	.markers = &markers,
	.detect = x3_detect,
	.parse = x3_parse,
	.refine = x3_refine,
};
