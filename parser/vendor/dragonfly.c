/*
 * dragonfly.c - bounces of the DragonFly Mail Agent (dma).
 *
 * dma writes one paragraph per failed recipient:
 *
 *	This is the DragonFly Mail Agent v0.13 at host.example.com.
 *
 *	There was an error delivering your mail to <bob@example.org>.
 *
 *	mx.example.org [192.0.2.1] did not like our RCPT TO:
 *	550 5.1.1 <bob@example.org>: Recipient address rejected
 *
 *	Original message follows.	(or: Message headers follow.)
 *
 * or, instead of the server's words, its own ("Could not deliver for the
 * last 432000 seconds. Giving up.").
 */
#include <string.h>

#include "engine.h"

#define DMA_BANNER	"This is the DragonFly Mail Agent"
#define DMA_RCPT	"There was an error delivering your mail to"
#define DMA_SAID	" did not like our "

static const char *const dma_returned[] = {
	"Original message follows.", "Message headers follow.", NULL,
};

/* Phrases detect() asks about (found for all modules in one pass, vendor.c). */
enum { BANNER };

static const char *const phrases[] = {
	[BANNER] = DMA_BANNER,
	NULL,
};

static struct vendor_markers markers = { .phrase = phrases };

static int
dragonfly_detect(const struct msgview *mv)
{
	struct span rcvd;
	int i, score = 0;

	/* Without the banner no score reaches 55: ask it first. */
	if (!mv_marker(mv, &markers, BANNER, 512))
		return 0;
	for (i = 0; i < 16; i++) {
		rcvd = mv_header_nth(mv, "Received", i);
		if (rcvd.len == 0)
			break;
		if (span_ifind(rcvd, "(DragonFly Mail Agent") != NULL) {
			score = 40;
			break;
		}
	}
	return score + 55;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_PHRASE(&markers, BANNER),
	GATE_DONE,
};

static void
dma_finish(struct bounce_report *r, struct bounce_recipient *rc,
	   const char *s, const char *e)
{
	if (rc != NULL && s != NULL && e > s)
		REPORT_SET(r, rc->diagnostic, span_make(s, (size_t)(e - s)));
}

static size_t
dragonfly_parse(struct msgview *mv)
{
	static const char *const banner[] = { DMA_BANNER, NULL };
	struct bounce_report *r = mv->report;
	struct bounce_recipient *rc = NULL;
	struct span region, line, t;
	const char *ds = NULL, *de = NULL, *hit;
	size_t pos = 0, found = 0;

	region = text_region(mv->body, banner, dma_returned);
	while (span_next_line(region, &pos, &line)) {
		t = span_trim(line);
		if (span_istarts(t, DMA_RCPT)) {
			struct span a = addr_find(span_make(t.p + strlen(DMA_RCPT),
			    t.len - strlen(DMA_RCPT)));

			dma_finish(r, rc, ds, de);
			rc = NULL;
			ds = de = NULL;
			if (a.len == 0)
				continue;
			if ((rc = textscan_add_failed(mv, a)) == NULL)
				break;
			found++;
			continue;
		}
		if (rc == NULL || t.len == 0)
			continue;
		if ((hit = span_ifind(t, DMA_SAID)) != NULL && ds == NULL) {
			/* "host [ip] did not like our RCPT TO:" names the host
			 * and the command; the reply follows. */
			struct span host = span_make(t.p, (size_t)(hit - t.p));
			const char *sp = memchr(host.p, ' ', host.len);
			const char *cmd;

			if (sp != NULL)
				host.len = (size_t)(sp - host.p);
			REPORT_SET(r, rc->remote_mta, host);
			hit += strlen(DMA_SAID);
			cmd = smtp_command_word(span_make(hit, (size_t)(t.p + t.len - hit)));
			if (cmd != NULL)
				REPORT_SET(r, rc->command, span_make(cmd, strlen(cmd)));
			continue;
		}
		if (ds == NULL)
			ds = t.p;
		de = t.p + t.len;
	}
	dma_finish(r, rc, ds, de);
	if (found > 0 && mv->returned.len == 0)
		mv->returned = text_region(mv->body, dma_returned, NULL);
	return found;
}

const struct vendor_module vendor_dragonfly = {
	.name = "dragonfly",
	.gate = gate,
	.markers = &markers,
	.detect = dragonfly_detect,
	.parse = dragonfly_parse,
};
