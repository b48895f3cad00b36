/*
 * fuzz_rules.c - the rules loader, bounce_rules_load(), on a rule file
 * made of the input, then (when it loads) the classifier driven by it.
 *
 * The input becomes 50-fuzz.rules in a private folder, loaded with the
 * compiled-pattern cache off (BOUNCE_RULES_CACHE=off) so every run
 * compiles. A refusal must say "file:line: reason" with a line number
 * the file has; a rule set that loads classifies a fixed DSN with three
 * recipients, and the report must keep the promises of bounce.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static const char dsn[] =
    "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
    "To: sender@example.org\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\n"
    "\n"
    "--b1\n"
    "Content-Type: text/plain\n"
    "\n"
    "Your message could not be delivered.\n"
    "--b1\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.net\n"
    "\n"
    "Final-Recipient: rfc822; nobody@example.com\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Remote-MTA: dns; mx.example.com\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.com>: user unknown\n"
    "\n"
    "Final-Recipient: rfc822; full@example.com\n"
    "Action: delayed\n"
    "Status: 4.2.2\n"
    "Diagnostic-Code: smtp; 452 4.2.2 mailbox full, over quota\n"
    "\n"
    "Final-Recipient: rfc822; spam@example.com\n"
    "Action: failed\n"
    "Status: 5.7.1\n"
    "Diagnostic-Code: smtp; 554 5.7.1 Service unavailable; client host [192.0.2.1] blocked\n"
    "--b1--\n";

static char dir[300], file[340];
static struct bounce_report *report;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("BOUNCE_RULES_CACHE", "off", 1);
	snprintf(dir, sizeof(dir), "%s", fuzz_tmpdir());
	snprintf(file, sizeof(file), "%s/50-fuzz.rules", dir);
	if ((report = bounce_parse(dsn, sizeof(dsn) - 1, NULL)) == NULL || report->nrcpt != 3) {
		fprintf(stderr, "fuzz_rules: the built-in DSN does not parse\n");
		exit(1);
	}
	return 0;
}

/* "50-fuzz.rules:N: reason" with 1 <= N <= lines of the input + 1. */
static void
check_error(const char *err, const uint8_t *data, size_t size)
{
	const char *p;
	unsigned long line, lines = 1;
	char *end;
	size_t i;

	if (memchr(err, '\0', 512) == NULL || err[0] == '\0')
		fuzz_fail("rules refused without a reason", "err");
	if ((p = strstr(err, "50-fuzz.rules:")) == NULL)
		return;		/* an error about the folder, not a line */
	line = strtoul(p + strlen("50-fuzz.rules:"), &end, 10);
	if (*end != ':')
		return;		/* "file: reason", no line */
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (line == 0 || line > lines)
		fuzz_fail("error names a line the file does not have", err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bounce_rules *rules;
	char err[512];

	fuzz_write_file(file, data, size);
	memset(err, 'X', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	if ((rules = bounce_rules_load(dir, err, sizeof(err))) == NULL) {
		check_error(err, data, size);
		return 0;
	}
	bounce_classify(report, rules);
	fuzz_check_report(report, NULL);
	bounce_rules_free(rules);
	return 0;
}
