/*
 * googlegroups.c - Google Groups refusing a post.
 *
 * Sent as mailer-daemon@googlemail.com, in the poster's language, with
 * the group's address in X-Failed-Recipients and no delivery-status part:
 *
 *	Hello alice@example.com,
 *
 *	We're writing to let you know that the group you tried to contact
 *	(team) may not exist, or you may not have permission to post
 *	messages to the group. A few more details on why ...
 *	 * You might have spelled or formatted the group name incorrectly.
 *	 ...
 *	Google Groups
 *
 *	----- Original message -----
 *
 * The text is not an SMTP reply, so the diagnostic is the notification
 * without its greeting.
 */
#include <string.h>

#include "engine.h"

static const char *const groups_returned[] = { "----- Original message -----", NULL };

static bool
has_status_part(const struct msgview *mv)
{
	size_t i;

	for (i = 0; i < mv->nleaf; i++)
		if (strstr(mv->leaf[i].type, "delivery-status") != NULL)
			return true;
	return false;
}

static int
googlegroups_detect(const struct msgview *mv)
{
	struct span failed = mv_header(mv, "X-Failed-Recipients");
	struct span head = span_make(mv->body.p, mv->body.len < 4096 ? mv->body.len : 4096);

	if (failed.len == 0 ||
	    span_ifind(mv_header(mv, "From"), "mailer-daemon@googlemail.com") == NULL ||
	    has_status_part(mv))
		return 0;
	if (span_ifind(head, "groups.google.com") != NULL)
		return 95;
	return span_ifind(failed, "@googlegroups.com") != NULL ? 90 : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("From", "mailer-daemon@googlemail.com"),
	GATE_DONE,
};

/* The notification from its second paragraph (after "Hello x,"). */
static struct span
groups_notice(struct span text)
{
	struct span line;
	size_t pos = 0;
	bool seen = false;

	while (span_next_line(text, &pos, &line)) {
		struct span t = span_trim(line);

		if (t.len > 0)
			seen = true;
		else if (seen)
			return span_trim(span_make(text.p + pos, text.len - pos));
	}
	return span_trim(text);
}

static size_t
googlegroups_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct span failed = mv_header(mv, "X-Failed-Recipients");
	struct span notice = groups_notice(text_region(mv->body, NULL, groups_returned));
	size_t found = 0, n;

	/* "a@example.com, b@example.com": bounded by the header's length. */
	while (failed.len > 0) {
		struct span a = addr_find(failed);
		struct bounce_recipient *rc;

		if (a.len == 0)
			break;
		n = (size_t)(a.p + a.len - failed.p);
		failed = span_make(failed.p + n, failed.len - n);
		if (report_find_recipient(r, a) != NULL)
			continue;
		if ((rc = textscan_add_failed(mv, a)) == NULL)
			break;
		REPORT_SET(r, rc->diagnostic, notice);
		found++;
	}
	if (found > 0 && mv->returned.len == 0)
		mv->returned = text_region(mv->body, groups_returned, NULL);
	return found;
}

const struct vendor_module vendor_googlegroups = {
	.name = "googlegroups",
	.gate = gate,
	.detect = googlegroups_detect,
	.parse = googlegroups_parse,
};
