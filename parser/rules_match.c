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

void
rules_status_split(const char *status, struct status_parts *st)
{
	if (status[0] == '\0')
		st->n = 0;
	else if (!split_parts(status, st->part, STATUS_PARTS, &st->n))
		st->n = -1;
}

/*
 * The pattern is walked part by part against the status's parts, split
 * once for all the rules that ask: the same answers as splitting both
 * each time, without the calls.
 */
bool
rules_status_match_parts(const char *pat, const struct status_parts *st)
{
	const char *p = pat, *q;
	size_t len;
	int i = 0;
	bool star, last;

	if (pat[0] == 'n' && strcmp(pat, "none") == 0)
		return st->n == 0;
	if (st->n <= 0)
		return false;
	/* Most patterns of most rules name another class: told by the
	 * first byte (a status part is never empty and holds no dot). */
	if (pat[0] != '*' && pat[0] != st->part[0].p[0])
		return false;
	for (;;) {
		for (q = p; *q != '\0' && *q != '.'; q++)
			;
		len = (size_t)(q - p);
		if (len == 0 || i == STATUS_PARTS)
			return false;	/* not a pattern */
		star = len == 1 && p[0] == '*';
		last = *q == '\0';
		if (star && last && i + 1 < STATUS_PARTS)
			return true;		/* any rest */
		if (i >= st->n)
			return false;
		if (!star && (st->part[i].len != len || memcmp(st->part[i].p, p, len) != 0))
			return false;
		i++;
		if (last)
			return st->n == i;
		p = q + 1;
	}
}

bool
rules_status_match(const char *pat, const char *status)
{
	struct status_parts st;

	rules_status_split(status, &st);
	return rules_status_match_parts(pat, &st);
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
