/*
 * einsundeins.c - 1&1 (IONOS, kundenserver.de) returned mail.
 *
 * 1&1 runs the same mail system as GMX (gmx.c reads the notice), with
 * the details on one line:
 *
 *	bob@example.org:
 *	SMTP error from remote server for TEXT command, host: mx.example.org
 *	(192.0.2.1) reason: 550 5.7.1 Message rejected
 *
 * or "For the following reason:" and 1&1's own words ("Mail size limit
 * exceeded. ..."). This module tells 1&1 from GMX by the sender.
 */
#include "engine.h"

static int
einsundeins_detect(const struct msgview *mv)
{
	static const char *const senders[] = {
		"kundenserver.de", "1und1.", "1and1.", "ionos.", "online.de",
	};
	struct span from = mv_header(mv, "From");
	size_t k;

	for (k = 0; k < sizeof(senders) / sizeof(senders[0]); k++)
		if (span_ifind(from, senders[k]) != NULL)
			break;
	if (k == sizeof(senders) / sizeof(senders[0]))
		return 0;
	return span_ifind(mv->body, "--- The header of the original message is following. ---") != NULL ? 90 : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("From", "kundenserver.de"),
	GATE_HAS("From", "1und1."),
	GATE_HAS("From", "1and1."),
	GATE_HAS("From", "ionos."),
	GATE_HAS("From", "online.de"),
	GATE_DONE,
};

static size_t
einsundeins_parse(struct msgview *mv)
{
	const struct vendor_module *ui = vendor_by_name("gmx");

	return ui != NULL && ui->parse != NULL ? ui->parse(mv) : 0;
}

const struct vendor_module vendor_einsundeins = {
	.name = "einsundeins",
	.gate = gate,
	.detect = einsundeins_detect,
	.parse = einsundeins_parse,
};
