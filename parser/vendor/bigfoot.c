/*
 * bigfoot.c - Bigfoot (bigfoot.com) forwarding service bounces.
 *
 * Bigfoot's LiteMail writes a Sendmail-style report (the Sendmail module
 * reads it) but returns the message as message/partial, which is not
 * where returned messages are usually looked for; refine() points there.
 */
#include <string.h>

#include "engine.h"

static int
bigfoot_detect(const struct msgview *mv)
{
	static const char *const relay[] = { ".bigfoot.com", NULL };

	if (span_ifind(mv_header(mv, "From"), "@bigfoot.com") != NULL)
		return mv_looks_like_report_once(mv) ? 98 : 0;
	/* The sender test first: it is remembered, the relay test is not. */
	return mv_from_daemon_once(mv) && mv_header_has(mv, "Received", 8, relay) ? 90 : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("From", "@bigfoot.com"),
	GATE_HAS("Received", ".bigfoot.com"),
	GATE_DONE,
};

static void
bigfoot_returned(struct msgview *mv)
{
	size_t i;

	for (i = 0; i < mv->nleaf && mv->returned.len == 0; i++)
		if (strcmp(mv->leaf[i].type, "message/partial") == 0)
			mv->returned = mv->leaf[i].text;
}

static size_t
bigfoot_parse(struct msgview *mv)
{
	const struct vendor_module *sm = vendor_by_name("sendmail");
	size_t found = sm != NULL && sm->parse != NULL ? sm->parse(mv) : 0;

	bigfoot_returned(mv);
	return found;
}

static void
bigfoot_refine(struct msgview *mv)
{
	const struct vendor_module *sm = vendor_by_name("sendmail");

	if (sm != NULL && sm->refine != NULL)
		sm->refine(mv);
	bigfoot_returned(mv);
}

const struct vendor_module vendor_bigfoot = {
	.name = "bigfoot",
	.gate = gate,
	.detect = bigfoot_detect,
	.parse = bigfoot_parse,
	.refine = bigfoot_refine,
};
