/*
 * json.c - a report as one line of JSON.
 *
 * Written straight into one growing buffer: the shape is fixed, so a tree
 * of library objects (built, hashed, walked, freed) would only cost time
 * on every message. The key set is the contract of `bouncediag --json`
 * and the milter's event log; keep it in step with bouncediag(1).
 * Strings are escaped per RFC 8259; report strings are valid UTF-8
 * already, the source path is repaired first.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "engine.h"

struct jbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	bool	 failed;
};

static void
jb_grow(struct jbuf *b, size_t more)
{
	size_t cap;
	char *n;

	/* 4 KB holds most reports whole, with the room made for escapes. */
	for (cap = b->cap ? b->cap : 4096; cap - b->len <= more; cap *= 2)
		if (cap > SIZE_MAX / 4) {
			b->failed = true;
			return;
		}
	if ((n = realloc(b->p, cap)) == NULL) {
		b->failed = true;
		return;
	}
	b->p = n;
	b->cap = cap;
}

/* Room for more bytes; the call is rare, the test is on every write. */
static inline void
jb_reserve(struct jbuf *b, size_t more)
{
	if (!b->failed && b->cap - b->len <= more)
		jb_grow(b, more);
}

static void
jb_raw(struct jbuf *b, const char *s, size_t len)
{
	jb_reserve(b, len);
	if (b->failed)
		return;
	memcpy(b->p + b->len, s, len);
	b->len += len;
}

#define JB_LIT(b, lit)	jb_raw((b), (lit), sizeof(lit) - 1)

#define ONES	UINT64_C(0x0101010101010101)
#define HIGHS	UINT64_C(0x8080808080808080)

/* Does any of the eight bytes at p need escaping: a control character,
 * '"', '\\' or DEL? (The bit tricks are exact for "any byte below n"
 * and "any byte zero".) */
#ifndef __SSE2__
static bool
needs_escape8(const char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return (((w - ONES * 0x20) & ~w & HIGHS) |
	    (((w ^ (ONES * '"')) - ONES) & ~(w ^ (ONES * '"')) & HIGHS) |
	    (((w ^ (ONES * '\\')) - ONES) & ~(w ^ (ONES * '\\')) & HIGHS) |
	    (((w ^ (ONES * 0x7F)) - ONES) & ~(w ^ (ONES * 0x7F)) & HIGHS)) != 0;
}
#endif

#ifdef __SSE2__
/* Which of the sixteen bytes at p need escaping (as bits): the same
 * question for sixteen bytes at once. */
static inline unsigned
escapes16(const char *p)
{
	__m128i w = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* Below 0x20: the unsigned minimum with 0x1F is the byte itself. */
	__m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(w, _mm_set1_epi8(0x1F)), w);
	__m128i quote = _mm_cmpeq_epi8(w, _mm_set1_epi8('"'));
	__m128i bslash = _mm_cmpeq_epi8(w, _mm_set1_epi8('\\'));
	__m128i del = _mm_cmpeq_epi8(w, _mm_set1_epi8(0x7F));

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(ctl, quote),
	    _mm_or_si128(bslash, del)));
}

/* The same for the last left (< 16) bytes of s[0..len), as bits from
 * the first of them: read as the last block of s when s has one, else
 * from a copy padded with a byte that needs no escape. */
static inline unsigned
escapes_tail(const char *s, size_t len, size_t left)
{
	char pad[16];

	if (len >= 16)
		return escapes16(s + len - 16) >> (16 - left);
	memset(pad, 'a', sizeof(pad));
	memcpy(pad, s + len - left, left);
	return escapes16(pad) & ((1u << left) - 1);
}
#endif

/* A JSON string of len bytes, quotes, backslashes and control
 * characters escaped, into room the caller made for the worst case
 * (every byte as \u00XX, and the quotes: len * 6 + 2). */
