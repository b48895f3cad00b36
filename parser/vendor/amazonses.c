/*
 * amazonses.c - Amazon SES, the sending side.
 *
 * SES reports a bounce in two ways:
 *
 * 1. As mail from MAILER-DAEMON@...amazonses.com with an RFC 3464 part
 *    ("The following message to <bob@example.org> was undeliverable." or
 *    "An error occurred while trying to deliver the mail to the following
 *    recipients:"). SES wraps the remote reply in its own words:
 *
 *	Diagnostic-Code: smtp; 5.1.0 - Unknown address error 550-'5.2.2
 *	    <bob@example.org>... Mailbox Full' (delivery attempts: 0)
 *
 *    refine() takes the remote server's codes from inside the quotes.
 *
 * 2. As an Amazon SNS notification whose body is JSON, folded by a
 *    relay at 990 bytes with "!" + newline + blank:
 *
 *	{"notificationType":"Bounce","bounce":{"bounceType":"Permanent",
 *	 "bouncedRecipients":[{"emailAddress":"bob@example.org",
 *	 "action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 ..."}],
 *	 "reportingMTA":"dsn; a1-2.smtp-out.amazonses.com"}, "mail":{...}}
 *
 *    possibly wrapped once more in an SNS envelope ({"Type":
 *    "Notification","Message":"{...}"}). "Complaint" notifications are
 *    feedback reports, "Delivery" ones say a message arrived.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "engine.h"

#define SES_JSON_MAX	(512 * 1024)	/* bytes of notification we parse */

static const char *const ses_leads[] = {
	"The following message to <",
	"An error occurred while trying to deliver the mail to the following recipient",
	NULL,
};

static bool
ses_json_body(const struct msgview *mv)
{
	struct span b = span_trim(mv->body);

	return b.len > 0 && b.p[0] == '{' &&
	    span_ifind(span_make(b.p, b.len < 4096 ? b.len : 4096), "notificationType") != NULL;
}

static int
amazonses_detect(const struct msgview *mv)
{
	struct span head = span_make(mv->body.p, mv->body.len < 2048 ? mv->body.len : 2048);
	size_t k;

	if (mv_header(mv, "x-amz-sns-message-id").len > 0 ||
	    span_ifind(mv_header(mv, "From"), "@sns.amazonaws.com") != NULL)
		return ses_json_body(mv) ? 95 : 0;
	if (span_ifind(mv_header(mv, "X-Mailer"), "Amazon WorkMail") != NULL)
		return 0;
	if (mv_header(mv, "X-SES-Outgoing").len == 0 && mv_header(mv, "X-AWS-Outgoing").len == 0)
		return 0;
	for (k = 0; ses_leads[k] != NULL; k++)
		if (span_ifind(head, ses_leads[k]) != NULL)
			return 85;
	return 0;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_SET("x-amz-sns-message-id"),
	GATE_HAS("From", "@sns.amazonaws.com"),
	GATE_SET("X-SES-Outgoing"),
	GATE_SET("X-AWS-Outgoing"),
	GATE_DONE,
};

/* ---- the JSON notification ------------------------------------------ */

/* The body up to the "--" signature line, with relay folds undone. */
static struct span
ses_unfold(struct msgview *mv)
{
	struct span body = mv->body, line;
	size_t pos = 0, o = 0, cap = body.len < SES_JSON_MAX ? body.len : SES_JSON_MAX;
	char *out = arena_alloc(mv->arena, cap + 1);
	bool folded = false;

	if (out == NULL)
		return SPAN_EMPTY;
	while (span_next_line(body, &pos, &line)) {
		if (span_ieq(span_trim(line), "--"))
			break;
		/* "... long line!" + "\n " is one line. */
		if (folded && line.len > 0 && line.p[0] == ' ') {
			line.p++;
			line.len--;
		}
		folded = line.len > 0 && line.p[line.len - 1] == '!';
		if (folded)
			line.len--;
		if (o + line.len + 1 > cap)
			break;
		memcpy(out + o, line.p, line.len);
		o += line.len;
		if (!folded)
			out[o++] = '\n';
	}
	return span_make(out, o);
}

static struct span
jval(json_t *v)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;

	return s != NULL ? span_make(s, json_string_length(v)) : SPAN_EMPTY;
}

