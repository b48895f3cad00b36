/*
 * fuzz_parse.c - the engine's front door: arbitrary bytes through
 * bounce_parse(), bounce_classify() and bounce_report_json(), as the
 * milter and bouncediag call them.
 *
 * Each input is parsed twice: with the default limits, and with tight
 * ones (a few parts, shallow nesting, short headers, few recipients,
 * half the bytes) so the truncation paths run as often as the others.
 * The report and its JSON must keep every promise of bounce.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

static struct bounce_rules *rules;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("BOUNCE_FUZZ_RULES");
	char err[512];

	if (dir == NULL || *dir == '\0')
		dir = "rules";
	if ((rules = bounce_rules_load(dir, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_parse: cannot load rules from %s: %s\n", dir, err);
		exit(1);
	}
	return 0;
}

static void
one_parse(const uint8_t *data, size_t size, const struct bounce_limits *lim)
{
	struct bounce_report *r;
	char *json;

	if ((r = bounce_parse(data, size, lim)) == NULL)
		fuzz_fail("bounce_parse returned NULL", "out of memory?");
	fuzz_check_report(r, lim);
	bounce_classify(r, rules);
	fuzz_check_report(r, lim);
	json = bounce_report_json(r, "fuzz", "QUEUEID", (time_t)1700000000);
	fuzz_check_json(json);
	free(json);
	bounce_report_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bounce_limits lim, tight;

	bounce_limits_default(&lim);
	one_parse(data, size, &lim);

	tight = lim;
	tight.max_scan_bytes = size / 2 + 1;
	tight.max_depth = 3;
	tight.max_parts = 8;
	tight.max_header_bytes = 256;
	tight.max_recipients = 3;
	one_parse(data, size, &tight);
	return 0;
}
