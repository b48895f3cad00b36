/*
 * diagnose.h - one message in, one report out: what bouncediag does for
 * every message, whether it runs alone or in worker threads (jobs.h).
 */
#ifndef DIAGNOSE_H
#define DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bounce.h"

struct diagnose {
	const struct bounce_rules *rules;	/* shared, read-only */
	struct bounce_limits	   limits;
	bool			   json;	/* JSON Lines, else text */
};

/* Parse and classify one message and write its report to out: readable
 * text, or one JSON line. Returns false, having written nothing, when
 * memory ran out. Thread-safe: each thread has its own out. */
bool	diagnose_message(FILE *out, const struct diagnose *, const char *source,
			 const char *msg, size_t len);

/* The same to standard output; on failure say so on standard error. */
bool	diagnose_print(const struct diagnose *, const char *source,
		       const char *msg, size_t len);

/* "bouncediag: what: why" on standard error. */
void	diagnose_complain(const char *what, const char *why);

#endif
