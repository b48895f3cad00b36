/*
 * session.c - the milter protocol, filter side (see session.h).
 *
 * Each command goes to msg.c and its answer back to the MTA; at end of
 * message the decided actions become change requests. Every failure
 * fails open: the message goes on unchanged and we log why. We never
 * reject or tempfail anything.
 *
 * What the MTA is asked for at negotiation decides most of the cost:
 *  - no CONNECT, HELO or unknown commands, no DATA, and RCPT only when a
 *    redirect route needs the list (SMFIP_NO*). MAIL stays: its sender
 *    tells a report, and skipping it would save nothing, since the MTA
 *    still sends each stage's macros, skipped step or not (and Postfix's
 *    cleanup has no {mail_addr} to give at the end of the header).
 *    So we ask for the queue id only (SMFIF_SETSYMLIST):
 *    Postfix made 376.6 -> 372.1 system calls per bounce (strace of all
 *    its processes, 1,000 bounces), the sender's and recipient's
 *    {mail_host}, {rcpt_mailer}... no longer looked up and sent;
 *  - no answer to MAIL, RCPT and each header field (SMFIP_NR_*): Postfix
 *    then sends the whole header in one write and waits once, at its end;
 *  - at the end of the header ordinary mail is accepted (no body is sent)
 *    and a report's body is skipped past MaxScanBytes (SMFIP_SKIP).
 *    Body chunks are answered: with SMFIP_NR_BODY a small bounce saved a
 *    round trip (0.095 ms of Postfix and milter CPU), but an MTA never
 *    reads an answer it was told not to wait for, so no skip can be
 *    sent and every byte past the limit crossed the socket: a 20 MB
 *    bounce cost the milter 21.5 ms instead of 3.5 and Postfix 241
 *    instead of 204 (test/bench/growth.sh). Cost must stay flat.
 *    Not answering the end of the header (SMFIP_NR_EOH) saved a bounce
 *    a round trip too (Postfix 4 system calls, the milter 2), but then
 *    ordinary mail is accepted only at its first body chunk, and Postfix
 *    reads and sends up to 64 KB of it first: for a 50 KB message Postfix
 *    made 440 -> 480 system calls and the milter 2 -> 12 reads. Ordinary
 *    mail is most mail, so the end of the header stays answered.
 * The no-reply steps are asked for only when server.c says the MTA will
 * not stall for them (see there: TCP's delayed ACK).
 *
 * Each field we add costs Postfix's cleanup four system calls (it appends
 * the field to the queue file, then links it in): 16 of the 45 a bounce
 * adds to Postfix's 328 (strace, 1,000 bounces). The fields stay: mail is
 * filed and routed by them. Most of the rest is Postfix handing the
 * milter connection from smtpd to cleanup for every message, and the
 * three round trips.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "log.h"
#include "msg.h"
#include "session.h"

/* Actions we may ask for; the MTA's offer limits them. */
#define OUR_ACTS	(SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT | \
			 SMFIF_DELRCPT | SMFIF_QUARANTINE)
#define NO_REPLY	(SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | \
			 SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_HDR | SMFIP_NR_UNKN)

struct session {
	struct msg	*msg;		/* the message in progress, or NULL */
	uint32_t	 steps;		/* SMFIP_* agreed */
	uint32_t	 acts;		/* SMFIF_* agreed */
	bool		 negotiated;
	bool		 no_reply_ok;
	bool		 trace;
	bool		 pass;		/* failed open: accept at the next reply */
	unsigned long	 id;
	char		 qid[64];	/* macro "i" of this transaction */
};

static atomic_ulong messages_open;

struct session *
session_new(bool no_reply_ok, unsigned long id, bool trace)
{
	struct session *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->no_reply_ok = no_reply_ok;
	s->id = id;
	s->trace = trace;
	return s;
}

