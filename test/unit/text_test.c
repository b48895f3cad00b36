/*
 * text_test.c - unit tests of text.c: span helpers, report-field
 * clean-up (text_field) and UTF-8 repair (text_clean_utf8).
 *
 * Inputs are copied into buffers of their exact length (no NUL after
 * them), so that the sanitizer build catches any read past a span.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"

#define FFFD	"\xEF\xBF\xBD"


struct fixture {
	struct arena	*arena;
	void		*bufs[64];
	size_t		 nbufs;
};

static struct fixture *fx;

static int
setup(void **state)
{
	fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	fx->arena = arena_new();
	assert_non_null(fx->arena);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	for (i = 0; i < fx->nbufs; i++)
		free(fx->bufs[i]);
	arena_free(fx->arena);
	free(fx);
	*state = NULL;
	return 0;
}

/* A span over a private copy of exactly len bytes. */
static struct span
exact(const char *s, size_t len)
{
	char *p = malloc(len ? len : 1);

	assert_non_null(p);
	assert_true(fx->nbufs < sizeof(fx->bufs) / sizeof(fx->bufs[0]));
	fx->bufs[fx->nbufs++] = p;
	memcpy(p, s, len);
	return span_make(p, len);
}

#define EXACT(lit)	exact((lit), sizeof(lit) - 1)

static void
assert_span_equal(struct span s, const char *want)
{
	assert_int_equal(s.len, strlen(want));
	assert_memory_equal(s.p, want, s.len);
}

static const char *
field(const char *lit, size_t len)
{
	return text_field(fx->arena, exact(lit, len));
}

#define FIELD(lit)	field((lit), sizeof(lit) - 1)

/* ---- span helpers ---------------------------------------------------- */

static void
test_span_trim(void **state)
{
	assert_span_equal(span_trim(EXACT("  a b \t\r\n")), "a b");
	assert_span_equal(span_trim(EXACT("abc")), "abc");
	assert_int_equal(span_trim(EXACT(" \t\n ")).len, 0);
	assert_int_equal(span_trim(EXACT("")).len, 0);
}

static void
test_span_ieq_istarts(void **state)
{
	assert_true(span_ieq(EXACT("Final-Recipient"), "final-recipient"));
	assert_false(span_ieq(EXACT("Final-Recipient"), "final-recipien"));
	assert_false(span_ieq(EXACT("Final-Recipien"), "final-recipient"));
	assert_true(span_ieq(EXACT(""), ""));
	assert_true(span_istarts(EXACT("STATUS: 5.1.1"), "status:"));
	assert_false(span_istarts(EXACT("Stat"), "status:"));
	assert_true(span_istarts(EXACT("x"), ""));
}

static void
test_span_ifind(void **state)
{
	struct span s = EXACT("host MX.Example.ORG said");
	const char *hit;

	hit = span_ifind(s, "mx.example.org");
	assert_non_null(hit);
	assert_int_equal(hit - s.p, 5);
	/* At the very end of the span. */
	hit = span_ifind(s, "SAID");
	assert_non_null(hit);
	assert_int_equal(hit - s.p, (long)s.len - 4);
	assert_null(span_ifind(s, "saida"));
	assert_null(span_ifind(EXACT("abc"), "abcd"));
	assert_null(span_ifind(EXACT(""), "a"));
	/* The empty needle is found at the start. */
	assert_ptr_equal(span_ifind(s, ""), s.p);
	/* A NUL in the haystack is a byte like any other. */
	s = EXACT("a\0b needle");
	hit = span_ifind(s, "NEEDLE");
	assert_non_null(hit);
	assert_int_equal(hit - s.p, 4);
	assert_ptr_equal(mem_ifind(s.p, s.len, "B NEE", 5), s.p + 2);
}

/* span_ieq compares eight bytes at a time: every pair of byte values,
 * at every place of a word and of the tail, as tolower() of the C locale
 * says. */
