/*
 * textscan.c - the common shape of bounces written as prose.
 *
 * Most non-RFC 3464 bounces say, somewhere between a "here is what
 * failed" line and a "here is your message" line:
 *
 *	<bob@example.org>:            (or: bob@example.org, or: To: bob@...)
 *	host mx.example.org said: 550 5.1.1 unknown user
 *
 * Vendor modules cut out that region (text_region) and hand it to
 * textscan_recipients, which makes one recipient per address that leads
 * a line and takes the lines after it as its diagnostic.
 *
 * Also the small readers those modules share: the SMTP command a
 * transcript line names, joining pieces of a reply, a field of the
 * returned message's headers.
 */
#include <string.h>

#include "engine.h"

/* Can the phrases be searched for in the whole text instead of line by
 * line (none empty, none holding a line end)? */
static bool
phrases_in_lines(const char *const *list)
{
	size_t k;

	for (k = 0; list[k] != NULL; k++)
		if (list[k][0] == '\0' || strpbrk(list[k], "\r\n") != NULL)
			return false;
	return true;
}

/* Where the earliest occurrence of any phrase of list starts; NULL if
 * none. Each search stops where it could no longer start earlier. */
static const char *
first_of(struct span text, const char *const *list)
{
	const char *best = NULL, *hit;
	size_t k, n, window;

	for (k = 0; list[k] != NULL; k++) {
		n = strlen(list[k]);
		window = text.len;
		if (best != NULL && (size_t)(best - text.p) + n - 1 < window)
			window = (size_t)(best - text.p) + n - 1;
		if ((hit = mem_ifind(text.p, window, list[k], n)) != NULL &&
		    (best == NULL || hit < best))
			best = hit;
	}
	return best;
}

/* text_region() one line at a time, for phrases that need it. */
static struct span
region_by_lines(struct span text, const char *const *starts, const char *const *ends)
{
	struct span line;
	size_t pos = 0, k;
	const char *begin = NULL;

	if (starts != NULL) {
		while (begin == NULL && span_next_line(text, &pos, &line))
			for (k = 0; starts[k] != NULL; k++)
				if (span_ifind(line, starts[k]) != NULL) {
					begin = line.p + line.len;
					break;
				}
		if (begin == NULL)
			return SPAN_EMPTY;
	} else
		begin = text.p;
	text = span_make(begin, text.len - (size_t)(begin - text.p));
	pos = 0;
	if (ends != NULL)
		while (span_next_line(text, &pos, &line))
			for (k = 0; ends[k] != NULL; k++)
				if (span_ifind(line, ends[k]) != NULL)
					return span_make(text.p, (size_t)(line.p - text.p));
	return text;
}

/*
 * The lines are not walked one by one: the first line holding a phrase
 * is the line of the earliest occurrence of any phrase, found by one
 * search per phrase over the whole text. The same answer, since no
 * phrase can span a line end (phrases_in_lines).
 */
struct span
text_region(struct span text, const char *const *starts, const char *const *ends)
{
	const char *begin, *hit, *nl;

	if ((starts != NULL && !phrases_in_lines(starts)) ||
	    (ends != NULL && !phrases_in_lines(ends)))
		return region_by_lines(text, starts, ends);
	begin = text.p;
	if (starts != NULL) {
		if ((hit = first_of(text, starts)) == NULL)
			return SPAN_EMPTY;
		/* The region begins where that line's text ends. */
		nl = memchr(hit, '\n', text.len - (size_t)(hit - text.p));
		begin = nl != NULL ? nl : text.p + text.len;
		if (begin[-1] == '\r')
			begin--;	/* span_next_line() leaves it out */
	}
	text = span_make(begin, text.len - (size_t)(begin - text.p));
	if (ends == NULL || (hit = first_of(text, ends)) == NULL)
		return text;
	/* It ends where the line holding the end phrase starts (there is a
	 * line end before it: the region's first line is empty). */
	nl = memrchr(text.p, '\n', (size_t)(hit - text.p));
	return span_make(text.p, nl != NULL ? (size_t)(nl + 1 - text.p) : 0);
}