static void
drop_msg(struct session *s)
{
	if (s->msg == NULL)
		return;
	msg_free(s->msg);
	s->msg = NULL;
	atomic_fetch_sub(&messages_open, 1);
}

/* The message is over: the next one starts without its queue id. */
static void
end_msg(struct session *s)
{
	drop_msg(s);
	s->qid[0] = '\0';
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	drop_msg(s);
	free(s);
}

unsigned long
session_messages_open(void)
{
	return atomic_load(&messages_open);
}

/* The answer to a step: none where the MTA agreed not to wait for one;
 * an accept that cannot be sent now is sent at the next answer. */
static void
answer(struct session *s, struct wire_out *out, uint32_t no_reply, int reply)
{
	if (s->steps & no_reply) {
		if (reply == SMFIR_ACCEPT)
			s->pass = true;
		return;
	}
	wire_reply(out, reply);
}

static bool
protocol_error(struct session *s, const char *what, int cmd)
{
	log_msg(LOG_WARNING, "connection %lu: %s (command '%c'); closing it, "
	    "the MTA applies its default action", s->id, what,
	    cmd >= 0x20 && cmd < 0x7f ? cmd : '?');
	end_msg(s);
	return false;
}

static bool
negotiate(struct session *s, const struct wire_packet *p, struct wire_out *out)
{
	uint32_t version, mta_acts, mta_steps, want;
	size_t pos = 0, start;

	if (!wire_u32(p, &pos, &version) || !wire_u32(p, &pos, &mta_acts) ||
	    !wire_u32(p, &pos, &mta_steps))
		return protocol_error(s, "short option negotiation", p->cmd);
	if (version < 2)
		return protocol_error(s, "milter protocol version below 2", p->cmd);
	end_msg(s);
	want = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_SKIP;
	if (!msg_wants_recipients())
		want |= SMFIP_NORCPT;
	/* Else every step is answered, DATA included (see server.c). */
	if (s->no_reply_ok)
		want |= NO_REPLY | SMFIP_NODATA;
	s->steps = mta_steps & want;
	s->acts = mta_acts & (OUR_ACTS | SMFIF_SETSYMLIST);
	s->negotiated = true;
	start = wire_begin(out, SMFIC_OPTNEG);
	wire_add_u32(out, version < SMFI_PROT_VERSION ? version : SMFI_PROT_VERSION);
	wire_add_u32(out, s->acts);
	wire_add_u32(out, s->steps);
	/* Macros: only the queue id, at every stage. (Postfix takes an
	 * empty list as "the defaults", so each list names it.) */
	if (s->acts & SMFIF_SETSYMLIST) {
		uint32_t stage;

		for (stage = SMFIM_CONNECT; stage <= SMFIM_EOH; stage++) {
			wire_add_u32(out, stage);
			wire_add_str(out, "i");
		}
	}
	wire_end(out, start);
	return true;
}

/* Postfix repeats the queue id before every header field: a plain
 * bounded copy, not snprintf (a third of an ordinary message's work). */
static void
set_qid(struct session *s, const char *value)
{
	size_t n = strnlen(value, sizeof(s->qid) - 1);

	memcpy(s->qid, value, n);
	s->qid[n] = '\0';
}

/* Macros come before their stage's command; only the queue id is kept.
 * The MAIL stage's list opens a new transaction. */
static bool
macros(struct session *s, const struct wire_packet *p)
{
	const char *name, *value;
	size_t pos = 1;

	if (p->len < 1)
		return protocol_error(s, "macro packet without a stage", p->cmd);
	if (p->data[0] == SMFIC_MAIL)
		s->qid[0] = '\0';
	while ((name = wire_str(p, &pos)) != NULL && (value = wire_str(p, &pos)) != NULL)
		if ((strcmp(name, "i") == 0 || strcmp(name, "{i}") == 0) && value[0] != '\0')
			set_qid(s, value);
	return true;
}

