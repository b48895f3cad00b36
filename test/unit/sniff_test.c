/*
 * sniff_test.c - parser/sniff.c and parser/words.c: which envelopes and
 * header fields make a message worth parsing, and the invariant that
 * ties the milter's pre-check to the engine: every golden fixture the
 * engine diagnoses as a report of any kind is flagged by sniff from its
 * header fields alone (no envelope sender).
 *
 * BOUNCE_TEST_FIXTURES names the fixture folder (default
 * test/golden/fixtures, from the top of the tree, as make runs it).
 * BOUNCE_TEST_BENCH=1 also times sniff on typical header blocks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "engine.h"
#include "sniff.h"
#include "words.h"
#include "fixture_files.h"
#include "words_oracle.h"


static bool
sender_says(const char *addr)
{
	struct bounce_sniff sn;

	bounce_sniff_init(&sn);
	bounce_sniff_sender(&sn, addr, strlen(addr));
	return bounce_sniff_maybe_report(&sn);
}

static bool
field_says(const char *name, const char *value)
{
	struct bounce_sniff sn;

	bounce_sniff_init(&sn);
	bounce_sniff_header(&sn, name, strlen(name), value, strlen(value));
	return bounce_sniff_maybe_report(&sn);
}

static void
null_senders(void **state)
{
	(void)state;
	assert_true(sender_says("<>"));
	assert_true(sender_says(""));
	assert_true(sender_says(" < > "));
	assert_true(sender_says("<MAILER-DAEMON@mx.example.org>"));
	assert_true(sender_says("postmaster"));
	assert_true(sender_says("<double-bounce@mx.example.org>"));
	assert_false(sender_says("<bob@example.org>"));
	assert_false(sender_says("<postmaster-team@example.org>"));
	assert_false(sender_says("bounces+list=example.org@lists.example.net"));
}

/* What the engine makes of a Return-Path field (mv_null_sender). */
static bool
engine_says_null(const char *return_path)
{
	struct bounce_limits lim;
	struct bounce_report *r;
	struct msgview mv;
	char msg[512];
	bool null;
	int n;

	n = snprintf(msg, sizeof(msg), "Return-Path: %s\nFrom: Alice <alice@example.org>\n"
	    "Subject: hello\n\nA line.\n", return_path);
	assert_true(n > 0 && (size_t)n < sizeof(msg));
	bounce_limits_default(&lim);
	assert_non_null(r = report_new());
	memset(&mv, 0, sizeof(mv));
	mv.arena = report_arena(r);
	mv.report = r;
	mv.limits = &lim;
	assert_true(mime_view_build(&mv, msg, (size_t)n));
	null = mv_null_sender(&mv);
	mime_view_release(&mv);
	bounce_report_free(r);
	return null;
}

/* The engine and the pre-check share one definition of a null sender:
 * MAILER-DAEMON@host and double-bounce@host are null for both. */
static void
null_sender_agrees(void **state)
{
	static const char *const rp[] = {
		"<>", "< >", "<MAILER-DAEMON>", "<MAILER-DAEMON@mx.example.org>",
		"<double-bounce@mx.example.net>", "postmaster@example.com",
		"<bob@example.org>", "<postmaster-team@example.org>",
		"<bounces+list=example.org@lists.example.net>",
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(rp) / sizeof(rp[0]); k++)
		if (engine_says_null(rp[k]) != sender_says(rp[k]))
			fail_msg("Return-Path %s: engine and sniff disagree", rp[k]);
	assert_true(engine_says_null("<MAILER-DAEMON@mx.example.org>"));
	assert_true(engine_says_null("<double-bounce@mx.example.net>"));
	assert_false(engine_says_null("<bob@example.org>"));
}

