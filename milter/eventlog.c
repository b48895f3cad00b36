/*
 * eventlog.c - the EventLog file (see eventlog.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eventlog.h"

struct eventlog {
	int	fd;
};

struct eventlog *
eventlog_open(const char *path, char *err, size_t errlen)
{
	struct eventlog *ev;
	int fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0) {
		snprintf(err, errlen, "EventLog %s: %s", path, strerror(errno));
		return NULL;
	}
	if ((ev = malloc(sizeof(*ev))) == NULL) {
		close(fd);
		snprintf(err, errlen, "EventLog %s: out of memory", path);
		return NULL;
	}
	ev->fd = fd;
	return ev;
}

int
eventlog_write(struct eventlog *ev, const char *line)
{
	size_t len = strlen(line);
	char *buf;
	ssize_t n;

	if ((buf = malloc(len + 1)) == NULL)
		return -1;
	memcpy(buf, line, len);
	buf[len] = '\n';
	n = write(ev->fd, buf, len + 1);
	free(buf);
	if (n < 0)
		return -1;
	if ((size_t)n != len + 1) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

struct eventlog *
eventlog_dup(const struct eventlog *old)
{
	struct eventlog *ev;
	int fd;

	if ((fd = fcntl(old->fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return NULL;
	if ((ev = malloc(sizeof(*ev))) == NULL) {
		close(fd);
		return NULL;
	}
	ev->fd = fd;
	return ev;
}

void
eventlog_close(struct eventlog *ev)
{
	if (ev == NULL)
		return;
	close(ev->fd);
	free(ev);
}

int
eventlog_give(struct eventlog *ev, uid_t uid, gid_t gid)
{
	struct stat st;

	if (ev == NULL || fstat(ev->fd, &st) != 0 || st.st_uid != 0 || uid == 0)
		return 0;
	return fchown(ev->fd, uid, gid);
}
