/*
 * phrases.c - where each of a fixed set of phrases first ends in a text,
 * ASCII case-insensitively, in one pass (the vendor modules' body
 * phrases, vendor.c).
 *
 * A hundred literal phrases over a kilobyte of notification: Vectorscan
 * does it in one pass too, but its tables for so many literals are
 * 125 KB, which the rest of the work evicts between two messages. Here
 * the tables are a few KB, touched sparsely. Each phrase gets an anchor:
 * the seven bytes of it that look rarest (not shared with other phrases;
 * letters seldom seen in English beat common ones, which beat blanks and
 * punctuation). Only every
 * fourth position of the text is looked at: the four bytes there,
 * folded to lower case by setting bit 5 of each byte (which can only
 * make more of them equal), are hashed into a bitmap that holds the
 * hashes of the four 4-byte windows of every anchor, so that wherever a
 * phrase starts one of its windows lies at a position looked at. A
 * position whose bit is set is checked against the windows of that
 * hash: eight folded bytes at once, then the phrase byte by byte. No
 * occurrence is missed and only true ones are reported. Phrases shorter
 * than an anchor (two of them) are searched one by one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_PATH	1	/* built for any x86-64, chosen at run time */
#endif

#include "ascii.h"
#include "engine.h"

#define HASH_BITS	14	/* 2 KB of bitmap: few false positions */
#define HASH_WORDS	((1u << HASH_BITS) / 32)
#define ANCHOR		4	/* bytes hashed */
#define STRIDE		4	/* positions hashed: every fourth */
#define SPAN		(ANCHOR + STRIDE - 1)	/* shortest phrase hashed */
#define FOLD4		UINT32_C(0x20202020)
#define FOLD8		UINT64_C(0x2020202020202020)

struct phrase_entry {
	uint32_t	 hash;		/* of the anchor; the entries sorted by it */
	unsigned	 id;
	size_t		 len;
	size_t		 anchor;	/* offset of the anchor in the phrase */
	uint64_t	 near;		/* up to 8 folded bytes from the anchor */
	uint64_t	 near_mask;	/* the bytes of near that count */
	const char	*lower;		/* the phrase in lower case, then NUL, then
					 * 0x20 at its letters, 0 elsewhere */
};

struct phrase_set {
	uint32_t	 bitmap[HASH_WORDS];	/* anchors' hashes */
	uint16_t	 before[HASH_WORDS];	/* distinct hashes in earlier words */
	uint16_t	*start;		/* by distinct hash: its first entry; then n */
	unsigned	 n;		/* entries */
	unsigned	 nshort;	/* phrases shorter than SPAN */
	struct phrase_entry *shorts;	/* them, searched one by one */
	struct phrase_entry entry[];
};

static inline uint32_t
hash4(uint32_t folded)
{
	return (folded * UINT32_C(0x9E3779B1)) >> (32 - HASH_BITS);
}