static void
test_span_ieq_every_byte(void **state)
{
	char s[12], lit[13];
	unsigned a, b, k;

	for (k = 0; k < sizeof(s); k++)
		for (a = 0; a < 256; a++)
			for (b = 1; b < 256; b++) {
				bool want = a == b || ((a | 0x20) == (b | 0x20) &&
				    (a | 0x20) >= 'a' && (a | 0x20) <= 'z');

				memcpy(s, "Content-Type", sizeof(s));
				memcpy(lit, "Content-Type", sizeof(lit));
				s[k] = (char)a;
				lit[k] = (char)b;
				if (span_ieq(span_make(s, sizeof(s)), lit) != want)
					fail_msg("byte %u against %u at %u", a, b, k);
			}
}

/* The plain definition mem_ifind must agree with. */
static const char *
naive_ifind(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t i, j;

	for (i = 0; i + nlen <= hlen; i++) {
		for (j = 0; j < nlen; j++) {
			unsigned char a = (unsigned char)hay[i + j], b = (unsigned char)needle[j];

			if ((a >= 'A' && a <= 'Z' ? a | 0x20 : a) != (b >= 'A' && b <= 'Z' ? b | 0x20 : b))
				break;
		}
		if (j == nlen)
			return hay + i;
	}
	return NULL;
}

/* mem_ifind against naive_ifind on random haystacks of a small alphabet
 * (letters in both cases, their neighbours '@' '[' '`' '{' that OR 0x20
 * confuses, high bytes), every length around the 16-byte blocks. */
