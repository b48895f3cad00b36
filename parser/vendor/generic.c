/*
 * generic.c - last resort for reports in no format we know.
 *
 * Only tried when the message looks like a report (null sender, daemon
 * sender, bounce subject), and with the lowest confidence, so that any
 * real module wins. Reads the notification up to the returned message.
 */
#include <string.h>

#include "engine.h"

static int
generic_detect(const struct msgview *mv)
{
	return mv_looks_like_report_once(mv) ? 1 : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_LOOKS_LIKE_REPORT,
	GATE_DONE,
};

/*
 * Second look, for reports that end a sentence with the address: "User's
 * mailbox is full: <bob@example.org>", "Did not reach the following
 * recipient: bob@example.org". The words before the colon must be a
 * sentence, not a header field ("To: <bob@example.org>" is a quote).
 */
static size_t
generic_trailing(struct msgview *mv, struct span region)
{
	struct bounce_report *r = mv->report;
	struct span line;
	size_t pos = 0, found = 0;

	while (span_next_line(region, &pos, &line)) {
		struct span t = span_trim(line), a = addr_find(t), words;
		const char *colon, *rest;
		struct bounce_recipient *rc;

		if (a.len == 0 || report_find_recipient(r, a) != NULL)
			continue;
		/* Nothing after the address but closing punctuation. */
		for (rest = a.p + a.len; rest < t.p + t.len && strchr(">.", *rest) != NULL; rest++)
			;
		if (rest != t.p + t.len)
			continue;
		colon = memchr(t.p, ':', (size_t)(a.p - t.p));
		if (colon == NULL)
			continue;
		words = span_trim(span_make(t.p, (size_t)(colon - t.p)));
		if (memchr(words.p, ' ', words.len) == NULL)
			continue;
		if ((rc = report_add_recipient(r, mv->limits)) == NULL)
			break;
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->diagnostic, words);
		found++;
	}
	return found;
}

static size_t
generic_parse(struct msgview *mv)
{
	static const char *const returned[] = {
		"original message", "returned message", "message headers follow",
		"below this line is a copy", "undelivered message", "headers of your message",
		"content-type: message/rfc822", "message text follows", "unsent message follows",
		"copy of the message", "text of the message follows", NULL,
	};

	struct span region = text_region(mv->body, NULL, returned);
	size_t n = textscan_recipients(mv, region, 0);

	return n > 0 ? n : generic_trailing(mv, region);
}

const struct vendor_module vendor_generic = {
	.name = "generic",
	.gate = gate,
	.detect = generic_detect,
	.parse = generic_parse,
};
