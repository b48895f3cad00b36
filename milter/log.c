/*
 * log.c - the daemon's one logger (see log.h).
 *
 * Settings are a handful of ints read by every thread; they change only
 * at reload, where a torn read would at worst log one line too many.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define LINE_MAX_BYTES	2048	/* a message, cut there */
#define PREFIX_MAX_BYTES	32	/* "bouncemilter: warning: " */

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

/*
 * A line goes to stderr in one write(2) of our own buffer: fprintf on
 * the unbuffered stderr holds the stream's lock across its write, and
 * with a bounce finishing on several connections at once the threads
 * queued on that lock (a futex sleep and wake-up each, strace).
 */
void
log_msg(int priority, const char *fmt, ...)
{
	char line[LINE_MAX_BYTES + PREFIX_MAX_BYTES + 1];
	va_list ap;
	size_t pre, len;
	int saved = errno, n;

	if (!log_enabled(priority))
		return;
	n = snprintf(line, PREFIX_MAX_BYTES, "bouncemilter: %s: ", prio_names[priority & 7]);
	pre = n < 0 ? 0 : (size_t)n < PREFIX_MAX_BYTES ? (size_t)n : PREFIX_MAX_BYTES - 1;
	errno = saved;			/* for %m */
	va_start(ap, fmt);
	n = vsnprintf(line + pre, LINE_MAX_BYTES, fmt, ap);
	va_end(ap);
	len = n < 0 ? 0 : (size_t)n < LINE_MAX_BYTES ? (size_t)n : LINE_MAX_BYTES - 1;
	if (logging.syslog)
		syslog(priority, "%s", line + pre);
	if (logging.stderr) {
		line[pre + len] = '\n';
		if (write(STDERR_FILENO, line, pre + len + 1) < 0)
			return;		/* nowhere to say so */
	}
}
