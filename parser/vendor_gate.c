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
 *
 * The fields are read in one pass over the message's header index, as
 * they came: decoding a value (unfolding, RFC 2047, charsets) costs more
 * than looking at it, and for a value of printable ASCII with no encoded
 * word it changes nothing a word can see. Only a value that shows
 * something decoding could turn into a word is decoded and searched
 * again, so a gate opens whenever the decoded value has the word.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ascii.h"
#include "engine.h"

#define GATE_MODULES	64	/* bits of a uint64_t */
#define GATE_FIELDS	20	/* distinct field names */
#define GATE_WORDS	64	/* words of one field, all modules */
#define GATE_PHRASES	128	/* body phrase clauses, all modules */
#define GATE_TYPES	4	/* content types named */
#define GATE_PHRASE_IDS	1024	/* phrase numbers (vendor.c's MAX_PHRASES) */
#define GATE_POOL	1024	/* bytes of one field's words */
#define GATE_NAME	32	/* longest field name + 1 */

#define GATE_FEW_WORDS	4	/* searched one by one (SIMD), not by table */

/* What decoding a raw value could change (raw_kind()). */
#define RAW_FOLDS	0x01	/* tab, CR, LF: unfolding makes them blanks */
#define RAW_DECODES	0x02	/* an encoded word, 8-bit or control bytes */

struct gate_field {
	const char *name;
	char	    lname[GATE_NAME];	/* name in lower case */
	size_t	    nlen;
	unsigned    max;		/* fields of this name read: 1, or Received's */
	uint64_t    set;		/* modules that want a value */
	uint64_t    has;		/* modules that want a word */
	unsigned    nword;
	const char *word[GATE_WORDS];	/* in lower case, in pool */
	size_t	    len[GATE_WORDS];
	uint64_t    module[GATE_WORDS];	/* the module of each word */
	uint64_t    by_first[256];	/* words by first byte, either case */
	uint64_t    by_second[256];	/* by second byte (one-byte words: all) */
	bool	    starts[256];	/* by_first[c] != 0 */
	size_t	    shortest;		/* length of the shortest word */
	uint64_t    all;		/* a bit per word */
	uint64_t    spaced;		/* the words with a blank in them */
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
	uint64_t    headers;		/* modules a header field may open */
	uint32_t    by_len[GATE_NAME];	/* the fields by name length */
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
	struct gate_field *f;
	size_t len = strlen(name), i;

	for (i = 0; i < plan.nfield; i++)
		if (strcasecmp(plan.field[i].name, name) == 0)
			return &plan.field[i];
	if (plan.nfield == GATE_FIELDS || len == 0 || len >= GATE_NAME)
		return NULL;
	f = &plan.field[plan.nfield];
	f->name = name;
	f->nlen = len;
	for (i = 0; i < len; i++)
		f->lname[i] = (char)ascii_tolower((unsigned char)name[i]);
	f->max = strcasecmp(name, "Received") == 0 ? VENDOR_GATE_RECEIVED : 1;
	plan.by_len[len] |= (uint32_t)1 << plan.nfield++;
	return f;
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
	if (len == 1)
		for (i = 0; i < 256; i++)
			f->by_second[i] |= (uint64_t)1 << f->nword;
	else {
		c = (unsigned char)f->word[f->nword][1];
		f->by_second[c] |= (uint64_t)1 << f->nword;
		if (c >= 'a' && c <= 'z')
			f->by_second[c - 0x20] |= (uint64_t)1 << f->nword;
	}
	if (f->nword == 0 || len < f->shortest)
		f->shortest = len;
	f->all |= (uint64_t)1 << f->nword;
	if (memchr(g->word, ' ', len) != NULL)
		f->spaced |= (uint64_t)1 << f->nword;
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
	static bool built;
	size_t i;

	/* The plan starts zeroed (static); its 150 KB are cleared only
	 * to build it again. */
	if (built)
		memset(&plan, 0, sizeof(plan));
	built = true;
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
	for (i = 0; i < plan.nfield; i++)
		plan.headers |= plan.field[i].set | plan.field[i].has;
	return true;
}

/* The modules of the words of *left that occur in v; those found leave
 * *left. For a field of many words: one pass, trying at each byte the
 * words that start with it. */
