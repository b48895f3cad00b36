/*
 * postfix.c - Postfix bounces: the human part of its DSNs, the old form
 * without a DSN, delay warnings, and the SMTP server's error transcripts.
 *
 *	This is the mail system at host mx.example.com.
 *	(older: This is the Postfix program at host mx.example.com.)
 *	...
 *	<bob@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1
 *	    <bob@example.org>: Recipient address rejected: User unknown (in
 *	    reply to RCPT TO command)
 *
 * One paragraph per recipient: "<addr>:" or "<addr> (expanded from
 * <alias>):", continued on indented lines. A delay warning says "THIS IS
 * A WARNING ONLY". When Postfix could not read its own log it writes
 * "--- Delivery report unavailable ---"; the returned message's To: is
 * then the only recipient we know.
 *
 * "Postfix SMTP server: errors from host[ip]" reports quote a session
 * (" In:  RCPT TO:<a@b>" / " Out: 550 5.1.1 ...") that this Postfix
 * refused or failed itself.
 */
#include <string.h>

#include "engine.h"

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { TRANSCRIPT, MAIL_SYSTEM, POSTFIX_PROGRAM, SORRY };

static const char *const phrases[] = {
	[TRANSCRIPT] = "Transcript of session follows",
	[MAIL_SYSTEM] = "This is the mail system at host",
	[POSTFIX_PROGRAM] = "This is the Postfix program at host",
	[SORRY] = "I'm sorry to have to inform you that",
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
postfix_detect(const struct msgview *mv)
{
	struct span subj = span_trim(mv_header(mv, "Subject"));
	int score = 0;
	size_t i;

	/* The marker first: the scan has answered it already. */
	if (mv_marker(mv, &markers, TRANSCRIPT, 1024) &&
	    span_ifind(subj, "SMTP server: errors from ") != NULL)
		return 85;
	if (mv_marker(mv, &markers, MAIL_SYSTEM, 1024) ||
	    mv_marker(mv, &markers, POSTFIX_PROGRAM, 1024))
		score += 55;
	if (mv_marker(mv, &markers, SORRY, 1024))
		score += 15;
	for (i = 0; i < mv->nleaf && score < 40; i++)
		if (!mv->leaf[i].in_returned &&
		    strcmp(mv->leaf[i].type, "message/delivery-status") == 0 &&
		    span_ifind(mv->leaf[i].text, "X-Postfix-Queue-ID:") != NULL)
			score += 40;
	if (score == 0)
		return 0;
	if (span_ieq(subj, "Undelivered Mail Returned to Sender") ||
	    span_istarts(subj, "Delayed Mail (still being retried)"))
		score += 10;
	if (span_ifind(mv_header(mv, "From"), "(Mail Delivery System)") != NULL)
		score += 5;
	return score > 85 ? 85 : score;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, TRANSCRIPT),
	GATE_PHRASE(&markers, MAIL_SYSTEM),
	GATE_PHRASE(&markers, POSTFIX_PROGRAM),
	GATE_PHRASE(&markers, SORRY),
	GATE_STATUS,
	GATE_DONE,
};

static bool
pf_delayed(const struct msgview *mv)
{
	return span_ifind(mv->body, "THIS IS A WARNING ONLY") != NULL ||
	    span_istarts(span_trim(mv_header(mv, "Subject")), "Delayed Mail");
}

/* "<a@b>: text" or "<a@b> (expanded from <c@d>): text": the address and
 * where the text starts; empty address if the line is something else. */
