/*
 * rules.c - load a rule set: parse the files, compile every text pattern
 * into one Vectorscan database, rank the rules; and the fixed
 * vocabularies the rules may use.
 *
 * Compiling is the slow part, so a compiled database is kept in a cache
 * (rules_cache.c) and reused while the patterns stay the same. The
 * loaded set is read-only afterwards except for the pool of scan
 * scratch spaces, which has its own lock (see classify.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules.h"

/* Sisimai's reasons, so results compare with it. */
static const char *const reasons[] = {
	"userunknown", "hasmoved", "hostunknown", "notaccept", "suspend",
	"mailboxfull", "mesgtoobig", "exceedlimit", "securityerror",
	"authfailure", "requireptr", "blocked", "badreputation", "spamdetected",
	"virusdetected", "filtered", "policyviolation", "rejected", "norelaying",
	"speeding", "toomanyconn", "failedstarttls", "notcompliantrfc",
	"contenterror", "syntaxerror", "networkerror", "expired", "systemerror",
	"systemfull", "mailererror", "delivered", "vacation", "feedback",
	"onhold", "undefined", NULL
};

/* The routing vocabulary people put in their mail filters. */
static const char *const categories[] = {
	"mailbox-missing", "domain-missing", "mailbox-disabled", "mailbox-full",
	"message-too-large", "auth-failure", "email-auth-failure",
	"reputation-block", "spam-content", "policy-rejected", "relay-denied",
	"rate-limited", "tls-failure", "invalid-message", "network-error",
	"expired", "delayed", "remote-error", "delivered", "auto-reply",
	"feedback", "unknown", NULL
};

static const char *const owners[] = {
	"sender", "sender-admin", "recipient-admin", "none", NULL
};

/* Sisimai's hard bounces: the address itself is wrong. */
static const char *const hard_reasons[] = {
	"userunknown", "hostunknown", "hasmoved", "notaccept", NULL
};

static const char *
lookup(const char *const *list, const char *w)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, w) == 0)
			return *list;
	return NULL;
}

const char *
rules_reason_word(const char *w)
{
	return lookup(reasons, w);
}

const char *
rules_category_word(const char *w)
{
	return lookup(categories, w);
}

const char *
rules_owner_word(const char *w)
{
	return lookup(owners, w);
}

bool
rules_reason_hard(const char *reason)
{
	return lookup(hard_reasons, reason) != NULL;
}