static struct span
jstr(json_t *obj, const char *key)
{
	return jval(json_object_get(obj, key));
}

/* "dsn; a1-2.smtp-out.amazonses.com" -> the host. */
static struct span
after_semicolon(struct span s)
{
	const char *semi = memchr(s.p, ';', s.len);

	if (semi != NULL)
		s = span_make(semi + 1, s.len - (size_t)(semi + 1 - s.p));
	return span_trim(s);
}

/* The original message's headers as SES lists them. */
static void
ses_original(struct bounce_report *r, json_t *mail)
{
	json_t *common = json_object_get(mail, "commonHeaders");
	json_t *headers = json_object_get(mail, "headers"), *h;
	size_t i;

	json_array_foreach(headers, i, h) {
		struct span name = jstr(h, "name");

		if (span_ieq(name, "Message-ID") && r->original.message_id[0] == '\0')
			REPORT_SET(r, r->original.message_id, jstr(h, "value"));
		else if (span_ieq(name, "From") && r->original.from[0] == '\0')
			REPORT_SET(r, r->original.from, jstr(h, "value"));
		else if (span_ieq(name, "To") && r->original.to[0] == '\0')
			REPORT_SET(r, r->original.to, jstr(h, "value"));
		else if (span_ieq(name, "Subject") && r->original.subject[0] == '\0')
			REPORT_SET(r, r->original.subject, jstr(h, "value"));
	}
	if (r->original.from[0] == '\0')
		REPORT_SET(r, r->original.from,
		    jval(json_array_get(json_object_get(common, "from"), 0)));
	if (r->original.to[0] == '\0')
		REPORT_SET(r, r->original.to, jval(json_array_get(json_object_get(common, "to"), 0)));
	if (r->original.subject[0] == '\0')
		REPORT_SET(r, r->original.subject, jstr(common, "subject"));
}

static size_t
ses_bounce(struct msgview *mv, json_t *bounce)
{
	struct bounce_report *r = mv->report;
	json_t *list = json_object_get(bounce, "bouncedRecipients"), *e;
	struct span type = jstr(bounce, "bounceType"), sub = jstr(bounce, "bounceSubType");
	struct span mta = after_semicolon(jstr(bounce, "reportingMTA"));
	size_t i, found = 0;

	if (mta.len > 0)
		REPORT_SET(r, r->reporting_mta, mta);
	json_array_foreach(list, i, e) {
		struct span a = addr_find(jstr(e, "emailAddress")), code = jstr(e, "diagnosticCode");
		struct span action = jstr(e, "action");
		struct bounce_recipient *rc;
		const char *semi;

		if (a.len == 0 || report_find_recipient(r, a) != NULL)
			continue;
		if ((rc = report_add_recipient(r, mv->limits)) == NULL)
			break;
		found++;
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->action, action.len > 0 ? action : SPAN_LIT("failed"));
		REPORT_SET(r, rc->status, jstr(e, "status"));
		if (code.len > 0 && (semi = memchr(code.p, ';', code.len)) != NULL &&
		    semi - code.p < 16) {
			REPORT_SET(r, rc->diagnostic_type, span_make(code.p, (size_t)(semi - code.p)));
			code = after_semicolon(code);
		}
		if (code.len > 0)
			REPORT_SET(r, rc->diagnostic, code);
		else if (type.len > 0) {
			/* No words from a server (a suppressed address): say
			 * what SES says, its bounce type and subtype. */
			char buf[160];
			int n = snprintf(buf, sizeof(buf), "Amazon SES %.*s bounce: %.*s",
			    (int)(type.len < 40 ? type.len : 40), type.p,
			    (int)(sub.len < 60 ? sub.len : 60), sub.p);

			if (n > 0)
				REPORT_SET(r, rc->diagnostic, span_make(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1));
		}
	}
	return found;
}

static size_t
ses_complaint(struct msgview *mv, json_t *complaint)
{
	struct bounce_report *r = mv->report;
	json_t *list = json_object_get(complaint, "complainedRecipients"), *e;
	struct span type = jstr(complaint, "complaintFeedbackType");
	size_t i, found = 0;

	json_array_foreach(list, i, e) {
		struct span a = addr_find(jstr(e, "emailAddress"));
		struct bounce_recipient *rc;

		if (a.len == 0 || report_find_recipient(r, a) != NULL)
			continue;
		if ((rc = report_add_recipient(r, mv->limits)) == NULL)
			break;
		found++;
		REPORT_SET(r, rc->recipient, a);
		rc->feedback_type = text_field_lower(mv->arena, type);
	}
	if (found > 0)
		r->kind = BOUNCE_KIND_ARF;
	return found;
}