static void
report_fields(void **state)
{
	(void)state;
	assert_true(field_says("content-type", "multipart/report; report-type=delivery-status"));
	assert_true(field_says("Content-Type", " Multipart/Report;\n\treport-type=feedback-report"));
	assert_false(field_says("Content-Type", "multipart/mixed; boundary=x"));
	assert_true(field_says("Auto-Submitted", "auto-replied"));
	assert_true(field_says("Auto-Submitted", "auto-generated"));
	assert_false(field_says("Auto-Submitted", "no"));
	assert_true(field_says("X-Failed-Recipients", "a@example.org"));
	assert_true(field_says("x-apple-unsubscribe", "true"));
	assert_false(field_says("X-MS-Exchange-Message-Is-Ndr", "false"));
	assert_true(field_says("X-MLServer", "fml [fml 4.0.3 release (20011202/4.0.3)]"));
	assert_false(field_says("X-MLServer", "Mailman"));
	assert_true(field_says("Precedence", "auto_reply"));
	assert_false(field_says("Precedence", "bulk"));
	assert_true(field_says("X-Autoreply", "yes"));
	assert_false(field_says("X-Autoreply", ""));
	assert_true(field_says("Return-Path", "<>"));
	assert_false(field_says("X-Autoreply-Policy", "yes"));
}

static void
senders_and_subjects(void **state)
{
	(void)state;
	assert_true(field_says("From", "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"));
	assert_true(field_says("From", "Microsoft Outlook <MicrosoftExchange329e71ec@example.com>"));
	assert_false(field_says("From", "Judy <judy@example.org>"));
	assert_false(field_says("From", "GitHub <notifications@example.com>"));
	assert_true(field_says("Subject", "Undeliverable: Offer for next week"));
	assert_true(field_says("Subject", "Mail delivery failed: returning message to sender"));
	assert_true(field_says("Subject", "Automatic reply: Project kickoff"));
	assert_true(field_says("Subject", "Out of Office: back Monday"));
	assert_true(field_says("Subject", "Réponse automatique : Réunion"));
	assert_true(field_says("Subject", "Respuesta automática: Pedido"));
	assert_true(field_says("Subject", "自動応答: 打ち合わせ"));
	assert_true(field_says("Subject", "メールエラー通知"));
	assert_false(field_says("Subject", "Minutes of Tuesday's meeting"));
	assert_false(field_says("Subject", "Re: automatic reply settings"));
	assert_false(field_says("To", "mailer-daemon@example.org"));
}

/* Encoded words and 8-bit text are read as the engine reads them. */
static void
encoded_values(void **state)
{
	(void)state;
	/* "Undeliverable: Jahresübersicht" */
	assert_true(field_says("Subject", "=?UTF-8?B?VW5kZWxpdmVyYWJsZTogSmFocmVzw7xiZXJzaWNodA==?="));
	/* "Réponse automatique : Devis" */
	assert_true(field_says("Subject", "=?utf-8?q?R=C3=A9ponse_automatique_:_Devis?="));
	/* "自動応答: 会議" in ISO-2022-JP */
	assert_true(field_says("Subject", "=?ISO-2022-JP?B?GyRCPCtGMDF+RXobKEI6IBskQjJxNUQbKEI=?="));
	/* Folded over two encoded words. */
	assert_true(field_says("Subject", "=?UTF-8?Q?Respuesta_autom?=\n =?UTF-8?Q?=C3=A1tica:_Pedido?="));
	/* Latin-1 without any encoding (the engine's fallback charsets try
	 * Shift_JIS before windows-1252, so it needs an "é" that is not a
	 * Shift_JIS lead byte: "Congé" at a word's end). */
	assert_true(field_says("Subject", "R\xe9ponse automatique : Cong\xe9 annuel"));
	/* The name, not the address, says who wrote it. */
	assert_true(field_says("From", "=?UTF-8?Q?Mail_Delivery_System?= <gw@example.com>"));
	/* "Grüße aus Köln": encoded, but an ordinary subject. */
	assert_false(field_says("Subject", "=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?="));
	assert_false(field_says("Subject", "=?UTF-8?Q?Re:_R=C3=A9ponse_automatique?="));
	assert_false(field_says("Subject", "=?broken"));
}

/* A hostile Subject costs a bounded amount of work and memory. */
static void
huge_values(void **state)
{
	size_t len = 1024 * 1024, i;
	char *v = malloc(len + 1);
	struct bounce_sniff sn;

	(void)state;
	assert_non_null(v);
	for (i = 0; i < len; i++)
		v[i] = "=?"[i % 2];
	v[len] = '\0';
	assert_false(field_says("Subject", v));
	memcpy(v, "=?UTF-8?B?", 10);
	for (i = 10; i < len; i++)
		v[i] = 'Q';
	assert_false(field_says("Subject", v));
	for (i = 0; i < len; i++)
		v[i] = (char)(0x80 | (i & 0x3f));
	bounce_sniff_init(&sn);
	bounce_sniff_header(&sn, "From", 4, v, len);
	assert_false(bounce_sniff_maybe_report(&sn));
	free(v);
}

