/*
 * diag_test.c - unit tests of diag.c: what a diagnostic text says in
 * codes (reply code, enhanced status, command, remote host, Microsoft
 * component), and what it must not be fooled by (IP addresses, version
 * numbers, dates, sizes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"


/* What we expect diag_extract to find; NULL fields are not checked. */
struct want {
	const char *status;
	const char *reply;
	const char *command;
	const char *host;
	const char *component;
};

static void
span_is(const char *what, const char *in, struct span got, const char *want)
{
	if (got.len != strlen(want) || memcmp(got.p, want, got.len) != 0)
		fail_msg("%s of \"%s\": want \"%s\", got \"%.*s\"", what, in, want,
		    (int)got.len, got.p);
}

static void
check(const char *in, struct want w)
{
	size_t len = strlen(in);
	char *p = malloc(len ? len : 1);	/* no NUL after the text */
	struct diag_info d;

	assert_non_null(p);
	memcpy(p, in, len);
	diag_extract(span_make(p, len), &d);
	if (w.status != NULL)
		span_is("status", in, span_make(d.status, strlen(d.status)), w.status);
	if (w.reply != NULL)
		span_is("reply code", in, span_make(d.reply_code, strlen(d.reply_code)), w.reply);
	if (w.command != NULL)
		span_is("command", in, span_make(d.command, strlen(d.command)), w.command);
	if (w.host != NULL)
		span_is("remote host", in, d.remote_host, w.host);
	if (w.component != NULL)
		span_is("component", in, d.component, w.component);
	free(p);
}

#define CHECK(in, ...)	check((in), (struct want){ __VA_ARGS__ })

/* ---- reply code and enhanced status ---------------------------------- */

static void
test_reply_and_status(void **state)
{
	CHECK("550 5.1.1 <bob@example.org>: Recipient address rejected",
	    .status = "5.1.1", .reply = "550");
	CHECK("smtp; 552 5.2.2 Mailbox full", .status = "5.2.2", .reply = "552");
	CHECK("421 4.7.0 Try again later, closing connection.",
	    .status = "4.7.0", .reply = "421");
	CHECK("550 #5.1.1 domain does not exist", .status = "5.1.1", .reply = "550");
	CHECK("554 Transaction failed", .status = "", .reply = "554");
	CHECK("User unknown", .status = "", .reply = "");
	CHECK("", .status = "", .reply = "", .command = "", .host = "", .component = "");
	CHECK("Status 5.4.4 without any reply", .status = "5.4.4", .reply = "");
	CHECK("(550) mailbox unavailable", .reply = "550");
	CHECK("said: 550", .reply = "550");
	/* The end of a sentence is not part of the code. */
	CHECK("the server answered 5.1.1.", .status = "5.1.1");
}

static void
test_three_digit_details(void **state)
{
	CHECK("550 5.7.139 Authentication unsuccessful, the request did not meet the criteria",
	    .status = "5.7.139", .reply = "550");
	CHECK("550 5.2.121 Recipient's per hour message receive limit from specific sender exceeded",
	    .status = "5.2.121", .reply = "550");
	CHECK("451 4.7.500 Server busy. Please try again later",
	    .status = "4.7.500", .reply = "451");
	CHECK("550 5.7.606 Access denied, banned sending IP [192.0.2.40]",
	    .status = "5.7.606", .reply = "550");
	CHECK("550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found",
	    .status = "5.1.10", .reply = "550");
}

static void
test_multiline_reply(void **state)
{
	CHECK("host mx.example.org[192.0.2.1] said: 550-5.1.1 The email account that "
	    "you tried to reach does not exist. Please try 550-5.1.1 double-checking "
	    "the recipient's email address 550 5.1.1 for typos. (in reply to RCPT TO command)",
	    .status = "5.1.1", .reply = "550", .command = "RCPT", .host = "mx.example.org");
	CHECK("452-4.2.2 The email account that you tried to reach is over quota. "
	    "452 4.2.2 Please direct the recipient to the help page",
	    .status = "4.2.2", .reply = "452");
}

/* A specific code in the text beats a generic one before it. */
static void
test_specific_over_generic(void **state)
{
	CHECK("550 5.0.0 Recipient rejected: 5.1.1 user unknown", .status = "5.1.1");
	CHECK("554 5.0.0 Service unavailable", .status = "5.0.0", .reply = "554");
}

/* ---- what is not a code ------------------------------------------------ */

static void
test_ip_addresses(void **state)
{
	CHECK("Client host [192.0.2.55] blocked using zen.example.net",
	    .status = "", .reply = "");
	CHECK("connect to 192.0.2.1[192.0.2.1]:25: Connection timed out",
	    .status = "", .reply = "");
	CHECK("rejected from [10.4.5.1]", .status = "", .reply = "");
	CHECK("rejected from 5.4.3.21 by policy", .status = "", .reply = "");
	CHECK("relay 4.5.1.2 refused", .status = "", .reply = "");
	CHECK("listed at 255.255.255.0", .status = "", .reply = "");
	/* An IP next to a real code leaves the code alone. */
	CHECK("550 5.7.1 Service unavailable, Client host [192.0.2.55] blocked",
	    .status = "5.7.1", .reply = "550");
}

