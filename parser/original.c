/*
 * original.c - who sent what: the headers of the returned message.
 *
 * The returned message comes as a message/rfc822 part, a
 * text/rfc822-headers part, or inline after a vendor's marker line; the
 * vendor module or mime.c has put it in mv->returned. We read its header
 * block (up to the first blank line) and keep four fields.
 */
#include <string.h>
#include <strings.h>

#include "engine.h"

/* Where a field of the returned header block goes, if it is one of the
 * four kept (told apart by length first: most fields are none). */
static const char **
original_slot(struct bounce_report *r, struct span name)
{
	switch (name.len) {
	case 2:
		return span_ieq(name, "To") ? &r->original.to : NULL;
	case 4:
		return span_ieq(name, "From") ? &r->original.from : NULL;
	case 7:
		return span_ieq(name, "Subject") ? &r->original.subject : NULL;
	case 10:
		return span_ieq(name, "Message-ID") ? &r->original.message_id : NULL;
	}
	return NULL;
}

/* Can a field called so start with c (To, From, Subject, Message-ID)? */
static bool
might_be_kept(unsigned char c)
{
	c |= 0x20;
	return c == 't' || c == 'f' || c == 's' || c == 'm';
}

void
original_extract(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	struct span text = mv->returned, line, name = SPAN_EMPTY, value = SPAN_EMPTY;
	size_t pos = 0;
	bool pending = false, started = false;
	const char **slot;

	if (text.len == 0)
		return;
	for (;;) {
		bool more = span_next_line(text, &pos, &line);

		if (more && line.len > 0 && (line.p[0] == ' ' || line.p[0] == '\t')) {
			if (pending)
				value.len = (size_t)(line.p + line.len - value.p);
			continue;
		}
		if (pending) {
			slot = original_slot(r, name);
			if (slot != NULL && (*slot)[0] == '\0') {
				*slot = text_field(mv->arena,
				    mime_decode_header(mv->arena, span_trim(value)));
				/* All four known: the rest of the block (often
				 * most of it) cannot change them. */
				if (r->original.to[0] != '\0' && r->original.from[0] != '\0' &&
				    r->original.subject[0] != '\0' &&
				    r->original.message_id[0] != '\0')
					break;
			}
			pending = false;
		}
		if (!more)
			break;
		if (span_trim(line).len == 0) {
			if (started)
				break;	/* end of the header block */
			continue;
		}
		/* Inside the block, a line that starts with none of the
		 * letters of the four fields kept is a field that is not
		 * kept or no field: either way nothing to read. */
		if (started && !might_be_kept((unsigned char)line.p[0]))
			continue;
		{
			const char *colon = line.p + mem_offset(line.p, line.len, ':');
			size_t i;

			/* Prose before the headers (inline returns), or inside
			 * them a continuation line that lost its indent: skip
			 * it; the block ends at the blank line. */
			if (colon == line.p + line.len || colon == line.p)
				continue;
			for (i = 0; line.p + i < colon; i++)
				if (line.p[i] == ' ' || line.p[i] == '\t')
					break;
			if (line.p + i < colon)
				continue;
			started = true;
			name = span_make(line.p, (size_t)(colon - line.p));
			value = span_make(colon + 1, line.len - (size_t)(colon + 1 - line.p));
			pending = true;
		}
	}
}