static void
jb_string_in(struct jbuf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *o = b->p + b->len;
	size_t i;

	*o++ = '"';
	for (i = 0; i < len; i++) {
		unsigned char c;

#ifdef __SSE2__
		/* Sixteen bytes at a time up to the first that needs
		 * escaping (the room made covers a whole block), the last
		 * few as one block too: most values are short. */
		for (;;) {
			size_t left = len - i, n;
			unsigned m;

			if (left >= 16) {
				m = escapes16(s + i);
				n = m != 0 ? (size_t)__builtin_ctz(m) : 16;
				memcpy(o, s + i, 16);
			} else {
				m = escapes_tail(s, len, left);
				n = m != 0 ? (size_t)__builtin_ctz(m) : left;
				memcpy(o, s + i, n);
			}
			o += n;
			i += n;
			if (m != 0 || i == len)
				break;
		}
#else
		/* Eight bytes at a time while none needs escaping. */
		while (i + 8 <= len && !needs_escape8(s + i)) {
			memcpy(o, s + i, 8);
			o += 8;
			i += 8;
		}
#endif
		if (i == len)
			break;
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F) {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"':
			*o++ = '"';
			break;
		case '\\':
			*o++ = '\\';
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '\t':
			*o++ = 't';
			break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[c >> 4];
			o[4] = hex[c & 0xF];
			o += 5;
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

/* A member: head is its start as a literal, ',"key":' (or '{"key":'),
 * then the value as a string; room for all of it is made once. Inline,
 * so that the head, of a length known where it is written, is copied
 * by a few moves instead of a call of memcpy(). */
static inline __attribute__((always_inline)) void
jb_member(struct jbuf *b, const char *head, size_t hlen, const char *val)
{
	size_t vlen;

	val = val != NULL ? val : "";
	/* Most members of a recipient are empty: no call for those. */
	vlen = val[0] != '\0' ? strlen(val) : 0;
	if (vlen > (SIZE_MAX - 2) / 6 - hlen) {
		b->failed = true;
		return;
	}
	jb_reserve(b, hlen + vlen * 6 + 2);
	if (b->failed)
		return;
	memcpy(b->p + b->len, head, hlen);
	b->len += hlen;
	jb_string_in(b, val, vlen);
}

#define JB_MEMBER(b, head, val)	jb_member((b), (head), sizeof(head) - 1, (val))

static void
jb_bool(struct jbuf *b, const char *head, size_t hlen, bool val)
{
	jb_raw(b, head, hlen);
	if (val)
		JB_LIT(b, "true");
	else
		JB_LIT(b, "false");
}

#define JB_BOOL(b, head, val)	jb_bool((b), (head), sizeof(head) - 1, (val))

static void
recipient_json(struct jbuf *b, const struct bounce_recipient *rc)
{
	JB_MEMBER(b, "{\"recipient\":", rc->recipient);
	JB_MEMBER(b, ",\"original_recipient\":", rc->original_recipient);
	JB_MEMBER(b, ",\"action\":", rc->action);
	JB_MEMBER(b, ",\"status\":", rc->status);
	JB_MEMBER(b, ",\"reply_code\":", rc->reply_code);
	JB_MEMBER(b, ",\"command\":", rc->command);
	JB_MEMBER(b, ",\"remote_mta\":", rc->remote_mta);
	JB_MEMBER(b, ",\"diagnostic_type\":", rc->diagnostic_type);
	JB_MEMBER(b, ",\"diagnostic\":", rc->diagnostic);
	JB_MEMBER(b, ",\"component\":", rc->component);
	JB_MEMBER(b, ",\"reason\":", rc->reason);
	JB_MEMBER(b, ",\"category\":", rc->category);
	JB_BOOL(b, ",\"hard\":", rc->hard);
	JB_BOOL(b, ",\"temporary\":", rc->temporary);
	JB_MEMBER(b, ",\"owner\":", rc->owner);
	JB_MEMBER(b, ",\"summary\":", rc->summary);
	JB_MEMBER(b, ",\"fix\":", rc->fix);
	JB_MEMBER(b, ",\"feedback_type\":", rc->feedback_type);
	JB_LIT(b, "}");
}

/* The source path as JSON needs valid UTF-8 without CR: cleaned only
 * when it is not so already (a temporary arena just for that). */
static bool
source_clean(const char *s, size_t len)
{
	return memchr(s, '\r', len) == NULL && utf8_valid(s, len);
}

char *
bounce_report_json(const struct bounce_report *r, const char *source,
		   const char *queue_id, time_t when)
{
	struct jbuf b = { 0 };
	struct arena *tmp = NULL;
	size_t i, slen;
	bool clean;

	source = source != NULL ? source : "";
	slen = strlen(source);
	clean = source_clean(source, slen);
	if ((!clean || queue_id != NULL) && (tmp = arena_new()) == NULL)
		return NULL;
	JB_MEMBER(&b, "{\"source\":", clean ? source :
	    text_clean_utf8(tmp, span_make(source, slen)).p);
	if (queue_id != NULL)
		JB_MEMBER(&b, ",\"queue_id\":",
		    text_field(tmp, span_make(queue_id, strlen(queue_id))));
	if (when != 0) {
		char buf[32];
		struct tm tm;

		gmtime_r(&when, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		JB_MEMBER(&b, ",\"time\":", buf);
	}
	JB_MEMBER(&b, ",\"kind\":", bounce_kind_name(r->kind));
	JB_MEMBER(&b, ",\"vendor\":", r->vendor);
	JB_MEMBER(&b, ",\"reporting_mta\":", r->reporting_mta);
	JB_MEMBER(&b, ",\"forwarded_by\":", r->forwarded_by);
	JB_MEMBER(&b, ",\"original\":{\"message_id\":", r->original.message_id);
	JB_MEMBER(&b, ",\"from\":", r->original.from);
	JB_MEMBER(&b, ",\"to\":", r->original.to);
	JB_MEMBER(&b, ",\"subject\":", r->original.subject);
	JB_LIT(&b, "}");
	JB_BOOL(&b, ",\"truncated\":", r->truncated);
	JB_LIT(&b, ",\"recipients\":[");
	for (i = 0; i < r->nrcpt; i++) {
		if (i > 0)
			JB_LIT(&b, ",");
		recipient_json(&b, &r->rcpt[i]);
	}
	JB_LIT(&b, "]}");
	jb_raw(&b, "", 1);	/* the terminating NUL */
	arena_free(tmp);
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
