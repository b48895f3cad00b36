/*
 * mime.c - the message as the engine reads it: one pass over the bytes.
 *
 * The structure walk is our own (as Postfix's mime_state.c is Postfix's
 * own): header blocks are indexed in place, multipart bodies are split by
 * searching for their delimiter lines, nothing is copied that does not
 * have to be. GMime does the solved problems inside the parts: base64 and
 * quoted-printable decoding, RFC 2047 words, charset conversion (with its
 * charset-name aliases and iconv cache). libmagic guesses the charset of
 * 8-bit text that names none or a wrong one.
 *
 * Why not GMime's parser: it builds a GObject per part and header and
 * cost 62 us per message on the Sisimai sample, four times the whole
 * per-message budget of the engine; this walk costs a few.
 *
 * The returned message inside a report is walked for its structure (a
 * forwarded report may hide its status part there) but only its header
 * block is kept: its body is the bulk of most reports and tells nothing.
 *
 * Limits: nesting (max_depth), parts (max_parts), decoded bytes
 * (max_scan_bytes), header block size (max_header_bytes). Past any of
 * them the walk stops there and marks the report truncated.
 */
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>
#include <magic.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_PATH	1	/* built for any x86-64, chosen at run time */
#endif
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ascii.h"
#include "engine.h"
#include "html.h"

#define MAX_TOP_HEADERS	512	/* header fields of the message indexed */
#define MAX_PENDING_HTML 8	/* HTML parts whose decoding can wait */

struct mv_header_field {
	struct span	name;
	struct span	raw;		/* value as it came: folded, encoded */
	struct span	value;		/* unfolded, decoded; p == NULL until asked */
};

struct mv_headers {
	struct mv_header_field	*field;
	/* A bit per (length, first letter) of the names indexed, so that
	 * most questions about absent fields end here. */
	uint64_t		 names;
	/* The two fields nearly every module asks for, found once. */
	const struct mv_header_field *from, *subject;
	bool			 from_known, subject_known;
	size_t			 n;
	size_t			 cap;		/* grows to MAX_TOP_HEADERS */
	struct arena		*arena;
};

static pthread_once_t	 gmime_once = PTHREAD_ONCE_INIT;
static GMimeParserOptions *parser_options;
static GMimeParserOptions *latin1_options;	/* raw 8-bit that reads as Latin-1 */
/* libmagic's cookies are not shared between threads: each thread that
 * sniffs opens its own, the first time (a lock around one cookie made
 * parallel workers wait for each other on 8-bit text). */
static pthread_once_t	 magic_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t	 magic_key;
static bool		 magic_key_ok;
static char		 magic_failed;	/* the thread's value when its open failed */

static void
gmime_setup(void)
{
	/* Raw 8-bit header text is most often UTF-8, then Japanese, then
	 * Western European; windows-1252 always converts, so it comes last. */
	static const char *fallback[] = { "UTF-8", "ISO-2022-JP", "Shift_JIS",
	    "windows-1252", NULL };
	/* Text that looks_latin1() must not be read as Shift_JIS first. */
	static const char *latin1[] = { "UTF-8", "windows-1252", NULL };

	/* The decoders used here need only the charset map. g_mime_init()
	 * would also register every GObject type and start gpgme, and so
	 * link in, and load at every start, libraries nothing here uses. */
	g_mime_charset_map_init();
	parser_options = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(parser_options,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(parser_options, fallback);
	latin1_options = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(latin1_options,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(latin1_options, latin1);
}

/*
 * Does raw 8-bit header text read as Western European rather than as
 * Japanese? Shift_JIS takes most accented Latin-1 letters followed by an
 * ASCII letter for one kanji ("R\xe9ponse": "R", a kanji, "onse"), so
 * the order of the fallback charsets cannot tell them apart. In Latin-1
 * text every high byte stands alone between ASCII bytes; in Shift_JIS
 * and EUC-JP the two bytes of a character are mostly both high, and a
 * lone high byte before an ASCII trail byte (0x40 and up) is a lead
 * byte of kana or of a common kanji (0x81-0x9F), which Latin-1 text
 * seldom holds (windows-1252 puts quotes and dashes there).
 */
/* Is the byte at i a windows-1252 quote or dash (0x91-0x97 but 0x95)
 * inside a word of ASCII letters ("jusqu\x92au")? As a Shift_JIS lead
 * byte it would make a lone kanji between letters, with no other
 * Japanese character next to it. */
static bool
cp1252_mark_in_word(const unsigned char *p, size_t len, size_t i)
{
	return p[i] >= 0x91 && p[i] <= 0x97 && p[i] != 0x95 && i > 0 &&
	    i + 1 < len && ascii_isalpha(p[i - 1]) && ascii_isalpha(p[i + 1]) &&
	    (i + 2 == len || p[i + 2] < 0x80);
}

static bool
looks_latin1(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	bool high = false;
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] < 0x80)
			continue;
		if (i + 1 < len && p[i + 1] >= 0x80)
			return false;		/* a run: one character of two bytes */
		if (p[i] < 0xa0 && i + 1 < len && p[i + 1] >= 0x40 &&
		    !cp1252_mark_in_word(p, len, i))
			return false;		/* a lead byte and its trail byte */
		high = true;
	}
	return high;
}

/* ---- charsets ---------------------------------------------------------- */

static void
magic_cookie_close(void *cookie)
{
	if (cookie != &magic_failed)
		magic_close(cookie);
}

static void
magic_key_make(void)
{
	magic_key_ok = pthread_key_create(&magic_key, magic_cookie_close) == 0;
}

/* This thread's cookie, opened on first use; NULL if libmagic cannot. */
static magic_t
magic_cookie(void)
{
	magic_t cookie;
	void *v;

	pthread_once(&magic_key_once, magic_key_make);
	if (!magic_key_ok)
		return NULL;
	if ((v = pthread_getspecific(magic_key)) != NULL)
		return v != &magic_failed ? v : NULL;
	/* Only the encoding is asked for, and libmagic reports the encoding
	 * its text test found whatever the file-type tests say: skipping
	 * those (the soft magic above all, some 1.5 ms of regular
	 * expressions a call) changes no answer. With the soft magic off no
	 * entry of the magic database is ever read, so an empty one
	 * (/dev/null) is loaded, not the 8 MB system file (about 1 ms of
	 * every run that meets 8-bit text); the system one if that fails. */
	cookie = magic_open(MAGIC_MIME_ENCODING | MAGIC_NO_CHECK_COMPRESS |
	    MAGIC_NO_CHECK_TAR | MAGIC_NO_CHECK_ELF | MAGIC_NO_CHECK_SOFT |
	    MAGIC_NO_CHECK_CDF | MAGIC_NO_CHECK_JSON | MAGIC_NO_CHECK_CSV);
	if (cookie != NULL && magic_load(cookie, "/dev/null") != 0 &&
	    magic_load(cookie, NULL) != 0) {
		magic_close(cookie);
		cookie = NULL;
	}
	if (pthread_setspecific(magic_key, cookie != NULL ? (void *)cookie : &magic_failed) != 0 &&
	    cookie != NULL) {
		magic_close(cookie);
		cookie = NULL;
	}
	return cookie;
}

