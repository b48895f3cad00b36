/*
 * rules_match.c - status and reply code patterns of the rule files.
 *
 * A status pattern is one to three dot-separated parts, each a number or
 * "*"; fewer than three parts must end in "*", which then stands for any
 * rest ("5.*" is every 5.x.y). A reply pattern is three characters, each
 * a digit or "x" ("5xx"). "none" matches an absent code.
 */
#include <stdbool.h>
#include <string.h>

#include "rules.h"

#define STATUS_PARTS	3

/* Split a dotted code into at most max parts; false if there are more
 * or a part is empty. */
static bool
split_parts(const char *s, struct span *part, int max, int *nparts)
{
	int n = 0;
	const char *p = s;

	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot != NULL ? (size_t)(dot - p) : strlen(p);

		if (n == max || len == 0)
			return false;
		part[n++] = span_make(p, len);
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	*nparts = n;
	return true;
}

static bool
part_is_star(struct span s)
{
	return s.len == 1 && s.p[0] == '*';
}

static bool
part_is_number(struct span s)
{
	size_t i;

	if (s.len == 0 || s.len > 3)
		return false;
	for (i = 0; i < s.len; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
	return true;
}

bool
rules_status_pattern_valid(const char *pat)
{
	struct span part[STATUS_PARTS];
	int n, i;

	if (strcmp(pat, "none") == 0)
		return true;
	if (!split_parts(pat, part, STATUS_PARTS, &n))
		return false;
	for (i = 0; i < n; i++)
		if (!part_is_star(part[i]) && !part_is_number(part[i]))
			return false;
	if (!part_is_star(part[0]) &&
	    (part[0].len != 1 || strchr("245", part[0].p[0]) == NULL))
		return false;
	/* "5.7" would be ambiguous: say "5.7.*". */
	return n == STATUS_PARTS || part_is_star(part[n - 1]);
}

bool
rules_status_match(const char *pat, const char *status)
{
	struct span pp[STATUS_PARTS], sp[STATUS_PARTS];
	int np, ns, i;

	if (strcmp(pat, "none") == 0)
		return status[0] == '\0';
	if (status[0] == '\0' || !split_parts(pat, pp, STATUS_PARTS, &np) ||
	    !split_parts(status, sp, STATUS_PARTS, &ns))
		return false;
	for (i = 0; i < np; i++) {
		if (part_is_star(pp[i]) && i == np - 1 && np < STATUS_PARTS)
			return true;		/* any rest */
		if (i >= ns)
			return false;
		if (part_is_star(pp[i]))
			continue;
		if (pp[i].len != sp[i].len || memcmp(pp[i].p, sp[i].p, pp[i].len) != 0)
			return false;
	}
	return ns == np;
}

int
rules_status_specificity(const char *pat)
{
	struct span part[STATUS_PARTS];
	int n, i, fixed = 0;

	if (strcmp(pat, "none") == 0 || !split_parts(pat, part, STATUS_PARTS, &n))
		return 2;
	for (i = 0; i < n; i++)
		if (!part_is_star(part[i]))
			fixed++;
	return 2 + 2 * fixed;		/* 2, 4, 6, 8 */
}

static bool
reply_wild(char c)
{
	return c == 'x' || c == 'X' || c == '*';
}

bool
rules_reply_pattern_valid(const char *pat)
{
	int i;

	if (strcmp(pat, "none") == 0)
		return true;
	if (strlen(pat) != 3)
		return false;
	if (!reply_wild(pat[0]) && strchr("245", pat[0]) == NULL)
		return false;
	for (i = 1; i < 3; i++)
		if (!reply_wild(pat[i]) && (pat[i] < '0' || pat[i] > '9'))
			return false;
	return true;
}

bool
rules_reply_match(const char *pat, const char *reply)
{
	int i;

	if (strcmp(pat, "none") == 0)
		return reply[0] == '\0';
	if (strlen(reply) != 3)
		return false;
	for (i = 0; i < 3; i++)
		if (!reply_wild(pat[i]) && pat[i] != reply[i])
			return false;
	return true;
}
