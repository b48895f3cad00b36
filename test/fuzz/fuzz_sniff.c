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

#include "engine.h"
#include "sniff.h"
#include "words.h"
#include "../unit/words_oracle.h"
#include "fuzz.h"

static const char *const fields[] = {
	"Subject", "From", "Sender", "Content-Type", "Return-Path",
	"Auto-Submitted", "Precedence", "X-Autoreply", "X-Failed-Recipients",
	"X-Apple-Unsubscribe", "Received",
};
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

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
		if (words_match(l, v) != words_match_slowly(l, v))
			fuzz_fail("words_match disagrees with a plain search", words_nth(l, 0));
	return 0;
}
