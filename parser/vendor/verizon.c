/*
 * verizon.c - Verizon Wireless mail gateways (vtext.com, vzwpix.com).
 *
 * The SMS gateway (post_master@vtext.com) answers:
 *
 *	Error: Invalid user address
 *	Error message below:
 *	550 - Requested action not taken: no such user here
 *
 *	Message details:
 *	  Subject: Hello
 *	  MAIL FROM: alice@example.com
 *	  RCPT TO: 5555550100@vtext.com
 *
 * the picture gateway (sysadmin@...vzwpix.com):
 *
 *	Message could not be delivered to mobile.
 *	Error: No valid recipients for this MM
 *	Original Message:
 *	From: alice@example.com
 *	To: 5555550100@vzwpix.com
 *	Subject: Hello
 *
 * Neither returns the message, so the sender and subject come from the
 * details.
 */
#include <ctype.h>
#include <string.h>

#include "engine.h"

static int
verizon_detect(const struct msgview *mv)
{
	struct span from = mv_header(mv, "From");

	if (span_ifind(from, "post_master@vtext.com") == NULL &&
	    !(span_ifind(from, "sysadmin@") != NULL && span_ifind(from, ".vzwpix.com") != NULL))
		return 0;
	return span_ifind(mv->body, "Error: ") != NULL ? 90 : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("From", "post_master@vtext.com"),
	GATE_HAS("From", ".vzwpix.com"),
	GATE_DONE,
};

/* The value after a label at the start of a trimmed line. */
static bool
labelled(struct span t, const char *label, struct span *value)
{
	if (!span_istarts(t, label))
		return false;
	*value = span_trim(span_make(t.p + strlen(label), t.len - strlen(label)));
	return true;
}

static size_t
verizon_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct span line, v, error = SPAN_EMPTY, reply = SPAN_EMPTY;
	size_t pos = 0, found = 0, first = r->nrcpt, i;
	bool details = false;

	while (span_next_line(mv->body, &pos, &line)) {
		struct span t = span_trim(line), a;
		struct bounce_recipient *rc;

		if (t.len == 0)
			continue;
		if (span_istarts(t, "Message details:") || span_istarts(t, "Original Message:")) {
			details = true;
			continue;
		}
		if (!details) {
			if (labelled(t, "Error:", &v) && error.len == 0)
				error = v;
			else if (reply.len == 0 && t.len > 6 && isdigit((unsigned char)t.p[0]) &&
			    memcmp(t.p + 3, " - ", 3) == 0)
				reply = t;	/* "550 - Requested action not taken" */
			continue;
		}
		if (labelled(t, "RCPT TO:", &v) || labelled(t, "To:", &v)) {
			if ((a = addr_find(v)).len == 0 || report_find_recipient(r, a) != NULL)
				continue;
			if ((rc = textscan_add_failed(mv, a)) == NULL)
				break;
			found++;
		} else if (labelled(t, "MAIL FROM:", &v) || labelled(t, "From:", &v)) {
			if (r->original.from[0] == '\0')
				REPORT_SET(r, r->original.from, v);
		} else if (labelled(t, "Subject:", &v)) {
			if (r->original.subject[0] == '\0')
				REPORT_SET(r, r->original.subject, v);
		}
	}
	for (i = first; i < r->nrcpt; i++) {
		REPORT_SET(r, r->rcpt[i].diagnostic, reply.len > 0 ? reply : error);
		if (r->original.to[0] == '\0')
			r->original.to = r->rcpt[i].recipient;
	}
	return found;
}

const struct vendor_module vendor_verizon = {
	.name = "verizon",
	.gate = gate,
	.detect = verizon_detect,
	.parse = verizon_parse,
};
