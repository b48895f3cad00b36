/*
 * log.c - the daemon's one logger (see log.h).
 *
 * Settings are a handful of ints read by every thread; they change only
 * at reload, where a torn read would at worst log one line too many.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static struct {
	bool	syslog;
	bool	stderr;
	int	level;
	bool	opened;
} logging = { false, true, LOG_INFO, false };

static const char *const prio_names[] = {
	"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
};

void
log_setup(const char *ident, bool to_syslog, int facility, bool to_stderr, int level)
{
	if (logging.opened)
		closelog();
	logging.opened = false;
	if (to_syslog) {
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
		logging.opened = true;
	}
	logging.syslog = to_syslog;
	logging.stderr = to_stderr;
	logging.level = level;
}

void
log_set_level(int level)
{
	logging.level = level;
}

bool
log_enabled(int priority)
{
	return priority <= logging.level;
}

void
log_msg(int priority, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (!log_enabled(priority))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (logging.syslog)
		syslog(priority, "%s", line);
	if (logging.stderr)
		fprintf(stderr, "bouncemilter: %s: %s\n",
		    prio_names[priority & 7], line);
}
