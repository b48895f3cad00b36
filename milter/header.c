/*
 * header.c - header field values that are safe to hand to an MTA
 * (see header.h).
 *
 * Nothing here trusts its input to be UTF-8, NUL-free or short: each byte
 * is judged on its own and every append is bounded by the buffer.
 */
#include <string.h>
#include <strings.h>

#include "header.h"

/* Characters a parameter value may carry without quotes: atext plus the
 * punctuation of addresses, host names and status codes. */
static const char token_extra[] = "!#$%&'*+-./=?^_`{|}~@:[]";

static bool
is_token_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr(token_extra, c) != NULL);
}

void
hval_init(struct hval *v)
{
	v->len = 0;
	v->full = false;
	v->s[0] = '\0';
}

static void
put(struct hval *v, char c)
{
	if (v->len + 1 >= sizeof(v->s)) {
		v->full = true;
		return;
	}
	v->s[v->len++] = c;
	v->s[v->len] = '\0';
}

static void
puts_lit(struct hval *v, const char *s)
{
	size_t n = strlen(s), room = sizeof(v->s) - 1 - v->len;

	if (n > room) {
		n = room;
		v->full = true;
	}
	memcpy(v->s + v->len, s, n);
	v->len += n;
	v->s[v->len] = '\0';
}

/*
 * Copy text into dst (dstlen > 0) as printable ASCII: controls and blanks
 * become single spaces, a UTF-8 character (or a stray 8-bit byte) becomes
 * one "?", leading and trailing blanks go. At most cap bytes are written.
 */
static size_t
clean(char *dst, size_t dstlen, const char *text, size_t cap)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = 0;
	bool blank = false;

	if (cap > dstlen - 1)
		cap = dstlen - 1;
	for (; *p != '\0' && n < cap; p++) {
		if (*p < ' ' || *p == 127 || *p == ' ') {
			blank = n > 0;
			continue;
		}
		if (*p >= 0x80 && *p < 0xC0)	/* continuation byte */
			continue;
		if (blank) {
			if (n + 1 >= cap)
				break;
			dst[n++] = ' ';
			blank = false;
		}
		dst[n++] = *p >= 0x80 ? '?' : (char)*p;
	}
	dst[n] = '\0';
	return n;
}

void
hval_text(struct hval *v, const char *text, size_t cap)
{
	char tmp[HDR_VALUE_MAX];

	/* Where it fits whole (always, with our caps) it goes straight in. */
	if (cap < sizeof(v->s) - 1 - v->len) {
		v->len += clean(v->s + v->len, sizeof(v->s) - v->len, text, cap);
		return;
	}
	clean(tmp, sizeof(tmp), text, cap);
	puts_lit(v, tmp);
}

void
hval_lit(struct hval *v, const char *lit)
{
	puts_lit(v, lit);
}

static void
param(struct hval *v, const char *key, const char *value, size_t cap, bool angle)
{
	char tmp[HDR_VALUE_MAX];
	size_t n, i;
	bool token = true;

	n = clean(tmp, sizeof(tmp), value, cap);
	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		if (!is_token_char((unsigned char)tmp[i]))
			token = false;
	if (v->len > 0)
		puts_lit(v, "; ");
	puts_lit(v, key);
	put(v, '=');
	if (token) {
		if (angle)
			put(v, '<');
		puts_lit(v, tmp);
		if (angle)
			put(v, '>');
		return;
	}
	put(v, '"');
	for (i = 0; i < n; i++) {
		if (tmp[i] == '"' || tmp[i] == '\\')
			put(v, '\\');
		put(v, tmp[i]);
	}
	put(v, '"');
}

void
hval_param(struct hval *v, const char *key, const char *value, size_t cap)
{
	param(v, key, value, cap, false);
}

void
hval_param_angle(struct hval *v, const char *key, const char *value, size_t cap)
{
	param(v, key, value, cap, true);
}

void
hval_msgid(struct hval *v, const char *id, size_t cap)
{
	char tmp[HDR_VALUE_MAX];
	const char *p;
	size_t n;

	n = clean(tmp, sizeof(tmp), id, cap);
	p = tmp;
	if (n >= 2 && tmp[0] == '<' && tmp[n - 1] == '>') {
		tmp[n - 1] = '\0';
		p++;
		n -= 2;
	}
	if (n == 0 || strchr(p, '@') == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if (!is_token_char((unsigned char)p[i]) || p[i] == '<' || p[i] == '>')
			return;
	put(v, '<');
	puts_lit(v, p);
	put(v, '>');
}

/* Append n bytes to out, bounded; returns the new length. */
static size_t
emit(char *out, size_t outlen, size_t o, const char *s, size_t n)
{
	if (o + n >= outlen)
		n = o < outlen - 1 ? outlen - 1 - o : 0;
	memcpy(out + o, s, n);
	out[o + n] = '\0';
	return o + n;
}

size_t
hdr_fold(const char *value, size_t len, size_t namelen, char *out, size_t outlen)
{
	size_t col = namelen + 2, o = 0, i = 0;
	bool first = true;

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	/* A name that leaves no room on its first line for even one octet
	 * of value cannot make a valid field: give nothing rather than a
	 * line over the limit (and "HDR_LINE_HARD - col" would wrap). */
	if (col + 1 > HDR_LINE_HARD)
		return 0;
	while (i < len) {
		size_t start, wlen;

		while (i < len && value[i] == ' ')
			i++;
		start = i;
		while (i < len && value[i] != ' ')
			i++;
		wlen = i - start;
		if (wlen == 0)
			break;
		if (!first && col + 1 + wlen <= HDR_LINE_SOFT) {
			o = emit(out, outlen, o, " ", 1);
			col++;
		} else if (!first) {
			o = emit(out, outlen, o, "\n\t", 2);
			col = 1;
		}
		first = false;
		/* A word longer than a line is cut where it must be. */
		while (col + wlen > HDR_LINE_HARD) {
			size_t room = HDR_LINE_HARD - col;

			o = emit(out, outlen, o, value + start, room);
			o = emit(out, outlen, o, "\n\t", 2);
			start += room;
			wlen -= room;
			col = 1;
		}
		o = emit(out, outlen, o, value + start, wlen);
		col += wlen;
	}
	return o;
}

bool
hdr_has_prefix(const char *name, const char *prefix)
{
	return strncasecmp(name, prefix, strlen(prefix)) == 0;
}