/*
 * An IPv6 address may end in a group of three digits.
 * Fixed bug, kept as a regression test (diag.c): reply_at accepts ':' before a reply code, so
 * "2001:db8::550" yields reply code 550.
 */
static void
test_ipv6(void **state)
{
	CHECK("IPv6 2001:db8::550 refused", .status = "", .reply = "");
	CHECK("client [2001:db8::421] rejected", .status = "", .reply = "");
}

static void
test_numbers_that_are_not_codes(void **state)
{
	CHECK("message size 52428800 exceeds the limit", .status = "", .reply = "");
	CHECK("queue id 45012ABC expired", .status = "", .reply = "");
	CHECK("on 2025-03-04 10:15:02 +0000", .status = "", .reply = "");
	CHECK("retry on 5.3.2025", .status = "", .reply = "");
	CHECK("error 5501 in module", .reply = "");
	CHECK("version 6.1.1 of the filter", .status = "");
	CHECK("see RFC 5321 section 4.5.3.1.10", .status = "", .reply = "");
}

/*
 * Software versions have the shape of a status code. The issue asks
 * that they are not taken for one.
 * Fixed bug, kept as a regression test (diag.c): find_codes takes the first specific-looking code, so
 * "Exim 4.96.2" wins over the "550 5.1.1" that follows, and a bare
 * "Postfix 2.10.1" becomes status 2.10.1.
 */
static void
test_version_numbers(void **state)
{
	CHECK("mx.example.org ESMTP Exim 4.96.2 said: 550 5.1.1 <bob@example.org>: unknown user",
	    .status = "5.1.1", .reply = "550");
	CHECK("Postfix 2.10.1 could not deliver: mailbox unavailable", .status = "");
	CHECK("MailScanner version 4.85.5 rejected the message", .status = "");
}

static void
test_status_valid(void **state)
{
	assert_true(status_valid(SPAN_LIT("5.1.1")));
	assert_true(status_valid(SPAN_LIT(" 4.4.7 ")));
	assert_true(status_valid(SPAN_LIT("2.0.0")));
	assert_true(status_valid(SPAN_LIT("5.7.139")));
	/* RFC 3463 defines subjects 0 to 7 only; wider ones are versions. */
	assert_false(status_valid(SPAN_LIT("5.100.100")));
	assert_false(status_valid(SPAN_LIT("5.8.1")));
	assert_false(status_valid(SPAN_LIT("")));
	assert_false(status_valid(SPAN_LIT("5.1")));
	assert_false(status_valid(SPAN_LIT("3.1.1")));
	assert_false(status_valid(SPAN_LIT("6.1.1")));
	assert_false(status_valid(SPAN_LIT("5.1000.1")));
	assert_false(status_valid(SPAN_LIT("5.1.1000")));
	assert_false(status_valid(SPAN_LIT("5.1.1.1")));
	assert_false(status_valid(SPAN_LIT("5.1.1a")));
	assert_false(status_valid(SPAN_LIT("5..1")));
	assert_false(status_valid(SPAN_LIT("5.1.1 user unknown")));
}

static void
test_status_find(void **state)
{
	struct span s = SPAN_LIT("Status: 5.2.2 (mailbox full)"), f;

	f = status_find(s);
	assert_int_equal(f.len, 5);
	assert_memory_equal(f.p, "5.2.2", 5);
	f = status_find(SPAN_LIT("no code at 192.0.2.1"));
	assert_int_equal(f.len, 0);
}

/* ---- command, host, component ----------------------------------------- */

/* Codes and commands are looked for many bytes at a time: found at every
 * offset of a text (across the blocks), and a phrase glued to the word
 * before it ("xin reply to") is no phrase. */
static void
test_every_offset(void **state)
{
	char in[128];
	size_t k;

	for (k = 0; k < 40; k++) {
		memset(in, 'x', k);
		in[k] = '\0';
		if (k > 0)
			in[k - 1] = ' ';
		strcat(in, "550 5.1.1 unknown (in reply to RCPT TO command) end");
		CHECK(in, .status = "5.1.1", .reply = "550", .command = "RCPT");
		memset(in, 'x', k);
		in[k] = '\0';
		strcat(in, "y after end of data: 452 4.2.2 full");
		CHECK(in, .status = "4.2.2", .reply = "452",
		    .command = "DATA");
		memset(in, 'x', k);
		strcpy(in + k, "in reply to RCPT TO");
		CHECK(in, .command = k == 0 ? "RCPT" : "");
		memset(in, '-', k);
		strcpy(in + k, "in reply to end of data");
		CHECK(in, .command = "DATA");
	}
}

