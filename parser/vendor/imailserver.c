/*
 * imailserver.c - Ipswitch IMail Server ("SMTP32") bounces.
 *
 *	X-Mailer: <SMTP32 v8.22>
 *	Subject: Undeliverable Mail
 *
 *	Unknown user: bob@example.org
 *	(or: undeliverable to bob@example.org)
 *	Body of message generated response:
 *	550 5.1.1 No such user
 *
 *	Original message follows.
 *
 * Each failure is IMail's own sentence ending in the address; the remote
 * server's reply, when there was one, follows "generated response:".
 */
#include <string.h>

#include "engine.h"

static const char *const im_returned[] = { "Original message follows", NULL };

static int
imailserver_detect(const struct msgview *mv)
{
	struct span xm = mv_header(mv, "X-Mailer");
	int score = 0;

	if (span_istarts(span_trim(xm), "<SMTP32 v"))
		score = 80;
	if (score > 0 && span_istarts(span_trim(mv_header(mv, "Subject")), "Undeliverable Mail"))
		score += 10;
	return score;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("X-Mailer", "<SMTP32 v"),
	GATE_DONE,
};

/* "Label: a@b" where the label is not a header name copied into the
 * text ("To:", "CC:" of a quoted message). */
static struct span
im_failure_line(struct span t, struct span *label)
{
	static const char *const headers[] = {
		"To", "CC", "Cc", "From", "Date", "Subject", "Reply-To", "Sender", "BCC",
	};
	struct span a = addr_find(t);
	const char *colon;
	size_t k;

	if (a.len == 0 || a.p + a.len < t.p + t.len - 1)
		return SPAN_EMPTY;
	if (span_istarts(t, "undeliverable to ")) {
		*label = span_make(t.p, 16);
		return a;
	}
	colon = memchr(t.p, ':', (size_t)(a.p - t.p));
	if (colon == NULL || colon == t.p)
		return SPAN_EMPTY;
	*label = span_trim(span_make(t.p, (size_t)(colon - t.p)));
	for (k = 0; k < sizeof(headers) / sizeof(headers[0]); k++)
		if (span_ieq(*label, headers[k]))
			return SPAN_EMPTY;
	return a;
}

static size_t
imailserver_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct bounce_recipient *rc = NULL;
	struct span region = text_region(mv->body, NULL, im_returned), line, t, label;
	const char *rs = NULL, *re = NULL;
	size_t pos = 0, found = 0;
	bool response = false;

	while (span_next_line(region, &pos, &line)) {
		struct span a;

		t = span_trim(line);
		if ((a = im_failure_line(t, &label)).len > 0) {
			if (rc != NULL && rs != NULL)
				REPORT_SET(r, rc->diagnostic, span_make(rs, (size_t)(re - rs)));
			rs = re = NULL;
			response = false;
			if ((rc = report_find_recipient(r, a)) != NULL)
				continue;
			if ((rc = textscan_add_failed(mv, a)) == NULL)
				break;
			REPORT_SET(r, rc->diagnostic, label);
			found++;
			continue;
		}
		if (rc == NULL)
			continue;
		if (span_ifind(t, "generated response:") != NULL) {
			response = true;
			continue;
		}
		if (!response)
			continue;
		if (t.len == 0) {
			if (rs != NULL)
				response = false;
			continue;
		}
		if (rs == NULL)
			rs = t.p;
		re = t.p + t.len;
	}
	if (rc != NULL && rs != NULL)
		REPORT_SET(r, rc->diagnostic, span_make(rs, (size_t)(re - rs)));
	if (found > 0 && mv->returned.len == 0)
		mv->returned = text_region(mv->body, im_returned, NULL);
	return found;
}

const struct vendor_module vendor_imailserver = {
	.name = "imailserver",
	.gate = gate,
	.detect = imailserver_detect,
	.parse = imailserver_parse,
};
