/*
 * forward.c - a report that a person forwarded (see engine.h).
 *
 * People send the bounces they get on to their helpdesk: inline, under
 * Apple Mail's "Begin forwarded message:", Gmail's "---------- Forwarded
 * message ---------" or Outlook's rule and "From: ... Sent: ..." block,
 * the lines often quoted with "> "; or as an attached message. Read as it
 * stands, such a message is a person's note with a report's words in it,
 * and the report readers misread it (a quoted "To:" line taken for the
 * failed recipient). forward_find() gives parse.c the forwarded message
 * as a message of its own: the attached one as it is, an inline one with
 * its quote marks stripped and its header block rebuilt under English
 * field names. Only a message a person sent whose subject says it was
 * forwarded is looked at, so a report never takes this way.
 */
#include <string.h>

#include "engine.h"
#include "words.h"

#define MARKER_LINE_MAX	100	/* bytes of a marker line, quotes gone */
#define RULE_MIN	10	/* "__________" alone marks Outlook's block */
#define QUOTE_MAX	8	/* quote levels of the forwarded text */
#define NAME_MAX_LEN	40	/* bytes of a field name in the block */
#define FIELDS_MAX	64	/* field lines of the block */
#define SUBJECT_TAGS	3	/* "Re:" or "[tag]" skipped before "Fwd:" */
#define MARKERS_TRIED	4	/* each costs a pass over the rest of the note */

/* Field names of a forwarded block as mail programs localise them, and
 * the name the rebuilt message uses. Other names pass as they are. */
static const struct {
	const char *local;
	const char *name;
} field_names[] = {
	{ "from", "From" }, { "von", "From" }, { "de", "From" }, { "da", "From" },
	{ "van", "From" }, { "fra", "From" }, { "fr\xc3\xa5n", "From" },
	{ "date", "Date" }, { "sent", "Date" }, { "gesendet", "Date" },
	{ "datum", "Date" }, { "envoy\xc3\xa9", "Date" }, { "enviado", "Date" },
	{ "inviato", "Date" }, { "verzonden", "Date" }, { "skickat", "Date" },
	{ "sendt", "Date" },
	{ "to", "To" }, { "an", "To" }, { "para", "To" }, { "a", "To" },
	{ "aan", "To" }, { "till", "To" }, { "til", "To" },
	{ "\xc3\xa0", "To" }, { "\xc3\x80", "To" },		/* à, À */
	{ "cc", "Cc" },
	{ "subject", "Subject" }, { "betreff", "Subject" }, { "objet", "Subject" },
	{ "asunto", "Subject" }, { "oggetto", "Subject" }, { "onderwerp", "Subject" },
	{ "emne", "Subject" }, { "\xc3\xa4mne", "Subject" }, { "\xc3\x84mne", "Subject" },
};

/* Does the subject say "forwarded", after at most a few "Re:" and
 * "[tag]" in front of it? */
static bool
forwarded_subject(struct span s)
{
	int k;

	for (k = 0; k <= SUBJECT_TAGS; k++) {
		s = span_trim(s);
		if (words_match(WORDS_FORWARD_SUBJECT, s))
			return true;
		if (s.len > 0 && s.p[0] == '[') {
			const char *close = memchr(s.p, ']', s.len);

			if (close == NULL)
				return false;
			s = span_make(close + 1, s.len - (size_t)(close + 1 - s.p));
		} else if (s.len >= 3 && (s.p[0] | 0x20) == 'r' && (s.p[1] | 0x20) == 'e' &&
		    s.p[2] == ':') {
			s = span_make(s.p + 3, s.len - 3);
		} else {
			return false;
		}
	}
	return false;
}

/* The line without its first max quote marks ("> > x" has two, ">>> x"
 * three) and one blank after each; *depth gets how many went. */
static struct span
unquote(struct span line, unsigned max, unsigned *depth)
{
	unsigned q = 0;
	size_t i = 0;

	while (q < max && i < line.len && line.p[i] == '>') {
		q++;
		i++;
		if (i < line.len && line.p[i] == ' ')
			i++;
	}
	if (depth != NULL)
		*depth = q;
	return span_make(line.p + i, line.len - i);
}

/* Quote marks at the start of a line, at most QUOTE_MAX. */
static unsigned
quote_depth(struct span line)
{
	unsigned q;

	(void)unquote(line, QUOTE_MAX, &q);
	return q;
}

/* A marker line: one of the words, or a rule of '_' or '-' alone. */
static bool
marker_line(struct span line)
{
	size_t i = 0;

	line = span_trim(line);
	if (line.len == 0 || line.len > MARKER_LINE_MAX)
		return false;
	while (i < line.len && (line.p[i] == '_' || line.p[i] == '-'))
		i++;
	if (i == line.len)
		return i >= RULE_MIN;
	return words_match(WORDS_FORWARD_MARKER, line);
}

/* A no-break space (UTF-8 C2 A0) at line.p[i]? */
static bool
nbsp_at(struct span line, size_t i)
{
	return i + 1 < line.len && (unsigned char)line.p[i] == 0xc2 &&
	    (unsigned char)line.p[i + 1] == 0xa0;
}

/* "Name: value" of the forwarded block: a name without blanks (Gmail's
 * "*From:*" stars dropped), a blank or a no-break space allowed before
 * the colon as French writes it. */
