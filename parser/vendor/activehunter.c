/*
 * activehunter.c - bounces of the Active!Hunter mail filter (TransWARE).
 *
 * A Sendmail-like layout, but the failed address is marked with ">>>":
 *
 *	Subject: FAILURE NOTICE : original subject
 *
 *	  ----- The following addresses had permanent fatal errors -----
 *	>>> bob@example.org <bob@example.org>
 *
 *	  ----- Transcript of session follows -----
 *	550 sorry, no mailbox here by that name (#5.1.1 - chkusr)
 */
#include <string.h>

#include "engine.h"

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { PERMANENT_LIST };

static const char *const phrases[] = {
	[PERMANENT_LIST] = "----- The following addresses had permanent fatal errors -----",
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

/* A quoted recipient line near the top. Searched here, only when a
 * header opened the gate, not in the one pass over every body: a phrase
 * this short is a search of its own there (phrases.c). */
static bool
quoted_rcpt(const struct msgview *mv)
{
	static const char quoted[] = "\n>>> ";

	return mem_ifind(mv->body.p, mv->body.len < 16384 ? mv->body.len : 16384,
	    quoted, sizeof(quoted) - 1) != NULL;
}

static int
activehunter_detect(const struct msgview *mv)
{
	int score = 0;

	if (span_ifind(mv_header(mv, "Content-Type"), "Active!Hunter") != NULL)
		score += 50;
	if (span_istarts(span_trim(mv_header(mv, "Subject")), "FAILURE NOTICE :"))
		score += 30;
	/* Markers sit near the top. */
	if (mv_marker(mv, &markers, PERMANENT_LIST, 16384) && quoted_rcpt(mv))
		score += 15;
	return score >= 45 ? score : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("Content-Type", "Active!Hunter"),
	GATE_HAS("Subject", "FAILURE NOTICE :"),
	GATE_DONE,
};

static size_t
activehunter_parse(struct msgview *mv)
{
	static const char *const list[] = { "had permanent fatal errors", NULL };
	static const char *const transcript[] = { "----- Transcript of session follows", NULL };
	struct bounce_report *r = mv->report;
	struct span region = text_region(mv->body, list, transcript), diag, line, t;
	size_t pos = 0, i, first = r->nrcpt;

	while (span_next_line(region, &pos, &line)) {
		struct bounce_recipient *rc;
		struct span a;

		t = span_trim(line);
		if (!span_istarts(t, ">>>") || (a = addr_find(t)).len == 0 ||
		    report_find_recipient(r, a) != NULL ||
		    (rc = report_add_recipient(r, mv->limits)) == NULL)
			continue;
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->action, SPAN_LIT("failed"));
	}
	/* The transcript is one error for every listed address. */
	diag = span_trim(text_region(mv->body, transcript, NULL));
	for (i = first; i < r->nrcpt; i++)
		REPORT_SET(r, r->rcpt[i].diagnostic, diag);
	return r->nrcpt - first;
}

const struct vendor_module vendor_activehunter = {
	.name = "activehunter",
	.gate = gate,
	.markers = &markers,
	.detect = activehunter_detect,
	.parse = activehunter_parse,
};
