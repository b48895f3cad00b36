/*
 * fuzz_diag.c - what the engine reads out of a server's words:
 * diag_extract(), report_fill_from_diagnostic() and
 * diag_join_continuations(), plus status_find()/status_valid().
 *
 * The first byte of the input picks what the recipient already knows
 * (a Status field, a reply code, a command, a remote MTA), as a DSN
 * would have filled them before the diagnostic is read; the rest is the
 * Diagnostic-Code text, cleaned to UTF-8 as the engine always has it.
 */
#include <string.h>

#include "engine.h"
#include "fuzz.h"

static const char *const statuses[] = { "", "5.0.0", "4.4.1", "5.1.1", "2.0.0" };
static const char *const replies[] = { "", "550", "451", "250" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bounce_limits lim;
	struct bounce_report *r;
	struct bounce_recipient *rc;
	struct diag_info d;
	struct arena *a;
	struct span text, st;
	const char *joined;
	uint8_t sel = size > 0 ? data[0] : 0;

	bounce_limits_default(&lim);
	if ((r = report_new()) == NULL || (rc = report_add_recipient(r, &lim)) == NULL)
		fuzz_fail("report_new/report_add_recipient failed", "out of memory?");
	a = report_arena(r);
	text = text_clean_utf8(a, span_make((const char *)data + (size > 0),
	    size > 0 ? size - 1 : 0));

	/* The extractor on the raw text: bounded fields, NUL-terminated. */
	diag_extract(text, &d);
	if (memchr(d.status, '\0', sizeof(d.status)) == NULL ||
	    memchr(d.reply_code, '\0', sizeof(d.reply_code)) == NULL ||
	    memchr(d.command, '\0', sizeof(d.command)) == NULL)
		fuzz_fail("diag_info field not terminated", "diag_extract");
	if (d.status[0] != '\0' && !status_valid(span_make(d.status, strlen(d.status))))
		fuzz_fail("diag_extract found an invalid status", d.status);
	if (d.remote_host.len > 0 && (d.remote_host.p < text.p ||
	    d.remote_host.p + d.remote_host.len > text.p + text.len))
		fuzz_fail("remote_host outside the text", "diag_extract");
	if (d.component.len > 0 && (d.component.p < text.p ||
	    d.component.p + d.component.len > text.p + text.len))
		fuzz_fail("component outside the text", "diag_extract");
	st = status_find(text);
	if (st.len > 0 && (st.p < text.p || st.p + st.len > text.p + text.len))
		fuzz_fail("status_find outside the text", "status_find");

	/* As a DSN recipient would have it. */
	rc->status = statuses[sel % 5];
	rc->reply_code = replies[(sel / 5) % 4];
	if (sel & 0x40)
		rc->command = "RCPT";
	if (sel & 0x80)
		rc->remote_mta = "mx.example.com";
	REPORT_SET(r, rc->diagnostic, text);
	report_fill_from_diagnostic(r, rc);
	fuzz_check_report(r, &lim);

	/* The joiner on its own, with what the extractor found. */
	joined = diag_join_continuations(a, rc->diagnostic, d.reply_code, d.status);
	if (joined == NULL || strlen(joined) > strlen(rc->diagnostic))
		fuzz_fail("diag_join_continuations grew the text", "join");
	bounce_report_free(r);
	return 0;
}
