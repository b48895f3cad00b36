/*
 * text.c - byte spans, UTF-8 repair and report-field clean-up.
 *
 * Everything a bounce says is attacker-controlled. Fields stored in a
 * report are therefore rebuilt here: unfolded onto one line, control
 * characters removed, blanks collapsed, invalid UTF-8 replaced, length
 * capped at a character boundary.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_PATH	1	/* built for any x86-64, chosen at run time */
#endif

#include "ascii.h"
#include "engine.h"

static const char replacement[] = "\xEF\xBF\xBD";	/* U+FFFD */

#ifdef __SSE2__
static inline bool
ascii_letter(unsigned char c)
{
	return (unsigned char)((c | 0x20) - 'a') < 26;
}
#endif

/* The eight bytes of w with 'A'..'Z' lowered, the others as they are
 * (exact: a byte is upper case iff its low seven bits are within
 * 'A'..'Z' and its top bit is clear). */
static inline uint64_t
lower8(uint64_t w)
{
	const uint64_t low7 = UINT64_C(0x7f7f7f7f7f7f7f7f), ones = UINT64_C(0x0101010101010101);
	uint64_t h = w & low7;
	uint64_t upper = (h + ones * (0x80 - 'A')) & ~(h + ones * (0x80 - 'Z' - 1)) &
	    ~w & ~low7;

	return w | upper >> 2;
}

/* Both compare as strncasecmp() does in the C locale: they run for
 * every field of every header. span_ieq compares eight bytes at a time
 * once the lengths agree. */
bool
span_ieq_len(struct span s, const char *lit, size_t n)
{
	size_t i = 0;
	uint64_t a, b;

	if (n != s.len)
		return false;
	for (; i + 8 <= n; i += 8) {
		memcpy(&a, s.p + i, sizeof(a));
		memcpy(&b, lit + i, sizeof(b));
		if (a != b && lower8(a) != lower8(b))
			return false;
	}
	for (; i < n; i++)
		if (ascii_tolower((unsigned char)s.p[i]) != ascii_tolower((unsigned char)lit[i]))
			return false;
	return true;
}

bool
span_istarts(struct span s, const char *lit)
{
	size_t i;

	for (i = 0; lit[i] != '\0'; i++)
		if (i == s.len ||
		    ascii_tolower((unsigned char)s.p[i]) != ascii_tolower((unsigned char)lit[i]))
			return false;
	return true;
}

/* Are the n bytes at a the n bytes at b, ASCII case-insensitively? */
static inline bool
same_ci(const char *a, const char *b, size_t n)
{
	size_t j;

	for (j = 0; j < n; j++)
		if (ascii_tolower((unsigned char)a[j]) != ascii_tolower((unsigned char)b[j]))
			return false;
	return true;
}

/*
 * ASCII case-insensitive search. The vendor modules and the diagnostic
 * reader ask tens of thousands of these per hundred messages, mostly for
 * phrases that are not there. With SSE2 (every x86-64) sixteen starts
 * are tested at once for the needle's first and last byte (a letter in
 * either case: OR 0x20 folds exactly the letters onto their lower
 * case), so few starts are compared in full. Without SSE2, and in a
 * haystack of fewer than 16 starts, one start at a time.
 */
#ifdef HAVE_AVX2_PATH
/*
 * mem_ifind() thirty-two starts at a time, for CPUs with AVX2 (most
 * x86-64 in service): the searches are mostly through whole notification
 * bodies for phrases that are not there, and go at the speed of this
 * loop. The same test as the SSE2 one below, twice as wide.
 */
