/*
 * mime_test.c - unit tests of mime.c: every text decoded to UTF-8
 * (declared, undeclared and wrongly declared charsets), transfer
 * decoding, header words, and the limits (depth, parts, bytes, header
 * size, recipients) that must end in "truncated", never in a crash.
 *
 * The view is built with mime_view_build, the same call bounce_parse
 * makes; the limits are also checked end to end through bounce_parse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gmime/gmime.h>

#include "engine.h"


struct fixture {
	struct bounce_report	*r;
	struct bounce_limits	 lim;
	struct msgview		 mv;
	char			*msg;
	bool			 built;
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
	if (fx->built)
		mime_view_release(&fx->mv);
	bounce_report_free(fx->r);
	free(fx->msg);
	free(fx);
	*state = NULL;
	return 0;
}

/* Build the view of a message held in a buffer of its exact length. */
static struct msgview *
view(const char *msg, size_t len)
{
	free(fx->msg);
	fx->msg = malloc(len ? len : 1);
	assert_non_null(fx->msg);
	memcpy(fx->msg, msg, len);
	memset(&fx->mv, 0, sizeof(fx->mv));
	fx->mv.arena = report_arena(fx->r);
	fx->mv.report = fx->r;
	fx->mv.limits = &fx->lim;
	assert_true(mime_view_build(&fx->mv, fx->msg, len));
	fx->built = true;
	return &fx->mv;
}

#define VIEW(lit)	view((lit), sizeof(lit) - 1)

static void
assert_contains(struct span s, const char *want)
{
	if (memmem(s.p, s.len, want, strlen(want)) == NULL)
		fail_msg("\"%s\" not in \"%.*s\"", want, (int)s.len, s.p);
	assert_true(utf8_valid(s.p, s.len));
}

/* A single-part text message with the given Content-Type and body. */
static struct msgview *
text_message(const char *ctype, const char *cte, const char *body)
{
	char buf[4096];
	int n;

	n = snprintf(buf, sizeof(buf),
	    "From: MAILER-DAEMON@example.com\nSubject: Undelivered\nMIME-Version: 1.0\n"
	    "%s%s%s%s\n\n%s", ctype ? "Content-Type: " : "", ctype ? ctype : "",
	    cte ? "\nContent-Transfer-Encoding: " : "", cte ? cte : "", body);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	return view(buf, (size_t)n);
}

/* ---- charsets -------------------------------------------------------- */

static void
test_declared_charsets(void **state)
{
	assert_contains(text_message("text/plain; charset=iso-8859-1", "8bit",
	    "Gr\xF6\xDF" "e \xFC" "berschritten\n")->body, "Gr\xC3\xB6\xC3\x9F" "e \xC3\xBC" "berschritten");
	assert_contains(text_message("text/plain; charset=\"KOI8-R\"", "8bit",
	    "550 \xf0\xcf\xcc\xd8\xda\xcf\xd7\xc1\xd4\xc5\xcc\xd8 \xce\xc5 \xce\xc1\xca\xc4\xc5\xce\n")->body,
	    "550 \xD0\x9F\xD0\xBE\xD0\xBB\xD1\x8C\xD0\xB7\xD0\xBE\xD0\xB2\xD0\xB0\xD1\x82\xD0\xB5\xD0\xBB\xD1\x8C"
	    " \xD0\xBD\xD0\xB5 \xD0\xBD\xD0\xB0\xD0\xB9\xD0\xB4\xD0\xB5\xD0\xBD");
	/* 宛先不明です */
	assert_contains(text_message("text/plain; charset=ISO-2022-JP", "7bit",
	    "\x1b$B08@hITL@$G$9\x1b(B\n")->body,
	    "\xE5\xAE\x9B\xE5\x85\x88\xE4\xB8\x8D\xE6\x98\x8E\xE3\x81\xA7\xE3\x81\x99");
	/* 宛先のユーザーは存在しません */
	assert_contains(text_message("text/plain; charset=Shift_JIS", "8bit",
	    "\x88\xb6\x90\xe6\x82\xcc\x83\x86\x81[\x83U\x81[\x82\xcd\x91\xb6\x8d\xdd\x82\xb5\x82\xdc\x82\xb9\x82\xf1\n")->body,
	    "\xE5\xAE\x9B\xE5\x85\x88\xE3\x81\xAE\xE3\x83\xA6\xE3\x83\xBC\xE3\x82\xB6\xE3\x83\xBC");
	/* € 100 “quoted” */
	assert_contains(text_message("text/plain; charset=windows-1252", "8bit",
	    "\x80 100 \x93quoted\x94\n")->body,
	    "\xE2\x82\xAC 100 \xE2\x80\x9Cquoted\xE2\x80\x9D");
	/* Valid UTF-8 stays as it is. */
	assert_contains(text_message("text/plain; charset=utf-8", "8bit",
	    "J\xC3\xB6rg \xF0\x9F\x93\xA7\n")->body, "J\xC3\xB6rg \xF0\x9F\x93\xA7");
}

