/*
 * sniff.c - could this message be a report? (see sniff.h)
 *
 * The signs are the ones the engine itself trusts, read from header
 * fields only, with the engine's own word lists (words.c), so that a
 * message the engine would diagnose is never let through unread. A sign
 * is a bit; the verdict is "any bit set". Matching is ASCII
 * case-insensitive on the raw value; a Subject or From that carries
 * RFC 2047 encoded words or 8-bit text that is not UTF-8 is decoded the
 * engine's way first, as it would be for the engine.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "sniff.h"
#include "words.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* Bytes of a Subject or From decoded: far more than any report's words
 * need, and a bound on the work a hostile header can cause. */
#define SNIFF_DECODE_MAX	2048

static const char *const sign_names[] = {
	"null-sender", "report-type", "auto-submitted", "autoreply-field",
	"ndr-field", "daemon-from", "bounce-subject", "autoreply-subject",
	"list-server",
};

static bool
name_is(const char *name, size_t nlen, const char *want)
{
	return strlen(want) == nlen && strncasecmp(name, want, nlen) == 0;
}

static unsigned
subject_signs(struct span v)
{
	unsigned signs = 0;

	if (words_match(WORDS_BOUNCE_SUBJECT, v))
		signs |= SNIFF_BOUNCE_SUBJECT;
	if (words_match(WORDS_AUTOREPLY_SUBJECT, v))
		signs |= SNIFF_AUTOREPLY_SUBJECT;
	return signs;
}

static unsigned
from_signs(struct span v)
{
	return words_match(WORDS_DAEMON_SENDER, v) ? SNIFF_DAEMON_FROM : 0;
}

/*
 * The signs of v as the engine will read it. Most values need no
 * decoding and cost one pass; an encoded or 8-bit one that shows no
 * sign raw is decoded (bounded) in an arena of its own.
 */
static unsigned
decoded_signs(struct span v, unsigned (*signs_of)(struct span))
{
	struct arena *a;
	unsigned signs = signs_of(v);

	if (signs != 0 || v.len == 0)
		return signs;
	if (v.len > SNIFF_DECODE_MAX)
		v.len = SNIFF_DECODE_MAX;
	if (mem_ifind(v.p, v.len, "=?", 2) == NULL && utf8_valid(v.p, v.len))
		return 0;
	if ((a = arena_new()) == NULL)
		return 0;
	signs = signs_of(span_trim(mime_decode_header(a, v)));
	arena_free(a);
	return signs;
}

void
bounce_sniff_init(struct bounce_sniff *sn)
{
	sn->signs = 0;
}

void
bounce_sniff_sender(struct bounce_sniff *sn, const char *addr, size_t len)
{
	if (words_null_sender(span_make(addr, len)))
		sn->signs |= SNIFF_NULL_SENDER;
}

void
bounce_sniff_header(struct bounce_sniff *sn, const char *name, size_t nlen,
		    const char *value, size_t vlen)
{
	struct span v = span_trim(span_make(value, vlen));

	if (name_is(name, nlen, "Subject")) {
		sn->signs |= decoded_signs(v, subject_signs);
	} else if (name_is(name, nlen, "From") || name_is(name, nlen, "Sender")) {
		sn->signs |= decoded_signs(v, from_signs);
	} else if (name_is(name, nlen, "Content-Type")) {
		if (words_match(WORDS_REPORT_TYPE, v))
			sn->signs |= SNIFF_REPORT_TYPE;
	} else if (name_is(name, nlen, "Auto-Submitted")) {
		if (v.len > 0 && !span_istarts(v, "no"))
			sn->signs |= SNIFF_AUTO_SUBMITTED;
	} else if (name_is(name, nlen, "Precedence")) {
		if (span_ieq(v, "auto_reply"))
			sn->signs |= SNIFF_AUTOREPLY_FIELD;
	} else if (name_is(name, nlen, "X-MLServer")) {
		if (words_match(WORDS_LIST_SERVER, v))
			sn->signs |= SNIFF_LIST_SERVER;
	} else if (name_is(name, nlen, "Return-Path")) {
		bounce_sniff_sender(sn, v.p, v.len);
	} else if (words_match(WORDS_AUTOREPLY_FIELD, span_make(name, nlen))) {
		if (v.len > 0)
			sn->signs |= SNIFF_AUTOREPLY_FIELD;
	} else if (words_match(WORDS_REPORT_FIELD, span_make(name, nlen))) {
		if (v.len > 0 && !span_ieq(v, "false"))
			sn->signs |= SNIFF_NDR_FIELD;
	}
}

bool
bounce_sniff_maybe_report(const struct bounce_sniff *sn)
{
	return sn->signs != 0;
}

const char *
bounce_sniff_describe(const struct bounce_sniff *sn, char *buf, size_t len)
{
	size_t k, used = 0;
	int n;

	if (len == 0)
		return "";
	buf[0] = '\0';
	for (k = 0; k < NITEMS(sign_names); k++) {
		if ((sn->signs & (1u << k)) == 0)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? " " : "", sign_names[k]);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(buf, len, "none");
	return buf;
}
