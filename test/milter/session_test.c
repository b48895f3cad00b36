/*
 * session_test.c - milter/wire.c and milter/session.c: the protocol as
 * an MTA speaks it, fed byte by byte or in one piece; what is asked for
 * at negotiation; ordinary mail accepted at the end of its header, forged
 * fields deleted, bounces annotated, bodies skipped; and broken or
 * random input ending the connection without harm.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "runtime.h"
#include "session.h"
#include "wire.h"

#define ALL_ACTS	0x1ffUL		/* what Postfix 3.7 offers */
#define ALL_STEPS	0x1fffffUL

/* Bytes an MTA sends: packets appended one after the other. */
struct mta {
	unsigned char	buf[1 << 21];
	size_t		len;
};

static void
put_packet(struct mta *m, int cmd, const void *data, size_t len)
{
	uint32_t n = htonl((uint32_t)len + 1);

	assert_true(m->len + 5 + len <= sizeof(m->buf));
	memcpy(m->buf + m->len, &n, 4);
	m->buf[m->len + 4] = (unsigned char)cmd;
	memcpy(m->buf + m->len + 5, data, len);
	m->len += 5 + len;
}

/* A packet of NUL-terminated strings; the list ends with NULL. */
static void
put_strings(struct mta *m, int cmd, ...)
{
	char data[4096];
	size_t len = 0;
	const char *s;
	va_list ap;

	va_start(ap, cmd);
	while ((s = va_arg(ap, const char *)) != NULL) {
		assert_true(len + strlen(s) + 1 <= sizeof(data));
		memcpy(data + len, s, strlen(s) + 1);
		len += strlen(s) + 1;
	}
	va_end(ap);
	put_packet(m, cmd, data, len);
}

static void
put_optneg(struct mta *m, uint32_t version, uint32_t acts, uint32_t steps)
{
	uint32_t v[3] = { htonl(version), htonl(acts), htonl(steps) };

	put_packet(m, SMFIC_OPTNEG, v, sizeof(v));
}

static void
put_macro(struct mta *m, int stage, const char *name, const char *value)
{
	char data[256];
	size_t len = 1;

	data[0] = (char)stage;
	memcpy(data + len, name, strlen(name) + 1);
	len += strlen(name) + 1;
	memcpy(data + len, value, strlen(value) + 1);
	len += strlen(value) + 1;
	put_packet(m, SMFIC_MACRO, data, len);
}

/* Feed the bytes to a session in reads of at most chunk bytes, as
 * server.c does; returns false when the session ended the connection. */
static bool
feed(struct session *s, const struct mta *m, size_t chunk, struct wire_out *out)
{
	struct wire_in in = { 0 };
	struct wire_packet p;
	enum wire_status st = WIRE_MORE;
	size_t done = 0;
	bool more = true;

	while (more && done < m->len) {
		size_t room, n;
		unsigned char *dst = wire_space(&in, &room);

		assert_non_null(dst);
		n = m->len - done;
		if (n > room)
			n = room;
		if (n > chunk)
			n = chunk;
		memcpy(dst, m->buf + done, n);
		done += n;
		wire_got(&in, n);
		while (more && (st = wire_next(&in, &p)) == WIRE_PACKET)
			more = session_packet(s, &p, out);
		if (st == WIRE_BAD)
			more = false;
	}
	wire_in_free(&in);
	return more;
}

/* The answers, parsed back: commands in order, and one packet's data. */
struct answers {
	char		cmds[256];
	size_t		n;
	unsigned char	data[64][2048];
	size_t		dlen[64];
};