static void
set_diag(struct bounce_report *r, struct bounce_recipient *rc, const char *s, const char *e)
{
	if (rc != NULL && s != NULL && e > s)
		REPORT_SET(r, rc->diagnostic, span_make(s, (size_t)(e - s)));
}

size_t
textscan_recipients(struct msgview *mv, struct span region, unsigned flags)
{
	struct bounce_report *r = mv->report;
	struct bounce_recipient *rc = NULL;
	struct span line;
	size_t pos = 0, found = 0;
	const char *dstart = NULL, *dend = NULL;

	while (span_next_line(region, &pos, &line)) {
		struct span t = span_trim(line), a = addr_find(t);
		size_t lead = a.len > 0 ? (size_t)(a.p - t.p) : 0;

		/* "To: a@b", "<a@b>", "a@b" lead; "Recipient: a@b" too. */
		if (a.len > 0 && (lead <= 2 ||
		    ((flags & TEXTSCAN_LABELLED) && lead < 24 &&
		     memchr(t.p, ':', lead) != NULL)) &&
		    report_find_recipient(r, a) == NULL) {
			set_diag(r, rc, dstart, dend);
			if ((rc = report_add_recipient(r, mv->limits)) == NULL)
				break;
			REPORT_SET(r, rc->recipient, a);
			found++;
			dstart = a.p + a.len;
			while (dstart < t.p + t.len && strchr(">:,; ", *dstart) != NULL)
				dstart++;
			dend = t.p + t.len;
			if (dstart >= dend)
				dstart = NULL;
			continue;
		}
		if (rc == NULL)
			continue;
		if (t.len == 0) {
			/* A blank line ends a diagnostic that has begun. */
			if (dstart != NULL && !(flags & TEXTSCAN_BLANK_OK)) {
				set_diag(r, rc, dstart, dend);
				rc = NULL;
			}
			continue;
		}
		if (dstart == NULL)
			dstart = t.p;
		dend = t.p + t.len;
	}
	set_diag(r, rc, dstart, dend);
	return found;
}

struct bounce_recipient *
textscan_add_failed(struct msgview *mv, struct span addr)
{
	struct bounce_recipient *rc = report_add_recipient(mv->report, mv->limits);

	if (rc != NULL) {
		REPORT_SET(mv->report, rc->recipient, addr);
		REPORT_SET(mv->report, rc->action, SPAN_LIT("failed"));
	}
	return rc;
}

const char *
smtp_command_word(struct span s)
{
	static const char *const words[][2] = {
		{ "RCPT", "RCPT" }, { "MAIL", "MAIL" }, { "DATA", "DATA" },
		{ "BDAT", "DATA" }, { "final DATA", "DATA" },
		{ "EHLO", "HELO" }, { "HELO", "HELO" }, { "AUTH", "AUTH" },
		{ "STARTTLS", "STARTTLS" }, { "XFORWARD", "XFORWARD" },
		{ "QUIT", "QUIT" }, { "RSET", "RSET" }, { "banner", "CONNECT" },
	};
	size_t k;

	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (span_istarts(s, words[k][0]))
			return words[k][1];
	return NULL;
}

struct span
span_join(struct arena *a, const struct span *piece, size_t n, char sep)
{
	size_t i, len = 0;
	char *buf, *o;

	for (i = 0; i < n; i++)
		len += piece[i].len + 1;
	if (n == 0 || (buf = arena_alloc(a, len)) == NULL)
		return SPAN_EMPTY;
	for (o = buf, i = 0; i < n; i++) {
		memcpy(o, piece[i].p, piece[i].len);
		o += piece[i].len;
		*o++ = sep;
	}
	return span_make(buf, len - 1);
}

struct span
returned_header(struct span block, const char *name)
{
	struct span line;
	size_t pos = 0, nlen = strlen(name);
	bool started = false;

	while (span_next_line(block, &pos, &line)) {
		/* Blank lines before the block are skipped; one after it
		 * ends it. */
		if (line.len == 0 && started)
			break;
		started |= line.len > 0;
		if (line.len > nlen && line.p[nlen] == ':' &&
		    span_istarts(line, name))
			return span_make(line.p + nlen + 1,
			    line.len - nlen - 1);
	}
	return SPAN_EMPTY;
}