__attribute__((target("avx2"))) static const char *
mem_ifind_avx2(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	unsigned char first = ascii_tolower((unsigned char)needle[0]);
	unsigned char last = ascii_tolower((unsigned char)needle[nlen - 1]);
	const __m256i f = _mm256_set1_epi8((char)first);
	const __m256i l = _mm256_set1_epi8((char)last);
	const __m256i ffold = _mm256_set1_epi8(ascii_letter(first) ? 0x20 : 0);
	const __m256i lfold = _mm256_set1_epi8(ascii_letter(last) ? 0x20 : 0);
	size_t i, starts = hlen - nlen + 1;	/* >= 32 */
	unsigned skip = 0;

	for (i = 0;;) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(hay + i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(hay + i + nlen - 1));
		uint32_t m = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(
		    _mm256_cmpeq_epi8(_mm256_or_si256(a, ffold), f),
		    _mm256_cmpeq_epi8(_mm256_or_si256(b, lfold), l)));

		for (m &= ~UINT32_C(0) << skip; m != 0; m &= m - 1) {
			const char *c = hay + i + __builtin_ctz(m);

			if (same_ci(c + 1, needle + 1, nlen - 1))
				return c;
		}
		i += 32;
		if (i >= starts)
			return NULL;
		if (starts - i < 32) {
			skip = 32 - (unsigned)(starts - i);
			i = starts - 32;
		}
	}
}
#endif

const char *
mem_ifind(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	unsigned char first, last;
	size_t i, starts;

	if (nlen == 0)
		return hay;
	if (nlen > hlen)
		return NULL;
	first = ascii_tolower((unsigned char)needle[0]);
	last = ascii_tolower((unsigned char)needle[nlen - 1]);
	starts = hlen - nlen + 1;
#ifdef HAVE_AVX2_PATH
	if (starts >= 32 && __builtin_cpu_supports("avx2"))
		return mem_ifind_avx2(hay, hlen, needle, nlen);
#endif
#ifdef __SSE2__
	if (starts >= 16) {
		const __m128i f = _mm_set1_epi8((char)first);
		const __m128i l = _mm_set1_epi8((char)last);
		const __m128i ffold = _mm_set1_epi8(ascii_letter(first) ? 0x20 : 0);
		const __m128i lfold = _mm_set1_epi8(ascii_letter(last) ? 0x20 : 0);
		unsigned skip = 0;

		/* Starts i to i + 15 (their last bytes are within hay). The
		 * last block is moved back to end at the last start, the
		 * starts it tried already (skip) masked off. */
		for (i = 0;;) {
			__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(hay + i));
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(hay + i + nlen - 1));
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(
			    _mm_cmpeq_epi8(_mm_or_si128(a, ffold), f),
			    _mm_cmpeq_epi8(_mm_or_si128(b, lfold), l)));

			for (m &= ~0U << skip; m != 0; m &= m - 1) {
				const char *c = hay + i + __builtin_ctz(m);

				if (same_ci(c + 1, needle + 1, nlen - 1))
					return c;
			}
			i += 16;
			if (i >= starts)
				return NULL;
			if (starts - i < 16) {
				skip = 16 - (unsigned)(starts - i);
				i = starts - 16;
			}
		}
	}
#endif
	for (i = 0; i < starts; i++)
		if (ascii_tolower((unsigned char)hay[i]) == first &&
		    ascii_tolower((unsigned char)hay[i + nlen - 1]) == last &&
		    same_ci(hay + i + 1, needle + 1, nlen - 1))
			return hay + i;
	return NULL;
}