/* libmagic's guess at the charset of 8-bit text that names none. */
static const char *
sniff_charset(const char *p, size_t len, char *buf, size_t buflen)
{
	const char *enc = NULL;
	magic_t cookie;

	/* ISO-2022-JP is 7-bit and announces itself with escapes. */
	if (memmem(p, len, "\x1b$B", 3) != NULL || memmem(p, len, "\x1b$@", 3) != NULL)
		return "ISO-2022-JP";
	if ((cookie = magic_cookie()) != NULL)
		enc = magic_buffer(cookie, p, len < 65536 ? len : 65536);
	if (enc != NULL && strcasecmp(enc, "binary") != 0 &&
	    strcasecmp(enc, "unknown-8bit") != 0 && strcasecmp(enc, "ebcdic") != 0 &&
	    strcasecmp(enc, "us-ascii") != 0 && strcasecmp(enc, "utf-8") != 0) {
		g_strlcpy(buf, enc, buflen);
		enc = buf;
	} else
		enc = NULL;
	return enc != NULL ? enc : "windows-1252";
}

/*
 * glibc loads a converter module on iconv_open and unloads it soon after
 * its last descriptor closes, so a stream of messages in alternating
 * charsets costs a dlopen and a dlclose (with TLB shoot-downs) per
 * conversion. Holding one descriptor per charset seen keeps its module
 * loaded; the set is small and bounded.
 */
#define PINNED_CHARSETS	32

static pthread_mutex_t	 pin_lock = PTHREAD_MUTEX_INITIALIZER;
static char		 pinned_name[PINNED_CHARSETS][32];
static iconv_t		 pinned_cd[PINNED_CHARSETS];	/* kept, never used */
static size_t		 npinned;

static void
charset_pin(const char *cs, size_t len)
{
	size_t k;

	if (len == 0 || len >= sizeof(pinned_name[0]))
		return;
	pthread_mutex_lock(&pin_lock);
	for (k = 0; k < npinned; k++)
		if (strncasecmp(pinned_name[k], cs, len) == 0 && pinned_name[k][len] == '\0')
			break;
	if (k == npinned && npinned < PINNED_CHARSETS) {
		memcpy(pinned_name[npinned], cs, len);
		pinned_name[npinned][len] = '\0';
		/* Never closed: the descriptor only holds the module. */
		pinned_cd[npinned] = g_mime_iconv_open("UTF-8", pinned_name[npinned]);
		if (pinned_cd[npinned] != (iconv_t)-1)
			npinned++;
	}
	pthread_mutex_unlock(&pin_lock);
}

/* Pin the charset of every RFC 2047 word in s ("=?cs?B?...?="). */
static void
charset_pin_words(struct span s)
{
	const char *p = s.p, *end = s.p + s.len, *cs, *q;

	while ((p = mem_ifind(p, (size_t)(end - p), "=?", 2)) != NULL) {
		cs = p + 2;
		q = memchr(cs, '?', (size_t)(end - cs));
		if (q == NULL)
			return;
		charset_pin(cs, (size_t)(q - cs));
		p = q + 1;
	}
}

static bool
charset_is_utf8_compatible(const char *cs)
{
	return cs == NULL || cs[0] == '\0' || strcasecmp(cs, "utf-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0 || strcasecmp(cs, "us-ascii") == 0 ||
	    strcasecmp(cs, "ascii") == 0;
}

/* Bytes in charset cs as UTF-8 in the arena; empty span if iconv cannot. */
static struct span
convert_charset(struct arena *a, const char *cs, struct span in)
{
	iconv_t cd;
	char *out;
	struct span s;

	charset_pin(cs, strlen(cs));
	if ((cd = g_mime_iconv_open("UTF-8", cs)) == (iconv_t)-1)
		return SPAN_EMPTY;
	out = g_mime_iconv_strndup(cd, in.p, in.len);
	g_mime_iconv_close(cd);
	if (out == NULL)
		return SPAN_EMPTY;
	s = text_clean_utf8(a, span_make(out, strlen(out)));
	g_free(out);
	return s;
}

/* Bytes in charset cs as UTF-8, or empty if any byte is not valid in cs
 * (g_convert stops at the first invalid sequence; iconv_strndup skips). */
static struct span
convert_strict(struct arena *a, const char *cs, struct span in)
{
	gsize nread = 0, nwritten = 0;
	gchar *out;
	struct span s = SPAN_EMPTY;

	charset_pin(cs, strlen(cs));
	out = g_convert(in.p, (gssize)in.len, "UTF-8", cs, &nread, &nwritten, NULL);
	if (out != NULL && nread == in.len)
		s = text_clean_utf8(a, span_make(out, nwritten));
	g_free(out);
	return s;
}

/* 8-bit bytes under a 7-bit ISO-2022-JP label: Japanese mail systems
 * (mobile carriers above all) label EUC-JP or Shift_JIS text that way.
 * The first Japanese 8-bit encoding that reads every byte wins. */
static struct span
japanese_8bit(struct arena *a, const char *label, struct span raw)
{
	static const char *const guesses[] = { "EUC-JP", "CP932" };
	struct span s;
	size_t k;

	if (label == NULL || strncasecmp(label, "iso-2022-jp", 11) != 0)
		return SPAN_EMPTY;
	for (k = 0; k < sizeof(guesses) / sizeof(guesses[0]); k++)
		if ((s = convert_strict(a, guesses[k], raw)).len > 0)
			return s;
	return SPAN_EMPTY;
}

/* What decoded text holds that decides how to_utf8() treats it: bytes
 * of 0x80 and up, ESC (ISO-2022), CR and NUL (to clean). */
#define TXT_HIGH	0x01
#define TXT_ESC		0x02
#define TXT_CR		0x04
#define TXT_NUL		0x08

static unsigned
text_traits_at(unsigned char c)
{
	return (c >= 0x80 ? TXT_HIGH : 0) | (c == 0x1b ? TXT_ESC : 0) |
	    (c == '\r' ? TXT_CR : 0) | (c == '\0' ? TXT_NUL : 0);
}

#ifdef HAVE_AVX2_PATH
/* text_traits() thirty-two bytes at a time, with no branch per block:
 * the four questions are or-ed up over the whole text and asked once.
 * The last block ends at the end, overlapping the one before (a byte
 * seen twice changes no answer). Needs len >= 32. */
__attribute__((target("avx2"))) static unsigned
text_traits_avx2(const unsigned char *p, size_t len)
{
	__m256i high = _mm256_setzero_si256(), esc = high, cr = high, nul = high;
	size_t i = 0;

	for (;;) {
		__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));

		high = _mm256_or_si256(high, b);
		esc = _mm256_or_si256(esc, _mm256_cmpeq_epi8(b, _mm256_set1_epi8(0x1b)));
		cr = _mm256_or_si256(cr, _mm256_cmpeq_epi8(b, _mm256_set1_epi8('\r')));
		nul = _mm256_or_si256(nul, _mm256_cmpeq_epi8(b, _mm256_setzero_si256()));
		if (i + 32 == len)
			break;
		i = i + 64 <= len ? i + 32 : len - 32;
	}
	return (_mm256_movemask_epi8(high) != 0 ? TXT_HIGH : 0) |
	    (_mm256_movemask_epi8(esc) != 0 ? TXT_ESC : 0) |
	    (_mm256_movemask_epi8(cr) != 0 ? TXT_CR : 0) |
	    (_mm256_movemask_epi8(nul) != 0 ? TXT_NUL : 0);
}
#endif

