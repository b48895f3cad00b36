/*
 * x6.c - an unnamed MTA's bounce (Sisimai's "X6").
 *
 *	Subject: There was an error sending your mail
 *
 *	We had trouble delivering your message. Full details follow:
 *	...
 *	1 error(s):
 *
 *	SMTP Server <mx.example.org> rejected recipient <bob@example.org>
 *	(Error following RCPT command). It responded as follows: [550 5.1.1 User unknown]
 *	(or: The following recipients returned permanent errors: bob@example.org.
 *	Reason: SMTP Server <192.0.2.1> refused to accept your message (DATA), with
 *	the following error message: [554 5.4.6 Hop count exceeded])
 *
 *	The attachment contains the original mail headers.
 */
#include <string.h>

#include "engine.h"

#define X6_START	"We had trouble delivering your message. Full details follow:"
#define X6_PERM		"The following recipients returned permanent errors:"
#define X6_SERVER	"SMTP Server <"

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { START };

static const char *const phrases[] = {
	[START] = X6_START,
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
x6_detect(const struct msgview *mv)
{
	int score = 0;

	/* Markers sit near the top. */
	if (mv_marker(mv, &markers, START, 16384))
		score = 70;
	if (score > 0 && span_istarts(span_trim(mv_header(mv, "Subject")),
	    "There was an error sending your mail"))
		score += 15;
	return score;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, START),
	GATE_DONE,
};

/* The server's words in [...] after "as follows:" or "error message:". */
static struct span
x6_reply(struct span t)
{
	const char *open = memchr(t.p, '[', t.len), *close;

	while (open != NULL && open + 1 < t.p + t.len &&
	    !(open[1] >= '2' && open[1] <= '5'))
		open = memchr(open + 1, '[', (size_t)(t.p + t.len - open - 1));
	if (open == NULL || (close = memchr(open, ']', (size_t)(t.p + t.len - open))) == NULL)
		return t;
	return span_make(open + 1, (size_t)(close - open - 1));
}

static const char *
x6_command(struct span t)
{
	static const char *const cmds[][2] = {
		{ "RCPT command", "RCPT" }, { "(RCPT)", "RCPT" }, { "MAIL command", "MAIL" },
		{ "(MAIL)", "MAIL" }, { "DATA command", "DATA" }, { "(DATA)", "DATA" },
	};
	size_t k;

	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (span_ifind(t, cmds[k][0]) != NULL)
			return cmds[k][1];
	return NULL;
}

static size_t
x6_parse(struct msgview *mv)
{
	static const char *const start[] = { X6_START, NULL };
	static const char *const end[] = { "The attachment contains the original", NULL };
	struct bounce_report *r = mv->report;
	struct span region = text_region(mv->body, start, end), line, t, a;
	size_t pos = 0, found = 0;

	while (span_next_line(region, &pos, &line)) {
		struct bounce_recipient *rc;
		const char *cmd;

		t = span_trim(line);
		if (span_istarts(t, X6_PERM))
			a = addr_find(span_make(t.p + strlen(X6_PERM), t.len - strlen(X6_PERM)));
		else if (span_istarts(t, X6_SERVER) && span_ifind(t, "recipient <") != NULL)
			a = addr_find(span_make(span_ifind(t, "recipient <"),
			    (size_t)(t.p + t.len - span_ifind(t, "recipient <"))));
		else
			continue;
		if (a.len == 0 || report_find_recipient(r, a) != NULL ||
		    (rc = report_add_recipient(r, mv->limits)) == NULL)
			continue;
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->action, SPAN_LIT("failed"));
		REPORT_SET(r, rc->diagnostic, x6_reply(t));
		if ((cmd = x6_command(t)) != NULL)
			REPORT_SET(r, rc->command, span_make(cmd, strlen(cmd)));
		found++;
	}
	return found;
}

const struct vendor_module vendor_x6 = {
	.name = "x6",
	.gate = gate,
	.markers = &markers,
	.detect = x6_detect,
	.parse = x6_parse,
};
