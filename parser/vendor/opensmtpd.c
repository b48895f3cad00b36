/*
 * opensmtpd.c - OpenSMTPD bounces and delay warnings.
 *
 *	Subject: Delivery status notification: error (or: delayed, warning)
 *
 *	    This is the MAILER-DAEMON, please DO NOT REPLY to this email.
 *
 *	    An error has occurred while attempting to deliver a message for
 *	    the following list of recipients:
 *
 *	bob@example.org: 550 5.1.1 <bob@example.org>... User unknown
 *
 *	    Below is a copy of the original message:
 *
 * A delay warning says "A message is delayed for more than ..." and
 * "this is only a temporary failure report". Since 6.x a DSN part comes
 * along; the text is then only needed where the DSN is silent.
 */
#include <string.h>

#include "engine.h"

#define OS_BANNER	"This is the MAILER-DAEMON, please DO NOT REPLY to this e"

static const char *const os_list[] = { "list of recipients:", NULL };
static const char *const os_end[] = {
	"Below is a copy of the original message", "Please note that this is only", NULL,
};

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { BANNER };

static const char *const phrases[] = {
	[BANNER] = OS_BANNER,
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
opensmtpd_detect(const struct msgview *mv)
{
	struct span rcvd;
	int i, score = 0;

	if (mv_marker(mv, &markers, BANNER, 512))
		score += 55;
	if (score == 0)
		return 0;
	if (span_istarts(span_trim(mv_header(mv, "Subject")), "Delivery status notification"))
		score += 15;
	for (i = 0; i < 8; i++) {
		if ((rcvd = mv_header_nth(mv, "Received", i)).len == 0)
			break;
		if (span_ifind(rcvd, "(OpenSMTPD)") != NULL) {
			score += 15;
			break;
		}
	}
	return score;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, BANNER),
	GATE_DONE,
};

static bool
os_delayed(const struct msgview *mv)
{
	return span_ifind(mv->body, "only a temporary failure report") != NULL ||
	    span_ifind(mv->body, "A message is delayed for more than") != NULL;
}

static size_t
opensmtpd_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct span region = text_region(mv->body, os_list, os_end), line, a;
	size_t pos = 0, found = 0;
	bool delayed = os_delayed(mv);

	while (span_next_line(region, &pos, &line)) {
		struct bounce_recipient *rc;
		const char *colon;

		/* "bob@example.org: reason" at the start of a line. */
		if ((a = addr_find(line)).len == 0 || a.p != line.p ||
		    a.p + a.len >= line.p + line.len || a.p[a.len] != ':')
			continue;
		colon = a.p + a.len;
		if (report_find_recipient(r, a) != NULL ||
		    (rc = report_add_recipient(r, mv->limits)) == NULL)
			continue;
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->action, delayed ? SPAN_LIT("delayed") : SPAN_LIT("failed"));
		REPORT_SET(r, rc->diagnostic, span_make(colon + 1, (size_t)(line.p + line.len - colon - 1)));
		found++;
	}
	if (found > 0 && mv->returned.len == 0) {
		static const char *const copy[] = { "Below is a copy of the original message", NULL };

		mv->returned = text_region(mv->body, copy, NULL);
	}
	return found;
}

const struct vendor_module vendor_opensmtpd = {
	.name = "opensmtpd",
	.gate = gate,
	.markers = &markers,
	.detect = opensmtpd_detect,
	.parse = opensmtpd_parse,
};
