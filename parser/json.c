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

#include "engine.h"

struct jbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	bool	 failed;
};

static void
jb_reserve(struct jbuf *b, size_t more)
{
	size_t cap;
	char *n;

	if (b->failed || b->cap - b->len > more)
		return;
	for (cap = b->cap ? b->cap : 1024; cap - b->len <= more; cap *= 2)
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

		/* Eight bytes at a time while none needs escaping. */
		while (i + 8 <= len && !needs_escape8(s + i)) {
			memcpy(o, s + i, 8);
			o += 8;
			i += 8;
		}
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

/* ,"key":"value" (or {"key":... when first): room for all of it is made
 * once. */
static void
jb_member(struct jbuf *b, bool first, const char *key, const char *val)
{
	size_t klen = strlen(key), vlen;

	val = val != NULL ? val : "";
	vlen = strlen(val);
	if (vlen > (SIZE_MAX - 2) / 6 - klen - 4) {
		b->failed = true;
		return;
	}
	jb_reserve(b, klen + 4 + vlen * 6 + 2);
	if (b->failed)
		return;
	memcpy(b->p + b->len, first ? "{\"" : ",\"", 2);
	memcpy(b->p + b->len + 2, key, klen);
	memcpy(b->p + b->len + 2 + klen, "\":", 2);
	b->len += klen + 4;
	jb_string_in(b, val, vlen);
}

static void
jb_bool(struct jbuf *b, const char *key, bool val)
{
	JB_LIT(b, ",\"");
	jb_raw(b, key, strlen(key));
	if (val)
		JB_LIT(b, "\":true");
	else
		JB_LIT(b, "\":false");
}

static void
recipient_json(struct jbuf *b, const struct bounce_recipient *rc)
{
	jb_member(b, true, "recipient", rc->recipient);
	jb_member(b, false, "original_recipient", rc->original_recipient);
	jb_member(b, false, "action", rc->action);
	jb_member(b, false, "status", rc->status);
	jb_member(b, false, "reply_code", rc->reply_code);
	jb_member(b, false, "command", rc->command);
	jb_member(b, false, "remote_mta", rc->remote_mta);
	jb_member(b, false, "diagnostic_type", rc->diagnostic_type);
	jb_member(b, false, "diagnostic", rc->diagnostic);
	jb_member(b, false, "component", rc->component);
	jb_member(b, false, "reason", rc->reason);
	jb_member(b, false, "category", rc->category);
	jb_bool(b, "hard", rc->hard);
	jb_bool(b, "temporary", rc->temporary);
	jb_member(b, false, "owner", rc->owner);
	jb_member(b, false, "summary", rc->summary);
	jb_member(b, false, "fix", rc->fix);
	jb_member(b, false, "feedback_type", rc->feedback_type);
	JB_LIT(b, "}");
}

char *
bounce_report_json(const struct bounce_report *r, const char *source,
		   const char *queue_id, time_t when)
{
	struct jbuf b = { 0 };
	struct arena *tmp;
	size_t i;

	if ((tmp = arena_new()) == NULL)
		return NULL;
	source = source != NULL ? source : "";
	jb_member(&b, true, "source",
	    text_clean_utf8(tmp, span_make(source, strlen(source))).p);
	if (queue_id != NULL)
		jb_member(&b, false, "queue_id",
		    text_field(tmp, span_make(queue_id, strlen(queue_id))));
	if (when != 0) {
		char buf[32];
		struct tm tm;

		gmtime_r(&when, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		jb_member(&b, false, "time", buf);
	}
	jb_member(&b, false, "kind", bounce_kind_name(r->kind));
	jb_member(&b, false, "vendor", r->vendor);
	jb_member(&b, false, "reporting_mta", r->reporting_mta);
	JB_LIT(&b, ",\"original\":");
	jb_member(&b, true, "message_id", r->original.message_id);
	jb_member(&b, false, "from", r->original.from);
	jb_member(&b, false, "to", r->original.to);
	jb_member(&b, false, "subject", r->original.subject);
	JB_LIT(&b, "}");
	jb_bool(&b, "truncated", r->truncated);
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
