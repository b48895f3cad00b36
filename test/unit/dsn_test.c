/*
 * dsn_test.c - unit tests of dsn.c (RFC 3464 fields into a report) and
 * of report_fill_from_diagnostic (codes from the diagnostic text, the
 * specific status over a generic one).
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


struct fixture {
	struct bounce_report	*r;
	struct bounce_limits	 lim;
	char			*buf;
};

static struct fixture *fx;

static int
setup(void **state)
{
	fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	fx->r = report_new();
	assert_non_null(fx->r);
	bounce_limits_default(&fx->lim);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	bounce_report_free(fx->r);
	free(fx->buf);
	free(fx);
	*state = NULL;
	return 0;
}

/* Parse body (copied to a buffer of its exact length) into fx->r. */
static size_t
parse(const char *body)
{
	size_t len = strlen(body);

	free(fx->buf);
	fx->buf = malloc(len ? len : 1);
	assert_non_null(fx->buf);
	memcpy(fx->buf, body, len);
	return dsn_parse_fields(fx->r, &fx->lim, span_make(fx->buf, len));
}

/* No control characters and valid UTF-8, capped: the report contract. */
static void
assert_clean(const char *s)
{
	size_t i, n = strlen(s);

	assert_true(n <= BOUNCE_FIELD_MAX);
	assert_true(utf8_valid(s, n));
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
			fail_msg("control 0x%02x at %zu in \"%s\"", (unsigned char)s[i], i, s);
}

static void
test_per_message_fields(void **state)
{
	parse("Reporting-MTA: dns; mail.example.com\n"
	    "Received-From-MTA: DNS; client.example.com\n"
	    "Arrival-Date: Mon, 3 Mar 2025 10:14:58 +0100\n"
	    "X-Postfix-Queue-ID: 4Qx7Lm2Vb3z9K\n"
	    "\n"
	    "Final-Recipient: rfc822; bob@example.org\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n");
	assert_string_equal(fx->r->reporting_mta, "mail.example.com");
	assert_string_equal(fx->r->received_from_mta, "client.example.com");
	assert_string_equal(fx->r->arrival_date, "Mon, 3 Mar 2025 10:14:58 +0100");
	assert_string_equal(fx->r->queue_id, "4Qx7Lm2Vb3z9K");
	assert_int_equal(fx->r->nrcpt, 1);
}

static void
test_one_recipient(void **state)
{
	const struct bounce_recipient *rc;

	assert_int_equal(parse("Reporting-MTA: dns; mail.example.com\n\n"
	    "Final-Recipient: rfc822; bob@example.org\n"
	    "Original-Recipient: rfc822;Bob@Example.org\n"
	    "Action: FAILED\n"
	    "Status: 5.1.1 (user unknown)\n"
	    "Remote-MTA: dns; mx.example.org\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 unknown user\n"
	    "Last-Attempt-Date: Mon, 3 Mar 2025 10:15:00 +0100\n"), 1);
	rc = &fx->r->rcpt[0];
	assert_string_equal(rc->recipient, "bob@example.org");
	assert_string_equal(rc->original_recipient, "Bob@Example.org");
	assert_string_equal(rc->action, "failed");
	assert_string_equal(rc->status, "5.1.1");
	assert_string_equal(rc->remote_mta, "mx.example.org");
	assert_string_equal(rc->diagnostic_type, "smtp");
	assert_string_equal(rc->diagnostic, "550 5.1.1 unknown user");
	assert_string_equal(rc->last_attempt_date, "Mon, 3 Mar 2025 10:15:00 +0100");
}

static void
test_folded_diagnostic(void **state)
{
	const struct bounce_recipient *rc;

	parse("Final-Recipient: rfc822; bob@example.org\r\n"
	    "Action: failed\r\n"
	    "Status: 5.1.1\r\n"
	    "Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to\r\n"
	    "    reach does not exist. Please try\r\n"
	    "\t550 5.1.1 double-checking the address.\r\n"
	    "Last-Attempt-Date: Mon, 3 Mar 2025 10:15:00 +0100\r\n");
	assert_int_equal(fx->r->nrcpt, 1);
	rc = &fx->r->rcpt[0];
	assert_string_equal(rc->diagnostic,
	    "550-5.1.1 The email account that you tried to reach does not exist. "
	    "Please try 550 5.1.1 double-checking the address.");
	assert_string_equal(rc->last_attempt_date, "Mon, 3 Mar 2025 10:15:00 +0100");
}

