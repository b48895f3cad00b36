/*
 * report.c - the report object: allocation, recipients, limits.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"

struct bounce_report_priv {
	struct arena	*arena;
	size_t		 rcpt_cap;
};

void
bounce_limits_default(struct bounce_limits *l)
{
	l->max_scan_bytes = 1024 * 1024;
	l->max_depth = 20;
	l->max_parts = 500;
	l->max_header_bytes = 64 * 1024;
	l->max_recipients = 1000;
}

static const char *const kind_names[] = {
	[BOUNCE_KIND_NONE] = "none",
	[BOUNCE_KIND_DSN] = "dsn",
	[BOUNCE_KIND_NDR] = "ndr",
	[BOUNCE_KIND_ARF] = "arf",
	[BOUNCE_KIND_AUTOREPLY] = "autoreply",
};

const char *
bounce_kind_name(enum bounce_kind k)
{
	if ((size_t)k < sizeof(kind_names) / sizeof(kind_names[0]))
		return kind_names[k];
	return "none";
}

const char *
kind_name(enum bounce_kind k)
{
	return bounce_kind_name(k);
}

struct bounce_report *
report_new(void)
{
	struct arena *a;
	struct bounce_report *r;

	if ((a = arena_new()) == NULL)
		return NULL;
	if ((r = arena_alloc(a, sizeof(*r))) == NULL ||
	    (r->priv = arena_alloc(a, sizeof(*r->priv))) == NULL) {
		arena_free(a);
		return NULL;
	}
	r->priv->arena = a;
	r->truncated_why = "";
	report_clear(r);
	return r;
}

void
report_clear(struct bounce_report *r)
{
	r->kind = BOUNCE_KIND_NONE;
	r->vendor = r->reporting_mta = r->received_from_mta = "";
	r->arrival_date = r->queue_id = r->subject = r->from = "";
	r->forwarded_by = "";
	r->original.message_id = r->original.from = "";
	r->original.to = r->original.subject = "";
	r->nrcpt = 0;
}

struct arena *
report_arena(struct bounce_report *r)
{
	return r->priv->arena;
}

void
bounce_report_free(struct bounce_report *r)
{
	free(r != NULL ? r->rcpt : NULL);
	if (r != NULL)
		arena_free(r->priv->arena);	/* r itself lives in the arena */
}

void
report_truncate(struct bounce_report *r, const char *why)
{
	if (!r->truncated) {
		r->truncated = true;
		r->truncated_why = why;
	}
}

struct bounce_recipient *
report_add_recipient(struct bounce_report *r, const struct bounce_limits *lim)
{
	struct bounce_recipient *rc;

	if (r->nrcpt >= lim->max_recipients) {
		report_truncate(r, "recipients");
		return NULL;
	}
	if (r->nrcpt == r->priv->rcpt_cap) {
		/* The array moves as it grows, so it lives outside the arena. */
		size_t cap = r->priv->rcpt_cap ? r->priv->rcpt_cap * 2 : 4;
		struct bounce_recipient *n = reallocarray(r->rcpt, cap, sizeof(*n));

		if (n == NULL)
			return NULL;
		r->rcpt = n;
		r->priv->rcpt_cap = cap;
	}
	rc = &r->rcpt[r->nrcpt++];
	rc->recipient = rc->original_recipient = rc->action = rc->status = "";
	rc->reply_code = rc->command = rc->remote_mta = rc->diagnostic_type = "";
	rc->diagnostic = rc->component = rc->feedback_type = "";
	rc->last_attempt_date = rc->will_retry_until = "";
	rc->reason = rc->category = rc->owner = rc->summary = rc->fix = "";
	rc->hard = rc->temporary = false;
	return rc;
}

struct bounce_recipient *
report_find_recipient(struct bounce_report *r, struct span addr)
{
	size_t i;

	for (i = 0; i < r->nrcpt; i++)
		if (span_ieq(addr, r->rcpt[i].recipient))
			return &r->rcpt[i];
	return NULL;
}

/* A code that names a subject and a detail ([45].[1-9].[1-9]+): more
 * than "something failed", so it is worth more than the Status field,
 * which MTAs often fill with a generic or a queue-level code. */
static bool
status_generic(const char *st)
{
	return strlen(st) == 5 && st[2] == '0' && st[4] == '0';
}

static bool
status_specific(const char *st)
{
	return (st[0] == '4' || st[0] == '5') && st[1] == '.' &&
	    st[2] >= '1' && st[2] <= '9' && st[3] == '.' && st[4] >= '1' && st[4] <= '9';
}

void
report_fill_from_diagnostic(struct bounce_report *r, struct bounce_recipient *rc)
{
	struct arena *a = report_arena(r);
	struct diag_info d;
	bool cross_class;

	if (rc->diagnostic[0] == '\0')
		return;
	/* What the recipient has already is not looked for. */
	diag_extract_some(span_make(rc->diagnostic, strlen(rc->diagnostic)), &d,
	    (rc->command[0] == '\0' ? DIAG_COMMAND : 0) |
	    (rc->remote_mta[0] == '\0' ? DIAG_HOST : 0) |
	    (rc->component[0] == '\0' ? DIAG_COMPONENT : 0));
	/* "550 4.2.1" contradicts itself: a code of another class than the
	 * Status field only counts when the reply agrees with it. */
	cross_class = rc->status[0] != '\0' && d.status[0] != rc->status[0];
	if (cross_class && d.reply_code[0] != '\0' && d.reply_code[0] != d.status[0])
		;
	else if (d.status[0] != '\0' && strcmp(d.status, rc->status) != 0 &&
	    (rc->status[0] == '\0' || status_specific(d.status) ||
	     (status_generic(rc->status) && !status_generic(d.status)) || cross_class))
		rc->status = text_field(a, span_make(d.status, strlen(d.status)));
	if (rc->reply_code[0] == '\0' && d.reply_code[0] != '\0')
		rc->reply_code = text_field(a, span_make(d.reply_code, 3));
	/* A reply of another class than the status is from another
	 * exchange (a 550 quoted in a delay warning): drop it. */
	if (rc->reply_code[0] != '\0' && rc->status[0] != '\0' &&
	    rc->reply_code[0] != rc->status[0])
		rc->reply_code = "";
	if (d.reply_code[0] != '\0')
		rc->diagnostic = diag_join_continuations(a, rc->diagnostic, d.reply_code, d.status);
	if (rc->command[0] == '\0' && d.command[0] != '\0')
		rc->command = text_field(a, span_make(d.command, strlen(d.command)));
	if (rc->remote_mta[0] == '\0' && d.remote_host.len > 0)
		rc->remote_mta = text_field(a, d.remote_host);
	if (rc->component[0] == '\0' && d.component.len > 0)
		rc->component = text_field(a, d.component);
}
