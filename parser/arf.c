/*
 * arf.c - RFC 5965 feedback reports (abuse, opt-out, auth-failure ...).
 *
 * The message/feedback-report part has header-like fields. The complaining
 * recipient is Original-Rcpt-To; reports that redact it leave us the To:
 * of the returned message. One recipient per Original-Rcpt-To.
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "arf.h"

static bool
is_feedback_leaf(const struct mime_leaf *l)
{
	return strcmp(l->type, "message/feedback-report") == 0;
}

/* Apple Mail answers a List-Unsubscribe mailto: with a message of its
 * own, marked X-Apple-Unsubscribe: true: an opt-out, said by a program. */
static bool
is_unsubscribe_request(const struct msgview *mv)
{
	return span_ieq(span_trim(mv_header(mv, "X-Apple-Unsubscribe")), "true");
}

/* Microsoft's Junk Mail Reporting Program sends no feedback-report part;
 * the returned message carries X-HmXmrOriginalRecipient instead. */
static struct span
jmrp_recipient(const struct msgview *mv)
{
	const char *h;
	struct span rest;

	if (mv->returned.len == 0 ||
	    (h = span_ifind(mv->returned, "X-HmXmrOriginalRecipient:")) == NULL ||
	    (h != mv->returned.p && h[-1] != '\n'))
		return SPAN_EMPTY;
	rest = span_make(h, mv->returned.len - (size_t)(h - mv->returned.p));
	{
		const char *nl = memchr(rest.p, '\n', rest.len);

		if (nl != NULL)
			rest.len = (size_t)(nl - rest.p);
	}
	return addr_find(rest);
}

bool
arf_detect(const struct msgview *mv)
{
	size_t i;

	if (is_unsubscribe_request(mv))
		return true;
	if (jmrp_recipient(mv).len > 0)
		return true;
	if (strcmp(mv->report_type, "feedback-report") == 0)
		return true;
	for (i = 0; i < mv->nleaf; i++)
		if (is_feedback_leaf(&mv->leaf[i]) && !mv->leaf[i].in_returned)
			return true;
	return false;
}

/* The feedback fields: the message/feedback-report part, or for reports
 * that put them in text (some providers), the body. */
static struct span
feedback_fields(const struct msgview *mv)
{
	size_t i;

	for (i = 0; i < mv->nleaf; i++)
		if (is_feedback_leaf(&mv->leaf[i]) && !mv->leaf[i].in_returned)
			return mv->leaf[i].text;
	return mv->body;
}

static void
unsubscribe_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct bounce_recipient *rc;

	r->kind = BOUNCE_KIND_ARF;
	if ((rc = report_add_recipient(r, mv->limits)) == NULL)
		return;
	REPORT_SET(r, rc->recipient, addr_find(mv_header(mv, "From")));
	rc->feedback_type = "opt-out";
	REPORT_SET(r, rc->diagnostic, span_trim(mv->body));
}

void
arf_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct span fields = feedback_fields(mv), line, type = SPAN_EMPTY;
	struct span source_ip = SPAN_EMPTY, agent = SPAN_EMPTY;
	struct span rcpts[64];
	size_t pos = 0, nr = 0, i;
	char diag[512];

	if (is_unsubscribe_request(mv)) {
		unsubscribe_parse(mv);
		return;
	}
	if ((rcpts[0] = jmrp_recipient(mv)).len > 0) {
		struct bounce_recipient *rc;

		r->kind = BOUNCE_KIND_ARF;
		if ((rc = report_add_recipient(r, mv->limits)) == NULL)
			return;
		REPORT_SET(r, rc->recipient, rcpts[0]);
		rc->feedback_type = "abuse";	/* the only kind JMRP sends */
		REPORT_SET(r, rc->diagnostic, mv_header(mv, "Subject"));
		return;
	}
	while (span_next_line(fields, &pos, &line)) {
		const char *colon = memchr(line.p, ':', line.len);
		struct span name, value;

		if (colon == NULL)
			continue;
		name = span_make(line.p, (size_t)(colon - line.p));
		value = span_trim(span_make(colon + 1, line.len - (size_t)(colon + 1 - line.p)));
		if (span_ieq(name, "Feedback-Type"))
			type = value;
		else if (span_ieq(name, "Source-IP"))
			source_ip = value;
		else if (span_ieq(name, "User-Agent"))
			agent = value;
		else if (span_ieq(name, "Reporting-MTA"))
			REPORT_SET(r, r->reporting_mta, value);
		else if (span_ieq(name, "Arrival-Date") || span_ieq(name, "Received-Date"))
			REPORT_SET(r, r->arrival_date, value);
		else if (span_ieq(name, "Original-Rcpt-To") || span_ieq(name, "Removal-Recipient")) {
			struct span a = addr_find(value);

			if (a.len > 0 && nr < sizeof(rcpts) / sizeof(rcpts[0]))
				rcpts[nr++] = a;
		}
	}
	r->kind = BOUNCE_KIND_ARF;
	snprintf(diag, sizeof(diag), "%s%.*s%s%.*s",
	    source_ip.len ? "Source-IP: " : "", (int)(source_ip.len < 64 ? source_ip.len : 64), source_ip.p,
	    agent.len ? (source_ip.len ? "; User-Agent: " : "User-Agent: ") : "",
	    (int)(agent.len < 128 ? agent.len : 128), agent.p);
	if (nr == 0) {
		/* Redacted or absent: the returned message's To: is the
		 * mailbox that complained. */
		struct span line2;

		pos = 0;
		while (span_next_line(mv->returned, &pos, &line2)) {
			if (line2.len == 0)
				break;
			if (span_istarts(line2, "To:")) {
				struct span a = addr_find(line2);

				if (a.len > 0)
					rcpts[nr++] = a;
				break;
			}
		}
	}
	if (nr == 0)
		rcpts[nr++] = SPAN_EMPTY;
	for (i = 0; i < nr; i++) {
		struct bounce_recipient *rc = report_add_recipient(r, mv->limits);

		if (rc == NULL)
			break;
		REPORT_SET(r, rc->recipient, rcpts[i]);
		rc->feedback_type = text_field_lower(mv->arena, type);
		REPORT_SET(r, rc->diagnostic, span_make(diag, strlen(diag)));
	}
}
