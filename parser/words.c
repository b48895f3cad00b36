/*
 * words.c - the vocabularies of report detection (see words.h).
 *
 * A list is searched in one pass over the text, not with a search per
 * word: an index by first byte says which words can start at a position,
 * and only those are compared. Header values are short and the milter
 * asks for every message: on a 40-60 byte subject the 37 bounce words
 * take about 0.1 us this way against 0.45 us for a search per word, and
 * need no Vectorscan database or scratch space per thread.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "ascii.h"
#include "engine.h"
#include "words.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define WORDS_MAX	64	/* words of one list: bits of a uint64_t */

enum words_way { WAY_WHOLE, WAY_START, WAY_ANYWHERE };

/* Local parts that only ever send reports (RFC 5321 4.5.5 wants <>). */
static const char *const daemon_local[] = {
	"mailer-daemon", "mailer_daemon", "postmaster", "post_master",
	"double-bounce", "mdaemon",
};

/* Senders' names and addresses of report writers. Words that ordinary
 * senders use too (notification, root@, nobody@) are not here: they
 * would send much ordinary mail through a full parse for no report. */
static const char *const daemon_sender[] = {
	"mailer-daemon", "mailer_daemon", "mail-daemon", "mdaemon",
	"postmaster", "post_master", "mail delivery", "maildelivery",
	"mail administrator", "mailadmin", "mail system",
	"delivery subsystem", "deliverysubsystem", "microsoftexchange",
	"noreply-dsn", "bounce",
};

static const char *const bounce_subject[] = {
	"undeliver", "delivery status", "delivery failure", "delivery failed",
	"delivery notification", "delivery has failed", "delivery problem",
	"delivery delayed", "delivery report", "delivery error",
	"message delivery", "failure notice", "returned mail",
	"returned to sender", "non-delivery", "nondelivery", "non delivery",
	"could not be delivered", "not delivered", "could not send",
	"mail system error", "delayed mail", "mail failure",
	"permanent error", "error sending", "bounce", "rejected",
	"abuse report", "feedback report", "complaint",
	"unzustellbar", "nicht zustellbar", "fehlgeschlagen",	/* de */
	"non remis",						/* fr */
	"no entregado",						/* es */
	"配信", "エラー",					/* ja: delivery, error */
};

static const char *const autoreply_subject[] = {
	"auto:", "automatic reply", "auto reply", "auto-reply", "autoreply",
	"auto response", "auto-response", "autoresponse", "out of office",
	"out of the office", "away from", "on vacation", "vacation reply",
	"abwesenheitsnotiz", "automatische antwort",		/* de */
	"réponse automatique",					/* fr */
	"respuesta automática",					/* es */
	"risposta automatica",					/* it */
	"自動応答", "自動返信", "不在通知",			/* ja */
};

/* Subject prefixes of a forwarded message, as mail programs write them
 * in a few languages (a report forwarded to a helpdesk: forward.c). */
static const char *const forward_subject[] = {
	"fwd:", "fw:", "fwd :", "fw :",
	"wg:",						/* de */
	"tr:", "tr :",					/* fr */
	"rv:", "enc:",					/* es, pt */
	"i:",						/* it */
	"doorst:",					/* nl */
	"vb:", "vs:", "vl:",				/* sv, da/no, fi */
	"転送:", "转发:", "轉寄:",			/* ja, zh */
};

/* The line a mail program writes above a message it forwards inline
 * ("Begin forwarded message:", "---------- Forwarded message ---------",
 * "-----Original Message-----"). */
static const char *const forward_marker[] = {
	"begin forwarded message", "forwarded message", "original message",
	"weitergeleitete nachricht", "ursprüngliche nachricht",	/* de */
	"message transféré", "message d'origine",		/* fr */
	"mensaje reenviado", "mensaje original",		/* es */
	"messaggio inoltrato", "messaggio originale",		/* it */
	"doorgestuurd bericht", "oorspronkelijk bericht",	/* nl */
};

/* Fields whose presence (with a value) marks an auto-reply. */
static const char *const autoreply_field[] = {
	"x-autoreply", "x-autorespond", "x-mail-autoreply",
};

/* Fields only reports carry (a value of "false" says the opposite). */
static const char *const report_field[] = {
	"x-failed-recipients", "x-ms-exchange-message-is-ndr",
	"x-amz-sns-message-id",		/* SES notifications sent by SNS */
	"x-apple-unsubscribe",		/* Apple Mail's opt-out request */
};

static const char *const report_type[] = {
	"multipart/report", "message/delivery-status",
	"message/global-delivery-status", "message/feedback-report",
};

/* List managers whose notices (loops, refused posts) the engine reads
 * (vendor/fml.c), named in their X-MLServer field. */
static const char *const list_server[] = {
	"fml",
};