static void
parse_answers(const struct wire_out *out, struct answers *a)
{
	size_t off = 0;

	memset(a, 0, sizeof(*a));
	while (off < out->len) {
		uint32_t n;

		assert_true(out->len - off >= 5);
		memcpy(&n, out->buf + off, 4);
		n = ntohl(n);
		assert_true(n >= 1 && out->len - off - 4 >= n);
		assert_true(a->n < sizeof(a->cmds) - 1);
		a->cmds[a->n] = (char)out->buf[off + 4];
		if (a->n < 64 && n - 1 <= sizeof(a->data[0])) {
			memcpy(a->data[a->n], out->buf + off + 5, n - 1);
			a->dlen[a->n] = n - 1;
		}
		a->n++;
		off += 4 + n;
	}
}

static uint32_t
u32_at(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static struct mta mta;

/* A whole message file as header fields and one body. */
static void
put_message_file(struct mta *m, const char *path)
{
	static char text[1 << 20];
	char *line, *body, *save;
	FILE *fp = fopen(path, "rb");
	size_t n;

	assert_non_null(fp);
	n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	body = strstr(text, "\n\n");
	assert_non_null(body);
	*body = '\0';
	body += 2;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':'), *v;

		if (line[0] == ' ' || line[0] == '\t' || colon == NULL)
			continue;	/* the fixtures' folds do not matter here */
		*colon = '\0';
		v = colon + 1;
		if (*v == ' ')
			v++;
		put_strings(m, SMFIC_HEADER, line, v, NULL);
	}
	put_macro(m, SMFIC_EOH, "i", "4TESTQID");
	put_packet(m, SMFIC_EOH, "", 0);
	put_packet(m, SMFIC_BODY, body, strlen(body));
}

static void
put_envelope(struct mta *m, const char *sender)
{
	put_packet(m, SMFIC_ABORT, "", 0);
	put_macro(m, SMFIC_MAIL, "i", "");
	put_strings(m, SMFIC_MAIL, sender, NULL);
	put_macro(m, SMFIC_RCPT, "i", "4TESTQID");
	put_macro(m, SMFIC_DATA, "i", "4TESTQID");
}

