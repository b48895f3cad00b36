/*
 * gmail.c - Gmail's own bounces (mailer-daemon@googlemail.com).
 *
 * Until about 2015 Gmail wrote plain text, the returned message inline:
 *
 *	Delivery to the following recipient failed permanently:
 *	     bob@example.org
 *	Technical details of permanent failure:
 *	Google tried to deliver your message, but it was rejected by the
 *	server for the recipient domain example.org by mx.example.org.
 *	[192.0.2.1].
 *	The error that the other server returned was:
 *	550-5.1.1 The account does not exist
 *	550 5.1.1 Please check the address
 *	----- Original message -----
 *
 * ("has been delayed" and "temporary failure" in delay warnings; older
 * ones put the reply on the same line as "returned was:" and repeat the
 * reply code, "550 550 5.7.1 ... (state 13).").
 *
 * Later bounces say "** Address not found **", "Your message wasn't
 * delivered to bob@example.org because ...", "The response from the
 * remote server was:" and usually carry an RFC 3464 part: the DSN path
 * reads that, and refine() adds what the status block leaves out.
 */
#include <ctype.h>
#include <string.h>

#include "engine.h"

static const char *const gmail_returned[] = {
	"----- Original message -----", "----- Message header follows -----", NULL,
};

/* Sentences of the newer notifications that name the recipient. */
static const struct {
	const char *lead;
	bool	    delayed;
} gmail_leads[] = {
	{ "Your message wasn't delivered to ", false },
	{ "Your message was not delivered to ", false },
	{ "There was a problem delivering your message to ", false },
	{ "There was a temporary problem delivering your message to ", true },
	{ "Your message to ", false },		/* "... has been blocked" */
};

/* Gmail's session states ("(state 14)") and the command each stood for. */
static const struct {
	const char *state;
	const char *command;
} gmail_states[] = {
	{ "(state 6)", "MAIL" }, { "(state 8)", "AUTH" }, { "(state 9)", "AUTH" },
	{ "(state 12)", "AUTH" }, { "(state 13)", "HELO" }, { "(state 14)", "RCPT" },
	{ "(state 15)", "DATA" }, { "(state 17)", "DATA" }, { "(state 18)", "DATA" },
};

static int
gmail_detect(const struct msgview *mv)
{
	struct span from = mv_header(mv, "From");

	if (span_ifind(from, "mailer-daemon@googlemail.com") == NULL &&
	    span_ifind(from, "mailer-daemon@google.com") == NULL)
		return 0;
	if (span_ifind(mv_header(mv, "Subject"), "Delivery Status Notification") != NULL)
		return 80;
	return 60;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("From", "mailer-daemon@googlemail.com"),
	GATE_HAS("From", "mailer-daemon@google.com"),
	GATE_DONE,
};

/* The text after the first occurrence of marker in s; empty if none. */
static struct span
after(struct span s, const char *marker)
{
	const char *hit = span_ifind(s, marker);

	if (hit == NULL)
		return SPAN_EMPTY;
	hit += strlen(marker);
	return span_make(hit, (size_t)(s.p + s.len - hit));
}

/* The first paragraph of s (up to a blank line), trimmed. */
static struct span
paragraph(struct span s)
{
	struct span line;
	size_t pos = 0;
	const char *start = NULL, *end = NULL;

	while (span_next_line(s, &pos, &line)) {
		struct span t = span_trim(line);

		if (t.len == 0) {
			if (start != NULL)
				break;
			continue;
		}
		if (start == NULL)
			start = t.p;
		end = t.p + t.len;
	}
	return start != NULL ? span_make(start, (size_t)(end - start)) : SPAN_EMPTY;
}

/* "550 550 5.7.1 ..." says its reply code twice; keep one. */
static struct span
drop_doubled_reply(struct span s)
{
	s = span_trim(s);
	if (s.len > 8 && isdigit((unsigned char)s.p[0]) && s.p[3] == ' ' &&
	    memcmp(s.p, s.p + 4, 3) == 0 && (s.p[7] == ' ' || s.p[7] == '-'))
		return span_make(s.p + 4, s.len - 4);
	return s;
}

/* "by mx.example.org. [192.0.2.1]" or "[(0) mx.example.org. [192.0.2.1]:25:
 * socket error]" or "[mx.example.org 192.0.2.1: socket error]". */
static struct span
gmail_host(struct span details)
{
	static const char *const intro[] = { " by ", "[(0) ", "\n[" };
	const char *end = details.p + details.len;
	size_t k;

	for (k = 0; k < sizeof(intro) / sizeof(intro[0]); k++) {
		struct span rest = details;
		const char *p, *h;

		while ((p = span_ifind(rest, intro[k])) != NULL) {
			h = p += strlen(intro[k]);
			while (p < end && (isalnum((unsigned char)*p) || *p == '-' || *p == '.'))
				p++;
			rest = span_make(p, (size_t)(end - p));
			while (p > h && p[-1] == '.')
				p--;
			if (p > h && memchr(h, '.', (size_t)(p - h)) != NULL)
				return span_make(h, (size_t)(p - h));
		}
	}
	return SPAN_EMPTY;
}

static const char *
gmail_state_command(struct span s)
{
	size_t k;

	for (k = 0; k < sizeof(gmail_states) / sizeof(gmail_states[0]); k++)
		if (span_ifind(s, gmail_states[k].state) != NULL)
			return gmail_states[k].command;
	return NULL;
}

/*
 * The old form: indented addresses after "Delivery to the following
 * recipient(s) ...", then one "Technical details" block for all of them.
 */
