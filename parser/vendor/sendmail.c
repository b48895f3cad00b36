/*
 * sendmail.c - Sendmail (V8) bounces, with or without a DSN part.
 *
 * A V8 bounce names the failed addresses, then quotes the SMTP session:
 *
 *	   ----- The following addresses had permanent fatal errors -----
 *	<bob@example.org>
 *	    (reason: 550 5.1.1 <bob@example.org>... User unknown)
 *
 *	   ----- Transcript of session follows -----
 *	... while talking to mx.example.org.:
 *	>>> RCPT To:<bob@example.org>
 *	<<< 550 5.1.1 <bob@example.org>... User unknown
 *	550 5.1.1 <bob@example.org>... User unknown
 *
 *	   ----- Original message follows -----
 *
 * Most V8 bounces also carry an RFC 3464 part; its Diagnostic-Code is
 * sometimes only a local mailer's exit code ("X-Unix; 77") or empty, and
 * its Status is Sendmail's own mapping (4.4.7 "queue timeout", 5.1.1 for
 * any "User unknown") where the remote server said something more
 * precise. refine() puts the transcript's words back.
 *
 * The transcript reader is shared with vendor/v5sendmail.c (sendmail.h).
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "engine.h"
#include "sendmail.h"

#define SM_MAX_REPLY	8	/* <<< lines joined into one reply */

static const char *const sm_returned[] = {
	"----- Original message follows -----",
	"----- Message header follows -----",
	"----- Message headers follow -----",
	"----- Unsent message follows -----",
	"----- No message was collected -----",
	NULL,
};

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { UNSENT, ADDRESSES_HAD, TRANSCRIPT };

static const char *const phrases[] = {
	[UNSENT] = "----- Unsent message follows -----",
	[ADDRESSES_HAD] = "----- The following addresses had ",
	[TRANSCRIPT] = "----- Transcript of session follows -----",
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

#define TALKING		"while talking to "
#define TALKING_LEN	(sizeof(TALKING) - 1)

static bool
is_code(struct span s)
{
	return s.len >= 3 && (s.p[0] == '4' || s.p[0] == '5' || s.p[0] == '2') &&
	    isdigit((unsigned char)s.p[1]) && isdigit((unsigned char)s.p[2]) &&
	    (s.len == 3 || s.p[3] == ' ' || s.p[3] == '-');
}

/* Few letters: "77", "421", "" say nothing a person can read. */
static bool
sm_weak(struct span s)
{
	size_t i, letters = 0;

	for (i = 0; i < s.len && letters < 4; i++)
		if (isalpha((unsigned char)s.p[i]))
			letters++;
	return letters < 4;
}

static struct span
sm_unbracket(struct span s)
{
	s = span_trim(s);
	if (s.len >= 2 && ((s.p[0] == '<' && s.p[s.len - 1] == '>') ||
	    (s.p[0] == '"' && s.p[s.len - 1] == '"')))
		s = span_make(s.p + 1, s.len - 2);
	return span_trim(s);
}

static struct sm_rcpt *
sm_entry(struct sm_transcript *t, struct span addr)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->r[i].addr.len == addr.len &&
		    mem_ifind(t->r[i].addr.p, t->r[i].addr.len, addr.p, addr.len) == t->r[i].addr.p)
			return &t->r[i];
	if (t->n == SM_MAX_RCPT || addr.len == 0)
		return NULL;
	memset(&t->r[t->n], 0, sizeof(t->r[0]));
	t->r[t->n].addr = addr;
	t->r[t->n].reply = t->r[t->n].line = t->r[t->n].text = SPAN_EMPTY;
	t->r[t->n].alias = t->r[t->n].reason = t->r[t->n].host = SPAN_EMPTY;
	return &t->r[t->n++];
}

