/*
 * rules_test.c - unit tests of the rule loader (rules.c, rules_parse.c,
 * rules_match.c, rules_cache.c): the shipped rules load, every kind of
 * bad rule file is refused with the right "file:line: reason", status and
 * reply patterns match as documented, and the compiled-database cache
 * is used but never trusted blindly.
 *
 * Run from the top of the tree (make unit-tests does): the shipped rules
 * are $BOUNCE_TEST_RULES (default rules/), the bad inputs live in
 * test/unit/rules-bad/.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rules.h"

#define BAD_DIR	"test/unit/rules-bad"

static const char *
shipped_rules(void)
{
	const char *d = getenv("BOUNCE_TEST_RULES");

	return d != NULL && d[0] != '\0' ? d : "rules";
}

static void
test_shipped_rules_load(void **state)
{
	char err[512] = "unchanged";
	struct bounce_rules *rs;

	(void)state;
	setenv("BOUNCE_RULES_CACHE", "off", 1);
	rs = bounce_rules_load(shipped_rules(), err, sizeof(err));
	if (rs == NULL)
		fail_msg("shipped rules refused: %s", err);
	assert_string_equal(err, "");
	assert_true(rs->nrule > 50);
	assert_non_null(rs->db);
	/* Sorted by rank, highest first; ties in load order. */
	for (size_t i = 1; i < rs->nrule; i++) {
		assert_true(rs->rule[i - 1].rank >= rs->rule[i].rank);
		if (rs->rule[i - 1].rank == rs->rule[i].rank)
			assert_true(rs->rule[i - 1].order < rs->rule[i].order);
	}
	bounce_rules_free(rs);
}

/* Loading dir must fail with an error that starts with prefix and
 * contains reason. */
static void
expect_refused(const char *dir, const char *prefix, const char *reason)
{
	char path[256], err[512];
	struct bounce_rules *rs;

	snprintf(path, sizeof(path), "%s/%s", BAD_DIR, dir);
	err[0] = '\0';
	rs = bounce_rules_load(path, err, sizeof(err));
	if (rs != NULL) {
		bounce_rules_free(rs);
		fail_msg("%s: loaded, want refusal", dir);
	}
	if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, reason) == NULL)
		fail_msg("%s: want \"%s...%s\", got \"%s\"", dir, prefix, reason, err);
}

static void
test_bad_files(void **state)
{
	static const struct {
		const char *dir;
		int	    line;
		const char *reason;
	} cases[] = {
		{ "unknown-key", 3, "unknown key \"colour\"" },
		{ "bad-pattern", 3, "bad pattern: " },
		{ "empty-match", 2, "bad pattern: " },
		{ "unknown-reason", 3, "unknown reason \"mailbox-full\"" },
		{ "unknown-category", 4, "unknown category \"full-mailbox\"" },
		{ "unknown-owner", 5, "unknown owner \"recipient\"" },
		{ "missing-fix", 3, "rule \"no-fix\": missing fix" },
		{ "duplicate-name", 9, "duplicate rule name \"twice\"" },
		{ "key-before-rule", 1, "\"rule NAME\" expected before keys" },
		{ "bad-status", 2, "bad status pattern \"5.x.1\"" },
		{ "bad-reply", 2, "bad reply pattern \"55\"" },
		{ "unterminated", 2, "unterminated pattern" },
		{ "bad-priority", 2, "priority must be a number from 0 to 999" },
		{ "twice-reason", 3, "reason given twice" },
		{ "stray-continuation", 3, "continuation line" },
		{ "bad-kind", 2, "unknown kind \"bounce\"" },
	};
	size_t i;

	(void)state;
	setenv("BOUNCE_RULES_CACHE", "off", 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char prefix[256];

		snprintf(prefix, sizeof(prefix), "%s/%s/10-test.rules:%d: ", BAD_DIR,
			 cases[i].dir, cases[i].line);
		expect_refused(cases[i].dir, prefix, cases[i].reason);
	}
	/* The error names the file that is wrong, not the first one. */
	expect_refused("second-file", BAD_DIR "/second-file/20-bad.rules:10: ", "bad pattern: ");
	expect_refused("empty-dir", BAD_DIR "/empty-dir: ", "no *.rules files");
	expect_refused("no-such-folder", BAD_DIR "/no-such-folder: ", "No such file");
}

static void
test_err_buffer_bounds(void **state)
{
	char err[8];
	struct bounce_rules *rs;

	(void)state;
	memset(err, 'x', sizeof(err));
	rs = bounce_rules_load(BAD_DIR "/unknown-key", err, sizeof(err));
	assert_null(rs);
	assert_int_equal(strlen(err), sizeof(err) - 1);	/* cut, terminated */
	/* No buffer at all is allowed too. */
	assert_null(bounce_rules_load(BAD_DIR "/unknown-key", NULL, 0));
	bounce_rules_free(NULL);
}

