/*
 * phrases_test.c - unit tests of phrases.c: where each phrase of a set
 * first ends in a text, against a search per phrase (mem_ifind()) as the
 * oracle, on texts made to hold the phrases, their beginnings and ends,
 * case changes and near misses, at every length around the 32-byte
 * blocks of the AVX2 pass and the four-byte strides.
 *
 * Texts are copied into buffers of their exact length (no NUL after
 * them), so that the sanitizer build catches any read past the text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"

/* Short ones (searched one by one), shared beginnings, a line end, 8-bit
 * bytes, punctuation, and the same phrase twice. */
static const char *const phrases[] = {
	"\n>>> ",
	"MSEXCH:",
	"because:",
	"----- Transcript of session follows -----",
	"Transcript of session follows",
	"----- The following addresses had ",
	"----- The following addresses had permanent fatal errors -----",
	"This is the mail system at host",
	"This is the Postfix program",
	"recipient addresses that were\nincorrectly constructed",
	"your message to ",
	"rejected your message to the following e",
	"\xe9\x85\x8d\xe4\xbf\xa1\xe3\x81\xa7\xe3\x81\x8d\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93",
	"Delivery has failed to these recipients",
	"Delivery has failed to these recipients",
	"abcdefg",
	"zzzzzzzzzzzz",
	NULL
};

#define NPHRASES	(sizeof(phrases) / sizeof(phrases[0]) - 1)

struct seen {
	unsigned	calls[NPHRASES];
};

static void
on_found(unsigned id, void *arg)
{
	struct seen *s = arg;

	s->calls[id]++;
}

/* The scan of text against the oracle, phrase by phrase. */
static void
check_text(const struct phrase_set *set, const char *text, size_t len)
{
	uint32_t end[NPHRASES] = { 0 };
	struct seen seen = { { 0 } };
	char *copy = malloc(len ? len : 1);
	const char *hit;
	size_t i, plen;

	assert_non_null(copy);
	memcpy(copy, text, len);
	phrase_set_scan(set, copy, len, end, on_found, &seen);
	for (i = 0; i < NPHRASES; i++) {
		plen = strlen(phrases[i]);
		hit = mem_ifind(copy, len, phrases[i], plen);
		if (hit == NULL) {
			assert_int_equal(end[i], 0);
			assert_int_equal(seen.calls[i], 0);
		} else {
			assert_int_equal(end[i], (size_t)(hit - copy) + plen);
			assert_true(seen.calls[i] >= 1);
		}
	}
	free(copy);
}

static void
test_fixed(void **state)
{
	struct phrase_set *set = phrase_set_build(phrases, NPHRASES);
	static const char *const texts[] = {
		"",
		"abc",
		"\n>>> ",
		"x\n>>> RCPT TO",
		"MSEXCH:IMS",
		"msexch:",
		"THIS IS THE MAIL SYSTEM AT HOST mx.example.net",
		"This is the mail system at hos",
		("----- transcript of session follows ----- and again "
		    "----- Transcript of session follows -----"),
		"recipient addresses that were\nincorrectly constructed",
		"recipient addresses that were\r\nincorrectly constructed",
		/* Bytes that differ from the phrase's in bit 5 only, where
		 * the phrase has no letter: no match. */
		"recipient addresses that were*incorrectly constructed",
		"MSEXCH\x1a because\x1a ---\r- Transcript of session follows -----",
		"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
		"abcdefabcdefgabcdefg",
		"yOuR MeSsAgE To nobody@example.org was rejected your message to the following e",
	};
	static const char nul_for_blank[] = "This is the\0Postfix program";
	size_t i;

	(void)state;
	assert_non_null(set);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		check_text(set, texts[i], strlen(texts[i]));
	check_text(set, nul_for_blank, sizeof(nul_for_blank) - 1);
	phrase_set_free(set);
}

/* Random texts of pieces of the phrases (whole, cut, case-flipped, a
 * byte changed) and filler, every length from 0 to 300. */
static void
test_random(void **state)
{
	struct phrase_set *set = phrase_set_build(phrases, NPHRASES);
	static const char filler[] = "abcdefghijklmnopqrstuvwxyz -:\n\r>";
	char text[400];
	unsigned seed = 12345, round;
	size_t len, at, i, from, n;

	(void)state;
	assert_non_null(set);
	for (round = 0; round < 3000; round++) {
		len = round % 301;
		for (at = 0; at < len;) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 3 != 0) {
				text[at++] = filler[(seed >> 8) % (sizeof(filler) - 1)];
				continue;
			}
			i = (seed >> 8) % NPHRASES;
			n = strlen(phrases[i]);
			from = (seed >> 4) % 4 == 0 ? (seed >> 12) % n : 0;
			for (; from < n && at < len; from++) {
				seed = seed * 1103515245u + 12345u;
				text[at] = phrases[i][from];
				if ((seed >> 16) % 7 == 0 && text[at] >= 'a' && text[at] <= 'z')
					text[at] = (char)(text[at] - 0x20);
				if ((seed >> 16) % 97 == 0)
					text[at] = 'q';
				at++;
			}
		}
		check_text(set, text, len);
	}
	phrase_set_free(set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