static void
test_diagnostic_types(void **state)
{
	parse("Final-Recipient: rfc822; a@example.org\nStatus: 5.0.0\n"
	    "Diagnostic-Code: X-Postfix; host example.org said: no\n\n"
	    "Final-Recipient: rfc822; b@example.org\nStatus: 5.0.0\n"
	    "Diagnostic-Code: 550 5.1.1 no type given\n\n"
	    "Final-Recipient: rfc822; c@example.org\nStatus: 5.0.0\n"
	    "Diagnostic-Code: smtp;550 5.1.1 no space\n");
	assert_int_equal(fx->r->nrcpt, 3);
	assert_string_equal(fx->r->rcpt[0].diagnostic_type, "x-postfix");
	assert_string_equal(fx->r->rcpt[0].diagnostic, "host example.org said: no");
	assert_string_equal(fx->r->rcpt[1].diagnostic_type, "");
	assert_string_equal(fx->r->rcpt[1].diagnostic, "550 5.1.1 no type given");
	assert_string_equal(fx->r->rcpt[2].diagnostic_type, "smtp");
	assert_string_equal(fx->r->rcpt[2].diagnostic, "550 5.1.1 no space");
}

static void
test_several_recipients(void **state)
{
	assert_int_equal(parse("Reporting-MTA: dns; mx.example.com\n"
	    "\n"
	    "Final-Recipient: rfc822; a@example.org\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n"
	    "\n\n\n"
	    "Final-Recipient: rfc822; b@example.org\n"
	    "Action: delayed\n"
	    "Status: 4.4.1\n"
	    "Will-Retry-Until: Fri, 7 Mar 2025 07:40:11 +0000\n"
	    "\n"
	    "Final-Recipient: rfc822; c@example.org\n"
	    "Action: failed\n"
	    "Status: 5.2.2\n"
	    "\n"), 3);
	assert_string_equal(fx->r->rcpt[0].recipient, "a@example.org");
	assert_string_equal(fx->r->rcpt[1].recipient, "b@example.org");
	assert_string_equal(fx->r->rcpt[1].action, "delayed");
	assert_string_equal(fx->r->rcpt[1].status, "4.4.1");
	assert_string_equal(fx->r->rcpt[1].will_retry_until, "Fri, 7 Mar 2025 07:40:11 +0000");
	assert_string_equal(fx->r->rcpt[2].recipient, "c@example.org");
	assert_string_equal(fx->r->rcpt[2].status, "5.2.2");
	/* Fields of one block do not leak into the next. */
	assert_string_equal(fx->r->rcpt[2].will_retry_until, "");
}

/* Blocks that run together: a repeated recipient field starts a new one. */
static void
test_missing_blank_lines(void **state)
{
	assert_int_equal(parse("Reporting-MTA: dns; mx.example.com\n"
	    "Final-Recipient: rfc822; a@example.org\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 a unknown\n"
	    "Final-Recipient: rfc822; b@example.org\n"
	    "Action: failed\n"
	    "Status: 5.2.1\n"
	    "Diagnostic-Code: smtp; 550 5.2.1 b disabled\n"), 2);
	assert_string_equal(fx->r->reporting_mta, "mx.example.com");
	assert_string_equal(fx->r->rcpt[0].recipient, "a@example.org");
	assert_string_equal(fx->r->rcpt[0].status, "5.1.1");
	assert_string_equal(fx->r->rcpt[0].diagnostic, "550 5.1.1 a unknown");
	assert_string_equal(fx->r->rcpt[1].recipient, "b@example.org");
	assert_string_equal(fx->r->rcpt[1].status, "5.2.1");
	assert_string_equal(fx->r->rcpt[1].diagnostic, "550 5.2.1 b disabled");
}

/* Original-Recipient first, Final-Recipient second: one recipient. */
static void
test_original_before_final(void **state)
{
	assert_int_equal(parse("Original-Recipient: rfc822; sales@example.org\n"
	    "Final-Recipient: rfc822; mia@example.org\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n"
	    "\n"
	    "Original-Recipient: rfc822; info@example.org\n"
	    "Final-Recipient: rfc822; noah@example.org\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n"), 2);
	assert_string_equal(fx->r->rcpt[0].recipient, "mia@example.org");
	assert_string_equal(fx->r->rcpt[0].original_recipient, "sales@example.org");
	assert_string_equal(fx->r->rcpt[1].recipient, "noah@example.org");
	assert_string_equal(fx->r->rcpt[1].original_recipient, "info@example.org");
}

/* The same, with no blank line between the blocks. */
static void
test_original_before_final_run_together(void **state)
{
	assert_int_equal(parse("Original-Recipient: rfc822; sales@example.org\n"
	    "Final-Recipient: rfc822; mia@example.org\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n"
	    "Original-Recipient: rfc822; info@example.org\n"
	    "Final-Recipient: rfc822; noah@example.org\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n"), 2);
	assert_string_equal(fx->r->rcpt[0].recipient, "mia@example.org");
	assert_string_equal(fx->r->rcpt[0].original_recipient, "sales@example.org");
	assert_string_equal(fx->r->rcpt[1].recipient, "noah@example.org");
	assert_string_equal(fx->r->rcpt[1].original_recipient, "info@example.org");
}