static void
describe_names_signs(void **state)
{
	struct bounce_sniff sn;
	char buf[128], tiny[8];

	(void)state;
	bounce_sniff_init(&sn);
	assert_string_equal(bounce_sniff_describe(&sn, buf, sizeof(buf)), "none");
	bounce_sniff_sender(&sn, "<>", 2);
	bounce_sniff_header(&sn, "Subject", 7, "Undelivered Mail", 16);
	assert_string_equal(bounce_sniff_describe(&sn, buf, sizeof(buf)), "null-sender bounce-subject");
	bounce_sniff_describe(&sn, tiny, sizeof(tiny));
	assert_true(strlen(tiny) < sizeof(tiny));
}

/* Upper-case ASCII copy of w into buf (UTF-8 bytes as they are). */
static struct span
upper(const char *w, char *buf, size_t len)
{
	size_t n = strlen(w), i;

	assert_true(n < len);
	for (i = 0; i < n; i++)
		buf[i] = w[i] >= 'a' && w[i] <= 'z' ? (char)(w[i] - 0x20) : w[i];
	return span_make(buf, n);
}

/* Every word of every list is stored in lower case and is found in
 * upper case, where the list's way of matching allows. */
static void
lists_walk(void **state)
{
	char buf[128], text[256];
	const char *w;
	unsigned l;
	size_t k, i;

	(void)state;
	for (l = 0; l < WORDS_NLISTS; l++) {
		for (k = 0; (w = words_nth(l, k)) != NULL; k++) {
			struct span u = upper(w, buf, sizeof(buf));

			assert_true(strlen(w) > 0);
			for (i = 0; w[i] != '\0'; i++)
				assert_false(w[i] >= 'A' && w[i] <= 'Z');
			assert_true(words_match(l, u));
			/* With text after it: START and ANYWHERE lists only. */
			snprintf(text, sizeof(text), "%.*s tail", (int)u.len, u.p);
			assert_int_equal(words_match(l, span_make(text, strlen(text))),
			    l != WORDS_DAEMON_LOCAL && l != WORDS_AUTOREPLY_FIELD &&
			    l != WORDS_REPORT_FIELD);
			/* With text before it: ANYWHERE lists only. */
			snprintf(text, sizeof(text), "re %.*s", (int)u.len, u.p);
			assert_int_equal(words_match(l, span_make(text, strlen(text))),
			    l == WORDS_DAEMON_SENDER || l == WORDS_BOUNCE_SUBJECT ||
			    l == WORDS_LIST_SERVER || l == WORDS_FORWARD_MARKER);
			/* A word cut short is not the word. */
			if (l != WORDS_DAEMON_SENDER && l != WORDS_BOUNCE_SUBJECT)
				assert_false(words_match(l, span_make(u.p, u.len - 1)));
		}
		assert_true(k > 0 && k <= 64);
	}
	assert_null(words_nth(WORDS_NLISTS, 0));
	assert_false(words_match(WORDS_BOUNCE_SUBJECT, SPAN_EMPTY));
}

/* The one-pass matcher answers as the naive search does, on text made
 * of words (whole, cut, in mixed case), blanks and stray bytes. */
