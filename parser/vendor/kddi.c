/*
 * kddi.c - au one net (KDDI, dion.ne.jp) mail error notices.
 *
 * From no-reply@<host>.dion.ne.jp (Reply-To no-reply@app.auone-net.jp),
 * a Japanese paragraph, then the server's English lines:
 *
 *	Your mail sent on: Thu, 29 Apr 2010 11:04:47 +0900
 *	     Could not be delivered to: <bob@example.jp>
 *	     As their mailbox is full.
 *
 * ("Your mail attempted to be delivered on:" in some versions). The
 * returned message is attached as message/rfc822.
 */
#include <string.h>

#include "engine.h"

#define KDDI_RCPT	"Could not be delivered to:"

static const char *const kddi_starts[] = {
	"Your mail sent on:", "Your mail attempted to be delivered on:", NULL,
};

static int
kddi_detect(const struct msgview *mv)
{
	struct span from = mv_header(mv, "From");
	struct span head = span_make(mv->body.p, mv->body.len < 4096 ? mv->body.len : 4096);
	bool sender;

	sender = (span_istarts(span_trim(from), "no-reply@") && span_ifind(from, ".dion.ne.jp") != NULL) ||
	    span_ifind(mv_header(mv, "Reply-To"), "no-reply@app.auone-net.jp") != NULL;
	if (!sender)
		return 0;
	return span_ifind(head, KDDI_RCPT) != NULL ? 90 : 40;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("From", ".dion.ne.jp"),
	GATE_HAS("Reply-To", "no-reply@app.auone-net.jp"),
	GATE_DONE,
};

static size_t
kddi_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct bounce_recipient *rc = NULL;
	struct span region = text_region(mv->body, kddi_starts, NULL), line;
	const char *ds = NULL, *de = NULL;
	size_t pos = 0, found = 0;

	while (span_next_line(region, &pos, &line)) {
		struct span t = span_trim(line), a;

		if (span_istarts(t, KDDI_RCPT)) {
			if (rc != NULL && ds != NULL)
				REPORT_SET(r, rc->diagnostic, span_make(ds, (size_t)(de - ds)));
			ds = de = NULL;
			a = addr_find(span_make(t.p + strlen(KDDI_RCPT), t.len - strlen(KDDI_RCPT)));
			if (a.len == 0 || report_find_recipient(r, a) != NULL) {
				rc = NULL;
				continue;
			}
			if ((rc = textscan_add_failed(mv, a)) == NULL)
				break;
			found++;
			continue;
		}
		/* The reason lines are indented; a new notice starts flush. */
		if (rc == NULL || t.len == 0 || line.p[0] != ' ' ||
		    span_istarts(t, kddi_starts[0]) || span_istarts(t, kddi_starts[1]))
			continue;
		if (ds == NULL)
			ds = t.p;
		de = t.p + t.len;
	}
	if (rc != NULL && ds != NULL)
		REPORT_SET(r, rc->diagnostic, span_make(ds, (size_t)(de - ds)));
	return found;
}

const struct vendor_module vendor_kddi = {
	.name = "kddi",
	.gate = gate,
	.detect = kddi_detect,
	.parse = kddi_parse,
};