#ifdef __SSE2__
/* The same sixteen bytes at a time, for CPUs without AVX2. Needs
 * len >= 16. */
static unsigned
text_traits_sse2(const unsigned char *p, size_t len)
{
	__m128i high = _mm_setzero_si128(), esc = high, cr = high, nul = high;
	size_t i = 0;

	for (;;) {
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i));

		high = _mm_or_si128(high, b);
		esc = _mm_or_si128(esc, _mm_cmpeq_epi8(b, _mm_set1_epi8(0x1b)));
		cr = _mm_or_si128(cr, _mm_cmpeq_epi8(b, _mm_set1_epi8('\r')));
		nul = _mm_or_si128(nul, _mm_cmpeq_epi8(b, _mm_setzero_si128()));
		if (i + 16 == len)
			break;
		i = i + 32 <= len ? i + 16 : len - 16;
	}
	return (_mm_movemask_epi8(high) != 0 ? TXT_HIGH : 0) |
	    (_mm_movemask_epi8(esc) != 0 ? TXT_ESC : 0) |
	    (_mm_movemask_epi8(cr) != 0 ? TXT_CR : 0) |
	    (_mm_movemask_epi8(nul) != 0 ? TXT_NUL : 0);
}
#endif

/* The TXT_ traits of p in one pass (they were a UTF-8 test and three
 * memchr() calls, each over the whole part). */
static unsigned
text_traits(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	unsigned traits = 0;
	size_t i = 0;

#ifdef HAVE_AVX2_PATH
	if (len >= 32 && __builtin_cpu_supports("avx2"))
		return text_traits_avx2(p, len);
#endif
#ifdef __SSE2__
	if (len >= 16)
		return text_traits_sse2(p, len);
#endif
	for (; i < len; i++)
		traits |= text_traits_at(p[i]);
	return traits;
}

/* Decoded bytes of a text part in its charset -> UTF-8 with LF ends. */
static struct span
to_utf8(struct arena *a, struct span raw, const char *charset)
{
	char sniffed[64];
	const char *cs = charset;
	struct span s;
	unsigned traits;

	if (raw.len == 0)
		return SPAN_EMPTY;
	/* Trust a declared charset that converts; else sniff. Text that is
	 * valid UTF-8 stays as it is whatever it claims, unless it is 7-bit
	 * stateful (ISO-2022-*) or a UTF-16/32 the label insists on. */
	traits = text_traits(raw.p, raw.len);
	if (!(traits & TXT_HIGH) || utf8_valid(raw.p, raw.len)) {
		/* 7-bit ISO-2022-JP in a part that names no charset (status
		 * parts seldom do) still says what it is. */
		if ((traits & TXT_ESC) && charset_is_utf8_compatible(cs) &&
		    (s = convert_charset(a, sniff_charset(raw.p, raw.len, sniffed,
		    sizeof(sniffed)), raw)).len > 0)
			return s;
		if (cs != NULL && !charset_is_utf8_compatible(cs) &&
		    ((traits & TXT_ESC) || strncasecmp(cs, "utf-", 4) == 0) &&
		    (s = convert_charset(a, cs, raw)).len > 0)
			return s;
		/* Valid UTF-8 already: used where it lies unless it has a CR
		 * or a NUL to clean. */
		return !(traits & (TXT_CR | TXT_NUL)) ? raw : text_clean_utf8(a, raw);
	}
	if ((s = japanese_8bit(a, cs, raw)).len > 0)
		return s;
	if (charset_is_utf8_compatible(cs))
		cs = sniff_charset(raw.p, raw.len, sniffed, sizeof(sniffed));
	if ((s = convert_charset(a, cs, raw)).len > 0)
		return s;
	if (cs == charset) {
		cs = sniff_charset(raw.p, raw.len, sniffed, sizeof(sniffed));
		if ((s = convert_charset(a, cs, raw)).len > 0)
			return s;
	}
	return text_clean_utf8(a, raw);
}

/* ---- header blocks ------------------------------------------------------- */

/* Where the header block at s ends: the offset of the body (after the
 * blank line), or s.len if there is none. *hdr_len gets the block's
 * length without the blank line. */
static size_t
header_block_end(struct span s, size_t *hdr_len)
{
	size_t pos = 0;
	struct span line;

	while (span_next_line(s, &pos, &line)) {
		if (line.len == 0) {
			*hdr_len = (size_t)(line.p - s.p);
			return pos;
		}
	}
	*hdr_len = s.len;
	return s.len;
}

/* Call fn for each field of a header block (name, raw folded value). */
typedef bool (*field_fn)(struct span name, struct span raw, void *arg);

/*
 * header_block_end() and header_fields() on its block in one pass over
 * the lines: the block's end is where the fields end. Returns the
 * offset of the body and sets *hdr_len, as header_block_end(). When the
 * block is longer than max, the fields past max are not reported and
 * the result is true in *cut: the caller reads the block's first max
 * bytes with header_fields() instead.
 */
static size_t
header_scan(struct span s, size_t max, field_fn fn, void *arg, size_t *hdr_len, bool *cut)
{
	const char *p = s.p, *end = s.p + s.len, *next, *colon;
	struct span name = SPAN_EMPTY, value = SPAN_EMPTY;
	bool pending = false, report = fn != NULL;
	size_t len;

	for (; p < end; p = next) {
		len = mem_offset(p, (size_t)(end - p), '\n');
		next = p + len < end ? p + len + 1 : end;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 0)
			break;		/* the blank line */
		if (report && (size_t)(p + len - s.p) > max) {
			report = false;
			pending = false;
		}
		if (!report)
			continue;
		if (p[0] == ' ' || p[0] == '\t') {
			if (pending)
				value.len = (size_t)(p + len - value.p);
			continue;
		}
		if (pending && !fn(name, value, arg))
			report = false;
		pending = false;
		colon = p + mem_offset(p, len, ':');
		if (colon == p + len || colon == p)
			continue;
		name = span_trim(span_make(p, (size_t)(colon - p)));
		value = span_make(colon + 1, len - (size_t)(colon + 1 - p));
		pending = true;
	}
	if (pending && report)
		fn(name, value, arg);
	*hdr_len = (size_t)(p - s.p);
	*cut = *hdr_len > max;
	return p < end ? (size_t)(next - s.p) : s.len;
}

