/*
 * testmode.c - one message through msg.c as an MTA would pass it
 * (see testmode.h).
 *
 * The file is cut the way Postfix cuts a message for a milter: header
 * fields with their continuation lines (one leading blank of the value
 * eaten, folds as "\n"), then the body with CRLF line ends in chunks of
 * at most 65535 bytes. The envelope comes from the trace fields a
 * delivered message carries: Return-Path for the sender, X-Original-To
 * or Delivered-To for the recipient. A leading mbox "From " line is
 * skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "actions.h"
#include "msg.h"
#include "testmode.h"

#define TEST_MAX_BYTES	(256 * 1024 * 1024)
#define CHUNK_MAX	65535		/* MILTER_CHUNK_SIZE */
#define FIELD_MAX	(1024 * 1024)

struct input {
	char	*p;
	size_t	 len;
};

static bool
read_all(const char *path, struct input *in)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 0;

	in->p = NULL;
	in->len = 0;
	if (fp == NULL)
		return false;
	for (;;) {
		size_t n;

		if (in->len == cap) {
			char *np;

			if (cap >= TEST_MAX_BYTES)
				break;
			cap = cap ? cap * 2 : 65536;
			if ((np = realloc(in->p, cap + 1)) == NULL)
				break;
			in->p = np;
		}
		n = fread(in->p + in->len, 1, cap - in->len, fp);
		if (n == 0)
			break;
		in->len += n;
	}
	if (fp != stdin)
		fclose(fp);
	if (in->p == NULL)
		in->p = calloc(1, 1);
	return in->p != NULL;
}

/* One line of in from *pos, without its LF or CRLF. */
static bool
next_line(const struct input *in, size_t *pos, const char **line, size_t *len)
{
	const char *start, *nl;

	if (*pos >= in->len)
		return false;
	start = in->p + *pos;
	nl = memchr(start, '\n', in->len - *pos);
	*len = nl ? (size_t)(nl - start) : in->len - *pos;
	*pos += *len + (nl != NULL);
	if (*len > 0 && start[*len - 1] == '\r')
		(*len)--;
	*line = start;
	return true;
}

/* Copy a trace field's address without brackets or blanks. */
static void
envelope_addr(char *dst, size_t dstlen, const char *value)
{
	size_t n = 0;

	for (; *value != '\0' && n + 1 < dstlen; value++)
		if (*value != '<' && *value != '>' && *value != ' ' && *value != '\t' && *value != '\n')
			dst[n++] = *value;
	dst[n] = '\0';
}

struct fields {
	char	sender[512];
	bool	have_sender;
	char	rcpt[512];
};

/* A complete field: note the envelope, and pass it on when asked. */
static void
field(struct msg *m, struct fields *f, const char *name, const char *value, bool pass)
{
	if (strcasecmp(name, "Return-Path") == 0 && !f->have_sender) {
		envelope_addr(f->sender, sizeof(f->sender), value);
		f->have_sender = true;
	} else if ((strcasecmp(name, "X-Original-To") == 0 ||
	    strcasecmp(name, "Delivered-To") == 0) && f->rcpt[0] == '\0')
		envelope_addr(f->rcpt, sizeof(f->rcpt), value);
	if (pass)
		msg_header(m, name, value);
}

/*
 * The header section: returns where the body starts. Fields are passed
 * once complete; the envelope is given before the first one, as in SMTP,
 * which is why the section is read twice.
 */
