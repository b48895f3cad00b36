/*
 * amazonworkmail.c - Amazon WorkMail's bounces.
 *
 * WorkMail sends through SES (X-SES-Outgoing) with X-Mailer "Amazon
 * WorkMail", and writes the RFC 3464 fields into its text part after
 * "Technical report:" instead of a message/delivery-status part:
 *
 *	An error occurred while trying to deliver the mail to the following
 *	recipients:
 *	bob@example.org
 *
 *	Technical report:
 *
 *	Reporting-MTA: dsn; a1-2.smtp-out.us-west-2.amazonses.com
 *	Action: failed
 *	Final-Recipient: rfc822; bob@example.org
 *	Diagnostic-Code: smtp; 554 4.4.7 Message expired: unable to deliver
 *	    in 840 minutes.<421 4.4.2 Connection timed out>
 *	Status: 4.4.7
 *
 * The DSN path reads those fields; the remote server's own reply, the
 * one in angle brackets, gives the codes (diag.c finds the reply whose
 * status agrees in class). This module names the family.
 */
#include "engine.h"

static int
amazonworkmail_detect(const struct msgview *mv)
{
	if (span_ifind(mv_header(mv, "X-Mailer"), "Amazon WorkMail") == NULL &&
	    span_ifind(mv_header(mv, "X-Original-Mailer"), "Amazon WorkMail") == NULL)
		return 0;
	if (span_ifind(mv->body, "Technical report:") != NULL)
		return 90;
	return mv_from_daemon_once(mv) ? 70 : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("X-Mailer", "Amazon WorkMail"),
	GATE_HAS("X-Original-Mailer", "Amazon WorkMail"),
	GATE_DONE,
};

const struct vendor_module vendor_amazonworkmail = {
	.name = "amazonworkmail",
	.gate = gate,
	.detect = amazonworkmail_detect,
};
