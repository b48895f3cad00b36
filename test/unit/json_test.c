/*
 * json_test.c - unit tests of json.c: bounce_report_json writes valid
 * JSON (re-read here with jansson) with exactly the documented keys,
 * escapes what must be escaped, and stays valid UTF-8 whatever the
 * source path holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "engine.h"

static const char *const top_keys[] = {
	"source", "kind", "vendor", "reporting_mta", "forwarded_by", "original", "truncated",
	"recipients",
};
static const char *const original_keys[] = { "message_id", "from", "to", "subject" };
static const char *const recipient_keys[] = {
	"recipient", "original_recipient", "action", "status", "reply_code", "command",
	"remote_mta", "diagnostic_type", "diagnostic", "component", "reason", "category",
	"hard", "temporary", "owner", "summary", "fix", "feedback_type",
};

#define NKEYS(a)	(sizeof(a) / sizeof(a[0]))

struct fixture {
	struct bounce_report	*r;
	struct bounce_limits	 lim;
	char			*out;
	json_t			*doc;
};

static struct fixture *fx;

static int
setup(void **state)
{
	fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	fx->r = report_new();
	assert_non_null(fx->r);
	bounce_limits_default(&fx->lim);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	if (fx->doc != NULL)
		json_decref(fx->doc);
	free(fx->out);
	bounce_report_free(fx->r);
	free(fx);
	*state = NULL;
	return 0;
}

/* Write the report, check the text is one line of valid UTF-8 JSON, and
 * keep the parsed document in fx->doc. */
static json_t *
render(const char *source, const char *queue_id, time_t when)
{
	json_error_t err;
	size_t n;

	free(fx->out);
	if (fx->doc != NULL)
		json_decref(fx->doc);
	fx->out = bounce_report_json(fx->r, source, queue_id, when);
	assert_non_null(fx->out);
	n = strlen(fx->out);
	assert_true(utf8_valid(fx->out, n));
	assert_null(memchr(fx->out, '\n', n));
	fx->doc = json_loads(fx->out, JSON_REJECT_DUPLICATES, &err);
	if (fx->doc == NULL)
		fail_msg("not JSON (%s at %d): %s", err.text, err.position, fx->out);
	assert_true(json_is_object(fx->doc));
	return fx->doc;
}

static void
assert_keys(json_t *o, const char *const *keys, size_t nkeys)
{
	size_t i;

	assert_true(json_is_object(o));
	for (i = 0; i < nkeys; i++)
		if (json_object_get(o, keys[i]) == NULL)
			fail_msg("key \"%s\" missing", keys[i]);
	assert_int_equal(json_object_size(o), nkeys);
}

static const char *
str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_non_null(v);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static struct bounce_recipient *
add(void)
{
	struct bounce_recipient *rc = report_add_recipient(fx->r, &fx->lim);

	assert_non_null(rc);
	return rc;
}

static void
test_empty_report(void **state)
{
	json_t *o = render("msg.eml", NULL, 0);

	assert_keys(o, top_keys, NKEYS(top_keys));
	assert_keys(json_object_get(o, "original"), original_keys, NKEYS(original_keys));
	assert_string_equal(str(o, "source"), "msg.eml");
	assert_string_equal(str(o, "kind"), "none");
	assert_string_equal(str(o, "vendor"), "");
	assert_true(json_is_false(json_object_get(o, "truncated")));
	assert_true(json_is_array(json_object_get(o, "recipients")));
	assert_int_equal(json_array_size(json_object_get(o, "recipients")), 0);
}

static void
test_full_report(void **state)
{
	struct bounce_recipient *rc;
	json_t *o, *list, *r0;

	fx->r->kind = BOUNCE_KIND_DSN;
	fx->r->vendor = "rfc3464";
	fx->r->reporting_mta = "mail.example.com";
	fx->r->forwarded_by = "Pat <pat@example.org>";
	fx->r->original.message_id = "<m1@example.com>";
	fx->r->original.subject = "Hello";
	fx->r->truncated = true;
	rc = add();
	rc->recipient = "bob@example.org";
	rc->status = "5.1.1";
	rc->hard = true;
	rc = add();
	rc->recipient = "carol@example.org";
	rc->temporary = true;

	o = render("box.mbox:2", NULL, 0);
	assert_keys(o, top_keys, NKEYS(top_keys));
	assert_string_equal(str(o, "kind"), "dsn");
	assert_string_equal(str(o, "reporting_mta"), "mail.example.com");
	assert_string_equal(str(o, "forwarded_by"), "Pat <pat@example.org>");
	assert_string_equal(str(json_object_get(o, "original"), "message_id"), "<m1@example.com>");
	assert_true(json_is_true(json_object_get(o, "truncated")));
	list = json_object_get(o, "recipients");
	assert_int_equal(json_array_size(list), 2);
	r0 = json_array_get(list, 0);
	assert_keys(r0, recipient_keys, NKEYS(recipient_keys));
	assert_keys(json_array_get(list, 1), recipient_keys, NKEYS(recipient_keys));
	assert_string_equal(str(r0, "recipient"), "bob@example.org");
	assert_string_equal(str(r0, "status"), "5.1.1");
	assert_true(json_is_true(json_object_get(r0, "hard")));
	assert_true(json_is_false(json_object_get(r0, "temporary")));
	assert_true(json_is_true(json_object_get(json_array_get(list, 1), "temporary")));
	/* The key order is the documented one. */
	assert_true(strncmp(fx->out, "{\"source\":", 10) == 0);
}

