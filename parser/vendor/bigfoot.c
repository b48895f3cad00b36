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
	struct span rcvd;
	int i;

	if (span_ifind(mv_header(mv, "From"), "@bigfoot.com") != NULL)
		return mv_looks_like_report(mv) ? 98 : 0;
	for (i = 0; i < 8; i++) {
		if ((rcvd = mv_header_nth(mv, "Received", i)).len == 0)
			break;
		if (span_ifind(rcvd, ".bigfoot.com") != NULL && mv_from_daemon(mv))
			return 90;
	}
	return 0;
}

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
	.detect = bigfoot_detect,
	.parse = bigfoot_parse,
	.refine = bigfoot_refine,
};