static inline uint32_t
load4(const char *p)
{
	uint32_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* How common each byte is in text, for choosing anchors: 0 for the
 * rarest letters up to 26 for 'e'; digits 10; blanks, punctuation and
 * controls, the commonest, 40; 8-bit bytes (phrases in UTF-8) 0. Only
 * the ranks matter. */
static void
commonness(unsigned char rank[256])
{
	static const char by_frequency[] = "etaoinshrdlcumwfgypbvkjxqz";
	unsigned c, k;

	for (c = 0; c < 256; c++)
		rank[c] = c >= 0x80 ? 0 : c >= '0' && c <= '9' ? 10 : 40;
	for (k = 0; by_frequency[k] != '\0'; k++) {
		c = (unsigned char)by_frequency[k];
		rank[c] = rank[c - 0x20] = (unsigned char)(26 - k);
	}
}

/* The offset of the rarest-looking SPAN bytes of a phrase of at least
 * SPAN bytes: the STRIDE anchors there, one of which lies at a hashed
 * position wherever the phrase starts. A window that other phrases have
 * too ("following", "delivery") weighs most: it is common in bounces,
 * and each text position with it leads to all of them. shared[h]: the
 * phrases with a window of hash h. */
static size_t
pick_anchor(const unsigned char rank[256], const uint8_t *shared,
	    const char *phrase, size_t len)
{
	unsigned penalty[STRIDE], letters = 0, windows = 0, score, best_score = ~0u;
	size_t best = 0, o, k;

	/* Sums over the SPAN bytes and STRIDE windows at o, slid along. */
	for (k = 0; k + 1 < SPAN; k++)
		letters += rank[(unsigned char)phrase[k]];
	for (k = 0; k + 1 < STRIDE; k++)
		windows += penalty[k] = 64u * (shared[hash4(load4(phrase + k) | FOLD4)] - 1u);
	for (o = 0; o + SPAN <= len; o++) {
		letters += rank[(unsigned char)phrase[o + SPAN - 1]];
		k = (o + STRIDE - 1) % STRIDE;
		windows += penalty[k] = 64u * (shared[hash4(load4(phrase + o + STRIDE - 1) |
		    FOLD4)] - 1u);
		if ((score = letters + windows) < best_score) {
			best_score = score;
			best = o;
		}
		letters -= rank[(unsigned char)phrase[o]];
		windows -= penalty[o % STRIDE];
	}
	return best;
}

/* Entry e for phrase id at anchor offset a. */
static void
entry_set(struct phrase_entry *e, unsigned id, const char *phrase, size_t len,
	  const char *lower, size_t a)
{
	size_t near_len = len - a < 8 ? len - a : 8;

	e->id = id;
	e->len = len;
	e->lower = lower;
	e->anchor = a;
	e->hash = hash4(load4(phrase + a) | FOLD4);
	memcpy(&e->near, phrase + a, near_len);
	memset(&e->near_mask, 0xff, near_len);	/* the bytes, in any byte order */
	e->near = (e->near | FOLD8) & e->near_mask;
}

static int
by_hash(const void *a, const void *b)
{
	const struct phrase_entry *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->anchor < y->anchor ? -1 : x->anchor > y->anchor;
}

struct phrase_set *
phrase_set_build(const char *const *phrase, unsigned n)
{
	struct phrase_set *set;
	size_t i, k, len, o, entries = 0, shorts = 0, strings = 0;
	unsigned char rank[256];
	uint8_t *shared;
	char *lower;
	unsigned count;

	if (n == 0)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((len = strlen(phrase[i])) == 0)
			return NULL;
		if (len < SPAN)
			shorts++;
		else
			entries += STRIDE;
		strings += 2 * len + 1;
	}
	if (entries > UINT16_MAX)
		return NULL;
	if ((shared = calloc(1u << HASH_BITS, sizeof(*shared))) == NULL)
		return NULL;
	if ((set = calloc(1, sizeof(*set) + (entries + shorts) * sizeof(set->entry[0]) +
	    (entries + 1) * sizeof(set->start[0]) + strings)) == NULL) {
		free(shared);
		return NULL;
	}
	commonness(rank);
	/* How many phrases have each window (saturating; a phrase with a
	 * window twice counts twice: it only weighs more). */
	for (i = 0; i < n; i++)
		for (k = 0, len = strlen(phrase[i]); k + ANCHOR <= len; k++) {
			uint8_t *c = &shared[hash4(load4(phrase[i] + k) | FOLD4)];

			if (*c < UINT8_MAX)
				(*c)++;
		}
	set->shorts = &set->entry[entries];
	set->start = (uint16_t *)(void *)&set->shorts[shorts];
	lower = (char *)&set->start[entries + 1];
	for (i = 0; i < n; i++) {
		const char *l = lower;

		len = strlen(phrase[i]);
		for (k = 0; k <= len; k++)
			*lower++ = (char)ascii_tolower((unsigned char)phrase[i][k]);
		for (k = 0; k < len; k++)
			*lower++ = ascii_isalpha((unsigned char)phrase[i][k]) ? 0x20 : 0;
		if (len < SPAN) {
			struct phrase_entry *e = &set->shorts[set->nshort++];

			e->id = (unsigned)i;
			e->len = len;
			e->lower = l;
			continue;
		}
		o = pick_anchor(rank, shared, phrase[i], len);
		for (k = 0; k < STRIDE; k++) {
			struct phrase_entry *e = &set->entry[set->n++];

			entry_set(e, (unsigned)i, phrase[i], len, l, o + k);
			set->bitmap[e->hash / 32] |= UINT32_C(1) << (e->hash % 32);
		}
	}
	qsort(set->entry, set->n, sizeof(set->entry[0]), by_hash);
	for (i = 0, count = 0; i < HASH_WORDS; i++) {
		set->before[i] = (uint16_t)count;
		count += (unsigned)__builtin_popcount(set->bitmap[i]);
	}
	for (i = 0, count = 0; i < set->n; i++)
		if (i == 0 || set->entry[i].hash != set->entry[i - 1].hash)
			set->start[count++] = (uint16_t)i;
	set->start[count] = (uint16_t)set->n;
	free(shared);
	return set;
}

void
phrase_set_free(struct phrase_set *set)
{
	free(set);
}

/* Are the n bytes at text lower (a phrase in lower case, with its
 * letter mask after it), ASCII case-insensitively? Eight bytes at once:
 * where lower has a letter they may differ in bit 5 only (the letter
 * in upper case), elsewhere not at all. */
static inline bool
same_caseless(const char *text, const char *lower, size_t n)
{
	const char *letters = lower + n + 1;
	uint64_t t, l, m;
	size_t k;

	for (k = 0; k + 8 <= n; k += 8) {
		memcpy(&t, text + k, 8);
		memcpy(&l, lower + k, 8);
		memcpy(&m, letters + k, 8);
		if (((t ^ l) & ~m) != 0)
			return false;
	}
	for (; k < n; k++)
		if (((unsigned char)text[k] ^ (unsigned char)lower[k]) &
		    ~(unsigned char)letters[k])
			return false;
	return true;
}

