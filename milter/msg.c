/*
 * msg.c - one message, from MAIL FROM to the end (see msg.h).
 *
 * The message is kept as raw bytes (header fields rebuilt as
 * "Name: value" CRLF, then the body) up to MaxScanBytes, the bytes the
 * engine will read anyway. Ordinary mail is let go at the end of the
 * header unless it carries a forged copy of one of our fields, which must
 * be deleted at the end of the message, highest index first: Postfix
 * renumbers the remaining fields after a delete, Sendmail does not, and
 * deleting downwards is right for both.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "annotate.h"
#include "bounce.h"
#include "eventlog.h"
#include "header.h"
#include "log.h"
#include "msg.h"
#include "route.h"
#include "runtime.h"
#include "sniff.h"

#define BUF_INITIAL	(16 * 1024)
#define RCPT_MAX	1000	/* Postfix's smtpd_recipient_limit default */
#define RCPT_BYTES_MAX	(64 * 1024)
#define OURS_MAX	64	/* distinct forged field names remembered */
#define ADDR_MAX	512

/* A field name of ours seen in the message, and how often. */
struct seen {
	char	name[128];
	int	count;
};

struct msg {
	struct runtime	*rt;
	char		 queue_id[64];
	struct bounce_sniff sniff;

	char		*buf;		/* the message, up to max bytes */
	size_t		 len, cap, max;
	bool		 full;		/* bytes beyond max were dropped */
	bool		 scan;		/* maybe a report: read the body */

	struct seen	*ours;		/* OURS_MAX, made at the first one */
	size_t		 nours;
	bool		 ours_lost;	/* more names than OURS_MAX */

	char		**rcpt;
	size_t		 nrcpt, rcpt_bytes;
	bool		 rcpt_lost;
};

struct msg *
msg_new(void)
{
	struct msg *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if ((m->rt = runtime_get()) == NULL) {
		free(m);
		return NULL;
	}
	m->max = m->rt->cfg.max_scan_bytes;
	bounce_sniff_init(&m->sniff);
	return m;
}

void
msg_free(struct msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nrcpt; i++)
		free(m->rcpt[i]);
	free(m->rcpt);
	free(m->ours);
	free(m->buf);
	runtime_put(m->rt);
	free(m);
}

int
msg_wants_recipients(void)
{
	struct runtime *rt = runtime_get();
	int want = 0;
	size_t i;

	if (rt == NULL)
		return 0;
	for (i = 0; i < rt->cfg.nroutes; i++)
		if (rt->cfg.routes[i].action == ROUTE_REDIRECT)
			want = rt->cfg.mode == MODE_ROUTE;
	runtime_put(rt);
	return want;
}

void
msg_set_queue_id(struct msg *m, const char *qid)
{
	size_t i, n = 0;

	if (qid == NULL || qid[0] == '\0')
		return;
	/* Queue ids are short tokens; keep only what could be one. */
	for (i = 0; qid[i] != '\0' && n + 1 < sizeof(m->queue_id); i++)
		if ((qid[i] >= '0' && qid[i] <= '9') || (qid[i] >= 'A' && qid[i] <= 'Z') ||
		    (qid[i] >= 'a' && qid[i] <= 'z') || qid[i] == '.' || qid[i] == '-' || qid[i] == '_')
			m->queue_id[n++] = qid[i];
	m->queue_id[n] = '\0';
}

const char *
msg_queue_id(const struct msg *m)
{
	return m->queue_id[0] != '\0' ? m->queue_id : "NOQUEUE";
}

/* Append to the kept bytes, up to max. Growth is geometric and capped. */
static void
keep(struct msg *m, const void *p, size_t len)
{
	size_t room;

	if (m->full || len == 0)
		return;
	room = m->max - m->len;
	if (len > room) {
		len = room;
		m->full = true;
	}
	if (m->len + len > m->cap) {
		size_t cap = m->cap ? m->cap : BUF_INITIAL;
		char *nb;

		while (cap < m->len + len)
			cap *= 2;
		if (cap > m->max)
			cap = m->max;
		if ((nb = realloc(m->buf, cap)) == NULL) {
			m->full = true;		/* scan what we have */
			return;
		}
		m->buf = nb;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, p, len);
	m->len += len;
}

/* Keep text with its bare LFs (MTA folds) turned into CRLF. */
static void
keep_crlf(struct msg *m, const char *s)
{
	const char *nl;

	while ((nl = strchr(s, '\n')) != NULL) {
		keep(m, s, (size_t)(nl - s));
		keep(m, "\r\n", 2);
		s = nl + 1;
	}
	keep(m, s, strlen(s));
}

