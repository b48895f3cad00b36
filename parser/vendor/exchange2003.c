/*
 * exchange2003.c - Microsoft Exchange 5.5, 2000 and 2003.
 *
 *	Your message
 *	  To:      carol@example.com
 *	  Subject: Minutes
 *	  Sent:    Tue, 3 May 2005 10:00:00 +0200
 *	did not reach the following recipient(s):
 *	bob@example.org on Tue, 3 May 2005 10:00:05 +0200
 *	    The e-mail account does not exist at the organization ...
 *	    <mx.example.org #5.1.1>
 *
 * (later: "The following recipient(s) could not be reached:"). Exchange
 * 5.5 adds "MSEXCH:IMS:... 0 (000C05A6) Unknown Recipient" and a line
 * about the MTS-ID, which says nothing and is left out. Exchange 2000
 * and 2003 also send a delivery-status part; then this text only fills
 * in what the DSN lacks.
 */
#include <ctype.h>
#include <string.h>

#include "engine.h"

#define DETECT_BYTES	(16 * 1024)
#define DIAG_LINES	8	/* lines of explanation kept per recipient */

/*
 * Phrases detect() asks about (found for all modules in one pass,
 * vendor.c). The first NLISTS head the list of failed recipients.
 */
enum {
	NOT_REACHED, COULD_NOT_BE_REACHED, CANNOT_BE_REACHED, NLISTS,
	MSEXCH = NLISTS, SOME_OR_ALL, GENERATED_DSN,
};

static const char *const phrases[] = {
	[NOT_REACHED] = "did not reach the following recipient",
	[COULD_NOT_BE_REACHED] = "following recipient(s) could not be reached",
	[CANNOT_BE_REACHED] = "following recipient(s) cannot be reached",
	[MSEXCH] = "MSEXCH:",
	[SOME_OR_ALL] = "did not reach some or all of the intended recipients",
	[GENERATED_DSN] = "automatically generated Delivery Status Notification",
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static bool
mailer_is_exchange(const struct msgview *mv)
{
	struct span v;
	int i;

	v = mv_header(mv, "X-Mailer");
	if (span_istarts(v, "Internet Mail Service (") ||
	    span_ifind(v, "Microsoft Exchange Server Internet Mail Connector") != NULL)
		return true;
	if (span_istarts(mv_header(mv, "X-MimeOLE"), "Produced By Microsoft Exchange"))
		return true;
	if (mv_header(mv, "X-MS-Embedded-Report").len > 0)
		return true;
	for (i = 0; i < 6; i++) {
		v = mv_header_nth(mv, "Received", i);
		if (v.len == 0)
			break;
		if (span_ifind(v, "with Internet Mail Service (") != NULL)
			return true;
	}
	return false;
}

static bool
has_list_heading(const struct msgview *mv)
{
	unsigned k;

	for (k = 0; k < NLISTS; k++)
		if (mv_marker(mv, &markers, k, DETECT_BYTES))
			return true;
	return false;
}

static int
exchange2003_detect(const struct msgview *mv)
{
	if (!mv_looks_like_report_once(mv))
		return 0;
	if (has_list_heading(mv)) {
		if (mailer_is_exchange(mv))
			return 80;
		if (mv_marker(mv, &markers, MSEXCH, DETECT_BYTES) ||
		    mv_marker(mv, &markers, SOME_OR_ALL, DETECT_BYTES))
			return 60;
		return 30;
	}
	/* Exchange's own DSN without the list: refine it. */
	if (mv_marker(mv, &markers, GENERATED_DSN, DETECT_BYTES) &&
	    mailer_is_exchange(mv))
		return 50;
	return 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, NOT_REACHED),
	GATE_PHRASE(&markers, COULD_NOT_BE_REACHED),
	GATE_PHRASE(&markers, CANNOT_BE_REACHED),
	GATE_PHRASE(&markers, GENERATED_DSN),
	GATE_DONE,
};

/* "bob@example.org on 4/29/01 11:34 AM", "SMTP=bob@example.org on ...",
 * "Bob Smith on ..." (no address: *addr stays empty). */
static bool
recipient_line(struct span t, struct span *addr)
{
	const char *on = span_ifind(t, " on ");
	struct span who, a;
	unsigned char c;

	*addr = SPAN_EMPTY;
	if (on == NULL || on + 4 >= t.p + t.len)
		return false;
	c = (unsigned char)on[4];
	if (!isdigit(c) && !isupper(c))
		return false;	/* not followed by a date */
	who = span_make(t.p, (size_t)(on - t.p));
	a = addr_find(who);
	if (a.len > 0 && a.p + a.len == who.p + who.len)
		*addr = a;
	else if (a.len > 0 || who.len > 64)
		return false;
	return true;
}

struct pending {
	struct span addr;
	struct span line[DIAG_LINES];
	size_t	    nline;
	struct span host;	/* from "<mx.example.org #5.1.1 smtp;550 ...>" */
	struct span status;
	struct span reply;
};

/* "<mx.example.org #5.1.1>" or "<mx.example.org #5.7.1 smtp;550 5.7.1
 * Unable to relay>": the server that answered, the code Exchange gave
 * and the server's own reply code. */
