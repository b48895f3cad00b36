/*
 * engine.h - internal interfaces shared by the files of libbounce.
 *
 * Memory: every report owns one arena; every string the engine hands out
 * lives there and dies with bounce_report_free(). Nothing else is freed
 * piecemeal.
 *
 * Text: the engine works on byte ranges (struct span) of decoded UTF-8 text
 * with LF line ends, never on NUL-terminated guesses. Strings stored in a
 * report go through text_field(), which unfolds, strips controls and caps.
 */
#ifndef ENGINE_H
#define ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "bounce.h"

/* ---- arena.c ---------------------------------------------------------- */

struct arena;

struct arena *arena_new(void);
void	arena_free(struct arena *);
void   *arena_alloc(struct arena *, size_t);		/* zeroed, NULL on OOM */
/* arena_alloc() without the zeroing, for buffers about to be written
 * in full (decoded and cleaned text). */
void   *arena_alloc_raw(struct arena *, size_t);
char   *arena_strndup(struct arena *, const char *, size_t);

/* ---- bigmem.c --------------------------------------------------------- */

/* malloc/free for big blocks: from BIGMEM_MIN bytes on, mapped with all
 * their pages in place (a first touch per page costs a fault). */
void   *bigmem_alloc(size_t);
void	bigmem_free(void *);

/* ---- text.c ----------------------------------------------------------- */

struct span {
	const char *p;
	size_t	    len;
};

#define SPAN_LIT(s)	((struct span){ (s), sizeof(s) - 1 })
#define SPAN_EMPTY	((struct span){ "", 0 })

static inline struct span
span_make(const char *p, size_t len)
{
	return (struct span){ p, len };
}

/* s without leading and trailing white space (isspace() of the C
 * locale). Inline: it runs for every field and line the engine reads. */
static inline struct span
span_trim(struct span s)
{
	while (s.len > 0 && (s.p[0] == ' ' || (s.p[0] >= '\t' && s.p[0] <= '\r'))) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && (s.p[s.len - 1] == ' ' ||
	    (s.p[s.len - 1] >= '\t' && s.p[s.len - 1] <= '\r')))
		s.len--;
	return s;
}

/* Whole span, ASCII case-insensitive; lit is n bytes. */
bool	span_ieq_len(struct span, const char *lit, size_t n);
bool	span_istarts(struct span, const char *);
/* ASCII case-insensitive search; NULL if absent. */
const char *mem_ifind(const char *hay, size_t hlen, const char *needle, size_t nlen);

/* The two below are inline so that the length of a literal, what they
 * are nearly always given, is known where they are called, not counted
 * by strlen() on every call. */
static inline bool
span_ieq(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return n == s.len && span_ieq_len(s, lit, n);
}

static inline const char *
span_ifind(struct span s, const char *needle)
{
	return mem_ifind(s.p, s.len, needle, strlen(needle));
}

/* Offset of the first c in p[0..n), or n if there is none. Inline and
 * sixteen bytes at a time, never reading past p + n: for the short runs
 * searched line by line (lines average 60-70 bytes) a libc memchr()
 * call cost more than the search. Long searches keep memchr(). */
static inline size_t
mem_offset(const char *p, size_t n, char c)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i want = _mm_set1_epi8(c);

	for (; i + 16 <= n; i += 16) {
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		    _mm_loadu_si128((const __m128i *)(const void *)(p + i)), want));

		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	while (i < n && p[i] != c)
		i++;
	return i;
}

/* Next line of s starting at *pos (LF or CRLF ends; the end excluded).
 * Returns false at the end. Inline: the scanners call it for every line
 * of every part, and the call cost as much as the line's memchr. */
static inline bool
span_next_line(struct span s, size_t *pos, struct span *line)
{
	const char *start;
	size_t len, rest;

	if (*pos >= s.len)
		return false;
	start = s.p + *pos;
	rest = s.len - *pos;
	len = mem_offset(start, rest, '\n');
	*pos += len + (len < rest);
	if (len > 0 && start[len - 1] == '\r')
		len--;
	*line = span_make(start, len);
	return true;
}

/* Copy into the arena as a report field: unfold, drop controls, collapse
 * runs of blanks, trim, repair invalid UTF-8, cap at BOUNCE_FIELD_MAX.
 * Never NULL (returns "" on OOM). */
