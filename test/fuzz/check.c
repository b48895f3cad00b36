/*
 * check.c - the promises of bounce.h, checked on every report a fuzz
 * target makes (see fuzz.h). The UTF-8 check is written here on purpose
 * rather than borrowed from the engine: an oracle must not share the
 * code it judges.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fuzz.h"

_Noreturn void
fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz: broken promise: %s: %.200s\n", what, detail);
	abort();
}

/* Length of the UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), 0 if invalid. */
static size_t
utf8_len(const unsigned char *p, size_t avail)
{
	size_t n, i;
	unsigned long cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		n = 2, cp = p[0] & 0x1F;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		n = 3, cp = p[0] & 0x0F;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

static void
check_string(const char *name, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, i, n;

	if (s == NULL)
		fuzz_fail("NULL string", name);
	len = strlen(s);
	if (len > BOUNCE_FIELD_MAX)
		fuzz_fail("string longer than BOUNCE_FIELD_MAX", name);
	for (i = 0; i < len; i += n) {
		if (p[i] < 0x20 || p[i] == 0x7F)
			fuzz_fail("control character in string", name);
		if ((n = utf8_len(p + i, len - i)) == 0)
			fuzz_fail("invalid UTF-8 in string", name);
	}
}

void
fuzz_check_report(const struct bounce_report *r, const struct bounce_limits *lim)
{
	size_t i;

	if (r->kind > BOUNCE_KIND_AUTOREPLY)
		fuzz_fail("kind out of range", "kind");
	check_string("vendor", r->vendor);
	check_string("reporting_mta", r->reporting_mta);
	check_string("received_from_mta", r->received_from_mta);
	check_string("arrival_date", r->arrival_date);
	check_string("queue_id", r->queue_id);
	check_string("subject", r->subject);
	check_string("from", r->from);
	check_string("forwarded_by", r->forwarded_by);
	check_string("original.message_id", r->original.message_id);
	check_string("original.from", r->original.from);
	check_string("original.to", r->original.to);
	check_string("original.subject", r->original.subject);
	check_string("truncated_why", r->truncated_why);
	if (r->truncated && r->truncated_why[0] == '\0')
		fuzz_fail("truncated without a reason", "truncated_why");
	if (lim != NULL && r->nrcpt > lim->max_recipients)
		fuzz_fail("more recipients than max_recipients", "nrcpt");
	if (r->nrcpt > 0 && r->rcpt == NULL)
		fuzz_fail("nrcpt > 0 with rcpt NULL", "rcpt");
	for (i = 0; i < r->nrcpt; i++) {
		const struct bounce_recipient *rc = &r->rcpt[i];

		check_string("recipient", rc->recipient);
		check_string("original_recipient", rc->original_recipient);
		check_string("action", rc->action);
		check_string("status", rc->status);
		check_string("reply_code", rc->reply_code);
		check_string("command", rc->command);
		check_string("remote_mta", rc->remote_mta);
		check_string("diagnostic_type", rc->diagnostic_type);
		check_string("diagnostic", rc->diagnostic);
		check_string("component", rc->component);
		check_string("feedback_type", rc->feedback_type);
		check_string("last_attempt_date", rc->last_attempt_date);
		check_string("will_retry_until", rc->will_retry_until);
		check_string("reason", rc->reason);
		check_string("category", rc->category);
		check_string("owner", rc->owner);
		check_string("summary", rc->summary);
		check_string("fix", rc->fix);
	}
}

void
fuzz_check_json(const char *json)
{
	json_error_t err;
	json_t *root;

	if (json == NULL)
		fuzz_fail("bounce_report_json returned NULL", "json");
	if (strchr(json, '\n') != NULL)
		fuzz_fail("JSON is not one line", json);
	if ((root = json_loads(json, JSON_REJECT_DUPLICATES, &err)) == NULL)
		fuzz_fail("JSON does not parse", err.text);
	if (!json_is_object(root))
		fuzz_fail("JSON is not an object", json);
	json_decref(root);
}

static char tmpdir[256];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
rm_tmpdir(void)
{
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

const char *
fuzz_tmpdir(void)
{
	const char *base;

	if (tmpdir[0] != '\0')
		return tmpdir;
	if ((base = getenv("TMPDIR")) == NULL || *base == '\0')
		base = "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/bouncefuzz.XXXXXX", base);
	if (mkdtemp(tmpdir) == NULL)
		fuzz_fail("mkdtemp", tmpdir);
	atexit(rm_tmpdir);
	return tmpdir;
}

void
fuzz_write_file(const char *path, const uint8_t *data, size_t len)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		fuzz_fail("cannot write", path);
	if (len > 0 && fwrite(data, 1, len, f) != len)
		fuzz_fail("short write", path);
	if (fclose(f) != 0)
		fuzz_fail("cannot close", path);
}