static void
read_bracket(struct pending *pd, struct span t)
{
	const char *lt = memchr(t.p, '<', t.len), *p, *end = t.p + t.len, *smtp;

	if (lt == NULL || pd->host.len > 0)
		return;
	for (p = lt + 1; p < end && (isalnum((unsigned char)*p) || *p == '.' || *p == '-'); p++)
		;
	if (p + 2 >= end || p[0] != ' ' || p[1] != '#' || memchr(lt, '.', (size_t)(p - lt)) == NULL)
		return;
	pd->host = span_make(lt + 1, (size_t)(p - lt - 1));
	pd->status = status_find(span_make(p + 2, (size_t)(end - p - 2)));
	if (pd->status.p != p + 2)
		pd->status = SPAN_EMPTY;	/* not right after the '#' */
	if ((smtp = span_ifind(span_make(p, (size_t)(end - p)), "smtp;")) != NULL) {
		for (p = smtp + 5; p < end && *p == ' '; p++)
			;
		if (end - p >= 3 && isdigit((unsigned char)p[0]) &&
		    isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
		    (end - p == 3 || !isdigit((unsigned char)p[3])))
			pd->reply = span_make(p, 3);
	}
}

/* Hand one recipient over: a new one (parse) or the DSN's (refine). */
static bool
flush(struct msgview *mv, struct pending *pd, bool add, size_t *n)
{
	struct bounce_report *r = mv->report;
	struct bounce_recipient *rc;

	if (pd->addr.len == 0)
		return true;
	rc = report_find_recipient(r, pd->addr);
	if (add && rc == NULL) {
		if ((rc = report_add_recipient(r, mv->limits)) == NULL)
			return false;
		REPORT_SET(r, rc->recipient, pd->addr);
		rc->action = "failed";
		(*n)++;
	}
	if (rc != NULL && rc->diagnostic[0] == '\0')
		REPORT_SET(r, rc->diagnostic,
		    span_join(mv->arena, pd->line, pd->nline, ' '));
	if (rc != NULL && rc->remote_mta[0] == '\0')
		REPORT_SET(r, rc->remote_mta, pd->host);
	if (rc != NULL && rc->status[0] == '\0')
		REPORT_SET(r, rc->status, pd->status);
	if (rc != NULL && rc->reply_code[0] == '\0')
		REPORT_SET(r, rc->reply_code, pd->reply);
	memset(pd, 0, sizeof(*pd));
	return true;
}

/* The "To:" and "Subject:" of the "Your message" block stand in for the
 * returned message when there is none. */
static void
original_block(struct msgview *mv, struct span t)
{
	struct bounce_report *r = mv->report;
	struct span v;

	if (mv->returned.len > 0)
		return;
	if (span_istarts(t, "To:") && r->original.to[0] == '\0') {
		v = span_make(t.p + 3, t.len - 3);
		REPORT_SET(r, r->original.to, span_trim(v));
	} else if (span_istarts(t, "Subject:") && r->original.subject[0] == '\0') {
		v = span_make(t.p + 8, t.len - 8);
		REPORT_SET(r, r->original.subject, span_trim(v));
	}
}

static size_t
scan(struct msgview *mv, bool add)
{
	struct span body = mv->body, line, t, a;
	struct pending pd;
	bool listing = false, skipping = false;
	size_t pos = 0, k, n = 0;

	memset(&pd, 0, sizeof(pd));
	while (span_next_line(body, &pos, &line)) {
		t = span_trim(line);
		if (!listing) {
			for (k = 0; k < NLISTS; k++)
				if (span_ifind(t, phrases[k]) != NULL)
					listing = true;
			if (!listing)
				original_block(mv, t);
			continue;
		}
		if (span_istarts(t, "Content-Type: message/rfc822") ||
		    span_istarts(t, "----- Original message") ||
		    span_istarts(t, "-----Original Message"))
			break;
		if (recipient_line(t, &a)) {
			if (!flush(mv, &pd, add, &n))
				return n;
			pd.addr = a;
			skipping = false;
			continue;
		}
		if (pd.addr.len == 0 || t.len == 0)
			continue;
		/* "The MTS-ID of the original message is: c=..;" and its
		 * continuation ";l=..." are routing data, not a reason. */
		if (span_istarts(t, "The MTS-ID of the original message")) {
			skipping = true;
			continue;
		}
		if (skipping && t.p[0] == ';')
			continue;
		skipping = false;
		read_bracket(&pd, t);
		if (pd.nline < DIAG_LINES)
			pd.line[pd.nline++] = t;
	}
	(void)flush(mv, &pd, add, &n);
	return n;
}

static size_t
exchange2003_parse(struct msgview *mv)
{
	return scan(mv, true);
}

static void
exchange2003_refine(struct msgview *mv)
{
	(void)scan(mv, false);
}

const struct vendor_module vendor_exchange2003 = {
	.name = "exchange2003",
	.gate = gate,
	.markers = &markers,
	.detect = exchange2003_detect,
	.parse = exchange2003_parse,
	.refine = exchange2003_refine,
};