const char *text_field(struct arena *, struct span);

/* Make a buffer valid UTF-8 with LF line ends: CRLF and lone CR become LF,
 * NUL and invalid sequences become U+FFFD. Result in the arena. */
struct span text_clean_utf8(struct arena *, struct span);
bool	utf8_valid(const char *, size_t);

/* text_field() in lower case. */
const char *text_field_lower(struct arena *, struct span);
/* Lower-case ASCII copy into the arena. */
const char *text_lower(struct arena *, struct span);

/* ---- address.c -------------------------------------------------------- */

/* Find an email address in s: <a@b>, "rfc822; a@b", bare a@b. Returns the
 * address without brackets or an empty span. */
struct span addr_find(struct span s);
bool	addr_looks_valid(struct span);

/* ---- diag.c: what one diagnostic text says ------------------------------ */

struct diag_info {
	char	status[16];	/* enhanced status "5.7.139"; "" if none */
	char	reply_code[4];	/* "550"; "" if none */
	char	command[12];	/* "RCPT", "DATA" ...; "" if unknown */
	struct span remote_host;	/* a host named in the text */
	struct span component;	/* Microsoft's RESOLVER.ADR.RecipNotFound */
};

void	diag_extract(struct span text, struct diag_info *);
/* The same, the codes and only what `what` asks for of the rest (the
 * others stay empty): a caller that has a host already need not have
 * the text searched for one. */
#define DIAG_COMMAND	0x01
#define DIAG_HOST	0x02
#define DIAG_COMPONENT	0x04
void	diag_extract_some(struct span text, struct diag_info *, unsigned what);
/* "550-5.1.1 a 550-5.1.1 b" -> "550 5.1.1 a b" (result in the arena). */
const char *diag_join_continuations(struct arena *, const char *text,
				    const char *reply, const char *status);
/* Is s a syntactically valid RFC 3463 code (class 2, 4 or 5)? */
bool	status_valid(struct span s);
/* Find the first enhanced status code in s; empty span if none. */
struct span status_find(struct span s);

/* ---- mime.c: the message, decoded, as the vendor modules see it -------- */

/*
 * A leaf's text is decoded during the walk, except text/html: it is
 * decoded only when a reader known to mime.c will look at it (no plain
 * text body, or no delivery-status part). A leaf's text may therefore be
 * empty for an HTML part; new code that reads HTML text must be added to
 * decode_html_if_read() in mime.c.
 */
struct mime_leaf {
	const char *type;	/* "text/plain", lower case */
	struct span text;	/* decoded to UTF-8, LF line ends (see above) */
	unsigned    depth;	/* MIME nesting */
	bool	    in_returned;	/* inside the returned message */
	bool	    is_attachment;
};

struct msgview {
	struct arena		*arena;
	struct bounce_report	*report;
	const struct bounce_limits *limits;
	struct mv_headers	*headers;	/* top-level fields, indexed (mime.c) */

	const char	*content_type;	/* top level, lower case, "" if none */
	const char	*report_type;	/* multipart/report report-type param */

	struct mime_leaf *leaf;		/* every leaf part, depth first */
	size_t		 nleaf;

	/* The notification the report's author wrote: the first text part
	 * that is not inside the returned message (or the whole body of a
	 * single-part message). */
	struct span	 body;
	/* The returned message (message/rfc822 or text/rfc822-headers
	 * part, or the text after a "returned message" marker). */
	struct span	 returned;
	bool		 returned_is_headers;
	/* That first message part outside the returned message, whole:
	 * header and body, transfer encoding undone (forward.c reads a
	 * report forwarded as an attachment from it). */
	struct span	 attached;

	/* Where the vendor modules' body phrases occur (vendor.c); set by
	 * vendor_best(), filled on the first mv_marker() question. */
	struct vendor_scan *scan;
};

/* The questions about top-level fields take the name's length (nlen);
 * the inline forms below, which count it, are what callers use: given
 * a literal, the count is made where they are compiled. */
struct span mv_header_nth_len(const struct msgview *, const char *name, size_t nlen, int n);
bool	mv_header_present_len(const struct msgview *, const char *name, size_t nlen);
bool	mv_header_has_len(const struct msgview *, const char *name, size_t nlen,
			  unsigned max, const char *const *needles);

