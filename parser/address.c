/*
 * address.c - find the email address in a line of a report.
 *
 * Reports write recipients as "rfc822; a@b", "<a@b>", "a@b:" or inside a
 * sentence. We take the first token that has a local part, an '@' and a
 * domain with a dot or a bracketed literal, and strip the decoration.
 */
#include <ctype.h>
#include <string.h>

#include "engine.h"

static bool
addr_char(unsigned char c)
{
	/* RFC 5322 atext plus '.', and UTF-8 bytes for SMTPUTF8 addresses. */
	return isalnum(c) || c >= 0x80 || strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

static bool
domain_char(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || c == '-' || c == '.' || c == '_' ||
	    c == '[' || c == ']' || c == ':';
}

bool
addr_looks_valid(struct span a)
{
	const char *at;
	size_t local, dom;

	if (a.len < 3 || a.len > 320)
		return false;
	if ((at = memchr(a.p, '@', a.len)) == NULL)
		return false;
	local = (size_t)(at - a.p);
	dom = a.len - local - 1;
	return local > 0 && local <= 64 && dom > 0 && memchr(at + 1, '@', dom) == NULL;
}

/* In prose, "error@line 3" is not an address: a domain found in text has
 * a dot, is an address literal, or is the local host. */
static bool
domain_plausible(struct span a)
{
	const char *at = memchr(a.p, '@', a.len);
	struct span d = span_make(at + 1, a.len - (size_t)(at + 1 - a.p));

	return memchr(d.p, '.', d.len) != NULL || d.p[0] == '[' || span_ieq(d, "localhost");
}

struct span
addr_find(struct span s)
{
	size_t i;

	for (i = 0; i < s.len; i++) {
		size_t start, end;

		if (s.p[i] != '@')
			continue;
		start = i;
		while (start > 0 && addr_char((unsigned char)s.p[start - 1]))
			start--;
		/* A quoted local part: "john doe"@example.com */
		if (start == i && i > 0 && s.p[i - 1] == '"') {
			const char *q = NULL;
			size_t j;

			for (j = i - 1; j > 0; j--)
				if (s.p[j - 1] == '"') {
					q = s.p + j - 1;
					break;
				}
			if (q != NULL)
				start = (size_t)(q - s.p);
		}
		end = i + 1;
		while (end < s.len && domain_char((unsigned char)s.p[end]))
			end++;
		/* Sentences end with a dot; addresses do not. */
		while (end > i + 1 && (s.p[end - 1] == '.' || s.p[end - 1] == ':'))
			end--;
		/* Quotes and dots around an address are punctuation. */
		while (start < i && (s.p[start] == '.' || s.p[start] == '\''))
			start++;
		while (end > i + 1 && s.p[end - 1] == '\'')
			end--;
		if (start < i && end > i + 1) {
			struct span a = span_make(s.p + start, end - start);

			if (addr_looks_valid(a) && domain_plausible(a))
				return a;
		}
	}
	return SPAN_EMPTY;
}
