/*
 * runtime.h - the settings in force: config, compiled rules, event log.
 *
 * One immutable set is current at any time. A message takes a reference
 * when it starts and keeps that set to its end, so a reload (SIGUSR1)
 * swaps in a new set without disturbing messages in flight; the old set
 * is freed when its last message is done.
 */
#ifndef RUNTIME_H
#define RUNTIME_H

#include <stdbool.h>
#include <stddef.h>

#include "bounce.h"
#include "config.h"

struct eventlog;

struct runtime {
	struct config	     cfg;
	struct bounce_rules *rules;
	struct eventlog	    *events;	/* NULL without EventLog */
	unsigned	     refs;	/* guarded by the runtime lock */
};

/* Command-line settings that beat the file's (also after a reload). */
struct overrides {
	const char *socket;		/* -p */
	const char *user;		/* -u */
	const char *pid_file;		/* -P */
	int	    debug;		/* -d: 0 none */
};

/* Load config, rules and event log into a new set (not yet current).
 * NULL with "file:line: reason" in err. */
struct runtime *runtime_load(const char *path, const struct overrides *,
			     char *err, size_t errlen);
/* The same, on reload: old (may be NULL) lends its EventLog descriptor
 * when the file can no longer be opened. */
struct runtime *runtime_load_after(const struct runtime *old, const char *path,
				   const struct overrides *, char *err, size_t errlen);
/* Make rt current (the runtime owns it from now on). */
void	runtime_install(struct runtime *);
/* Load anew and install; on failure the current set stays. */
bool	runtime_reload(const char *path, const struct overrides *,
		       char *err, size_t errlen);
struct runtime *runtime_get(void);		/* +1 reference to the current set */
void	runtime_put(struct runtime *);		/* -1, frees an old set at 0 */
void	runtime_shutdown(void);

#endif /* RUNTIME_H */
