/*
 * sniff_test.c - parser/sniff.c: which envelopes and header fields make a
 * message worth parsing, and which do not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sniff.h"

static bool
sender_says(const char *addr)
{
	struct bounce_sniff sn;

	bounce_sniff_init(&sn);
	bounce_sniff_sender(&sn, addr, strlen(addr));
	return bounce_sniff_maybe_report(&sn);
}

static bool
field_says(const char *name, const char *value)
{
	struct bounce_sniff sn;

	bounce_sniff_init(&sn);
	bounce_sniff_header(&sn, name, strlen(name), value, strlen(value));
	return bounce_sniff_maybe_report(&sn);
}

static void
null_senders(void **state)
{
	(void)state;
	assert_true(sender_says("<>"));
	assert_true(sender_says(""));
	assert_true(sender_says(" < > "));
	assert_true(sender_says("<MAILER-DAEMON@mx.example.org>"));
	assert_true(sender_says("postmaster"));
	assert_false(sender_says("<bob@example.org>"));
	assert_false(sender_says("bounces+list=example.org@lists.example.net"));
}

static void
report_fields(void **state)
{
	(void)state;
	assert_true(field_says("content-type", "multipart/report; report-type=delivery-status"));
	assert_true(field_says("Content-Type", " Multipart/Report;\n\treport-type=feedback-report"));
	assert_false(field_says("Content-Type", "multipart/mixed; boundary=x"));
	assert_true(field_says("Auto-Submitted", "auto-replied"));
	assert_true(field_says("Auto-Submitted", "auto-generated"));
	assert_false(field_says("Auto-Submitted", "no"));
	assert_true(field_says("X-Failed-Recipients", "a@example.org"));
	assert_true(field_says("Precedence", "auto_reply"));
	assert_false(field_says("Precedence", "bulk"));
	assert_true(field_says("X-Autoreply", "yes"));
	assert_true(field_says("Return-Path", "<>"));
}

static void
senders_and_subjects(void **state)
{
	(void)state;
	assert_true(field_says("From", "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"));
	assert_true(field_says("From", "Microsoft Outlook <MicrosoftExchange329e71ec@example.com>"));
	assert_false(field_says("From", "Judy <judy@example.org>"));
	assert_true(field_says("Subject", "Undeliverable: Offer for next week"));
	assert_true(field_says("Subject", "Mail delivery failed: returning message to sender"));
	assert_true(field_says("Subject", "Automatic reply: Project kickoff"));
	assert_true(field_says("Subject", "Out of Office: back Monday"));
	assert_false(field_says("Subject", "Minutes of Tuesday's meeting"));
	assert_false(field_says("Subject", "Re: automatic reply settings"));
	assert_false(field_says("To", "mailer-daemon@example.org"));
}

static void
describe_names_signs(void **state)
{
	struct bounce_sniff sn;
	char buf[128], tiny[8];

	(void)state;
	bounce_sniff_init(&sn);
	assert_string_equal(bounce_sniff_describe(&sn, buf, sizeof(buf)), "none");
	bounce_sniff_sender(&sn, "<>", 2);
	bounce_sniff_header(&sn, "Subject", 7, "Undelivered Mail", 16);
	assert_string_equal(bounce_sniff_describe(&sn, buf, sizeof(buf)), "null-sender bounce-subject");
	bounce_sniff_describe(&sn, tiny, sizeof(tiny));
	assert_true(strlen(tiny) < sizeof(tiny));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(null_senders),
		cmocka_unit_test(report_fields),
		cmocka_unit_test(senders_and_subjects),
		cmocka_unit_test(describe_names_signs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
