/*
 * jobs.h - bouncediag -j N: diagnose the messages of a walk in N worker
 * threads and write their reports in input order, as -j 1 would.
 */
#ifndef JOBS_H
#define JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include "diagnose.h"

#define JOBS_MAX	256	/* worker threads at most */

struct jobs;

/* Start n (2..JOBS_MAX) workers; d must outlive them. NULL on failure,
 * with errno set. */
struct jobs *jobs_start(unsigned n, const struct diagnose *d);

/* A mailbox_sink's callbacks (mailbox.h), arg being the struct jobs:
 * called by one thread, the one that walks the inputs. */
void	jobs_message(const char *source, const char *msg, size_t len, void *jobs);
void	jobs_error(const char *path, const char *why, void *jobs);

/* Write what is still in flight, stop the workers, free everything.
 * Returns false if some message could not be diagnosed (said on stderr). */
bool	jobs_finish(struct jobs *);

#endif
