/*
 * vendor_gate_test.c - the gates of the vendor modules (engine.h) are
 * necessary conditions: on every fixture, every module whose detect()
 * answers more than 0 has its gate open. A gate that fails this would
 * skip a module that recognises the message, and change its diagnosis.
 *
 * BOUNCE_TEST_FIXTURES names the folder of .eml files (default
 * test/golden/fixtures, from the top of the tree, as make runs it);
 * any folder of messages can be checked the same way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"

#include "fixture_files.h"

/* The modules that detect msg with their gate shut, as bits; *open
 * gets how many gates were open. */
static uint64_t
shut_but_detected(const char *msg, size_t len, unsigned *open)
{
	struct bounce_limits lim;
	struct bounce_report *r;
	struct msgview mv;
	const struct vendor_module *vm;
	uint64_t gates, wrong = 0;
	size_t i;

	bounce_limits_default(&lim);
	if (len > lim.max_scan_bytes)
		len = lim.max_scan_bytes;
	assert_non_null(r = report_new());
	memset(&mv, 0, sizeof(mv));
	mv.arena = report_arena(r);
	mv.report = r;
	mv.limits = &lim;
	assert_true(mime_view_build(&mv, msg, len));
	gates = vendor_open_gates(&mv);
	*open = (unsigned)__builtin_popcountll(gates);
	for (i = 0; (vm = vendor_nth(i)) != NULL; i++)
		if (vm->detect != NULL && vm->detect(&mv) > 0 && (gates >> i & 1) == 0)
			wrong |= (uint64_t)1 << i;
	mime_view_release(&mv);
	bounce_report_free(r);
	return wrong;
}

struct gate_tally {
	size_t failures, open_total;
};

static void
check_gates(const char *name, const char *msg, size_t len, void *arg)
{
	struct gate_tally *t = arg;
	unsigned open;
	uint64_t wrong = shut_but_detected(msg, len, &open);
	size_t i;

	t->open_total += open;
	for (i = 0; wrong != 0 && i < 64; i++)
		if (wrong >> i & 1) {
			t->failures++;
			print_error("%s: %s detects it, its gate is shut\n",
			    name, vendor_nth(i)->name);
		}
}

static void
detecting_modules_have_open_gates(void **state)
{
	struct gate_tally t = { 0, 0 };
	size_t messages;

	(void)state;
	messages = fixture_files_each(check_gates, &t);
	print_message("%zu messages, %.1f gates open per message\n", messages,
	    messages ? (double)t.open_total / (double)messages : 0.0);
	if (getenv("BOUNCE_TEST_FIXTURES") == NULL) {
		assert_true(messages >= 50);	/* the fixtures are all there */
		/* Gates that did not fit their tables are all open. */
		assert_true(t.open_total < messages * 10);
	}
	assert_int_equal(t.failures, 0);
}

/* The gates read the header fields raw; a word that only decoding
 * shows (an encoded word, a tab that unfolds into a blank) must still
 * open its gate. */
static void
words_that_decoding_shows_open_gates(void **state)
{
	static const char *const msgs[] = {
		/* mxlogic: From names .mxlogic.net in an encoded word. */
		"From: =?us-ascii?Q?postmaster=40mx1=2Emxlogic=2Enet?= "
		"<postmaster@mx1.example.net>\n"
		"To: sender@example.org\n"
		"Subject: Delivery failure\n"
		"\n"
		"Your message could not be delivered.\n",
		/* ezweb: the Subject with a tab, and a relay. */
		"Received: from mx.example.net (mx.ezweb.ne.jp (EZweb Mail) with ESMTP)\n"
		"\tby mx.example.org; Mon, 3 Mar 2025 10:00:00 +0000\n"
		"From: postmaster@example.net\n"
		"To: sender@example.org\n"
		"Subject: Mail System Error -\tReturned Mail\n"
		"\n"
		"The user(s) account is disabled.\n",
	};
	unsigned open;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		assert_int_equal(shut_but_detected(msgs[i], strlen(msgs[i]), &open), 0);
		assert_true(open > 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(detecting_modules_have_open_gates),
		cmocka_unit_test(words_that_decoding_shows_open_gates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
