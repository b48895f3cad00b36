/*
 * fuzz_sniff.c - the milter's header-only pre-check (sniff.h) and the
 * shared word lists (words.h) on attacker text.
 *
 * The first byte picks a field name (or the envelope sender); the rest
 * is the raw value. sniff must not crash, must describe its signs in a
 * bounded buffer, and a sign once set must stay set. Each word list must
 * answer as a plain search word by word does: the one-pass matcher is
 * an optimisation, never a different opinion.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "sniff.h"
#include "words.h"
#include "fuzz.h"

static const char *const fields[] = {
	"Subject", "From", "Sender", "Content-Type", "Return-Path",
	"Auto-Submitted", "Precedence", "X-Autoreply", "X-Failed-Recipients",
	"X-Apple-Unsubscribe", "Received",
};
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

/* The naive answer: one search per word, in the list's way. */
static bool
slow_match(enum words_list l, struct span s)
{
	bool whole = l == WORDS_DAEMON_LOCAL || l == WORDS_AUTOREPLY_FIELD ||
	    l == WORDS_REPORT_FIELD;
	bool start = l == WORDS_AUTOREPLY_SUBJECT || l == WORDS_REPORT_TYPE;
	const char *w;
	size_t k;

	for (k = 0; (w = words_nth(l, k)) != NULL; k++) {
		size_t n = strlen(w);

		if (whole ? s.len == n && strncasecmp(s.p, w, n) == 0 :
		    start ? s.len >= n && strncasecmp(s.p, w, n) == 0 :
		    mem_ifind(s.p, s.len, w, n) != NULL)
			return true;
	}
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bounce_sniff sn;
	struct span v;
	unsigned before, l;
	char buf[256];
	const char *d;

	if (size == 0)
		return 0;
	v = span_make((const char *)data + 1, size - 1);

	bounce_sniff_init(&sn);
	bounce_sniff_sender(&sn, "<>", 2);
	before = sn.signs;
	if (data[0] % (NFIELDS + 1) == NFIELDS)
		bounce_sniff_sender(&sn, v.p, v.len);
	else {
		const char *name = fields[data[0] % (NFIELDS + 1)];

		bounce_sniff_header(&sn, name, strlen(name), v.p, v.len);
	}
	if ((sn.signs & before) != before)
		fuzz_fail("a sign was cleared", "bounce_sniff");
	if (!bounce_sniff_maybe_report(&sn))
		fuzz_fail("null sender no longer a maybe", "bounce_sniff");
	d = bounce_sniff_describe(&sn, buf, sizeof(buf));
	if (d == NULL || strnlen(d, sizeof(buf)) >= sizeof(buf))
		fuzz_fail("description not terminated in its buffer", "bounce_sniff_describe");

	for (l = 0; l < WORDS_NLISTS; l++)
		if (words_match(l, v) != slow_match(l, v))
			fuzz_fail("words_match disagrees with a plain search", words_nth(l, 0));
	return 0;
}
