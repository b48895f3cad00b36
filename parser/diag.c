/*
 * diag.c - what a diagnostic text says in codes.
 *
 * From "host mx.example.com[192.0.2.1] said: 550-5.1.1 The account does
 * not exist (in reply to RCPT TO command)" we want reply code 550, enhanced
 * status 5.1.1, command RCPT and host mx.example.com; from Microsoft's
 * texts also the component (RESOLVER.ADR.RecipientNotFound). One pass of
 * small scanners, no regular expressions: this runs for every recipient.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ascii.h"
#include "engine.h"

static bool
is_digit_at(struct span s, size_t i)
{
	return i < s.len && ascii_isdigit((unsigned char)s.p[i]);
}

/* Length of "D.DDD.DDD" at i, with class 2, 4 or 5; 0 if none. */
static size_t
status_at(struct span s, size_t i)
{
	size_t j = i, n;

	if (i >= s.len || (s.p[i] != '2' && s.p[i] != '4' && s.p[i] != '5'))
		return 0;
	/* "v4.1.2" is a version. */
	if (i > 0 && (s.p[i - 1] == 'v' || s.p[i - 1] == 'V'))
		return 0;
	/* Not the tail of a number or of a dotted quad. */
	if (i > 0 && (ascii_isalnum((unsigned char)s.p[i - 1]) || s.p[i - 1] == '.' ||
	    s.p[i - 1] == '/'))
		return 0;
	j++;
	if (j >= s.len || s.p[j] != '.')
		return 0;
	j++;
	/* RFC 3463 defines subjects 0 to 7 only; "Exim 4.96.2" and
	 * "Postfix 2.10.1" are versions, not codes. */
	if (j >= s.len || s.p[j] < '0' || s.p[j] > '7')
		return 0;
	j++;
	if (j >= s.len || s.p[j] != '.')
		return 0;
	j++;
	for (n = 0; n < 3 && is_digit_at(s, j); n++)
		j++;
	if (n == 0 || is_digit_at(s, j))
		return 0;
	/* 5.1.1.1 is an address, 5.1.1a a word. */
	if (j < s.len && (ascii_isalpha((unsigned char)s.p[j]) ||
	    (s.p[j] == '.' && is_digit_at(s, j + 1))))
		return 0;
	return j - i;
}

bool
status_valid(struct span s)
{
	s = span_trim(s);
	return s.len > 0 && status_at(s, 0) == s.len;
}

struct span
status_find(struct span s)
{
	size_t i, n;

	for (i = 0; i < s.len; i++)
		if ((n = status_at(s, i)) != 0)
			return span_make(s.p + i, n);
	return SPAN_EMPTY;
}

/* A three-digit reply code at i, delimited as SMTP writes it. */
static bool
reply_at(struct span s, size_t i)
{
	char c;

	if (i + 3 > s.len || (s.p[i] != '2' && s.p[i] != '4' && s.p[i] != '5') ||
	    !is_digit_at(s, i + 1) || !is_digit_at(s, i + 2))
		return false;
	if (s.p[i + 1] > '5')
		return false;
	if (i > 0) {
		c = s.p[i - 1];
		if (ascii_isalnum((unsigned char)c) || c == '.' || c == '-' || c == '/' ||
		    c == '+' || c == ',')
			return false;
		/* A group of an IPv6 address ("2606:2800:220:1"), not
		 * "ERROR_CODE :550". */
		if (c == ':' && i > 1 && (ascii_isxdigit((unsigned char)s.p[i - 2]) ||
		    s.p[i - 2] == ':'))
			return false;
	}
	if (i + 3 == s.len)
		return true;
	c = s.p[i + 3];
	return c == ' ' || c == '-' || c == '\t' || c == '\n' || c == '\'' ||
	    c == '"' || c == ')' || c == ']' || c == ':';
}

/* The enhanced code that follows a reply code ("550 5.1.1", "550-5.1.1",
 * "550 #5.1.1"); returns its length and start. */