static void
matcher_agrees_with_search(void **state)
{
	static const char junk[] = " :-\xc3\xa9\xe3\x82\xa8=?Aa";
	uint32_t seed = 12345;
	char text[256];
	unsigned round, l, hits = 0;

	(void)state;
	for (round = 0; round < 20000; round++) {
		size_t len = 0, pieces, p;

		seed = seed * 1103515245u + 12345u;
		pieces = 1 + (seed >> 16) % 4;
		for (p = 0; p < pieces; p++) {
			const char *w;
			size_t n, i, cnt = 0;

			seed = seed * 1103515245u + 12345u;
			l = (seed >> 8) % WORDS_NLISTS;
			while (words_nth(l, cnt) != NULL)
				cnt++;
			w = words_nth(l, (seed >> 12) % cnt);
			n = strlen(w);
			if ((seed >> 20) % 3 == 0)
				n -= (seed >> 22) % n;
			for (i = 0; i < n && len < sizeof(text); i++) {
				char c = w[i];

				seed = seed * 1103515245u + 12345u;
				if ((seed >> 16) % 2 && c >= 'a' && c <= 'z')
					c = (char)(c - 0x20);
				text[len++] = c;
			}
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 2 && len < sizeof(text))
				text[len++] = junk[(seed >> 20) % (sizeof(junk) - 1)];
		}
		for (l = 0; l < WORDS_NLISTS; l++) {
			struct span t = span_make(text, len);
			bool fast = words_match(l, t);

			if (fast != words_match_slowly(l, t))
				fail_msg("list %u: words_match says %d on \"%.*s\"", l, fast,
				    (int)len, text);
			hits += fast;
		}
	}
	/* The text must have matched often enough to mean something. */
	assert_true(hits > 10000);
}

/* Every auto-reply subject word makes the engine say "auto-reply" and
 * sniff say "maybe", from an ordinary sender with no other sign. */
static void
autoreply_words_agree(void **state)
{
	char msg[512];
	const char *w;
	size_t k;
	int n;

	(void)state;
	for (k = 0; (w = words_nth(WORDS_AUTOREPLY_SUBJECT, k)) != NULL; k++) {
		struct bounce_report *r;

		n = snprintf(msg, sizeof(msg), "From: Ann <ann@example.net>\n"
		    "To: bob@example.com\nSubject: %s Plans\n\nAway.\n", w);
		assert_true(n > 0 && (size_t)n < sizeof(msg));
		r = bounce_parse(msg, (size_t)n, NULL);
		assert_non_null(r);
		if (r->kind != BOUNCE_KIND_AUTOREPLY)
			fail_msg("engine: \"%s\" is not an auto-reply", w);
		bounce_report_free(r);
		snprintf(msg, sizeof(msg), "%s Plans", w);
		if (!field_says("Subject", msg))
			fail_msg("sniff: \"%s\" is not an auto-reply", w);
	}
}

/* ---- the invariant over the golden fixtures ----------------------------- */

/* The end of the line at p: LF, CRLF or, as the engine reads old Mac
 * files, a lone CR. Sets *next past it. */
static size_t
line_end(const char *p, size_t len, size_t pos, size_t *next)
{
	size_t i;

	for (i = pos; i < len; i++) {
		if (p[i] == '\n') {
			*next = i + 1;
			return i > pos && p[i - 1] == '\r' ? i - 1 : i;
		}
		if (p[i] == '\r' && (i + 1 == len || p[i + 1] != '\n')) {
			*next = i + 1;
			return i;
		}
	}
	*next = len;
	return len;
}

/* Feed the top-level header fields of msg to sn the way a milter gets
 * them: name, value without the leading blank, folds kept as LF. */
static void
sniff_message(struct bounce_sniff *sn, const char *msg, size_t len)
{
	char *value = malloc(len + 1), name[256];
	size_t pos = 0, next, end, vlen = 0, nlen = 0;
	bool open = false;

	assert_non_null(value);
	if (len >= 5 && memcmp(msg, "From ", 5) == 0)
		line_end(msg, len, 0, &pos);
	for (; pos < len; pos = next) {
		const char *line = msg + pos, *colon;
		size_t llen;

		end = line_end(msg, len, pos, &next);
		llen = end - pos;
		if (llen > 0 && (line[0] == ' ' || line[0] == '\t')) {
			if (open) {
				value[vlen++] = '\n';
				memcpy(value + vlen, line, llen);
				vlen += llen;
			}
			continue;
		}
		if (open)
			bounce_sniff_header(sn, name, nlen, value, vlen);
		open = false;
		if (llen == 0)
			break;
		colon = memchr(line, ':', llen);
		if (colon == NULL || colon == line || (size_t)(colon - line) >= sizeof(name))
			continue;
		nlen = (size_t)(colon - line);
		memcpy(name, line, nlen);
		for (colon++; colon < line + llen && (*colon == ' ' || *colon == '\t'); colon++)
			;
		vlen = (size_t)(line + llen - colon);
		memcpy(value, colon, vlen);
		open = true;
	}
	if (open)
		bounce_sniff_header(sn, name, nlen, value, vlen);
	free(value);
}