static void
test_mem_ifind_differential(void **state)
{
	static const char alphabet[] = "aAbB@[`{\xc1\xe1 .";
	char hay[80], needle[8];
	uint32_t seed = 12345;
	size_t hlen, nlen, k, round;

	for (round = 0; round < 200000; round++) {
		seed = seed * 1103515245 + 12345;
		hlen = (seed >> 8) % sizeof(hay);
		seed = seed * 1103515245 + 12345;
		nlen = 1 + (seed >> 8) % sizeof(needle);
		for (k = 0; k < hlen; k++) {
			seed = seed * 1103515245 + 12345;
			hay[k] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		for (k = 0; k < nlen; k++) {
			seed = seed * 1103515245 + 12345;
			/* Letters only every other round: more hits. */
			needle[k] = alphabet[(seed >> 16) %
			    (round % 2 ? 4 : sizeof(alphabet) - 1)];
		}
		assert_ptr_equal(mem_ifind(hay, hlen, needle, nlen),
		    naive_ifind(hay, hlen, needle, nlen));
	}
}

static void
test_span_next_line(void **state)
{
	struct span s = EXACT("one\ntwo\r\n\nfour"), line;
	size_t pos = 0;

	assert_true(span_next_line(s, &pos, &line));
	assert_span_equal(line, "one");
	assert_true(span_next_line(s, &pos, &line));
	assert_span_equal(line, "two");
	assert_true(span_next_line(s, &pos, &line));
	assert_span_equal(line, "");
	assert_true(span_next_line(s, &pos, &line));
	assert_span_equal(line, "four");
	assert_false(span_next_line(s, &pos, &line));

	/* A final line end makes no extra empty line. */
	s = EXACT("a\n");
	pos = 0;
	assert_true(span_next_line(s, &pos, &line));
	assert_span_equal(line, "a");
	assert_false(span_next_line(s, &pos, &line));

	s = EXACT("\r\n");
	pos = 0;
	assert_true(span_next_line(s, &pos, &line));
	assert_span_equal(line, "");
	assert_false(span_next_line(s, &pos, &line));

	s = EXACT("");
	pos = 0;
	assert_false(span_next_line(s, &pos, &line));
}

/* ---- text_field ------------------------------------------------------ */

static void
test_field_unfolds(void **state)
{
	assert_string_equal(FIELD("550 5.1.1 user\r\n    unknown"), "550 5.1.1 user unknown");
	assert_string_equal(FIELD("a\n\tb"), "a b");
	assert_string_equal(FIELD("a\r\n b\r\n c"), "a b c");
}

static void
test_field_blanks(void **state)
{
	assert_string_equal(FIELD("  a    b\t\t c  "), "a b c");
	assert_string_equal(FIELD(""), "");
	assert_string_equal(FIELD(" \t\r\n "), "");
	/* Only controls: nothing left. */
	assert_string_equal(FIELD("\x01\x02\x1b"), "");
}

/* A control, DEL, two blanks or a UTF-8 letter at every offset of
 * fields around the sixteen-byte blocks of the plain-field test; the
 * field is an exact allocation, so a read past it shows under ASan. */
static void
test_field_every_offset(void **state)
{
	char want[64], *in;
	size_t len, at, k, w;

	for (len = 1; len < 48; len++)
		for (at = 0; at + 1 < len; at++)
			for (k = 0; k < 4; k++) {
				in = malloc(len);
				assert_non_null(in);
				memset(in, 'm', len);
				w = 0;
				if (k == 0 || k == 1) {
					/* A control or DEL: one blank inside, nothing at the ends. */
					in[at] = k == 0 ? '\x01' : '\x7f';
					w = at > 0 ? len : len - 1;
					memset(want, 'm', w);
					if (at > 0)
						want[at] = ' ';
					want[w] = '\0';
				} else if (k == 2) {
					/* Two blanks inside: one. */
					if (at == 0 || at + 2 >= len) {
						free(in);
						continue;
					}
					in[at] = in[at + 1] = ' ';
					memset(want, 'm', len - 1);
					want[at] = ' ';
					want[len - 1] = '\0';
				} else {
					/* U+00E9: kept as it is. */
					in[at] = '\xc3';
					in[at + 1] = '\xa9';
					memcpy(want, in, len);
					want[len] = '\0';
				}
				assert_string_equal(text_field(fx->arena, span_make(in, len)), want);
				free(in);
			}
}

static void
test_field_controls(void **state)
{
	/* C0 controls and DEL become a blank, never kept. */
	assert_string_equal(FIELD("a\x01" "b"), "a b");
	assert_string_equal(FIELD("a\x1b[31mb"), "a [31mb");
	assert_string_equal(FIELD("a\x7f" "b"), "a b");
	assert_string_equal(FIELD("a\0b"), "a b");
	/* C1 controls (U+0080..U+009F, as UTF-8) too. */
	assert_string_equal(FIELD("a\xC2\x85" "b"), "a b");
	assert_string_equal(FIELD("a\xC2\x9B" "b"), "a b");
	assert_string_equal(FIELD("\xC2\x80x\xC2\x9F"), "x");
	/* U+00A0 and above are text. */
	assert_string_equal(FIELD("a\xC2\xA0" "b"), "a\xC2\xA0" "b");
	assert_string_equal(FIELD("J\xC3\xB6rg"), "J\xC3\xB6rg");
}

/* Whatever comes in, what goes out is valid UTF-8. */
static void
test_field_always_valid(void **state)
{
	static const char *const bad[] = {
		"a\xFF" "b", "x\xC0\xAFy", "\xED\xA0\x80", "end\xE2\x82",
		"\xF8\x88\x80\x80\x80", "\xC2", "\xE9t\xE9 caf\xE9",
	};
	size_t k;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		const char *s = field(bad[k], strlen(bad[k]));

		assert_true(utf8_valid(s, strlen(s)));
	}
	/* Four-byte characters are kept. */
	assert_string_equal(FIELD("\xF0\x9F\x93\xA7 mail"), "\xF0\x9F\x93\xA7 mail");
}

/*
 * Invalid bytes become U+FFFD, and repair must not cost text: the
 * replacement is three bytes for one, and the rest of a short field has
 * to survive it.
 */