static int
cmp_rank(const void *a, const void *b)
{
	const struct rule *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* What a condition costs to test: bit tests, then words, then codes,
 * then globs. */
static int
cond_cost(enum cond_key k)
{
	switch (k) {
	case COND_TEXT:
	case COND_COMPONENT:
		return 0;
	case COND_NOT_TEXT:
		return 1;
	case COND_KIND:
	case COND_ACTION:
	case COND_COMMAND:
		return 2;
	case COND_REPLY:
		return 3;
	case COND_STATUS:
		return 4;
	case COND_VENDOR:
	case COND_DIAGTYPE:
		return 5;
	case COND_REMOTE:
		return 6;
	}
	return 7;
}

/*
 * A rule holds when all its conditions do, in any order; most rules fail
 * on one of them. Testing the cheap ones first (the pattern bits) makes
 * the failing test cheap: classification walks every rule above the one
 * that decides, for every recipient. Insertion sort: a rule has a few.
 */
static void
order_conditions(struct rule *r)
{
	unsigned i, j;

	for (i = 1; i < r->ncond; i++) {
		struct rule_cond c = r->cond[i];

		for (j = i; j > 0 && cond_cost(r->cond[j - 1].key) > cond_cost(c.key); j--)
			r->cond[j] = r->cond[j - 1];
		r->cond[j] = c;
	}
}

/* Group a pattern condition's ids by match-set word (struct id_mask). */
static bool
make_masks(struct bounce_rules *rs, struct rule_cond *c)
{
	struct id_mask *m;
	unsigned i, j, n = 0;

	if ((m = arena_alloc(rs->arena, c->n * sizeof(*m))) == NULL)
		return false;
	for (i = 0; i < c->n; i++) {
		for (j = 0; j < n && m[j].word != c->id[i] / 64; j++)
			;
		if (j == n) {
			m[n].word = c->id[i] / 64;
			m[n++].bits = 0;
		}
		m[j].bits |= (uint64_t)1 << (c->id[i] % 64);
	}
	c->mask = m;
	c->nmask = n;
	return true;
}

/* A status condition's patterns, compiled (rules_match.c); without
 * memory, or for a word that does not compile, the words are used. */
static void
compile_status(struct bounce_rules *rs, struct rule_cond *c)
{
	struct status_pattern *sp;
	unsigned i;

	if (c->n == 0 || (sp = arena_alloc(rs->arena, c->n * sizeof(*sp))) == NULL)
		return;
	for (i = 0; i < c->n; i++)
		if (!rules_status_compile(c->word[i], &sp[i]))
			return;
	c->status = sp;
}

/* Is expr one bracket expression of plain bytes, "[...]" or "[^...]"
 * (printable ASCII but "\\", "[", "]", "^" and "-", whose meaning
 * depends on where they stand)? Then into c the bytes it matches, as
 * Vectorscan matches it: caseless (every pattern is), and a negated set
 * matches every other byte, newline and 8-bit ones included. */
static bool
byte_class_of(const char *expr, struct byte_class *c)
{
	const char *p = expr + 1;
	bool negated;
	unsigned b;

	if (expr[0] != '[')
		return false;
	if ((negated = *p == '^'))
		p++;
	memset(c->in, 0, sizeof(c->in));
	for (; *p != ']'; p++) {
		b = (unsigned char)*p;
		if (b < 0x20 || b > 0x7e || strchr("\\[^-", (int)b) != NULL)
			return false;
		c->in[b / 64] |= (uint64_t)1 << (b % 64);
		if ((b | 0x20) >= 'a' && (b | 0x20) <= 'z')
			c->in[(b ^ 0x20) / 64] |= (uint64_t)1 << ((b ^ 0x20) % 64);
	}
	if (p == expr + 1 + negated || p[1] != '\0')
		return false;
	for (b = 0; negated && b < 4; b++)
		c->in[b] = ~c->in[b];
	return true;
}

static bool
compile(struct bounce_rules *rs, const struct rules_pattern *pat, unsigned npat,
	char *err, size_t errlen)
{
	const char **expr;
	unsigned *flags, *ids, i, n = 0;
	hs_compile_error_t *cerr = NULL;
	bool ok = false;

	rs->npat = npat;
	if (npat == 0)
		return true;
	expr = calloc(npat, sizeof(*expr));
	flags = calloc(npat, sizeof(*flags));
	ids = calloc(npat, sizeof(*ids));
	if (expr == NULL || flags == NULL || ids == NULL) {
		snprintf(err, errlen, "rules: out of memory");
		goto out;
	}
	/* A byte class costs Vectorscan's set-up at every scan (it may
	 * match at the first byte): a tenth of the classifying time for
	 * the one "[^ ]" of the rules. classify.c answers it instead. */
	for (i = 0; i < npat; i++) {
		if (rs->nbyte_class < RULES_MAX_BYTE_CLASSES &&
		    byte_class_of(pat[i].expr, &rs->byte_class[rs->nbyte_class])) {
			rs->byte_class[rs->nbyte_class++].id = i;
			continue;
		}
		expr[n] = pat[i].expr;
		/* Not HS_FLAG_SINGLEMATCH: a repeated report only sets its
		 * bit again (classify.c), and the flag's bookkeeping makes the
		 * database 7 % bigger and every scan slower. */
		flags[n] = HS_FLAG_CASELESS;
		ids[n++] = i;
	}
	if (n == 0 || rules_cache_load(expr, flags, ids, n, &rs->db))
		goto scratch;
	if (hs_compile_multi(expr, flags, ids, n, HS_MODE_BLOCK, NULL, &rs->db,
			     &cerr) != HS_SUCCESS) {
		if (cerr != NULL && cerr->expression >= 0 && (unsigned)cerr->expression < n)
			snprintf(err, errlen, "%s:%u: bad pattern: %s: /%.80s/",
				 pat[ids[cerr->expression]].file,
				 pat[ids[cerr->expression]].line,
				 cerr->message, pat[ids[cerr->expression]].expr);
		else
			snprintf(err, errlen, "rules: cannot compile the patterns: %s",
				 cerr != NULL ? cerr->message : "unknown error");
		hs_free_compile_error(cerr);
		rs->db = NULL;
		goto out;
	}
	rules_cache_store(expr, flags, ids, n, rs->db);
scratch:
	if (rs->db != NULL && hs_alloc_scratch(rs->db, &rs->proto) != HS_SUCCESS) {
		snprintf(err, errlen, "rules: out of memory for scratch space");
		goto out;
	}
	ok = true;
out:
	free(expr);
	free(flags);
	free(ids);
	return ok;
}

/* The rules (bits by index) whose conditions of kind key all hold for
 * value s, into mask; for s NULL (a value no condition names) the rules
 * without such a condition. */
static void
mask_holding(const struct bounce_rules *rs, enum cond_key key, const char *s,
	     uint64_t *mask)
{
	size_t i;
	unsigned j;

	for (i = 0; i < rs->nrule; i++) {
		const struct rule *r = &rs->rule[i];

		for (j = 0; j < r->ncond; j++)
			if (r->cond[j].key == key &&
			    (s == NULL || !rules_word_any(&r->cond[j], s)))
				break;
		if (j == r->ncond)
			mask[i / 64] |= (uint64_t)1 << (i % 64);
	}
}

/* May a status condition hold for a status of first part key (a
 * STATUS_KEY()), or for none (key 0)? Only with a compiled pattern that
 * is "none", or whose first part is that key or "*"
 * (rules_status_match_any()); an uncompiled condition may always. */
static bool
status_may(const struct rule_cond *c, int key)
{
	unsigned i;

	if (c->status == NULL)
		return true;
	for (i = 0; i < c->n; i++)
		if (key == 0 ? c->status[i].n == 0 : c->status[i].n > 0 &&
		    (c->status[i].part[0] == STATUS_ANY || c->status[i].part[0] == key))
			return true;
	return false;
}

/* The words of the action conditions, once each; false if too many. */
static bool
collect_action_words(struct bounce_rules *rs)
{
	size_t i;
	unsigned j, k, n;

	for (i = 0; i < rs->nrule; i++)
		for (j = 0; j < rs->rule[i].ncond; j++) {
			const struct rule_cond *c = &rs->rule[i].cond[j];

			for (k = 0; c->key == COND_ACTION && k < c->n; k++) {
				if (strcmp(c->word[k], "none") == 0)
					continue;	/* the empty action */
				for (n = 0; n < rs->naction_word &&
				    strcasecmp(rs->action_word[n], c->word[k]) != 0; n++)
					;
				if (n < rs->naction_word)
					continue;
				if (n == RULES_ACTION_WORDS)
					return false;
				rs->action_word[rs->naction_word++] = c->word[k];
			}
		}
	return true;
}

/* Does the rule read a scan of the recipient's texts? */
static bool
reads_scan(const struct rule *r)
{
	unsigned j;

	for (j = 0; j < r->ncond; j++)
		if (r->cond[j].key == COND_TEXT || r->cond[j].key == COND_NOT_TEXT ||
		    r->cond[j].key == COND_COMPONENT)
			return true;
	return false;
}

/* Does the rule hold for every recipient of a report of a kind its
 * kind conditions accept (it has no other)? */
static bool
holds_for_kind(const struct rule *r)
{
	unsigned j;

	for (j = 0; j < r->ncond; j++)
		if (r->cond[j].key != COND_KIND)
			return false;
	return true;
}

/* Is every recipient of a report of kind k decided by a rule above all
 * rules that read a scan (struct bounce_rules, unscanned_kind)? The
 * rules that may hold for kind k are tried in rank order: the first
 * that holds for all of them and does not continue decides. */
static bool
kind_unscanned(const struct bounce_rules *rs, unsigned k)
{
	size_t i;

	for (i = 0; i < rs->nrule; i++) {
		const struct rule *r = &rs->rule[i];

		if (!(rs->by_kind[k][i / 64] & (uint64_t)1 << (i % 64)))
			continue;
		if (reads_scan(r))
			return false;
		if (holds_for_kind(r) && !r->cont)
			return true;
	}
	return false;
}

/*
 * Rules that cannot hold for a report of some kind, a recipient of some
 * action or a component that matched nothing are known at load: masks
 * of the others (struct bounce_rules) spare classify.c a look at them.
 */
static bool
index_filters(struct bounce_rules *rs)
{
	size_t i, nbytes = ((rs->nrule + 63) / 64 + 1) * sizeof(uint64_t);
	unsigned j, k;

	for (k = 0; k < RULES_KINDS; k++) {
		if ((rs->by_kind[k] = arena_alloc(rs->arena, nbytes)) == NULL)
			return false;
		mask_holding(rs, COND_KIND, bounce_kind_name((enum bounce_kind)k),
		    rs->by_kind[k]);
		rs->unscanned_kind[k] = kind_unscanned(rs, k);
	}
	if ((rs->component_rules = arena_alloc(rs->arena, nbytes)) == NULL)
		return false;
	for (i = 0; i < rs->nrule; i++)
		for (j = 0; j < rs->rule[i].ncond; j++)
			if (rs->rule[i].cond[j].key == COND_COMPONENT)
				rs->component_rules[i / 64] |= (uint64_t)1 << (i % 64);
	for (k = 0; k < RULES_STATUS_CLASSES; k++) {
		/* None, then the classes 2, 4 and 5 (rules_status_class()). */
		int key = k == 0 ? 0 : STATUS_KEY(1, k == 1 ? 2 : k == 2 ? 4 : 5);

		if ((rs->by_status[k] = arena_alloc(rs->arena, nbytes)) == NULL)
			return false;
		for (i = 0; i < rs->nrule; i++) {
			for (j = 0; j < rs->rule[i].ncond; j++)
				if (rs->rule[i].cond[j].key == COND_STATUS &&
				    !status_may(&rs->rule[i].cond[j], key))
					break;
			if (j == rs->rule[i].ncond)
				rs->by_status[k][i / 64] |= (uint64_t)1 << (i % 64);
		}
	}
	if (!collect_action_words(rs)) {
		rs->naction_word = 0;
		return true;
	}
	for (k = 0; k < rs->naction_word + 2; k++) {
		if ((rs->by_action[k] = arena_alloc(rs->arena, nbytes)) == NULL)
			return false;
		/* Each word, then the empty action and any other. */
		mask_holding(rs, COND_ACTION, k < rs->naction_word ? rs->action_word[k] :
		    k == rs->naction_word ? "" : NULL, rs->by_action[k]);
	}
	return true;
}

/*
 * Most rules have a text condition and fail on it for a given recipient:
 * none of its patterns matched. Which rules remain is known from the
 * patterns that matched, so classify.c tries only those and the rules
 * without a text condition, instead of all of them (struct
 * bounce_rules).
 */
static bool
index_candidates(struct bounce_rules *rs)
{
	size_t i, nword = (rs->nrule + 63) / 64;
	unsigned *next, j, id;

	rs->untexted = arena_alloc(rs->arena, (nword ? nword : 1) * sizeof(uint64_t));
	rs->pattern_first = arena_alloc(rs->arena, (rs->npat + 1) * sizeof(unsigned));
	if (rs->untexted == NULL || rs->pattern_first == NULL)
		return false;
	for (i = 0; i < rs->nrule; i++) {
		const struct rule_cond *t = rs->rule[i].text;

		if (t == NULL)
			rs->untexted[i / 64] |= (uint64_t)1 << (i % 64);
		else
			for (j = 0; j < t->n; j++)
				if ((id = t->id[j]) < rs->npat)
					rs->pattern_first[id + 1]++;
	}
	for (id = 0; id < rs->npat; id++)
		rs->pattern_first[id + 1] += rs->pattern_first[id];
	rs->pattern_rule = arena_alloc(rs->arena,
	    (rs->pattern_first[rs->npat] + 1) * sizeof(unsigned));
	if (rs->pattern_rule == NULL ||
	    (next = calloc(rs->npat + 1, sizeof(*next))) == NULL)
		return false;
	memcpy(next, rs->pattern_first, rs->npat * sizeof(*next));
	for (i = 0; i < rs->nrule; i++) {
		const struct rule_cond *t = rs->rule[i].text;

		for (j = 0; t != NULL && j < t->n; j++)
			if ((id = t->id[j]) < rs->npat)
				rs->pattern_rule[next[id]++] = (unsigned)i;
	}
	free(next);
	return true;
}

struct bounce_rules *
bounce_rules_load(const char *dir, char *err, size_t errlen)
{
	struct bounce_rules *rs;
	struct rules_pattern *pat = NULL;
	unsigned npat = 0;
	size_t i;
	char dummy[1];

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if ((rs = calloc(1, sizeof(*rs))) == NULL || (rs->arena = arena_new()) == NULL) {
		free(rs);
		snprintf(err, errlen, "%s: out of memory", dir);
		return NULL;
	}
	if (pthread_mutex_init(&rs->pool_lock, NULL) != 0) {
		arena_free(rs->arena);
		free(rs);
		snprintf(err, errlen, "%s: cannot create a lock", dir);
		return NULL;
	}
	if (!rules_parse_dir(rs, dir, &pat, &npat, err, errlen) ||
	    !compile(rs, pat, npat, err, errlen)) {
		free(pat);
		bounce_rules_free(rs);
		return NULL;
	}
	free(pat);
	if (rs->nrule > 0)
		qsort(rs->rule, rs->nrule, sizeof(*rs->rule), cmp_rank);
	for (i = 0; i < rs->nrule; i++) {
		struct rule *r = &rs->rule[i];
		unsigned j;

		order_conditions(r);
		for (j = 0; j < r->ncond; j++) {
			if (r->cond[j].id != NULL && !make_masks(rs, &r->cond[j])) {
				snprintf(err, errlen, "%s: out of memory", dir);
				bounce_rules_free(rs);
				return NULL;
			}
			if (r->cond[j].key == COND_STATUS)
				compile_status(rs, &r->cond[j]);
			if (r->cond[j].key == COND_TEXT && r->text == NULL)
				r->text = &r->cond[j];
		}
	}
	if (!index_candidates(rs) || !index_filters(rs)) {
		snprintf(err, errlen, "%s: out of memory", dir);
		bounce_rules_free(rs);
		return NULL;
	}
	return rs;
}

void
bounce_rules_free(struct bounce_rules *rs)
{
	struct scratch_node *n, *next;

	if (rs == NULL)
		return;
	for (n = rs->pool; n != NULL; n = next) {
		next = n->next;
		hs_free_scratch(n->scratch);
		free(n);
	}
	hs_free_scratch(rs->proto);
	hs_free_database(rs->db);
	pthread_mutex_destroy(&rs->pool_lock);
	free(rs->rule);
	arena_free(rs->arena);
	free(rs);
}
