/*
 * trendmicro.c - bounces of Trend Micro InterScan MSS / Email Security.
 *
 *	From: "InterScan MSS" <postmaster@example.com>
 *
 *	Sent <<< RCPT TO:<bob@example.org>
 *	Received >>> 550 5.1.1 <bob@example.org>... user unknown
 *
 * or "Unable to deliver message to <bob@example.org>." The notice text
 * around it is often Japanese; the SMTP lines are not.
 */
#include <string.h>

#include "engine.h"

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { SENT_RCPT, RECEIVED };

static const char *const phrases[] = {
	[SENT_RCPT] = "Sent <<< RCPT TO:",
	[RECEIVED] = "Received >>> ",
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
trendmicro_detect(const struct msgview *mv)
{
	struct span from = mv_header(mv, "From");

	if (span_ifind(from, "InterScan MSS") != NULL ||
	    span_ifind(from, "InterScan Notification") != NULL)
		return 80;
	/* Markers sit near the top. */
	if (mv_marker(mv, &markers, SENT_RCPT, 16384) &&
	    mv_marker(mv, &markers, RECEIVED, 16384))
		return 60;
	return 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("From", "InterScan MSS"),
	GATE_HAS("From", "InterScan Notification"),
	GATE_PHRASE(&markers, SENT_RCPT),
	GATE_DONE,
};

static const char *
tm_verb(struct span s)
{
	if (span_ifind(s, "RCPT TO") != NULL)
		return "RCPT";
	if (span_ifind(s, "MAIL FROM") != NULL)
		return "MAIL";
	if (span_ifind(s, "DATA") != NULL)
		return "DATA";
	if (span_ifind(s, "EHLO") != NULL || span_ifind(s, "HELO") != NULL)
		return "HELO";
	return NULL;
}

static size_t
trendmicro_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct bounce_recipient *rc = NULL;
	struct span line, t;
	const char *cmd = NULL;
	size_t pos = 0, found = 0;

	while (span_next_line(mv->body, &pos, &line)) {
		const char *sent, *got;
		struct span a;

		t = span_trim(line);
		sent = span_ifind(t, "<<< ");
		got = span_ifind(t, ">>> ");
		if (sent != NULL) {
			struct span what = span_make(sent + 4, (size_t)(t.p + t.len - sent - 4));

			cmd = tm_verb(what);
			if (cmd != NULL && strcmp(cmd, "RCPT") == 0 && (a = addr_find(what)).len > 0) {
				if ((rc = report_find_recipient(r, a)) == NULL &&
				    (rc = report_add_recipient(r, mv->limits)) != NULL) {
					REPORT_SET(r, rc->recipient, a);
					REPORT_SET(r, rc->action, SPAN_LIT("failed"));
					found++;
				}
			}
			continue;
		}
		if (got != NULL && rc != NULL) {
			REPORT_SET(r, rc->diagnostic, span_make(got + 4, (size_t)(t.p + t.len - got - 4)));
			if (cmd != NULL)
				REPORT_SET(r, rc->command, span_make(cmd, strlen(cmd)));
			continue;
		}
		if (span_ifind(t, "Unable to deliver ") != NULL && (a = addr_find(t)).len > 0 &&
		    report_find_recipient(r, a) == NULL &&
		    (rc = report_add_recipient(r, mv->limits)) != NULL) {
			REPORT_SET(r, rc->recipient, a);
			REPORT_SET(r, rc->action, SPAN_LIT("failed"));
			REPORT_SET(r, rc->diagnostic, t);
			found++;
		}
	}
	return found;
}

const struct vendor_module vendor_trendmicro = {
	.name = "trendmicro",
	.gate = gate,
	.markers = &markers,
	.detect = trendmicro_detect,
	.parse = trendmicro_parse,
};