/* Length of the valid UTF-8 sequence at p (1..4), 0 if invalid. */
static size_t
utf8_seq_len(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

#ifdef HAVE_AVX2_PATH
/* ascii_run() below, thirty-two bytes at a time: the top bits of the
 * bytes, as a mask. True if it found a byte of 0x80 or more (at *stop);
 * else *stop is where the rest, fewer than 32 bytes, begins. */
__attribute__((target("avx2"))) static bool
ascii_run_avx2(const unsigned char *p, size_t len, size_t *stop)
{
	size_t i = 0;

	for (; i + 32 <= len; i += 32) {
		uint32_t m = (uint32_t)_mm256_movemask_epi8(
		    _mm256_loadu_si256((const __m256i *)(const void *)(p + i)));

		if (m != 0) {
			*stop = i + (size_t)__builtin_ctz(m);
			return true;
		}
	}
	*stop = i;
	return false;
}
#endif

/* Length of the run of ASCII bytes (below 0x80) that starts p: eight at
 * a time, since nearly all mail is ASCII. */
static size_t
ascii_run(const unsigned char *p, size_t len)
{
	size_t i = 0;
	uint64_t w;

#ifdef HAVE_AVX2_PATH
	if (len >= 64 && __builtin_cpu_supports("avx2") && ascii_run_avx2(p, len, &i))
		return i;
#endif
#ifdef __SSE2__
	/* Sixteen at a time: the top bits of the bytes, as a mask. */
	for (; i + 16 <= len; i += 16) {
		unsigned m = (unsigned)_mm_movemask_epi8(
		    _mm_loadu_si128((const __m128i *)(const void *)(p + i)));

		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, sizeof(w));
		if (w & UINT64_C(0x8080808080808080))
			break;
	}
	while (i < len && p[i] < 0x80)
		i++;
	return i;
}

/* Does the word hold a byte of value 0 (the classic bit trick: exact
 * for the question "any?")? */
static inline bool
word_has_zero(uint64_t w)
{
	return ((w - UINT64_C(0x0101010101010101)) & ~w & UINT64_C(0x8080808080808080)) != 0;
}

/* Length of the run of bytes that text_clean_utf8() copies as they are:
 * ASCII other than NUL and CR. */
static size_t
plain_run(const unsigned char *p, size_t len)
{
	size_t i = 0;
	uint64_t w;

#ifdef __SSE2__
	/* Sixteen at a time: a byte's top bit, or all its bits where it
	 * is NUL or CR, marks it. */
	for (; i + 16 <= len; i += 16) {
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(b,
		    _mm_or_si128(_mm_cmpeq_epi8(b, _mm_setzero_si128()),
		    _mm_cmpeq_epi8(b, _mm_set1_epi8('\r')))));

		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, sizeof(w));
		if ((w & UINT64_C(0x8080808080808080)) || word_has_zero(w) ||
		    word_has_zero(w ^ UINT64_C(0x0d0d0d0d0d0d0d0d)))
			break;
	}
	while (i < len && p[i] < 0x80 && p[i] != '\0' && p[i] != '\r')
		i++;
	return i;
}

bool
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	for (;;) {
		i += ascii_run(p + i, len - i);
		if (i == len)
			return true;
		if ((n = utf8_seq_len(p + i, len - i)) == 0)
			return false;
		i += n;
	}
}

struct span
text_clean_utf8(struct arena *a, struct span s)
{
	const unsigned char *p = (const unsigned char *)s.p;
	const char *nul;
	char *out, *o;
	size_t i = 0, n, need = s.len, r;

	/* Size the output exactly enough: a NUL or an invalid byte becomes
	 * three (U+FFFD), everything else at most what it was. A transient
	 * worst-case buffer would be three times the input, for nothing. */
	for (nul = s.p; (nul = memchr(nul, '\0', s.len - (size_t)(nul - s.p))) != NULL; nul++)
		need += 2;
	for (;;) {
		i += ascii_run(p + i, s.len - i);
		if (i == s.len)
			break;
		if ((n = utf8_seq_len(p + i, s.len - i)) == 0) {
			need += 2;
			i++;
		} else
			i += n;
	}
	if ((out = arena_alloc_raw(a, need + 1)) == NULL)
		return SPAN_EMPTY;
	o = out;
	i = 0;
	while (i < s.len) {
		if ((r = plain_run(p + i, s.len - i)) > 0) {
			memcpy(o, p + i, r);
			o += r;
			i += r;
			if (i == s.len)
				break;
		}
		if (p[i] == '\r') {
			*o++ = '\n';
			i += (i + 1 < s.len && p[i + 1] == '\n') ? 2 : 1;
		} else if (p[i] == '\0') {
			memcpy(o, replacement, 3);
			o += 3;
			i++;
		} else if ((n = utf8_seq_len(p + i, s.len - i)) == 0) {
			memcpy(o, replacement, 3);
			o += 3;
			i++;
		} else {
			memcpy(o, p + i, n);
			o += n;
			i += n;
		}
	}
	*o = '\0';
	return span_make(out, (size_t)(o - out));
}

