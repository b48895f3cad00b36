/*
 * annotate.c - the X-Bounce-* header fields for a diagnosed report.
 *
 *   X-Bounce-Category: mailbox-missing
 *   X-Bounce-Diagnosis: v=1; category=mailbox-missing; reason=userunknown;
 *	status=5.1.1; reply=550; rcpt=<bob@example.org>; hard=yes;
 *	owner=sender; mta=mx.example.org; component=...; feedback=abuse;
 *	forwarded=yes
 *   X-Bounce-Summary: <what happened> What to do: <fix>
 *   X-Bounce-Original-Message-ID: <id@example.com>
 *
 * Every value passes through header.c, so whatever the bounce said ends
 * up as capped, folded, printable ASCII.
 */
#include <string.h>

#include "annotate.h"
#include "header.h"

/* Caps per piece, well inside one 998-octet line. */
#define CAP_WORD	64	/* category, reason, owner, status, reply */
#define CAP_ADDR	256	/* rcpt, mta */
#define CAP_COMPONENT	128
#define CAP_SUMMARY	900

/* A category as a token: [a-z0-9-], else "unknown". */
static const char *
token_or_unknown(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CAP_WORD || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
		return "unknown";
	return s;
}

const char *
annotate_category(const struct bounce_report *r)
{
	const char *cat = r->nrcpt > 0 ? r->rcpt[0].category : "";

	if (cat[0] != '\0' && strcmp(cat, "unknown") != 0)
		return token_or_unknown(cat);
	switch (r->kind) {
	case BOUNCE_KIND_AUTOREPLY:
		return "auto-reply";
	case BOUNCE_KIND_ARF:
		return "feedback";
	default:
		return "unknown";
	}
}

static void
add_field(struct actions *a, const char *prefix, const char *suffix, const struct hval *v)
{
	char name[128], folded[HDR_FOLDED_MAX];
	size_t plen = strlen(prefix), slen = strlen(suffix);

	if (v->len == 0)
		return;
	/* HeaderPrefix is at most CONFIG_PREFIX_MAX: this always fits. */
	if (plen + slen >= sizeof(name))
		return;
	memcpy(name, prefix, plen);
	memcpy(name + plen, suffix, slen + 1);
	hdr_fold(v->s, v->len, strlen(name), folded, sizeof(folded));
	actions_add(a, ACT_ADD_HEADER, name, 0, folded);
}

static void
diagnosis(struct actions *a, const char *prefix, const struct bounce_recipient *rc,
	  bool forwarded)
{
	struct hval v;

	hval_init(&v);
	hval_param(&v, "v", "1", CAP_WORD);
	hval_param(&v, "category", token_or_unknown(rc->category), CAP_WORD);
	hval_param(&v, "reason", rc->reason, CAP_WORD);
	hval_param(&v, "status", rc->status, CAP_WORD);
	hval_param(&v, "reply", rc->reply_code, CAP_WORD);
	hval_param_angle(&v, "rcpt", rc->recipient, CAP_ADDR);
	hval_param(&v, "hard", rc->hard ? "yes" : "no", CAP_WORD);
	hval_param(&v, "owner", rc->owner, CAP_WORD);
	hval_param(&v, "mta", rc->remote_mta, CAP_ADDR);
	hval_param(&v, "component", rc->component, CAP_COMPONENT);
	hval_param(&v, "feedback", rc->feedback_type, CAP_WORD);	/* ARF */
	/* A person sent the report on (to a helpdesk, say). */
	hval_param(&v, "forwarded", forwarded ? "yes" : "", CAP_WORD);
	add_field(a, prefix, "Diagnosis", &v);
}

void
annotate(struct actions *a, const char *prefix, const struct bounce_report *r)
{
	struct hval v;
	size_t i;

	hval_init(&v);
	hval_text(&v, annotate_category(r), CAP_WORD);
	add_field(a, prefix, "Category", &v);

	for (i = 0; i < r->nrcpt && i < ANNOTATE_MAX_DIAGNOSES; i++)
		diagnosis(a, prefix, &r->rcpt[i], r->forwarded_by[0] != '\0');

	if (r->nrcpt > 0) {
		const struct bounce_recipient *rc = &r->rcpt[0];

		hval_init(&v);
		hval_text(&v, rc->summary, CAP_SUMMARY);
		if (rc->fix[0] != '\0') {
			if (v.len > 0)
				hval_lit(&v, " What to do: ");
			hval_text(&v, rc->fix, CAP_SUMMARY);
		}
		add_field(a, prefix, "Summary", &v);
	}

	hval_init(&v);
	hval_msgid(&v, r->original.message_id, CAP_ADDR);
	add_field(a, prefix, "Original-Message-ID", &v);
}