static size_t
status_after_reply(struct span s, size_t i, size_t *at)
{
	size_t j = i + 3;

	if (j < s.len && (s.p[j] == ' ' || s.p[j] == '-' || s.p[j] == ':'))
		j++;
	while (j < s.len && s.p[j] == ' ')
		j++;
	if (j < s.len && s.p[j] == '#')
		j++;
	*at = j;
	return status_at(s, j);
}

static void
copy_code(char *dst, size_t dstlen, const char *p, size_t len)
{
	if (len >= dstlen)
		len = dstlen - 1;
	memcpy(dst, p, len);
	dst[len] = '\0';
}

/* x.0.0 says only the class; 4.4.7 only that time ran out. Both are
 * what an MTA writes when it has nothing better, so a later, specific
 * code in the same text is preferred. */
static bool
status_is_generic(const char *p, size_t n)
{
	return (n == 5 && p[2] == '0' && p[4] == '0') ||
	    (n == 5 && memcmp(p, "4.4.7", 5) == 0);
}

#ifdef __SSE2__
/* Which of the sixteen bytes at p are within lo..hi (as bits)? */
static inline __m128i
in_range16(__m128i b, char lo, char hi)
{
	return _mm_cmpeq_epi8(_mm_max_epu8(_mm_min_epu8(b, _mm_set1_epi8(hi)),
	    _mm_set1_epi8(lo)), b);
}
#endif

/* The first class digit ('2', '4', '5') at or after i; s.len if none.
 * Sixteen bytes at a time with SSE2: most of a text is not digits. */
static size_t
next_class_digit(struct span s, size_t i)
{
#ifdef __SSE2__
	for (; i + 16 <= s.len; i += 16) {
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s.p + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(b, _mm_set1_epi8('2')),
		    _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('4')),
		    _mm_cmpeq_epi8(b, _mm_set1_epi8('5')))));

		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	while (i < s.len && s.p[i] != '2' && s.p[i] != '4' && s.p[i] != '5')
		i++;
	return i;
}

static void
find_codes(struct span s, struct diag_info *d)
{
	size_t i, at, n, first_reply = SIZE_MAX;
	size_t best_at = SIZE_MAX, best_len = 0, best_reply = SIZE_MAX;
	bool best_specific = false;

	/* Both kinds of code start with their class digit. */
	for (i = 0; (i = next_class_digit(s, i)) < s.len; i++) {
		size_t reply = SIZE_MAX;
		bool specific;

		if (reply_at(s, i)) {
			if (first_reply == SIZE_MAX)
				first_reply = i;
			n = status_after_reply(s, i, &at);
			if (n == 0 || s.p[at] != s.p[i]) {
				i += 2;
				continue;
			}
			reply = i;
		} else if ((n = status_at(s, i)) != 0)
			at = i;
		else
			continue;
		specific = !status_is_generic(s.p + at, n);
		if (best_at == SIZE_MAX || (specific && !best_specific)) {
			best_at = at;
			best_len = n;
			best_reply = reply;
			best_specific = specific;
		} else if (best_specific && best_reply == SIZE_MAX && reply != SIZE_MAX &&
		    n == best_len && memcmp(s.p + at, s.p + best_at, n) == 0)
			best_reply = reply;	/* "#5.7.1 smtp;550 5.7.1": the same code, now with its reply */
		i = at + n - 1;
		/* Done once the specific code has its reply; a bare one may
		 * be repeated with its reply further on. */
		if (best_specific && best_reply != SIZE_MAX)
			break;
	}
	if (best_at != SIZE_MAX)
		copy_code(d->status, sizeof(d->status), s.p + best_at, best_len);
	if (best_reply != SIZE_MAX)
		first_reply = best_reply;
	if (first_reply != SIZE_MAX)
		copy_code(d->reply_code, sizeof(d->reply_code), s.p + first_reply, 3);
}

/* Phrases that name the SMTP command a reply answered. Longest first
 * within a family so "end of DATA" wins over "DATA". */