#define ONES	UINT64_C(0x0101010101010101)
#define HIGHS	UINT64_C(0x8080808080808080)

#ifndef __SSE2__
/* A bit 0x80 in each byte of w that is zero, and only there. */
static inline uint64_t
zero_bytes(uint64_t w)
{
	return ~(((w & ~HIGHS) + ~HIGHS) | w) & HIGHS;
}
#endif

/*
 * Is a trimmed field already what text_field() makes of it: printable
 * ASCII without two blanks in a row? Most fields are (addresses, codes,
 * host names, English replies), and are then copied as they are. Eight
 * bytes at a time.
 */
#ifdef __SSE2__
/* Of the sixteen bytes at p: those a plain field must not hold (controls,
 * DEL and beyond: below 0x20 as signed bytes, or 0x7F), and the blanks,
 * as bits. */
static inline unsigned
unplain16(const unsigned char *p, unsigned *blanks)
{
	__m128i b = _mm_loadu_si128((const __m128i *)(const void *)p);

	*blanks = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, _mm_set1_epi8(' ')));
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(
	    _mm_cmplt_epi8(b, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(b, _mm_set1_epi8(0x7F))));
}
#endif

static bool
field_is_plain(const unsigned char *p, size_t len)
{
	size_t i = 0;
#ifdef __SSE2__
	unsigned bad, blanks;

	/* Sixteen bytes at a time; a short field as a copy padded with a
	 * plain letter, the last block of a longer one moved back to end
	 * at its end (bytes tested twice answer the same). */
	if (len < 16) {
		unsigned char pad[16];

		memset(pad, 'a', sizeof(pad));
		memcpy(pad, p, len);
		bad = unplain16(pad, &blanks);
		return bad == 0 && (blanks & (blanks >> 1)) == 0;
	}
	for (;;) {
		bad = unplain16(p + i, &blanks);
		if (bad != 0 || (blanks & (blanks >> 1)) != 0 ||
		    (i > 0 && (blanks & 1) && p[i - 1] == ' '))
			return false;
		if (i + 16 >= len)
			return true;
		i += 16;
		if (i + 16 > len)
			i = len - 16;
	}
#else
	uint64_t w, sp;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, sizeof(w));
		sp = zero_bytes(w ^ (ONES * ' '));
		/* A control (below 0x20), DEL or beyond, or two blanks (in the
		 * word, or across its start). */
		if (((w - ONES * 0x20) & ~w & HIGHS) || ((((w & ~HIGHS) + ONES) | w) & HIGHS) ||
		    (sp & (sp >> 8)) || (i > 0 && p[i] == ' ' && p[i - 1] == ' '))
			return false;
	}
	for (; i < len; i++)
		if (p[i] < 0x20 || p[i] >= 0x7F || (i > 0 && p[i] == ' ' && p[i - 1] == ' '))
			return false;
	return true;
#endif
}

/*
 * Length of the run at p that text_field() copies as it is: printable
 * ASCII (blanks included) without two blanks in a row. Long fields that
 * are not plain (a folded Diagnostic-Code) are mostly such runs between
 * line ends; copied a run at a time, not a word at a time.
 */
static size_t
plain_words(const unsigned char *p, size_t len)
{
	size_t i = 0;
#ifdef __SSE2__
	unsigned bad, blanks;

	for (; i + 16 <= len; i += 16) {
		bad = unplain16(p + i, &blanks);
		/* Two blanks across the block's start: the run ends at the first. */
		if (i > 0 && (blanks & 1) && p[i - 1] == ' ')
			return i - 1;
		bad |= blanks & (blanks >> 1);
		if (bad != 0)
			return i + (size_t)__builtin_ctz(bad);
	}
#endif
	for (; i < len; i++)
		if (p[i] < 0x20 || p[i] >= 0x7F || (p[i] == ' ' && i > 0 && p[i - 1] == ' '))
			return p[i] == ' ' ? i - 1 : i;
	return i;
}

