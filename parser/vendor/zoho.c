/*
 * zoho.c - Zoho Mail's bounces.
 *
 * From mailer-daemon@mail.zoho.com, X-Mailer "Zoho Mail" (X-ZohoMail),
 * the returned message's headers inline after the notice:
 *
 *	This message was created automatically by mail delivery software.
 *	A message that you sent could not be delivered to one or more of
 *	its recipients. This is a permanent error.
 *
 *	bob@example.org Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1
 *	<bob@example.org>... User Unknown
 *
 *	Received:from mail.zoho.com by mx.zohomail.com ...
 *
 * The first ERROR_CODE is the reply code, the second the enhanced status
 * or the reply's text. Delay warnings list
 *
 *	[Status: Error, Address: <bob@example.org>, ResponseCode 421, ,
 *	Host not reachable.]
 *	Message will be retried for 4 more day(s)
 */
#include <ctype.h>
#include <string.h>

#include "engine.h"

#define ZOHO_CODE	"ERROR_CODE :"
#define ZOHO_STATUS	"[Status: "

static int
zoho_detect(const struct msgview *mv)
{
	struct span head = span_make(mv->body.p, mv->body.len < 4096 ? mv->body.len : 4096);

	if (mv_header(mv, "X-ZohoMail").len == 0 &&
	    span_ifind(mv_header(mv, "X-Mailer"), "Zoho Mail") == NULL)
		return 0;
	if (span_ifind(head, ZOHO_CODE) != NULL || span_ifind(head, ZOHO_STATUS) != NULL)
		return 95;
	return mv_from_daemon_once(mv) ? 60 : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_SET("X-ZohoMail"),
	GATE_HAS("X-Mailer", "Zoho Mail"),
	GATE_DONE,
};

/* A three-digit reply code right after "ERROR_CODE :" or "ResponseCode ". */
static struct span
zoho_reply(struct span s, const char *label)
{
	const char *p = span_ifind(s, label);

	if (p == NULL)
		return SPAN_EMPTY;
	p += strlen(label);
	if (s.p + s.len - p >= 3 && (p[0] == '2' || p[0] == '4' || p[0] == '5') &&
	    isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
	    (s.p + s.len - p == 3 || !isdigit((unsigned char)p[3])))
		return span_make(p, 3);
	return SPAN_EMPTY;
}

/* Does this line open a recipient? Returns its address. */
static struct span
zoho_lead(struct span t, bool *delay_form)
{
	struct span a;

	*delay_form = span_istarts(t, ZOHO_STATUS);
	if (*delay_form)
		return addr_find(t);
	a = addr_find(t);
	if (a.len == 0 || a.p != t.p || span_ifind(t, ZOHO_CODE) == NULL)
		return SPAN_EMPTY;
	return a;
}

static void
zoho_finish(struct bounce_report *r, struct bounce_recipient *rc,
	    const char *s, const char *e, bool delay_form)
{
	struct span d;

	if (rc == NULL || s == NULL || e <= s)
		return;
	d = span_make(s, (size_t)(e - s));
	REPORT_SET(r, rc->diagnostic, d);
	d = zoho_reply(d, delay_form ? "ResponseCode " : ZOHO_CODE);
	if (d.len > 0)
		REPORT_SET(r, rc->reply_code, d);
}

static size_t
zoho_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct bounce_recipient *rc = NULL;
	struct span text = mv->body, line;
	const char *ds = NULL, *de = NULL, *after_last = NULL;
	size_t pos = 0, found = 0;
	bool delay_form = false, delayed;

	delayed = span_ifind(text, "Message will be retried") != NULL ||
	    span_ifind(mv_header(mv, "Subject"), "(Delay)") != NULL;
	while (span_next_line(text, &pos, &line)) {
		struct span t = span_trim(line), a;
		bool form;

		if ((a = zoho_lead(t, &form)).len > 0) {
			zoho_finish(r, rc, ds, de, delay_form);
			rc = NULL;
			ds = de = NULL;
			after_last = text.p + pos;
			if (report_find_recipient(r, a) != NULL)
				continue;
			if ((rc = report_add_recipient(r, mv->limits)) == NULL)
				break;
			delay_form = form;
			REPORT_SET(r, rc->recipient, a);
			REPORT_SET(r, rc->action, delayed ? SPAN_LIT("delayed") : SPAN_LIT("failed"));
			found++;
			/* The diagnostic starts after the address (or is the
			 * whole bracketed status line). */
			ds = form ? t.p : a.p + a.len;
			de = t.p + t.len;
			continue;
		}
		if (rc == NULL)
			continue;
		if (t.len == 0 || delay_form) {
			zoho_finish(r, rc, ds, de, delay_form);
			rc = NULL;
			continue;
		}
		de = t.p + t.len;
		after_last = text.p + pos;
	}
	zoho_finish(r, rc, ds, de, delay_form);
	/* The returned headers follow the last recipient's lines. */
	if (found > 0 && mv->returned.len == 0 && after_last != NULL)
		mv->returned = span_make(after_last, (size_t)(text.p + text.len - after_last));
	return found;
}

const struct vendor_module vendor_zoho = {
	.name = "zoho",
	.gate = gate,
	.detect = zoho_detect,
	.parse = zoho_parse,
};
