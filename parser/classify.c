/*
 * classify.c - give every recipient of a report its reason, category,
 * owner, summary, fix, hard and temporary from a loaded rule set.
 *
 * Per recipient: one Vectorscan scan of the diagnostic text (and one of
 * the component, if any rule asks about it) marks which patterns
 * matched; then the rules are tried in rank order (only those that may
 * hold: without a text condition, or with a pattern that matched) and
 * the first that holds decides (a "continue" rule decides some fields and lets the next
 * ones fill the rest).
 *
 * Thread safety: the rule set is read-only here except for its pool of
 * scratch spaces. A caller takes one from the pool (or clones the
 * prototype when the pool is empty) and puts it back, so the pool grows
 * to the number of threads that classify at the same time and no more.
 */
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules.h"

#define HOST_MAX	256

struct match_set {
	uint64_t text[RULES_MAX_PATTERNS / 64];
	uint64_t component[RULES_MAX_PATTERNS / 64];
};

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
	 unsigned int flags, void *ctx)
{
	uint64_t *set = ctx;

	(void)from;
	(void)to;
	(void)flags;
	if (id < RULES_MAX_PATTERNS)
		set[id / 64] |= (uint64_t)1 << (id % 64);
	return 0;		/* go on: every pattern may matter */
}

/* A scratch space with its pool node: the node goes back with it, so a
 * report costs no allocation once the pool holds one per thread. */
static struct scratch_node *
scratch_take(struct bounce_rules *rs)
{
	struct scratch_node *n;

	pthread_mutex_lock(&rs->pool_lock);
	if ((n = rs->pool) != NULL)
		rs->pool = n->next;
	pthread_mutex_unlock(&rs->pool_lock);
	if (n != NULL)
		return n;
	if ((n = malloc(sizeof(*n))) == NULL)
		return NULL;
	n->scratch = NULL;
	if (hs_clone_scratch(rs->proto, &n->scratch) != HS_SUCCESS) {
		free(n);
		return NULL;
	}
	return n;
}

static void
scratch_give(struct bounce_rules *rs, struct scratch_node *n)
{
	pthread_mutex_lock(&rs->pool_lock);
	n->next = rs->pool;
	rs->pool = n;
	pthread_mutex_unlock(&rs->pool_lock);
}

/* Does a byte of the set occur in text? Most texts answer "[^ ]" at
 * their first byte. */
static bool
bytes_any(const struct byte_class *c, const char *text, size_t len)
{
	size_t i;
	unsigned b;

	for (i = 0; i < len; i++) {
		b = (unsigned char)text[i];
		if (c->in[b / 64] & (uint64_t)1 << (b % 64))
			return true;
	}
	return false;
}

/* The patterns that match text into set: the database's (if there is
 * scratch space for it) and the byte classes. */
static void
scan(const struct bounce_rules *rs, hs_scratch_t *s, const char *text, uint64_t *set)
{
	size_t len = strlen(text);
	unsigned i, id;

	if (len == 0 || len > UINT32_MAX)
		return;
	if (s != NULL)
		hs_scan(rs->db, text, (unsigned)len, 0, s, on_match, set);
	for (i = 0; i < rs->nbyte_class; i++)
		if (bytes_any(&rs->byte_class[i], text, len)) {
			id = rs->byte_class[i].id;
			set[id / 64] |= (uint64_t)1 << (id % 64);
		}
}

/* "dns; mx.Example.com." -> "mx.Example.com": the host name a glob sees. */
static void
host_name(const char *in, char *out, size_t outlen)
{
	const char *semi = strchr(in, ';'), *p = in;
	size_t n = 0;

	if (semi != NULL && strcspn(in, ".") > (size_t)(semi - in))
		p = semi + 1;
	p += strspn(p, " \t[");
	/* Up to a blank, "]", "(" or ")": tested here, not by a strchr per byte. */
	while (p[n] != '\0' && p[n] != ' ' && p[n] != '\t' && p[n] != ']' &&
	    p[n] != '(' && p[n] != ')')
		n++;
	while (n > 0 && p[n - 1] == '.')
		n--;
	if (n >= outlen)
		n = 0;		/* too long to be a host name */
	memcpy(out, p, n);
	out[n] = '\0';
}