const char *
text_field(struct arena *a, struct span s)
{
	const unsigned char *p;
	char *out, *o;
	size_t i, n, cap;
	bool blank = false;

	s = span_trim(s);
	if (s.len == 0)
		return "";
	if (s.len <= BOUNCE_FIELD_MAX && field_is_plain((const unsigned char *)s.p, s.len)) {
		out = arena_strndup(a, s.p, s.len);
		return out != NULL ? out : "";
	}
	/* Each input byte yields at most three output bytes (U+FFFD); the
	 * output stops at BOUNCE_FIELD_MAX, so cap + 4 is always enough. */
	cap = s.len < BOUNCE_FIELD_MAX / 3 ? s.len * 3 : BOUNCE_FIELD_MAX;
	if ((out = arena_alloc_raw(a, cap + 4)) == NULL)
		return "";
	o = out;
	p = (const unsigned char *)s.p;
	for (i = 0; i < s.len;) {
		/* The common case, a run of printable ASCII, byte by byte
		 * without the general checks below. */
		if (p[i] > ' ' && p[i] < 0x7F) {
			size_t room, run = plain_words(p + i, s.len - i);

			/* A blank that ends the run is a separator, not text. */
			if (p[i + run - 1] == ' ')
				run--;
			if ((size_t)(o - out) + (blank && o > out ? 1 : 0) + run <= cap) {
				if (blank && o > out)
					*o++ = ' ';
				blank = false;
				memcpy(o, p + i, run);
				o += run;
				i += run;
				continue;
			}
			/* At the cap: a word at a time, as far as it goes. */

			if ((size_t)(o - out) + (blank ? 1 : 0) + 1 > cap)
				break;
			if (blank && o > out)
				*o++ = ' ';
			blank = false;
			for (room = cap - (size_t)(o - out); room > 0 && i < s.len &&
			    p[i] > ' ' && p[i] < 0x7F; room--)
				*o++ = (char)p[i++];
			continue;
		}
		if (p[i] < 0x20 || p[i] == 0x7F) {
			/* Folding, tabs and every other control: one blank. */
			blank = true;
			i++;
			continue;
		}
		if (p[i] == ' ') {
			blank = true;
			i++;
			continue;
		}
		if (p[i] < 0x80)
			n = 1;
		else if ((n = utf8_seq_len(p + i, s.len - i)) == 0)
			n = 0;
		/* C1 controls (U+0080..U+009F) are as bad as C0 ones. */
		if (n == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0) {
			blank = true;
			i += 2;
			continue;
		}
		if ((size_t)(o - out) + (blank ? 1 : 0) + (n ? n : 3) > cap)
			break;
		if (blank && o > out)
			*o++ = ' ';
		blank = false;
		if (n == 0) {
			memcpy(o, replacement, 3);
			o += 3;
			i++;
		} else {
			memcpy(o, p + i, n);
			o += n;
			i += n;
		}
	}
	*o = '\0';
	return out;
}

/* A report field in lower case (Action, feedback types): cleaned and
 * capped like any field first. */
const char *
text_field_lower(struct arena *a, struct span s)
{
	const char *f = text_field(a, s);

	return text_lower(a, span_make(f, strlen(f)));
}

const char *
text_lower(struct arena *a, struct span s)
{
	char *out = arena_alloc_raw(a, s.len + 1);
	size_t i;
	uint64_t w;

	if (out == NULL)
		return "";
	/* Eight bytes at a time (lower8: exactly A-Z), then the rest. */
	for (i = 0; i + 8 <= s.len; i += 8) {
		memcpy(&w, s.p + i, sizeof(w));
		w = lower8(w);
		memcpy(out + i, &w, sizeof(w));
	}
	for (; i < s.len; i++)
		out[i] = (char)ascii_tolower((unsigned char)s.p[i]);
	out[s.len] = '\0';
	return out;
}