/* "(reason: 550 ...)" and "(expanded from: <a@b>)" under a listed address. */
static void
sm_list_line(struct sm_transcript *t, struct span line, bool transient)
{
	struct span v = span_trim(line);
	struct sm_rcpt *e = t->n > 0 ? &t->r[t->n - 1] : NULL;

	if (v.len == 0)
		return;
	if (line.p[0] == ' ' || line.p[0] == '\t') {
		if (e == NULL || v.p[0] != '(')
			return;
		if (v.p[v.len - 1] == ')')
			v.len--;
		if (span_istarts(v, "(reason:"))
			e->reason = span_trim(span_make(v.p + 8, v.len - 8));
		else if (span_istarts(v, "(expanded from:"))
			e->alias = addr_find(v);
		return;
	}
	if ((e = sm_entry(t, sm_unbracket(v))) != NULL)
		e->transient = transient;
}

struct sm_session {
	struct span host;
	const char *command;
	struct span rcpt_to;		/* address of the last >>> RCPT */
	struct span reply[SM_MAX_REPLY];
	size_t	    nreply;
	bool	    quitting;
};

static void
sm_attach(struct msgview *mv, struct sm_session *s, struct sm_rcpt *e)
{
	if (e == NULL)
		return;
	e->host = s->host;
	if (s->nreply > 0 && e->reply.len == 0) {
		e->reply = span_join(mv->arena, s->reply, s->nreply, '\n');
		e->command = s->command;
	}
	s->nreply = 0;
}

/* Replies nobody claimed go to the address of the last RCPT, if any. */
static void
sm_session_end(struct msgview *mv, struct sm_transcript *t, struct sm_session *s)
{
	if (s->nreply > 0 && s->rcpt_to.len > 0)
		sm_attach(mv, s, sm_entry(t, s->rcpt_to));
	else if (s->nreply > 0 && t->nloose < sizeof(t->loose) / sizeof(t->loose[0])) {
		t->loose_command[t->nloose] = s->command;
		t->loose[t->nloose++] = span_join(mv->arena, s->reply, s->nreply, '\n');
	}
	memset(s, 0, sizeof(*s));
	s->host = s->rcpt_to = SPAN_EMPTY;
}

static bool
sm_generic_status(struct span st)
{
	return st.len == 5 && memcmp(st.p + 1, ".0.0", 4) == 0;
}

/* "554 5.0.0 Service unavailable" sums up; "451 4.3.0 local mailer
 * failed" says what: the first specific line wins. */
static bool
sm_better_orphan(struct span have, struct span line)
{
	struct span a = status_find(span_make(have.p, have.len < 16 ? have.len : 16));
	struct span b = status_find(span_make(line.p, line.len < 16 ? line.len : 16));

	if (have.len == 0)
		return true;
	return sm_generic_status(a) && b.len > 0 && !sm_generic_status(b);
}

/*
 * "550 5.1.1 <bob@example.org>... User unknown", "<bob@...>... Deferred",
 * "421 example.org (smtp)... Deferred: Connection timed out",
 * "554 5.3.0 unknown mailer error 255".
 */
static void
sm_transcript_line(struct msgview *mv, struct sm_transcript *t,
		   struct sm_session *s, struct span v)
{
	struct span rest = v, tok;
	const char *dots;
	char code[4] = "";

	if (is_code(rest)) {
		memcpy(code, rest.p, 3);
		rest = span_trim(span_make(rest.p + 3, rest.len - 3));
		tok = status_find(span_make(rest.p, rest.len < 12 ? rest.len : 12));
		if (tok.len > 0 && tok.p == rest.p)
			rest = span_trim(span_make(rest.p + tok.len, rest.len - tok.len));
	}
	dots = mem_ifind(rest.p, rest.len, "...", 3);
	if (dots == NULL) {
		if (code[0] != '\0' && sm_better_orphan(t->orphan, v))
			t->orphan = v;
		else if (t->notice.len == 0 &&
		    (span_istarts(v, "Message could not be delivered") ||
		     span_istarts(v, "Warning: message still undelivered") ||
		     span_istarts(v, "Cannot send message")))
			t->notice = v;
		return;
	}
	tok = span_trim(span_make(rest.p, (size_t)(dots - rest.p)));
	while (dots < rest.p + rest.len && *dots == '.')
		dots++;
	rest = span_trim(span_make(dots, (size_t)(rest.p + rest.len - dots)));
	if (memchr(tok.p, '@', tok.len) != NULL || (tok.len > 0 &&
	    (tok.p[0] == '<' || tok.p[0] == '|' || tok.p[0] == '"' || tok.p[0] == '/'))) {
		struct sm_rcpt *e = sm_entry(t, sm_unbracket(tok));

		if (e == NULL)
			return;
		e->line = v;
		e->text = rest;
		memcpy(e->code, code, sizeof(code));
		sm_attach(mv, s, e);
		return;
	}
	if (t->hostline.len == 0) {
		/* "example.org (smtp)": a host, not an address. */
		t->hostline = rest;
		memcpy(t->hostcode, code, sizeof(code));
	}
}