void
msg_sender(struct msg *m, const char *addr)
{
	bounce_sniff_sender(&m->sniff, addr, strlen(addr));
}

void
msg_recipient(struct msg *m, const char *addr)
{
	size_t len = strlen(addr);
	char **v;

	if (m->rcpt_lost)
		return;
	if (m->nrcpt >= RCPT_MAX || len > ADDR_MAX || m->rcpt_bytes + len > RCPT_BYTES_MAX ||
	    (v = realloc(m->rcpt, (m->nrcpt + 1) * sizeof(*v))) == NULL) {
		m->rcpt_lost = true;
		return;
	}
	m->rcpt = v;
	if ((v[m->nrcpt] = strdup(addr)) == NULL) {
		m->rcpt_lost = true;
		return;
	}
	m->nrcpt++;
	m->rcpt_bytes += len;
}

static void
count_ours(struct msg *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nours; i++)
		if (strcasecmp(m->ours[i].name, name) == 0) {
			m->ours[i].count++;
			return;
		}
	if (m->nours == OURS_MAX || strlen(name) >= sizeof(m->ours[0].name)) {
		m->ours_lost = true;
		return;
	}
	/* Most mail has none: 8 KB not cleared for every message. */
	if (m->ours == NULL && (m->ours = calloc(OURS_MAX, sizeof(*m->ours))) == NULL) {
		if (!m->ours_lost)
			log_msg(LOG_WARNING, "%s: out of memory; forged %s* fields "
			    "not removed", msg_queue_id(m), m->rt->cfg.header_prefix);
		m->ours_lost = true;
		return;
	}
	memcpy(m->ours[m->nours].name, name, strlen(name) + 1);
	m->ours[m->nours].count = 1;
	m->nours++;
}

void
msg_header(struct msg *m, const char *name, const char *value)
{
	if (hdr_has_prefix(name, m->rt->cfg.header_prefix))
		count_ours(m, name);
	bounce_sniff_header(&m->sniff, name, strlen(name), value, strlen(value));
	keep(m, name, strlen(name));
	keep(m, ": ", 2);
	keep_crlf(m, value);
	keep(m, "\r\n", 2);
}

enum msg_step
msg_eoh(struct msg *m)
{
	const struct config *cfg = &m->rt->cfg;
	char why[128];

	m->scan = bounce_sniff_maybe_report(&m->sniff);
	if (!m->scan && (m->nours == 0 || cfg->mode == MODE_LOG)) {
		log_msg(LOG_DEBUG, "%s: not a report, accepted", msg_queue_id(m));
		return MSG_ACCEPT;
	}
	if (m->scan && log_enabled(LOG_DEBUG))	/* describing costs 4k instructions */
		log_msg(LOG_DEBUG, "%s: may be a report (%s)", msg_queue_id(m),
		    bounce_sniff_describe(&m->sniff, why, sizeof(why)));
	if (m->ours_lost)
		log_msg(LOG_WARNING, "%s: more than %d distinct %s* field names; "
		    "only the first %d are removed", msg_queue_id(m), OURS_MAX,
		    cfg->header_prefix, OURS_MAX);
	keep(m, "\r\n", 2);
	return MSG_CONTINUE;
}

enum msg_step
msg_body(struct msg *m, const void *chunk, size_t len)
{
	if (!m->scan)
		return MSG_SKIP;
	keep(m, chunk, len);
	return m->full ? MSG_SKIP : MSG_CONTINUE;
}

/* Forged copies of our fields go, each name from its highest index down. */
static void
delete_ours(struct msg *m, struct actions *a)
{
	size_t i;
	int k, copies = 0;

	for (i = 0; i < m->nours; i++)
		for (k = m->ours[i].count; k >= 1; k--, copies++)
			actions_add(a, ACT_DELETE_HEADER, m->ours[i].name, k, NULL);
	if (copies > 0)
		log_msg(LOG_NOTICE, "%s: removing %d incoming %s* field(s)",
		    msg_queue_id(m), copies, m->rt->cfg.header_prefix);
}

#ifdef BOUNCEMILTER_PROTOCOL_FLOOR
/*
 * A build for `FLOOR=1 test/bench/milter.sh` only, never installed: the
 * same protocol and four fields of the usual size, but the report is
 * not read, classified or logged. What Postfix keeps with it is the most
 * a milter can keep that reads a report's body, answers each chunk (so
 * that it can skip the rest) and annotates the report.
 */
