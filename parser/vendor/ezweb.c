/*
 * ezweb.c - au (KDDI) mobile mail, ezweb.ne.jp and au.com.
 *
 * "Mail System Error - Returned Mail" from Postmaster@ezweb.ne.jp, a
 * Japanese paragraph (ISO-2022-JP) and then, in English, one of:
 *
 *	The user(s) account is disabled.
 *
 *	<bob@ezweb.ne.jp>
 *
 * or
 *
 *	Each of the following recipients was rejected by a remote
 *	mail server.
 *
 *	    Recipient: <bob@example.org>
 *	    >>> RCPT TO:<bob@example.org>
 *	    <<< 550 <bob@example.org>: User unknown
 *
 * or "<bob@ezweb.ne.jp>: 550 user unknown (in reply to RCPT TO command)"
 * beside an RFC 3464 part. The returned message follows a line of
 * dashes, or is attached.
 *
 * The carrier's own sentence ("account is disabled", "temporarily over
 * quota", "not delivered within ...") says more than a bare "user
 * unknown", so it leads the diagnostic; the generic "rejected by a
 * remote mail server" gives way to the server's reply.
 */
#include <string.h>

#include "engine.h"

#define EZ_GENERIC	"Each of the following recipients was rejected by a remote"

static const char *const ez_returned[] = {
	"----------------------------------------", "Content-Type: message/rfc822", NULL,
};

/* The English sentences the carrier writes about a failure. */
static const char *const ez_sentences[] = {
	"The user(s) account", "Your message was not delivered within",
	"Remote host is not responding", EZ_GENERIC,
	"The following recipients did not receive this message",
};

static int
ezweb_detect(const struct msgview *mv)
{
	static const char *const relays[] = {
		"ezweb.ne.jp (EZweb Mail) with", ".au.com (", NULL,
	};
	struct span from = mv_header(mv, "From"), mid = mv_header(mv, "Message-ID");
	int match = 0;

	if (span_ifind(from, "Postmaster@ezweb.ne.jp") != NULL ||
	    span_ifind(from, "Postmaster@au.com") != NULL)
		match++;
	if (span_ieq(span_trim(mv_header(mv, "Subject")), "Mail System Error - Returned Mail"))
		match++;
	mid = span_trim(mid);
	if ((mid.len > 13 && span_ieq(span_make(mid.p + mid.len - 13, 13), ".ezweb.ne.jp>")) ||
	    (mid.len > 8 && span_ieq(span_make(mid.p + mid.len - 8, 8), ".au.com>")))
		match++;
	/* Two signs are needed: without one of the others, the relays
	 * (the dearest test, up to 16 fields) cannot make it. */
	if (match > 0 && mv_header_has(mv, "Received", 16, relays))
		match++;
	return match >= 2 ? 85 + 3 * match : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("From", "Postmaster@ezweb.ne.jp"),
	GATE_HAS("From", "Postmaster@au.com"),
	GATE_HAS("Subject", "Mail System Error - Returned Mail"),
	GATE_HAS("Message-ID", ".ezweb.ne.jp>"),
	GATE_HAS("Message-ID", ".au.com>"),
	GATE_DONE,
};

/* The paragraph of text holding one of the carrier's sentences. */
static struct span
ez_sentence(struct span text)
{
	struct span line;
	size_t pos = 0, k;
	const char *start = NULL, *end = NULL;

	while (span_next_line(text, &pos, &line)) {
		struct span t = span_trim(line);

		if (start != NULL) {
			if (t.len == 0 || t.p[0] == '<')
				break;
			end = t.p + t.len;
			continue;
		}
		for (k = 0; k < sizeof(ez_sentences) / sizeof(ez_sentences[0]); k++)
			if (span_istarts(t, ez_sentences[k])) {
				start = t.p;
				end = t.p + t.len;
				break;
			}
	}
	return start != NULL ? span_make(start, (size_t)(end - start)) : SPAN_EMPTY;
}

/* "<a@b>", "<a@b>: reply", "Recipient: <a@b>": the address and the
 * text after it. */