void
sm_read(struct msgview *mv, struct span text, struct sm_transcript *t)
{
	enum { NONE, FATAL, TRANSIENT, SESSION } where = NONE;
	struct sm_session s;
	struct span line, v;
	size_t pos = 0;
	const char *talk = NULL, *text_end = text.p + text.len;

	memset(t, 0, offsetof(struct sm_transcript, r));
	t->orphan = t->hostline = t->notice = SPAN_EMPTY;
	memset(&s, 0, sizeof(s));
	s.host = s.rcpt_to = SPAN_EMPTY;
	while (span_next_line(text, &pos, &line)) {
		v = span_trim(line);
		if (span_istarts(v, "-----")) {
			if (span_ifind(v, "had permanent fatal errors") != NULL)
				where = FATAL;
			else if (span_ifind(v, "transient non-fatal errors") != NULL)
				where = TRANSIENT;
			else if (span_ifind(v, "Transcript of session follows") != NULL) {
				where = SESSION;
				t->found = true;
				continue;
			} else
				break;	/* the returned message follows */
			t->found = true;
			continue;
		}
		if (where == FATAL || where == TRANSIENT) {
			sm_list_line(t, line, where == TRANSIENT);
			continue;
		}
		if (where != SESSION || v.len == 0)
			continue;
		/* The next "while talking to " from this line on, searched
		 * once for many lines: is it in this one? */
		if (talk == NULL || talk < v.p) {
			talk = mem_ifind(v.p, (size_t)(text_end - v.p), TALKING, TALKING_LEN);
			if (talk == NULL)
				talk = text_end;	/* none: never again */
		}
		if (talk < v.p + v.len && (size_t)(v.p + v.len - talk) >= TALKING_LEN) {
			const char *h = talk + TALKING_LEN, *end = v.p + v.len;

			sm_session_end(mv, t, &s);
			while (end > h && (end[-1] == ':' || end[-1] == '.'))
				end--;
			s.host = span_make(h, (size_t)(end - h));
			continue;
		}
		if (span_istarts(v, ">>>")) {
			struct span cmd = span_trim(span_make(v.p + 3, v.len - 3));

			s.command = smtp_command_word(cmd);
			s.quitting = s.command != NULL && strcmp(s.command, "QUIT") == 0;
			if (s.command != NULL && strcmp(s.command, "RCPT") == 0)
				s.rcpt_to = addr_find(cmd);
			if (!s.quitting)
				s.nreply = 0;
			continue;
		}
		if (span_istarts(v, "<<<")) {
			if (!s.quitting && s.nreply < SM_MAX_REPLY)
				s.reply[s.nreply++] = span_trim(span_make(v.p + 3, v.len - 3));
			continue;
		}
		sm_transcript_line(mv, t, &s, v);
	}
	sm_session_end(mv, t, &s);
}

struct sm_rcpt *
sm_lookup(struct sm_transcript *t, const char *addr)
{
	struct span a = span_make(addr, strlen(addr));
	size_t i;

	for (i = 0; i < t->n; i++)
		if (span_ieq(t->r[i].addr, addr) || span_ieq(t->r[i].alias, addr) ||
		    (a.len > 0 && t->r[i].addr.len == a.len &&
		     mem_ifind(t->r[i].addr.p, t->r[i].addr.len, addr, a.len) != NULL))
			return &t->r[i];
	return t->n == 1 ? &t->r[0] : NULL;
}