static void
test_field_repairs_utf8(void **state)
{
	const char *s;

	assert_string_equal(FIELD("a\xFF" "b"), "a" FFFD "b");
	assert_string_equal(FIELD("M\xFCller GmbH"), "M" FFFD "ller GmbH");
	assert_string_equal(FIELD("\xFF"), FFFD);
	assert_string_equal(FIELD("caf\xE9"), "caf" FFFD);
	/* Overlong, surrogate, and cut-off sequences. */
	s = FIELD("x\xC0\xAFy");
	assert_true(strncmp(s, "x" FFFD, 4) == 0);
	assert_true(s[strlen(s) - 1] == 'y');
	s = FIELD("\xED\xA0\x80");
	assert_non_null(strstr(s, FFFD));
	s = FIELD("end\xE2\x82");
	assert_true(strncmp(s, "end" FFFD, 6) == 0);
}

static void
test_field_cap(void **state)
{
	char big[BOUNCE_FIELD_MAX * 2];
	const char *s;
	size_t n;

	/* Plain ASCII: exactly the cap. */
	memset(big, 'a', sizeof(big));
	s = field(big, sizeof(big));
	assert_int_equal(strlen(s), BOUNCE_FIELD_MAX);

	/* A two-byte character across the cap is dropped whole. */
	memset(big, 'a', BOUNCE_FIELD_MAX - 1);
	memcpy(big + BOUNCE_FIELD_MAX - 1, "\xC3\xA9\xC3\xA9", 4);
	s = field(big, BOUNCE_FIELD_MAX + 3);
	n = strlen(s);
	assert_true(n <= BOUNCE_FIELD_MAX);
	assert_int_equal(n, BOUNCE_FIELD_MAX - 1);
	assert_true(utf8_valid(s, n));

	/* A four-byte character across the cap. */
	memset(big, 'a', BOUNCE_FIELD_MAX - 2);
	memcpy(big + BOUNCE_FIELD_MAX - 2, "\xF0\x9F\x93\xA7zz", 6);
	s = field(big, BOUNCE_FIELD_MAX + 4);
	n = strlen(s);
	assert_int_equal(n, BOUNCE_FIELD_MAX - 2);
	assert_true(utf8_valid(s, n));

	/* Invalid bytes all the way: replacement characters up to the cap. */
	memset(big, 0xFF, sizeof(big));
	s = field(big, sizeof(big));
	n = strlen(s);
	assert_true(n <= BOUNCE_FIELD_MAX && n > BOUNCE_FIELD_MAX - 3);
	assert_true(utf8_valid(s, n));

	/* No blank is left dangling at the cap. */
	memset(big, 'a', BOUNCE_FIELD_MAX - 1);
	memcpy(big + BOUNCE_FIELD_MAX - 1, " bcd", 4);
	s = field(big, BOUNCE_FIELD_MAX + 3);
	n = strlen(s);
	assert_true(n <= BOUNCE_FIELD_MAX);
	assert_true(s[n - 1] != ' ');
}

/* ---- text_clean_utf8, utf8_valid, text_lower ------------------------- */

static void
test_clean_line_ends(void **state)
{
	struct span s;

	s = text_clean_utf8(fx->arena, EXACT("a\r\nb\rc\nd\r\r\n"));
	assert_span_equal(s, "a\nb\nc\nd\n\n");
	assert_int_equal(s.p[s.len], '\0');
	s = text_clean_utf8(fx->arena, EXACT("\r"));
	assert_span_equal(s, "\n");
	s = text_clean_utf8(fx->arena, EXACT(""));
	assert_int_equal(s.len, 0);
}

static void
test_clean_bytes(void **state)
{
	struct span s;

	s = text_clean_utf8(fx->arena, EXACT("a\0b"));
	assert_span_equal(s, "a" FFFD "b");
	s = text_clean_utf8(fx->arena, EXACT("\xE9t\xE9"));
	assert_span_equal(s, FFFD "t" FFFD);
	/* Valid text passes unchanged, tabs and other controls too. */
	s = text_clean_utf8(fx->arena, EXACT("J\xC3\xB6rg\t\xE2\x82\xAC \xF0\x9F\x93\xA7"));
	assert_span_equal(s, "J\xC3\xB6rg\t\xE2\x82\xAC \xF0\x9F\x93\xA7");
	/* A sequence cut off by the end of the span. */
	s = text_clean_utf8(fx->arena, EXACT("ok\xF0\x9F\x93"));
	assert_true(utf8_valid(s.p, s.len));
	assert_true(s.len >= 5 && memcmp(s.p, "ok" FFFD, 5) == 0);
}