static int
setup(void **state)
{
	char cwd[PATH_MAX], conf[] = "/tmp/session_test.XXXXXX", err[2048];
	struct runtime *rt;
	FILE *fp;
	int fd;

	(void)state;
	log_setup("session_test", false, LOG_MAIL, false, LOG_ERR);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_true((fd = mkstemp(conf)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	fprintf(fp, "RulesDir %s/rules\nSyslog no\n", cwd);
	fclose(fp);
	rt = runtime_load(conf, NULL, err, sizeof(err));
	unlink(conf);
	if (rt == NULL)
		fail_msg("%s", err);
	runtime_install(rt);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	runtime_shutdown();
	return 0;
}

static void
negotiation_asks_for_little(void **state)
{
	struct session *s = session_new(true, 1, false);
	struct wire_out out = { 0 };
	struct answers a;
	uint32_t steps, stage;

	(void)state;
	mta.len = 0;
	put_optneg(&mta, 6, ALL_ACTS, ALL_STEPS);
	assert_true(feed(s, &mta, SIZE_MAX, &out));
	parse_answers(&out, &a);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.cmds[0], SMFIC_OPTNEG);
	/* The three words, then one macro list per stage: "i" only. */
	assert_int_equal(a.dlen[0], 12 + 7 * (4 + 2));
	for (stage = 0; stage < 7; stage++) {
		assert_int_equal(u32_at(a.data[0] + 12 + 6 * stage), stage);
		assert_memory_equal(a.data[0] + 12 + 6 * stage + 4, "i", 2);
	}
	assert_int_equal(u32_at(a.data[0]), 6);
	assert_int_equal(u32_at(a.data[0] + 4), SMFIF_ADDHDRS | SMFIF_CHGHDRS |
	    SMFIF_ADDRCPT | SMFIF_DELRCPT | SMFIF_QUARANTINE | SMFIF_SETSYMLIST);
	steps = u32_at(a.data[0] + 8);
	assert_true(steps & SMFIP_NOCONNECT);
	assert_true(steps & SMFIP_NOHELO);
	assert_true(steps & SMFIP_NORCPT);	/* no redirect route */
	assert_true(steps & SMFIP_NODATA);
	assert_true(steps & SMFIP_NR_MAIL);
	assert_true(steps & SMFIP_NR_HDR);
	assert_true(steps & SMFIP_SKIP);
	/* Headers, end of header and body are read and answered. */
	assert_false(steps & (SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NOMAIL));
	assert_false(steps & (SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_HDR_LEADSPC));
	wire_out_free(&out);
	session_free(s);
}

static void
negotiation_without_no_reply(void **state)
{
	struct session *s = session_new(false, 1, false);
	struct wire_out out = { 0 };
	struct answers a;
	uint32_t steps;

	(void)state;
	mta.len = 0;
	put_optneg(&mta, 6, ALL_ACTS, ALL_STEPS);
	assert_true(feed(s, &mta, SIZE_MAX, &out));
	parse_answers(&out, &a);
	steps = u32_at(a.data[0] + 8);
	assert_false(steps & (SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_DATA |
	    SMFIP_NODATA));
	assert_true(steps & SMFIP_NOCONNECT);
	wire_out_free(&out);
	session_free(s);
}

/* An old MTA: version 2, no SKIP; we take what it has. */
static void
negotiation_within_the_offer(void **state)
{
	struct session *s = session_new(true, 1, false);
	struct wire_out out = { 0 };
	struct answers a;

	(void)state;
	mta.len = 0;
	put_optneg(&mta, 2, SMFIF_ADDHDRS | SMFIF_CHGHDRS, SMFIP_NOCONNECT | SMFIP_NOHELO);
	assert_true(feed(s, &mta, SIZE_MAX, &out));
	parse_answers(&out, &a);
	assert_int_equal(a.dlen[0], 12);
	assert_int_equal(u32_at(a.data[0]), 2);
	assert_int_equal(u32_at(a.data[0] + 4), SMFIF_ADDHDRS | SMFIF_CHGHDRS);
	assert_int_equal(u32_at(a.data[0] + 8), SMFIP_NOCONNECT | SMFIP_NOHELO);
	wire_out_free(&out);
	session_free(s);
}

/* With no-reply steps the only answer to an ordinary message is the
 * accept at the end of its header. */
static void
ordinary_mail_one_answer(void **state)
{
	struct session *s = session_new(true, 1, false);
	struct wire_out out = { 0 };
	struct answers a;

	(void)state;
	mta.len = 0;
	put_optneg(&mta, 6, ALL_ACTS, ALL_STEPS);
	put_envelope(&mta, "<judy@example.org>");
	put_strings(&mta, SMFIC_HEADER, "From", "Judy <judy@example.org>", NULL);
	put_strings(&mta, SMFIC_HEADER, "To", "carol@example.com", NULL);
	put_strings(&mta, SMFIC_HEADER, "Subject", "Minutes\n\tof Tuesday", NULL);
	put_macro(&mta, SMFIC_EOH, "i", "4TESTQID");
	put_packet(&mta, SMFIC_EOH, "", 0);
	assert_true(feed(s, &mta, SIZE_MAX, &out));
	parse_answers(&out, &a);
	assert_string_equal(a.cmds, "Oa");
	assert_int_equal(session_messages_open(), 0);
	wire_out_free(&out);
	session_free(s);
}

/* Forged fields on ordinary mail: read to the end, deleted per name from
 * the highest index down, nothing added. */
static void
forged_fields_deleted(void **state)
{
	struct session *s = session_new(true, 1, false);
	struct wire_out out = { 0 };
	struct answers a;

	(void)state;
	mta.len = 0;
	put_optneg(&mta, 6, ALL_ACTS, ALL_STEPS);
	put_envelope(&mta, "<mallory@example.net>");
	put_strings(&mta, SMFIC_HEADER, "From", "mallory@example.net", NULL);
	put_strings(&mta, SMFIC_HEADER, "X-Bounce-Category", "delivered", NULL);
	put_strings(&mta, SMFIC_HEADER, "Subject", "Your invoice", NULL);
	put_strings(&mta, SMFIC_HEADER, "x-bounce-category", "delivered", NULL);
	put_strings(&mta, SMFIC_HEADER, "X-Bounce-Summary", "All fine.", NULL);
	put_packet(&mta, SMFIC_EOH, "", 0);
	put_packet(&mta, SMFIC_BODY, "Pay now.\r\n", 10);
	put_packet(&mta, SMFIC_BODYEOB, "", 0);
	assert_true(feed(s, &mta, SIZE_MAX, &out));
	parse_answers(&out, &a);
	/* EOH continue, body skipped (not a report), three deletes, end. */
	assert_string_equal(a.cmds, "Ocsmmmc");
	assert_int_equal(u32_at(a.data[3]), 2);
	assert_string_equal((const char *)a.data[3] + 4, "X-Bounce-Category");
	assert_int_equal(a.data[3][4 + strlen("X-Bounce-Category") + 1], '\0');
	assert_int_equal(u32_at(a.data[4]), 1);
	assert_int_equal(u32_at(a.data[5]), 1);
	assert_string_equal((const char *)a.data[5] + 4, "X-Bounce-Summary");
	wire_out_free(&out);
	session_free(s);
}

/* A bounce, whole or in reads of 1 and 7 bytes: the same answers. */
static void
bounce_annotated_however_read(void **state)
{
	static const size_t chunks[] = { SIZE_MAX, 1, 7 };
	struct wire_out first = { 0 };
	size_t i;

	(void)state;
	mta.len = 0;
	put_optneg(&mta, 6, ALL_ACTS, ALL_STEPS);
	put_envelope(&mta, "<>");
	put_message_file(&mta, "test/milter/fixtures/postfix-dsn.eml");
	put_macro(&mta, SMFIC_BODYEOB, "i", "4TESTQID");
	put_packet(&mta, SMFIC_BODYEOB, "", 0);
	put_packet(&mta, SMFIC_QUIT, "", 0);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct session *s = session_new(true, 1, false);
		struct wire_out out = { 0 };
		struct answers a;
		size_t k;
		bool saw_category = false;

		assert_false(feed(s, &mta, chunks[i], &out));	/* QUIT ends it */
		parse_answers(&out, &a);
		assert_int_equal(a.cmds[0], SMFIC_OPTNEG);
		assert_int_equal(a.cmds[1], SMFIR_CONTINUE);	/* EOH */
		assert_int_equal(a.cmds[2], SMFIR_CONTINUE);	/* body */
		assert_int_equal(a.cmds[a.n - 1], SMFIR_CONTINUE);
		for (k = 3; k + 1 < a.n; k++) {
			assert_int_equal(a.cmds[k], SMFIR_ADDHEADER);
			if (strcmp((const char *)a.data[k], "X-Bounce-Category") == 0) {
				assert_string_equal((const char *)a.data[k] + 18, "mailbox-missing");
				saw_category = true;
			}
		}
		assert_true(saw_category);
		if (i == 0) {
			first = out;
		} else {
			assert_int_equal(out.len, first.len);
			assert_memory_equal(out.buf, first.buf, out.len);
			wire_out_free(&out);
		}
		assert_int_equal(session_messages_open(), 0);
		session_free(s);
	}
	wire_out_free(&first);
}