static void
test_kinds(void **state)
{
	static const struct {
		enum bounce_kind k;
		const char *name;
	} kinds[] = {
		{ BOUNCE_KIND_NONE, "none" }, { BOUNCE_KIND_DSN, "dsn" },
		{ BOUNCE_KIND_NDR, "ndr" }, { BOUNCE_KIND_ARF, "arf" },
		{ BOUNCE_KIND_AUTOREPLY, "autoreply" },
	};
	size_t i;

	for (i = 0; i < NKEYS(kinds); i++) {
		fx->r->kind = kinds[i].k;
		assert_string_equal(str(render("", NULL, 0), "kind"), kinds[i].name);
		assert_string_equal(bounce_kind_name(kinds[i].k), kinds[i].name);
	}
	assert_string_equal(bounce_kind_name((enum bounce_kind)99), "none");
}

static void
test_escaping(void **state)
{
	struct bounce_recipient *rc = add();
	json_t *r0;

	/* Set directly, not through text_field: the writer must escape
	 * whatever it is given. */
	rc->diagnostic = "say \"550\" \\ path C:\\mail\\ tab\there nl\nend";
	rc->summary = "ctl \x01\x02\x1f del \x7f bell \a";
	rc->fix = "</script><!-- & ' \xE2\x80\xA8 \xE2\x80\xA9";
	rc->recipient = "j\xC3\xB6rg@b\xC3\xBC" "cher.example.org";
	rc->component = "\xF0\x9F\x93\xA7 \xE6\x97\xA5\xE6\x9C\xAC";
	r0 = json_array_get(json_object_get(render("", NULL, 0), "recipients"), 0);
	assert_string_equal(str(r0, "diagnostic"), rc->diagnostic);
	assert_string_equal(str(r0, "summary"), rc->summary);
	assert_string_equal(str(r0, "fix"), rc->fix);
	assert_string_equal(str(r0, "recipient"), rc->recipient);
	assert_string_equal(str(r0, "component"), rc->component);
	/* Controls are escaped, never raw; non-ASCII stays as UTF-8. */
	assert_non_null(strcasestr(fx->out, "\\u0001"));
	assert_non_null(strcasestr(fx->out, "\\u001f"));
	assert_non_null(strstr(fx->out, "\\\"550\\\""));
	assert_non_null(strstr(fx->out, "C:\\\\mail"));
	assert_non_null(strstr(fx->out, "j\xC3\xB6rg"));
	{
		const char *p;

		for (p = fx->out; *p != '\0'; p++)
			assert_true((unsigned char)*p >= 0x20);
	}
}

static void
test_source_path(void **state)
{
	json_t *o;

	/* A file name is bytes: invalid UTF-8 is repaired, not passed on. */
	o = render("/tmp/\xFF\xFEname\xC3.eml", NULL, 0);
	assert_string_equal(str(o, "source"), "/tmp/\xEF\xBF\xBD\xEF\xBF\xBDname\xEF\xBF\xBD.eml");
	o = render("dir/\"quoted\"\\\x01.eml", NULL, 0);
	assert_string_equal(str(o, "source"), "dir/\"quoted\"\\\x01.eml");
	o = render("mbox:3", NULL, 0);
	assert_string_equal(str(o, "source"), "mbox:3");
	o = render(NULL, NULL, 0);
	assert_string_equal(str(o, "source"), "");
}

static void
test_queue_id_and_time(void **state)
{
	json_t *o;

	o = render("x", "4Qx7Lm2Vb3z9K", (time_t)1741000502);
	assert_string_equal(str(o, "queue_id"), "4Qx7Lm2Vb3z9K");
	assert_string_equal(str(o, "time"), "2025-03-03T11:15:02Z");
	assert_int_equal(json_object_size(o), NKEYS(top_keys) + 2);
	o = render("x", "bad\x01\xFFid", 0);
	assert_true(utf8_valid(str(o, "queue_id"), strlen(str(o, "queue_id"))));
	assert_null(json_object_get(o, "time"));
}

/* A byte to escape at every offset of values of every length around the
 * sixteen-byte blocks (the scan reads the last few bytes as a block). */
static void
test_escape_every_offset(void **state)
{
	static const char special[] = { '"', '\\', '\n', '\x01', '\x7f', 'x' };
	char val[48];
	size_t len, at, k;
	json_t *r0;

	add();
	for (len = 1; len < sizeof(val); len++)
		for (at = 0; at < len; at++)
			for (k = 0; k < sizeof(special); k++) {
				memset(val, 'm', len);
				val[at] = special[k];
				val[len] = '\0';
				fx->r->rcpt[0].diagnostic = val;
				r0 = json_array_get(json_object_get(render("", NULL, 0),
				    "recipients"), 0);
				assert_string_equal(str(r0, "diagnostic"), val);
			}
}

/* Long fields and many recipients: the buffer grows, the text stays whole. */
static void
test_large(void **state)
{
	static char big[BOUNCE_FIELD_MAX + 1];
	json_t *list;
	size_t i;

	memset(big, '"', BOUNCE_FIELD_MAX);	/* every byte doubles */
	for (i = 0; i < 300; i++) {
		struct bounce_recipient *rc = add();

		rc->diagnostic = big;
		rc->recipient = "r@example.org";
	}
	list = json_object_get(render("big", NULL, 0), "recipients");
	assert_int_equal(json_array_size(list), 300);
	assert_int_equal(strlen(str(json_array_get(list, 299), "diagnostic")), BOUNCE_FIELD_MAX);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_empty_report),
		T(test_full_report),
		T(test_kinds),
		T(test_escaping),
		T(test_source_path),
		T(test_queue_id_and_time),
		T(test_escape_every_offset),
		T(test_large),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
