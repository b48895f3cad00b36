/*
 * outlook.c - Outlook.com and Hotmail before they moved onto Microsoft
 * 365 (their newer reports are office365.c's).
 *
 * A standard DSN behind one fixed sentence:
 *
 *	This is an automatically generated Delivery Status Notification.
 *
 *	Delivery to the following recipients failed.
 *	       bob@example.org
 *
 * The sentence is the only explanation some of them give (no
 * Diagnostic-Code), so it becomes the diagnostic. Windows' own SMTP
 * service writes the same sentence; only Microsoft's consumer servers
 * (hotmail.com, outlook.com, live.com, msn.com, or their X-Message-Info
 * headers) make it this family.
 */
#include <string.h>

#include "engine.h"

#define INTRO		"this is an automatically generated delivery status notification"
#define DETECT_BYTES	4096

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { AUTOMATIC_DSN };

static const char *const phrases[] = {
	[AUTOMATIC_DSN] = INTRO,
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static bool
consumer_domain(struct span v)
{
	static const char *const domains[] = {
		"hotmail.com", "outlook.com", "live.com", "msn.com", NULL,
	};
	size_t k;

	for (k = 0; domains[k] != NULL; k++)
		if (span_ifind(v, domains[k]) != NULL)
			return true;
	return false;
}

static int
outlook_detect(const struct msgview *mv)
{
	if (!mv_looks_like_report_once(mv) ||
	    !mv_marker(mv, &markers, AUTOMATIC_DSN, DETECT_BYTES))
		return 0;
	if (mv_header(mv, "X-Message-Info").len > 0 ||
	    mv_header(mv, "X-Message-Delivery").len > 0 ||
	    consumer_domain(mv_header(mv, "Message-ID")) ||
	    consumer_domain(mv_header(mv, "From")))
		return 75;
	return 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, AUTOMATIC_DSN),
	GATE_DONE,
};

/* The paragraph that says what happened: "Delivery to the following
 * recipients failed.", "Unable to deliver message to the following
 * recipients, due to ...". *after is where the address list starts. */
static struct span
verdict(struct span body, size_t *after)
{
	struct span line, t, v = SPAN_EMPTY;
	size_t pos = 0;

	*after = body.len;
	while (span_next_line(body, &pos, &line)) {
		t = span_trim(line);
		if (v.len == 0) {
			if (span_ifind(t, "the following recipients") != NULL)
				v = t;
			continue;
		}
		if (t.len == 0)
			break;
		v = span_make(v.p, (size_t)(t.p + t.len - v.p));
	}
	if (v.len > 0)
		*after = pos;
	return v;
}

static const char *
verdict_action(struct span v)
{
	if (span_ifind(v, "delayed") != NULL)
		return "delayed";
	if (span_ifind(v, "successful") != NULL)
		return "delivered";
	return "failed";
}

/* Without a delivery-status part: the addresses under the verdict. */
static size_t
outlook_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct bounce_recipient *rc;
	struct span v, rest, line, t, a;
	size_t after, pos = 0, n = 0;

	v = verdict(mv->body, &after);
	if (v.len == 0)
		return 0;
	rest = span_make(mv->body.p + after, mv->body.len - after);
	while (span_next_line(rest, &pos, &line)) {
		t = span_trim(line);
		if (t.len == 0) {
			if (n > 0)
				break;
			continue;
		}
		a = addr_find(t);
		if (a.len == 0 || a.p - t.p > 1)
			break;
		if (report_find_recipient(r, a) != NULL)
			continue;
		if ((rc = report_add_recipient(r, mv->limits)) == NULL)
			break;
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->diagnostic, v);
		rc->action = verdict_action(v);
		n++;
	}
	return n;
}

/* A DSN whose recipients carry no Diagnostic-Code: the verdict says why. */
static void
outlook_refine(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct span v;
	size_t after, i;

	v = verdict(mv->body, &after);
	if (v.len == 0)
		return;
	for (i = 0; i < r->nrcpt; i++)
		if (r->rcpt[i].diagnostic[0] == '\0')
			REPORT_SET(r, r->rcpt[i].diagnostic, v);
}

const struct vendor_module vendor_outlook = {
	.name = "outlook",
	.gate = gate,
	.markers = &markers,
	.detect = outlook_detect,
	.parse = outlook_parse,
	.refine = outlook_refine,
};