static const struct {
	const char *phrase;
	const char *command;
} command_phrases[] = {
	{ "in reply to rcpt to", "RCPT" },
	{ "after rcpt to", "RCPT" },
	{ "rcpt to:", "RCPT" },
	{ "rcpt to <", "RCPT" },
	{ "in reply to mail from", "MAIL" },
	{ "after mail from", "MAIL" },
	{ "mail from:", "MAIL" },
	{ "in reply to end of data", "DATA" },
	{ "after end of data", "DATA" },
	{ "in reply to data", "DATA" },
	{ "after data", "DATA" },
	{ "end of data", "DATA" },
	{ "in reply to ehlo", "HELO" },
	{ "in reply to helo", "HELO" },
	{ "after ehlo", "HELO" },
	{ "after helo", "HELO" },
	{ "in reply to auth", "AUTH" },
	{ "after auth", "AUTH" },
	{ "smtp auth", "AUTH" },
	{ "authentication unsuccessful", "AUTH" },
	{ "in reply to starttls", "STARTTLS" },
	{ "after starttls", "STARTTLS" },
	{ "while sending rcpt to", "RCPT" },
	{ "while sending mail from", "MAIL" },
	{ "while sending message body", "DATA" },
	{ "while sending end of data", "DATA" },
	{ "while sending data command", "DATA" },
	{ "while performing the ehlo handshake", "HELO" },
	{ "while performing the helo handshake", "HELO" },
	{ "while receiving the initial server greeting", "CONNECT" },
	{ "after initial connection", "CONNECT" },
	{ "while connected to", "CONNECT" },
	{ "in reply to quit", "QUIT" },
};

/* Does the phrase (lower case) start at p? */
static bool
phrase_at(const char *p, const char *end, const char *phrase)
{
	for (; *phrase != '\0'; p++, phrase++)
		if (p == end || (char)ascii_tolower((unsigned char)*p) != *phrase)
			return false;
	return true;
}

/* Per first letter, the numbers of the phrases that start with it, in
 * table order (-1 ends a list); made once. */
#define NPHRASES	(sizeof(command_phrases) / sizeof(command_phrases[0]))

static pthread_once_t	by_letter_once = PTHREAD_ONCE_INIT;
static signed char	by_letter[26][NPHRASES + 1];
/* Per first letter, a bit per second letter that some phrase starts
 * with (bit ANY_SECOND: a phrase whose second byte is no letter): most
 * word starts are ruled out by it without a call. */
#define ANY_SECOND	26
static uint32_t		first_pairs[26];

static void
by_letter_make(void)
{
	size_t k, n[26] = { 0 };
	int l;

	for (l = 0; l < 26; l++)
		memset(by_letter[l], -1, sizeof(by_letter[l]));
	/* Every phrase starts with a lower-case letter. */
	for (k = 0; k < NPHRASES; k++) {
		l = command_phrases[k].phrase[0] - 'a';
		if (l >= 0 && l < 26) {
			by_letter[l][n[l]++] = (signed char)k;
			first_pairs[l] |= UINT32_C(1) <<
			    (ascii_isalpha((unsigned char)command_phrases[k].phrase[1]) ?
			    command_phrases[k].phrase[1] - 'a' : ANY_SECOND);
		}
	}
}

/* Can a phrase start at p, a letter (by its first two letters)? */
static inline bool
pair_may_start(const char *p, const char *end)
{
	uint32_t pairs = first_pairs[ascii_tolower((unsigned char)*p) - 'a'];
	unsigned char c2;

	if (p + 1 >= end || (pairs >> ANY_SECOND & 1))
		return true;	/* command_at() tells */
	c2 = ascii_tolower((unsigned char)p[1]);
	return (unsigned char)(c2 - 'a') < 26 && (pairs >> (c2 - 'a') & 1);
}

/* The command of the first phrase (table order among those) that starts
 * at p, a word start; NULL if none. The second letter is compared before
 * a whole phrase is: most words end the search there. */
static const char *
command_at(const char *p, const char *end)
{
	const signed char *k;
	unsigned char c = ascii_tolower((unsigned char)*p), c2;

	if (c < 'a' || c > 'z')
		return NULL;
	c2 = p + 1 < end ? ascii_tolower((unsigned char)p[1]) : 0;
	for (k = by_letter[c - 'a']; *k >= 0; k++)
		if ((unsigned char)command_phrases[*k].phrase[1] == c2 &&
		    phrase_at(p, end, command_phrases[*k].phrase))
			return command_phrases[*k].command;
	return NULL;
}