static void
header_fields(struct span block, field_fn fn, void *arg)
{
	struct span line, name = SPAN_EMPTY, value = SPAN_EMPTY;
	size_t pos = 0;
	bool pending = false;

	while (span_next_line(block, &pos, &line)) {
		const char *colon;

		if (line.len > 0 && (line.p[0] == ' ' || line.p[0] == '\t')) {
			if (pending)
				value.len = (size_t)(line.p + line.len - value.p);
			continue;
		}
		if (pending && !fn(name, value, arg))
			return;
		pending = false;
		colon = memchr(line.p, ':', line.len);
		if (colon == NULL || colon == line.p)
			continue;
		name = span_trim(span_make(line.p, (size_t)(colon - line.p)));
		value = span_make(colon + 1, line.len - (size_t)(colon + 1 - line.p));
		pending = true;
	}
	if (pending)
		fn(name, value, arg);
}

/* ---- Content-Type and friends ------------------------------------------- */

struct part_head {
	struct span	type;		/* "text/plain", any case */
	struct span	params;		/* after the first ';' */
	struct span	encoding;	/* Content-Transfer-Encoding */
	struct span	disposition;
};

static bool
collect_part_head(struct span name, struct span raw, void *arg)
{
	struct part_head *h = arg;

	/* The three are told apart by length: most fields are none of
	 * them at a glance. */
	if ((name.len != 12 && name.len != 19 && name.len != 25) ||
	    (name.p[0] | 0x20) != 'c')
		return true;
	if (name.len == 12 && span_ieq(name, "Content-Type") && h->type.len == 0) {
		const char *semi = memchr(raw.p, ';', raw.len);
		size_t tlen = semi != NULL ? (size_t)(semi - raw.p) : raw.len;

		h->type = span_trim(span_make(raw.p, tlen));
		h->params = semi != NULL ?
		    span_make(semi + 1, raw.len - tlen - 1) : SPAN_EMPTY;
	} else if (name.len == 25 && span_ieq(name, "Content-Transfer-Encoding"))
		h->encoding = span_trim(raw);
	else if (name.len == 19 && span_ieq(name, "Content-Disposition"))
		h->disposition = span_trim(raw);
	return true;
}

/*
 * The value of parameter name in "a=b; name=\"v\"; c=d" (quotes removed,
 * backslash escapes left as they are: boundaries and charsets have none).
 */
static struct span
param_value(struct span params, const char *name)
{
	size_t nlen = strlen(name), i = 0;

	while (i < params.len) {
		size_t start, end;

		while (i < params.len && (ascii_isspace((unsigned char)params.p[i]) || params.p[i] == ';'))
			i++;
		start = i;
		while (i < params.len && params.p[i] != '=' && params.p[i] != ';')
			i++;
		if (i >= params.len || params.p[i] != '=') {
			continue;
		}
		end = i;
		while (end > start && ascii_isspace((unsigned char)params.p[end - 1]))
			end--;
		i++;
		while (i < params.len && ascii_isspace((unsigned char)params.p[i]))
			i++;
		{
			size_t vstart, vend;
			bool match = end - start == nlen && strncasecmp(params.p + start, name, nlen) == 0;

			if (i < params.len && params.p[i] == '"') {
				vstart = ++i;
				while (i < params.len && params.p[i] != '"')
					i += params.p[i] == '\\' && i + 1 < params.len ? 2 : 1;
				vend = i < params.len ? i : params.len;
				i++;
			} else {
				vstart = i;
				while (i < params.len && params.p[i] != ';' &&
				    !ascii_isspace((unsigned char)params.p[i]))
					i++;
				vend = i;
			}
			if (match)
				return span_make(params.p + vstart, vend - vstart);
		}
	}
	return SPAN_EMPTY;
}

/* ---- the walk ------------------------------------------------------------ */

struct walk {
	struct msgview	*mv;
	size_t		 cap;		/* leaves allocated */
	unsigned	 parts;
	size_t		 budget;	/* decoded bytes still allowed */
	/* The top-level header block, indexed already (mime_view_build):
	 * the walk reads its Content-* fields from the index instead of
	 * parsing the block a second time. NULL if the index is partial. */
	const struct mv_headers *top;
	size_t		 top_hdr_len;
	size_t		 top_body_at;
	/* HTML parts not decoded yet (see decode_html_if_read). */
	struct pending_html {
		size_t		 leaf;
		struct span	 raw;		/* transfer-encoded */
		struct span	 encoding;
		char		 charset[64];
	}		 html[MAX_PENDING_HTML];
	size_t		 nhtml;
};

