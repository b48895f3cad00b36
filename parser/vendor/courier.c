/*
 * courier.c - Courier MTA delivery status notifications.
 *
 *	This is a delivery status notification from mx.example.com,
 *	running the Courier mail server, version 0.65.2.
 *	...
 *	Your message to the following recipients cannot be delivered:
 *
 *	<bob@example.org>:
 *	    mx.example.org [192.0.2.1]:
 *	>>> RCPT TO:<bob@example.org>
 *	<<< 550 5.1.1 <bob@example.org>... User unknown
 *
 * (a delay notice says "has not been delivered yet" / "delayed"). The
 * DSN part usually carries the same; the text adds the SMTP command.
 */
#include <string.h>

#include "engine.h"

#define CR_BANNER	"running the Courier mail server"

static const char *const cr_start[] = {
	"following recipients cannot be delivered", "following recipients:",
	"has not been delivered", NULL,
};
static const char *const cr_end[] = { "-------------------------", NULL };

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { BANNER };

static const char *const phrases[] = {
	[BANNER] = CR_BANNER,
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
courier_detect(const struct msgview *mv)
{
	int score = 0;

	if (mv_marker(mv, &markers, BANNER, 512))
		score = 75;
	if (score == 0 && span_ifind(mv_header(mv, "Content-Type"), "=_courier_") != NULL)
		score = 50;
	if (score > 0 && span_istarts(span_trim(mv_header(mv, "Subject")), "NOTICE: mail delivery status"))
		score += 15;
	return score;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, BANNER),
	GATE_HAS("Content-Type", "=_courier_"),
	GATE_DONE,
};

struct cr_block {
	struct span addr, host, reply;
	const char *command;
};

static size_t
cr_read(const struct msgview *mv, struct cr_block *blk, size_t max)
{
	struct span region = text_region(mv->body, cr_start, cr_end), line, t, a;
	struct cr_block *b = NULL;
	size_t pos = 0, n = 0;

	while (span_next_line(region, &pos, &line)) {
		t = span_trim(line);
		if (t.len > 2 && t.p[0] == '<' && t.p[t.len - 1] == ':' &&
		    (a = addr_find(t)).len > 0) {
			if (n == max)
				break;
			b = &blk[n++];
			b->addr = a;
			b->host = b->reply = SPAN_EMPTY;
			b->command = NULL;
			continue;
		}
		if (b == NULL || t.len == 0)
			continue;
		if (span_istarts(t, ">>>"))
			b->command = smtp_command_word(span_trim(span_make(t.p + 3,
			    t.len - 3)));
		else if (span_istarts(t, "<<<")) {
			struct span v = span_trim(span_make(t.p + 3, t.len - 3));

			if (b->reply.len == 0)
				b->reply = v;
			else
				b->reply.len = (size_t)(v.p + v.len - b->reply.p);
		} else if (b->reply.len == 0 && b->host.len == 0) {
			const char *sp = memchr(t.p, ' ', t.len);

			b->host = sp != NULL ? span_make(t.p, (size_t)(sp - t.p)) : t;
			while (b->host.len > 0 && b->host.p[b->host.len - 1] == ':')
				b->host.len--;
		} else if (b->reply.len == 0)
			b->reply = t;
	}
	return n;
}

static void
cr_fill(struct bounce_report *r, struct bounce_recipient *rc, const struct cr_block *b)
{
	if (rc->diagnostic[0] == '\0' && b->reply.len > 0)
		REPORT_SET(r, rc->diagnostic, b->reply);
	if (rc->command[0] == '\0' && b->command != NULL)
		REPORT_SET(r, rc->command, span_make(b->command, strlen(b->command)));
	if (rc->remote_mta[0] == '\0' && b->host.len > 0 && memchr(b->host.p, '.', b->host.len) != NULL)
		REPORT_SET(r, rc->remote_mta, b->host);
}

static size_t
courier_parse(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct cr_block blk[32];
	size_t i, n = cr_read(mv, blk, 32), found = 0;
	bool delayed = span_ifind(mv->body, "has not been delivered yet") != NULL ||
	    span_ifind(mv->body, "DELAYED MAIL") != NULL;

	for (i = 0; i < n; i++) {
		struct bounce_recipient *rc;

		if (report_find_recipient(r, blk[i].addr) != NULL ||
		    (rc = report_add_recipient(r, mv->limits)) == NULL)
			continue;
		REPORT_SET(r, rc->recipient, blk[i].addr);
		REPORT_SET(r, rc->action, delayed ? SPAN_LIT("delayed") : SPAN_LIT("failed"));
		cr_fill(r, rc, &blk[i]);
		found++;
	}
	return found;
}

static void
courier_refine(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct cr_block blk[32];
	size_t i, k, n = cr_read(mv, blk, 32);

	for (i = 0; i < r->nrcpt; i++)
		for (k = 0; k < n; k++)
			if (span_ieq(blk[k].addr, r->rcpt[i].recipient)) {
				cr_fill(r, &r->rcpt[i], &blk[k]);
				break;
			}
}

const struct vendor_module vendor_courier = {
	.name = "courier",
	.gate = gate,
	.markers = &markers,
	.detect = courier_detect,
	.parse = courier_parse,
	.refine = courier_refine,
};
