/*
 * signals.c - header signs that a message is a report, for detection.
 *
 * Shared by the vendor modules and the generic paths, so that "is this a
 * bounce at all?" is answered the same way everywhere.
 */
#include <string.h>

#include "engine.h"

static const char *const daemon_senders[] = {
	"mailer-daemon", "mailer_daemon", "postmaster", "mail delivery",
	"maildelivery", "mail administrator", "mailadmin", "mail-daemon",
	"mdaemon", "bounce", "nobody@", "noreply-dsn", "microsoftexchange",
	"mail system", "delivery subsystem", "deliverysubsystem",
	"notification", "daemon@", "root@", "mail@",
};

bool
mv_from_daemon(const struct msgview *mv)
{
	struct span from = mv_header(mv, "From");
	size_t k;

	if (from.len == 0)
		return false;
	for (k = 0; k < sizeof(daemon_senders) / sizeof(daemon_senders[0]); k++)
		if (span_ifind(from, daemon_senders[k]) != NULL)
			return true;
	return false;
}

static const char *const bounce_subjects[] = {
	"undeliver", "undelivered", "delivery status", "delivery failure",
	"delivery failed", "delivery notification", "failure notice",
	"returned mail", "returned to sender", "mail delivery failed",
	"non-delivery", "nondelivery", "non delivery", "could not be delivered",
	"not delivered", "delivery has failed", "delivery problem",
	"mail system error", "warning: could not send", "delayed mail",
	"delivery delayed", "delivery report", "message delivery",
	"bounce", "rejected", "mail failure", "permanent error",
	"delivery error", "error sending", "unzustellbar", "non remis",
	"no entregado", "配信", "エラー", "fehlgeschlagen", "nicht zustellbar",
};

bool
mv_subject_bounce(const struct msgview *mv)
{
	struct span subj = mv_header(mv, "Subject");
	size_t k;

	for (k = 0; k < sizeof(bounce_subjects) / sizeof(bounce_subjects[0]); k++)
		if (span_ifind(subj, bounce_subjects[k]) != NULL)
			return true;
	return false;
}

bool
mv_null_sender(const struct msgview *mv)
{
	struct span rp = span_trim(mv_header(mv, "Return-Path"));

	return span_ieq(rp, "<>") || span_ieq(rp, "<MAILER-DAEMON>");
}

bool
mv_looks_like_report(const struct msgview *mv)
{
	return mv_null_sender(mv) || mv_from_daemon(mv) || mv_subject_bounce(mv) ||
	    strcmp(mv->content_type, "multipart/report") == 0;
}