static void
add_leaf(struct walk *w, const char *type, struct span text, unsigned depth,
	 bool in_returned, bool attachment)
{
	struct msgview *mv = w->mv;
	struct mime_leaf *l;

	if (mv->nleaf == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		struct mime_leaf *n = arena_alloc(mv->arena, cap * sizeof(*n));

		if (n == NULL)
			return;
		if (mv->nleaf)
			memcpy(n, mv->leaf, mv->nleaf * sizeof(*n));
		mv->leaf = n;
		w->cap = cap;
	}
	l = &mv->leaf[mv->nleaf++];
	l->type = type;
	l->text = text;
	l->depth = depth;
	l->in_returned = in_returned;
	l->is_attachment = attachment;
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Quoted-printable: what GMime's g_mime_encoding_quoted_decode_step()
 * makes of a whole body in one step, byte for byte (the unit test
 * compares the two), but the runs between '=' signs, most of the text,
 * are found sixteen bytes at a time and copied with memcpy. Its
 * rules: "=XY" in hex is the byte; "=" before LF or CRLF is a soft line
 * break; any other "=" and the two bytes after it stay as they are; an
 * "=" with fewer than two bytes after it at the end is dropped (except
 * "=\n").
 */
size_t
qp_decode(const char *in, size_t len, char *out)
{
	const char *p = in, *end = in + len, *eq;
	char *o = out;
	int hi, lo;

	while (p < end) {
		eq = p + mem_offset(p, (size_t)(end - p), '=');
		memcpy(o, p, (size_t)(eq - p));
		o += eq - p;
		p = eq;
		if (end - p < 2)
			break;
		if (p[1] == '\n') {
			p += 2;
			continue;
		}
		if (end - p < 3)
			break;
		hi = hex_value((unsigned char)p[1]);
		lo = hex_value((unsigned char)p[2]);
		if (hi >= 0 && lo >= 0)
			*o++ = (char)(hi << 4 | lo);
		else if (p[1] != '\r' || p[2] != '\n') {
			memcpy(o, p, 3);
			o += 3;
		}
		p += 3;
	}
	return (size_t)(o - out);
}

/* Undo the transfer encoding. Identity encodings are returned in place. */
static struct span
transfer_decode(struct arena *a, struct span body, struct span encoding)
{
	unsigned char *out;
	size_t n;
	int state = 0;
	guint32 save = 0;

	if (span_ieq(encoding, "base64")) {
		if ((out = arena_alloc_raw(a, body.len * 3 / 4 + 8)) == NULL)
			return SPAN_EMPTY;
		n = g_mime_encoding_base64_decode_step((const unsigned char *)body.p,
		    body.len, out, &state, &save);
		return span_make((const char *)out, n);
	}
	if (span_ieq(encoding, "quoted-printable")) {
		if ((out = arena_alloc_raw(a, body.len + 8)) == NULL)
			return SPAN_EMPTY;
		n = qp_decode(body.p, body.len, (char *)out);
		return span_make((const char *)out, n);
	}
	return body;
}

/* A part's type against a literal, many times per part: the first two
 * bytes ("te", "me", "mu", "ap") settle most of them without a call. */
static inline bool
type_is(const char *type, const char *want)
{
	return type[0] == want[0] &&
	    (type[0] == '\0' || (type[1] == want[1] && strcmp(type, want) == 0));
}

static bool
type_has_status(const char *type)
{
	return type_is(type, "message/delivery-status") ||
	    type_is(type, "message/global-delivery-status") ||
	    type_is(type, "message/feedback-report");
}

static void walk_entity(struct walk *, struct span entity, unsigned depth,
			bool in_returned, const char *default_type, size_t *hdr_out);

#ifdef HAVE_AVX2_PATH
/*
 * The first delimiter at or after start that begins a line (as
 * find_delimiter() below), 32 starts at a time: those that begin with
 * '-' and end with the delimiter's last byte are compared in full. The
 * body between delimiters is most of a report (the returned message):
 * memmem() went through it at some 0.8 instructions a byte, this at
 * about a third of that. Needs at least 32 starts.
 */
__attribute__((target("avx2"))) static const char *
find_delimiter_avx2(struct span body, size_t start, const char *delim, size_t dlen)
{
	const __m256i dash = _mm256_set1_epi8('-');
	const __m256i last = _mm256_set1_epi8(delim[dlen - 1]);
	size_t i = start, starts = body.len - dlen + 1;
	unsigned skip = 0;

	for (;;) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(body.p + i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(body.p + i + dlen - 1));
		uint32_t m = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(
		    _mm256_cmpeq_epi8(a, dash), _mm256_cmpeq_epi8(b, last)));

		for (m &= ~UINT32_C(0) << skip; m != 0; m &= m - 1) {
			const char *c = body.p + i + __builtin_ctz(m);

			if ((c == body.p || c[-1] == '\n') && memcmp(c, delim, dlen) == 0)
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

/*
 * The first occurrence of delim (dlen bytes, "--boundary") at or after
 * body.p + start that begins a line; NULL if none. Occurrences inside a
 * line are passed over as memmem() finds them, each skipped whole (which
 * cannot hide one that begins a line unless delim holds a LF).
 */
static const char *
find_delimiter(struct span body, size_t start, const char *delim, size_t dlen)
{
	const char *hit;

#ifdef HAVE_AVX2_PATH
	if (body.len - start >= dlen + 31 && __builtin_cpu_supports("avx2") &&
	    memchr(delim, '\n', dlen) == NULL)
		return find_delimiter_avx2(body, start, delim, dlen);
#endif
	while (start + dlen <= body.len) {
		if ((hit = memmem(body.p + start, body.len - start, delim, dlen)) == NULL)
			return NULL;
		if (hit == body.p || hit[-1] == '\n')
			return hit;
		start = (size_t)(hit - body.p) + dlen;
	}
	return NULL;
}

/*
 * The parts of a multipart body: between "--boundary" lines, up to the
 * "--boundary--" line. Returns the number of parts found.
 */
static unsigned
walk_multipart(struct walk *w, struct span body, struct span boundary,
	       unsigned depth, bool in_returned, const char *child_default)
{
	char delim[80];
	size_t dlen, pos = 0;
	const char *part = NULL;
	unsigned found = 0;

	if (boundary.len == 0 || boundary.len > 70)
		return 0;
	delim[0] = delim[1] = '-';
	memcpy(delim + 2, boundary.p, boundary.len);
	dlen = boundary.len + 2;

	while (pos + dlen <= body.len) {
		/* A delimiter starts a line. */
		const char *hit = find_delimiter(body, pos, delim, dlen);
		const char *after;
		bool closing;

		if (hit == NULL)
			break;
		pos = (size_t)(hit - body.p) + dlen;
		after = hit + dlen;
		closing = (size_t)(body.p + body.len - after) >= 2 &&
		    after[0] == '-' && after[1] == '-';
		if (part != NULL) {
			/* The line end before the delimiter belongs to it. */
			const char *end = hit;

			if (end > part && end[-1] == '\n')
				end--;
			if (end > part && end[-1] == '\r')
				end--;
			if (w->parts >= w->mv->limits->max_parts) {
				report_truncate(w->mv->report, "mime parts");
				return found;
			}
			walk_entity(w, span_make(part, (size_t)(end - part)), depth + 1,
			    in_returned, child_default, NULL);
			found++;
		}
		if (closing)
			return found;
		/* The part begins after the delimiter line. */
		{
			const char *nl = memchr(after, '\n', (size_t)(body.p + body.len - after));

			part = nl != NULL ? nl + 1 : body.p + body.len;
			pos = (size_t)(part - body.p);
		}
	}
	/* No closing delimiter: the last part runs to the end. */
	if (part != NULL && part < body.p + body.len) {
		walk_entity(w, span_make(part, (size_t)(body.p + body.len - part)), depth + 1,
		    in_returned, child_default, NULL);
		found++;
	}
	return found;
}

/* Walk one entity; *hdr_out (if not NULL) gets the length of its header
 * block, as header_block_end() says, once it is read. */
static void
walk_entity(struct walk *w, struct span entity, unsigned depth, bool in_returned,
	    const char *default_type, size_t *hdr_out)
{
	struct msgview *mv = w->mv;
	struct part_head head;
	struct span body, charset;
	size_t hdr_len, body_at;
	const char *type;

	if (depth > mv->limits->max_depth) {
		report_truncate(mv->report, "mime depth");
		return;
	}
	if (++w->parts > mv->limits->max_parts) {
		report_truncate(mv->report, "mime parts");
		return;
	}
	memset(&head, 0, sizeof(head));
	if (depth == 0 && w->top != NULL) {
		size_t i;

		hdr_len = w->top_hdr_len;
		body_at = w->top_body_at;
		for (i = 0; i < w->top->n; i++)
			collect_part_head(w->top->field[i].name, w->top->field[i].raw, &head);
	} else {
		bool cut;

		body_at = header_scan(entity, mv->limits->max_header_bytes * 8,
		    collect_part_head, &head, &hdr_len, &cut);
		if (hdr_out != NULL)
			*hdr_out = hdr_len;
		if (cut) {
			/* Only so much of a header block is read. */
			report_truncate(mv->report, "header bytes");
			hdr_len = mv->limits->max_header_bytes * 8;
			memset(&head, 0, sizeof(head));
			header_fields(span_make(entity.p, hdr_len), collect_part_head, &head);
		}
	}
	body = span_make(entity.p + body_at, entity.len - body_at);
	type = head.type.len > 0 && memchr(head.type.p, '/', head.type.len) != NULL ?
	    text_lower(mv->arena, head.type) : default_type;
	if (depth == 0) {
		mv->content_type = head.type.len > 0 ? type : "";
		mv->report_type = text_lower(mv->arena, param_value(head.params, "report-type"));
	}

	if (strncmp(type, "multipart/", 10) == 0) {
		unsigned n = walk_multipart(w, body, param_value(head.params, "boundary"),
		    depth, in_returned,
		    type_is(type, "multipart/digest") ? "message/rfc822" : "text/plain");

		/* No part at all: the boundary in the header is not the one
		 * the body uses (it happens). Read the body as text rather
		 * than nothing. */
		if (n == 0 && !in_returned && body.len > 0) {
			size_t len = body.len < w->budget ? body.len : w->budget;

			w->budget -= len;
			add_leaf(w, "text/plain", to_utf8(mv->arena, span_make(body.p, len), NULL),
			    depth + 1, in_returned, false);
		}
		return;
	}
	if (type_is(type, "message/rfc822") || type_is(type, "message/global") ||
	    type_is(type, "message/news")) {
		size_t inner_hdr = SIZE_MAX;

		/* The returned message: walked for a status part it may hide,
		 * and its header block kept (the walk reads where it ends). */
		if (!in_returned && mv->attached.len == 0)
			mv->attached = transfer_decode(mv->arena, body, head.encoding);
		walk_entity(w, body, depth + 1, true, "text/plain", &inner_hdr);
		if (!in_returned && mv->returned.len == 0) {
			if (inner_hdr == SIZE_MAX)
				header_block_end(body, &inner_hdr);
			mv->returned = to_utf8(mv->arena, span_make(body.p, inner_hdr), NULL);
			mv->returned_is_headers = true;
		}
		return;
	}

	/* A leaf. Binary attachments say nothing we read, and inside the
	 * returned message only a status part would matter. */
	if (strncmp(type, "text/", 5) != 0 && strncmp(type, "message/", 8) != 0 &&
	    !type_is(type, "application/octet-stream"))
		return;
	if (in_returned && !type_has_status(type)) {
		add_leaf(w, type, SPAN_EMPTY, depth, true, false);
		return;
	}
	if (w->budget == 0) {
		report_truncate(mv->report, "scan bytes");
		return;
	}
	charset = param_value(head.params, "charset");
	if (charset.len >= sizeof(w->html[0].charset))
		charset.len = 0;
	if (type_is(type, "text/html") && w->nhtml < MAX_PENDING_HTML &&
	    body.len <= w->budget) {
		/* Decoded after the walk if someone will read it. Decoding
		 * never makes a part longer, so the raw length is charged. */
		struct pending_html *ph = &w->html[w->nhtml];
		size_t before = mv->nleaf;

		add_leaf(w, type, SPAN_EMPTY, depth, in_returned,
		    span_istarts(head.disposition, "attachment"));
		if (mv->nleaf > before) {
			ph->leaf = before;
			ph->raw = body;
			ph->encoding = head.encoding;
			memcpy(ph->charset, charset.p, charset.len);
			ph->charset[charset.len] = '\0';
			w->nhtml++;
			w->budget -= body.len;
		}
		return;
	}
	body = transfer_decode(mv->arena, body, head.encoding);
	if (body.len > w->budget) {
		body.len = w->budget;
		report_truncate(mv->report, "scan bytes");
	}
	w->budget -= body.len;
	{
		char cs[64];
		struct span text;

		memcpy(cs, charset.p, charset.len);
		cs[charset.len] = '\0';
		text = to_utf8(mv->arena, body, cs);
		if (type_is(type, "text/html"))
			text = html_to_text(mv->arena, text);
		add_leaf(w, type, text, depth, in_returned,
		    span_istarts(head.disposition, "attachment"));
	}
}

/*
 * Most reports that carry HTML carry the same words as plain text too,
 * and a status part; nobody then reads the HTML, and it is the costliest
 * part to decode (quoted-printable, markup). Its readers: choose_spans()
 * when there is no plain text, and parse.c's search for status fields
 * written into a text part, which only runs when no delivery-status part
 * exists. In either case every waiting HTML part is decoded here, before
 * anyone looks.
 */
static void
decode_html_if_read(struct walk *w)
{
	struct msgview *mv = w->mv;
	bool plain = false, status = false;
	size_t i;

	if (w->nhtml == 0)
		return;
	for (i = 0; i < mv->nleaf; i++) {
		const struct mime_leaf *l = &mv->leaf[i];

		if (!l->in_returned && type_is(l->type, "text/plain") && l->text.len > 0)
			plain = true;
		if (type_is(l->type, "message/delivery-status") ||
		    type_is(l->type, "message/global-delivery-status"))
			status = true;
	}
	if (plain && status)
		return;
	for (i = 0; i < w->nhtml; i++) {
		const struct pending_html *ph = &w->html[i];
		struct span body = transfer_decode(mv->arena, ph->raw, ph->encoding);

		mv->leaf[ph->leaf].text = html_to_text(mv->arena,
		    to_utf8(mv->arena, body, ph->charset));
	}
}

/* Pick the notification text and, for reports that quote the returned
 * message as text/rfc822-headers, the returned headers. */
static void
choose_spans(struct msgview *mv)
{
	size_t i;
	const struct mime_leaf *html = NULL;

	for (i = 0; i < mv->nleaf; i++) {
		const struct mime_leaf *l = &mv->leaf[i];

		if (l->in_returned)
			continue;
		if (mv->body.len == 0 && type_is(l->type, "text/plain") && l->text.len > 0)
			mv->body = l->text;
		if (html == NULL && type_is(l->type, "text/html"))
			html = l;
		if (mv->returned.len == 0 &&
		    (type_is(l->type, "text/rfc822-headers") ||
		     type_is(l->type, "message/global-headers") ||
		     type_is(l->type, "message/rfc822-headers") ||
		     type_is(l->type, "text/rfc822-header"))) {
			mv->returned = l->text;
			mv->returned_is_headers = true;
		}
	}
	if (mv->body.len == 0 && html != NULL)
		mv->body = html->text;
}

static unsigned
name_bit(const char *p, size_t len)
{
	return (unsigned)(len * 7 + ((unsigned char)p[0] | 0x20)) % 64;
}

static bool
index_top_field(struct span name, struct span raw, void *arg)
{
	struct mv_headers *h = arg;
	struct mv_header_field *more;

	if (h->n == MAX_TOP_HEADERS)
		return false;
	if (h->n == h->cap) {
		/* Most messages have a few dozen fields: grow, do not zero
		 * the most a message may have for each. */
		h->cap = h->cap == 0 ? 64 : h->cap * 2;
		if ((more = arena_alloc_raw(h->arena, h->cap * sizeof(*more))) == NULL)
			return false;
		if (h->n > 0)
			memcpy(more, h->field, h->n * sizeof(*more));
		h->field = more;
	}
	if (name.len > 0)
		h->names |= (uint64_t)1 << name_bit(name.p, name.len);
	h->field[h->n].name = name;
	h->field[h->n].raw = raw;
	h->field[h->n].value = (struct span){ NULL, 0 };
	h->n++;
	return true;
}

/* Old Macs end lines with CR alone; everything here splits on LF. */
static struct span
normalise_line_ends(struct arena *a, struct span in)
{
	size_t probe = in.len < 8192 ? in.len : 8192;

	if (memchr(in.p, '\n', probe) != NULL || memchr(in.p, '\r', probe) == NULL)
		return in;
	return text_clean_utf8(a, in);	/* also turns lone CR into LF */
}

bool
mime_view_build(struct msgview *mv, const char *msg, size_t len)
{
	struct walk w = { .mv = mv };
	struct mv_headers *h;
	struct span in = normalise_line_ends(mv->arena, span_make(msg, len));
	size_t hdr_len;
	bool cut;

	pthread_once(&gmime_once, gmime_setup);
	mv->body = mv->returned = mv->attached = SPAN_EMPTY;
	mv->content_type = mv->report_type = "";
	if ((h = arena_alloc(mv->arena, sizeof(*h))) == NULL)
		return false;
	h->arena = mv->arena;
	mv->headers = h;

	w.top_body_at = header_scan(in, SIZE_MAX, index_top_field, h, &hdr_len, &cut);
	if (h->n == MAX_TOP_HEADERS)
		report_truncate(mv->report, "header fields");
	else if (hdr_len <= mv->limits->max_header_bytes * 8) {
		/* Every field is in the index: the walk need not parse the
		 * block again. */
		w.top = h;
		w.top_hdr_len = hdr_len;
	}

	w.budget = mv->limits->max_scan_bytes;
	walk_entity(&w, in, 0, false, "text/plain", NULL);
	decode_html_if_read(&w);
	choose_spans(mv);
	return true;
}

void
mime_view_release(struct msgview *mv)
{
	mv->headers = NULL;	/* everything lives in the report's arena */
}

/* A folded value with nothing to decode (most Received fields): every
 * line end (CRLF, CR or LF) and tab becomes one blank, in one pass. The
 * same as GMime's decoding, which would hand the text back as it is,
 * followed by the unfolding below. */
/* No byte below 0x0e among the eight at p (so no tab, LF or CR)? The
 * bit trick is exact for "any byte below n". */
static inline bool
no_line_end8(const char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return ((w - UINT64_C(0x0e0e0e0e0e0e0e0e)) & ~w & UINT64_C(0x8080808080808080)) == 0;
}

static struct span
unfold_plain(struct arena *a, struct span s)
{
	char *out = arena_alloc_raw(a, s.len + 1), *o;
	size_t i;

	if ((o = out) == NULL)
		return SPAN_EMPTY;
	for (i = 0; i < s.len; i++) {
#ifdef __SSE2__
		/* Sixteen bytes at a time up to the first below 0x0e (the
		 * output is never ahead of the input: the store fits). */
		while (i + 16 <= s.len) {
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s.p + i));
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
			    _mm_min_epu8(b, _mm_set1_epi8(0x0d)), b));
			size_t n = m != 0 ? (size_t)__builtin_ctz(m) : 16;

			_mm_storeu_si128((__m128i *)(void *)o, b);
			o += n;
			i += n;
			if (m != 0)
				break;
		}