struct span
sm_best_text(struct msgview *mv, const struct sm_transcript *t, const struct sm_rcpt *e)
{
	struct span best = SPAN_EMPTY;

	if (e != NULL && e->reply.len > 0)
		best = e->reply;
	else if (e != NULL && e->text.len > 0 && e->code[0] != '\0' && !is_code(e->text)) {
		/* "550 5.0.0 <a@b>... Insufficient permission": keep the
		 * code, drop the address. */
		struct span piece[2] = { span_make(e->line.p, 3), e->text };
		struct span st = status_find(span_make(e->line.p, e->line.len < 16 ? e->line.len : 16));

		if (st.len > 0)
			piece[0] = span_make(e->line.p, (size_t)(st.p + st.len - e->line.p));
		best = span_join(mv->arena, piece, 2, '\n');
	} else if (e != NULL && e->text.len > 0 && !sm_weak(e->text))
		best = e->text;
	else if (e != NULL && !sm_weak(e->reason))
		best = e->reason;
	else if (t->orphan.len > 0)
		best = t->orphan;
	else if (t->nloose > 0)
		best = t->loose[0];
	else if (t->hostline.len > 0)
		best = t->hostline;
	else if (e != NULL && e->text.len > 0)
		best = e->text;
	if (sm_weak(best) && t->notice.len > 0) {
		struct span piece[2] = { best, t->notice };

		best = best.len > 0 ? span_join(mv->arena, piece, 2, '\n') : t->notice;
	}
	return best;
}

/* d: what diag_extract() reads in rc's diagnostic, as it is left. */
static void
sm_fill(struct msgview *mv, const struct sm_transcript *t, const struct sm_rcpt *e,
	struct bounce_recipient *rc, struct span diag, struct diag_info *d)
{
	struct bounce_report *r = mv->report;

	if (diag.len > 0)
		REPORT_SET(r, rc->diagnostic, diag);
	if (e != NULL && e->command != NULL && rc->command[0] == '\0')
		REPORT_SET(r, rc->command, span_make(e->command, strlen(e->command)));
	if (e != NULL && e->host.len > 0 && rc->remote_mta[0] == '\0')
		REPORT_SET(r, rc->remote_mta, e->host);
	diag_extract(span_make(rc->diagnostic, strlen(rc->diagnostic)), d);
	if (d->reply_code[0] == '\0' && rc->reply_code[0] == '\0') {
		const char *code = e != NULL && e->code[0] != '\0' ? e->code :
		    t->hostcode;

		if (code[0] != '\0')
			REPORT_SET(r, rc->reply_code, span_make(code, 3));
	}
}

size_t
sm_emit(struct msgview *mv, struct sm_transcript *t)
{
	struct bounce_report *r = mv->report;
	struct bounce_recipient *rc;
	struct diag_info d;
	size_t i, found = 0;

	for (i = 0; i < t->n; i++) {
		struct sm_rcpt *e = &t->r[i];
		struct span addr = e->addr;

		if (memchr(addr.p, '@', addr.len) == NULL)
			addr = e->alias;
		addr = addr_find(addr);
		if (addr.len == 0 || report_find_recipient(r, addr) != NULL)
			continue;
		if ((rc = report_add_recipient(r, mv->limits)) == NULL)
			break;
		REPORT_SET(r, rc->recipient, addr);
		REPORT_SET(r, rc->action, e->transient ? SPAN_LIT("delayed") : SPAN_LIT("failed"));
		sm_fill(mv, t, e, rc, sm_best_text(mv, t, e), &d);
		found++;
	}
	return found;
}

static int
sendmail_detect(const struct msgview *mv)
{
	struct span subj = mv_header(mv, "Subject");
	int score = 0;

	/* Sendmail 5 returns "Unsent message": vendor/v5sendmail.c. */
	if (mv_marker(mv, &markers, UNSENT, 16384))
		return 0;
	/* Markers sit near the top. */
	if (mv_marker(mv, &markers, ADDRESSES_HAD, 4096) ||
	    mv_marker(mv, &markers, TRANSCRIPT, 4096))
		score += 50;
	if (span_ifind(mv_header(mv, "From"), "Mail Delivery Subsystem") != NULL)
		score += 25;
	if (span_istarts(span_trim(subj), "Returned mail:") ||
	    span_istarts(span_trim(subj), "Warning: could not send message"))
		score += 20;
	return score >= 50 ? score : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, ADDRESSES_HAD),
	GATE_PHRASE(&markers, TRANSCRIPT),
	GATE_DONE,
};