static size_t
parse_classic(struct msgview *mv, struct span text)
{
	static const char *const lead[] = { "Delivery to the following recipient", NULL };
	struct bounce_report *r = mv->report;
	struct span region, line, details, said, host;
	size_t pos = 0, found = 0, first = r->nrcpt, i;
	const char *rest = NULL, *action, *cmd;
	bool delayed;

	if ((region = text_region(text, lead, NULL)).len == 0)
		return 0;
	delayed = span_ifind(span_make(text.p, (size_t)(region.p - text.p)),
	    "has been delayed") != NULL;
	action = delayed ? "delayed" : "failed";
	while (span_next_line(region, &pos, &line)) {
		struct span t = span_trim(line), a;
		struct bounce_recipient *rc;

		if (t.len == 0)
			continue;
		a = addr_find(t);
		if (line.len == 0 || !isspace((unsigned char)line.p[0]) || a.len == 0 ||
		    a.p - t.p > 1) {
			rest = line.p;
			break;
		}
		if (report_find_recipient(r, a) != NULL)
			continue;
		if ((rc = report_add_recipient(r, mv->limits)) == NULL)
			break;
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->action, span_make(action, strlen(action)));
		found++;
	}
	if (found == 0 || rest == NULL)
		return found;

	/* What Google says, then (if it got that far) what the server said. */
	details = span_make(rest, (size_t)(region.p + region.len - rest));
	if ((said = after(details, "failure:")).len > 0)
		details = said;
	said = after(details, "The error that the other server returned was:");
	said = said.len > 0 ? drop_doubled_reply(said) : span_trim(details);
	host = gmail_host(details);
	cmd = gmail_state_command(said);
	for (i = first; i < r->nrcpt; i++) {
		struct bounce_recipient *rc = &r->rcpt[i];

		REPORT_SET(r, rc->diagnostic, said);
		if (host.len > 0)
			REPORT_SET(r, rc->remote_mta, host);
		if (cmd != NULL)
			REPORT_SET(r, rc->command, span_make(cmd, strlen(cmd)));
	}
	return found;
}

/* The remote server's reply in the newer form, or Google's own sentence. */
static struct span
modern_diagnostic(struct span text, struct span sentence)
{
	struct span said = after(text, "The response from the remote server was:");

	if (said.len == 0)
		said = after(text, "The response was:");
	said = paragraph(said);
	return said.len > 0 ? said : sentence;
}

/* The line of the newer form that names a recipient; its index in
 * gmail_leads, -1 if none. */
static int
modern_lead(struct span line, struct span *addr)
{
	size_t k;

	for (k = 0; k < sizeof(gmail_leads) / sizeof(gmail_leads[0]); k++) {
		const char *hit = span_ifind(line, gmail_leads[k].lead);

		if (hit == NULL)
			continue;
		hit += strlen(gmail_leads[k].lead);
		*addr = addr_find(span_make(hit, (size_t)(line.p + line.len - hit)));
		if (addr->len > 0 && addr->p - hit <= 1)
			return (int)k;
	}
	return -1;
}

static size_t
parse_modern(struct msgview *mv, struct span text)
{
	struct bounce_report *r = mv->report;
	struct span line, a;
	size_t pos = 0, found = 0;
	int k;

	while (span_next_line(text, &pos, &line)) {
		struct bounce_recipient *rc;
		const char *action;

		if ((k = modern_lead(line, &a)) < 0 || report_find_recipient(r, a) != NULL)
			continue;
		if ((rc = report_add_recipient(r, mv->limits)) == NULL)
			break;
		action = gmail_leads[k].delayed ? "delayed" : "failed";
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->action, span_make(action, strlen(action)));
		REPORT_SET(r, rc->diagnostic,
		    modern_diagnostic(span_make(line.p, (size_t)(text.p + text.len - line.p)),
		    span_trim(line)));
		found++;
	}
	return found;
}

static size_t
gmail_parse(struct msgview *mv)
{
	struct span text = text_region(mv->body, NULL, gmail_returned);
	size_t found;

	if ((found = parse_classic(mv, text)) == 0)
		found = parse_modern(mv, text);
	if (found > 0 && mv->returned.len == 0)
		mv->returned = text_region(mv->body, gmail_returned, NULL);
	return found;
}

/* "gmr-smtp-in.l.google.com. (2607:f8b0::e, the server for the domain
 * example.org.)": the host name alone. */
static void
clean_remote_mta(struct bounce_report *r, struct bounce_recipient *rc)
{
	struct span s = span_make(rc->remote_mta, strlen(rc->remote_mta));
	size_t n = 0;

	while (n < s.len && s.p[n] != ' ' && s.p[n] != '(')
		n++;
	while (n > 0 && s.p[n - 1] == '.')
		n--;
	if (n > 0 && n < s.len)
		REPORT_SET(r, rc->remote_mta, span_make(s.p, n));
}

/* The DSN's status block often has no Diagnostic-Code; the human part
 * then says what happened ("Your message wasn't delivered to ..."). */
static void
gmail_refine(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct span text = mv->body, line, a;
	size_t i, pos;

	for (i = 0; i < r->nrcpt; i++) {
		struct bounce_recipient *rc = &r->rcpt[i];

		clean_remote_mta(r, rc);
		if (rc->diagnostic[0] != '\0')
			continue;
		pos = 0;
		while (span_next_line(text, &pos, &line)) {
			if (modern_lead(line, &a) < 0 || !span_ieq(a, rc->recipient))
				continue;
			REPORT_SET(r, rc->diagnostic,
			    modern_diagnostic(span_make(line.p,
			    (size_t)(text.p + text.len - line.p)), span_trim(line)));
			break;
		}
	}
}

const struct vendor_module vendor_gmail = {
	.name = "gmail",
	.gate = gate,
	.detect = gmail_detect,
	.parse = gmail_parse,
	.refine = gmail_refine,
};
