/*
 * rules_match.c - status and reply code patterns of the rule files.
 *
 * A status pattern is one to three dot-separated parts, each a number or
 * "*"; fewer than three parts must end in "*", which then stands for any
 * rest ("5.*" is every 5.x.y). A reply pattern is three characters, each
 * a digit or "x" ("5xx"). "none" matches an absent code. Command,
 * action and kind words match case-insensitively, "none" an empty value.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

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

/* STATUS_KEY() of a part of one to three digits, else -2. */
static int
part_key(struct span s)
{
	int value = 0;
	size_t i;

	if (!part_is_number(s))
		return -2;
	for (i = 0; i < s.len; i++)
		value = value * 10 + (s.p[i] - '0');
	return STATUS_KEY(s.len, value);
}

void
rules_status_split(const char *status, struct status_parts *st)
{
	int i;

	if (status[0] == '\0')
		st->n = 0;
	else if (!split_parts(status, st->part, STATUS_PARTS, &st->n))
		st->n = -1;
	for (i = 0; i < st->n; i++)
		st->key[i] = part_key(st->part[i]);
}

bool
rules_status_compile(const char *pat, struct status_pattern *sp)
{
	struct span part[STATUS_PARTS];
	int n, i;

	memset(sp, 0, sizeof(*sp));
	if (strcmp(pat, "none") == 0)
		return true;
	if (!rules_status_pattern_valid(pat) || !split_parts(pat, part, STATUS_PARTS, &n))
		return false;
	for (i = 0; i < n; i++)
		sp->part[i] = part_is_star(part[i]) ? STATUS_ANY : part_key(part[i]);
	sp->n = n;
	/* As rules_status_match_parts(): a last "*" before the third part. */
	sp->rest = n < STATUS_PARTS && part_is_star(part[n - 1]);
	return true;
}

/*
 * Does any of the n compiled patterns match? The answers of
 * rules_status_match_parts() on their words: a number part is equal
 * where the digits are.
 */
bool
rules_status_match_any(const struct status_pattern *sp, unsigned n,
		       const struct status_parts *st)
{
	const struct status_pattern *end = sp + n;
	int i;

	for (; sp < end; sp++) {
		if (sp->n == 0) {
			if (st->n == 0)
				return true;
			continue;
		}
		if (st->n <= 0)
			continue;
		for (i = 0; i < sp->n; i++) {
			if (sp->rest && i == sp->n - 1)
				return true;
			if (i >= st->n ||
			    (sp->part[i] != STATUS_ANY && sp->part[i] != st->key[i]))
				break;
		}
		if (i == sp->n && st->n == sp->n)
			return true;
	}
	return false;
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

bool
rules_word_any(const struct rule_cond *c, const char *s)
{
	unsigned i;

	for (i = 0; i < c->n; i++) {
		const char *w = c->word[i];

		/* The first bytes, with 0x20 set (exact for letters, never
		 * apart for equal ones), rule out most words without a call. */
		if (w[0] == 'n' && strcmp(w, "none") == 0 ? s[0] == '\0' :
		    ((unsigned char)w[0] | 0x20) == ((unsigned char)s[0] | 0x20) &&
		    strcasecmp(w, s) == 0)
			return true;
	}
	return false;
}
