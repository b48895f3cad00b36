/*
 * fuzz_dsn.c - the RFC 3464 field parser, dsn_parse_fields(), and its
 * sniffing cousin dsn_text_has_fields(), on arbitrary text.
 *
 * The parser is handed what mime.c would hand it: the bytes made valid
 * UTF-8 with LF line ends (text_clean_utf8). It runs with the default
 * recipient limit and with a limit of 2, then the per-recipient
 * diagnostic fill that parse.c does after it.
 */
#include "engine.h"
#include "fuzz.h"

static void
one_run(struct span raw, unsigned max_recipients)
{
	struct bounce_limits lim;
	struct bounce_report *r;
	struct span text;
	size_t n, i;

	bounce_limits_default(&lim);
	lim.max_recipients = max_recipients;
	if ((r = report_new()) == NULL)
		fuzz_fail("report_new returned NULL", "out of memory?");
	text = text_clean_utf8(report_arena(r), raw);
	(void)dsn_text_has_fields(text);
	n = dsn_parse_fields(r, &lim, text);
	if (n > r->nrcpt)
		fuzz_fail("dsn_parse_fields counts more recipients than it added", "nrcpt");
	for (i = 0; i < r->nrcpt; i++)
		report_fill_from_diagnostic(r, &r->rcpt[i]);
	fuzz_check_report(r, &lim);
	bounce_report_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span raw = span_make((const char *)data, size);

	one_run(raw, 1000);
	one_run(raw, 2);
	return 0;
}