/* 8-bit text that names no charset, or a wrong one. */
static void
test_undeclared_charsets(void **state)
{
	assert_contains(text_message("text/plain", "8bit",
	    "Das Postfach ist voll: Gr\xF6\xDF" "e \xFC" "berschritten, bitte sp\xE4ter.\n")->body,
	    "Gr\xC3\xB6\xC3\x9F" "e \xC3\xBC" "berschritten, bitte sp\xC3\xA4ter");
	assert_contains(text_message(NULL, NULL,
	    "Le destinataire est inconnu, r\xE9" "essayez plus tard.\n")->body,
	    "r\xC3\xA9" "essayez");
	assert_contains(text_message("text/plain; charset=us-ascii", NULL,
	    "Empf\xE4nger unbekannt\n")->body, "Empf\xC3\xA4nger unbekannt");
	assert_contains(text_message("text/plain; charset=utf-8", NULL,
	    "Empf\xE4nger unbekannt\n")->body, "Empf\xC3\xA4nger unbekannt");
	assert_contains(text_message("text/plain; charset=x-no-such-charset", NULL,
	    "Empf\xE4nger unbekannt\n")->body, "Empf\xC3\xA4nger unbekannt");
}

/*
 * Undeclared ISO-2022-JP is 7-bit, so valid UTF-8 byte-wise, but it
 * announces itself with its escapes (sniff_charset says so).
 * Fixed bug, kept as a regression test (mime.c): to_utf8 converts 7-bit text only when a charset is
 * declared, so the escapes are dropped and the Japanese is lost.
 */
static void
test_undeclared_iso2022jp(void **state)
{
	assert_contains(text_message("text/plain", "7bit",
	    "\x1b$B08@hITL@$G$9\x1b(B\n")->body,
	    "\xE5\xAE\x9B\xE5\x85\x88\xE4\xB8\x8D\xE6\x98\x8E");
	assert_contains(text_message(NULL, NULL,
	    "\x1b$B08@hITL@$G$9\x1b(B\n")->body,
	    "\xE5\xAE\x9B\xE5\x85\x88\xE4\xB8\x8D\xE6\x98\x8E");
}

/* Undeclared windows-1252: 0x80..0x9F are letters (€, “, ”), not C1
 * controls. */
static void
test_undeclared_windows1252(void **state)
{
	assert_contains(text_message("text/plain", "8bit",
	    "Ihre Nachricht \x84Rechnung\x93 \xFC" "ber 100 \x80 wurde nicht zugestellt.\n")->body,
	    "\xE2\x80\x9ERechnung\xE2\x80\x9C \xC3\xBC" "ber 100 \xE2\x82\xAC");
}

/* ---- transfer encodings --------------------------------------------- */

static void
test_base64(void **state)
{
	assert_contains(text_message("text/plain; charset=iso-8859-1", "base64",
	    "WnVzdGVsbHVuZyBhbiBib2JAZXhhbXBsZS5vcmcgZmVobGdlc2NobGFnZW46IEdy9t9l\n")->body,
	    "Zustellung an bob@example.org fehlgeschlagen: Gr\xC3\xB6\xC3\x9F" "e");
	/* Case of the encoding name does not matter; line breaks inside the
	 * base64 do not either. */
	assert_contains(text_message("text/plain; charset=us-ascii", "BASE64",
	    "NTUwIDUuMS4xIF\nVzZXIgdW5rbm93\nbg==\n")->body, "550 5.1.1 User unknown");
}

static void
test_quoted_printable(void **state)
{
	assert_contains(text_message("text/plain; charset=iso-8859-1", "quoted-printable",
	    "Gr=F6=DFe =\n=FCberschritten: 552 5.2.2 =3D full\n")->body,
	    "Gr\xC3\xB6\xC3\x9F" "e \xC3\xBC" "berschritten: 552 5.2.2 = full");
	assert_contains(text_message("text/plain; charset=utf-8", "Quoted-Printable",
	    "J=C3=B6rg\n")->body, "J\xC3\xB6rg");
}