static uint64_t
words_in(const struct gate_field *f, struct span v, uint64_t *left)
{
	uint64_t set, found = 0;
	unsigned k;
	size_t i, j, end;

	if (v.len < f->shortest)
		return 0;
	end = v.len - f->shortest + 1;	/* last possible start + 1 */
	for (i = 0; i < end && *left != 0; i++) {
		/* Most bytes start no word: skip them in a tight loop. */
		while (!f->starts[(unsigned char)v.p[i]])
			if (++i == end)
				return found;
		/* The second byte rules out most of the words left. */
		if ((set = f->by_first[(unsigned char)v.p[i]] & *left) == 0 ||
		    (i + 1 < v.len && (set &= f->by_second[(unsigned char)v.p[i + 1]]) == 0))
			continue;
		do {
			k = (unsigned)__builtin_ctzll(set);
			set &= set - 1;
			/* The last byte next: words share beginnings
			 * ("mailer-daemon@google..."), seldom ends. */
			if (f->len[k] > v.len - i ||
			    ascii_tolower((unsigned char)v.p[i + f->len[k] - 1]) !=
			    (unsigned char)f->word[k][f->len[k] - 1])
				continue;
			for (j = 1; j < f->len[k]; j++)
				if (ascii_tolower((unsigned char)v.p[i + j]) !=
				    (unsigned char)f->word[k][j])
					break;
			if (j == f->len[k]) {
				found |= f->module[k];
				*left &= ~((uint64_t)1 << k);
			}
		} while (set != 0);
	}
	return found;
}

/* The same for a field of a few words (Received: long values, three
 * words): a vectorised search for each is quicker than the table. */
static uint64_t
few_words_in(const struct gate_field *f, struct span v, uint64_t *left)
{
	uint64_t set = *left, found = 0;
	unsigned k;

	while (set != 0) {
		k = (unsigned)__builtin_ctzll(set);
		set &= set - 1;
		if (mem_ifind(v.p, v.len, f->word[k], f->len[k]) != NULL) {
			found |= f->module[k];
			*left &= ~((uint64_t)1 << k);
		}
	}
	return found;
}

/* What decoding could change at v.p[i] (RAW_*). */
static unsigned
byte_kind(struct span v, size_t i)
{
	unsigned char c = (unsigned char)v.p[i];

	if (c == '\t' || c == '\r' || c == '\n')
		return RAW_FOLDS;
	if (c < 0x20 || c >= 0x80 || (c == '?' && i > 0 && v.p[i - 1] == '='))
		return RAW_DECODES;
	return 0;
}

#ifdef __SSE2__
/* What decoding could change in the sixteen bytes at v.p[i] (RAW_*),
 * all at once: controls other than tab, CR and LF, 8-bit bytes (signed,
 * they are below 0x20 too) and "=?" (the bytes before come from a second
 * load, one byte back; the byte before the value is none: a zero). */
static unsigned
block_kind(struct span v, size_t i, __m128i b)
{
	__m128i before = i > 0 ?
	    _mm_loadu_si128((const __m128i *)(const void *)(v.p + i - 1)) :
	    _mm_slli_si128(b, 1);
	__m128i folds = _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('\t')),
	    _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('\r')),
	    _mm_cmpeq_epi8(b, _mm_set1_epi8('\n'))));
	__m128i decodes = _mm_or_si128(
	    _mm_andnot_si128(folds, _mm_cmplt_epi8(b, _mm_set1_epi8(0x20))),
	    _mm_and_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('?')),
	    _mm_cmpeq_epi8(before, _mm_set1_epi8('='))));

	if (_mm_movemask_epi8(decodes) != 0)
		return RAW_DECODES;
	return _mm_movemask_epi8(folds) != 0 ? RAW_FOLDS : 0;
}
#endif

/* What decoding could change in raw value v (RAW_*): sixteen bytes at
 * a time while none is a control, 8-bit or '?'; a block with one is
 * asked in full (folded values have a tab or CR LF in most blocks).
 * Byte by byte only a value shorter than a block. */