/* The earliest phrase wins, table order breaks a tie. One pass over the
 * text: phrases start words, so only word starts are tried (with SSE2
 * found sixteen bytes at a time: a letter after a byte that is not a
 * letter or digit), and only against the phrases that start with that
 * letter. */
static void
find_command(struct span s, struct diag_info *d)
{
	const char *p = s.p, *end = s.p + s.len, *cmd = NULL;

	pthread_once(&by_letter_once, by_letter_make);
	if (p < end)
		cmd = command_at(p++, end);
#ifdef __SSE2__
	/* p - 1 is within the text: the byte before each of the sixteen. */
	for (; cmd == NULL && end - p >= 16; p += 16) {
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i prev = _mm_loadu_si128((const __m128i *)(const void *)(p - 1));
		__m128i lower = _mm_set1_epi8(0x20);
		__m128i prev_alnum = _mm_or_si128(in_range16(prev, '0', '9'),
		    in_range16(_mm_or_si128(prev, lower), 'a', 'z'));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(prev_alnum,
		    in_range16(_mm_or_si128(b, lower), 'a', 'z')));

		for (; cmd == NULL && m != 0; m &= m - 1)
			if (pair_may_start(p + __builtin_ctz(m), end))
				cmd = command_at(p + __builtin_ctz(m), end);
	}
#endif
	for (; cmd == NULL && p < end; p++)
		if (!ascii_isalnum((unsigned char)p[-1]))
			cmd = command_at(p, end);
	if (cmd != NULL)
		copy_code(d->command, sizeof(d->command), cmd, strlen(cmd));
}

static bool
host_char(unsigned char c)
{
	return ascii_isalnum(c) || c == '-' || c == '.' || c == '_';
}

/* "host mx.example.com[192.0.2.1] said", "connect to mx.example.com[...]":
 * the phrases that lead a host name, in order of preference. Each ends
 * in a blank after a 't', 'o' or 'h'. */
static const struct {
	const char *text;
	size_t	    len;
} host_intro[] = {
#define I(s)	{ s, sizeof(s) - 1 }
	I("host "), I("connect to "), I("from remote host "),
	I("lost connection with "), I("conversation with "),
#undef I
};

#define NINTRO	(sizeof(host_intro) / sizeof(host_intro[0]))

/* The dotted host name right after an intro that ends at p; empty if
 * what follows is no such name. */
static struct span
host_after(const char *p, const char *end)
{
	const char *hit = p;

	while (p < end && host_char((unsigned char)*p))
		p++;
	while (p > hit && p[-1] == '.')
		p--;
	if (p > hit && memchr(hit, '.', (size_t)(p - hit)) != NULL)
		return span_make(hit, (size_t)(p - hit));
	return SPAN_EMPTY;
}

/* A blank at b (b > s.p) may end an intro: what of them ends there. The
 * first occurrence of intro k is where it first ends. */
static void
intros_ending_at(struct span s, const char *b, const char **first)
{
	unsigned char c = ascii_tolower((unsigned char)b[-1]);
	size_t k, at = (size_t)(b + 1 - s.p);

	if (c != 't' && c != 'o' && c != 'h')
		return;
	for (k = 0; k < NINTRO; k++)
		if (first[k] == NULL && at >= host_intro[k].len &&
		    (unsigned char)host_intro[k].text[host_intro[k].len - 2] == c &&
		    mem_ifind(b + 1 - host_intro[k].len, host_intro[k].len,
		    host_intro[k].text, host_intro[k].len) != NULL)
			first[k] = b + 1;	/* where the host would start */
}

#ifdef __SSE2__
/* Is the answer known: the first occurrence of every intro before the
 * best one found (k_best) is known, so nothing later can change it? On
 * the way, the intros first seen are tried. (Only the SSE2 loop asks.) */
static bool
host_settled(struct span s, const char **first, bool *tried, struct diag_info *d)
{
	size_t k;

	for (k = 0; k < NINTRO; k++) {
		if (first[k] == NULL)
			return false;
		if (!tried[k]) {
			tried[k] = true;
			if ((d->remote_host = host_after(first[k], s.p + s.len)).len > 0)
				return true;
		}
	}
	return true;
}
#endif

