/*
 * domino.c - Lotus / IBM / HCL Domino delivery failure reports.
 *
 *	Subject: DELIVERY FAILURE: User bob (bob@example.org) not listed in ...
 *
 *	Your message
 *
 *	  Subject: Hello
 *
 *	was not delivered to:
 *
 *	  bob@example.org
 *
 *	because:
 *
 *	  User bob (bob@example.org) not listed in Domino Directory
 *
 * Newer servers add a DSN part with "Diagnostic-Code: X-Notes; ...". The
 * older Notes SMTP MTA's "------- Failure Reasons --------" form is
 * vendor/notes.c's.
 */
#include <string.h>

#include "engine.h"

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { NOT_DELIVERED, BECAUSE };

static const char *const phrases[] = {
	[NOT_DELIVERED] = "was not delivered to:",
	[BECAUSE] = "because:",
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
domino_detect(const struct msgview *mv)
{
	struct span subj = span_trim(mv_header(mv, "Subject"));
	int score = 0;

	if (mv_marker(mv, &markers, NOT_DELIVERED, 2048) &&
	    mv_marker(mv, &markers, BECAUSE, 2048))
		score += 50;
	if (span_istarts(subj, "DELIVERY FAILURE:") || span_istarts(subj, "DELIVERY_FAILURE:"))
		score += 35;
	else if (score > 0 && span_istarts(subj, "DELAY NOTIFICATION:"))
		score += 30;
	if (score > 0 && span_istarts(mv_header(mv, "Message-ID"), "<OF"))
		score += 5;
	return score >= 50 ? score : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, NOT_DELIVERED),
	GATE_DONE,
};

/* The indented lines after a "label:" line, up to the next label. */
static struct span
dm_section(struct span body, const char *label)
{
	static const char *const labels[] = { "was not delivered to:", "because:", "Your message", NULL };
	const char *const start[] = { label, NULL };
	struct span region = text_region(body, start, NULL), line, t, out = SPAN_EMPTY;
	size_t pos = 0, k;

	while (span_next_line(region, &pos, &line)) {
		t = span_trim(line);
		if (t.len == 0) {
			if (out.len > 0 && strcmp(label, "because:") != 0)
				break;
			continue;
		}
		for (k = 0; labels[k] != NULL; k++)
			if (span_istarts(t, labels[k]))
				return out;
		if (line.p[0] != ' ' && line.p[0] != '\t' && out.len > 0)
			break;
		if (out.len == 0)
			out = t;
		else
			out.len = (size_t)(t.p + t.len - out.p);
	}
	return out;
}

static size_t
domino_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct span who = dm_section(mv->body, "was not delivered to:"), why, line, a;
	bool delayed = span_istarts(span_trim(mv_header(mv, "Subject")), "DELAY NOTIFICATION");
	size_t pos = 0, found = 0;

	why = dm_section(mv->body, "because:");
	while (span_next_line(who, &pos, &line)) {
		struct bounce_recipient *rc;

		if ((a = addr_find(line)).len == 0 || report_find_recipient(r, a) != NULL ||
		    (rc = report_add_recipient(r, mv->limits)) == NULL)
			continue;
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->action, delayed ? SPAN_LIT("delayed") : SPAN_LIT("failed"));
		REPORT_SET(r, rc->diagnostic, why);
		found++;
	}
	return found;
}

/* Equal but for blanks: Domino folds its Diagnostic-Code mid-word. */
static bool
dm_same_words(struct span a, const char *b)
{
	size_t i = 0;

	for (;;) {
		while (i < a.len && (a.p[i] == ' ' || a.p[i] == '\t' || a.p[i] == '\n'))
			i++;
		while (*b == ' ')
			b++;
		if (i == a.len || *b == '\0')
			return i == a.len && *b == '\0';
		if (a.p[i++] != *b++)
			return false;
	}
}

/*
 * "Diagnostic-Code: X-Notes; ..." can be missing, folded inside a word,
 * or left in ISO-2022-JP (the status part names no charset); the text
 * part says the same, decoded.
 */
static void
domino_refine(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct span why = dm_section(mv->body, "because:");
	size_t i;

	for (i = 0; i < r->nrcpt && why.len > 0; i++) {
		const char *d = r->rcpt[i].diagnostic;

		if (d[0] == '\0' || dm_same_words(why, d) ||
		    (strstr(d, "$B") != NULL && strstr(d, "(B") != NULL))
			REPORT_SET(r, r->rcpt[i].diagnostic, why);
	}
}

const struct vendor_module vendor_domino = {
	.name = "domino",
	.gate = gate,
	.markers = &markers,
	.detect = domino_detect,
	.parse = domino_parse,
	.refine = domino_refine,
};