static bool
field_line(struct span line, struct span *name, struct span *value)
{
	size_t i = 0, n;

	while (i < line.len && line.p[i] == '*')
		i++;
	line = span_make(line.p + i, line.len - i);
	for (n = 0; n < line.len && n <= NAME_MAX_LEN; n++) {
		unsigned char c = (unsigned char)line.p[n];

		if (c == ':' || c == ' ' || c == '\t' || c == '*' || c < 0x20 || c == 0x7f ||
		    nbsp_at(line, n))
			break;
	}
	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	i = n;
	while (i < line.len && line.p[i] == '*')
		i++;
	if (i < line.len && line.p[i] == ' ')
		i++;
	else if (nbsp_at(line, i))
		i += 2;
	if (i >= line.len || line.p[i] != ':')
		return false;
	i++;
	while (i < line.len && line.p[i] == '*')
		i++;
	*name = span_make(line.p, n);
	*value = span_trim(span_make(line.p + i, line.len - i));
	return true;
}

/* The English name for a localised one; NULL: use it as it is. */
static const char *
english_name(struct span name)
{
	size_t k;

	for (k = 0; k < sizeof(field_names) / sizeof(field_names[0]); k++)
		if (span_ieq(name, field_names[k].local))
			return field_names[k].name;
	return NULL;
}

/* Is the next line with text from *at on one of the block's known
 * fields? (Text made from HTML puts blank lines between them.) If so,
 * *at moves to it, past the blank lines. */
static bool
skip_to_field(struct span note, size_t *at, unsigned q)
{
	struct span line, text, name, value;
	size_t pos = *at, start;

	for (start = pos; span_next_line(note, &pos, &line); start = pos) {
		text = span_trim(unquote(line, q, NULL));
		if (text.len == 0)
			continue;
		if (!field_line(text, &name, &value) || english_name(name) == NULL)
			return false;
		*at = start;
		return true;
	}
	return false;
}

/* A bounded buffer in the arena. */
struct out {
	char	*p;
	size_t	 len, cap;
	bool	 full;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->full || n > o->cap - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/*
 * The forwarded message in note (decoded text, LF line ends) that starts
 * below the marker line at *pos, rebuilt into o. False when no header
 * block with a From field follows the marker.
 */
static bool
rebuild(struct span note, size_t pos, struct out *o)
{
	struct span line, name, value;
	size_t at = pos, fields = 0;
	unsigned q = 0;
	bool from = false, in_block = true, started = false, typed = false;

	/* The first line with text sets the quote depth of the whole. */
	while (span_next_line(note, &at, &line)) {
		unsigned depth;

		if (span_trim(unquote(line, QUOTE_MAX, &depth)).len > 0) {
			q = depth;
			break;
		}
		pos = at;
	}
	at = pos;
	while (span_next_line(note, &at, &line)) {
		struct span text;

		if (quote_depth(line) < q && span_trim(line).len > 0)
			break;		/* the forwarder's own words again */
		text = unquote(line, q, NULL);
		if (in_block) {
			if (span_trim(text).len == 0) {
				if (!started || skip_to_field(note, &at, q))
					continue;
				in_block = false;
			} else if (started && (text.p[0] == ' ' || text.p[0] == '\t')) {
				put(o, text.p, text.len);	/* a folded field */
				put(o, "\n", 1);
				continue;
			} else if (fields < FIELDS_MAX && field_line(text, &name, &value)) {
				const char *en = english_name(name);

				if (en != NULL) {
					put(o, en, strlen(en));
					from |= strcmp(en, "From") == 0;
				} else {
					put(o, name.p, name.len);
					typed |= span_ieq(name, "content-type");
				}
				put(o, ": ", 2);
				put(o, value.p, value.len);
				put(o, "\n", 1);
				started = true;
				fields++;
				continue;
			} else {
				in_block = false;	/* the body, with no blank line first */
			}
			if (fields < 2 || !from)
				return false;
			/* The text was decoded to UTF-8 with the note. */
			if (!typed)
				put(o, "Content-Type: text/plain; charset=utf-8\n", 40);
			put(o, "\n", 1);
			if (span_trim(text).len == 0)
				continue;
		}
		put(o, text.p, text.len);
		put(o, "\n", 1);
	}
	if (in_block && (fields < 2 || !from))
		return false;
	if (in_block)
		put(o, "\n", 1);
	return !o->full;
}

/* An inline forward in the note: the message below the first marker
 * that a header block with a From field follows. */
static bool
inline_forward(const struct msgview *mv, struct span *out)
{
	struct span note = mv->body, line;
	size_t pos = 0;
	int tried = 0;
	struct out o;

	/* Rebuilt, the forwarded message is no longer than the note but for
	 * the field names (at most 7 bytes longer each) and one field. */
	o.cap = note.len + FIELDS_MAX * 8 + 64;
	o.p = NULL;
	while (tried < MARKERS_TRIED && span_next_line(note, &pos, &line)) {
		if (!marker_line(unquote(line, QUOTE_MAX, NULL)))
			continue;
		if (o.p == NULL && (o.p = arena_alloc_raw(mv->arena, o.cap)) == NULL)
			return false;
		o.len = 0;
		o.full = false;
		tried++;
		if (rebuild(note, pos, &o)) {
			*out = span_make(o.p, o.len);
			return true;
		}
	}
	return false;
}

bool
forward_find(const struct msgview *mv, struct span *out)
{
	if (!forwarded_subject(mv_header(mv, "Subject")) ||
	    strcmp(mv->content_type, "multipart/report") == 0 ||
	    mv_from_daemon(mv) || mv_null_sender(mv))
		return false;
	if (inline_forward(mv, out))
		return true;
	if (mv->attached.len > 0) {
		*out = mv->attached;
		return true;
	}
	return false;
}
