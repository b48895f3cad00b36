/*
 * eventlog.h - the EventLog file: one JSON object per diagnosed message.
 *
 * Lines are appended with one write(2) each on an O_APPEND descriptor, so
 * threads and a log rotator (rename, then SIGUSR1 to reopen) need no lock.
 */
#ifndef EVENTLOG_H
#define EVENTLOG_H

#include <stddef.h>
#include <sys/types.h>

struct eventlog;

/* NULL with a reason in err when the file cannot be opened. */
struct eventlog *eventlog_open(const char *path, char *err, size_t errlen);
/* Append line and a newline; -1 (errno set) if the write failed. */
int	eventlog_write(struct eventlog *, const char *line);
/* Another handle on the same open file (for a reload that may no longer
 * open the path itself, having dropped privileges). */
struct eventlog *eventlog_dup(const struct eventlog *);
void	eventlog_close(struct eventlog *);
/* Before privileges are dropped: hand a file root owns to the user the
 * daemon will run as, so that it can open it again at a reload (after
 * log rotation, or just a SIGUSR1). A file owned by anyone else is left
 * as the admin made it. */
int	eventlog_give(struct eventlog *, uid_t, gid_t);

#endif /* EVENTLOG_H */