/*
 * The phrases whose window hashed here lies at text[i]: each one found
 * there that ends before what end[] holds for it (0: nothing yet) is
 * recorded and reported.
 */
static inline __attribute__((always_inline)) void
confirm(const struct phrase_set *set, const char *text, size_t len, size_t i,
	uint32_t *end, phrase_found_fn found, void *arg)
{
	uint32_t h = hash4(load4(text + i) | FOLD4);
	unsigned d = set->before[h / 32] + (unsigned)__builtin_popcount(
	    set->bitmap[h / 32] & ((UINT32_C(1) << (h % 32)) - 1));
	const struct phrase_entry *e, *stop;
	uint64_t near = 0;
	size_t from, k;

	if (len - i >= 8)
		memcpy(&near, text + i, 8);
	else
		for (k = 0; k < len - i; k++)
			((unsigned char *)&near)[k] = (unsigned char)text[i + k];
	near |= FOLD8;
	for (e = set->entry + set->start[d], stop = set->entry + set->start[d + 1];
	    e < stop; e++) {
		if ((near & e->near_mask) != e->near || i < e->anchor)
			continue;
		from = i - e->anchor;
		if (e->len > len - from ||
		    (end[e->id] != 0 && from + e->len >= end[e->id]))
			continue;
		if (same_caseless(text + from, e->lower, e->len)) {
			end[e->id] = (uint32_t)(from + e->len);
			found(e->id, arg);
		}
	}
}

static inline bool
bit_set(const struct phrase_set *set, uint32_t h)
{
	return (set->bitmap[h / 32] >> (h % 32)) & 1;
}

/* Positions from, from + STRIDE, ... (from a multiple of STRIDE). */
static void
scan_bytes(const struct phrase_set *set, const char *text, size_t len,
	   size_t from, uint32_t *end, phrase_found_fn found, void *arg)
{
	size_t i;

	for (i = from; i + ANCHOR <= len; i += STRIDE)
		if (bit_set(set, hash4(load4(text + i) | FOLD4)))
			confirm(set, text, len, i, end, found, arg);
}

#ifdef HAVE_AVX2_PATH
/*
 * Eight positions per round: the four bytes at positions 0, 4, ... 28 of
 * a block are the eight 32-bit lanes of one load, hashed at once; one
 * gather fetches their bitmap words. (Every AVX2 CPU has POPCNT, which
 * confirm() uses once per position.)
 */
__attribute__((target("avx2,popcnt"))) static size_t
scan_avx2(const struct phrase_set *set, const char *text, size_t len,
	  uint32_t *end, phrase_found_fn found, void *arg)
{
	const __m256i fold = _mm256_set1_epi32((int)FOLD4);
	const __m256i golden = _mm256_set1_epi32((int)UINT32_C(0x9E3779B1));
	const __m256i low5 = _mm256_set1_epi32(31);
	size_t i;
	unsigned lanes;

	_Static_assert(STRIDE == ANCHOR, "one load covers a block's positions");
	for (i = 0; i + 32 <= len; i += 32) {
		__m256i w = _mm256_or_si256(_mm256_loadu_si256(
		    (const __m256i *)(const void *)(text + i)), fold);
		__m256i h = _mm256_srli_epi32(_mm256_mullo_epi32(w, golden),
		    32 - HASH_BITS);
		__m256i word = _mm256_i32gather_epi32((const int *)set->bitmap,
		    _mm256_srli_epi32(h, 5), 4);
		__m256i bit = _mm256_srlv_epi32(word, _mm256_and_si256(h, low5));

		lanes = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(
		    _mm256_slli_epi32(bit, 31)));
		for (; lanes != 0; lanes &= lanes - 1)
			confirm(set, text, len,
			    i + STRIDE * (size_t)__builtin_ctz(lanes), end, found, arg);
	}
	return i;
}
#endif

/* The phrases too short for the hashed positions: a search each. */
static void
scan_shorts(const struct phrase_set *set, const char *text, size_t len,
	    uint32_t *end, phrase_found_fn found, void *arg)
{
	const struct phrase_entry *e;
	const char *hit;

	for (e = set->shorts; e < set->shorts + set->nshort; e++)
		if ((hit = mem_ifind(text, len, e->lower, e->len)) != NULL) {
			end[e->id] = (uint32_t)(hit - text + e->len);
			found(e->id, arg);
		}
}

void
phrase_set_scan(const struct phrase_set *set, const char *text, size_t len,
		uint32_t *end, phrase_found_fn found, void *arg)
{
	size_t from = 0;

#ifdef HAVE_AVX2_PATH
	if (len >= 32 && __builtin_cpu_supports("avx2"))
		from = scan_avx2(set, text, len, end, found, arg);
#endif
	scan_bytes(set, text, len, from, end, found, arg);
	scan_shorts(set, text, len, end, found, arg);
}
