/*
 * fuzz_session.c - the milter protocol as bouncemilter speaks it
 * (milter/wire.c framing, milter/session.c conversation) on any byte
 * stream an MTA, or something pretending to be one, could send.
 *
 * The first input byte picks how the stream is cut into reads (one
 * byte at a time up to all at once), as server.c would see it from a
 * socket; the rest is the stream. Packets go to one session until it
 * ends the connection. Checked: every answer is a well-formed packet
 * (a length of at least one, within what was written, a known command)
 * and the session never answers after it said the connection ends.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "../../milter/log.h"
#include "../../milter/runtime.h"
#include "../../milter/session.h"
#include "../../milter/wire.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *rules = getenv("BOUNCE_FUZZ_RULES");
	char conf[4096], err[2048];
	struct runtime *rt;
	FILE *fp;

	(void)argc;
	(void)argv;
	log_setup("fuzz_session", false, LOG_MAIL, false, LOG_EMERG);
	snprintf(conf, sizeof(conf), "%s/session.conf", fuzz_tmpdir());
	if ((fp = fopen(conf, "w")) == NULL)
		fuzz_fail("cannot write the config", conf);
	fprintf(fp, "RulesDir %s\nSyslog no\nMaxScanBytes 64K\n", rules ? rules : "rules");
	fclose(fp);
	if ((rt = runtime_load(conf, NULL, err, sizeof(err))) == NULL)
		fuzz_fail("runtime_load", err);
	runtime_install(rt);
	return 0;
}

static bool
known_reply(int c)
{
	return strchr("+-acdhmqsO", c) != NULL;
}

static void
check_answers(const struct wire_out *out)
{
	size_t off = 0;

	while (off < out->len) {
		uint32_t n;

		if (out->len - off < 5)
			fuzz_fail("answer shorter than a packet header", "wire_out");
		memcpy(&n, out->buf + off, 4);
		n = ntohl(n);
		if (n < 1 || out->len - off - 4 < n)
			fuzz_fail("answer length wrong", "wire_out");
		if (!known_reply(out->buf[off + 4]))
			fuzz_fail("answer with an unknown command", "wire_out");
		off += 4 + n;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t chunks[] = { 1, 3, 7, 64, 4096, SIZE_MAX };
	struct session *s;
	struct wire_in in = { 0 };
	struct wire_out out = { 0 };
	struct wire_packet p;
	enum wire_status st = WIRE_MORE;
	size_t chunk, done = 1;
	bool more = true;

	if (size == 0)
		return 0;
	chunk = chunks[data[0] % (sizeof(chunks) / sizeof(chunks[0]))];
	if ((s = session_new(data[0] & 0x80, 1, false)) == NULL)
		fuzz_fail("session_new returned NULL", "out of memory?");
	while (more && done < size) {
		size_t room, n;
		unsigned char *dst = wire_space(&in, &room);

		if (dst == NULL)
			fuzz_fail("wire_space returned NULL", "out of memory?");
		n = size - done;
		if (n > room)
			n = room;
		if (n > chunk)
			n = chunk;
		memcpy(dst, data + done, n);
		done += n;
		wire_got(&in, n);
		while (more && (st = wire_next(&in, &p)) == WIRE_PACKET)
			more = session_packet(s, &p, &out);
		if (st == WIRE_BAD)
			more = false;
	}
	check_answers(&out);
	wire_in_free(&in);
	wire_out_free(&out);
	session_free(s);
	if (session_messages_open() != 0)
		fuzz_fail("a message still counted open after its session ended",
		    "session_messages_open");
	return 0;
}
