/*
 * receivingses.c - Amazon SES, the receiving side.
 *
 * Mail sent to a domain whose MX is SES inbound (inbound-smtp.<region>.
 * amazonaws.com) and refused there comes back as a plain RFC 3464 report
 * sent through SES (X-SES-Outgoing), whose human part says only "This
 * message could not be delivered." The DSN path reads it completely;
 * this module names the family.
 */
#include "engine.h"

static int
receivingses_detect(const struct msgview *mv)
{
	struct span head = span_make(mv->body.p, mv->body.len < 256 ? mv->body.len : 256);

	if (mv_header(mv, "X-SES-Outgoing").len == 0)
		return 0;
	return span_ifind(head, "This message could not be delivered.") != NULL ? 85 : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_SET("X-SES-Outgoing"),
	GATE_DONE,
};

const struct vendor_module vendor_receivingses = {
	.name = "receivingses",
	.gate = gate,
	.detect = receivingses_detect,
};