static const struct words_def {
	const char *const *word;
	size_t	n;
	enum words_way way;
} defs[WORDS_NLISTS] = {
	[WORDS_DAEMON_LOCAL] = { daemon_local, NITEMS(daemon_local), WAY_WHOLE },
	[WORDS_DAEMON_SENDER] = { daemon_sender, NITEMS(daemon_sender), WAY_ANYWHERE },
	[WORDS_BOUNCE_SUBJECT] = { bounce_subject, NITEMS(bounce_subject), WAY_ANYWHERE },
	[WORDS_AUTOREPLY_SUBJECT] = { autoreply_subject, NITEMS(autoreply_subject), WAY_START },
	[WORDS_AUTOREPLY_FIELD] = { autoreply_field, NITEMS(autoreply_field), WAY_WHOLE },
	[WORDS_REPORT_FIELD] = { report_field, NITEMS(report_field), WAY_WHOLE },
	[WORDS_REPORT_TYPE] = { report_type, NITEMS(report_type), WAY_START },
	[WORDS_LIST_SERVER] = { list_server, NITEMS(list_server), WAY_ANYWHERE },
	[WORDS_FORWARD_SUBJECT] = { forward_subject, NITEMS(forward_subject), WAY_START },
	[WORDS_FORWARD_MARKER] = { forward_marker, NITEMS(forward_marker), WAY_ANYWHERE },
};

_Static_assert(NITEMS(bounce_subject) <= WORDS_MAX, "bounce_subject: split the list");
_Static_assert(NITEMS(autoreply_subject) <= WORDS_MAX, "autoreply_subject: split the list");
_Static_assert(NITEMS(daemon_sender) <= WORDS_MAX, "daemon_sender: split the list");

/* Which words of a list start with a byte (bit k: word k), and their
 * lengths; made once from the lists above. */
struct words_index {
	uint64_t by_first[256];
	size_t	 len[WORDS_MAX];
};

static struct words_index index_of[WORDS_NLISTS];
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static void
index_build(void)
{
	size_t l, k;

	for (l = 0; l < WORDS_NLISTS; l++) {
		for (k = 0; k < defs[l].n && k < WORDS_MAX; k++) {
			const char *w = defs[l].word[k];

			index_of[l].len[k] = strlen(w);
			index_of[l].by_first[(unsigned char)w[0]] |= (uint64_t)1 << k;
		}
	}
}

/* Some word of the set starts at p (avail bytes left)? Its length, or 0.
 * whole: only a word that is all of the avail bytes. */
static size_t
word_at(const struct words_def *d, const struct words_index *ix,
	const char *p, size_t avail, bool whole)
{
	uint64_t set = ix->by_first[ascii_tolower((unsigned char)p[0])];

	while (set != 0) {
		unsigned k = (unsigned)__builtin_ctzll(set);
		const char *w = d->word[k];
		size_t n = ix->len[k], j;

		set &= set - 1;
		/* The last byte next: many words share their beginnings
		 * ("delivery ...", "mailer-daemon", "mailer_daemon"). */
		if (n > avail || (whole && n != avail) ||
		    ascii_tolower((unsigned char)p[n - 1]) != (unsigned char)w[n - 1])
			continue;
		for (j = 1; j < n; j++)
			if (ascii_tolower((unsigned char)p[j]) != (unsigned char)w[j])
				break;
		if (j == n)
			return n;
	}
	return 0;
}

bool
words_match(enum words_list l, struct span s)
{
	const struct words_def *d;
	const struct words_index *ix;
	size_t i;

	if ((unsigned)l >= WORDS_NLISTS || s.len == 0)
		return false;
	pthread_once(&index_once, index_build);
	d = &defs[l];
	ix = &index_of[l];
	switch (d->way) {
	case WAY_WHOLE:
		return word_at(d, ix, s.p, s.len, true) > 0;
	case WAY_START:
		return word_at(d, ix, s.p, s.len, false) > 0;
	case WAY_ANYWHERE:
		for (i = 0; i < s.len; i++)
			if (ix->by_first[ascii_tolower((unsigned char)s.p[i])] != 0 &&
			    word_at(d, ix, s.p + i, s.len - i, false) > 0)
				return true;
		return false;
	}
	return false;
}

bool
words_null_sender(struct span a)
{
	const char *at;

	a = span_trim(a);
	if (a.len > 0 && a.p[0] == '<') {
		a.p++;
		a.len--;
		if (a.len > 0 && a.p[a.len - 1] == '>')
			a.len--;
	}
	a = span_trim(a);
	if (a.len == 0)
		return true;
	if ((at = memchr(a.p, '@', a.len)) != NULL)
		a.len = (size_t)(at - a.p);
	return words_match(WORDS_DAEMON_LOCAL, a);
}

const char *
words_nth(enum words_list l, size_t k)
{
	if ((unsigned)l >= WORDS_NLISTS || k >= defs[l].n)
		return NULL;
	return defs[l].word[k];
}
