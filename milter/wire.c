/*
 * wire.c - milter packets: framing in, encoding out (see wire.h).
 *
 * One read from the MTA usually holds many packets (with SMFIP_NR_HDR
 * Postfix sends every header field and its macros before it waits), so
 * the input side takes packets out of a buffer until it runs dry, and
 * the output side collects every answer for one write.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

/* A whole body chunk (Postfix and Sendmail send at most 65535 bytes)
 * with its length and command: one read, not two, when it is there. */
#define IN_INITIAL	(65535 + 5)
#define OUT_INITIAL	512
#define OUT_MAX		(4 * 1024 * 1024)	/* far above ACTIONS_MAX headers */
#define LEN_BYTES	4

static uint32_t
get_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return ntohl(v);
}

unsigned char *
wire_space(struct wire_in *in, size_t *room)
{
	size_t need = IN_INITIAL, held = in->len - in->off;

	/* Move the unread part to the front: a partial packet, usually. */
	if (in->off > 0) {
		memmove(in->buf, in->buf + in->off, held);
		in->len = held;
		in->off = 0;
	}
	if (held >= LEN_BYTES) {
		uint32_t plen = get_u32(in->buf);

		if (plen <= WIRE_MAX && LEN_BYTES + plen > need)
			need = LEN_BYTES + plen;
	}
	if (need > in->cap || in->len == in->cap) {
		size_t cap = in->cap ? in->cap : IN_INITIAL;
		unsigned char *nb;

		while (cap < need || cap <= in->len)
			cap *= 2;
		if ((nb = realloc(in->buf, cap)) == NULL)
			return NULL;
		in->buf = nb;
		in->cap = cap;
	}
	*room = in->cap - in->len;
	return in->buf + in->len;
}

void
wire_got(struct wire_in *in, size_t n)
{
	in->len += n;
}

enum wire_status
wire_next(struct wire_in *in, struct wire_packet *p)
{
	size_t held = in->len - in->off;
	uint32_t plen;

	if (held < LEN_BYTES)
		return WIRE_MORE;
	plen = get_u32(in->buf + in->off);
	if (plen < 1 || plen > WIRE_MAX)
		return WIRE_BAD;
	if (held < LEN_BYTES + plen)
		return WIRE_MORE;
	p->cmd = in->buf[in->off + LEN_BYTES];
	p->data = in->buf + in->off + LEN_BYTES + 1;
	p->len = plen - 1;
	in->off += LEN_BYTES + plen;
	return WIRE_PACKET;
}

void
wire_in_free(struct wire_in *in)
{
	free(in->buf);
	memset(in, 0, sizeof(*in));
}

bool
wire_u32(const struct wire_packet *p, size_t *pos, uint32_t *v)
{
	if (*pos > p->len || p->len - *pos < 4)
		return false;
	*v = get_u32(p->data + *pos);
	*pos += 4;
	return true;
}

const char *
wire_str(const struct wire_packet *p, size_t *pos)
{
	const unsigned char *s, *nul;

	if (*pos >= p->len)
		return NULL;
	s = p->data + *pos;
	if ((nul = memchr(s, '\0', p->len - *pos)) == NULL)
		return NULL;
	*pos += (size_t)(nul - s) + 1;
	return (const char *)s;
}

static void
put(struct wire_out *out, const void *p, size_t n)
{
	if (out->failed)
		return;
	if (n > OUT_MAX - out->len) {
		out->failed = true;
		return;
	}
	if (out->len + n > out->cap) {
		size_t cap = out->cap ? out->cap : OUT_INITIAL;
		unsigned char *nb;

		while (cap < out->len + n)
			cap *= 2;
		if ((nb = realloc(out->buf, cap)) == NULL) {
			out->failed = true;
			return;
		}
		out->buf = nb;
		out->cap = cap;
	}
	memcpy(out->buf + out->len, p, n);
	out->len += n;
}

size_t
wire_begin(struct wire_out *out, int cmd)
{
	size_t start = out->len;
	unsigned char head[LEN_BYTES + 1] = { 0, 0, 0, 0, (unsigned char)cmd };

	put(out, head, sizeof(head));
	return start;
}

void
wire_add_u32(struct wire_out *out, uint32_t v)
{
	v = htonl(v);
	put(out, &v, sizeof(v));
}

void
wire_add_str(struct wire_out *out, const char *s)
{
	put(out, s, strlen(s) + 1);
}

void
wire_end(struct wire_out *out, size_t start)
{
	uint32_t plen;

	if (out->failed)
		return;
	plen = htonl((uint32_t)(out->len - start - LEN_BYTES));
	memcpy(out->buf + start, &plen, sizeof(plen));
}

void
wire_reply(struct wire_out *out, int cmd)
{
	wire_end(out, wire_begin(out, cmd));
}

void
wire_out_free(struct wire_out *out)
{
	free(out->buf);
	memset(out, 0, sizeof(*out));
}
