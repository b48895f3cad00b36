/*
 * callbacks.c - libmilter glue: the only file that speaks the milter API.
 *
 * Each callback hands its data to msg.c and turns the answer into a
 * reply; at end of message it carries out the decided actions. Every
 * failure fails open: the message goes on unchanged and we log why.
 * We never reject or tempfail anything.
 *
 * Protocol steps are negotiated to save round trips: no CONNECT, HELO or
 * unknown commands; RCPT only when a redirect route needs the list; body
 * chunks past MaxScanBytes are skipped (SMFIS_SKIP). On a UNIX socket the
 * MTA need not wait for our reply to MAIL, RCPT and each header (SMFIP_NR_*).
 * On TCP, back-to-back small writes from the MTA can wait for our delayed
 * ACK (Nagle, 40 ms); the notes saw that after DATA, so there we reply to
 * every step, DATA included. (Measured on loopback, Postfix 3.7: NR_* on
 * TCP did not stall and was ~20 % faster; we stay careful for other
 * kernels and real networks, and recommend a UNIX socket.) Our listening
 * socket has TCP_NODELAY (daemon.c): without it each annotated bounce
 * waited 40 ms between libmilter's header and reply packets (19 instead
 * of 155 bounces/s on one SMTP session).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "actions.h"
#include "log.h"
#include "milter.h"
#include "msg.h"

/* One MTA connection. */
struct conn {
	struct msg	*msg;		/* the message in progress, or NULL */
	unsigned long	 steps;		/* negotiated SMFIP_* */
	unsigned long	 acts;		/* negotiated SMFIF_* */
	bool		 pass;		/* failed open: accept at the next reply */
};

static bool inet_socket;

static struct conn *
conn_get(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL && (c = calloc(1, sizeof(*c))) != NULL) {
		/* No negotiation happened (old MTA): everything is on. */
		c->steps = SMFIP_SKIP;
		c->acts = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT |
		    SMFIF_DELRCPT | SMFIF_QUARANTINE;
		if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
			free(c);
			c = NULL;
		}
	}
	return c;
}

static void
drop_msg(struct conn *c)
{
	msg_free(c->msg);
	c->msg = NULL;
}

/* The reply for a step: NOREPLY where negotiated so, else status. */
static sfsistat
reply(struct conn *c, unsigned long nr_flag, sfsistat status)
{
	if (c != NULL && (c->steps & nr_flag) != 0) {
		if (status == SMFIS_ACCEPT)
			c->pass = true;
		return SMFIS_NOREPLY;
	}
	return status;
}

static void
queue_id(SMFICTX *ctx, struct conn *c)
{
	const char *qid = smfi_getsymval(ctx, "i");

	if (qid == NULL)
		qid = smfi_getsymval(ctx, "{i}");
	msg_set_queue_id(c->msg, qid);
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
	     unsigned long f2, unsigned long f3, unsigned long *pf0,
	     unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long want_steps, nr;
	struct conn *c;

	(void)f2, (void)f3;
	if ((c = conn_get(ctx)) == NULL)
		return SMFIS_ALL_OPTS;
	want_steps = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_SKIP;
	if (!msg_wants_recipients())
		want_steps |= SMFIP_NORCPT;
	nr = SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR;
	if (!inet_socket)
		want_steps |= nr | SMFIP_NODATA;
	c->steps = f1 & want_steps;
	c->acts = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT |
	    SMFIF_DELRCPT | SMFIF_QUARANTINE);
	*pf0 = c->acts;
	*pf1 = c->steps;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL)
		return SMFIS_ACCEPT;
	drop_msg(c);
	c->pass = false;
	if ((c->msg = msg_new()) == NULL) {
		log_msg(LOG_WARNING, "out of memory or no settings; message passed unchecked");
		return reply(c, SMFIP_NR_MAIL, SMFIS_ACCEPT);
	}
	msg_sender(c->msg, argv[0] != NULL ? argv[0] : "");
	return reply(c, SMFIP_NR_MAIL, SMFIS_CONTINUE);
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL || c->msg == NULL)
		return reply(c, SMFIP_NR_RCPT, SMFIS_CONTINUE);
	if (argv[0] != NULL)
		msg_recipient(c->msg, argv[0]);
	return reply(c, SMFIP_NR_RCPT, SMFIS_CONTINUE);
}