/* fnmatch(glob, s, FNM_CASEFOLD), with the shapes the rules mostly use
 * answered without it: a plain word, and "*" before a plain suffix. */
static bool
glob_match(const char *glob, const char *s)
{
	static const char meta[] = "*?[\\";
	const char *m = strpbrk(glob, meta);
	size_t gl, sl;

	if (m == NULL)
		return strcasecmp(glob, s) == 0;
	if (m == glob && glob[0] == '*' && strpbrk(glob + 1, meta) == NULL) {
		gl = strlen(glob + 1);
		sl = strlen(s);
		return sl >= gl && strcasecmp(s + sl - gl, glob + 1) == 0;
	}
	return fnmatch(glob, s, FNM_CASEFOLD) == 0;
}

static bool
glob_any(const struct rule_cond *c, const char *s)
{
	unsigned i;

	if (s[0] == '\0')
		return false;
	for (i = 0; i < c->n; i++)
		if (glob_match(c->word[i], s))
			return true;
	return false;
}

struct subject {
	const struct bounce_report	*report;
	const struct bounce_recipient	*rc;
	const struct match_set		*match;
	struct status_parts		 status;	/* rc->status, split */
	bool				 hosts;		/* remote, reporting set */
	char				 remote[HOST_MAX];
	char				 reporting[HOST_MAX];
};

/* Did any of the condition's patterns match? */
static bool
any_matched(const struct rule_cond *c, const uint64_t *set)
{
	unsigned i;

	for (i = 0; i < c->nmask; i++)
		if (set[c->mask[i].word] & c->mask[i].bits)
			return true;
	return false;
}

static bool
cond_holds(const struct rule_cond *c, struct subject *sj)
{
	const struct bounce_recipient *rc = sj->rc;
	unsigned i;

	switch (c->key) {
	case COND_TEXT:
		return any_matched(c, sj->match->text);
	case COND_COMPONENT:
		return any_matched(c, sj->match->component);
	case COND_NOT_TEXT:
		return !any_matched(c, sj->match->text);
	case COND_STATUS:
		if (c->status != NULL)
			return rules_status_match_any(c->status, c->n, &sj->status);
		for (i = 0; i < c->n; i++)
			if (rules_status_match_parts(c->word[i], &sj->status))
				return true;
		return false;
	case COND_REPLY:
		for (i = 0; i < c->n; i++)
			if (rules_reply_match(c->word[i], rc->reply_code))
				return true;
		return false;
	case COND_COMMAND:
		return rules_word_any(c, rc->command);
	case COND_ACTION:
		return rules_word_any(c, rc->action);
	case COND_KIND:
		return rules_word_any(c, bounce_kind_name(sj->report->kind));
	case COND_VENDOR:
		return glob_any(c, sj->report->vendor);
	case COND_REMOTE:
		/* The host names only when a rule asks: few get this far. */
		if (!sj->hosts) {
			host_name(rc->remote_mta, sj->remote, sizeof(sj->remote));
			host_name(sj->report->reporting_mta, sj->reporting, sizeof(sj->reporting));
			sj->hosts = true;
		}
		return glob_any(c, sj->remote) || glob_any(c, sj->reporting);
	case COND_DIAGTYPE:
		return glob_any(c, rc->diagnostic_type);
	}
	return false;
}

static bool
rule_holds(const struct rule *r, struct subject *sj)
{
	unsigned i;

	for (i = 0; i < r->ncond; i++)
		if (!cond_holds(&r->cond[i], sj))
			return false;
	return true;
}