static void
test_status_patterns(void **state)
{
	(void)state;
	assert_true(rules_status_pattern_valid("5.1.1"));
	assert_true(rules_status_pattern_valid("5.7.139"));
	assert_true(rules_status_pattern_valid("5.*"));
	assert_true(rules_status_pattern_valid("*.2.2"));
	assert_true(rules_status_pattern_valid("4.7.*"));
	assert_true(rules_status_pattern_valid("none"));
	assert_false(rules_status_pattern_valid("5.7"));	/* ambiguous: say 5.7.* */
	assert_false(rules_status_pattern_valid("6.1.1"));
	assert_false(rules_status_pattern_valid("5.1.1.1"));
	assert_false(rules_status_pattern_valid("5..1"));
	assert_false(rules_status_pattern_valid("5.1.1234"));
	assert_false(rules_status_pattern_valid(""));

	assert_true(rules_status_match("5.1.1", "5.1.1"));
	assert_false(rules_status_match("5.1.1", "5.1.10"));
	assert_false(rules_status_match("5.1.1", "4.1.1"));
	assert_true(rules_status_match("*.1.1", "4.1.1"));
	assert_true(rules_status_match("5.*", "5.7.139"));
	assert_true(rules_status_match("5.7.*", "5.7.139"));
	assert_false(rules_status_match("5.7.*", "5.1.1"));
	assert_false(rules_status_match("5.*", ""));
	assert_true(rules_status_match("none", ""));
	assert_false(rules_status_match("none", "5.1.1"));
	/* The first byte rules out, never in. */
	assert_false(rules_status_match("4.*", "44.1.1"));
	assert_false(rules_status_match("5.1.1", "5"));
	assert_false(rules_status_match("none", "n"));
	assert_false(rules_status_match("5.*", ".1.1"));
	assert_true(rules_status_match("*", "4.4.7"));
	assert_true(rules_status_match("*.*.7", "4.4.7"));

	assert_int_equal(rules_status_specificity("5.1.1"), 8);
	assert_int_equal(rules_status_specificity("5.7.*"), 6);
	assert_int_equal(rules_status_specificity("*.2.2"), 6);
	assert_int_equal(rules_status_specificity("5.*"), 4);
	assert_int_equal(rules_status_specificity("none"), 2);
}

/* A compiled pattern answers as its words do, for every pattern and
 * status of a grid (numbers, stars, leading zeros, odd parts). */
static void
test_status_compiled(void **state)
{
	static const char *const pats[] = {
		"none", "*", "5.*", "4.*", "*.*.7", "*.1.1", "5.1.1", "5.1.10",
		"5.01.1", "5.7.*", "5.7.139", "2.0.0", "*.2.2", "5.*.1", NULL
	};
	static const char *const codes[] = {
		"", "5", "5.1", "5.1.1", "5.1.10", "5.01.1", "5.7.139", "4.4.7",
		"4.2.2", "44.1.1", "5.1.1.1", "5..1", ".1.1", "5.1.x", "5.x.1",
		"n", "2.0.0", "5.1.1234", "5.2.1", NULL
	};
	struct status_pattern sp;
	struct status_parts st;
	size_t i, j;

	(void)state;
	for (i = 0; pats[i] != NULL; i++) {
		assert_true(rules_status_compile(pats[i], &sp));
		for (j = 0; codes[j] != NULL; j++) {
			rules_status_split(codes[j], &st);
			if (rules_status_match_any(&sp, 1, &st) !=
			    rules_status_match_parts(pats[i], &st))
				fail_msg("pattern %s, status \"%s\"", pats[i], codes[j]);
		}
	}
	assert_false(rules_status_compile("5.7", &sp));
	assert_false(rules_status_compile("5.1.1234", &sp));
}

static void
test_reply_patterns(void **state)
{
	(void)state;
	assert_true(rules_reply_pattern_valid("550"));
	assert_true(rules_reply_pattern_valid("5xx"));
	assert_true(rules_reply_pattern_valid("55x"));
	assert_true(rules_reply_pattern_valid("none"));
	assert_false(rules_reply_pattern_valid("55"));
	assert_false(rules_reply_pattern_valid("650"));
	assert_false(rules_reply_pattern_valid("5a0"));

	assert_true(rules_reply_match("550", "550"));
	assert_true(rules_reply_match("5xx", "554"));
	assert_true(rules_reply_match("55x", "552"));
	assert_false(rules_reply_match("55x", "542"));
	assert_false(rules_reply_match("5xx", ""));
	assert_true(rules_reply_match("none", ""));
}

static bool
has_cache_file(const char *dir, char *name, size_t namelen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool found = false;

	if (d == NULL)
		return false;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "rules-", 6) == 0 && strstr(de->d_name, ".hsdb") != NULL) {
			snprintf(name, namelen, "%s/%s", dir, de->d_name);
			found = true;
		}
	closedir(d);
	return found;
}

static void
test_cache(void **state)
{
	char tmpl[] = "/tmp/bounce-rules-cache-XXXXXX", err[512], file[512];
	struct bounce_rules *a, *b, *c;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	setenv("BOUNCE_RULES_CACHE", tmpl, 1);

	a = bounce_rules_load(shipped_rules(), err, sizeof(err));
	assert_non_null(a);
	assert_true(has_cache_file(tmpl, file, sizeof(file)));

	/* The second load reads the cache and gives the same rule set. */
	b = bounce_rules_load(shipped_rules(), err, sizeof(err));
	assert_non_null(b);
	assert_int_equal(a->nrule, b->nrule);
	assert_int_equal(a->npat, b->npat);

	/* A damaged cache file is not used: the patterns are compiled. */
	f = fopen(file, "r+");
	assert_non_null(f);
	fseek(f, 40, SEEK_SET);
	fputs("damage", f);
	fclose(f);
	c = bounce_rules_load(shipped_rules(), err, sizeof(err));
	assert_non_null(c);
	bounce_rules_free(c);

	/* Nor is one that others may write. */
	assert_int_equal(chmod(file, 0666), 0);
	c = bounce_rules_load(shipped_rules(), err, sizeof(err));
	assert_non_null(c);
	bounce_rules_free(c);

	bounce_rules_free(a);
	bounce_rules_free(b);
	unlink(file);
	rmdir(tmpl);
	setenv("BOUNCE_RULES_CACHE", "off", 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_rules_load),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_err_buffer_bounds),
		cmocka_unit_test(test_status_patterns),
		cmocka_unit_test(test_status_compiled),
		cmocka_unit_test(test_reply_patterns),
		cmocka_unit_test(test_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
