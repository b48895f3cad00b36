/*
 * mailbox.c - from paths to messages.
 *
 * A regular file is an mbox when it starts with "From "; otherwise it is
 * one message. A folder with cur/ and new/ is a Maildir; any other folder
 * is walked recursively, entries in name order so output is stable.
 * Files are mapped, not copied.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailbox.h"

#define STDIN_MAX	(256u * 1024 * 1024)	/* refuse more from a pipe */

static int walk_path(const char *path, mailbox_fn fn, void *arg, int depth);

/* Split an mbox at "From " lines that follow a blank line or start it. */
static void
mbox_split(const char *path, const char *p, size_t len, mailbox_fn fn, void *arg)
{
	size_t start = 0, i, n = 0;
	char source[PATH_MAX + 32];

	while (start < len) {
		const char *body, *next = NULL;
		size_t end;

		/* Skip the "From " separator line itself. */
		body = memchr(p + start, '\n', len - start);
		body = body != NULL ? body + 1 : p + len;
		/* The next "From " line. Its 'F' is searched for, not each line
		 * end: far fewer calls (most of the time spent reading a big
		 * mbox went into a call per short line). */
		for (i = (size_t)(body - p) + 1; i < len; i++) {
			const char *f = memchr(p + i, 'F', len - i);

			if (f == NULL)
				break;
			i = (size_t)(f - p);
			/* mboxo/mboxrd: a separator follows an empty line. */
			if (p[i - 1] == '\n' && len - i >= 5 && memcmp(f, "From ", 5) == 0 &&
			    i >= 2 && (p[i - 2] == '\n' ||
			    (p[i - 2] == '\r' && i >= 3 && p[i - 3] == '\n'))) {
				next = f;
				break;
			}
		}
		end = next != NULL ? (size_t)(next - p) : len;
		snprintf(source, sizeof(source), "%s:%zu", path, ++n);
		fn(source, body, (size_t)(p + end - body), arg);
		start = end;
	}
}

static int
read_file(const char *path, const struct stat *st, mailbox_fn fn, void *arg)
{
	int fd;
	void *map;
	size_t len = (size_t)st->st_size;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "bouncediag: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (len == 0) {
		close(fd);
		fn(path, "", 0, arg);
		return 0;
	}
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		fprintf(stderr, "bouncediag: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (len > 5 && memcmp(map, "From ", 5) == 0)
		mbox_split(path, map, len, fn, arg);
	else
		fn(path, map, len, arg);
	munmap(map, len);
	return 0;
}

static int
read_stdin(mailbox_fn fn, void *arg)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	int rc = 0;

	if (buf == NULL)
		return -1;
	for (;;) {
		if (len == cap) {
			char *nb;

			if (cap >= STDIN_MAX) {
				fprintf(stderr, "bouncediag: standard input: larger than %u bytes\n", STDIN_MAX);
				rc = -1;
				break;
			}
			if ((nb = realloc(buf, cap * 2)) == NULL) {
				rc = -1;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(STDIN_FILENO, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "bouncediag: standard input: %s\n", strerror(errno));
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (rc == 0) {
		if (len > 5 && memcmp(buf, "From ", 5) == 0)
			mbox_split("-", buf, len, fn, arg);
		else
			fn("-", buf, len, arg);
	}
	free(buf);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
walk_dir(const char *path, mailbox_fn fn, void *arg, int depth)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL, child[PATH_MAX];
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (depth > 32) {
		fprintf(stderr, "bouncediag: %s: folders nested too deep\n", path);
		return -1;
	}
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "bouncediag: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		/* Hidden files, and a Maildir's tmp/ (messages being written). */
		if (e->d_name[0] == '.' || strcmp(e->d_name, "tmp") == 0)
			continue;
		if (n == cap) {
			char **nn = reallocarray(names, cap ? cap * 2 : 64, sizeof(*nn));

			if (nn == NULL) {
				rc = -1;
				break;
			}
			names = nn;
			cap = cap ? cap * 2 : 64;
		}
		if ((names[n] = strdup(e->d_name)) == NULL) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, names[i]) >= sizeof(child)) {
			fprintf(stderr, "bouncediag: %s/%s: path too long\n", path, names[i]);
			rc = -1;
		} else if (walk_path(child, fn, arg, depth + 1) != 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

static int
walk_path(const char *path, mailbox_fn fn, void *arg, int depth)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "bouncediag: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return walk_dir(path, fn, arg, depth);
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "bouncediag: %s: not a file or folder\n", path);
		return -1;
	}
	return read_file(path, &st, fn, arg);
}

int
mailbox_walk(const char *path, mailbox_fn fn, void *arg)
{
	if (strcmp(path, "-") == 0)
		return read_stdin(fn, arg);
	return walk_path(path, fn, arg, 0);
}
