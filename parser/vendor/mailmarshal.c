/*
 * mailmarshal.c - MailMarshal SMTP (Trustwave/Marshal) reports.
 *
 *	Subject: Undeliverable Mail: "Hello"
 *
 *	Your message:
 *	   From:    alice@example.com
 *	   Subject: Hello
 *
 *	Could not be delivered because of
 *
 *	550 5.1.1 User unknown
 *
 *	The following recipients were affected:
 *	    bob@example.org
 *
 *	Additional Information
 *	======================
 *	Remote-MTA:         <192.0.2.1>
 */
#include <string.h>

#include "engine.h"

#define MM_WHY		"Could not be delivered because of"
#define MM_WHO		"The following recipients were affected:"
#define MM_MORE		"Additional Information"

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { WHY, WHO };

static const char *const phrases[] = {
	[WHY] = MM_WHY,
	[WHO] = MM_WHO,
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
mailmarshal_detect(const struct msgview *mv)
{
	int score = 0;

	/* Markers sit near the top. */
	if (mv_marker(mv, &markers, WHY, 16384) &&
	    mv_marker(mv, &markers, WHO, 16384))
		score = 70;
	if (score > 0 && span_istarts(span_trim(mv_header(mv, "Subject")), "Undeliverable Mail:"))
		score += 15;
	return score;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, WHY),
	GATE_DONE,
};

static size_t
mailmarshal_parse(struct msgview *mv)
{
	static const char *const why_start[] = { MM_WHY, NULL };
	static const char *const why_end[] = { MM_WHO, NULL };
	static const char *const who_start[] = { MM_WHO, NULL };
	static const char *const who_end[] = { MM_MORE, NULL };
	static const char *const more[] = { MM_MORE, NULL };
	struct bounce_report *r = mv->report;
	struct span why = span_trim(text_region(mv->body, why_start, why_end));
	struct span who = text_region(mv->body, who_start, who_end);
	struct span info = text_region(mv->body, more, NULL), remote = SPAN_EMPTY, line, a;
	size_t pos = 0, first = r->nrcpt;

	while (span_next_line(info, &pos, &line))
		if (span_istarts(span_trim(line), "Remote-MTA:")) {
			struct span v = span_trim(line);
			const char *lt = memchr(v.p, '<', v.len), *gt = memchr(v.p, '>', v.len);

			if (lt != NULL && gt != NULL && gt > lt + 1)
				remote = span_make(lt + 1, (size_t)(gt - lt - 1));
			break;
		}
	pos = 0;
	while (span_next_line(who, &pos, &line)) {
		struct bounce_recipient *rc;

		if ((a = addr_find(line)).len == 0 || report_find_recipient(r, a) != NULL ||
		    (rc = report_add_recipient(r, mv->limits)) == NULL)
			continue;
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->action, SPAN_LIT("failed"));
		REPORT_SET(r, rc->diagnostic, why);
		if (remote.len > 0)
			REPORT_SET(r, rc->remote_mta, remote);
	}
	return r->nrcpt - first;
}

const struct vendor_module vendor_mailmarshal = {
	.name = "mailmarshal",
	.gate = gate,
	.markers = &markers,
	.detect = mailmarshal_detect,
	.parse = mailmarshal_parse,
};