/* Past MaxScanBytes (1 MB by default) the body is skipped. */
static void
long_body_skipped(void **state)
{
	static char chunk[65535];
	struct session *s = session_new(true, 1, false);
	struct wire_out out = { 0 };
	struct answers a;
	int i;

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	mta.len = 0;
	put_optneg(&mta, 6, ALL_ACTS, ALL_STEPS);
	put_envelope(&mta, "<>");
	put_strings(&mta, SMFIC_HEADER, "Content-Type", "multipart/report; report-type=delivery-status; boundary=b", NULL);
	put_packet(&mta, SMFIC_EOH, "", 0);
	for (i = 0; i < 20; i++)
		put_packet(&mta, SMFIC_BODY, chunk, sizeof(chunk));
	assert_true(feed(s, &mta, SIZE_MAX, &out));
	parse_answers(&out, &a);
	assert_int_equal(a.cmds[1], SMFIR_CONTINUE);
	assert_non_null(strchr(a.cmds, SMFIR_SKIP));
	assert_true(strchr(a.cmds, SMFIR_SKIP) - a.cmds <= 2 + 17);
	wire_out_free(&out);
	session_free(s);
	assert_int_equal(session_messages_open(), 0);
}

/* Abort and QUIT_NC drop the message; the connection goes on. */
static void
abort_and_new_client(void **state)
{
	struct session *s = session_new(true, 1, false);
	struct wire_out out = { 0 };
	struct answers a;

	(void)state;
	mta.len = 0;
	put_optneg(&mta, 6, ALL_ACTS, ALL_STEPS);
	put_envelope(&mta, "<>");
	put_strings(&mta, SMFIC_HEADER, "Subject", "Undelivered Mail Returned to Sender", NULL);
	assert_true(feed(s, &mta, SIZE_MAX, &out));
	assert_int_equal(session_messages_open(), 1);
	mta.len = 0;
	put_packet(&mta, SMFIC_QUIT_NC, "", 0);
	assert_true(feed(s, &mta, SIZE_MAX, &out));
	assert_int_equal(session_messages_open(), 0);
	mta.len = 0;
	put_envelope(&mta, "<judy@example.org>");
	put_strings(&mta, SMFIC_HEADER, "Subject", "hello", NULL);
	put_packet(&mta, SMFIC_EOH, "", 0);
	assert_true(feed(s, &mta, SIZE_MAX, &out));
	parse_answers(&out, &a);
	assert_string_equal(a.cmds, "Oa");
	wire_out_free(&out);
	session_free(s);
}

