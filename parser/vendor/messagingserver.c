/*
 * messagingserver.c - Oracle Communications (Sun Java System, Sun ONE,
 * iPlanet) Messaging Server reports.
 *
 *	This report relates to a message you sent with the following header fields:
 *	  ...
 *	Your message cannot be delivered to the following recipients:
 *
 *	  Recipient address: bob@example.org
 *	  Original address: bob@example.net
 *	  Reason: Illegal host/domain name found
 *	  Diagnostic code: smtp;550 5.1.1 unknown user
 *	  Remote system: dns;mx.example.org (...)
 *
 * A DSN part follows; its Final-Recipient may be an internal source
 * route ("@mx.example.net:bob@server") and its Diagnostic-Code may be
 * missing when the text has only a Reason: refine() mends both.
 */
#include <string.h>

#include "engine.h"

#define MS_INTRO	"This report relates to a message you sent"

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { INTRO };

static const char *const phrases[] = {
	[INTRO] = MS_INTRO,
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
messagingserver_detect(const struct msgview *mv)
{
	struct span rcvd;
	int i, score = 0;

	/* Without the introduction no score reaches 50. */
	if (!mv_marker(mv, &markers, INTRO, 512))
		return 0;
	score = 50;
	if (span_ifind(mv_header(mv, "Content-Type"), "Boundary_(ID_") != NULL)
		score += 20;
	for (i = 0; i < 8; i++) {
		if ((rcvd = mv_header_nth(mv, "Received", i)).len == 0)
			break;
		if (span_ifind(rcvd, "Messaging Server") != NULL) {
			score += 20;
			break;
		}
	}
	return score >= 50 ? score : 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, INTRO),
	GATE_DONE,
};

struct ms_block {
	struct span addr, orig, reason, diag, remote;
};

static struct span
ms_value(struct span t, size_t label)
{
	return span_trim(span_make(t.p + label, t.len - label));
}

/* "smtp;550 ..." and "dns;mx.example.org (...)": drop the type. */
static struct span
ms_untype(struct span v)
{
	const char *semi = memchr(v.p, ';', v.len);

	if (semi != NULL && semi - v.p < 12)
		v = span_trim(span_make(semi + 1, (size_t)(v.p + v.len - semi - 1)));
	return v;
}

static size_t
ms_read(const struct msgview *mv, struct ms_block *blk, size_t max)
{
	struct span line, t;
	size_t pos = 0, n = 0;
	struct ms_block *b = NULL;

	while (span_next_line(mv->body, &pos, &line)) {
		t = span_trim(line);
		if (span_istarts(t, "Recipient address:")) {
			if (n == max)
				break;
			b = &blk[n++];
			memset(b, 0, sizeof(*b));
			b->addr = ms_value(t, 18);
			b->orig = b->reason = b->diag = b->remote = SPAN_EMPTY;
		} else if (b == NULL)
			continue;
		else if (span_istarts(t, "Original address:"))
			b->orig = ms_value(t, 17);
		else if (span_istarts(t, "Reason:"))
			b->reason = ms_value(t, 7);
		else if (span_istarts(t, "Diagnostic code:"))
			b->diag = ms_untype(ms_value(t, 16));
		else if (span_istarts(t, "Remote system:")) {
			struct span v = ms_untype(ms_value(t, 14));
			const char *sp = memchr(v.p, ' ', v.len);

			b->remote = sp != NULL ? span_make(v.p, (size_t)(sp - v.p)) : v;
		}
	}
	return n;
}

/* "@mx.example.net:bob@server" is a route; the address is after ':'. */
static struct span
ms_address(struct span a)
{
	const char *colon;

	if (a.len > 0 && a.p[0] == '@' && (colon = memchr(a.p, ':', a.len)) != NULL)
		a = span_make(colon + 1, (size_t)(a.p + a.len - colon - 1));
	return addr_find(a);
}

static void
ms_fill(struct bounce_report *r, struct bounce_recipient *rc, const struct ms_block *b)
{
	if (rc->diagnostic[0] == '\0')
		REPORT_SET(r, rc->diagnostic, b->diag.len > 0 ? b->diag : b->reason);
	if (rc->remote_mta[0] == '\0' && b->remote.len > 0)
		REPORT_SET(r, rc->remote_mta, b->remote);
	if (rc->original_recipient[0] == '\0' && b->orig.len > 0)
		REPORT_SET(r, rc->original_recipient, addr_find(b->orig));
}

static size_t
messagingserver_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct ms_block blk[32];
	size_t i, n = ms_read(mv, blk, 32), found = 0;

	for (i = 0; i < n; i++) {
		struct bounce_recipient *rc;
		struct span a = ms_address(blk[i].addr);

		/* An internal host ("bob@server") says less than the original. */
		if (memchr(a.p + 1, '.', a.len - 1) == NULL && blk[i].orig.len > 0)
			a = addr_find(blk[i].orig);
		if (a.len == 0 || report_find_recipient(r, a) != NULL ||
		    (rc = report_add_recipient(r, mv->limits)) == NULL)
			continue;
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->action, SPAN_LIT("failed"));
		ms_fill(r, rc, &blk[i]);
		found++;
	}
	return found;
}

static void
messagingserver_refine(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct ms_block blk[32];
	size_t i, k, n = ms_read(mv, blk, 32);

	for (i = 0; i < r->nrcpt; i++) {
		struct bounce_recipient *rc = &r->rcpt[i];
		const struct ms_block *b = NULL;
		const char *at = strchr(rc->recipient, '@');
		struct span a;

		for (k = 0; k < n && b == NULL; k++)
			if (span_ieq(blk[k].addr, rc->recipient) ||
			    span_ieq(ms_address(blk[k].addr), rc->recipient))
				b = &blk[k];
		if (rc->recipient[0] == '@' || at == NULL || strchr(at, '.') == NULL) {
			/* A route or an internal host: the original address is
			 * the one the sender knows. */
			a = addr_find(span_make(rc->original_recipient, strlen(rc->original_recipient)));
			if (a.len == 0)
				a = ms_address(span_make(rc->recipient, strlen(rc->recipient)));
			if (a.len > 0)
				REPORT_SET(r, rc->recipient, a);
		}
		if (b != NULL)
			ms_fill(r, rc, b);
	}
}

const struct vendor_module vendor_messagingserver = {
	.name = "messagingserver",
	.gate = gate,
	.markers = &markers,
	.detect = messagingserver_detect,
	.parse = messagingserver_parse,
	.refine = messagingserver_refine,
};
