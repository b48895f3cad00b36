/*
 * sendgrid.c - SendGrid's bounce reports.
 *
 * An RFC 3464 report from apps@sendgrid.net (X-SendGrid-QueueID) whose
 * human part has one line per recipient with what the status block
 * leaves out, the remote host and the command:
 *
 *	This is an automatically generated message from SendGrid.
 *	...
 *	bob:000000:<bob@example.org> : 192.0.2.1 : mx.example.org:[192.0.2.2]
 *	    : 550 5.1.1 <bob@example.org>... User Unknown  in RCPT TO
 *
 * or "bob:00000:<bob@example.org> : Connection timed out in connect".
 * Its status block says "Action: expired" when SendGrid gave up, which
 * RFC 3464 calls "failed".
 */
#include <ctype.h>
#include <string.h>

#include "engine.h"

#define SG_BANNER	"This is an automatically generated message from SendGrid"

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { BANNER };

static const char *const phrases[] = {
	[BANNER] = SG_BANNER,
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
sendgrid_detect(const struct msgview *mv)
{
	if (mv_marker(mv, &markers, BANNER, 1024))
		return 92;
	if (mv_header(mv, "X-SendGrid-QueueID").len > 0 ||
	    span_ifind(mv_header(mv, "Return-Path"), "@sendgrid.net") != NULL)
		return mv_looks_like_report_once(mv) ? 85 : 0;
	return 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, BANNER),
	GATE_SET("X-SendGrid-QueueID"),
	GATE_HAS("Return-Path", "@sendgrid.net"),
	GATE_DONE,
};

/* "... in RCPT TO", "... in connect": the command SendGrid was at. */
static const char *
sg_command(struct span s)
{
	static const struct {
		const char *tail, *command;
	} tails[] = {
		{ " in RCPT TO", "RCPT" }, { " in MAIL FROM", "MAIL" }, { " in DATA", "DATA" },
		{ " in end of data", "DATA" }, { " in connect", "CONNECT" }, { " in EHLO", "HELO" },
		{ " in HELO", "HELO" },
	};
	size_t k;

	for (k = 0; k < sizeof(tails) / sizeof(tails[0]); k++)
		if (span_ifind(s, tails[k].tail) != NULL)
			return tails[k].command;
	return NULL;
}

/* The third " : " field, "mx.example.org:[192.0.2.2]": the host. */
static struct span
sg_host(struct span line)
{
	const char *p = line.p, *end = line.p + line.len, *h;
	int field = 0;

	while (p < end && field < 2) {
		const char *sep = mem_ifind(p, (size_t)(end - p), " : ", 3);

		if (sep == NULL)
			return SPAN_EMPTY;
		p = sep + 3;
		field++;
	}
	for (h = p; p < end && (isalnum((unsigned char)*p) || *p == '.' || *p == '-'); p++)
		;
	if (p < end && *p == ':' && p > h && memchr(h, '.', (size_t)(p - h)) != NULL)
		return span_make(h, (size_t)(p - h));
	return SPAN_EMPTY;
}

static void
sendgrid_refine(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	size_t i;

	for (i = 0; i < r->nrcpt; i++) {
		struct bounce_recipient *rc = &r->rcpt[i];
		struct span line, t, host;
		size_t pos = 0;
		const char *cmd;

		if (strcmp(rc->action, "expired") == 0)
			REPORT_SET(r, rc->action, SPAN_LIT("failed"));
		while (span_next_line(mv->body, &pos, &line)) {
			t = span_trim(line);
			if (mem_ifind(t.p, t.len, rc->recipient, strlen(rc->recipient)) == NULL ||
			    span_ifind(t, ">") == NULL || span_ifind(t, " : ") == NULL)
				continue;
			if (rc->command[0] == '\0' && (cmd = sg_command(t)) != NULL)
				REPORT_SET(r, rc->command, span_make(cmd, strlen(cmd)));
			if (rc->remote_mta[0] == '\0' && (host = sg_host(t)).len > 0)
				REPORT_SET(r, rc->remote_mta, host);
			break;
		}
	}
}

const struct vendor_module vendor_sendgrid = {
	.name = "sendgrid",
	.gate = gate,
	.markers = &markers,
	.detect = sendgrid_detect,
	.refine = sendgrid_refine,
};