/*
 * The host after the first occurrence of the first intro (in the order
 * of host_intro) that leads a dotted name. One pass over the text for
 * all of them instead of a search per intro: with SSE2, sixteen bytes
 * at a time, only the blanks after a 't', 'o' or 'h' are looked at.
 */
static void
find_host(struct span s, struct diag_info *d)
{
	const char *first[NINTRO] = { NULL };
	bool tried[NINTRO] = { false };
	size_t i = 1, k;

	if (s.len < 2)
		return;
#ifdef __SSE2__
	/* s.p + i - 1 is within the text: the byte before each of the sixteen. */
	for (; i + 16 <= s.len; i += 16) {
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s.p + i));
		__m128i prev = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)
		    (s.p + i - 1)), _mm_set1_epi8(0x20));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(
		    _mm_cmpeq_epi8(b, _mm_set1_epi8(' ')),
		    _mm_or_si128(_mm_cmpeq_epi8(prev, _mm_set1_epi8('t')),
		    _mm_or_si128(_mm_cmpeq_epi8(prev, _mm_set1_epi8('o')),
		    _mm_cmpeq_epi8(prev, _mm_set1_epi8('h'))))));

		if (m == 0)
			continue;
		for (; m != 0; m &= m - 1)
			intros_ending_at(s, s.p + i + __builtin_ctz(m), first);
		if (host_settled(s, first, tried, d))
			return;
	}
#endif
	for (; i < s.len; i++)
		if (s.p[i] == ' ')
			intros_ending_at(s, s.p + i, first);
	/* The end: the intros found, in order. */
	for (k = 0; k < NINTRO; k++)
		if (first[k] != NULL && !tried[k] &&
		    (d->remote_host = host_after(first[k], s.p + s.len)).len > 0)
			return;
}

/* The first dot at or after i (i >= 1) that follows an upper-case letter,
 * s.len if none: every component prefix ends in one, so the dots of host
 * names, sentences and status codes are passed over sixteen at a time. */