/* qp_decode against GMime's decoder (one step, as the walk used it) on
 * random bodies of the bytes that matter to it: '=', hex digits in both
 * cases, CR, LF, and bytes that are none of these. */
static void
test_qp_differential(void **state)
{
	static const char alphabet[] = "==\r\n0aFfGz \xe9";
	char in[40];
	unsigned char want[sizeof(in) * 3], got[sizeof(in) * 3];
	uint32_t seed = 4242;
	size_t len, k, n, round;
	int st;
	guint32 save;

	for (round = 0; round < 200000; round++) {
		seed = seed * 1103515245 + 12345;
		len = (seed >> 8) % sizeof(in);
		for (k = 0; k < len; k++) {
			seed = seed * 1103515245 + 12345;
			in[k] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		st = 0;
		save = 0;
		n = g_mime_encoding_quoted_decode_step((const unsigned char *)in, len,
		    want, &st, &save);
		assert_int_equal(qp_decode(in, len, (char *)got), n);
		assert_memory_equal(got, want, n);
	}
}

/* ---- headers ---------------------------------------------------------- */

static void
test_header_words(void **state)
{
	struct msgview *mv = VIEW(
	    "From: =?ISO-8859-1?Q?Bj=F6rn?= <bjoern@example.com>\n"
	    "Subject: =?ISO-2022-JP?B?GyRCN29MPiVGJTklSBsoQg==?=\n"
	    "X-Raw-Utf8: J\xC3\xB6rg\n"
	    "X-Raw-Sjis: \x8c\x8f\x96\xbc\x83" "e\x83X\x83g\n"
	    "X-Folded: one\n two\n\tthree\n"
	    "\n"
	    "body\n");

	assert_contains(mv_header(mv, "from"), "Bj\xC3\xB6rn <bjoern@example.com>");
	/* 件名テスト */
	assert_contains(mv_header(mv, "Subject"),
	    "\xE4\xBB\xB6\xE5\x90\x8D\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88");
	assert_contains(mv_header(mv, "X-Raw-Utf8"), "J\xC3\xB6rg");
	assert_contains(mv_header(mv, "X-Raw-Sjis"),
	    "\xE4\xBB\xB6\xE5\x90\x8D\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88");
	{
		struct span f = span_trim(mv_header(mv, "X-Folded"));

		assert_null(memchr(f.p, '\n', f.len));
		assert_contains(f, "one");
		assert_contains(f, "three");
	}
	assert_int_equal(mv_header(mv, "X-Absent").len, 0);
}

static void
test_header_nth(void **state)
{
	struct msgview *mv = VIEW("Received: one\nReceived: two\nReceived: three\n\nx\n");

	assert_contains(mv_header_nth(mv, "Received", 0), "one");
	assert_contains(mv_header_nth(mv, "received", 2), "three");
	assert_int_equal(mv_header_nth(mv, "Received", 3).len, 0);
}

static void
test_decode_header(void **state)
{
	struct arena *a = report_arena(fx->r);

	assert_contains(mime_decode_header(a, SPAN_LIT("=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=")),
	    "Gr\xC3\xBC\xC3\x9F" "e aus K\xC3\xB6ln");
	assert_contains(mime_decode_header(a, SPAN_LIT("=?utf-8?q?caf=C3=A9?= ok")), "caf\xC3\xA9 ok");
	/* Broken words do not break the output. */
	{
		struct span d = mime_decode_header(a, SPAN_LIT("=?utf-8?B?***?= =?x-none?Q?a?= =?"));

		assert_true(utf8_valid(d.p, d.len));
	}
	assert_contains(mime_decode_header(a, SPAN_LIT("=?iso-8859-1?q?M=FCller?=")), "M\xC3\xBCller");
	assert_int_equal(mime_decode_header(a, SPAN_LIT("")).len, 0);
}

/*
 * Raw 8-bit header text (no encoded word): Latin-1 with lone accented
 * letters is read as windows-1252, not as Shift_JIS kanji; Japanese
 * text (two-byte characters) still as Japanese.
 */
static void
test_decode_header_8bit(void **state)
{
	struct arena *a = report_arena(fx->r);

	/* "Réponse automatique : absente jusqu'à lundi" */
	assert_contains(mime_decode_header(a,
	    SPAN_LIT("R\xe9ponse automatique : absente jusqu'\xe0 lundi")),
	    "R\xC3\xA9ponse automatique : absente jusqu'\xC3\xA0 lundi");
	/* "Accusé de réception", "Grüße aus Köln" */
	assert_contains(mime_decode_header(a, SPAN_LIT("Accus\xe9 de r\xe9" "ception")),
	    "Accus\xC3\xA9 de r\xC3\xA9" "ception");
	assert_contains(mime_decode_header(a, SPAN_LIT("Gr\xfc\xdf" "e aus K\xf6ln")),
	    "Gr\xC3\xBC\xC3\x9F" "e aus K\xC3\xB6ln");
	/* windows-1252's curly apostrophe (0x92) between letters, the only
	 * 8-bit byte: "Absent jusqu'au 12 mars". */
	assert_contains(mime_decode_header(a, SPAN_LIT("Absent jusqu\x92" "au 12 mars")),
	    "Absent jusqu\xE2\x80\x99" "au 12 mars");
	/* Shift_JIS: "テスト" (kana lead bytes before ASCII trail bytes) and
	 * "[重要] お知らせ" (kanji, hiragana). */
	assert_contains(mime_decode_header(a, SPAN_LIT("\x83" "e\x83X\x83g")),
	    "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88");
	assert_contains(mime_decode_header(a,
	    SPAN_LIT("[\x8f" "d\x97v] \x82\xa8\x92m\x82\xe7\x82\xb9")),
	    "[\xE9\x87\x8D\xE8\xA6\x81] \xE3\x81\x8A\xE7\x9F\xA5\xE3\x82\x89\xE3\x81\x9B");
}

/* ---- structure -------------------------------------------------------- */

static void
test_leaves(void **state)
{
	struct msgview *mv = VIEW(
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"XX\"\n\n"
	    "preamble\n--XX\n"
	    "Content-Type: text/plain\n\nnotification\n"
	    "--XX\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; a@example.org\nStatus: 5.1.1\n"
	    "--XX\nContent-Type: message/rfc822\n\n"
	    "Subject: original\nMessage-ID: <o@example.com>\n\nbody of the original\n"
	    "--XX--\nepilogue\n");
	size_t i;
	bool status = false;

	assert_string_equal(mv->content_type, "multipart/report");
	assert_string_equal(mv->report_type, "delivery-status");
	assert_contains(mv->body, "notification");
	assert_contains(mv->returned, "Message-ID: <o@example.com>");
	for (i = 0; i < mv->nleaf; i++)
		if (strcmp(mv->leaf[i].type, "message/delivery-status") == 0) {
			status = true;
			assert_false(mv->leaf[i].in_returned);
			assert_contains(mv->leaf[i].text, "Status: 5.1.1");
		}
	assert_true(status);
	assert_false(fx->r->truncated);
}

/* ---- limits, through the view and through bounce_parse --------------- */

/* A multipart nested depth times, a DSN status part in the middle. */
static char *
nested(unsigned depth, size_t *len)
{
	size_t cap = (size_t)depth * 160 + 1024, n = 0;
	char *m = malloc(cap);
	unsigned i;

	assert_non_null(m);
	n += (size_t)snprintf(m + n, cap - n, "From: MAILER-DAEMON@example.com\n"
	    "Subject: Undelivered\nMIME-Version: 1.0\n");
	for (i = 0; i < depth; i++)
		n += (size_t)snprintf(m + n, cap - n,
		    "Content-Type: multipart/mixed; boundary=\"b%u\"\n\n--b%u\n", i, i);
	n += (size_t)snprintf(m + n, cap - n, "Content-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; deep@example.org\nAction: failed\nStatus: 5.1.1\n");
	for (i = depth; i-- > 0;)
		n += (size_t)snprintf(m + n, cap - n, "\n--b%u--\n", i);
	assert_true(n < cap);
	*len = n;
	return m;
}

static void
test_depth_limit(void **state)
{
	struct bounce_report *r;
	size_t len;
	char *m = nested(10, &len);

	/* Within the limit: found. */
	r = bounce_parse(m, len, NULL);
	assert_non_null(r);
	assert_false(r->truncated);
	assert_int_equal(r->nrcpt, 1);
	assert_string_equal(r->rcpt[0].recipient, "deep@example.org");
	bounce_report_free(r);
	/* Past it: truncated, nothing invented. */
	fx->lim.max_depth = 4;
	r = bounce_parse(m, len, &fx->lim);
	assert_non_null(r);
	assert_true(r->truncated);
	assert_string_equal(r->truncated_why, "mime depth");
	bounce_report_free(r);
	free(m);
}

/* Very deep nesting must not exhaust the stack. */
static void
test_very_deep(void **state)
{
	struct bounce_report *r;
	size_t len;
	char *m = nested(20000, &len);

	fx->lim.max_scan_bytes = len + 1;
	r = bounce_parse(m, len, &fx->lim);
	assert_non_null(r);
	assert_true(r->truncated);
	bounce_report_free(r);
	free(m);
}

static void
test_parts_limit(void **state)
{
	size_t cap = 700 * 64 + 1024, n = 0;
	char *m = malloc(cap);
	struct bounce_report *r;
	unsigned i;

	assert_non_null(m);
	n += (size_t)snprintf(m + n, cap - n,
	    "From: MAILER-DAEMON@example.com\nContent-Type: multipart/mixed; boundary=p\n\n");
	for (i = 0; i < 700; i++)
		n += (size_t)snprintf(m + n, cap - n, "--p\nContent-Type: text/plain\n\npart %u\n", i);
	n += (size_t)snprintf(m + n, cap - n, "--p--\n");
	r = bounce_parse(m, n, NULL);		/* default: 500 parts */
	assert_non_null(r);
	assert_true(r->truncated);
	assert_string_equal(r->truncated_why, "mime parts");
	bounce_report_free(r);
	fx->lim.max_parts = 1000;
	r = bounce_parse(m, n, &fx->lim);
	assert_non_null(r);
	assert_false(r->truncated);
	bounce_report_free(r);
	free(m);
}

static void
test_scan_bytes_limit(void **state)
{
	static const char head[] =
	    "From: MAILER-DAEMON@example.com\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=s\n\n"
	    "--s\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; early@example.org\nAction: failed\nStatus: 5.1.1\n\n"
	    "--s\nContent-Type: text/plain\n\n";
	size_t len = sizeof(head) - 1 + 100000;
	char *m = malloc(len);
	struct bounce_report *r;

	assert_non_null(m);
	memcpy(m, head, sizeof(head) - 1);
	memset(m + sizeof(head) - 1, 'x', 100000);
	fx->lim.max_scan_bytes = 4096;
	r = bounce_parse(m, len, &fx->lim);
	assert_non_null(r);
	assert_true(r->truncated);
	assert_string_equal(r->truncated_why, "scan bytes");
	/* What came before the limit is reported. */
	assert_int_equal(r->nrcpt, 1);
	assert_string_equal(r->rcpt[0].recipient, "early@example.org");
	bounce_report_free(r);
	free(m);
}

static void
test_header_limits(void **state)
{
	size_t cap = 600 * 32 + 200000, n = 0;
	char *m = malloc(cap);
	struct bounce_report *r;
	unsigned i;

	assert_non_null(m);
	/* More header fields than are indexed. */
	for (i = 0; i < 600; i++)
		n += (size_t)snprintf(m + n, cap - n, "X-Field-%u: v\n", i);
	n += (size_t)snprintf(m + n, cap - n, "\nbody\n");
	r = bounce_parse(m, n, NULL);
	assert_non_null(r);
	assert_true(r->truncated);
	bounce_report_free(r);

	/* One enormous folded header. */
	n = (size_t)snprintf(m, cap, "Subject: start");
	for (i = 0; i < 15000; i++)
		n += (size_t)snprintf(m + n, cap - n, "\n word");
	n += (size_t)snprintf(m + n, cap - n, "\n\nbody\n");
	fx->lim.max_header_bytes = 1024;
	r = bounce_parse(m, n, &fx->lim);
	assert_non_null(r);
	assert_true(r->truncated);
	assert_true(strlen(r->subject) <= BOUNCE_FIELD_MAX);
	bounce_report_free(r);
	free(m);
}

static void
test_recipient_limit(void **state)
{
	size_t cap = 1500 * 80 + 1024, n = 0;
	char *m = malloc(cap);
	struct bounce_report *r;
	unsigned i;

	assert_non_null(m);
	n += (size_t)snprintf(m + n, cap - n, "From: MAILER-DAEMON@example.com\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n"
	    "--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n");
	for (i = 0; i < 1500; i++)
		n += (size_t)snprintf(m + n, cap - n,
		    "Final-Recipient: rfc822; u%u@example.org\nAction: failed\nStatus: 5.1.1\n\n", i);
	n += (size_t)snprintf(m + n, cap - n, "--r--\n");
	r = bounce_parse(m, n, NULL);
	assert_non_null(r);
	assert_int_equal(r->nrcpt, 1000);
	assert_true(r->truncated);
	assert_string_equal(r->truncated_why, "recipients");
	assert_int_equal(r->kind, BOUNCE_KIND_DSN);
	bounce_report_free(r);
	free(m);
}

static void
test_odd_input(void **state)
{
	static const char *const odd[] = {
		"",
		"\n",
		"no colon here\n",
		"Content-Type: multipart/mixed\n\n--\n--\n",		/* no boundary */
		"Content-Type: multipart/mixed; boundary=\"\"\n\n--\n",
		"Content-Type: multipart/mixed; boundary=x\n\n--x",	/* ends on a delimiter */
		"Content-Type: multipart/mixed; boundary=x\n\n--x\n",
		"Content-Type: multipart/mixed; boundary=x\n\n--x--",
		"Content-Type: message/rfc822\n\n",
		"Content-Type: message/rfc822",
		"Content-Type: text/plain; charset=\"unterminated\n\nx",
		"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n=",
		"Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n=",
		"Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n=4",
		"Subject: =?utf-8?B?",
		"Subject: =?",
		"From: \"unterminated <a@b",
	};
	size_t k;

	for (k = 0; k < sizeof(odd) / sizeof(odd[0]); k++) {
		size_t len = strlen(odd[k]);
		char *m = malloc(len ? len : 1);
		struct bounce_report *r;

		assert_non_null(m);
		memcpy(m, odd[k], len);
		r = bounce_parse(m, len, NULL);
		assert_non_null(r);
		assert_int_equal(r->kind, BOUNCE_KIND_NONE);
		bounce_report_free(r);
		free(m);
	}
	{
		struct bounce_report *r = bounce_parse(NULL, 0, NULL);

		assert_non_null(r);
		assert_int_equal(r->kind, BOUNCE_KIND_NONE);
		bounce_report_free(r);
	}
}

/* A charset end to end: the diagnostic a report gets is UTF-8. */
static void
test_parse_charset(void **state)
{
	static const char msg[] =
	    "From: MAILER-DAEMON@example.com\nSubject: Undelivered Mail Returned to Sender\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=c\n\n"
	    "--c\nContent-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit\n\n"
	    "<vera@example.org>: 550 5.1.1 \xf0\xcf\xcc\xd8\xda\xcf\xd7\xc1\xd4\xc5\xcc\xd8 "
	    "\xce\xc5 \xce\xc1\xca\xc4\xc5\xce\n\n"
	    "--c\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; vera@example.org\nAction: failed\nStatus: 5.1.1\n\n--c--\n";
	struct bounce_report *r = bounce_parse(msg, sizeof(msg) - 1, NULL);

	assert_non_null(r);
	assert_int_equal(r->nrcpt, 1);
	assert_string_equal(r->rcpt[0].diagnostic,
	    "550 5.1.1 \xD0\x9F\xD0\xBE\xD0\xBB\xD1\x8C\xD0\xB7\xD0\xBE\xD0\xB2\xD0\xB0\xD1\x82\xD0\xB5\xD0\xBB\xD1\x8C"
	    " \xD0\xBD\xD0\xB5 \xD0\xBD\xD0\xB0\xD0\xB9\xD0\xB4\xD0\xB5\xD0\xBD");
	bounce_report_free(r);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_declared_charsets),
		T(test_undeclared_charsets),
		T(test_undeclared_iso2022jp),
		T(test_undeclared_windows1252),
		T(test_base64),
		T(test_quoted_printable),
		T(test_qp_differential),
		T(test_header_words),
		T(test_header_nth),
		T(test_decode_header),
		T(test_decode_header_8bit),
		T(test_leaves),
		T(test_depth_limit),
		T(test_very_deep),
		T(test_parts_limit),
		T(test_scan_bytes_limit),
		T(test_header_limits),
		T(test_recipient_limit),
		T(test_odd_input),
		T(test_parse_charset),
	};

	return cmocka_run_group_tests_name("mime", tests, NULL, NULL);
}
