/*
 * aol.c - AOL's "Undeliverable:" reports.
 *
 * From Postmaster@AOL.com: an RFC 3464 report whose human part is HTML
 * ("Email Returned ... We were unable to deliver your message to the
 * following address"). The status block says everything, down to a
 * Diagnostic-Code of type X-Outbound-Mail-Relay for DNS failures; the DSN
 * path reads it and this module names the family. AOL's relays that
 * send Postfix's own report (MAILER-DAEMON@aol.com) are Postfix's.
 */
#include "engine.h"

static int
aol_detect(const struct msgview *mv)
{
	struct span from = mv_header(mv, "From");

	if (span_ifind(from, "postmaster@aol.com") == NULL)
		return 0;
	return mv_header(mv, "X-AOL-IP").len > 0 || mv_looks_like_report_once(mv) ? 88 : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("From", "postmaster@aol.com"),
	GATE_DONE,
};

const struct vendor_module vendor_aol = {
	.name = "aol",
	.gate = gate,
	.detect = aol_detect,
};