static struct span
pf_rcpt_line(struct span t, const char **text)
{
	struct span a;
	const char *close, *colon;

	if (t.len < 4 || t.p[0] != '<' || (close = memchr(t.p, '>', t.len)) == NULL)
		return SPAN_EMPTY;
	a = addr_find(span_make(t.p + 1, (size_t)(close - t.p - 1)));
	if (a.len == 0 || a.p != t.p + 1 || a.p + a.len != close)
		return SPAN_EMPTY;
	if (close + 1 < t.p + t.len && close[1] == ':')
		colon = close + 1;
	else if (span_istarts(span_make(close + 1, (size_t)(t.p + t.len - close - 1)), " (expanded from"))
		colon = memchr(close, ':', (size_t)(t.p + t.len - close));
	else
		return SPAN_EMPTY;
	if (colon == NULL)
		return SPAN_EMPTY;
	*text = colon + 1;
	return a;
}

struct pf_para {
	struct span addr, text;
};

/* The recipient paragraphs of the human part. */
static size_t
pf_read(const struct msgview *mv, struct pf_para *para, size_t max)
{
	struct span line, t;
	size_t pos = 0, n = 0;
	struct pf_para *cur = NULL;

	while (span_next_line(mv->body, &pos, &line)) {
		const char *text = NULL;
		struct span a;

		t = span_trim(line);
		/* Continuation lines are indented and may quote "<a@b>: ". */
		if (line.len > 0 && line.p[0] == '<' && (a = pf_rcpt_line(t, &text)).len > 0) {
			if (n == max)
				break;
			cur = &para[n++];
			cur->addr = a;
			cur->text = span_trim(span_make(text, (size_t)(t.p + t.len - text)));
			continue;
		}
		if (cur == NULL)
			continue;
		if (t.len == 0 || (line.p[0] != ' ' && line.p[0] != '\t')) {
			cur = NULL;
			continue;
		}
		if (cur->text.len == 0)
			cur->text = t;
		else
			cur->text.len = (size_t)(t.p + t.len - cur->text.p);
	}
	return n;
}

static void
pf_set_error(struct msgview *mv, struct bounce_recipient *rc, const char *cmd, struct span reply)
{
	struct bounce_report *r = mv->report;

	if (rc->diagnostic[0] != '\0')
		return;
	REPORT_SET(r, rc->diagnostic, reply);
	if (cmd != NULL)
		REPORT_SET(r, rc->command, span_make(cmd, strlen(cmd)));
	REPORT_SET(r, rc->action, reply.p[0] == '4' ? SPAN_LIT("delayed") : SPAN_LIT("failed"));
}

/*
 * " In:  RCPT TO:<a@b>" / " Out: 550 5.1.1 ..." (continuations indented
 * further). An error after RCPT belongs to that recipient; an error after
 * DATA to every recipient accepted so far.
 */
static size_t
pf_parse_session(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct span line, t;
	size_t pos = 0, first = r->nrcpt, served = r->nrcpt, i;
	struct bounce_recipient *last = NULL;
	const char *cmd = NULL;

	while (span_next_line(mv->body, &pos, &line)) {
		t = span_trim(line);
		if (span_istarts(t, "In:")) {
			struct span arg = span_trim(span_make(t.p + 3, t.len - 3));

			cmd = smtp_command_word(arg);
			last = NULL;
			if (cmd != NULL && strcmp(cmd, "RCPT") == 0) {
				struct span a = addr_find(arg);

				if (a.len > 0 && (last = report_find_recipient(r, a)) == NULL &&
				    (last = report_add_recipient(r, mv->limits)) != NULL)
					REPORT_SET(r, last->recipient, a);
			}
			continue;
		}
		if (!span_istarts(t, "Out:"))
			continue;
		t = span_trim(span_make(t.p + 4, t.len - 4));
		if (t.len < 3 || (t.p[0] != '4' && t.p[0] != '5'))
			continue;
		if (last != NULL) {
			pf_set_error(mv, last, cmd, t);
			continue;
		}
		/* Each recipient takes the first error after it: start past
		 * those already served, so the work stays linear. */
		for (i = served; i < r->nrcpt; i++)
			pf_set_error(mv, &r->rcpt[i], cmd, t);
		served = r->nrcpt;
	}
	/* Recipients the server accepted and nothing failed for afterwards
	 * did not bounce: keep them out. */
	for (i = first; i < r->nrcpt; i++)
		if (r->rcpt[i].diagnostic[0] == '\0')
			break;
	if (i < r->nrcpt) {
		size_t o = first;

		for (i = first; i < r->nrcpt; i++)
			if (r->rcpt[i].diagnostic[0] != '\0')
				r->rcpt[o++] = r->rcpt[i];
		r->nrcpt = o;
	}
	return r->nrcpt - first;
}