static void
test_utf8_valid(void **state)
{
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("plain", 5));
	assert_true(utf8_valid("\xC3\xA9", 2));
	assert_true(utf8_valid("\xF4\x8F\xBF\xBF", 4));	/* U+10FFFF */
	assert_false(utf8_valid("\xC3", 1));
	assert_false(utf8_valid("\xC0\x80", 2));		/* overlong NUL */
	assert_false(utf8_valid("\xE0\x80\xAF", 3));		/* overlong */
	assert_false(utf8_valid("\xED\xB0\x80", 3));		/* surrogate */
	assert_false(utf8_valid("\xF4\x90\x80\x80", 4));	/* > U+10FFFF */
	assert_false(utf8_valid("\xF5\x80\x80\x80", 4));
	assert_false(utf8_valid("\x80", 1));
	/* Length is obeyed: a valid prefix of a longer buffer. */
	assert_true(utf8_valid("ab\xFF", 2));
}

/* The runs of plain bytes are measured many bytes at a time: a byte
 * that ends one (invalid, NUL, CR, a valid sequence) at every offset of
 * a longer text is still seen. */
static void
test_runs_every_offset(void **state)
{
	char buf[48];
	size_t at, len = sizeof(buf);
	struct span s;

	for (at = 0; at < len; at++) {
		memset(buf, 'a', len);
		buf[at] = '\xff';
		assert_false(utf8_valid(buf, len));
		assert_true(utf8_valid(buf, at));
		s = text_clean_utf8(fx->arena, span_make(buf, len));
		assert_int_equal(s.len, len + 2);
		assert_memory_equal(s.p + at, "\xEF\xBF\xBD", 3);
		buf[at] = '\r';
		s = text_clean_utf8(fx->arena, span_make(buf, len));
		assert_int_equal(s.len, len);
		assert_int_equal(s.p[at], '\n');
		buf[at] = '\0';
		s = text_clean_utf8(fx->arena, span_make(buf, len));
		assert_int_equal(s.len, len + 2);
		if (at + 2 < len) {
			memcpy(buf + at, "\xC3\xA9", 2);
			assert_true(utf8_valid(buf, len));
			s = text_clean_utf8(fx->arena, span_make(buf, len));
			assert_memory_equal(s.p, buf, len);
		}
	}
}

static void
test_text_lower(void **state)
{
	assert_string_equal(text_lower(fx->arena, EXACT("FAILED")), "failed");
	assert_string_equal(text_lower(fx->arena, EXACT("X-Postfix")), "x-postfix");
	assert_string_equal(text_lower(fx->arena, EXACT("")), "");
	/* Every byte value (but NUL) at every offset of the eight-byte
	 * steps and the rest: only A-Z change. */
	{
		char in[19];
		const char *out;
		size_t at, k;
		int c;

		for (c = 1; c < 256; c++)
			for (at = 0; at < sizeof(in); at++) {
				memset(in, '@', sizeof(in));
				in[at] = (char)c;
				out = text_lower(fx->arena, span_make(in, sizeof(in)));
				for (k = 0; k < sizeof(in); k++)
					assert_int_equal((unsigned char)out[k], k != at ? '@' :
					    c >= 'A' && c <= 'Z' ? c + 32 : c);
			}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_span_trim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_span_ieq_istarts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_span_ifind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mem_ifind_differential, setup, teardown),
		cmocka_unit_test_setup_teardown(test_span_ieq_every_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs_every_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_span_next_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_unfolds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_blanks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_controls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_every_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_repairs_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_always_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean_line_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_utf8_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_lower, setup, teardown),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
