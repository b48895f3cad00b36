/*
 * yahoo.c - Yahoo! Mail's "Failure Notice" (a qmail descendant).
 *
 *	Sorry, we were unable to deliver your message to the following address.
 *
 *	<bob@example.org>:
 *	Remote host said: 550 5.1.1 <bob@example.org>... User Unknown [RCPT_TO]
 *
 *	--- Below this line is a copy of the message.
 *
 * The reply may sit on its own lines, lose its "Remote host said:" or be
 * Yahoo's own words ("No mx record found for domain=example.org").
 * "[RCPT_TO]" names the SMTP command.
 */
#include <string.h>

#include "engine.h"

#define YAHOO_LEAD	"Sorry, we were unable to deliver your message to the following address"

static const char *const yahoo_starts[] = { YAHOO_LEAD, NULL };

/* detect() asks about the lead (found for all modules in one pass,
 * vendor.c). */
static struct vendor_markers markers = { .phrase = yahoo_starts };
static const char *const yahoo_returned[] = {
	"--- Below this line is a copy of the message.", NULL,
};

static int
yahoo_detect(const struct msgview *mv)
{
	int score = 0;

	if (!mv_marker(mv, &markers, 0, 1024))
		return 0;
	score = 70;
	if (mv_header(mv, "X-YMailISG").len > 0 ||
	    span_ifind(mv_header(mv, "From"), "yahoo") != NULL)
		score = 90;
	return score;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, 0),
	GATE_DONE,
};

/* "[RCPT_TO]", "[MAIL_FROM]", "[DATA]": the command Yahoo was at. */
static const char *
yahoo_command(const char *diag)
{
	static const struct {
		const char *tag, *command;
	} tags[] = {
		{ "[RCPT_TO]", "RCPT" }, { "[MAIL_FROM]", "MAIL" }, { "[DATA]", "DATA" },
		{ "[EHLO]", "HELO" }, { "[HELO]", "HELO" }, { "[CONNECT]", "CONNECT" },
	};
	struct span s = span_make(diag, strlen(diag));
	size_t k;

	for (k = 0; k < sizeof(tags) / sizeof(tags[0]); k++)
		if (span_ifind(s, tags[k].tag) != NULL)
			return tags[k].command;
	return NULL;
}

static size_t
yahoo_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	size_t first = r->nrcpt, found, i;

	found = textscan_recipients(mv, text_region(mv->body, yahoo_starts, yahoo_returned), 0);
	for (i = first; i < r->nrcpt; i++) {
		struct bounce_recipient *rc = &r->rcpt[i];
		const char *cmd = yahoo_command(rc->diagnostic);

		REPORT_SET(r, rc->action, SPAN_LIT("failed"));
		if (cmd != NULL)
			REPORT_SET(r, rc->command, span_make(cmd, strlen(cmd)));
	}
	if (found > 0 && mv->returned.len == 0)
		mv->returned = text_region(mv->body, yahoo_returned, NULL);
	return found;
}

const struct vendor_module vendor_yahoo = {
	.name = "yahoo",
	.gate = gate,
	.markers = &markers,
	.detect = yahoo_detect,
	.parse = yahoo_parse,
};