static size_t
ses_delivery(struct msgview *mv, json_t *delivery)
{
	struct bounce_report *r = mv->report;
	json_t *list = json_object_get(delivery, "recipients"), *e;
	struct span said = jstr(delivery, "smtpResponse");
	size_t i, found = 0;

	REPORT_SET(r, r->reporting_mta, after_semicolon(jstr(delivery, "reportingMTA")));
	json_array_foreach(list, i, e) {
		struct span a = addr_find(jval(e));
		struct bounce_recipient *rc;

		if (a.len == 0 || report_find_recipient(r, a) != NULL)
			continue;
		if ((rc = report_add_recipient(r, mv->limits)) == NULL)
			break;
		found++;
		REPORT_SET(r, rc->recipient, a);
		REPORT_SET(r, rc->action, SPAN_LIT("delivered"));
		REPORT_SET(r, rc->diagnostic, said);
	}
	return found;
}

static size_t
ses_parse_json(struct msgview *mv)
{
	struct span text = ses_unfold(mv);
	json_t *root, *inner = NULL, *note;
	json_error_t err;
	struct span type;
	size_t found = 0;

	if (text.len == 0 ||
	    (root = json_loadb(text.p, text.len, JSON_DISABLE_EOF_CHECK, &err)) == NULL)
		return 0;
	note = root;
	/* An SNS envelope carries the notification as a string. */
	if (json_is_string(json_object_get(root, "Message"))) {
		json_t *m = json_object_get(root, "Message");

		inner = json_loadb(json_string_value(m), json_string_length(m), 0, &err);
		if (inner != NULL)
			note = inner;
	}
	type = jstr(note, "notificationType");
	if (span_ieq(type, "Bounce"))
		found = ses_bounce(mv, json_object_get(note, "bounce"));
	else if (span_ieq(type, "Complaint"))
		found = ses_complaint(mv, json_object_get(note, "complaint"));
	else if (span_ieq(type, "Delivery"))
		found = ses_delivery(mv, json_object_get(note, "delivery"));
	if (found > 0)
		ses_original(mv->report, json_object_get(note, "mail"));
	if (inner != NULL)
		json_decref(inner);
	json_decref(root);
	return found;
}

static size_t
amazonses_parse(struct msgview *mv)
{
	return ses_json_body(mv) ? ses_parse_json(mv) : 0;
}

/* ---- refine an SES DSN ------------------------------------------------ */

/*
 * "5.1.0 - Unknown address error 550-'5.2.2 <bob@example.org>... Mailbox
 * Full' (delivery attempts: 0)": the code before " - " is SES's summary;
 * the remote server's reply is the number before "-'" and the quoted
 * text. Its codes are the ones that matter.
 */
static void
ses_quoted_reply(struct bounce_report *r, struct bounce_recipient *rc)
{
	struct span d = span_make(rc->diagnostic, strlen(rc->diagnostic)), st;
	const char *q = span_ifind(d, "-'");
	char class;

	if (q == NULL || q - d.p < 3 || q[-3] < '2' || q[-3] > '5' ||
	    q[-2] < '0' || q[-2] > '9' || q[-1] < '0' || q[-1] > '9')
		return;
	class = q[-3];
	REPORT_SET(r, rc->reply_code, span_make(q - 3, 3));
	q += 2;
	st = status_find(span_make(q, d.len - (size_t)(q - d.p)));
	if (st.len > 0 && st.p == q && st.p[0] == class)
		REPORT_SET(r, rc->status, st);
}

static void
amazonses_refine(struct msgview *mv)
{
	struct bounce_report *r = mv->report;
	size_t i;

	for (i = 0; i < r->nrcpt; i++)
		ses_quoted_reply(r, &r->rcpt[i]);
}

const struct vendor_module vendor_amazonses = {
	.name = "amazonses",
	.gate = gate,
	.detect = amazonses_detect,
	.parse = amazonses_parse,
	.refine = amazonses_refine,
};