/* Decoded, unfolded value of the n-th (0-based) top-level field called
 * name; empty span if absent. */
static inline struct span
mv_header_nth(const struct msgview *mv, const char *name, int n)
{
	return mv_header_nth_len(mv, name, strlen(name), n);
}

/* The same for the first one. */
static inline struct span
mv_header(const struct msgview *mv, const char *name)
{
	return mv_header_nth_len(mv, name, strlen(name), 0);
}

/* The i-th top-level field (0-based) as it came: name and raw value,
 * folded and undecoded; false past the last. For one pass over all the
 * fields, in the order of the index the functions above search. */
bool	mv_header_raw(const struct msgview *, size_t i, struct span *name,
		      struct span *raw);

/* Is the field there at all (some carry no value)? */
static inline bool
mv_header_present(const struct msgview *mv, const char *name)
{
	return mv_header_present_len(mv, name, strlen(name));
}

/* Does one of the first max fields called name, up to the first empty
 * one, contain one of needles (NULL-terminated, case-insensitive)? What
 * a loop over mv_header_nth() answers, in one pass over the fields. */
static inline bool
mv_header_has(const struct msgview *mv, const char *name, unsigned max,
	      const char *const *needles)
{
	return mv_header_has_len(mv, name, strlen(name), max, needles);
}

/* Build the view of msg (raw bytes). Returns false only on OOM. */
bool	mime_view_build(struct msgview *, const char *msg, size_t len);
void	mime_view_release(struct msgview *);
/* Quoted-printable body of len bytes into out (room for len bytes);
 * returns the decoded length. As GMime decodes it, faster. */
size_t	qp_decode(const char *in, size_t len, char *out);
/* RFC 2047-decode a raw header value into UTF-8 in the arena. */
struct span mime_decode_header(struct arena *, struct span raw);

/* ---- signals.c: is it a report at all? ----------------------------- */

bool	mv_from_daemon(const struct msgview *);	/* From: MAILER-DAEMON, postmaster ... */
bool	mv_subject_bounce(const struct msgview *);	/* Subject: Undelivered ... */
bool	mv_null_sender(const struct msgview *);	/* Return-Path: <> */
bool	mv_looks_like_report(const struct msgview *);	/* any of these, or multipart/report */

/* ---- report.c: building a report ------------------------------------- */

struct bounce_report *report_new(void);
struct arena *report_arena(struct bounce_report *);
/* Append a recipient with every field "". NULL when the recipient limit
 * is reached (the report is then marked truncated) or on OOM. */
struct bounce_recipient *report_add_recipient(struct bounce_report *,
					      const struct bounce_limits *);
void	report_truncate(struct bounce_report *, const char *why);
/* Forget what one reading found: kind, format, fields, recipients (the
 * arena keeps the bytes); what limits were reached stays said. */
void	report_clear(struct bounce_report *);
/* Set a field of a report or recipient from a span (text_field rules). */
#define REPORT_SET(r, field, span) \
	((field) = text_field(report_arena(r), (span)))
/* Find a recipient by address (case-insensitive); NULL if none. */
struct bounce_recipient *report_find_recipient(struct bounce_report *, struct span addr);

/* Fill status, reply code, command, remote MTA and component of a
 * recipient from its diagnostic text where they are still empty, and
 * prefer a specific status in the text to a generic x.0.0 one. */
void	report_fill_from_diagnostic(struct bounce_report *, struct bounce_recipient *);

/* ---- dsn.c: RFC 3464 ------------------------------------------------- */

/* Parse a message/delivery-status body into r: per-message fields and one
 * recipient per per-recipient block. Returns the number of recipients. */
size_t	dsn_parse_fields(struct bounce_report *, const struct bounce_limits *,
			 struct span status_body);
/* Does text look like a delivery-status block (for reports that carry
 * one in a text part)? */
bool	dsn_text_has_fields(struct span text);

/* ---- forward.c ------------------------------------------------------- */

/* A message a person sent whose subject says "forwarded": the forwarded
 * message in it, inline (rebuilt in the arena) or attached, as a message
 * of its own. False when there is none. */
bool	forward_find(const struct msgview *, struct span *out);

/* ---- original.c ------------------------------------------------------ */

/* Read Message-ID, From, To, Subject of the returned message. */
void	original_extract(struct msgview *);

