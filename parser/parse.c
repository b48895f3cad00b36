/*
 * parse.c - bounce_parse(): from raw bytes to a report.
 *
 * Order of questions, each answered once:
 *   1. Is it a feedback report (RFC 5965)?
 *   2. Does it carry an RFC 3464 delivery-status block?
 *   3. Does a vendor module know its format (or refine the DSN)?
 *   4. Is it an auto-reply (RFC 3834)?
 *   5. Otherwise it is ordinary mail.
 * Then every recipient's diagnostic is read for codes, and the returned
 * message for its headers. A report that a person forwarded is read as
 * the message forwarded (forward.c), and the person named.
 */
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "arf.h"
#include "autoreply.h"

static const struct mime_leaf *
find_status_leaf(const struct msgview *mv)
{
	const struct mime_leaf *inner = NULL;
	size_t i;

	for (i = 0; i < mv->nleaf; i++) {
		const struct mime_leaf *l = &mv->leaf[i];

		if (strcmp(l->type, "message/delivery-status") != 0 &&
		    strcmp(l->type, "message/global-delivery-status") != 0)
			continue;
		if (!l->in_returned)
			return l;
		if (inner == NULL)
			inner = l;
	}
	return inner;
}

/* A status block written into a text part (some gateways do that). */
static const struct mime_leaf *
find_status_text(const struct msgview *mv)
{
	size_t i;

	/* A person may paste a status block into a question; only a
	 * report's own envelope or sender makes the block a report. */
	if (strcmp(mv->content_type, "multipart/report") != 0 &&
	    !mv_from_daemon(mv) && !mv_null_sender(mv))
		return NULL;
	for (i = 0; i < mv->nleaf; i++) {
		const struct mime_leaf *l = &mv->leaf[i];

		if (!l->in_returned && strncmp(l->type, "text/", 5) == 0 &&
		    strcmp(l->type, "text/rfc822-headers") != 0 &&
		    dsn_text_has_fields(l->text))
			return l;
	}
	return NULL;
}

/*
 * The human part of a DSN often says more than the status block:
 * "<bob@example.org>: host mx.example.org said: 550 ... (in reply to RCPT
 * TO command)". Find the paragraph that starts with the recipient.
 */
static struct span
body_paragraph_for(const struct msgview *mv, const char *addr)
{
	struct span body = mv->body, line;
	size_t pos = 0, alen = strlen(addr);
	const char *start = NULL, *end = NULL;

	if (alen == 0 || body.len == 0)
		return SPAN_EMPTY;
	while (span_next_line(body, &pos, &line)) {
		if (start == NULL) {
			/* It must start within the line's first four bytes. */
			const char *hit = mem_ifind(line.p, line.len < alen + 3 ? line.len : alen + 3,
			    addr, alen);

			if (hit != NULL && hit - line.p < 4) {
				start = hit + alen;
				end = line.p + line.len;
			}
			continue;
		}
		if (span_trim(line).len == 0)
			break;
		end = line.p + line.len;
	}
	if (start == NULL)
		return SPAN_EMPTY;
	while (start < end && (*start == '>' || *start == ':' || *start == ' ' || *start == ','))
		start++;
	return span_make(start, (size_t)(end - start));
}

/* Take from the human part what the status block left out: the whole
 * diagnostic, or just the SMTP command it answered. */
static void
complete_from_body(struct msgview *mv, struct bounce_recipient *rc)
{
	struct span para = body_paragraph_for(mv, rc->recipient);
	struct diag_info d;

	if (para.len == 0)
		return;
	if (rc->diagnostic[0] == '\0') {
		REPORT_SET(mv->report, rc->diagnostic, para);
		return;
	}
	if (rc->command[0] == '\0') {
		diag_extract(para, &d);
		if (d.command[0] != '\0')
			REPORT_SET(mv->report, rc->command, span_make(d.command, strlen(d.command)));
	}
}

static void
parse_dsn(struct msgview *mv, struct span status_block)
{
	struct bounce_report *r = mv->report;
	size_t i;

	dsn_parse_fields(r, mv->limits, status_block);
	if (r->nrcpt == 0)
		return;
	r->kind = BOUNCE_KIND_DSN;
	for (i = 0; i < r->nrcpt; i++)
		complete_from_body(mv, &r->rcpt[i]);
}

