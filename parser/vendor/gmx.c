/*
 * gmx.c - GMX, mail.com and WEB.DE (United Internet) returned mail.
 *
 * Their mail system writes an Exim-like notice with its own details and
 * the returned message's header after a marker line:
 *
 *	This message was created automatically by mail delivery software.
 *
 *	A message that you sent could not be delivered to one or more of
 *	its recipients. This is a permanent error. The following address
 *	failed:
 *
 *	"bob@example.org":
 *	SMTP error from remote server after RCPT command:
 *	host: mx.example.org
 *	5.1.1 <bob@example.org>... User Unknown
 *
 *	--- The header of the original message is following. ---
 *
 * or "<bob@example.org>" + "Reason:" + "delivery retry timeout exceeded".
 * 1&1 (einsundeins.c) runs the same software and uses this parser.
 */
#include <ctype.h>
#include <string.h>

#include "engine.h"

#define UI_BANNER	"This message was created automatically by mail delivery software"
#define UI_HEADER	"--- The header of the original message is following. ---"

static const char *const ui_returned[] = { UI_HEADER, NULL };

static int
gmx_detect(const struct msgview *mv)
{
	struct span from = mv_header(mv, "From");

	/* The sender first: it is cheaper than searching the body. */
	if (mv_header(mv, "X-GMX-Antispam").len == 0 && span_ifind(from, "gmx.") == NULL &&
	    span_ifind(from, "@mail.com") == NULL && span_ifind(from, "web.de") == NULL)
		return 0;
	return span_ifind(mv->body, UI_HEADER) != NULL ? 90 : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_SET("X-GMX-Antispam"),
	GATE_HAS("From", "gmx."),
	GATE_HAS("From", "@mail.com"),
	GATE_HAS("From", "web.de"),
	GATE_DONE,
};

/* A line that is only an address: "bob@example.org", "\"bob@...\":",
 * "<bob@...>". */
static struct span
ui_address_line(struct span t)
{
	struct span a = addr_find(t);
	size_t before, after;

	if (a.len == 0)
		return SPAN_EMPTY;
	before = (size_t)(a.p - t.p);
	after = t.len - before - a.len;
	return before <= 1 && after <= 2 ? a : SPAN_EMPTY;
}

/* "after RCPT command", "for TEXT command": the SMTP command. */
static const char *
ui_command(struct span s)
{
	static const struct {
		const char *word, *command;
	} words[] = {
		{ " RCPT command", "RCPT" }, { " MAIL command", "MAIL" },
		{ " DATA command", "DATA" }, { " TEXT command", "DATA" },
		{ " EHLO command", "HELO" }, { " HELO command", "HELO" },
	};
	size_t k;

	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (span_ifind(s, words[k].word) != NULL)
			return words[k].command;
	return NULL;
}

/* "host: mx.example.org" or "host: mx.example.org (192.0.2.1) reason: ..." */
static struct span
ui_host(struct span s)
{
	const char *p = span_ifind(s, "host:"), *h, *end = s.p + s.len;

	if (p == NULL)
		return SPAN_EMPTY;
	for (p += 5; p < end && *p == ' '; p++)
		;
	for (h = p; p < end && (isalnum((unsigned char)*p) || *p == '.' || *p == '-'); p++)
		;
	return span_make(h, (size_t)(p - h));
}

struct ui_rcpt {
	struct bounce_recipient *rc;
	const char *ds, *de;	/* the remote server's words */
};

static void
ui_finish(struct bounce_report *r, struct ui_rcpt *u)
{
	if (u->rc != NULL && u->ds != NULL && u->de > u->ds)
		REPORT_SET(r, u->rc->diagnostic, span_make(u->ds, (size_t)(u->de - u->ds)));
	u->rc = NULL;
	u->ds = u->de = NULL;
}

/* One detail line of the current recipient. */
static void
ui_detail(struct bounce_report *r, struct ui_rcpt *u, struct span t)
{
	const char *cmd, *reason;
	struct span host;

	if (span_istarts(t, "SMTP error from remote")) {
		if ((cmd = ui_command(t)) != NULL)
			REPORT_SET(r, u->rc->command, span_make(cmd, strlen(cmd)));
		if ((host = ui_host(t)).len > 0)
			REPORT_SET(r, u->rc->remote_mta, host);
		/* 1&1 writes it all on one line: "..., host: h (ip) reason: 550 ..." */
		if ((reason = span_ifind(t, "reason:")) != NULL) {
			u->ds = reason + 7;
			u->de = t.p + t.len;
		}
		return;
	}
	if (span_istarts(t, "host:")) {
		if ((host = ui_host(t)).len > 0)
			REPORT_SET(r, u->rc->remote_mta, host);
		return;
	}
	if (span_ieq(t, "Reason:") || span_ieq(t, "For the following reason:"))
		return;
	if (u->ds == NULL)
		u->ds = t.p;
	u->de = t.p + t.len;
}

static size_t
gmx_parse(struct msgview *mv)
{
	static const char *const banner[] = { UI_BANNER, NULL };
	struct bounce_report *r = mv->report;
	struct span region = text_region(mv->body, banner, ui_returned), line;
	struct ui_rcpt u = { NULL, NULL, NULL };
	size_t pos = 0, found = 0;

	while (span_next_line(region, &pos, &line)) {
		struct span t = span_trim(line), a;

		if (t.len == 0)
			continue;
		if ((a = ui_address_line(t)).len > 0) {
			ui_finish(r, &u);
			if (report_find_recipient(r, a) != NULL)
				continue;
			if ((u.rc = report_add_recipient(r, mv->limits)) == NULL)
				break;
			REPORT_SET(r, u.rc->recipient, a);
			REPORT_SET(r, u.rc->action, SPAN_LIT("failed"));
			found++;
			continue;
		}
		if (u.rc != NULL)
			ui_detail(r, &u, t);
	}
	ui_finish(r, &u);
	if (found > 0 && mv->returned.len == 0)
		mv->returned = text_region(mv->body, ui_returned, NULL);
	return found;
}

const struct vendor_module vendor_gmx = {
	.name = "gmx",
	.gate = gate,
	.detect = gmx_detect,
	.parse = gmx_parse,
};
