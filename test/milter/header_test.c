/*
 * header_test.c - milter/header.c: what reaches the MTA is printable
 * ASCII, capped, quoted where needed and folded within 998 octets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "header.h"

static void
text_loses_controls_and_8bit(void **state)
{
	struct hval v;

	(void)state;
	hval_init(&v);
	hval_text(&v, "  a\r\nX-Injected: yes\t\x01\x1b[31m \xc3\xa9t\xc3\xa9 \xff end  ", 200);
	assert_string_equal(v.s, "a X-Injected: yes [31m ?t? ? end");
	assert_null(strchr(v.s, '\n'));
	assert_null(strchr(v.s, '\r'));
}

static void
text_is_capped(void **state)
{
	struct hval v;

	(void)state;
	hval_init(&v);
	hval_text(&v, "0123456789abcdef", 10);
	assert_string_equal(v.s, "0123456789");
}

static void
params_quote_what_is_not_a_token(void **state)
{
	struct hval v;

	(void)state;
	hval_init(&v);
	hval_param(&v, "v", "1", 8);
	hval_param(&v, "empty", "", 8);
	hval_param(&v, "reason", "user unknown; rcpt=<x@y>", 64);
	hval_param(&v, "q", "a\"b\\c", 64);
	hval_param_angle(&v, "rcpt", "bob@example.org", 64);
	hval_param_angle(&v, "rcpt2", "\"x;y\"@example.org", 64);
	assert_string_equal(v.s, "v=1; reason=\"user unknown; rcpt=<x@y>\"; q=\"a\\\"b\\\\c\"; "
	    "rcpt=<bob@example.org>; rcpt2=\"\\\"x;y\\\"@example.org\"");
}

static void
msgid_only_when_well_formed(void **state)
{
	struct hval v;

	(void)state;
	hval_init(&v);
	hval_msgid(&v, "<abc.1@example.org>", 256);
	assert_string_equal(v.s, "<abc.1@example.org>");
	hval_init(&v);
	hval_msgid(&v, "abc.2@example.org", 256);
	assert_string_equal(v.s, "<abc.2@example.org>");
	hval_init(&v);
	hval_msgid(&v, "<\"evil\r\nX-Injected: yes\"@example.org>", 256);
	assert_string_equal(v.s, "");
	hval_init(&v);
	hval_msgid(&v, "<no-at-sign>", 256);
	assert_string_equal(v.s, "");
}

static void
buffer_never_overflows(void **state)
{
	static char big[3 * HDR_VALUE_MAX];
	struct hval v;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	hval_init(&v);
	hval_text(&v, big, sizeof(big));
	hval_text(&v, big, sizeof(big));
	hval_param(&v, "k", big, sizeof(big));
	assert_true(v.full);
	assert_true(v.len < sizeof(v.s));
	assert_int_equal(strlen(v.s), v.len);
}

/* Every line within the limits, folds are LF TAB, unfolding gives back
 * the value with a tab where a blank was. */
static void
check_folded(const char *value, size_t namelen, size_t soft_allowed)
{
	static char out[HDR_FOLDED_MAX];
	size_t col = namelen + 2, i, n;

	n = hdr_fold(value, strlen(value), namelen, out, sizeof(out));
	assert_int_equal(n, strlen(out));
	for (i = 0; i < n; i++) {
		if (out[i] == '\n') {
			assert_true(col <= soft_allowed);
			assert_int_equal(out[i + 1], '\t');
			col = 0;
			continue;
		}
		assert_true(out[i] >= ' ' || out[i] == '\t');
		col++;
	}
	assert_true(col <= HDR_LINE_HARD);
}

static void
fold_short_words_near_78(void **state)
{
	const char *v = "v=1; category=mailbox-missing; reason=userunknown; status=5.1.1; "
	    "reply=550; rcpt=<dave.nosuch@example.org>; hard=yes; owner=sender; mta=mail.example.org";
	char out[1024];

	(void)state;
	check_folded(v, strlen("X-Bounce-Diagnosis"), HDR_LINE_SOFT);
	hdr_fold(v, strlen(v), strlen("X-Bounce-Diagnosis"), out, sizeof(out));
	/* The first line counts "X-Bounce-Diagnosis: ". */
	assert_string_equal(out, "v=1; category=mailbox-missing; reason=userunknown;\n"
	    "\tstatus=5.1.1; reply=550; rcpt=<dave.nosuch@example.org>; hard=yes;\n"
	    "\towner=sender; mta=mail.example.org");
}

static void
fold_cuts_words_longer_than_a_line(void **state)
{
	static char v[HDR_VALUE_MAX];

	(void)state;
	memset(v, 'B', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	v[5] = ' ';
	check_folded(v, 16, HDR_LINE_HARD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_loses_controls_and_8bit),
		cmocka_unit_test(text_is_capped),
		cmocka_unit_test(params_quote_what_is_not_a_token),
		cmocka_unit_test(msgid_only_when_well_formed),
		cmocka_unit_test(buffer_never_overflows),
		cmocka_unit_test(fold_short_words_near_78),
		cmocka_unit_test(fold_cuts_words_longer_than_a_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