static void
read_message(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	const struct mime_leaf *status;
	const struct vendor_module *vm;
	int score;
	size_t i;

	REPORT_SET(r, r->subject, mv_header(mv, "Subject"));
	REPORT_SET(r, r->from, mv_header(mv, "From"));

	if (arf_detect(mv)) {
		arf_parse(mv);
		r->vendor = "arf";
		return;
	}
	if ((status = find_status_leaf(mv)) != NULL || (status = find_status_text(mv)) != NULL)
		parse_dsn(mv, status->text);

	vm = vendor_best(mv, &score);
	if (r->kind == BOUNCE_KIND_DSN) {
		/* The generic module's guess (score 1) names no format. */
		r->vendor = vm != NULL && score > 1 ? vm->name : "rfc3464";
		if (vm != NULL && vm->refine != NULL)
			vm->refine(mv);
	} else if (vm != NULL && vm->parse != NULL && score <= 1 &&
	    autoreply_explicit(mv)) {
		/* Only the generic guess claims it, and the message says in
		 * RFC 3834 words that a program answered: an auto-reply. */
	} else if (vm != NULL && vm->parse != NULL) {
		/* A failed parse leaves no recipients; the kind stays NONE
		 * unless the module found some. */
		size_t before = r->nrcpt;
		const struct vendor_module *generic = &vendor_generic;

		r->vendor = vm->name;
		if (vm->parse(mv) > 0 && r->kind == BOUNCE_KIND_NONE)
			r->kind = BOUNCE_KIND_NDR;
		/* A module that knew the sender but not this wording: the
		 * generic reading is better than none. */
		if (r->nrcpt == before && vm != generic &&
		    generic->detect(mv) > 0 && generic->parse(mv) > 0 &&
		    r->kind == BOUNCE_KIND_NONE)
			r->kind = BOUNCE_KIND_NDR;
		if (r->nrcpt == before && r->kind == BOUNCE_KIND_NONE)
			r->vendor = "";
	}
	if (r->kind == BOUNCE_KIND_NONE && r->nrcpt == 0 && autoreply_detect(mv)) {
		autoreply_parse(mv);
		return;
	}
	for (i = 0; i < r->nrcpt; i++)
		report_fill_from_diagnostic(r, &r->rcpt[i]);
}

/*
 * A report a person forwarded (forward.c) is read as the forwarded
 * message, when that is one; a forward of a forward too, up to
 * FORWARD_LEVELS deep. False leaves the report as it was: the message
 * is then read as it stands.
 */
#define FORWARD_LEVELS	3

static bool
read_forwarded(struct msgview *mv, unsigned level)
{
	struct bounce_report *r = mv->report;
	struct msgview inner;
	struct span text;
	bool found = false;

	if (level >= FORWARD_LEVELS || !forward_find(mv, &text))
		return false;
	memset(&inner, 0, sizeof(inner));
	inner.arena = mv->arena;
	inner.report = r;
	inner.limits = mv->limits;
	if (mime_view_build(&inner, text.p, text.len)) {
		if (read_forwarded(&inner, level + 1)) {
			found = true;
		} else if (mv_looks_like_report(&inner)) {
			read_message(&inner);
			if ((found = r->kind != BOUNCE_KIND_NONE))
				original_extract(&inner);
			else
				report_clear(r);
		}
	}
	/* The outermost forwarder is the one who sent it. */
	if (found)
		REPORT_SET(r, r->forwarded_by, mv_header(mv, "From"));
	mime_view_release(&inner);
	return found;
}

struct bounce_report *
bounce_parse(const void *msg, size_t len, const struct bounce_limits *limits)
{
	struct bounce_limits deflim;
	struct bounce_report *r;
	struct msgview mv;

	if (limits == NULL) {
		bounce_limits_default(&deflim);
		limits = &deflim;
	}
	if ((r = report_new()) == NULL)
		return NULL;
	if (len > limits->max_scan_bytes) {
		len = limits->max_scan_bytes;
		report_truncate(r, "scan bytes");
	}
	memset(&mv, 0, sizeof(mv));
	mv.arena = report_arena(r);
	mv.report = r;
	mv.limits = limits;
	if (mime_view_build(&mv, msg != NULL ? msg : "", msg != NULL ? len : 0) &&
	    !read_forwarded(&mv, 0)) {
		read_message(&mv);
		if (r->kind != BOUNCE_KIND_NONE)
			original_extract(&mv);
	}
	mime_view_release(&mv);
	return r;
}