#endif
		/* Eight bytes at a time while there is nothing to replace. */
		while (i + 8 <= s.len && no_line_end8(s.p + i)) {
			memcpy(o, s.p + i, 8);
			o += 8;
			i += 8;
		}
		if (i == s.len)
			break;
		if (s.p[i] == '\r' && i + 1 < s.len && s.p[i + 1] == '\n')
			i++;
		*o++ = s.p[i] == '\r' || s.p[i] == '\n' || s.p[i] == '\t' ? ' ' : s.p[i];
	}
	*o = '\0';
	return span_make(out, (size_t)(o - out));
}

/* What a header value holds that decides how it is decoded: bytes of
 * 0x80 and up, NUL, LF, and "=?" (an encoded word may start there). */
#define VAL_HIGH	0x01
#define VAL_NUL		0x02
#define VAL_LF		0x04
#define VAL_WORD	0x08

/* The traits of byte i of s, when it is below 0x0e or a '?'. */
static unsigned
value_trait_at(struct span s, size_t i)
{
	switch (s.p[i]) {
	case '?':
		return i > 0 && s.p[i - 1] == '=' ? VAL_WORD : 0;
	case '\0':
		return VAL_NUL;
	case '\n':
		return VAL_LF;
	default:
		return 0;
	}
}

