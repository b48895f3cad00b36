/*
 * rules_parse.c - read the rule files of a folder into rules.
 *
 * Files are read whole (bounded), in name order, line by line; every
 * mistake stops the load with "file:line: reason". Text patterns are only
 * collected here (deduplicated, with the place they were first written);
 * rules.c compiles them. The format: rules/README.md.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules.h"

#define PAT_HASH_SIZE	(2 * RULES_MAX_PATTERNS)	/* power of two */
#define NAME_HASH_SIZE	(2 * RULES_MAX_RULES)		/* power of two */

struct parser {
	struct bounce_rules *rs;
	char		*err;
	size_t		 errlen;
	const char	*file;		/* in the arena: rules outlive parsing */
	unsigned	 line;
	size_t		 rule_cap;
	bool		 in_rule;	/* the last rule of rs->rule is open */
	bool		 has_priority;
	unsigned	 priority;

	struct rule_cond cond[RULES_MAX_CONDS];
	unsigned	 ncond;

	/* The pattern condition continuation lines may still extend. */
	bool		 pat_open;
	enum cond_key	 pat_key;
	unsigned	 pat_id[RULES_MAX_ALTS];
	unsigned	 npat_id;

	struct rules_pattern *pat;
	unsigned	 npat;
	unsigned	*pat_hash;	/* index + 1, 0 = free */
	unsigned	*name_hash;	/* rule index + 1, 0 = free */
};

static bool fail(struct parser *, const char *, ...) __attribute__((format(printf, 2, 3)));

static bool
fail(struct parser *ps, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->errlen == 0)
		return false;
	if (ps->line > 0)
		snprintf(ps->err, ps->errlen, "%s:%u: %s", ps->file, ps->line, msg);
	else
		snprintf(ps->err, ps->errlen, "%s: %s", ps->file, msg);
	return false;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *
skip_blanks(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

static struct rule *
cur_rule(struct parser *ps)
{
	return &ps->rs->rule[ps->rs->nrule - 1];
}

/* ---- patterns ------------------------------------------------------- */

static uint32_t
hash_str(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The id of a pattern, the same for the same text wherever it appears. */
static bool
pattern_id(struct parser *ps, const char *expr, size_t len, unsigned *id)
{
	uint32_t h = hash_str(expr, len) & (PAT_HASH_SIZE - 1);
	unsigned probe;

	for (probe = 0; probe < PAT_HASH_SIZE; probe++) {
		unsigned slot = ps->pat_hash[h];
		const char *have;

		if (slot == 0)
			break;
		have = ps->pat[slot - 1].expr;
		if (strncmp(have, expr, len) == 0 && have[len] == '\0') {
			*id = slot - 1;
			return true;
		}
		h = (h + 1) & (PAT_HASH_SIZE - 1);
	}
	if (ps->npat >= RULES_MAX_PATTERNS)
		return fail(ps, "too many patterns (at most %d)", RULES_MAX_PATTERNS);
	if ((ps->pat[ps->npat].expr = arena_strndup(ps->rs->arena, expr, len)) == NULL)
		return fail(ps, "out of memory");
	ps->pat[ps->npat].file = ps->file;
	ps->pat[ps->npat].line = ps->line;
	ps->pat_hash[h] = ps->npat + 1;
	*id = ps->npat++;
	return true;
}

/* Append the /patterns/ of value to the open pattern condition. */
static bool
parse_patterns(struct parser *ps, const char *p)
{
	for (;;) {
		const char *start, *q;
		unsigned id = 0;

		p = skip_blanks(p);
		if (*p == '\0' || *p == '#')
			return true;
		if (*p != '/')
			return fail(ps, "expected /pattern/, found \"%.20s\"", p);
		start = q = p + 1;
		while (*q != '\0' && *q != '/')
			q += (q[0] == '\\' && q[1] != '\0') ? 2 : 1;
		if (*q != '/')
			return fail(ps, "unterminated pattern (a / inside a pattern is written \\/)");
		if (q == start)
			return fail(ps, "empty pattern");
		if (q[1] != '\0' && !is_blank(q[1]))
			return fail(ps, "blank expected after the closing / of a pattern");
		if (ps->npat_id >= RULES_MAX_ALTS)
			return fail(ps, "too many patterns in one condition (at most %d)", RULES_MAX_ALTS);
		if (!pattern_id(ps, start, (size_t)(q - start), &id))
			return false;
		ps->pat_id[ps->npat_id++] = id;
		p = q + 1;
	}
}

/* ---- conditions ----------------------------------------------------- */

static bool
add_cond(struct parser *ps, struct rule_cond c)
{
	if (ps->ncond >= RULES_MAX_CONDS)
		return fail(ps, "too many conditions in one rule (at most %d)", RULES_MAX_CONDS);
	ps->cond[ps->ncond++] = c;
	return true;
}

static bool
close_patterns(struct parser *ps)
{
	struct rule_cond c = { .key = ps->pat_key, .n = ps->npat_id };
	unsigned *ids;

	if (!ps->pat_open)
		return true;
	ps->pat_open = false;
	if (ps->npat_id == 0)
		return fail(ps, "pattern expected");
	if ((ids = arena_alloc(ps->rs->arena, ps->npat_id * sizeof(*ids))) == NULL)
		return fail(ps, "out of memory");
	memcpy(ids, ps->pat_id, ps->npat_id * sizeof(*ids));
	c.id = ids;
	return add_cond(ps, c);
}

/* Split value into blank-separated words; a word starting with # ends
 * the list (a comment). */
static bool
split_words(struct parser *ps, const char *value, const char **word, unsigned *nword)
{
	const char *p = value;
	unsigned n = 0;

	for (;;) {
		const char *end;

		p = skip_blanks(p);
		if (*p == '\0' || *p == '#')
			break;
		for (end = p; *end != '\0' && !is_blank(*end); end++)
			;
		if (n >= RULES_MAX_VALUES)
			return fail(ps, "too many values on one line (at most %d)", RULES_MAX_VALUES);
		if ((word[n++] = arena_strndup(ps->rs->arena, p, (size_t)(end - p))) == NULL)
			return fail(ps, "out of memory");
		p = end;
	}
	if (n == 0)
		return fail(ps, "value expected");
	*nword = n;
	return true;
}

static bool
word_in(const char *w, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcasecmp(w, *list) == 0)
			return true;
	return false;
}

static bool
command_word_valid(const char *w)
{
	size_t i;

	for (i = 0; w[i] != '\0'; i++)
		if (!((w[i] >= 'A' && w[i] <= 'Z') || (w[i] >= 'a' && w[i] <= 'z')))
			return false;
	return i > 0 && i < 16;
}

static bool
check_word(struct parser *ps, enum cond_key key, const char *w)
{
	static const char *const kinds[] = { "dsn", "ndr", "arf", "autoreply", "none", NULL };
	static const char *const actions[] = { "failed", "delayed", "delivered", "relayed",
					       "expanded", "none", NULL };

	switch (key) {
	case COND_STATUS:
		if (!rules_status_pattern_valid(w))
			return fail(ps, "bad status pattern \"%s\"", w);
		break;
	case COND_REPLY:
		if (!rules_reply_pattern_valid(w))
			return fail(ps, "bad reply pattern \"%s\"", w);
		break;
	case COND_KIND:
		if (!word_in(w, kinds))
			return fail(ps, "unknown kind \"%s\"", w);
		break;
	case COND_ACTION:
		if (!word_in(w, actions))
			return fail(ps, "unknown action \"%s\"", w);
		break;
	case COND_COMMAND:
		if (!command_word_valid(w))
			return fail(ps, "bad command \"%s\"", w);
		break;
	default:
		break;			/* globs: anything without blanks */
	}
	return true;
}

static bool
parse_word_cond(struct parser *ps, enum cond_key key, const char *value)
{
	const char *word[RULES_MAX_VALUES];
	const char **copy;
	unsigned n, i;

	if (!split_words(ps, value, word, &n))
		return false;
	for (i = 0; i < n; i++)
		if (!check_word(ps, key, word[i]))
			return false;
	if ((copy = arena_alloc(ps->rs->arena, n * sizeof(*copy))) == NULL)
		return fail(ps, "out of memory");
	memcpy(copy, word, n * sizeof(*copy));
	return add_cond(ps, (struct rule_cond){ .key = key, .n = n, .word = copy });
}

/* ---- outcome -------------------------------------------------------- */

/* The one word of value (a trailing comment allowed). */
static bool
one_word(struct parser *ps, const char *key, const char *value, const char **w)
{
	const char *word[RULES_MAX_VALUES];
	unsigned n;

	if (!split_words(ps, value, word, &n))
		return false;
	if (n != 1)
		return fail(ps, "%s takes one value", key);
	*w = word[0];
	return true;
}

static bool
set_once(struct parser *ps, const char *key, unsigned bit)
{
	struct rule *r = cur_rule(ps);

	if (r->sets & bit)
		return fail(ps, "%s given twice", key);
	r->sets |= bit;
	return true;
}

static bool
parse_yes_no(struct parser *ps, const char *key, const char *value, bool *out)
{
	const char *w = NULL;

	if (!one_word(ps, key, value, &w))
		return false;
	if (strcmp(w, "yes") == 0)
		*out = true;
	else if (strcmp(w, "no") == 0)
		*out = false;
	else
		return fail(ps, "%s must be yes or no, not \"%s\"", key, w);
	return true;
}

static bool
parse_sentence(struct parser *ps, const char *key, unsigned bit, const char *value,
	       const char **out)
{
	size_t len = strlen(value), i;
	char *copy;

	while (len > 0 && is_blank(value[len - 1]))
		len--;
	if (len == 0)
		return fail(ps, "%s: text expected", key);
	if (!set_once(ps, key, bit))
		return false;
	/* These words end up in reports and mail headers: plain UTF-8 text
	 * on one line, said at load time rather than discovered later. */
	for (i = 0; i < len; i++)
		if (((unsigned char)value[i] < 0x20 && value[i] != '\t') || value[i] == 0x7F)
			return fail(ps, "%s: control character in text", key);
	if (!utf8_valid(value, len))
		return fail(ps, "%s: text is not UTF-8", key);
	if ((copy = arena_strndup(ps->rs->arena, value, len)) == NULL)
		return fail(ps, "out of memory");
	for (i = 0; i < len; i++)
		if (copy[i] == '\t')
			copy[i] = ' ';
	*out = copy;
	return true;
}

static bool
parse_vocab(struct parser *ps, const char *key, unsigned bit, const char *value,
	    const char *(*lookup)(const char *), const char **out)
{
	const char *w = NULL;

	if (!one_word(ps, key, value, &w))
		return false;
	if ((*out = lookup(w)) == NULL)
		return fail(ps, "unknown %s \"%s\"", key, w);
	return set_once(ps, key, bit);
}

static bool
parse_priority(struct parser *ps, const char *value)
{
	const char *w = NULL;
	char *end;
	long v;

	if (!one_word(ps, "priority", value, &w))
		return false;
	if (ps->has_priority)
		return fail(ps, "priority given twice");
	errno = 0;
	v = strtol(w, &end, 10);
	if (errno != 0 || *end != '\0' || end == w || v < 0 || v > RULES_PRIORITY_MAX)
		return fail(ps, "priority must be a number from 0 to %d", RULES_PRIORITY_MAX);
	ps->has_priority = true;
	ps->priority = (unsigned)v;
	return true;
}

/* ---- rules ---------------------------------------------------------- */

static const struct {
	const char	*name;
	enum cond_key	 key;
	bool		 pattern;
} cond_keys[] = {
	{ "text", COND_TEXT, true },
	{ "not-text", COND_NOT_TEXT, true },
	{ "component", COND_COMPONENT, true },
	{ "status", COND_STATUS, false },
	{ "reply", COND_REPLY, false },
	{ "command", COND_COMMAND, false },
	{ "action", COND_ACTION, false },
	{ "kind", COND_KIND, false },
	{ "vendor", COND_VENDOR, false },
	{ "remote", COND_REMOTE, false },
	{ "diagnostic-type", COND_DIAGTYPE, false },
};

static int
derived_rank(const struct rule_cond *cond, unsigned ncond)
{
	int rank = 0, ntext = 0;
	unsigned i, j;

	for (i = 0; i < ncond; i++) {
		const struct rule_cond *c = &cond[i];
		int least = 8;

		switch (c->key) {
		case COND_TEXT:
		case COND_COMPONENT:
			ntext++;
			break;
		case COND_NOT_TEXT:
			break;
		case COND_REMOTE:
			rank += 15;
			break;
		case COND_VENDOR:
			rank += 10;
			break;
		case COND_STATUS:
			for (j = 0; j < c->n; j++) {
				int s = rules_status_specificity(c->word[j]);

				least = s < least ? s : least;
			}
			rank += least;
			break;
		case COND_REPLY:
			least = 3;
			for (j = 0; j < c->n; j++)
				if (strspn(c->word[j], "0123456789") != 3)
					least = 2;
			rank += least;
			break;
		case COND_COMMAND:
		case COND_ACTION:
		case COND_KIND:
		case COND_DIAGTYPE:
			rank += 2;
			break;
		}
	}
	if (ntext > 0)
		rank += 50 + 5 * (ntext - 1);
	return rank > RULES_RANK_DERIVED_MAX ? RULES_RANK_DERIVED_MAX : rank;
}

/* Check and seal the open rule. */
static bool
end_rule(struct parser *ps)
{
	static const struct { unsigned bit; const char *key; } need[] = {
		{ OUT_REASON, "reason" }, { OUT_CATEGORY, "category" },
		{ OUT_OWNER, "owner" }, { OUT_SUMMARY, "summary" }, { OUT_FIX, "fix" },
	};
	struct rule *r;
	size_t i;

	if (!ps->in_rule)
		return true;
	if (!close_patterns(ps))
		return false;
	r = cur_rule(ps);
	ps->in_rule = false;
	if (!r->cont)
		for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
			if (!(r->sets & need[i].bit)) {
				ps->line = r->line;
				return fail(ps, "rule \"%s\": missing %s", r->name, need[i].key);
			}
	if (r->cont && r->sets == 0) {
		ps->line = r->line;
		return fail(ps, "rule \"%s\": sets nothing", r->name);
	}
	if (ps->ncond > 0) {
		if ((r->cond = arena_alloc(ps->rs->arena, ps->ncond * sizeof(*r->cond))) == NULL)
			return fail(ps, "out of memory");
		memcpy(r->cond, ps->cond, ps->ncond * sizeof(*r->cond));
	}
	r->ncond = ps->ncond;
	r->rank = ps->has_priority ? (int)ps->priority : derived_rank(r->cond, r->ncond);
	return true;
}

static bool
name_valid(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || len > RULES_MAX_NAME)
		return false;
	for (i = 0; i < len; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static bool
begin_rule(struct parser *ps, const char *line)
{
	struct bounce_rules *rs = ps->rs;
	const char *name, *end;
	struct rule *r;
	uint32_t h;
	unsigned probe;
	size_t len;

	if (!end_rule(ps))
		return false;
	if (strncmp(line, "rule", 4) != 0 || !is_blank(line[4]))
		return fail(ps, "\"rule NAME\" expected at column 0 (keys are indented)");
	name = skip_blanks(line + 4);
	for (end = name; *end != '\0' && !is_blank(*end); end++)
		;
	len = (size_t)(end - name);
	if (!name_valid(name, len))
		return fail(ps, "bad rule name (letters, digits, - _ . and at most %d bytes)",
			    RULES_MAX_NAME);
	end = skip_blanks(end);
	if (*end != '\0' && *end != '#')
		return fail(ps, "unexpected text after the rule name");
	/* By hash, not against every rule before: a few hundred rules. */
	h = hash_str(name, len) & (NAME_HASH_SIZE - 1);
	for (probe = 0; probe < NAME_HASH_SIZE && ps->name_hash[h] != 0; probe++) {
		const struct rule *had = &rs->rule[ps->name_hash[h] - 1];

		if (strncmp(had->name, name, len) == 0 && had->name[len] == '\0')
			return fail(ps, "duplicate rule name \"%.*s\" (first at %s:%u)",
				    (int)len, name, had->file, had->line);
		h = (h + 1) & (NAME_HASH_SIZE - 1);
	}
	if (rs->nrule >= RULES_MAX_RULES)
		return fail(ps, "too many rules (at most %d)", RULES_MAX_RULES);
	if (rs->nrule == ps->rule_cap) {
		size_t cap = ps->rule_cap ? ps->rule_cap * 2 : 64;
		struct rule *n = reallocarray(rs->rule, cap, sizeof(*n));

		if (n == NULL)
			return fail(ps, "out of memory");
		rs->rule = n;
		ps->rule_cap = cap;
	}
	r = &rs->rule[rs->nrule++];
	memset(r, 0, sizeof(*r));
	r->file = ps->file;
	r->line = ps->line;
	r->order = (unsigned)(rs->nrule - 1);
	r->reason = r->category = r->owner = r->summary = r->fix = "";
	if ((r->name = arena_strndup(rs->arena, name, len)) == NULL)
		return fail(ps, "out of memory");
	ps->name_hash[h] = (unsigned)rs->nrule;
	ps->in_rule = true;
	ps->has_priority = false;
	ps->ncond = 0;
	return true;
}

static bool
parse_key(struct parser *ps, const char *key, size_t klen, const char *value)
{
	struct rule *r = cur_rule(ps);
	bool yes = false;
	size_t i;

#define KEY_IS(k)	(klen == sizeof(k) - 1 && memcmp(key, k, klen) == 0)
	for (i = 0; i < sizeof(cond_keys) / sizeof(cond_keys[0]); i++) {
		if (strlen(cond_keys[i].name) != klen ||
		    memcmp(cond_keys[i].name, key, klen) != 0)
			continue;
		if (!cond_keys[i].pattern)
			return parse_word_cond(ps, cond_keys[i].key, value);
		ps->pat_open = true;
		ps->pat_key = cond_keys[i].key;
		ps->npat_id = 0;
		if (cond_keys[i].key == COND_COMPONENT)
			ps->rs->has_component = true;
		return parse_patterns(ps, value);
	}
	if (KEY_IS("reason"))
		return parse_vocab(ps, "reason", OUT_REASON, value, rules_reason_word, &r->reason);
	if (KEY_IS("category"))
		return parse_vocab(ps, "category", OUT_CATEGORY, value, rules_category_word,
				   &r->category);
	if (KEY_IS("owner"))
		return parse_vocab(ps, "owner", OUT_OWNER, value, rules_owner_word, &r->owner);
	if (KEY_IS("summary"))
		return parse_sentence(ps, "summary", OUT_SUMMARY, value, &r->summary);
	if (KEY_IS("fix"))
		return parse_sentence(ps, "fix", OUT_FIX, value, &r->fix);
	if (KEY_IS("hard")) {
		if (!parse_yes_no(ps, "hard", value, &yes) || !set_once(ps, "hard", OUT_HARD))
			return false;
		r->hard = yes;
		return true;
	}
	if (KEY_IS("continue"))
		return parse_yes_no(ps, "continue", value, &r->cont);
	if (KEY_IS("priority"))
		return parse_priority(ps, value);
#undef KEY_IS
	return fail(ps, "unknown key \"%.*s\"", (int)klen, key);
}

static bool
parse_line(struct parser *ps, const char *line)
{
	const char *p = skip_blanks(line), *key;
	size_t klen;

	if (*p == '\0' || *p == '#')
		return true;
	if (p == line)
		return begin_rule(ps, line);
	if (!ps->in_rule)
		return fail(ps, "\"rule NAME\" expected before keys");
	if (*p == '/') {
		if (!ps->pat_open)
			return fail(ps, "a continuation line (/pattern/) must follow text, not-text or component");
		return parse_patterns(ps, p);
	}
	if (!close_patterns(ps))
		return false;
	key = p;
	while (*p != '\0' && !is_blank(*p))
		p++;
	klen = (size_t)(p - key);
	return parse_key(ps, key, klen, skip_blanks(p));
}

/* ---- files ---------------------------------------------------------- */

static bool
parse_buffer(struct parser *ps, char *buf, size_t len)
{
	size_t pos = 0;

	ps->line = 0;
	if (memchr(buf, '\0', len) != NULL)
		return fail(ps, "NUL byte in the file");
	if (!utf8_valid(buf, len))
		return fail(ps, "the file is not UTF-8");
	while (pos < len) {
		char *start = buf + pos, *nl = memchr(start, '\n', len - pos);
		size_t llen = nl != NULL ? (size_t)(nl - start) : len - pos;

		ps->line++;
		pos += llen + (nl != NULL);
		if (llen > RULES_MAX_LINE)
			return fail(ps, "line longer than %d bytes", RULES_MAX_LINE);
		while (llen > 0 && (start[llen - 1] == '\r' || is_blank(start[llen - 1])))
			llen--;
		start[llen] = '\0';	/* buf has a spare byte at the end */
		if (!parse_line(ps, start))
			return false;
	}
	return end_rule(ps);
}

static bool
parse_file(struct parser *ps, const char *path)
{
	FILE *f;
	char *buf;
	size_t len;
	bool ok;

	ps->line = 0;
	if ((ps->file = arena_strndup(ps->rs->arena, path, strlen(path))) == NULL)
		return fail(ps, "out of memory");
	if ((f = fopen(path, "r")) == NULL)
		return fail(ps, "%s", strerror(errno));
	if ((buf = malloc(RULES_MAX_FILE + 2)) == NULL) {
		fclose(f);
		return fail(ps, "out of memory");
	}
	len = fread(buf, 1, RULES_MAX_FILE + 1, f);
	if (ferror(f))
		ok = fail(ps, "read error");
	else if (len > RULES_MAX_FILE)
		ok = fail(ps, "file larger than %d bytes", RULES_MAX_FILE);
	else {
		buf[len] = '\0';
		ok = parse_buffer(ps, buf, len);
	}
	free(buf);
	fclose(f);
	return ok;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
rules_file_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 6 && strcmp(name + len - 6, ".rules") == 0;
}

/* The *.rules names of dir, sorted; caller frees. */
static bool
list_files(struct parser *ps, const char *dir, char ***names, size_t *n)
{
	DIR *d;
	struct dirent *de;
	char **list = NULL;
	size_t count = 0;

	if ((d = opendir(dir)) == NULL)
		return fail(ps, "%s", strerror(errno));
	if ((list = calloc(RULES_MAX_FILES, sizeof(*list))) == NULL) {
		closedir(d);
		return fail(ps, "out of memory");
	}
	while ((de = readdir(d)) != NULL) {
		if (!rules_file_name(de->d_name))
			continue;
		if (count == RULES_MAX_FILES || (list[count] = strdup(de->d_name)) == NULL) {
			closedir(d);
			*names = list;
			*n = count;
			return fail(ps, count == RULES_MAX_FILES ? "too many rule files" : "out of memory");
		}
		count++;
	}
	closedir(d);
	qsort(list, count, sizeof(*list), cmp_names);
	*names = list;
	*n = count;
	if (count == 0)
		return fail(ps, "no *.rules files");
	return true;
}

bool
rules_parse_dir(struct bounce_rules *rs, const char *dir, struct rules_pattern **pats,
		unsigned *npat, char *err, size_t errlen)
{
	struct parser *ps;
	char **names = NULL;
	size_t n = 0, i;
	bool ok;

	if ((ps = calloc(1, sizeof(*ps))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", dir);
		return false;
	}
	ps->rs = rs;
	ps->err = err;
	ps->errlen = errlen;
	ps->file = dir;
	ps->pat = calloc(RULES_MAX_PATTERNS, sizeof(*ps->pat));
	ps->pat_hash = calloc(PAT_HASH_SIZE, sizeof(*ps->pat_hash));
	ps->name_hash = calloc(NAME_HASH_SIZE, sizeof(*ps->name_hash));
	if (ps->pat == NULL || ps->pat_hash == NULL || ps->name_hash == NULL)
		ok = fail(ps, "out of memory");
	else
		ok = list_files(ps, dir, &names, &n);
	for (i = 0; ok && i < n; i++) {
		char path[PATH_MAX];

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= sizeof(path))
			ok = fail(ps, "path too long");
		else
			ok = parse_file(ps, path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(ps->pat_hash);
	free(ps->name_hash);
	if (ok) {
		*pats = ps->pat;
		*npat = ps->npat;
	} else
		free(ps->pat);
	free(ps);
	return ok;
}