static bool
ez_recipient_line(struct span t, struct span *addr, struct span *rest)
{
	const char *close;

	if (span_istarts(t, "Recipient:"))
		t = span_trim(span_make(t.p + 10, t.len - 10));
	if (t.len < 3 || t.p[0] != '<' || (close = memchr(t.p, '>', t.len)) == NULL)
		return false;
	*addr = addr_find(span_make(t.p + 1, (size_t)(close - t.p - 1)));
	if (addr->len == 0)
		return false;
	close++;
	while (close < t.p + t.len && (*close == ':' || *close == ' '))
		close++;
	*rest = span_make(close, (size_t)(t.p + t.len - close));
	return true;
}

/* The diagnostic: the carrier's sentence, the server's reply, or both. */
static void
ez_diagnostic(struct bounce_report *r, struct bounce_recipient *rc,
	      struct span sentence, struct span reply)
{
	char buf[BOUNCE_FIELD_MAX];
	size_t n = 0;

	if (reply.len > 0 && (sentence.len == 0 || span_istarts(sentence, EZ_GENERIC))) {
		REPORT_SET(r, rc->diagnostic, reply);
		return;
	}
	if (reply.len == 0) {
		if (sentence.len > 0)
			REPORT_SET(r, rc->diagnostic, sentence);
		return;
	}
	if (sentence.len > sizeof(buf) / 2)
		sentence.len = sizeof(buf) / 2;
	if (reply.len > sizeof(buf) / 2 - 2)
		reply.len = sizeof(buf) / 2 - 2;
	memcpy(buf, sentence.p, sentence.len);
	n = sentence.len;
	buf[n++] = ' ';
	memcpy(buf + n, reply.p, reply.len);
	n += reply.len;
	REPORT_SET(r, rc->diagnostic, span_make(buf, n));
}

/*
 * One pass over the notification. A recipient line opens a recipient;
 * ">>> CMD" names the command, "<<< reply" (or the text after the
 * address) is the reply. With update set, recipients already known (from
 * a DSN part) are completed instead of added.
 */
static size_t
ez_scan(struct msgview *mv, struct span text, bool update)
{
	struct bounce_report *r = mv->report;
	struct bounce_recipient *rc = NULL;
	struct span sentence = ez_sentence(text), line, reply = SPAN_EMPTY;
	size_t pos = 0, found = 0;

	while (span_next_line(text, &pos, &line)) {
		struct span t = span_trim(line), a, rest;
		const char *cmd;

		if (span_istarts(t, ">>>")) {
			if (rc != NULL &&
			    (cmd = smtp_command_word(span_trim(span_make(t.p + 3,
			    t.len - 3)))) != NULL)
				REPORT_SET(r, rc->command, span_make(cmd, strlen(cmd)));
			continue;
		}
		if (span_istarts(t, "<<<")) {
			if (rc != NULL)
				reply = span_trim(span_make(t.p + 3, t.len - 3));
			continue;
		}
		if (ez_recipient_line(t, &a, &rest)) {
			if (rc != NULL)
				ez_diagnostic(r, rc, sentence, reply);
			reply = rest;
			if ((rc = report_find_recipient(r, a)) == NULL) {
				if (update)
					continue;	/* rc is NULL: not ours */
				if ((rc = textscan_add_failed(mv, a)) == NULL)
					break;
			}
			found++;
			continue;
		}
	}
	if (rc != NULL)
		ez_diagnostic(r, rc, sentence, reply);
	return found;
}

static size_t
ezweb_parse(struct msgview *mv)
{
	size_t found = ez_scan(mv, text_region(mv->body, NULL, ez_returned), false);

	if (found > 0 && mv->returned.len == 0)
		mv->returned = text_region(mv->body, ez_returned, NULL);
	return found;
}

static void
ezweb_refine(struct msgview *mv)
{
	ez_scan(mv, text_region(mv->body, NULL, ez_returned), true);
}

const struct vendor_module vendor_ezweb = {
	.name = "ezweb",
	.gate = gate,
	.detect = ezweb_detect,
	.parse = ezweb_parse,
	.refine = ezweb_refine,
};