static unsigned
raw_kind(struct span v)
{
	unsigned kind = 0;
	size_t i = 0;

#ifdef __SSE2__
	const __m128i space = _mm_set1_epi8(0x20), question = _mm_set1_epi8('?');

	/* The last block is moved back to end with the value: asking a
	 * byte twice changes no answer. */
	for (; i < v.len && v.len >= 16; i += 16) {
		__m128i b;

		if (i + 16 > v.len)
			i = v.len - 16;
		b = _mm_loadu_si128((const __m128i *)(const void *)(v.p + i));
		/* Signed: the bytes above 0x7f are below 0x20 too. */
		if (_mm_movemask_epi8(_mm_or_si128(_mm_cmplt_epi8(b, space),
		    _mm_cmpeq_epi8(b, question))) != 0 &&
		    (kind |= block_kind(v, i, b)) & RAW_DECODES)
			return kind;
	}
#endif
	for (; i < v.len; i++)
		if ((kind |= byte_kind(v, i)) & RAW_DECODES)
			return kind;
	return kind;
}

/* The gate field called name, NULL if none. The length rules out
 * most fields of a message, the first letter nearly all the rest. */
static const struct gate_field *
field_named(struct span name)
{
	const struct gate_field *f;
	uint32_t set;
	size_t i;

	if (name.len >= GATE_NAME || (set = plan.by_len[name.len]) == 0)
		return NULL;
	do {
		f = &plan.field[__builtin_ctz(set)];
		set &= set - 1;
		for (i = 0; i < name.len; i++)
			if (ascii_tolower((unsigned char)name.p[i]) != (unsigned char)f->lname[i])
				break;
		if (i == name.len)
			return f;
	} while (set != 0);
	return NULL;
}

/* The modules that the n-th field called f->name, raw as it came, opens;
 * *left: the words of f not found yet. The decoded value is asked only
 * when decoding could show a word the raw one hides: an encoded word,
 * 8-bit or control bytes, or a fold where a word has a blank. */
static uint64_t
field_opens(const struct msgview *mv, const struct gate_field *f, unsigned n,
	    struct span raw, uint64_t *left)
{
	uint64_t opened;
	unsigned kind;

	if ((raw = span_trim(raw)).len == 0)
		return 0;
	opened = f->set;
	if (*left == 0)
		return opened;
	opened |= f->nword <= GATE_FEW_WORDS ? few_words_in(f, raw, left) :
	    words_in(f, raw, left);
	if (*left != 0 && ((kind = raw_kind(raw)) & RAW_DECODES ||
	    (kind & RAW_FOLDS && (*left & f->spaced) != 0)))
		opened |= words_in(f, mv_header_nth(mv, f->name, (int)n), left);
	return opened;
}

/* The header gates, in one pass over the fields; open: those open. */
static uint64_t
header_gates(const struct msgview *mv, uint64_t open)
{
	unsigned char count[GATE_FIELDS] = { 0 };
	uint64_t left[GATE_FIELDS];
	const struct gate_field *f;
	struct span name, raw;
	unsigned slot;
	size_t i;

	for (i = 0; (plan.headers & ~open) != 0 &&
	    mv_header_raw(mv, i, &name, &raw); i++) {
		if ((f = field_named(name)) == NULL)
			continue;
		slot = (unsigned)(f - plan.field);
		if (count[slot] == f->max)
			continue;
		if (count[slot] == 0)
			left[slot] = f->all;
		if (((f->set | f->has) & ~open) != 0)
			open |= field_opens(mv, f, count[slot], raw, &left[slot]);
		count[slot]++;
	}
	return open;
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
	unsigned i;

	if (by_phrases != NULL)
		open |= *by_phrases;
	else
		for (i = 0; i < plan.nphrase; i++)
			if ((plan.phrase[i].module & open) == 0 &&
			    mv_marker_end(mv, plan.phrase[i].markers, plan.phrase[i].k) != 0)
				open |= plan.phrase[i].module;
	open = header_gates(mv, open);
	for (i = 0; i < plan.ntype; i++)
		if (strcmp(mv->content_type, plan.type[i].type) == 0)
			open |= plan.type[i].module;
	if ((plan.status & ~open) != 0 && has_status_part(mv))
		open |= plan.status;
	if ((plan.report & ~open) != 0 && mv_looks_like_report_once(mv))
		open |= plan.report;
	return open;
}
