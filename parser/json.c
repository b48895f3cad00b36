/*
 * json.c - a report as one line of JSON, with jansson.
 *
 * The key set is the contract of `bouncediag --json` and the milter's
 * event log; keep it in step with bouncediag(1). Report strings are valid
 * UTF-8 already; the source path is not ours, so it is repaired first.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine.h"

static int
set_str(json_t *o, const char *key, const char *val)
{
	return json_object_set_new(o, key, json_string(val != NULL ? val : ""));
}

static json_t *
recipient_json(const struct bounce_recipient *rc)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	set_str(o, "recipient", rc->recipient);
	set_str(o, "original_recipient", rc->original_recipient);
	set_str(o, "action", rc->action);
	set_str(o, "status", rc->status);
	set_str(o, "reply_code", rc->reply_code);
	set_str(o, "command", rc->command);
	set_str(o, "remote_mta", rc->remote_mta);
	set_str(o, "diagnostic_type", rc->diagnostic_type);
	set_str(o, "diagnostic", rc->diagnostic);
	set_str(o, "component", rc->component);
	set_str(o, "reason", rc->reason);
	set_str(o, "category", rc->category);
	json_object_set_new(o, "hard", json_boolean(rc->hard));
	json_object_set_new(o, "temporary", json_boolean(rc->temporary));
	set_str(o, "owner", rc->owner);
	set_str(o, "summary", rc->summary);
	set_str(o, "fix", rc->fix);
	set_str(o, "feedback_type", rc->feedback_type);
	return o;
}

char *
bounce_report_json(const struct bounce_report *r, const char *source,
		   const char *queue_id, time_t when)
{
	json_t *o, *orig, *list;
	struct arena *tmp;
	char *out = NULL;
	size_t i;

	if ((tmp = arena_new()) == NULL)
		return NULL;
	if ((o = json_object()) == NULL)
		goto done;
	source = source != NULL ? source : "";
	json_object_set_new(o, "source",
	    json_string(text_clean_utf8(tmp, span_make(source, strlen(source))).p));
	if (queue_id != NULL)
		set_str(o, "queue_id", text_field(tmp, span_make(queue_id, strlen(queue_id))));
	if (when != 0) {
		char buf[32];
		struct tm tm;

		gmtime_r(&when, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		set_str(o, "time", buf);
	}
	set_str(o, "kind", bounce_kind_name(r->kind));
	set_str(o, "vendor", r->vendor);
	set_str(o, "reporting_mta", r->reporting_mta);
	orig = json_object();
	set_str(orig, "message_id", r->original.message_id);
	set_str(orig, "from", r->original.from);
	set_str(orig, "to", r->original.to);
	set_str(orig, "subject", r->original.subject);
	json_object_set_new(o, "original", orig);
	json_object_set_new(o, "truncated", json_boolean(r->truncated));
	list = json_array();
	for (i = 0; i < r->nrcpt; i++)
		json_array_append_new(list, recipient_json(&r->rcpt[i]));
	json_object_set_new(o, "recipients", list);
	out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
done:
	arena_free(tmp);
	return out;
}