/*
 * The traits of s in one pass: most values are short ASCII without any
 * of them, and were searched four times (for "=?", NUL, LF, and a valid
 * UTF-8 test). With SSE2, sixteen bytes at a time: the bytes below 0x0e
 * as signed bytes (so also those of 0x80 and up) and the '?', as bits;
 * only those are looked at.
 */
static unsigned
value_traits(struct span s)
{
	unsigned traits = 0;
	size_t i = 0;

#ifdef __SSE2__
	for (; i + 16 <= s.len || (i < s.len && s.len >= 16); i += 16) {
		__m128i b;
		unsigned m, high, skip = 0;

		if (i + 16 > s.len) {
			/* The last block moved back to end at the end; the
			 * bytes tested already are masked off. */
			skip = (unsigned)(i + 16 - s.len);
			i = s.len - 16;
		}
		b = _mm_loadu_si128((const __m128i *)(const void *)(s.p + i));
		high = (unsigned)_mm_movemask_epi8(b) & (0xffffu << skip);
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmplt_epi8(b, _mm_set1_epi8(0x0e)),
		    _mm_cmpeq_epi8(b, _mm_set1_epi8('?')))) & (0xffffu << skip) & ~high;
		if (high != 0)
			traits |= VAL_HIGH;
		for (; m != 0; m &= m - 1)
			traits |= value_trait_at(s, i + (size_t)__builtin_ctz(m));
	}
