/*
 * qmail.c - bounces of qmail-send (and netqmail, indimail, qmail-ldap).
 *
 *	Hi. This is the qmail-send program at mx.example.com.
 *	I'm afraid I wasn't able to deliver your message to the following addresses.
 *	This is a permanent error; I've given up. Sorry it didn't work out.
 *
 *	<bob@example.org>:
 *	192.0.2.1 does not like recipient.
 *	Remote host said: 550 5.1.1 <bob@example.org>... User unknown
 *	Giving up on 192.0.2.1.
 *
 *	--- Below this line is a copy of the message.
 *
 * qmail-remote's own sentence tells the SMTP stage ("does not like
 * recipient", "but sender was rejected", "failed after I sent the
 * message") and the host; the server's words follow "Remote host said:".
 */
#include <string.h>

#include "engine.h"

/* Lines that start the list; detect() asks about them too (found for
 * all modules in one pass, vendor.c). */
enum { AFRAID, QMAIL_SEND };

static const char *const qmail_start[] = {
	[AFRAID] = "I'm afraid I wasn't able to deliver your message",
	[QMAIL_SEND] = "This is the qmail-send program",
	NULL,
};

static struct vendor_markers markers = { .phrase = qmail_start };

static const char *const qmail_returned[] = {
	"--- Below this line is a copy of the message",
	"--- Enclosed is a copy of the message",
	"--- Below this line is the original message",
	"--- Below this line is the message", NULL,
};

static int
qmail_detect(const struct msgview *mv)
{
	struct span rcvd;
	int i, score = 0;

	if (mv_marker(mv, &markers, QMAIL_SEND, 1024))
		score += 60;
	if (mv_marker(mv, &markers, AFRAID, 1024))
		score += 25;
	if (score == 0)
		return 0;
	for (i = 0; i < 8; i++) {
		rcvd = mv_header_nth(mv, "Received", i);
		if (rcvd.len == 0)
			break;
		if (span_ifind(rcvd, "invoked for bounce") != NULL) {
			score += 10;
			break;
		}
	}
	if (span_ieq(span_trim(mv_header(mv, "Subject")), "failure notice"))
		score += 5;
	return score > 95 ? 95 : score;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, QMAIL_SEND),
	GATE_PHRASE(&markers, AFRAID),
	GATE_DONE,
};

/*
 * qmail-remote's sentences: the command they mean, and the host that
 * sits before (or after) them.
 */
static const struct {
	const char *phrase;
	const char *command;
	bool	    host_before;	/* "HOST does not like ..." */
} qmail_stages[] = {
	{ " does not like recipient", "RCPT", true },
	{ " failed on DATA command", "DATA", true },
	{ " failed after I sent the message", "DATA", true },
	{ " but sender was rejected", "MAIL", false },
	{ " but my name was rejected", "HELO", false },
	{ " but greeting failed", "CONNECT", false },
	{ "most progress was RCPT TO response", "RCPT", false },
	{ "most progress was MAIL FROM response", "MAIL", false },
	{ "most progress was DATA response", "DATA", false },
};

static void
qmail_stage(struct bounce_report *r, struct bounce_recipient *rc, struct span line)
{
	size_t k;

	for (k = 0; k < sizeof(qmail_stages) / sizeof(qmail_stages[0]); k++) {
		const char *hit = span_ifind(line, qmail_stages[k].phrase);
		struct span host = SPAN_EMPTY;

		if (hit == NULL)
			continue;
		if (rc->command[0] == '\0')
			REPORT_SET(r, rc->command, span_make(qmail_stages[k].command,
			    strlen(qmail_stages[k].command)));
		if (qmail_stages[k].host_before) {
			const char *p = hit;

			while (p > line.p && p[-1] != ' ')
				p--;
			host = span_make(p, (size_t)(hit - p));
		} else if (span_istarts(line, "Connected to ")) {
			const char *p = line.p + 13, *e = p;

			while (e < hit && *e != ' ')
				e++;
			host = span_make(p, (size_t)(e - p));
		}
		if (host.len > 0 && rc->remote_mta[0] == '\0')
			REPORT_SET(r, rc->remote_mta, host);
		return;
	}
}

/* indimail: "From: <a@b> RCPT: <c@d> 192.0.2.1 failed after ..." */
static struct span
qmail_strip_envelope(struct span t)
{
	const char *hit;

	if (!span_istarts(t, "From: <") || (hit = span_ifind(t, "> RCPT: <")) == NULL)
		return t;
	hit = memchr(hit + 9, '>', (size_t)(t.p + t.len - hit - 9));
	if (hit == NULL)
		return t;
	return span_trim(span_make(hit + 1, (size_t)(t.p + t.len - hit - 1)));
}

static size_t
qmail_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct bounce_recipient *rc = NULL;
	struct span region = text_region(mv->body, qmail_start, qmail_returned), line, t, a;
	const char *ds = NULL, *de = NULL;
	size_t pos = 0, found = 0;

	while (span_next_line(region, &pos, &line)) {
		t = span_trim(line);
		a = t.len > 0 && t.p[0] == '<' ? addr_find(t) : SPAN_EMPTY;
		if (a.len > 0 && a.p == t.p + 1 && t.p[t.len - 1] == ':') {
			if (rc != NULL && ds != NULL)
				REPORT_SET(r, rc->diagnostic, span_make(ds, (size_t)(de - ds)));
			ds = de = NULL;
			rc = report_find_recipient(r, a);
			if (rc != NULL)
				continue;
			if ((rc = textscan_add_failed(mv, a)) == NULL)
				break;
			found++;
			continue;
		}
		if (rc == NULL || t.len == 0)
			continue;
		t = qmail_strip_envelope(t);
		qmail_stage(r, rc, t);
		if (span_istarts(t, "Giving up on ") && rc->remote_mta[0] == '\0') {
			struct span h = span_make(t.p + 13, t.len - 13);

			while (h.len > 0 && h.p[h.len - 1] == '.')
				h.len--;
			REPORT_SET(r, rc->remote_mta, h);
		}
		if (ds == NULL)
			ds = t.p;
		de = t.p + t.len;
	}
	if (rc != NULL && ds != NULL)
		REPORT_SET(r, rc->diagnostic, span_make(ds, (size_t)(de - ds)));
	if (found > 0 && mv->returned.len == 0)
		mv->returned = text_region(mv->body, qmail_returned, NULL);
	return found;
}

const struct vendor_module vendor_qmail = {
	.name = "qmail",
	.gate = gate,
	.markers = &markers,
	.detect = qmail_detect,
	.parse = qmail_parse,
};