static bool
is_temporary(const struct bounce_recipient *rc)
{
	if (strcasecmp(rc->action, "delayed") == 0)
		return true;
	if (rc->status[0] != '\0')
		return rc->status[0] == '4';
	return rc->reply_code[0] == '4';
}

static const char *
report_copy(struct bounce_report *r, const char *s)
{
	const char *c = s[0] != '\0' ? arena_strndup(report_arena(r), s, strlen(s)) : "";

	return c != NULL ? c : "";
}

/* The index of rs->by_status for a split status (struct bounce_rules),
 * RULES_STATUS_CLASSES if none fits. */
static unsigned
status_class(const struct status_parts *st)
{
	if (st->n == 0)
		return 0;
	if (st->n < 0)
		return RULES_STATUS_CLASSES;
	switch (st->key[0]) {
	case STATUS_KEY(1, 2):
		return 1;
	case STATUS_KEY(1, 4):
		return 2;
	case STATUS_KEY(1, 5):
		return 3;
	}
	return RULES_STATUS_CLASSES;
}

/* The index of rs->by_action for action a (struct bounce_rules). */
static unsigned
action_class(const struct bounce_rules *rs, const char *a)
{
	unsigned n;

	if (a[0] == '\0')
		return rs->naction_word;
	for (n = 0; n < rs->naction_word; n++)
		if (((unsigned char)rs->action_word[n][0] | 0x20) == ((unsigned char)a[0] | 0x20) &&
		    strcasecmp(rs->action_word[n], a) == 0)
			return n;
	return rs->naction_word + 1;
}

static bool
any_set(const uint64_t *set, size_t nword)
{
	size_t w;

	for (w = 0; w < nword; w++)
		if (set[w] != 0)
			return true;
	return false;
}

/* cand &= mask, or cand &= ~mask when drop, over nword words. */
static void
cand_filter(uint64_t *cand, const uint64_t *mask, size_t nword, bool drop)
{
	size_t w;

	for (w = 0; w < nword; w++)
		cand[w] &= drop ? ~mask[w] : mask[w];
}

/* The rules that may hold (struct bounce_rules): those without a text
 * condition and those of the patterns that matched, as bits by rule
 * index, that is in rank order. */
static void
candidates(const struct bounce_rules *rs, const struct match_set *match, uint64_t *cand)
{
	size_t w, nword = (rs->nrule + 63) / 64;
	unsigned k, id;
	uint64_t bits;

	memcpy(cand, rs->untexted, nword * sizeof(*cand));
	for (w = 0; w < (rs->npat + 63) / 64; w++)
		for (bits = match->text[w]; bits != 0; bits &= bits - 1) {
			id = (unsigned)(w * 64) + (unsigned)__builtin_ctzll(bits);
			for (k = rs->pattern_first[id]; k < rs->pattern_first[id + 1]; k++)
				cand[rs->pattern_rule[k] / 64] |=
				    (uint64_t)1 << (rs->pattern_rule[k] % 64);
		}
}