static void
envfrom(struct session *s, const struct wire_packet *p, struct wire_out *out)
{
	size_t pos = 0;
	const char *sender = wire_str(p, &pos);

	drop_msg(s);
	s->pass = false;
	if ((s->msg = msg_new()) == NULL) {
		log_msg(LOG_WARNING, "out of memory or no settings; message passed unchecked");
		answer(s, out, SMFIP_NR_MAIL, SMFIR_ACCEPT);
		return;
	}
	atomic_fetch_add(&messages_open, 1);
	msg_sender(s->msg, sender != NULL ? sender : "");
	answer(s, out, SMFIP_NR_MAIL, SMFIR_CONTINUE);
}

static void
envrcpt(struct session *s, const struct wire_packet *p, struct wire_out *out)
{
	size_t pos = 0;
	const char *rcpt = wire_str(p, &pos);

	if (s->msg != NULL && rcpt != NULL)
		msg_recipient(s->msg, rcpt);
	answer(s, out, SMFIP_NR_RCPT, SMFIR_CONTINUE);
}

static bool
header(struct session *s, const struct wire_packet *p, struct wire_out *out)
{
	size_t pos = 0;
	const char *name = wire_str(p, &pos), *value = wire_str(p, &pos);

	if (name == NULL || value == NULL)
		return protocol_error(s, "header field without name or value", p->cmd);
	if (s->msg != NULL)
		msg_header(s->msg, name, value);
	answer(s, out, SMFIP_NR_HDR, SMFIR_CONTINUE);
	return true;
}

static void
eoh(struct session *s, struct wire_out *out)
{
	if (s->msg == NULL || s->pass) {
		end_msg(s);
		wire_reply(out, SMFIR_ACCEPT);
		return;
	}
	msg_set_queue_id(s->msg, s->qid);
	if (msg_eoh(s->msg) == MSG_ACCEPT) {
		end_msg(s);
		wire_reply(out, SMFIR_ACCEPT);
		return;
	}
	wire_reply(out, SMFIR_CONTINUE);
}

static void
body(struct session *s, const struct wire_packet *p, struct wire_out *out)
{
	if (s->msg != NULL && msg_body(s->msg, p->data, p->len) == MSG_SKIP &&
	    (s->steps & SMFIP_SKIP))
		wire_reply(out, SMFIR_SKIP);
	else
		wire_reply(out, SMFIR_CONTINUE);
}

/* One change request; false when it was not agreed at negotiation. */
static bool
request(struct session *s, const struct action *a, struct wire_out *out)
{
	size_t start;

	switch (a->type) {
	case ACT_DELETE_HEADER:
		if (!(s->acts & SMFIF_CHGHDRS) || a->name == NULL || a->name[0] == '\0' ||
		    a->index < 1)
			return false;
		start = wire_begin(out, SMFIR_CHGHEADER);
		wire_add_u32(out, (uint32_t)a->index);
		wire_add_str(out, a->name);
		wire_add_str(out, "");		/* no value: delete */
		wire_end(out, start);
		return true;
	case ACT_ADD_HEADER:
		if (!(s->acts & SMFIF_ADDHDRS) || a->name == NULL || a->name[0] == '\0' ||
		    a->value == NULL)
			return false;
		start = wire_begin(out, SMFIR_ADDHEADER);
		wire_add_str(out, a->name);
		wire_add_str(out, a->value);
		wire_end(out, start);
		return true;
	case ACT_DELETE_RCPT:
	case ACT_ADD_RCPT:
		if (!(s->acts & (a->type == ACT_ADD_RCPT ? SMFIF_ADDRCPT : SMFIF_DELRCPT)) ||
		    a->value == NULL || a->value[0] == '\0')
			return false;
		start = wire_begin(out, a->type == ACT_ADD_RCPT ? SMFIR_ADDRCPT : SMFIR_DELRCPT);
		wire_add_str(out, a->value);
		wire_end(out, start);
		return true;
	case ACT_QUARANTINE:
		if (!(s->acts & SMFIF_QUARANTINE) || a->value == NULL || a->value[0] == '\0')
			return false;
		start = wire_begin(out, SMFIR_QUARANTINE);
		wire_add_str(out, a->value);
		wire_end(out, start);
		return true;
	case ACT_DISCARD:
		return true;		/* the final answer */
	}
	return false;
}