static void
test_commands(void **state)
{
	CHECK("550 5.1.1 unknown (in reply to RCPT TO command)", .command = "RCPT");
	CHECK("SMTP error from remote mail server after RCPT TO:<bob@example.org>: 550 unknown",
	    .command = "RCPT");
	CHECK("553 sender rejected (in reply to MAIL FROM command)", .command = "MAIL");
	CHECK("SMTP error from remote mail server after MAIL FROM:<a@example.com> SIZE=1234",
	    .command = "MAIL");
	CHECK("554 5.7.1 spam (in reply to end of DATA command)", .command = "DATA");
	CHECK("SMTP error from remote mail server after end of data: 554 rejected",
	    .command = "DATA");
	CHECK("501 bad hostname (in reply to EHLO command)", .command = "HELO");
	CHECK("SMTP error from remote mail server after initial connection: 554 go away",
	    .command = "CONNECT");
	CHECK("535 5.7.8 Authentication credentials invalid (in reply to AUTH command)",
	    .command = "AUTH");
	CHECK("550 5.7.1 not allowed", .command = "");
	/* The first phrase in the text names the command. */
	CHECK("after RCPT TO:<b@example.org>: 451 try again; later after end of data",
	    .command = "RCPT");
}

/*
 * Postfix's own words for a conversation that broke off name the
 * command too: "lost connection with mx[...] while sending RCPT TO",
 * "... while sending message body", "... while receiving the initial
 * server greeting", "... while performing the EHLO handshake".
 * The host is named after "with", not after "host" or "connect to".
 * Fixed bug, kept as a regression test (diag.c): none of these phrases is in command_phrases, and
 * find_host does not know "lost connection with" / "conversation with".
 */
static void
test_postfix_while_phrases(void **state)
{
	CHECK("lost connection with mx.example.org[192.0.2.1] while sending RCPT TO",
	    .command = "RCPT", .host = "mx.example.org");
	CHECK("conversation with mx.example.org[192.0.2.1] timed out while sending message body",
	    .command = "DATA", .host = "mx.example.org");
	CHECK("lost connection with mx.example.org[192.0.2.1] while receiving the initial server greeting",
	    .command = "CONNECT");
	CHECK("conversation with mx.example.org[192.0.2.1] timed out while performing the EHLO handshake",
	    .command = "HELO");
	CHECK("lost connection with mx.example.org[192.0.2.1] while sending MAIL FROM",
	    .command = "MAIL");
}

static void
test_hosts(void **state)
{
	CHECK("host mx.example.org[192.0.2.1] said: 550 no", .host = "mx.example.org");
	CHECK("connect to mx2.example.net[192.0.2.2]:25: Connection refused",
	    .host = "mx2.example.net");
	CHECK("Host or domain name not found. Name service error for name=example.org type=MX",
	    .host = "");
	CHECK("550 5.1.1 user unknown", .host = "");
	/* A host name ends where the sentence does. */
	CHECK("delivery failed on host mail.example.org.", .host = "mail.example.org");
}

static void
test_components(void **state)
{
	CHECK("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
	    .component = "RESOLVER.ADR.RecipientNotFound");
	CHECK("554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException."
	    "MapiExceptionShutoffQuotaExceeded; Failed to process message",
	    .component = "STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded");
	CHECK("550 4.4.7 QUEUE.Expired; message expired", .component = "QUEUE.Expired",
	    .status = "4.4.7");
	CHECK("550 5.6.0 CAT.InvalidContent.Exception: bad content",
	    .component = "CAT.InvalidContent.Exception");
	CHECK("550 5.4.1 Recipient address rejected: Access denied. AS(201806281) "
	    "[DM6NAM12FT045.eop-nam12.prod.protection.outlook.com]", .component = "",
	    .status = "5.4.1");
	/* Identifiers: case matters, and not inside a longer word. */
	CHECK("resolver.adr.recipientnotfound", .component = "");
	CHECK("XRESOLVER.ADR.Something", .component = "");
}

static void
test_join_continuations(void **state)
{
	struct arena *a = arena_new();

	assert_non_null(a);
	assert_string_equal(diag_join_continuations(a,
	    "550-5.1.1 The account 550-5.1.1 does not exist 550 5.1.1 here", "550", "5.1.1"),
	    "550 5.1.1 The account does not exist here");
	/* One reply line: unchanged. */
	assert_string_equal(diag_join_continuations(a, "550 5.1.1 no such user", "550", "5.1.1"),
	    "550 5.1.1 no such user");
	/* A "550" that is a number in prose stays. */
	assert_string_equal(diag_join_continuations(a,
	    "550-5.7.1 sent 550 messages 550-5.7.1 today", "550", "5.7.1"),
	    "550 5.7.1 sent 550 messages today");
	assert_string_equal(diag_join_continuations(a, "", "550", "5.1.1"), "");
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_and_status),
		cmocka_unit_test(test_three_digit_details),
		cmocka_unit_test(test_multiline_reply),
		cmocka_unit_test(test_specific_over_generic),
		cmocka_unit_test(test_ip_addresses),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_numbers_that_are_not_codes),
		cmocka_unit_test(test_version_numbers),
		cmocka_unit_test(test_status_valid),
		cmocka_unit_test(test_status_find),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_every_offset),
		cmocka_unit_test(test_postfix_while_phrases),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_components),
		cmocka_unit_test(test_join_continuations),
	};

	return cmocka_run_group_tests_name("diag", tests, NULL, NULL);
}