static size_t
headers(struct msg *m, const struct input *in, struct fields *f, bool pass)
{
	char *cur = malloc(FIELD_MAX + 1);
	char name[256];
	size_t pos = 0, mark = 0, clen = 0, len;
	const char *line;
	bool have = false;

	if (cur == NULL)
		return 0;
	if (in->len >= 5 && memcmp(in->p, "From ", 5) == 0)
		next_line(in, &pos, &line, &len);
	for (mark = pos; next_line(in, &pos, &line, &len); mark = pos) {
		const char *colon;

		if (len > 0 && (line[0] == ' ' || line[0] == '\t') && have) {
			if (clen + 1 + len <= FIELD_MAX) {
				cur[clen++] = '\n';
				memcpy(cur + clen, line, len);
				clen += len;
			}
			continue;
		}
		if (have) {
			cur[clen] = '\0';
			field(m, f, name, cur, pass);
		}
		have = false;
		if (len == 0) {
			mark = pos;
			break;
		}
		colon = memchr(line, ':', len);
		if (colon == NULL || colon == line || (size_t)(colon - line) >= sizeof(name) ||
		    memchr(line, ' ', (size_t)(colon - line)) != NULL)
			break;		/* not a field: the body starts here */
		memcpy(name, line, (size_t)(colon - line));
		name[colon - line] = '\0';
		colon++;
		if (colon < line + len && (*colon == ' ' || *colon == '\t'))
			colon++;	/* the MTA eats one leading blank */
		clen = (size_t)(line + len - colon);
		if (clen > FIELD_MAX)
			clen = FIELD_MAX;
		memcpy(cur, colon, clen);
		have = true;
	}
	if (have) {
		cur[clen] = '\0';
		field(m, f, name, cur, pass);
		mark = pos;
	}
	free(cur);
	return mark;
}

/* The body as CRLF lines, in MTA-sized chunks. */
static enum msg_step
body(struct msg *m, const struct input *in, size_t pos, size_t *fed)
{
	char *chunk = malloc(CHUNK_MAX + 1);
	const char *line;
	size_t len, n = 0;
	enum msg_step step = MSG_CONTINUE;

	*fed = 0;
	if (chunk == NULL)
		return MSG_SKIP;
	while (step == MSG_CONTINUE && next_line(in, &pos, &line, &len)) {
		while (step == MSG_CONTINUE && len + 2 > CHUNK_MAX - n) {
			size_t take = CHUNK_MAX - n;

			if (take > len)
				take = len;
			memcpy(chunk + n, line, take);
			n += take, line += take, len -= take;
			step = msg_body(m, chunk, n);
			*fed += n;
			n = 0;
		}
		memcpy(chunk + n, line, len);
		n += len;
		memcpy(chunk + n, "\r\n", 2);
		n += 2;
	}
	if (step == MSG_CONTINUE && n > 0) {
		step = msg_body(m, chunk, n);
		*fed += n;
	}
	free(chunk);
	return step;
}

int
testmode_run(const char *path)
{
	struct fields f = { "", false, "" };
	struct actions acts;
	struct input in;
	struct msg *m;
	size_t start, fed;

	if (!read_all(path, &in)) {
		fprintf(stderr, "bouncemilter: %s: %s\n", path, strerror(errno));
		free(in.p);
		return EX_NOINPUT;
	}
	if ((m = msg_new()) == NULL) {
		fprintf(stderr, "bouncemilter: out of memory\n");
		free(in.p);
		return EX_SOFTWARE;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);	/* keep order with log lines */
	msg_set_queue_id(m, "TESTMODE");
	headers(m, &in, &f, false);
	printf("mail from: <%s>\n", f.have_sender ? f.sender : "(unknown)");
	msg_sender(m, f.have_sender ? f.sender : "test-sender@invalid");
	if (f.rcpt[0] != '\0') {
		char br[520];

		printf("rcpt to: <%s>\n", f.rcpt);
		snprintf(br, sizeof(br), "<%s>", f.rcpt);
		msg_recipient(m, br);
	}
	start = headers(m, &in, &f, true);
	if (msg_eoh(m) == MSG_ACCEPT) {
		printf("end of header: accept (not a report, nothing to remove)\n");
		printf("result: accept unchanged\n");
		msg_free(m);
		free(in.p);
		return EX_OK;
	}
	printf("end of header: continue\n");
	if (body(m, &in, start, &fed) == MSG_SKIP)
		printf("body: skip after %zu bytes\n", fed);
	else
		printf("body: %zu bytes read\n", fed);
	actions_init(&acts);
	msg_eom(m, &acts);
	if (acts.failed)
		printf("result: accept unchanged (out of memory)\n");
	else {
		actions_print(&acts, stdout);
		printf("result: %s\n", actions_discard(&acts) ? "discard" :
		    acts.n > 0 ? "continue with the changes above" : "continue unchanged");
	}
	actions_free(&acts);
	msg_free(m);
	free(in.p);
	return EX_OK;
}