static void
eom(struct session *s, const struct wire_packet *p, struct wire_out *out)
{
	struct actions acts;
	int final = SMFIR_CONTINUE;
	size_t i;

	if (s->msg == NULL) {
		end_msg(s);
		wire_reply(out, SMFIR_CONTINUE);
		return;
	}
	if (p->len > 0)		/* Sendmail may send the last chunk here */
		msg_body(s->msg, p->data, p->len);
	msg_set_queue_id(s->msg, s->qid);
	actions_init(&acts);
	msg_eom(s->msg, &acts);
	if (!acts.failed) {
		for (i = 0; i < acts.n; i++)
			if (!request(s, &acts.v[i], out))
				log_msg(LOG_WARNING, "%s: the MTA refused to %s%s%s",
				    msg_queue_id(s->msg), action_type_name(acts.v[i].type),
				    acts.v[i].name ? " " : "", acts.v[i].name ? acts.v[i].name : "");
		if (actions_discard(&acts))
			final = SMFIR_DISCARD;
	}
	actions_free(&acts);
	end_msg(s);
	wire_reply(out, final);
}

bool
session_packet(struct session *s, const struct wire_packet *p, struct wire_out *out)
{
	if (s->trace)
		log_msg(LOG_DEBUG, "connection %lu: command '%c', %zu bytes", s->id,
		    p->cmd >= 0x20 && p->cmd < 0x7f ? p->cmd : '?', p->len);
	if (!s->negotiated && p->cmd != SMFIC_OPTNEG && p->cmd != SMFIC_QUIT)
		return protocol_error(s, "command before option negotiation", p->cmd);
	switch (p->cmd) {
	case SMFIC_OPTNEG:
		return negotiate(s, p, out);
	case SMFIC_MACRO:
		return macros(s, p);
	case SMFIC_CONNECT:
		answer(s, out, SMFIP_NR_CONN, SMFIR_CONTINUE);
		break;
	case SMFIC_HELO:
		answer(s, out, SMFIP_NR_HELO, SMFIR_CONTINUE);
		break;
	case SMFIC_MAIL:
		envfrom(s, p, out);
		break;
	case SMFIC_RCPT:
		envrcpt(s, p, out);
		break;
	case SMFIC_DATA:
		answer(s, out, SMFIP_NR_DATA,
		    s->msg == NULL || s->pass ? SMFIR_ACCEPT : SMFIR_CONTINUE);
		break;
	case SMFIC_HEADER:
		if (!header(s, p, out))
			return false;
		break;
	case SMFIC_EOH:
		eoh(s, out);
		break;
	case SMFIC_BODY:
		body(s, p, out);
		break;
	case SMFIC_BODYEOB:
		eom(s, p, out);
		break;
	case SMFIC_ABORT:
		end_msg(s);
		s->pass = false;
		return true;		/* no answer */
	case SMFIC_UNKNOWN:
		answer(s, out, SMFIP_NR_UNKN, SMFIR_CONTINUE);
		break;
	case SMFIC_QUIT_NC:		/* a new SMTP client on the same socket */
		end_msg(s);
		s->pass = false;
		return true;
	case SMFIC_QUIT:
		end_msg(s);
		return false;
	default:
		return protocol_error(s, "unknown command", p->cmd);
	}
	if (out->failed) {
		log_msg(LOG_WARNING, "connection %lu: out of memory answering; closing it", s->id);
		end_msg(s);
		return false;
	}
	return true;
}