static size_t
sendmail_parse(struct msgview *mv)
{
	struct sm_transcript t;
	size_t found;

	sm_read(mv, mv->body, &t);
	if ((found = sm_emit(mv, &t)) > 0 && mv->returned.len == 0)
		mv->returned = text_region(mv->body, sm_returned, NULL);
	return found;
}

/* Was this diagnostic written in the status block, or did parse.c take
 * it from the human part because the block had none? */
static bool
sm_in_status_block(const struct msgview *mv, const char *diag)
{
	size_t i, n = strlen(diag);

	if (n > 32)
		n = 32;
	for (i = 0; i < mv->nleaf; i++)
		if (!mv->leaf[i].in_returned &&
		    (strcmp(mv->leaf[i].type, "message/delivery-status") == 0 ||
		     strcmp(mv->leaf[i].type, "message/global-delivery-status") == 0))
			return mem_ifind(mv->leaf[i].text.p, mv->leaf[i].text.len, diag, n) != NULL;
	return true;
}

/* Sendmail keeps only the first line of a multi-line reply in the DSN;
 * the transcript has all of it (and the command it answered). */
static struct span
sm_longer(const struct sm_transcript *t, const struct sm_rcpt *e, const char *diag,
	  const char **command)
{
	size_t i, n = strlen(diag);

	if (n == 0)
		return SPAN_EMPTY;
	if (e != NULL && e->reply.len > n && span_istarts(e->reply, diag))
		return e->reply;
	for (i = 0; i < t->nloose; i++)
		if (t->loose[i].len > n && span_istarts(t->loose[i], diag)) {
			*command = t->loose_command[i];
			return t->loose[i];
		}
	return SPAN_EMPTY;
}

/* Same class, same meaning class: a code in the server's own words
 * (d: what diag_extract() reads in rc's diagnostic). */
static void
sm_prefer_diag_status(struct bounce_report *r, struct bounce_recipient *rc,
		      const struct diag_info *d)
{
	if (d->status[0] != '\0' && rc->status[0] == d->status[0] &&
	    strcmp(rc->status, d->status) != 0 && strcmp(d->status + 1, ".0.0") != 0)
		REPORT_SET(r, rc->status, span_make(d->status, strlen(d->status)));
}

static void
sendmail_refine(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct sm_transcript t;
	size_t i;

	sm_read(mv, mv->body, &t);
	for (i = 0; i < r->nrcpt; i++) {
		struct bounce_recipient *rc = &r->rcpt[i];
		struct sm_rcpt *e = sm_lookup(&t, rc->recipient);
		struct span diag = SPAN_EMPTY, old = span_make(rc->diagnostic, strlen(rc->diagnostic));
		const char *command = NULL;
		struct diag_info d;

		/* parse.c may have taken "(reason: )" from the list. */
		if (span_istarts(old, "(reason:"))
			old = span_make(old.p + 8, old.len - 8);
		if (sm_weak(old) || !sm_in_status_block(mv, rc->diagnostic))
			diag = sm_best_text(mv, &t, e);
		else
			diag = sm_longer(&t, e, rc->diagnostic, &command);
		if (command != NULL && rc->command[0] == '\0')
			REPORT_SET(r, rc->command, span_make(command, strlen(command)));
		/* sm_fill() reads the diagnostic it leaves; once is enough. */
		if (t.found)
			sm_fill(mv, &t, e, rc, diag, &d);
		else
			diag_extract(span_make(rc->diagnostic, strlen(rc->diagnostic)), &d);
		sm_prefer_diag_status(r, rc, &d);
	}
}

const struct vendor_module vendor_sendmail = {
	.name = "sendmail",
	.gate = gate,
	.markers = &markers,
	.detect = sendmail_detect,
	.parse = sendmail_parse,
	.refine = sendmail_refine,
};
