/*
 * words.h - the words that say "this message is a report", one list per
 * vocabulary.
 *
 * The milter's header-only pre-check (sniff.c) and the engine's own
 * detection (signals.c, autoreply.c) read the same lists, so what the
 * engine would call a bounce or an auto-reply the pre-check lets through
 * to it: the two cannot drift apart. Each list has one way of matching,
 * fixed with the list, ASCII case-insensitive; words are stored in lower
 * case and may be UTF-8 (Japanese subjects).
 */
#ifndef WORDS_H
#define WORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"

enum words_list {
	WORDS_DAEMON_LOCAL,	/* whole local part of an envelope sender */
	WORDS_DAEMON_SENDER,	/* anywhere in From: MAILER-DAEMON, postmaster */
	WORDS_BOUNCE_SUBJECT,	/* anywhere in Subject: undeliverable ... */
	WORDS_AUTOREPLY_SUBJECT,	/* start of Subject: automatic reply ... */
	WORDS_AUTOREPLY_FIELD,	/* whole field name: X-Autoreply ... */
	WORDS_REPORT_FIELD,	/* whole field name: X-Failed-Recipients ... */
	WORDS_REPORT_TYPE,	/* start of Content-Type: multipart/report ... */
	WORDS_LIST_SERVER,	/* anywhere in X-MLServer: fml (list notices) */
	WORDS_FORWARD_SUBJECT,	/* start of Subject: Fwd:, FW:, WG: ... */
	WORDS_FORWARD_MARKER,	/* anywhere in a line: Forwarded message ... */
	WORDS_NLISTS
};

/* Does s match a word of the list, in the list's way? */
bool	words_match(enum words_list, struct span s);
/* Is addr (an envelope sender or Return-Path as written: "<>", "",
 * "<a@b>", "a@b") the null sender or a sender that only reports use
 * (whole local part of WORDS_DAEMON_LOCAL: MAILER-DAEMON@host,
 * double-bounce@host)? The milter's pre-check and the engine ask
 * this one question. */
bool	words_null_sender(struct span addr);
/* The list's k-th word, NULL past its end (tests, field-name loops). */
const char *words_nth(enum words_list, size_t k);

#endif /* WORDS_H */