static size_t
upper_dot(struct span s, size_t i)
{
#ifdef __SSE2__
	for (; i + 16 <= s.len; i += 16) {
		__m128i prev = _mm_loadu_si128((const __m128i *)(const void *)(s.p + i - 1));
		__m128i cur = _mm_loadu_si128((const __m128i *)(const void *)(s.p + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(
		    in_range16(prev, 'A', 'Z'), _mm_cmpeq_epi8(cur, _mm_set1_epi8('.'))));

		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i < s.len; i++)
		if (s.p[i] == '.' && s.p[i - 1] >= 'A' && s.p[i - 1] <= 'Z')
			return i;
	return s.len;
}

/* Microsoft component names: RESOLVER.ADR.RecipientNotFound,
 * STOREDRV.Deliver.Exception:QuotaExceededException..., QUEUE.Expired.
 * A name is a whole word (case matters: these are identifiers) followed
 * by a dot, so the text is searched for dots and the word before each
 * is compared: the first one that is a prefix starts the component. */
static void
find_component(struct span s, struct diag_info *d)
{
	static const struct {
		const char *name;
		size_t	    len;
	} prefix[] = {
#define P(s)	{ s, sizeof(s) - 1 }
		P("RESOLVER"), P("STOREDRV"), P("QUEUE"), P("ROUTING"), P("CAT"),
		P("SMTPSEND"), P("SMTPRECEIVE"), P("AMQUEUE"), P("DNS"),
#undef P
	};
	const char *best = NULL, *end = s.p + s.len, *p, *dot, *w;
	size_t k, i;

	for (i = 1; best == NULL && (i = upper_dot(s, i)) < s.len; i++) {
		dot = s.p + i;
		/* The word before the dot; no prefix is longer than 11. */
		for (w = dot; w > s.p && dot - w <= 11 && ascii_isalnum((unsigned char)w[-1]); w--)
			;
		if (w == dot || (w > s.p && ascii_isalnum((unsigned char)w[-1])))
			continue;
		for (k = 0; k < sizeof(prefix) / sizeof(prefix[0]); k++)
			if (prefix[k].len == (size_t)(dot - w) &&
			    memcmp(w, prefix[k].name, prefix[k].len) == 0) {
				best = w;
				break;
			}
	}
	if (best == NULL)
		return;
	for (p = best; p < end && (ascii_isalnum((unsigned char)*p) || *p == '.' || *p == ':' || *p == '_'); p++)
		;
	while (p > best && (p[-1] == '.' || p[-1] == ':'))
		p--;
	d->component = span_make(best, (size_t)(p - best));
}

void
diag_extract_some(struct span text, struct diag_info *d, unsigned what)
{
	memset(d, 0, sizeof(*d));
	d->remote_host = SPAN_EMPTY;
	d->component = SPAN_EMPTY;
	if (text.len == 0)
		return;
	find_codes(text, d);
	if (what & DIAG_COMMAND)
		find_command(text, d);
	if (what & DIAG_HOST)
		find_host(text, d);
	if (what & DIAG_COMPONENT)
		find_component(text, d);
}

void
diag_extract(struct span text, struct diag_info *d)
{
	diag_extract_some(text, d, DIAG_COMMAND | DIAG_HOST | DIAG_COMPONENT);
}

/*
 * Multi-line replies arrive joined: "550-5.1.1 The account 550-5.1.1 does
 * not exist 550 5.1.1 https://...". Keep the first "550-5.1.1" (as
 * "550 5.1.1") and drop the repeats, so the text reads as one sentence.
 * Returns the text unchanged when there is nothing to drop.
 */
/* Does the reply code (rl bytes) start a word and precede a '-' or a
 * blank at least twice in text? Every prefix dropped is one of these,
 * and the text only changes when there are two: most texts are passed
 * over by a search instead of copied a byte at a time for nothing. */
static bool
two_prefixes(const char *text, size_t len, const char *reply, size_t rl)
{
	const char *p = text, *end = text + len, *hit;
	unsigned n = 0;

	/* By its first byte: memmem() costs more to set up for three
	 * bytes than this whole search. */
	while ((size_t)(end - p) > rl && (hit = memchr(p, reply[0], (size_t)(end - p - rl))) != NULL) {
		if ((hit == text || hit[-1] == ' ') && memcmp(hit, reply, rl) == 0 &&
		    (hit[rl] == '-' || hit[rl] == ' ') && ++n == 2)
			return true;
		p = hit + 1;
	}
	return false;
}

const char *
diag_join_continuations(struct arena *a, const char *text, const char *reply,
			const char *status)
{
	size_t len = strlen(text), rl = strlen(reply), sl = strlen(status), i, o = 0;
	unsigned seen = 0;
	char *out;

	if (rl != 3 || len < rl + 1 || !two_prefixes(text, len, reply, rl))
		return text;
	if ((out = arena_alloc_raw(a, len + 1)) == NULL)
		return text;
	for (i = 0; i < len;) {
		/* "550-" or "550 " at a word start, optionally with the status. */
		if ((i == 0 || text[i - 1] == ' ') && i + rl + 1 <= len &&
		    memcmp(text + i, reply, rl) == 0 && (text[i + rl] == '-' || text[i + rl] == ' ')) {
			size_t j = i + rl + 1;

			if (sl > 0 && j + sl <= len && memcmp(text + j, status, sl) == 0 &&
			    (j + sl == len || text[j + sl] == ' '))
				j += sl;
			else if (text[i + rl] == ' ') {
				/* "550 word" without the status: a plain number. */
				out[o++] = text[i++];
				continue;
			}
			if (seen++ == 0) {
				memcpy(out + o, reply, rl);
				o += rl;
				if (j > i + rl + 1) {
					out[o++] = ' ';
					memcpy(out + o, status, sl);
					o += sl;
				} else
					out[o++] = ' ';	/* "550-Your" reads "550 Your" */
			} else if (o > 0 && out[o - 1] == ' ' && j < len && text[j] == ' ')
				o--;	/* the blank before the dropped prefix */
			i = j;
			continue;
		}
		out[o++] = text[i++];
	}
	out[o] = '\0';
	return seen > 1 ? out : text;
}