/* What ends a connection: the MTA's QUIT and its protocol errors. */
static void
broken_input_ends_the_connection(void **state)
{
	static const struct {
		const char	*name;
		int		 cmd;
		const char	*data;
		size_t		 len;
		bool		 negotiate;
	} cases[] = {
		{ "command before negotiation", SMFIC_MAIL, "<>", 3, false },
		{ "short negotiation", SMFIC_OPTNEG, "\0\0\0\6", 4, false },
		{ "version 1", SMFIC_OPTNEG, "\0\0\0\1\0\0\0\0\0\0\0\0", 12, false },
		{ "header without NUL", SMFIC_HEADER, "Subject", 7, true },
		{ "header without value", SMFIC_HEADER, "Subject\0", 8, true },
		{ "macro without stage", SMFIC_MACRO, "", 0, true },
		{ "unknown command", 'Z', "", 0, true },
		{ "quit", SMFIC_QUIT, "", 0, true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct session *s = session_new(true, 1, false);
		struct wire_out out = { 0 };

		mta.len = 0;
		if (cases[i].negotiate)
			put_optneg(&mta, 6, ALL_ACTS, ALL_STEPS);
		put_packet(&mta, cases[i].cmd, cases[i].data, cases[i].len);
		if (feed(s, &mta, SIZE_MAX, &out))
			fail_msg("%s: the connection went on", cases[i].name);
		wire_out_free(&out);
		session_free(s);
	}
}

static void
framing_limits(void **state)
{
	struct wire_in in = { 0 };
	struct wire_packet p;
	unsigned char *dst;
	size_t room, pos = 0;
	uint32_t v;

	(void)state;
	/* Length 0 and more than WIRE_MAX are refused. */
	dst = wire_space(&in, &room);
	memcpy(dst, "\0\0\0\0A", 5);
	wire_got(&in, 5);
	assert_int_equal(wire_next(&in, &p), WIRE_BAD);
	wire_in_free(&in);
	v = htonl(WIRE_MAX + 1);
	dst = wire_space(&in, &room);
	memcpy(dst, &v, 4);
	wire_got(&in, 4);
	assert_int_equal(wire_next(&in, &p), WIRE_BAD);
	wire_in_free(&in);
	/* A packet of WIRE_MAX fits once the buffer has grown for it. */
	v = htonl(WIRE_MAX);
	dst = wire_space(&in, &room);
	memcpy(dst, &v, 4);
	dst[4] = SMFIC_BODY;
	wire_got(&in, 5);
	assert_int_equal(wire_next(&in, &p), WIRE_MORE);
	dst = wire_space(&in, &room);
	assert_true(room >= WIRE_MAX - 1);
	memset(dst, 'x', WIRE_MAX - 1);
	wire_got(&in, WIRE_MAX - 1);
	assert_int_equal(wire_next(&in, &p), WIRE_PACKET);
	assert_int_equal(p.len, WIRE_MAX - 1);
	wire_in_free(&in);
	/* Reading data never passes its end. */
	p.data = (const unsigned char *)"ab\0cd";
	p.len = 5;
	assert_string_equal(wire_str(&p, &pos), "ab");
	assert_null(wire_str(&p, &pos));	/* "cd" has no NUL */
	pos = 3;
	assert_false(wire_u32(&p, &pos, &v));
	pos = 6;
	assert_null(wire_str(&p, &pos));
}

/* Random packets after a negotiation: no crash, no leak, no message left
 * open (the sanitizer build runs this too). */
static void
random_packets(void **state)
{
	static const char cmds[] = "ABCDEHKLMNOQRTUZ";
	unsigned seed = 20261122;
	int round;

	(void)state;
	for (round = 0; round < 4000; round++) {
		struct session *s = session_new(round & 1, (unsigned long)round, false);
		struct wire_out out = { 0 };
		int k, npk = 1 + rand_r(&seed) % 12;

		mta.len = 0;
		put_optneg(&mta, 6, ALL_ACTS, ALL_STEPS);
		/* Half the rounds start inside a message that may be a report. */
		if (round % 4 < 2) {
			put_envelope(&mta, round % 4 == 0 ? "<>" : "<judy@example.org>");
			put_strings(&mta, SMFIC_HEADER, "Content-Type",
			    "multipart/report; report-type=delivery-status; boundary=b", NULL);
			put_strings(&mta, SMFIC_HEADER, "X-Bounce-Category", "forged", NULL);
		}
		for (k = 0; k < npk; k++) {
			unsigned char data[300];
			size_t len = (size_t)(rand_r(&seed) % (int)sizeof(data)), j;

			for (j = 0; j < len; j++)
				data[j] = (unsigned char)(rand_r(&seed) % 4 == 0 ? 0 : rand_r(&seed));
			put_packet(&mta, cmds[rand_r(&seed) % (int)(sizeof(cmds) - 1)], data, len);
		}
		if (round % 4 < 2)
			put_packet(&mta, SMFIC_BODYEOB, "", 0);
		feed(s, &mta, 1 + (size_t)(rand_r(&seed) % 64), &out);
		wire_out_free(&out);
		session_free(s);
		assert_int_equal(session_messages_open(), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(negotiation_asks_for_little),
		cmocka_unit_test(negotiation_without_no_reply),
		cmocka_unit_test(negotiation_within_the_offer),
		cmocka_unit_test(ordinary_mail_one_answer),
		cmocka_unit_test(forged_fields_deleted),
		cmocka_unit_test(bounce_annotated_however_read),
		cmocka_unit_test(long_body_skipped),
		cmocka_unit_test(abort_and_new_client),
		cmocka_unit_test(broken_input_ends_the_connection),
		cmocka_unit_test(framing_limits),
		cmocka_unit_test(random_packets),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
