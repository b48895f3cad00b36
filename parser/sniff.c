/*
 * sniff.c - could this message be a report? (see sniff.h)
 *
 * The signs are the ones the parser itself trusts (signals.c,
 * autoreply.c, arf.c), read from header fields only. A sign is a bit;
 * the verdict is "any bit set". Matching is ASCII case-insensitive on the
 * raw value, so an RFC 2047-encoded subject is not recognised: such
 * reports almost always come with a null sender, which is.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "sniff.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* Local parts that only ever send reports (RFC 5321 4.5.5 wants <>). */
static const char *const daemon_locals[] = {
	"mailer-daemon", "mailer_daemon", "postmaster", "double-bounce",
	"mdaemon",
};

static const char *const daemon_from_words[] = {
	"mailer-daemon", "mailer_daemon", "postmaster", "post_master", "mail delivery",
	"maildelivery", "mail administrator", "mail-daemon", "mdaemon",
	"microsoftexchange", "mail system", "delivery subsystem",
	"deliverysubsystem", "noreply-dsn",
};

static const char *const bounce_subject_words[] = {
	"undeliver", "delivery status", "delivery failure", "delivery failed",
	"delivery notification", "failure notice", "returned mail",
	"returned to sender", "non-delivery", "nondelivery", "non delivery",
	"could not be delivered", "not delivered", "delivery has failed",
	"delivery problem", "mail system error", "could not send",
	"delayed mail", "delivery delayed", "delivery report",
	"message delivery", "bounce", "rejected", "mail failure",
	"permanent error", "delivery error", "error sending", "unzustellbar",
	"nicht zustellbar", "fehlgeschlagen", "non remis", "no entregado",
	"abuse report", "feedback report", "complaint",
};

static const char *const autoreply_subject_starts[] = {
	"auto:", "automatic reply", "auto reply", "auto-reply", "autoreply",
	"auto response", "auto-response", "autoresponse", "out of office",
	"out of the office", "away from", "on vacation", "vacation reply",
	"abwesenheitsnotiz", "automatische antwort",
};

/* Fields whose mere presence marks an auto-reply or a report. */
static const char *const autoreply_fields[] = {
	"X-Autoreply", "X-Autorespond", "X-Mail-Autoreply",
};
static const char *const ndr_fields[] = {
	"X-Failed-Recipients", "X-MS-Exchange-Message-Is-Ndr",
	"X-Amz-Sns-Message-Id",		/* SES notifications sent by SNS */
};

static const char *const sign_names[] = {
	"null-sender", "report-type", "auto-submitted", "autoreply-field",
	"ndr-field", "daemon-from", "bounce-subject", "autoreply-subject",
};

static bool
any_word(struct span s, const char *const *words, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (span_ifind(s, words[k]) != NULL)
			return true;
	return false;
}

static bool
any_start(struct span s, const char *const *words, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (span_istarts(s, words[k]))
			return true;
	return false;
}

static bool
name_is(const char *name, size_t nlen, const char *want)
{
	return strlen(want) == nlen && strncasecmp(name, want, nlen) == 0;
}

static bool
name_in(const char *name, size_t nlen, const char *const *list, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (name_is(name, nlen, list[k]))
			return true;
	return false;
}

void
bounce_sniff_init(struct bounce_sniff *sn)
{
	sn->signs = 0;
}

void
bounce_sniff_sender(struct bounce_sniff *sn, const char *addr, size_t len)
{
	struct span a = span_trim(span_make(addr, len));
	const char *at;
	size_t k;

	if (a.len > 0 && a.p[0] == '<') {
		a.p++;
		a.len--;
		if (a.len > 0 && a.p[a.len - 1] == '>')
			a.len--;
	}
	a = span_trim(a);
	if (a.len == 0) {
		sn->signs |= SNIFF_NULL_SENDER;
		return;
	}
	at = memchr(a.p, '@', a.len);
	if (at != NULL)
		a.len = (size_t)(at - a.p);
	for (k = 0; k < NITEMS(daemon_locals); k++)
		if (span_ieq(a, daemon_locals[k]))
			sn->signs |= SNIFF_NULL_SENDER;
}

void
bounce_sniff_header(struct bounce_sniff *sn, const char *name, size_t nlen,
		    const char *value, size_t vlen)
{
	struct span v = span_trim(span_make(value, vlen));

	if (name_is(name, nlen, "Content-Type")) {
		if (span_istarts(v, "multipart/report") ||
		    span_istarts(v, "message/delivery-status") ||
		    span_istarts(v, "message/global-delivery-status") ||
		    span_istarts(v, "message/feedback-report"))
			sn->signs |= SNIFF_REPORT_TYPE;
	} else if (name_is(name, nlen, "Auto-Submitted")) {
		if (v.len > 0 && !span_istarts(v, "no"))
			sn->signs |= SNIFF_AUTO_SUBMITTED;
	} else if (name_is(name, nlen, "Precedence")) {
		if (span_ieq(v, "auto_reply"))
			sn->signs |= SNIFF_AUTOREPLY_FIELD;
	} else if (name_in(name, nlen, autoreply_fields, NITEMS(autoreply_fields))) {
		if (v.len > 0)
			sn->signs |= SNIFF_AUTOREPLY_FIELD;
	} else if (name_in(name, nlen, ndr_fields, NITEMS(ndr_fields))) {
		if (v.len > 0 && !span_ieq(v, "false"))
			sn->signs |= SNIFF_NDR_FIELD;
	} else if (name_is(name, nlen, "From") || name_is(name, nlen, "Sender")) {
		if (any_word(v, daemon_from_words, NITEMS(daemon_from_words)))
			sn->signs |= SNIFF_DAEMON_FROM;
	} else if (name_is(name, nlen, "Return-Path")) {
		bounce_sniff_sender(sn, v.p, v.len);
	} else if (name_is(name, nlen, "Subject")) {
		if (any_word(v, bounce_subject_words, NITEMS(bounce_subject_words)))
			sn->signs |= SNIFF_BOUNCE_SUBJECT;
		if (any_start(v, autoreply_subject_starts, NITEMS(autoreply_subject_starts)))
			sn->signs |= SNIFF_AUTOREPLY_SUBJECT;
	}
}

bool
bounce_sniff_maybe_report(const struct bounce_sniff *sn)
{
	return sn->signs != 0;
}

const char *
bounce_sniff_describe(const struct bounce_sniff *sn, char *buf, size_t len)
{
	size_t k, used = 0;
	int n;

	if (len == 0)
		return "";
	buf[0] = '\0';
	for (k = 0; k < NITEMS(sign_names); k++) {
		if ((sn->signs & (1u << k)) == 0)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? " " : "", sign_names[k]);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(buf, len, "none");
	return buf;
}