static size_t
postfix_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct pf_para para[64];
	struct bounce_recipient *rc;
	size_t i, n, found = 0;
	bool delayed;

	if (span_ifind(mv_header(mv, "Subject"), "SMTP server: errors from ") != NULL)
		return pf_parse_session(mv);
	delayed = pf_delayed(mv);
	n = pf_read(mv, para, sizeof(para) / sizeof(para[0]));
	for (i = 0; i < n; i++) {
		if ((rc = report_find_recipient(r, para[i].addr)) == NULL) {
			if ((rc = report_add_recipient(r, mv->limits)) == NULL)
				break;
			REPORT_SET(r, rc->recipient, para[i].addr);
			REPORT_SET(r, rc->action, delayed ? SPAN_LIT("delayed") : SPAN_LIT("failed"));
			found++;
		}
		if (rc->diagnostic[0] == '\0')
			REPORT_SET(r, rc->diagnostic, para[i].text);
	}
	if (found == 0 && span_ifind(mv->body, "Delivery report unavailable") != NULL) {
		struct span to = addr_find(returned_header(mv->returned, "To"));

		if (to.len > 0 && (rc = report_add_recipient(r, mv->limits)) != NULL) {
			REPORT_SET(r, rc->recipient, to);
			REPORT_SET(r, rc->action, delayed ? SPAN_LIT("delayed") : SPAN_LIT("failed"));
			found++;
		}
	}
	return found;
}

/*
 * The DSN carries most of it. Mend a Diagnostic-Code that says nothing
 * (empty, or a bare number) from the recipient's paragraph.
 */
static void
postfix_refine(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct pf_para para[64];
	size_t i, k, n;

	n = pf_read(mv, para, sizeof(para) / sizeof(para[0]));
	for (i = 0; i < r->nrcpt; i++) {
		struct bounce_recipient *rc = &r->rcpt[i];
		const char *d = rc->diagnostic;
		struct pf_para *p = NULL;
		struct diag_info info;
		const char *flat;

		for (k = 0; k < n && p == NULL; k++)
			if (span_ieq(para[k].addr, rc->recipient) ||
			    span_ieq(para[k].addr, rc->original_recipient))
				p = &para[k];
		if (p == NULL && n == 1 && r->nrcpt == 1)
			p = &para[0];
		if (p == NULL)
			continue;
		while (*d >= '0' && *d <= '9')
			d++;
		if (*d == '\0')
			REPORT_SET(r, rc->diagnostic, p->text);
		if (rc->command[0] != '\0' && rc->remote_mta[0] != '\0')
			continue;	/* nothing the paragraph could add */
		/* "(in reply to RCPT TO command)" is only in the paragraph. */
		flat = text_field(mv->arena, p->text);	/* unfolded: "to\n    RCPT" */
		diag_extract(span_make(flat, strlen(flat)), &info);
		if (rc->command[0] == '\0' && info.command[0] != '\0')
			REPORT_SET(r, rc->command, span_make(info.command, strlen(info.command)));
		if (rc->remote_mta[0] == '\0' && info.remote_host.len > 0)
			REPORT_SET(r, rc->remote_mta, info.remote_host);
	}
}

const struct vendor_module vendor_postfix = {
	.name = "postfix",
	.gate = gate,
	.markers = &markers,
	.detect = postfix_detect,
	.parse = postfix_parse,
	.refine = postfix_refine,
};
