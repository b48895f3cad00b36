/*
 * runtime.c - the settings in force, swapped whole on reload
 * (see runtime.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "eventlog.h"
#include "log.h"
#include "runtime.h"

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static struct runtime	*current;

static void
runtime_free(struct runtime *rt)
{
	if (rt == NULL)
		return;
	bounce_rules_free(rt->rules);
	eventlog_close(rt->events);
	free(rt);
}

static void
apply_overrides(struct config *cfg, const struct overrides *ov)
{
	if (ov == NULL)
		return;
	if (ov->socket != NULL)
		snprintf(cfg->socket, sizeof(cfg->socket), "%s", ov->socket);
	if (ov->user != NULL)
		snprintf(cfg->user_id, sizeof(cfg->user_id), "%s", ov->user);
	if (ov->pid_file != NULL)
		snprintf(cfg->pid_file, sizeof(cfg->pid_file), "%s", ov->pid_file);
	if (ov->debug > 0)
		cfg->log_level = ov->debug >= 2 ? LOG_DEBUG : LOG_INFO;
}

/*
 * The EventLog of a reload: opened anew (log rotation renames the file,
 * then sends SIGUSR1); if that fails for the same path, typically
 * because privileges were dropped and the file is root's, the old
 * descriptor is kept, with a warning, rather than refusing the reload.
 */
static bool
open_events(struct runtime *rt, const struct runtime *old, char *err, size_t errlen)
{
	if (rt->cfg.event_log[0] == '\0')
		return true;
	if ((rt->events = eventlog_open(rt->cfg.event_log, err, errlen)) != NULL)
		return true;
	if (old == NULL || old->events == NULL ||
	    strcmp(old->cfg.event_log, rt->cfg.event_log) != 0 ||
	    (rt->events = eventlog_dup(old->events)) == NULL)
		return false;
	log_msg(LOG_WARNING, "%s; still writing to the file opened before", err);
	return true;
}

struct runtime *
runtime_load(const char *path, const struct overrides *ov, char *err, size_t errlen)
{
	return runtime_load_after(NULL, path, ov, err, errlen);
}

struct runtime *
runtime_load_after(const struct runtime *old, const char *path,
		   const struct overrides *ov, char *err, size_t errlen)
{
	struct runtime *rt;

	if ((rt = calloc(1, sizeof(*rt))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!config_load(&rt->cfg, path, err, errlen))
		goto fail;
	apply_overrides(&rt->cfg, ov);
	if ((rt->rules = bounce_rules_load(rt->cfg.rules_dir, err, errlen)) == NULL)
		goto fail;
	if (!open_events(rt, old, err, errlen))
		goto fail;
	return rt;
fail:
	runtime_free(rt);
	return NULL;
}

void
runtime_install(struct runtime *rt)
{
	struct runtime *old;

	pthread_mutex_lock(&lock);
	old = current;
	current = rt;
	rt->refs = 1;			/* the "current" reference */
	if (old != NULL && --old->refs > 0)
		old = NULL;		/* messages still use it */
	pthread_mutex_unlock(&lock);
	runtime_free(old);
}

bool
runtime_reload(const char *path, const struct overrides *ov, char *err, size_t errlen)
{
	struct runtime *old = runtime_get(), *rt;

	rt = runtime_load_after(old, path, ov, err, errlen);
	runtime_put(old);
	if (rt == NULL)
		return false;
	runtime_install(rt);
	return true;
}

struct runtime *
runtime_get(void)
{
	struct runtime *rt;

	pthread_mutex_lock(&lock);
	rt = current;
	if (rt != NULL)
		rt->refs++;
	pthread_mutex_unlock(&lock);
	return rt;
}

void
runtime_put(struct runtime *rt)
{
	bool last;

	if (rt == NULL)
		return;
	pthread_mutex_lock(&lock);
	last = --rt->refs == 0;
	pthread_mutex_unlock(&lock);
	if (last)
		runtime_free(rt);
}

void
runtime_shutdown(void)
{
	struct runtime *old;

	pthread_mutex_lock(&lock);
	old = current;
	current = NULL;
	if (old != NULL && --old->refs > 0)
		old = NULL;
	pthread_mutex_unlock(&lock);
	runtime_free(old);
}