/* ---- textscan.c: bounces written as prose --------------------------- */

/* The part of text after the first line containing one of starts (NULL:
 * from the top) up to the first line containing one of ends (NULL: to
 * the end). Both lists end with NULL; matching is case-insensitive.
 * Empty if no start line is found. */
struct span text_region(struct span text, const char *const *starts,
			const char *const *ends);

#define TEXTSCAN_LABELLED	0x01	/* "Recipient: a@b" also leads */
#define TEXTSCAN_BLANK_OK	0x02	/* blank lines do not end a diagnostic */

/* One recipient per address that leads a line of region, each with the
 * lines after it as diagnostic. Returns how many were added. */
size_t	textscan_recipients(struct msgview *, struct span region, unsigned flags);

/* A new recipient addr with action "failed"; NULL at the recipient
 * limit or on OOM (as report_add_recipient). */
struct bounce_recipient *textscan_add_failed(struct msgview *, struct span addr);
/* The SMTP command named by the word that starts s ("RCPT TO:<a@b>",
 * "final DATA", "EHLO" -> "HELO", "banner" -> "CONNECT"); NULL if none. */
const char *smtp_command_word(struct span s);
/* The n pieces with sep between them, in the arena; empty if n is 0 or
 * on OOM. */
struct span span_join(struct arena *, const struct span *piece, size_t n,
		      char sep);
/* The value of the first "name:" line of the header block that starts
 * block (a returned message's headers), unfolded lines not included;
 * empty if none. */
struct span returned_header(struct span block, const char *name);

/* ---- vendor.c: format families --------------------------------------- */

/*
 * A vendor module knows one family of reports. detect() looks at the view
 * and answers a confidence 0..100 (0: not mine). The module with the best
 * score parses; parse() adds recipients to mv->report and returns how many
 * it found. Modules may also refine a standard DSN (refine, optional):
 * called after the RFC 3464 parse when the module detects the message.
 */
struct vendor_module {
	const char *name;
	struct vendor_markers *markers;	/* body phrases detect() asks about */
	const struct vendor_gate *gate;	/* NULL: detect() runs for every message */
	int	(*detect)(const struct msgview *);
	size_t	(*parse)(struct msgview *);
	void	(*refine)(struct msgview *);
};

/*
 * The phrases the modules look for in the notification are found for all
 * modules in one pass over the body, not by a search per phrase per
 * module. A module lists its phrases (NULL-terminated) and asks
 * mv_marker(mv, &its_markers, k, within): does phrase k occur (ASCII
 * case-insensitive) in the first `within` bytes of mv->body? The answer
 * is exactly span_ifind()'s on that window, for any window. A module
 * with several lists chains them (next).
 */
struct vendor_markers {
	const char *const *phrase;
	unsigned	   base;	/* vendor.c: phrase[0]'s number */
	struct vendor_markers *next;
};

#define VENDOR_SCAN_BYTES	(64 * 1024)	/* what the one pass covers */

/*
 * A module's gate: signs without which its detect() can only answer 0,
 * any one of which lets detect() run. Most messages show the signs of
 * a few modules only, and the signs of all modules are looked for at
 * once (vendor_gate.c): a header field once, one pass over its value
 * for the words of every module. A gate must be a necessary condition
 * of detect() > 0, or a message goes unrecognised: it is written next
 * to detect(), as a superset of what detect() tests (a word that must
 * start or be the whole field may be anywhere in it), and
 * test/unit/vendor_gate_test.c checks it on every fixture.
 */
enum vendor_gate_kind {
	GATE_END,		/* ends the list */
	GATE_FIELD_HAS,		/* the first `field` (Received: one of the first
				 * VENDOR_GATE_RECEIVED) contains `word`, any case */
	GATE_FIELD_SET,		/* the first `field` has a value */
	GATE_PHRASE,		/* phrase k of `markers` in the scanned body window */
	GATE_ANY_PHRASE,	/* any phrase of `markers` there */
	GATE_CONTENT_TYPE,	/* mv->content_type is `word` */
	GATE_STATUS_PART,	/* a message/delivery-status part of the report */
	GATE_REPORT,		/* mv_looks_like_report() */
	GATE_INCLUDE,		/* the clauses of gate `also` (no deeper) */
};

