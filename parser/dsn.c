/*
 * dsn.c - RFC 3464 delivery-status fields.
 *
 * A message/delivery-status body is one group of per-message fields and
 * then one group per recipient, groups separated by blank lines, fields
 * folded like header fields. Real reports bend this: groups run together,
 * blank lines go missing or multiply, fields come in odd orders. So a new
 * recipient starts where a recipient field repeats, not only at a blank
 * line, and unknown lines are skipped.
 */
#include <string.h>
#include <strings.h>

#include "ascii.h"
#include "engine.h"

struct dsn_state {
	struct bounce_report	*r;
	const struct bounce_limits *lim;
	struct bounce_recipient	*cur;
	bool			 cur_closed;	/* a blank line ended it */
	bool			 full;		/* recipient limit reached */
	size_t			 added;
};

/* "rfc822; a@b" -> a@b; "dns; mx.example" -> mx.example */
static struct span
strip_type(struct span v, struct span *type)
{
	const char *semi = memchr(v.p, ';', v.len);

	if (semi == NULL) {
		if (type != NULL)
			*type = SPAN_EMPTY;
		return span_trim(v);
	}
	if (type != NULL)
		*type = span_trim(span_make(v.p, (size_t)(semi - v.p)));
	return span_trim(span_make(semi + 1, v.len - (size_t)(semi + 1 - v.p)));
}

static struct span
address_value(struct span v)
{
	struct span rest = strip_type(v, NULL), a = addr_find(rest);

	if (a.len > 0)
		return a;
	/* No domain: keep what is there, without the angle brackets. */
	if (rest.len >= 2 && rest.p[0] == '<' && rest.p[rest.len - 1] == '>')
		rest = span_make(rest.p + 1, rest.len - 2);
	return rest;
}

static struct bounce_recipient *
recipient_for(struct dsn_state *st, bool starts_new, const char *field_set)
{
	if (st->full)
		return NULL;
	if (st->cur == NULL || st->cur_closed ||
	    (starts_new && field_set != NULL && field_set[0] != '\0')) {
		if ((st->cur = report_add_recipient(st->r, st->lim)) == NULL) {
			st->full = true;
			return NULL;
		}
		st->cur_closed = false;
		st->added++;
	}
	return st->cur;
}

/* Is the field name lit? Most names are ruled out by their length. */
#define NAME_IS(name, lit) \
	((name).len == sizeof(lit) - 1 && span_ieq((name), (lit)))

static void
apply_field(struct dsn_state *st, struct span name, struct span value)
{
	struct bounce_report *r = st->r;
	struct bounce_recipient *rc;
	struct span type;

	/* Per-message fields. */
	if (NAME_IS(name, "Reporting-MTA")) {
		REPORT_SET(r, r->reporting_mta, strip_type(value, NULL));
		return;
	}
	if (NAME_IS(name, "Received-From-MTA")) {
		REPORT_SET(r, r->received_from_mta, strip_type(value, NULL));
		return;
	}
	if (NAME_IS(name, "Arrival-Date")) {
		REPORT_SET(r, r->arrival_date, value);
		return;
	}
	if (NAME_IS(name, "X-Postfix-Queue-ID") || NAME_IS(name, "X-Queue-ID")) {
		REPORT_SET(r, r->queue_id, value);
		return;
	}

	/* Per-recipient fields. Original-Recipient usually comes first and
	 * Final-Recipient second, so each starts a new block only when the
	 * current one already has it. */
	if (NAME_IS(name, "Final-Recipient")) {
		rc = st->cur;
		if (rc != NULL && !st->cur_closed && rc->recipient[0] == '\0') {
			REPORT_SET(r, rc->recipient, address_value(value));
			return;
		}
		if ((rc = recipient_for(st, true, "x")) != NULL)
			REPORT_SET(r, rc->recipient, address_value(value));
		return;
	}
	if (NAME_IS(name, "Original-Recipient")) {
		rc = st->cur;
		if (rc != NULL && !st->cur_closed && rc->original_recipient[0] == '\0') {
			REPORT_SET(r, rc->original_recipient, address_value(value));
			return;
		}
		if ((rc = recipient_for(st, true, "x")) != NULL)
			REPORT_SET(r, rc->original_recipient, address_value(value));
		return;
	}
	if (st->cur == NULL || st->cur_closed) {
		/* A recipient field before any recipient: only these begin
		 * a block on their own (broken reports without Final-Recipient). */
		if (!NAME_IS(name, "Action") && !NAME_IS(name, "Status") &&
		    !NAME_IS(name, "Diagnostic-Code"))
			return;
	}
	if (NAME_IS(name, "Action")) {
		if ((rc = recipient_for(st, true, st->cur ? st->cur->action : NULL)) != NULL)
			rc->action = text_field_lower(report_arena(r), value);
	} else if (NAME_IS(name, "Status")) {
		struct span code = status_find(value);

		if ((rc = recipient_for(st, true, st->cur ? st->cur->status : NULL)) != NULL)
			REPORT_SET(r, rc->status, code.len ? code : value);
	} else if (NAME_IS(name, "Remote-MTA")) {
		if ((rc = recipient_for(st, false, NULL)) != NULL)
			REPORT_SET(r, rc->remote_mta, strip_type(value, NULL));
	} else if (NAME_IS(name, "Diagnostic-Code")) {
		if ((rc = recipient_for(st, true, st->cur ? st->cur->diagnostic : NULL)) != NULL) {
			struct span d = strip_type(value, &type);

			/* "smtp; 550 ..." has a type; "550 ..." has none. */
			if (type.len > 0 && memchr(type.p, ' ', type.len) == NULL) {
				rc->diagnostic_type = text_field_lower(report_arena(r), type);
				REPORT_SET(r, rc->diagnostic, d);
			} else
				REPORT_SET(r, rc->diagnostic, value);
		}
	} else if (NAME_IS(name, "Last-Attempt-Date")) {
		if ((rc = recipient_for(st, false, NULL)) != NULL)
			REPORT_SET(r, rc->last_attempt_date, value);
	} else if (NAME_IS(name, "Will-Retry-Until")) {
		if ((rc = recipient_for(st, false, NULL)) != NULL)
			REPORT_SET(r, rc->will_retry_until, value);
	} else if (NAME_IS(name, "X-Actual-Recipient")) {
		/* Postfix: the address after aliasing; keep the final one. */
		if ((rc = recipient_for(st, false, NULL)) != NULL &&
		    rc->original_recipient[0] == '\0')
			REPORT_SET(r, rc->original_recipient, address_value(value));
	}
}