static void
classify_one(struct bounce_report *r, struct bounce_recipient *rc,
	     const struct bounce_rules *rs, const struct match_set *match)
{
	struct subject sj;	/* not zeroed: the host buffers are set when asked */
	const char *summary = "", *fix = "";
	uint64_t cand[RULES_MAX_RULES / 64], bits;
	unsigned have = 0, k;
	bool hard = false, done = false;
	size_t w, nword = (rs->nrule + 63) / 64;

	sj.report = r;
	sj.rc = rc;
	sj.match = match;
	sj.hosts = false;
	rules_status_split(rc->status, &sj.status);
	rc->reason = "undefined";
	rc->category = "unknown";
	rc->owner = "none";
	candidates(rs, match, cand);
	/* The rules whose kind, status or action conditions refuse this
	 * recipient, and those asking about a component that matched
	 * nothing, cannot hold: dropped here, they cost no look at their
	 * conditions. */
	if ((size_t)r->kind < RULES_KINDS)
		cand_filter(cand, rs->by_kind[r->kind], nword, false);
	if (!any_set(match->component, (rs->npat + 63) / 64))
		cand_filter(cand, rs->component_rules, nword, true);
	if ((k = status_class(&sj.status)) < RULES_STATUS_CLASSES)
		cand_filter(cand, rs->by_status[k], nword, false);
	if (rs->naction_word > 0)
		cand_filter(cand, rs->by_action[action_class(rs, rc->action)], nword, false);
	for (w = 0; !done && w < nword; w++) {
		for (bits = cand[w]; !done && bits != 0; bits &= bits - 1) {
			const struct rule *ru = &rs->rule[w * 64 + (size_t)__builtin_ctzll(bits)];
			unsigned take;

			if (!rule_holds(ru, &sj))
				continue;
			take = ru->sets & ~have;
			if (take & OUT_REASON)
				rc->reason = ru->reason;
			if (take & OUT_CATEGORY)
				rc->category = ru->category;
			if (take & OUT_OWNER)
				rc->owner = ru->owner;
			if (take & OUT_SUMMARY)
				summary = ru->summary;
			if (take & OUT_FIX)
				fix = ru->fix;
			if (take & OUT_HARD)
				hard = ru->hard;
			have |= ru->sets;
			done = !ru->cont;
		}
	}
	if (!(have & OUT_HARD))
		hard = rules_reason_hard(rc->reason);
	rc->temporary = is_temporary(rc);
	rc->hard = hard && !rc->temporary;
	rc->summary = report_copy(r, summary);
	rc->fix = report_copy(r, fix);
}

void
bounce_classify(struct bounce_report *r, const struct bounce_rules *crs)
{
	/* The pool is the only part of a rule set that changes after the
	 * load, and it has its own lock. */
	struct bounce_rules *rs = (struct bounce_rules *)crs;
	struct match_set match;
	struct scratch_node *sn = NULL;
	size_t i, nword;
	bool unscanned;

	if (r == NULL || r->nrcpt == 0)
		return;
	if (rs == NULL) {
		for (i = 0; i < r->nrcpt; i++) {
			r->rcpt[i].reason = "undefined";
			r->rcpt[i].category = "unknown";
			r->rcpt[i].owner = "none";
			r->rcpt[i].temporary = is_temporary(&r->rcpt[i]);
		}
		return;
	}
	/* Only the words of patterns that exist are ever read. */
	nword = ((size_t)rs->npat + 63) / 64;
	/* Some kinds of report are decided above every rule that reads a
	 * scan (rules.c): nothing matched is all those rules need. */
	unscanned = (size_t)r->kind < RULES_KINDS && rs->unscanned_kind[r->kind];
	if (rs->db != NULL && !unscanned)
		sn = scratch_take(rs);
	for (i = 0; i < r->nrcpt; i++) {
		struct bounce_recipient *rc = &r->rcpt[i];

		/* Many recipients of one report often share one text: the
		 * previous recipient's matches serve again. */
		if (i > 0 && strcmp(rc->diagnostic, r->rcpt[i - 1].diagnostic) == 0 &&
		    (!rs->has_component ||
		     strcmp(rc->component, r->rcpt[i - 1].component) == 0)) {
			classify_one(r, rc, rs, &match);
			continue;
		}
		memset(match.text, 0, nword * sizeof(match.text[0]));
		memset(match.component, 0, nword * sizeof(match.component[0]));
		/* Without scratch space (out of memory) no pattern of the
		 * database matches: the other rules still give an answer. */
		if (!unscanned && (sn != NULL || rs->nbyte_class > 0)) {
			scan(rs, sn != NULL ? sn->scratch : NULL, rc->diagnostic, match.text);
			if (rs->has_component)
				scan(rs, sn != NULL ? sn->scratch : NULL, rc->component,
				    match.component);
		}
		classify_one(r, rc, rs, &match);
	}
	if (sn != NULL)
		scratch_give(rs, sn);
}