struct vendor_gate {
	enum vendor_gate_kind kind;
	const char *field;
	const char *word;
	const struct vendor_markers *markers;
	unsigned k;
	const struct vendor_gate *also;
};

#define VENDOR_GATE_RECEIVED	8	/* Received fields a gate reads */

#define GATE_HAS(f, w)		{ .kind = GATE_FIELD_HAS, .field = (f), .word = (w) }
#define GATE_SET(f)		{ .kind = GATE_FIELD_SET, .field = (f) }
#define GATE_PHRASE(m, n)	{ .kind = GATE_PHRASE, .markers = (m), .k = (n) }
#define GATE_ANY_PHRASE(m)	{ .kind = GATE_ANY_PHRASE, .markers = (m) }
#define GATE_TYPE(t)		{ .kind = GATE_CONTENT_TYPE, .word = (t) }
#define GATE_STATUS		{ .kind = GATE_STATUS_PART }
#define GATE_LOOKS_LIKE_REPORT	{ .kind = GATE_REPORT }
#define GATE_ALSO(g)		{ .kind = GATE_INCLUDE, .also = (g) }
#define GATE_DONE		{ .kind = GATE_END }

/* phrases.c: where each of a set of phrases first ends in a text (of
 * less than 4 GB), ASCII case-insensitively. end[i] (zeroed by the
 * caller) gets the offset just past phrase i's first occurrence, 0 if
 * none; found() is called for each phrase recorded (at least once for
 * each found). NULL from the build: no memory, an empty phrase or too
 * many (then search one by one). */
struct phrase_set;
typedef void (*phrase_found_fn)(unsigned id, void *arg);
struct phrase_set *phrase_set_build(const char *const *phrase, unsigned n);
void	phrase_set_free(struct phrase_set *);
void	phrase_set_scan(const struct phrase_set *, const char *text, size_t len,
			uint32_t *end, phrase_found_fn found, void *arg);

/* vendor_gate.c: compile the gates of mods (once; after the phrases
 * are numbered), then, per message, which of them may detect (bit i:
 * mods[i]; no gate: always set). by_phrases: the gates the body scan
 * opened (vendor_gates_of_phrase() of each phrase found), NULL if there
 * was no scan (then each phrase is searched). False from the build:
 * the tables do not fit (then every module runs). */
bool	vendor_gates_build(const struct vendor_module *const *mods, size_t n);
uint64_t vendor_gates_of_phrase(unsigned id);
uint64_t vendor_gates_open(const struct msgview *, const uint64_t *by_phrases);

bool	mv_marker(const struct msgview *, const struct vendor_markers *,
		  unsigned k, size_t within);
/* Any phrase of the list? */
bool	mv_marker_any(const struct msgview *, const struct vendor_markers *,
		      size_t within);
/* Where phrase k of m first ends in mv->body (the offset just past it),
 * or 0 if it does not occur in the first VENDOR_SCAN_BYTES. Lets a
 * module start reading at the first line that can matter. */
size_t	mv_marker_end(const struct msgview *, const struct vendor_markers *,
		      unsigned k);
/* The phrases of m (its first 64) that occur in that window, as bits
 * (phrase k: bit k), in one call; where the earliest of them starts is
 * lowered into *first (if not NULL). */
uint64_t mv_markers_found(const struct msgview *, const struct vendor_markers *,
			  size_t *first);
/* mv_looks_like_report() and mv_from_daemon(), asked once per message
 * and remembered (the modules all ask; the answers cannot change). */
bool	mv_looks_like_report_once(const struct msgview *);
bool	mv_from_daemon_once(const struct msgview *);

/* The best module for mv and its score; runs the detect() of every
 * module whose gate is open. */
const struct vendor_module *vendor_best(struct msgview *, int *score);
const struct vendor_module *vendor_by_name(const char *);
/* The modules in table order (NULL past the end), and the bits of those
 * whose gates are open for mv (tests: a module that detects must be
 * among them). */
const struct vendor_module *vendor_nth(size_t);
uint64_t vendor_open_gates(struct msgview *);
/* The last resort (vendor/generic.c), tried when a module finds nothing. */
extern const struct vendor_module vendor_generic;

/* ---- classify helpers shared with the rules code -------------------- */

const char *kind_name(enum bounce_kind);

#endif /* ENGINE_H */