static sfsistat
cb_data(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL || c->msg == NULL || c->pass)
		return SMFIS_ACCEPT;
	return SMFIS_CONTINUE;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL && c->msg != NULL && name != NULL && value != NULL)
		msg_header(c->msg, name, value);
	return reply(c, SMFIP_NR_HDR, SMFIS_CONTINUE);
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL || c->msg == NULL || c->pass) {
		if (c != NULL)
			drop_msg(c);
		return SMFIS_ACCEPT;
	}
	queue_id(ctx, c);
	if (msg_eoh(c->msg) == MSG_ACCEPT) {
		drop_msg(c);
		return SMFIS_ACCEPT;
	}
	return SMFIS_CONTINUE;
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL || c->msg == NULL)
		return SMFIS_CONTINUE;	/* nothing kept; eom passes it */
	if (msg_body(c->msg, chunk, len) == MSG_SKIP && (c->steps & SMFIP_SKIP))
		return SMFIS_SKIP;
	return SMFIS_CONTINUE;
}

/* Carry out one action; false when the MTA refused it. */
static bool
execute(SMFICTX *ctx, struct conn *c, const struct action *a)
{
	switch (a->type) {
	case ACT_DELETE_HEADER:
		return (c->acts & SMFIF_CHGHDRS) &&
		    smfi_chgheader(ctx, a->name, a->index, NULL) == MI_SUCCESS;
	case ACT_ADD_HEADER:
		return (c->acts & SMFIF_ADDHDRS) &&
		    smfi_addheader(ctx, a->name, a->value) == MI_SUCCESS;
	case ACT_DELETE_RCPT:
		return (c->acts & SMFIF_DELRCPT) &&
		    smfi_delrcpt(ctx, a->value) == MI_SUCCESS;
	case ACT_ADD_RCPT:
		return (c->acts & SMFIF_ADDRCPT) &&
		    smfi_addrcpt(ctx, a->value) == MI_SUCCESS;
	case ACT_QUARANTINE:
		return (c->acts & SMFIF_QUARANTINE) &&
		    smfi_quarantine(ctx, a->value) == MI_SUCCESS;
	case ACT_DISCARD:
		return true;
	}
	return false;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	struct actions acts;
	sfsistat status = SMFIS_CONTINUE;
	size_t i;

	if (c == NULL || c->msg == NULL)
		return SMFIS_CONTINUE;
	queue_id(ctx, c);
	actions_init(&acts);
	msg_eom(c->msg, &acts);
	if (!acts.failed) {
		for (i = 0; i < acts.n; i++)
			if (!execute(ctx, c, &acts.v[i]))
				log_msg(LOG_WARNING, "%s: the MTA refused to %s%s%s",
				    msg_queue_id(c->msg), action_type_name(acts.v[i].type),
				    acts.v[i].name ? " " : "", acts.v[i].name ? acts.v[i].name : "");
		if (actions_discard(&acts))
			status = SMFIS_DISCARD;
	}
	actions_free(&acts);
	drop_msg(c);
	return status;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL)
		drop_msg(c);
	return SMFIS_CONTINUE;
}

/* May be the only callback, with no private data (a probe connecting
 * and hanging up). */
static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL) {
		drop_msg(c);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

static struct smfiDesc filter = {
	.xxfi_name = "bouncemilter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT |
	    SMFIF_DELRCPT | SMFIF_QUARANTINE,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_eoh = cb_eoh,
	.xxfi_body = cb_body,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_data = cb_data,
	.xxfi_negotiate = cb_negotiate,
};

bool
milter_open(const char *socket, int debug, char *err, size_t errlen)
{
	char spec[1100];

	inet_socket = strncmp(socket, "inet", 4) == 0;
	snprintf(spec, sizeof(spec), "%s", socket);
	if (debug >= 3)
		smfi_setdbg(debug - 2);
	if (smfi_register(filter) != MI_SUCCESS) {
		snprintf(err, errlen, "smfi_register failed");
		return false;
	}
	if (smfi_setconn(spec) != MI_SUCCESS) {
		snprintf(err, errlen, "%s: smfi_setconn failed", socket);
		return false;
	}
	if (smfi_opensocket(true) != MI_SUCCESS) {
		snprintf(err, errlen, "%s: cannot open the socket "
		    "(in use, bad address or no permission?)", socket);
		return false;
	}
	return true;
}

int
milter_serve(void)
{
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}

const char *
milter_version(char *buf, size_t len)
{
	unsigned int major, minor, patch;

	smfi_version(&major, &minor, &patch);
	snprintf(buf, len, "%u.%u.%u", major, minor, patch);
	return buf;
}
