/*
 * barracuda.c - Barracuda Spam & Virus Firewall reports.
 *
 *	Subject: **Message you sent blocked by our bulk email filter**
 *
 *	Your message to: bob@example.org
 *	was blocked by our Spam & Virus Firewall. The email you sent with the
 *	following subject has NOT BEEN DELIVERED:
 *
 * Always with a DSN part (amavisd-new underneath); without one, the
 * address after "Your message to:" is the recipient.
 */
#include <string.h>

#include "engine.h"

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { SPAM_FIREWALL, BARRACUDA };

static const char *const phrases[] = {
	[SPAM_FIREWALL] = "was blocked by our Spam & Virus Firewall",
	[BARRACUDA] = "was blocked by the Barracuda",
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
barracuda_detect(const struct msgview *mv)
{
	struct span subj = mv_header(mv, "Subject");

	if (span_ifind(subj, "Message you sent blocked by our bulk email filter") != NULL)
		return 85;
	/* Markers sit near the top. */
	if (mv_marker(mv, &markers, SPAM_FIREWALL, 16384) ||
	    mv_marker(mv, &markers, BARRACUDA, 16384))
		return 80;
	return 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("Subject", "Message you sent blocked by our bulk email filter"),
	GATE_PHRASE(&markers, SPAM_FIREWALL),
	GATE_PHRASE(&markers, BARRACUDA),
	GATE_DONE,
};

static size_t
barracuda_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	const char *hit = span_ifind(mv->body, "Your message to:");
	struct bounce_recipient *rc;
	struct span a, rest;

	if (hit == NULL)
		return 0;
	rest = span_make(hit, (size_t)(mv->body.p + mv->body.len - hit));
	if ((a = addr_find(span_make(rest.p, rest.len < 200 ? rest.len : 200))).len == 0 ||
	    (rc = report_add_recipient(r, mv->limits)) == NULL)
		return 0;
	REPORT_SET(r, rc->recipient, a);
	REPORT_SET(r, rc->action, SPAN_LIT("failed"));
	REPORT_SET(r, rc->diagnostic, span_make(rest.p, rest.len < 300 ? rest.len : 300));
	return 1;
}

const struct vendor_module vendor_barracuda = {
	.name = "barracuda",
	.gate = gate,
	.markers = &markers,
	.detect = barracuda_detect,
	.parse = barracuda_parse,
};
