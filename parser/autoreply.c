/*
 * autoreply.c - RFC 3834 auto-replies: vacation and out-of-office notices.
 *
 * Not bounces: the message was delivered and a program answered it. The
 * signals, strongest first: Auto-Submitted: auto-replied, the X-Autoreply
 * family and Precedence: auto_reply, then the subject prefixes that mail
 * programs put on such replies (words.c, shared with the milter's
 * pre-check). Only asked when the message is not a
 * delivery or feedback report (DSNs carry Auto-Submitted too).
 */
#include <string.h>

#include "engine.h"
#include "autoreply.h"
#include "words.h"

/* Any field of the X-Autoreply family with a value. */
static bool
autoreply_field(const struct msgview *mv)
{
	const char *name;
	size_t k;

	for (k = 0; (name = words_nth(WORDS_AUTOREPLY_FIELD, k)) != NULL; k++)
		if (span_trim(mv_header(mv, name)).len > 0)
			return true;
	return false;
}

bool
autoreply_explicit(const struct msgview *mv)
{
	return span_istarts(span_trim(mv_header(mv, "Auto-Submitted")), "auto-replied");
}

bool
autoreply_detect(const struct msgview *mv)
{
	struct span v;

	v = span_trim(mv_header(mv, "Auto-Submitted"));
	if (span_istarts(v, "auto-replied"))
		return true;
	/* RFC 3834: "no" says a person wrote it, whatever the subject. */
	if (span_istarts(v, "no"))
		return false;
	if (autoreply_field(mv))
		return true;
	v = span_trim(mv_header(mv, "Precedence"));
	if (span_ieq(v, "auto_reply"))
		return true;
	return words_match(WORDS_AUTOREPLY_SUBJECT, span_trim(mv_header(mv, "Subject")));
}

void
autoreply_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct bounce_recipient *rc;
	struct span from = addr_find(mv_header(mv, "From"));

	r->kind = BOUNCE_KIND_AUTOREPLY;
	r->vendor = "rfc3834";
	if ((rc = report_add_recipient(r, mv->limits)) == NULL)
		return;
	/* The mailbox that answered is the recipient the sender wrote to. */
	REPORT_SET(r, rc->recipient, from);
	rc->action = "delivered";
	REPORT_SET(r, rc->diagnostic, mv_header(mv, "Subject"));
}
