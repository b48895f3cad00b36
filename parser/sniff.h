/*
 * sniff.h - could this message be a report? Decided from the envelope
 * sender and the top-level header fields alone, before any body is read.
 *
 * A filter that sees mail header by header (a milter, a delivery agent)
 * feeds what it has here and lets ordinary mail go without reading its
 * body. The answer errs on the side of "maybe": a false "maybe" costs one
 * bounce_parse(), a false "no" loses a diagnosis: every message the engine
 * calls a report must get a "maybe" (test/unit/sniff_test.c checks it on
 * every golden fixture). Header values are the raw, possibly folded text.
 * Nothing here keeps pointers; only an encoded or 8-bit Subject or From
 * is decoded, in memory freed before the call returns.
 */
#ifndef SNIFF_H
#define SNIFF_H

#include <stdbool.h>
#include <stddef.h>

/* Signs seen so far, one bit each. */
#define SNIFF_NULL_SENDER	0x0001	/* MAIL FROM:<> or MAILER-DAEMON */
#define SNIFF_REPORT_TYPE	0x0002	/* Content-Type: multipart/report ... */
#define SNIFF_AUTO_SUBMITTED	0x0004	/* Auto-Submitted other than "no" */
#define SNIFF_AUTOREPLY_FIELD	0x0008	/* X-Autoreply, Precedence: auto_reply ... */
#define SNIFF_NDR_FIELD		0x0010	/* X-Failed-Recipients, Exchange NDR flag ... */
#define SNIFF_DAEMON_FROM	0x0020	/* From: MAILER-DAEMON, postmaster ... */
#define SNIFF_BOUNCE_SUBJECT	0x0040	/* Subject: Undelivered Mail ... */
#define SNIFF_AUTOREPLY_SUBJECT	0x0080	/* Subject: Automatic reply ... */
#define SNIFF_LIST_SERVER	0x0100	/* X-MLServer: fml (its notices) */

struct bounce_sniff {
	unsigned signs;
};

void	bounce_sniff_init(struct bounce_sniff *);
/* The envelope sender as the MTA gave it: "<>", "", "<a@b>" or "a@b". */
void	bounce_sniff_sender(struct bounce_sniff *, const char *addr, size_t len);
/* One top-level header field (name without colon, raw value). */
void	bounce_sniff_header(struct bounce_sniff *, const char *name, size_t nlen,
			    const char *value, size_t vlen);
/* Any sign at all: the message is worth a bounce_parse(). */
bool	bounce_sniff_maybe_report(const struct bounce_sniff *);
/* The signs as words ("null-sender subject"), for logs; into buf. */
const char *bounce_sniff_describe(const struct bounce_sniff *, char *buf, size_t len);

#endif /* SNIFF_H */