static void
test_action_before_recipient(void **state)
{
	assert_int_equal(parse("Action: failed\n"
	    "Final-Recipient: rfc822; a@example.org\n"
	    "Status: 5.1.1\n"), 1);
	assert_string_equal(fx->r->rcpt[0].recipient, "a@example.org");
	assert_string_equal(fx->r->rcpt[0].action, "failed");
}

static void
test_only_original_recipient(void **state)
{
	assert_int_equal(parse("Original-Recipient: rfc822; only@example.org\n"
	    "Action: failed\nStatus: 5.1.1\n"), 1);
	assert_string_equal(fx->r->rcpt[0].recipient, "only@example.org");
}

static void
test_x_actual_recipient(void **state)
{
	parse("Final-Recipient: rfc822; alias@example.org\n"
	    "X-Actual-Recipient: rfc822; real@example.org\n"
	    "Action: failed\nStatus: 5.2.2\n");
	assert_int_equal(fx->r->nrcpt, 1);
	assert_string_equal(fx->r->rcpt[0].recipient, "alias@example.org");
	assert_string_equal(fx->r->rcpt[0].original_recipient, "real@example.org");
}

/* Unknown lines, empty blocks and recipients with neither address nor
 * status are skipped. */
static void
test_noise(void **state)
{
	assert_int_equal(parse("\n\n"
	    "this is not a field\n"
	    ": no name\n"
	    "X-Unknown-Field: whatever\n"
	    "\n"
	    "Remote-MTA: dns; lonely.example.org\n"
	    "\n"
	    "Final-Recipient: rfc822; a@example.org\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n"
	    "garbage line in the middle\n"
	    "Diagnostic-Code: smtp; 550 unknown\n"), 1);
	assert_string_equal(fx->r->rcpt[0].recipient, "a@example.org");
	assert_string_equal(fx->r->rcpt[0].diagnostic, "550 unknown");
	assert_int_equal(parse(""), 0);
}

/* Past max_recipients: the report says truncated, and holds exactly
 * max_recipients recipients. */
static void
test_recipient_limit(void **state)
{
	size_t cap = 64 * 100, len = 0, i;
	char *body = malloc(cap);

	assert_non_null(body);
	for (i = 0; i < 50; i++)
		len += (size_t)snprintf(body + len, cap - len,
		    "Final-Recipient: rfc822; u%zu@example.org\nAction: failed\nStatus: 5.1.1\n\n", i);
	fx->lim.max_recipients = 10;
	parse(body);
	free(body);
	assert_int_equal(fx->r->nrcpt, 10);
	assert_true(fx->r->truncated);
	assert_string_equal(fx->r->truncated_why, "recipients");
	assert_string_equal(fx->r->rcpt[9].recipient, "u9@example.org");
}

static void
test_has_fields(void **state)
{
	assert_true(dsn_text_has_fields(SPAN_LIT("Final-Recipient: rfc822; a@b.example\nAction: failed\n")));
	assert_true(dsn_text_has_fields(SPAN_LIT("Original-Recipient: rfc822; a@b.example\nStatus: 5.1.1\n")));
	assert_false(dsn_text_has_fields(SPAN_LIT("Final-Recipient: rfc822; a@b.example\n")));
	assert_false(dsn_text_has_fields(SPAN_LIT("Status: 5.1.1\nAction: failed\n")));
	assert_false(dsn_text_has_fields(SPAN_LIT("")));
}

/*
 * Every string in a report has no control characters and is capped
 * (bounce.h). Action and the diagnostic type are lower-cased copies.
 * Fixed bug, kept as a regression test (dsn.c): Action and the Diagnostic-Code type go through
 * text_lower, not text_field: a folded Action keeps its line end, and
 * a long one is not capped.
 */
static void
test_fields_are_clean(void **state)
{
	char *body;
	size_t n = 5000;

	parse("Final-Recipient: rfc822; a@example.org\n"
	    "Action: failed\n  (gave up)\n"
	    "Status: 5.1.1\n"
	    "Diagnostic-Code: smtp\t;550 x\n");
	assert_int_equal(fx->r->nrcpt, 1);
	assert_clean(fx->r->rcpt[0].action);
	assert_clean(fx->r->rcpt[0].diagnostic_type);

	body = malloc(n + 100);
	assert_non_null(body);
	memcpy(body, "Final-Recipient: rfc822; b@example.org\nAction: ", 47);
	memset(body + 47, 'x', n);
	strcpy(body + 47 + n, "\nStatus: 5.1.1\n");
	parse(body);
	free(body);
	assert_clean(fx->r->rcpt[fx->r->nrcpt - 1].action);
}