static void
diagnose(struct msg *m, struct actions *a)
{
	(void)m;
	actions_add(a, ACT_ADD_HEADER, "X-Bounce-Category", 0, "mailbox-missing");
	actions_add(a, ACT_ADD_HEADER, "X-Bounce-Diagnosis", 0,
	    "v=1; category=mailbox-missing; reason=userunknown; status=5.1.1;\n\t"
	    "reply=550; rcpt=<nobody@example.org>; hard=yes; owner=sender;\n\t"
	    "mta=mx.example.org");
	actions_add(a, ACT_ADD_HEADER, "X-Bounce-Summary", 0,
	    "The receiving system has no mailbox of that name. What to do:\n\t"
	    "check the address for a typing error and take it off your lists.");
	actions_add(a, ACT_ADD_HEADER, "X-Bounce-Original-Message-ID", 0,
	    "<floor.1@example.com>");
}
#else
/* One log line per recipient, and one EventLog line per message. */
static void
log_report(struct msg *m, const struct bounce_report *r, const char *category)
{
	struct hval rcpt, status, reason, cat;
	char *json;
	size_t i;

	for (i = 0; i < r->nrcpt; i++) {
		const struct bounce_recipient *rc = &r->rcpt[i];

		hval_init(&rcpt), hval_init(&status), hval_init(&reason), hval_init(&cat);
		hval_text(&rcpt, rc->recipient, 256);
		hval_text(&status, rc->status, 32);
		hval_text(&reason, rc->reason, 64);
		hval_text(&cat, rc->category, 64);
		log_msg(LOG_INFO, "%s: %s rcpt=<%s> category=%s reason=%s status=%s hard=%s",
		    msg_queue_id(m), bounce_kind_name(r->kind), rcpt.s,
		    cat.len ? cat.s : category, reason.len ? reason.s : "-",
		    status.len ? status.s : "-", rc->hard ? "yes" : "no");
	}
	if (r->nrcpt == 0)
		log_msg(LOG_INFO, "%s: %s category=%s (no recipients named)",
		    msg_queue_id(m), bounce_kind_name(r->kind), category);
	if (m->rt->events == NULL)
		return;
	json = bounce_report_json(r, "milter", m->queue_id[0] ? m->queue_id : NULL, time(NULL));
	if (json == NULL || eventlog_write(m->rt->events, json) != 0)
		log_msg(LOG_WARNING, "%s: EventLog %s: write failed: %m",
		    msg_queue_id(m), m->rt->cfg.event_log);
	free(json);
}

static void
diagnose(struct msg *m, struct actions *a)
{
	const struct config *cfg = &m->rt->cfg;
	struct bounce_limits lim;
	struct bounce_report *r;
	const char *category, *why;
	struct envelope env;

	bounce_limits_default(&lim);
	lim.max_scan_bytes = cfg->max_scan_bytes;
	if ((r = bounce_parse(m->buf, m->len, &lim)) == NULL) {
		log_msg(LOG_WARNING, "%s: out of memory parsing; passed unchanged", msg_queue_id(m));
		return;
	}
	bounce_classify(r, m->rt->rules);
	if (r->kind == BOUNCE_KIND_NONE) {
		log_msg(LOG_DEBUG, "%s: not a report after all", msg_queue_id(m));
		bounce_report_free(r);
		return;
	}
	category = annotate_category(r);
	log_report(m, r, category);
	if (cfg->mode != MODE_LOG)
		annotate(a, cfg->header_prefix, r);
	if (cfg->mode == MODE_ROUTE) {
		env.rcpt = (const char *const *)m->rcpt;
		env.nrcpt = m->nrcpt;
		env.complete = !m->rcpt_lost && m->nrcpt > 0;
		route(a, cfg, category, &env, &why);
		if (why != NULL)
			log_msg(LOG_WARNING, "%s: route for %s not taken: %s",
			    msg_queue_id(m), category, why);
	}
	bounce_report_free(r);
}
#endif

void
msg_eom(struct msg *m, struct actions *a)
{
	if (m->rt->cfg.mode != MODE_LOG)
		delete_ours(m, a);
	if (m->scan)
		diagnose(m, a);
	if (a->failed)
		log_msg(LOG_WARNING, "%s: out of memory deciding; passed unchanged",
		    msg_queue_id(m));
}
