/*
 * eventlog.c - the EventLog file (see eventlog.h).
 */
#include <sys/stat.h>
#include <sys/uio.h>

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

/* One writev: the line and its newline land together (O_APPEND), with
 * no copy to join them. */
int
eventlog_write(struct eventlog *ev, const char *line)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)line, .iov_len = strlen(line) },
		{ .iov_base = "\n", .iov_len = 1 },
	};
	ssize_t n;

	if ((n = writev(ev->fd, iov, 2)) < 0)
		return -1;
	if ((size_t)n != iov[0].iov_len + 1) {
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