struct sniff_tally {
	size_t reports, missed;
};

static void
check_sniffed(const char *name, const char *msg, size_t len, void *arg)
{
	struct sniff_tally *t = arg;
	struct bounce_report *r = bounce_parse(msg, len, NULL);
	struct bounce_sniff sn;
	char why[128];

	assert_non_null(r);
	bounce_sniff_init(&sn);
	sniff_message(&sn, msg, len);
	if (r->kind != BOUNCE_KIND_NONE) {
		t->reports++;
		if (!bounce_sniff_maybe_report(&sn)) {
			t->missed++;
			print_error("%s: the engine says %s, sniff says %s\n",
			    name, bounce_kind_name(r->kind),
			    bounce_sniff_describe(&sn, why, sizeof(why)));
		}
	}
	bounce_report_free(r);
}

static void
engine_reports_are_sniffed(void **state)
{
	struct sniff_tally t = { 0, 0 };

	(void)state;
	fixture_files_each(check_sniffed, &t);
	print_message("%zu reports among the fixtures, %zu missed by sniff\n", t.reports, t.missed);
	assert_true(t.reports >= 50);
	assert_int_equal(t.missed, 0);
}

/* ---- speed (BOUNCE_TEST_BENCH=1) ---------------------------------------- */

static const char *const bench_fields[][2] = {
	{ "Return-Path", "<alice@example.com>" },
	{ "Received", "from mx.example.com (mx.example.com [192.0.2.10])\n\tby mail.example.org (Postfix) with ESMTPS id 4F1A2B3C4D\n\tfor <bob@example.org>; Tue, 06 May 2025 08:14:02 +0200 (CEST)" },
	{ "DKIM-Signature", "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=s1;\n\th=from:to:subject:date; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGVzdA==" },
	{ "From", "Alice Example <alice@example.com>" },
	{ "To", "Bob <bob@example.org>" },
	{ "Subject", "Minutes of the planning meeting and next steps for the quarter" },
	{ "Date", "Tue, 06 May 2025 08:13:58 +0200" },
	{ "Message-ID", "<20250506081358.1234@example.com>" },
	{ "MIME-Version", "1.0" },
	{ "Content-Type", "multipart/alternative; boundary=\"b1\"" },
	{ "List-Unsubscribe", "<mailto:leave@example.com>" },
};

static void
sniff_speed(void **state)
{
	const unsigned rounds = 200000;
	struct timespec t0, t1;
	struct bounce_sniff sn;
	unsigned i, flagged = 0;
	size_t f, nf = sizeof(bench_fields) / sizeof(bench_fields[0]);
	double ns;

	(void)state;
	if (getenv("BOUNCE_TEST_BENCH") == NULL)
		skip();
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (i = 0; i < rounds; i++) {
		bounce_sniff_init(&sn);
		bounce_sniff_sender(&sn, "<alice@example.com>", 19);
		for (f = 0; f < nf; f++)
			bounce_sniff_header(&sn, bench_fields[f][0], strlen(bench_fields[f][0]),
			    bench_fields[f][1], strlen(bench_fields[f][1]));
		flagged += bounce_sniff_maybe_report(&sn);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / rounds;
	print_message("sniff: %.0f ns CPU per ordinary message (%zu fields), %u flagged\n",
	    ns, nf, flagged);
	assert_int_equal(flagged, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(null_senders),
		cmocka_unit_test(null_sender_agrees),
		cmocka_unit_test(report_fields),
		cmocka_unit_test(senders_and_subjects),
		cmocka_unit_test(encoded_values),
		cmocka_unit_test(huge_values),
		cmocka_unit_test(describe_names_signs),
		cmocka_unit_test(lists_walk),
		cmocka_unit_test(matcher_agrees_with_search),
		cmocka_unit_test(autoreply_words_agree),
		cmocka_unit_test(engine_reports_are_sniffed),
		cmocka_unit_test(sniff_speed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
