/*
 * html.c - the text of an HTML part, for reports that send only HTML.
 *
 * Not a renderer: tags go, block ends become line ends, style and script
 * bodies are dropped, the common entities are decoded. Enough to read
 * "Remote Server returned ..." out of an Exchange report.
 */
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "engine.h"
#include "html.h"

static const struct {
	const char *name;
	const char *text;
} entities[] = {
	{ "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" },
	{ "apos", "'" }, { "nbsp", " " }, { "#39", "'" },
};

/* Does p (len bytes) start with lit (lower case), ASCII
 * case-insensitively? */
static bool
starts_ci(const char *p, size_t len, const char *lit)
{
	size_t i;

	for (i = 0; lit[i] != '\0'; i++)
		if (i == len || ascii_tolower((unsigned char)p[i]) != (unsigned char)lit[i])
			return false;
	return true;
}

/* Does the tag at p (after '<') open or close a block element? Its name
 * is read once and compared by length, not tried against every name. */
static bool
tag_breaks_line(const char *p, size_t len)
{
	static const char *const block[] = {
		"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "table", "pre", "hr",
	};
	size_t k, n;

	if (len > 0 && p[0] == '/') {
		p++;
		len--;
	}
	/* A name is letters and digits; the longest listed is five. */
	for (n = 0; n < len && n <= 5 && ascii_isalnum((unsigned char)p[n]); n++)
		;
	if (n == 0 || n > 5)
		return false;
	for (k = 0; k < sizeof(block) / sizeof(block[0]); k++)
		if (strlen(block[k]) == n && starts_ci(p, n, block[k]))
			return true;
	return false;
}

static size_t
put_codepoint(char *o, unsigned long cp)
{
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

struct span
html_to_text(struct arena *a, struct span h)
{
	/* Output never exceeds input: every construct shrinks or stays. A
	 * numeric entity "&#N;" is at least 4 bytes for at most 4 out. */
	char *out = arena_alloc_raw(a, h.len + 1), *o;
	size_t i = 0, k;
	bool in_pre = false;	/* line ends inside <pre> are the text's own */

	if (out == NULL)
		return SPAN_EMPTY;
	o = out;
	while (i < h.len) {
		char c = h.p[i];

		/* Most bytes are text that stays as it is. */
		if (c != '<' && c != '&' && c != '\r' && c != '\n') {
			*o++ = c;
			i++;
			continue;
		}
		if (c == '<') {
			const char *end = memchr(h.p + i, '>', h.len - i);
			size_t tlen;

			if (end == NULL)
				break;
			tlen = (size_t)(end - (h.p + i + 1));
			if (starts_ci(h.p + i + 1, tlen, "style") ||
			    starts_ci(h.p + i + 1, tlen, "script")) {
				const char *close = mem_ifind(end, h.len - (size_t)(end - h.p),
				    h.p[i + 2] == 't' || h.p[i + 2] == 'T' ? "</style" : "</script",
				    h.p[i + 2] == 't' || h.p[i + 2] == 'T' ? 7 : 8);

				if (close == NULL)
					break;
				end = memchr(close, '>', h.len - (size_t)(close - h.p));
				if (end == NULL)
					break;
			} else {
				if (starts_ci(h.p + i + 1, tlen, "pre") &&
				    (tlen == 3 || !ascii_isalnum((unsigned char)h.p[i + 4])))
					in_pre = true;
				else if (starts_ci(h.p + i + 1, tlen, "/pre"))
					in_pre = false;
				if (tag_breaks_line(h.p + i + 1, tlen))
					*o++ = '\n';
			}
			i = (size_t)(end - h.p) + 1;
			continue;
		}
		if (c == '&') {
			const char *semi = memchr(h.p + i, ';', h.len - i < 10 ? h.len - i : 10);

			if (semi != NULL) {
				struct span name = span_make(h.p + i + 1, (size_t)(semi - h.p) - i - 1);
				size_t used = (size_t)(semi - h.p) + 1 - i;

				if (name.len > 1 && name.p[0] == '#') {
					char num[12];
					unsigned long cp;
					bool hex = name.p[1] == 'x' || name.p[1] == 'X';
					size_t nl = name.len - (hex ? 2 : 1);

					if (nl > 0 && nl < sizeof(num)) {
						memcpy(num, name.p + (hex ? 2 : 1), nl);
						num[nl] = '\0';
						cp = strtoul(num, NULL, hex ? 16 : 10);
						if (put_codepoint(o, cp) <= used) {
							o += put_codepoint(o, cp);
							i += used;
							continue;
						}
					}
				}
				for (k = 0; k < sizeof(entities) / sizeof(entities[0]); k++)
					if (span_ieq(name, entities[k].name)) {
						*o++ = entities[k].text[0];
						i += used;
						break;
					}
				if (k < sizeof(entities) / sizeof(entities[0]))
					continue;
			}
		}
		if (c == '\r' && in_pre)
			c = '\n';
		else if (c == '\r' || (c == '\n' && !in_pre))
			c = ' ';
		if (c == '\n' && o > out && o[-1] == '\n' && i > 0 && h.p[i - 1] == '\r')
			;	/* CRLF inside <pre>: one line end */
		else
			*o++ = c;
		i++;
	}
	*o = '\0';
	return span_make(out, (size_t)(o - out));
}
