/*
 * biglobe.c - BIGLOBE (biglobe.ne.jp) returned mail.
 *
 * From postmaster@biglobe.ne.jp, the returned message attached:
 *
 *	   ----- The following addresses had delivery problems -----
 *	bob@example.jp
 *
 *	   ----- Non-delivered information -----
 *	The number of messages in recipient's mailbox exceeded the local limit.
 *
 * One reason block serves every address listed above it.
 */
#include "engine.h"

static const char *const bg_starts[] = { "----- The following addresses had delivery problems -----", NULL };
static const char *const bg_reason[] = { "----- Non-delivered information -----", NULL };
static const char *const bg_ends[] = { "Content-Type: message/rfc822", NULL };

static int
biglobe_detect(const struct msgview *mv)
{
	struct span from = mv_header(mv, "From");
	struct span head = span_make(mv->body.p, mv->body.len < 2048 ? mv->body.len : 2048);

	if (span_ifind(from, "@biglobe.ne.jp") == NULL &&
	    span_ifind(from, ".biglobe.ne.jp") == NULL)
		return 0;
	return span_ifind(head, bg_starts[0]) != NULL ? 90 : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("From", "biglobe.ne.jp"),
	GATE_DONE,
};

/* The reason: the first paragraph after its heading. */
static struct span
bg_why(struct span text)
{
	struct span region = text_region(text, bg_reason, bg_ends), line;
	const char *start = NULL, *end = NULL;
	size_t pos = 0;

	while (span_next_line(region, &pos, &line)) {
		struct span t = span_trim(line);

		if (t.len == 0) {
			if (start != NULL)
				break;
			continue;
		}
		if (start == NULL)
			start = t.p;
		end = t.p + t.len;
	}
	return start != NULL ? span_make(start, (size_t)(end - start)) : SPAN_EMPTY;
}

static size_t
biglobe_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct span list = text_region(mv->body, bg_starts, bg_reason), line;
	struct span why = bg_why(mv->body);
	size_t pos = 0, found = 0, first = r->nrcpt, i;

	while (span_next_line(list, &pos, &line)) {
		struct span t = span_trim(line), a = addr_find(t);
		struct bounce_recipient *rc;

		if (a.len == 0 || a.p - t.p > 1 || report_find_recipient(r, a) != NULL)
			continue;
		if ((rc = textscan_add_failed(mv, a)) == NULL)
			break;
		found++;
	}
	for (i = first; i < r->nrcpt; i++)
		REPORT_SET(r, r->rcpt[i].diagnostic, why);
	return found;
}

const struct vendor_module vendor_biglobe = {
	.name = "biglobe",
	.gate = gate,
	.detect = biglobe_detect,
	.parse = biglobe_parse,
};