/* Every other field is clean whatever the input holds. */
static void
test_fields_clean_bytes(void **state)
{
	const struct bounce_recipient *rc;

	parse("Final-Recipient: rfc822; a@example.org\n"
	    "Status: 5.1.1\n"
	    "Remote-MTA: dns; mx.example.org\x01\x7f\n"
	    "Diagnostic-Code: smtp; 550 bad \xFF byte \x1b[0m\n");
	assert_int_equal(fx->r->nrcpt, 1);
	rc = &fx->r->rcpt[0];
	assert_clean(rc->recipient);
	assert_clean(rc->remote_mta);
	assert_clean(rc->diagnostic);
}

/* ---- report_fill_from_diagnostic ------------------------------------- */

static struct bounce_recipient *
recipient(const char *status, const char *diagnostic)
{
	struct bounce_recipient *rc = report_add_recipient(fx->r, &fx->lim);

	assert_non_null(rc);
	REPORT_SET(fx->r, rc->recipient, SPAN_LIT("x@example.org"));
	rc->status = text_field(report_arena(fx->r), span_make(status, strlen(status)));
	rc->diagnostic = text_field(report_arena(fx->r), span_make(diagnostic, strlen(diagnostic)));
	report_fill_from_diagnostic(fx->r, rc);
	return rc;
}

static void
test_fill_generic_status(void **state)
{
	struct bounce_recipient *rc;

	rc = recipient("5.0.0", "550 5.1.1 <x@example.org>... User unknown");
	assert_string_equal(rc->status, "5.1.1");
	assert_string_equal(rc->reply_code, "550");
	rc = recipient("4.0.0", "451 4.7.1 Greylisted, try again");
	assert_string_equal(rc->status, "4.7.1");
	rc = recipient("5.0.0", "550 5.7.139 Authentication unsuccessful");
	assert_string_equal(rc->status, "5.7.139");
	rc = recipient("5.0.0", "554 5.2.121 per-hour limit from this sender exceeded");
	assert_string_equal(rc->status, "5.2.121");
	/* Nothing more specific in the text: keep what the Status said. */
	rc = recipient("5.0.0", "554 Transaction failed");
	assert_string_equal(rc->status, "5.0.0");
	assert_string_equal(rc->reply_code, "554");
	rc = recipient("5.1.1", "User unknown");
	assert_string_equal(rc->status, "5.1.1");
	/* No Status at all: the text's code. */
	rc = recipient("", "550 5.2.2 Mailbox full");
	assert_string_equal(rc->status, "5.2.2");
}

static void
test_fill_other_fields(void **state)
{
	struct bounce_recipient *rc;

	rc = recipient("5.1.10", "host mx.example.org[192.0.2.1] said: 550 5.1.10 "
	    "RESOLVER.ADR.RecipientNotFound; not found (in reply to RCPT TO command)");
	assert_string_equal(rc->reply_code, "550");
	assert_string_equal(rc->command, "RCPT");
	assert_string_equal(rc->remote_mta, "mx.example.org");
	assert_string_equal(rc->component, "RESOLVER.ADR.RecipientNotFound");
	assert_clean(rc->diagnostic);
	/* Fields set already are kept. */
	rc = report_add_recipient(fx->r, &fx->lim);
	assert_non_null(rc);
	rc->remote_mta = "relay.example.net";
	rc->command = "DATA";
	rc->diagnostic = "host mx.example.org said: 550 5.7.1 (in reply to RCPT TO command)";
	report_fill_from_diagnostic(fx->r, rc);
	assert_string_equal(rc->remote_mta, "relay.example.net");
	assert_string_equal(rc->command, "DATA");
	/* No diagnostic: nothing changes. */
	rc = recipient("5.1.1", "");
	assert_string_equal(rc->status, "5.1.1");
	assert_string_equal(rc->reply_code, "");
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_per_message_fields),
		T(test_one_recipient),
		T(test_folded_diagnostic),
		T(test_diagnostic_types),
		T(test_several_recipients),
		T(test_missing_blank_lines),
		T(test_original_before_final),
		T(test_original_before_final_run_together),
		T(test_action_before_recipient),
		T(test_only_original_recipient),
		T(test_x_actual_recipient),
		T(test_noise),
		T(test_recipient_limit),
		T(test_has_fields),
		T(test_fields_are_clean),
		T(test_fields_clean_bytes),
		T(test_fill_generic_status),
		T(test_fill_other_fields),
	};

	return cmocka_run_group_tests_name("dsn", tests, NULL, NULL);
}
