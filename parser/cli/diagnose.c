/*
 * diagnose.c - one message through the engine, its report written out:
 * readable text, or one line of JSON.
 *
 * The same function serves bouncediag alone (writing to standard output)
 * and its worker threads (each writing to a buffer of its own), so the
 * output of -j N is that of -j 1 by construction.
 */
#include <stdio.h>
#include <stdlib.h>

#include "diagnose.h"

static void
print_text(FILE *out, const struct bounce_report *r, const char *source)
{
	size_t i;

	fprintf(out, "%s\n", source);
	fprintf(out, "  kind: %s", bounce_kind_name(r->kind));
	if (r->vendor[0])
		fprintf(out, "   format: %s", r->vendor);
	if (r->reporting_mta[0])
		fprintf(out, "   reported by: %s", r->reporting_mta);
	fputc('\n', out);
	if (r->forwarded_by[0])
		fprintf(out, "  forwarded by: %s\n", r->forwarded_by);
	if (r->original.message_id[0] || r->original.subject[0])
		fprintf(out, "  original: %s \"%s\" from %s to %s\n", r->original.message_id,
		    r->original.subject, r->original.from, r->original.to);
	if (r->truncated)
		fprintf(out, "  truncated: %s limit reached, the rest was not read\n", r->truncated_why);
	for (i = 0; i < r->nrcpt; i++) {
		const struct bounce_recipient *rc = &r->rcpt[i];

		fprintf(out, "  recipient %s\n", rc->recipient[0] ? rc->recipient : "(unknown)");
		fprintf(out, "    %s%s%s", rc->category, rc->reason[0] ? " / " : "", rc->reason);
		if (rc->status[0])
			fprintf(out, "   status %s", rc->status);
		if (rc->reply_code[0])
			fprintf(out, "   reply %s", rc->reply_code);
		if (rc->command[0])
			fprintf(out, " after %s", rc->command);
		fprintf(out, "%s%s\n", rc->hard ? "   hard" : "", rc->temporary ? "   temporary" : "");
		if (rc->remote_mta[0])
			fprintf(out, "    remote server: %s\n", rc->remote_mta);
		if (rc->component[0])
			fprintf(out, "    component: %s\n", rc->component);
		if (rc->feedback_type[0])
			fprintf(out, "    feedback type: %s\n", rc->feedback_type);
		if (rc->diagnostic[0])
			fprintf(out, "    said: %s\n", rc->diagnostic);
		if (rc->summary[0])
			fprintf(out, "    what happened: %s\n", rc->summary);
		if (rc->fix[0])
			fprintf(out, "    what to do (%s): %s\n", rc->owner, rc->fix);
	}
	fputc('\n', out);
}

bool
diagnose_message(FILE *out, const struct diagnose *d, const char *source,
    const char *msg, size_t len)
{
	struct bounce_report *r;
	char *json;

	if ((r = bounce_parse(msg, len, &d->limits)) == NULL)
		return false;
	bounce_classify(r, d->rules);
	if (d->json) {
		if ((json = bounce_report_json(r, source, NULL, 0)) == NULL) {
			bounce_report_free(r);
			return false;
		}
		fputs(json, out);
		putc('\n', out);
		free(json);
	} else
		print_text(out, r, source);
	bounce_report_free(r);
	return true;
}

bool
diagnose_print(const struct diagnose *d, const char *source, const char *msg, size_t len)
{
	if (diagnose_message(stdout, d, source, msg, len))
		return true;
	diagnose_complain(source, "out of memory");
	return false;
}

void
diagnose_complain(const char *what, const char *why)
{
	fprintf(stderr, "bouncediag: %s: %s\n", what, why);
}
