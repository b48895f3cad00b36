/*
 * vendor_gate.c - which vendor modules may recognise a message, asked
 * for all modules at once (the gates of engine.h).
 *
 * Asked module by module, the fifty modules put about a hundred
 * questions to every message, most of them "does From (Subject,
 * X-Mailer ...) contain this word?", and nearly all answers are no.
 * Here the gates are compiled once into a table by field name: each
 * field is fetched once per message, and one pass over its value finds
 * the words of every module (an index by first byte says which words
 * can start at a position, as in words.c). Body phrases come from the
 * one scan of the body that vendor.c makes anyway.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "ascii.h"
#include "engine.h"

#define GATE_MODULES	64	/* bits of a uint64_t */
#define GATE_FIELDS	20	/* distinct field names */
#define GATE_WORDS	64	/* words of one field, all modules */
#define GATE_PHRASES	128	/* body phrase clauses, all modules */
#define GATE_TYPES	4	/* content types named */
#define GATE_PHRASE_IDS	1024	/* phrase numbers (vendor.c's MAX_PHRASES) */
#define GATE_POOL	1024	/* bytes of one field's words */

struct gate_field {
	const char *name;
	uint64_t    set;		/* modules that want a value */
	uint64_t    has;		/* modules that want a word */
	unsigned    nword;
	const char *word[GATE_WORDS];	/* in lower case, in pool */
	size_t	    len[GATE_WORDS];
	uint64_t    module[GATE_WORDS];	/* the module of each word */
	uint64_t    by_first[256];	/* words by first byte, either case */
	bool	    starts[256];	/* by_first[c] != 0 */
	size_t	    shortest;		/* length of the shortest word */
	uint64_t    all;		/* a bit per word */
	char	    pool[GATE_POOL];
	size_t	    used;
};

struct gate_phrase {
	const struct vendor_markers *markers;
	unsigned    k;
	uint64_t    module;
};

struct gate_type {
	const char *type;
	uint64_t    module;
};

static struct {
	uint64_t    always;		/* modules without a gate */
	uint64_t    report;		/* GATE_REPORT */
	uint64_t    status;		/* GATE_STATUS_PART */
	uint64_t    received;		/* words in Received */
	const char *received_word[GATE_WORDS + 1];	/* NULL-terminated */
	unsigned    nreceived;
	struct gate_field field[GATE_FIELDS];
	unsigned    nfield;
	struct gate_phrase phrase[GATE_PHRASES];
	unsigned    nphrase;
	uint64_t    by_phrase[GATE_PHRASE_IDS];	/* modules by phrase number */
	struct gate_type type[GATE_TYPES];
	unsigned    ntype;
} plan;

static struct gate_field *
field_slot(const char *name)
{
	unsigned i;

	for (i = 0; i < plan.nfield; i++)
		if (strcasecmp(plan.field[i].name, name) == 0)
			return &plan.field[i];
	if (plan.nfield == GATE_FIELDS)
		return NULL;
	plan.field[plan.nfield].name = name;
	return &plan.field[plan.nfield++];
}

static bool
add_phrase(const struct vendor_markers *m, unsigned k, uint64_t bit)
{
	if (plan.nphrase == GATE_PHRASES || m->base + k >= GATE_PHRASE_IDS)
		return false;
	plan.phrase[plan.nphrase++] = (struct gate_phrase){ m, k, bit };
	plan.by_phrase[m->base + k] |= bit;
	return true;
}

static bool
add_word(const struct vendor_gate *g, uint64_t bit)
{
	struct gate_field *f;
	size_t len = strlen(g->word), i;
	unsigned char c;

	if (len == 0)
		return false;
	if (strcasecmp(g->field, "Received") == 0) {
		if (plan.nreceived == GATE_WORDS)
			return false;
		plan.received_word[plan.nreceived++] = g->word;
		plan.received |= bit;
		return true;
	}
	if ((f = field_slot(g->field)) == NULL || f->nword == GATE_WORDS ||
	    len >= sizeof(f->pool) - f->used)
		return false;
	/* Lower case once here, not at every comparison. */
	for (i = 0; i <= len; i++)
		f->pool[f->used + i] = (char)ascii_tolower((unsigned char)g->word[i]);
	f->word[f->nword] = f->pool + f->used;
	f->used += len + 1;
	f->len[f->nword] = len;
	f->module[f->nword] = bit;
	c = ascii_tolower((unsigned char)g->word[0]);
	f->by_first[c] |= (uint64_t)1 << f->nword;
	f->starts[c] = true;
	if (c >= 'a' && c <= 'z') {
		f->by_first[c - 0x20] |= (uint64_t)1 << f->nword;
		f->starts[c - 0x20] = true;
	}
	if (f->nword == 0 || len < f->shortest)
		f->shortest = len;
	f->all |= (uint64_t)1 << f->nword;
	f->nword++;
	f->has |= bit;
	return true;
}

/* One module's gate into the plan; false if it does not fit (or
 * includes a gate that includes another). */
