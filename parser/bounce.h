/*
 * bounce.h - public interface of libbounce, the bounce diagnosis engine.
 *
 * The engine reads the raw bytes of one message and says whether it is a
 * delivery report (RFC 3464 DSN or a vendor's own non-delivery report),
 * a feedback report (RFC 5965), an auto-reply (RFC 3834) or ordinary mail,
 * and what it says about each recipient. bounce_classify() then gives each
 * recipient a reason, a routing category, an owner and plain-English text,
 * from rule files loaded once with bounce_rules_load().
 *
 * The engine knows nothing of milters or sockets. Every call is reentrant:
 * a loaded rule set is read-only and may be shared by threads; each report
 * belongs to the caller that parsed it.
 *
 * Every string in a report is valid UTF-8 without control characters
 * (folded lines are unfolded), never NULL: "" means absent. Strings are
 * capped (BOUNCE_FIELD_MAX) and live as long as the report.
 */
#ifndef BOUNCE_H
#define BOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define BOUNCE_FIELD_MAX	2048	/* bytes kept of any one field */

enum bounce_kind {
	BOUNCE_KIND_NONE,	/* ordinary mail */
	BOUNCE_KIND_DSN,	/* RFC 3464 delivery status notification */
	BOUNCE_KIND_NDR,	/* non-delivery report in a vendor's own format */
	BOUNCE_KIND_ARF,	/* RFC 5965 feedback report */
	BOUNCE_KIND_AUTOREPLY,	/* RFC 3834 auto-reply, vacation notice */
};

/* Limits instead of trust. Past any of them the parser stops reading
 * more, reports what it has and sets truncated. */
struct bounce_limits {
	size_t		max_scan_bytes;		/* bytes of the message examined */
	unsigned	max_depth;		/* MIME nesting */
	unsigned	max_parts;		/* MIME parts walked */
	size_t		max_header_bytes;	/* one header field */
	unsigned	max_recipients;		/* recipients per report */
};

struct bounce_recipient {
	/* What the message says. */
	const char *recipient;		/* Final-Recipient or equivalent */
	const char *original_recipient;
	const char *action;		/* failed, delayed, delivered, relayed, expanded */
	const char *status;		/* enhanced status code, e.g. 5.1.1 */
	const char *reply_code;		/* SMTP reply code, e.g. 550 */
	const char *command;		/* CONNECT HELO MAIL RCPT DATA AUTH ... */
	const char *remote_mta;
	const char *diagnostic_type;	/* smtp, x-unix, ... */
	const char *diagnostic;		/* the remote server's words */
	const char *component;		/* Microsoft: RESOLVER.ADR.RecipNotFound */
	const char *feedback_type;	/* ARF: abuse, auth-failure, ... */
	const char *last_attempt_date;
	const char *will_retry_until;

	/* What it means: filled in by bounce_classify(). */
	const char *reason;		/* Sisimai's vocabulary: userunknown ... */
	const char *category;		/* routing vocabulary: mailbox-missing ... */
	const char *owner;		/* sender, sender-admin, recipient-admin, none */
	const char *summary;		/* one sentence: what happened */
	const char *fix;		/* one sentence: what to do */
	bool	    hard;		/* the address itself is bad */
	bool	    temporary;		/* 4.x.x or a delay warning */
};

struct bounce_original {
	const char *message_id;
	const char *from;
	const char *to;
	const char *subject;
};

struct bounce_report {
	enum bounce_kind kind;
	const char *vendor;		/* format family: rfc3464, exim, office365 ... */
	const char *reporting_mta;
	const char *received_from_mta;
	const char *arrival_date;
	const char *queue_id;		/* X-Postfix-Queue-ID and the like */
	const char *subject;		/* of the report itself */
	const char *from;		/* of the report itself */
	const char *forwarded_by;	/* From of whoever forwarded it, or "" */
	struct bounce_original original; /* the returned message, if any */

	bool	    truncated;		/* a limit was reached */
	const char *truncated_why;	/* which one */

	struct bounce_recipient *rcpt;
	size_t	    nrcpt;

	struct bounce_report_priv *priv; /* the memory behind it all */
};

struct bounce_rules;

/* Limits that suit a mail server: 1 MB scanned, depth 20, 500 parts. */
void	bounce_limits_default(struct bounce_limits *);

/* Parse one message. Never fails for bad input: what cannot be read is
 * ordinary mail (kind NONE). Returns NULL only when memory runs out. */
struct bounce_report *bounce_parse(const void *msg, size_t len,
				   const struct bounce_limits *);
void	bounce_report_free(struct bounce_report *);

/* Load and compile every *.rules file in dir. On error returns NULL and
 * writes "file:line: reason" into err. */
struct bounce_rules *bounce_rules_load(const char *dir, char *err, size_t errlen);
void	bounce_rules_free(struct bounce_rules *);

/* Fill in reason, category, owner, summary, fix, hard and temporary of
 * every recipient. Thread-safe for a shared rule set. */
void	bounce_classify(struct bounce_report *, const struct bounce_rules *);

/* One report as a single line of JSON (no newline), in the format of
 * `bouncediag --json`. queue_id and when, if given (non-NULL, non-zero),
 * add "queue_id" and "time" keys. Caller frees. NULL if out of memory. */
char   *bounce_report_json(const struct bounce_report *, const char *source,
			   const char *queue_id, time_t when);

const char *bounce_kind_name(enum bounce_kind);

#endif /* BOUNCE_H */
