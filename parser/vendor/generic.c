/*
 * generic.c - last resort for reports in no format we know.
 *
 * Bounces from unknown software still follow a habit: the failed address
 * on a line of its own or at the start of a line, and the server's reply
 * on the same line or the next few. Only tried when the message looks like
 * a report (null sender, daemon sender, bounce subject), and with the
 * lowest confidence, so that any real module wins.
 */
#include <string.h>

#include "engine.h"

static int
generic_detect(const struct msgview *mv)
{
	return mv_looks_like_report(mv) ? 1 : 0;
}

/* Stop at the returned message: its To: and From: are not failures. */
static bool
returned_marker(struct span line)
{
	static const char *const markers[] = {
		"original message", "returned message", "message headers follow",
		"below this line is a copy", "undelivered message", "headers of your message",
		"content-type: message/rfc822",
	};
	size_t k;

	for (k = 0; k < sizeof(markers) / sizeof(markers[0]); k++)
		if (span_ifind(line, markers[k]) != NULL)
			return true;
	return false;
}

static size_t
generic_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct bounce_recipient *rc = NULL;
	struct span body = mv->body, line;
	size_t pos = 0, found = 0;
	const char *dstart = NULL, *dend = NULL;

	while (span_next_line(body, &pos, &line)) {
		struct span t = span_trim(line), a;

		if (returned_marker(t))
			break;
		a = addr_find(t);
		/* An address leading its line, or alone in <>, names a failed
		 * recipient; the lines after it are its diagnostic. */
		if (a.len > 0 && (size_t)(a.p - t.p) <= 2 &&
		    report_find_recipient(r, a) == NULL) {
			if (rc != NULL && dstart != NULL)
				REPORT_SET(r, rc->diagnostic, span_make(dstart, (size_t)(dend - dstart)));
			if ((rc = report_add_recipient(r, mv->limits)) == NULL)
				break;
			REPORT_SET(r, rc->recipient, a);
			found++;
			dstart = a.p + a.len;
			while (dstart < t.p + t.len && strchr(">:, ", *dstart) != NULL)
				dstart++;
			dend = t.p + t.len;
			if (dstart >= dend)
				dstart = NULL;
			continue;
		}
		if (rc == NULL)
			continue;
		if (t.len == 0) {
			if (dstart != NULL) {
				REPORT_SET(r, rc->diagnostic, span_make(dstart, (size_t)(dend - dstart)));
				rc = NULL;
			}
			continue;
		}
		if (dstart == NULL)
			dstart = t.p;
		dend = t.p + t.len;
	}
	if (rc != NULL && dstart != NULL)
		REPORT_SET(r, rc->diagnostic, span_make(dstart, (size_t)(dend - dstart)));
	if (found > 0)
		r->kind = BOUNCE_KIND_NDR;
	return found;
}

const struct vendor_module vendor_generic = {
	.name = "generic",
	.detect = generic_detect,
	.parse = generic_parse,
};