static bool
add_gate(const struct vendor_gate *g, uint64_t bit, bool included)
{
	struct gate_field *f;
	unsigned k;

	for (; g->kind != GATE_END; g++) {
		switch (g->kind) {
		case GATE_FIELD_HAS:
			if (!add_word(g, bit))
				return false;
			break;
		case GATE_FIELD_SET:
			if ((f = field_slot(g->field)) == NULL)
				return false;
			f->set |= bit;
			break;
		case GATE_PHRASE:
			if (!add_phrase(g->markers, g->k, bit))
				return false;
			break;
		case GATE_ANY_PHRASE:
			for (k = 0; g->markers->phrase[k] != NULL; k++)
				if (!add_phrase(g->markers, k, bit))
					return false;
			break;
		case GATE_CONTENT_TYPE:
			if (plan.ntype == GATE_TYPES)
				return false;
			plan.type[plan.ntype++] = (struct gate_type){ g->word, bit };
			break;
		case GATE_STATUS_PART:
			plan.status |= bit;
			break;
		case GATE_REPORT:
			plan.report |= bit;
			break;
		case GATE_INCLUDE:
			if (included || !add_gate(g->also, bit, true))
				return false;
			break;
		case GATE_END:
			break;
		}
	}
	return true;
}

bool
vendor_gates_build(const struct vendor_module *const *mods, size_t n)
{
	size_t i;

	memset(&plan, 0, sizeof(plan));
	if (n > GATE_MODULES) {
		plan.always = ~(uint64_t)0;
		return false;
	}
	for (i = 0; i < n; i++) {
		uint64_t bit = (uint64_t)1 << i;

		if (mods[i]->gate == NULL)
			plan.always |= bit;
		else if (!add_gate(mods[i]->gate, bit, false)) {
			/* A table too small is a bug, not a lost message. */
			plan.always = ~(uint64_t)0;
			return false;
		}
	}
	return true;
}

/* The modules whose words occur in v. */
static uint64_t
words_in(const struct gate_field *f, struct span v)
{
	uint64_t left = f->all, set, found = 0;
	unsigned k;
	size_t i, j, end;

	if (v.len < f->shortest)
		return 0;
	end = v.len - f->shortest + 1;	/* last possible start + 1 */
	for (i = 0; i < end && left != 0; i++) {
		/* Most bytes start no word: skip them in a tight loop. */
		while (!f->starts[(unsigned char)v.p[i]])
			if (++i == end)
				return found;
		if ((set = f->by_first[(unsigned char)v.p[i]] & left) == 0)
			continue;
		do {
			k = (unsigned)__builtin_ctzll(set);
			set &= set - 1;
			if (f->len[k] > v.len - i)
				continue;
			for (j = 1; j < f->len[k]; j++)
				if (ascii_tolower((unsigned char)v.p[i + j]) !=
				    (unsigned char)f->word[k][j])
					break;
			if (j == f->len[k]) {
				found |= f->module[k];
				left &= ~((uint64_t)1 << k);
			}
		} while (set != 0);
	}
	return found;
}

static bool
has_status_part(const struct msgview *mv)
{
	size_t i;

	for (i = 0; i < mv->nleaf; i++)
		if (!mv->leaf[i].in_returned &&
		    strcmp(mv->leaf[i].type, "message/delivery-status") == 0)
			return true;
	return false;
}

uint64_t
vendor_gates_of_phrase(unsigned id)
{
	return id < GATE_PHRASE_IDS ? plan.by_phrase[id] : 0;
}

uint64_t
vendor_gates_open(const struct msgview *mv, const uint64_t *by_phrases)
{
	uint64_t open = plan.always;
	const struct gate_field *f;
	struct span v;
	unsigned i;

	if (by_phrases != NULL)
		open |= *by_phrases;
	else
		for (i = 0; i < plan.nphrase; i++)
			if ((plan.phrase[i].module & open) == 0 &&
			    mv_marker_end(mv, plan.phrase[i].markers, plan.phrase[i].k) != 0)
				open |= plan.phrase[i].module;
	for (i = 0; i < plan.nfield; i++) {
		f = &plan.field[i];
		if (((f->set | f->has) & ~open) == 0 ||
		    (v = mv_header(mv, f->name)).len == 0)
			continue;
		open |= f->set;
		if ((f->has & ~open) != 0)
			open |= words_in(f, v);
	}
	if ((plan.received & ~open) != 0 &&
	    mv_header_has(mv, "Received", VENDOR_GATE_RECEIVED, plan.received_word))
		open |= plan.received;
	for (i = 0; i < plan.ntype; i++)
		if (strcmp(mv->content_type, plan.type[i].type) == 0)
			open |= plan.type[i].module;
	if ((plan.status & ~open) != 0 && has_status_part(mv))
		open |= plan.status;
	if ((plan.report & ~open) != 0 && mv_looks_like_report_once(mv))
		open |= plan.report;
	return open;
}