/* "Name: value" with a header-like name; false otherwise. */
static bool
split_field(struct span line, struct span *name, struct span *value)
{
	size_t i;

	for (i = 0; i < line.len; i++) {
		unsigned char c = (unsigned char)line.p[i];

		if (c == ':')
			break;
		if (!ascii_isalnum(c) && c != '-' && c != '_')
			return false;
	}
	if (i == 0 || i == line.len)
		return false;
	*name = span_make(line.p, i);
	*value = span_make(line.p + i + 1, line.len - i - 1);
	return true;
}

size_t
dsn_parse_fields(struct bounce_report *r, const struct bounce_limits *lim,
		 struct span body)
{
	struct dsn_state st = { .r = r, .lim = lim };
	struct span line, name = SPAN_EMPTY, value = SPAN_EMPTY;
	size_t pos = 0;
	bool pending = false;

	while (span_next_line(body, &pos, &line)) {
		if (line.len > 0 && (line.p[0] == ' ' || line.p[0] == '\t')) {
			/* Folded: the value runs on to the end of this line. */
			if (pending && span_trim(line).len > 0)
				value.len = (size_t)(line.p + line.len - value.p);
			continue;
		}
		if (pending) {
			apply_field(&st, name, value);
			pending = false;
		}
		if (span_trim(line).len == 0) {
			if (st.cur != NULL)
				st.cur_closed = true;
			continue;
		}
		pending = split_field(line, &name, &value);
	}
	if (pending)
		apply_field(&st, name, value);

	/* Drop blocks that name no recipient at all; fill Final from
	 * Original where only that was given. */
	{
		size_t i, keep = r->nrcpt - st.added;

		for (i = r->nrcpt - st.added; i < r->nrcpt; i++) {
			struct bounce_recipient *rc = &r->rcpt[i];

			if (rc->recipient[0] == '\0')
				rc->recipient = rc->original_recipient;
			if (rc->recipient[0] == '\0' && rc->status[0] == '\0')
				continue;
			r->rcpt[keep++] = *rc;
		}
		st.added -= r->nrcpt - keep;
		r->nrcpt = keep;
	}
	return st.added;
}

bool
dsn_text_has_fields(struct span text)
{
	struct span line;
	size_t pos = 0;
	bool recipient = false, status = false;

	/* Both recipient fields end so: without it anywhere, no line starts
	 * with one (one search instead of a look at every line). */
	if (span_ifind(text, "-Recipient:") == NULL)
		return false;
	while (span_next_line(text, &pos, &line)) {
		/* The first letter rules out most lines. */
		unsigned char c = line.len > 0 ? (unsigned char)line.p[0] | 0x20 : 0;

		if ((c == 'f' && span_istarts(line, "Final-Recipient:")) ||
		    (c == 'o' && span_istarts(line, "Original-Recipient:")))
			recipient = true;
		else if ((c == 's' && span_istarts(line, "Status:")) ||
		    (c == 'a' && span_istarts(line, "Action:")))
			status = true;
		if (recipient && status)
			return true;
	}
	return false;
}