#endif
	for (; i < s.len; i++) {
		if ((unsigned char)s.p[i] >= 0x80)
			traits |= VAL_HIGH;
		else if ((unsigned char)s.p[i] < 0x0e || s.p[i] == '?')
			traits |= value_trait_at(s, i);
	}
	return traits;
}

/* Unfold, RFC 2047-decode and make UTF-8 a raw header value. */
static struct span
header_value_decode(struct arena *a, struct span raw, size_t cap)
{
	char *tmp, *dec, *u, *p;
	struct span s = span_trim(raw);
	bool plain;
	unsigned traits;
	size_t i;

	if (s.len > cap)
		s.len = cap;
	traits = value_traits(s);
	plain = !(traits & (VAL_WORD | VAL_NUL)) &&
	    (!(traits & VAL_HIGH) || utf8_valid(s.p, s.len));
	if (plain && !(traits & VAL_LF))
		return s;
	if (plain)
		return unfold_plain(a, s);
	if ((tmp = g_strndup(s.p, s.len)) == NULL)
		return SPAN_EMPTY;
	charset_pin_words(s);
	/* Raw 8-bit text first becomes UTF-8 by the fallback charsets. */
	if (!utf8_valid(tmp, strlen(tmp))) {
		charset_pin("ISO-2022-JP", 11);
		charset_pin("Shift_JIS", 9);
		charset_pin("windows-1252", 12);
		u = g_mime_utils_decode_8bit(looks_latin1(tmp, strlen(tmp)) ?
		    latin1_options : parser_options, tmp, strlen(tmp));
		g_free(tmp);
		if ((tmp = u) == NULL)
			return SPAN_EMPTY;
	}
	dec = g_mime_utils_header_decode_text(parser_options, tmp);
	g_free(tmp);
	if (dec == NULL)
		return SPAN_EMPTY;
	s = text_clean_utf8(a, span_make(dec, strlen(dec)));
	g_free(dec);
	/* text_field-style unfolding happens when stored; here only the
	 * line ends go, so that searches see one line. */
	for (p = (char *)s.p, i = 0; i < s.len; i++)
		if (p[i] == '\n' || p[i] == '\t')
			p[i] = ' ';
	return s;
}

/* Is f the field name (length nlen)? The length and the first letter
 * rule out most fields before a comparison. */
static bool
field_is(const struct mv_header_field *f, const char *name, size_t nlen)
{
	if (f->name.len != nlen)
		return false;
	return nlen == 0 || (((unsigned char)f->name.p[0] | 0x20) ==
	    ((unsigned char)name[0] | 0x20) && strncasecmp(f->name.p, name, nlen) == 0);
}

/* Could a field called name (nlen > 0 bytes) be in the index? */
static bool
maybe_indexed(const struct mv_headers *h, const char *name, size_t nlen)
{
	return h != NULL && nlen > 0 && (h->names >> name_bit(name, nlen) & 1);
}

static struct span
field_value(const struct msgview *mv, struct mv_header_field *f)
{
	if (f->value.p == NULL)
		f->value = header_value_decode(mv->arena, f->raw, mv->limits->max_header_bytes);
	return f->value;
}

/* The first field called name, NULL if none. */
static struct mv_header_field *
first_field(const struct mv_headers *h, const char *name, size_t nlen)
{
	size_t i;

	if (!maybe_indexed(h, name, nlen))
		return NULL;
	for (i = 0; i < h->n; i++)
		if (field_is(&h->field[i], name, nlen))
			return &h->field[i];
	return NULL;
}

/* The value of the first field called name, found once and then
 * remembered in *slot (for From and Subject, which nearly every module
 * asks for). */
static struct span
remembered(const struct msgview *mv, const struct mv_header_field **slot, bool *known,
	   const char *name, size_t nlen)
{
	if (!*known) {
		*slot = first_field(mv->headers, name, nlen);
		*known = true;
	}
	return *slot != NULL ? field_value(mv, (struct mv_header_field *)*slot) : SPAN_EMPTY;
}

struct span
mv_header_nth_len(const struct msgview *mv, const char *name, size_t nlen, int n)
{
	struct mv_headers *h = mv->headers;
	struct mv_header_field *f;
	size_t i;

	if (!maybe_indexed(h, name, nlen))
		return SPAN_EMPTY;
	/* The first letter first: most names of these lengths are others. */
	if (n == 0 && nlen == 4 && (name[0] | 0x20) == 'f' &&
	    strncasecmp(name, "From", 4) == 0)
		return remembered(mv, &h->from, &h->from_known, name, nlen);
	if (n == 0 && nlen == 7 && (name[0] | 0x20) == 's' &&
	    strncasecmp(name, "Subject", 7) == 0)
		return remembered(mv, &h->subject, &h->subject_known, name, nlen);
	for (i = 0; i < h->n; i++) {
		f = &h->field[i];
		if (!field_is(f, name, nlen) || n-- > 0)
			continue;
		return field_value(mv, f);
	}
	return SPAN_EMPTY;
}

bool
mv_header_has_len(const struct msgview *mv, const char *name, size_t nlen, unsigned max,
		  const char *const *needles)
{
	struct mv_headers *h = mv->headers;
	size_t i, k;
	unsigned seen = 0;

	if (!maybe_indexed(h, name, nlen))
		return false;
	for (i = 0; i < h->n && seen < max; i++) {
		struct mv_header_field *f = &h->field[i];

		if (!field_is(f, name, nlen))
			continue;
		seen++;
		if (f->value.p == NULL)
			f->value = header_value_decode(mv->arena, f->raw,
			    mv->limits->max_header_bytes);
		if (f->value.len == 0)
			return false;
		for (k = 0; needles[k] != NULL; k++)
			if (span_ifind(f->value, needles[k]) != NULL)
				return true;
	}
	return false;
}

bool
mv_header_present_len(const struct msgview *mv, const char *name, size_t nlen)
{
	struct mv_headers *h = mv->headers;
	size_t i;

	if (!maybe_indexed(h, name, nlen))
		return false;
	for (i = 0; i < h->n; i++)
		if (field_is(&h->field[i], name, nlen))
			return true;
	return false;
}

bool
mv_header_raw(const struct msgview *mv, size_t i, struct span *name, struct span *raw)
{
	const struct mv_headers *h = mv->headers;

	if (h == NULL || i >= h->n)
		return false;
	*name = h->field[i].name;
	*raw = h->field[i].raw;
	return true;
}

struct span
mime_decode_header(struct arena *a, struct span raw)
{
	pthread_once(&gmime_once, gmime_setup);
	return header_value_decode(a, raw, BOUNCE_FIELD_MAX * 4);
}
