/*
 * sendmail.h - the Sendmail session transcript, read once for both
 * Sendmail families (vendor/sendmail.c for V8, vendor/v5sendmail.c).
 *
 * Sendmail quotes its SMTP dialogue after "----- Transcript of session
 * follows -----":
 *
 *	... while talking to mx.example.org.:	(V5: "While talking to ...:")
 *	>>> RCPT To:<bob@example.org>
 *	<<< 550 5.1.1 <bob@example.org>... User unknown
 *	550 5.1.1 <bob@example.org>... User unknown
 *
 * and V8 lists the addresses before it ("----- The following addresses
 * had permanent fatal errors -----", each with "(reason: ...)").
 */
#ifndef VENDOR_SENDMAIL_H
#define VENDOR_SENDMAIL_H

#include "engine.h"

#define SM_MAX_RCPT	64	/* addresses remembered per transcript */

struct sm_rcpt {
	struct span addr;	/* as written, without <> */
	struct span alias;	/* (expanded from: <a@b>) */
	struct span reason;	/* (reason: ...) */
	struct span line;	/* its own transcript line, whole */
	struct span text;	/* that line after "... " */
	struct span reply;	/* the server's words (joined <<< lines) */
	struct span host;	/* while talking to */
	const char *command;	/* the >>> command the reply answered */
	char	    code[4];	/* reply code leading its line */
	bool	    transient;	/* listed as a non-fatal (delayed) error */
};

struct sm_transcript {
	size_t	    n;
	struct span orphan;	/* "554 5.3.0 unknown mailer error 255" */
	struct span hostline;	/* "421 example.org (smtp)... Deferred: ..." */
	char	    hostcode[4];
	struct span notice;	/* "Message could not be delivered for 5 days" */
	struct span loose[4];	/* replies no address claimed */
	const char *loose_command[4];
	size_t	    nloose;
	bool	    found;	/* a transcript or address list was seen */
	/* Last: sm_read() clears what is above and each entry when it is
	 * taken, not the 8 KB of all of them. */
	struct sm_rcpt r[SM_MAX_RCPT];
};

/* Read the address lists and the transcript in text. */
void	sm_read(struct msgview *, struct span text, struct sm_transcript *);
/* The entry that belongs to a reported address (or the only one). */
struct sm_rcpt *sm_lookup(struct sm_transcript *, const char *addr);
/* Best words for an entry: the server's reply, its line, its reason. */
struct span sm_best_text(struct msgview *, const struct sm_transcript *,
			 const struct sm_rcpt *);
/* One report recipient per entry (reports without a DSN part). */
size_t	sm_emit(struct msgview *, struct sm_transcript *);

#endif /* VENDOR_SENDMAIL_H */
