/*
 * fml.c - error notices of the fml mailing list manager.
 *
 *	From: list-admin@example.com
 *	X-MLServer: fml [fml 4.0.3 release]
 *	Subject: Loop Alert: Duplicated Message-ID (list ML)
 *
 *	Duplicated Message-ID in <list@example.com>.
 *	Original mail as follows:
 *
 * Not a delivery failure in the SMTP sense: the list refused to pass a
 * message on (a loop, a non-member, a security check). The address in
 * angle brackets is the list or the refused sender; the sentence is the
 * diagnostic.
 */
#include <string.h>

#include "engine.h"
#include "words.h"

static const char *const fml_returned[] = { "Original mail as follows", NULL };

static int
fml_detect(const struct msgview *mv)
{
	/* The milter's pre-check asks the same (sniff.c). */
	if (!words_match(WORDS_LIST_SERVER, mv_header(mv, "X-MLServer")))
		return 0;
	if (span_ifind(mv_header(mv, "From"), "-admin@") == NULL)
		return 30;
	return 85;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("X-MLServer", "fml"),
	GATE_DONE,
};

static size_t
fml_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct span region = text_region(mv->body, NULL, fml_returned), line, t, a;
	struct bounce_recipient *rc;
	size_t pos = 0, found = 0;

	while (span_next_line(region, &pos, &line)) {
		const char *lt;

		t = span_trim(line);
		if ((lt = memchr(t.p, '<', t.len)) == NULL || lt == t.p ||
		    (a = addr_find(span_make(lt, (size_t)(t.p + t.len - lt)))).len == 0 ||
		    report_find_recipient(r, a) != NULL)
			continue;
		if ((rc = textscan_add_failed(mv, a)) == NULL)
			break;
		REPORT_SET(r, rc->diagnostic, t);
		found++;
	}
	if (found > 0 && mv->returned.len == 0)
		mv->returned = text_region(mv->body, fml_returned, NULL);
	return found;
}

const struct vendor_module vendor_fml = {
	.name = "fml",
	.gate = gate,
	.detect = fml_detect,
	.parse = fml_parse,
};
