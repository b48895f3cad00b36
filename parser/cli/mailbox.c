/*
 * mailbox.c - from paths to messages.
 *
 * A regular file is an mbox when it starts with "From "; otherwise it is
 * one message. A folder with cur/ and new/ is a Maildir; any other folder
 * is walked recursively, entries in name order so output is stable.
 *
 * Files are read into one buffer that serves every file of the walk, an
 * mbox a megabyte at a time (the buffer holds the message being read
 * and grows only for one longer than that, up to what the sink keeps of
 * a message). Only a big single message is mapped instead. Copying into memory already touched is cheaper
 * than touching every page of a mapping for the first time, which is
 * where most of the time of reading a big mbox went.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_PATH	1	/* built for any x86-64, chosen at run time */
#endif

#include "mailbox.h"

#define STDIN_MAX	(256u * 1024 * 1024)	/* refuse a bigger single message */
#define READ_CHUNK	(1024 * 1024)		/* read at a time, and the first size */
#define READ_WHOLE_MAX	(4 * 1024 * 1024)	/* bigger single messages are mapped */

/* What a walk carries down: the callbacks and the read buffer. */
struct walker {
	const struct mailbox_sink *sink;
	char		*buf;
	size_t		 cap;
};

static int walk_path(struct walker *, const char *path, int depth);

/* Something under path could not be read: say why, through the sink. */
static void
fail(const struct mailbox_sink *sink, const char *path, const char *why)
{
	sink->error(strcmp(path, "-") == 0 ? "standard input" : path, why, sink->arg);
}

#ifdef HAVE_AVX2_PATH
/* line_start_f() thirty-two bytes at a time, for CPUs with AVX2: every
 * byte of an mbox goes through this loop. True and *at if found in the
 * whole blocks from *at; else false, *at where they end. */
__attribute__((target("avx2"))) static bool
line_start_f_avx2(const char *p, size_t *at, size_t len)
{
	const __m256i nl = _mm256_set1_epi8('\n'), f = _mm256_set1_epi8('F');
	size_t i;

	for (i = *at; i + 32 <= len; i += 32) {
		__m256i prev = _mm256_loadu_si256((const __m256i *)(const void *)(p + i - 1));
		__m256i cur = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
		uint32_t m = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(
		    _mm256_cmpeq_epi8(prev, nl), _mm256_cmpeq_epi8(cur, f)));

		if (m != 0) {
			*at = i + (size_t)__builtin_ctz(m);
			return true;
		}
	}
	*at = i;
	return false;
}
#endif

/*
 * The first i at or after from (from >= 1) where an 'F' starts a line,
 * or len. Only those can start a separator; searching for the pair
 * sixteen (with AVX2 thirty-two) bytes at a time skips the many 'F's
 * inside lines, each of which cost a memchr() call.
 */
static size_t
line_start_f(const char *p, size_t from, size_t len)
{
	size_t i = from;

#ifdef HAVE_AVX2_PATH
	if (i + 32 <= len && __builtin_cpu_supports("avx2") &&
	    line_start_f_avx2(p, &i, len))
		return i;
#endif
#ifdef __SSE2__
	for (; i + 16 <= len; i += 16) {
		__m128i prev = _mm_loadu_si128((const __m128i *)(const void *)(p + i - 1));
		__m128i cur = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(
		    _mm_cmpeq_epi8(prev, _mm_set1_epi8('\n')),
		    _mm_cmpeq_epi8(cur, _mm_set1_epi8('F'))));

		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i < len; i++)
		if (p[i] == 'F' && p[i - 1] == '\n')
			return i;
	return len;
}

/* Split an mbox at "From " lines that follow a blank line or start it. */
static void
mbox_split(const char *path, const char *p, size_t len, const struct mailbox_sink *sink)
{
	size_t start = 0, i, n = 0;
	char source[PATH_MAX + 32];

	while (start < len) {
		const char *body, *next = NULL;
		size_t end;

		/* Skip the "From " separator line itself. */
		body = memchr(p + start, '\n', len - start);
		body = body != NULL ? body + 1 : p + len;
		/* The next "From " line: only an 'F' starting a line is tried. */
		for (i = (size_t)(body - p) + 1; i < len; i++) {
			if ((i = line_start_f(p, i, len)) == len)
				break;
			/* mboxo/mboxrd: a separator follows an empty line. */
			if (len - i >= 5 && memcmp(p + i, "From ", 5) == 0 &&
			    i >= 2 && (p[i - 2] == '\n' ||
			    (p[i - 2] == '\r' && i >= 3 && p[i - 3] == '\n'))) {
				next = p + i;
				break;
			}
		}
		end = next != NULL ? (size_t)(next - p) : len;
		snprintf(source, sizeof(source), "%s:%zu", path, ++n);
		sink->message(source, body, (size_t)(p + end - body), sink->arg);
		start = end;
	}
}

/* Make the buffer at least need bytes long. It is mapped with its pages
 * in place: a first touch per page costs a fault, and on some virtual
 * machines a fault costs more than reading the page. */
static bool
buf_reserve(struct walker *w, size_t need)
{
	size_t cap = w->cap ? w->cap : READ_CHUNK;
	char *nb;

	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return false;
		cap *= 2;
	}
	if (cap == w->cap)
		return true;
	nb = mmap(NULL, cap, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (nb == MAP_FAILED)
		return false;
	if (w->buf != NULL) {
		memcpy(nb, w->buf, w->cap);
		munmap(w->buf, w->cap);
	}
	w->buf = nb;
	w->cap = cap;
	return true;
}

/* read(2) into the buffer at len, as much as fits; 0 at the end. */
static ssize_t
buf_read(struct walker *w, int fd, size_t len)
{
	ssize_t n;

	do
		n = read(fd, w->buf + len, w->cap - len);
	while (n < 0 && errno == EINTR);
	return n;
}

/*
 * Of a message longer than the sink keeps, forget what was searched past
 * the kept part: everything from keep up to the last three bytes before
 * scan, which the separator test may still look back at.
 */
static void
drop_overlong(struct walker *w, size_t body, size_t *scan, size_t *len)
{
	size_t keep = w->sink->keep, from, to;

	if (keep == 0 || keep > SIZE_MAX - body - 3 || *scan - body <= keep + 3)
		return;
	to = body + keep;
	from = *scan - 3;
	memmove(w->buf + to, w->buf + from, *len - from);
	*len -= from - to;
	*scan -= from - to;
}

/*
 * An mbox read a chunk at a time. The buffer holds the message being
 * split off (from its "From " line) and what was read after it; the
 * search for the next separator resumes where it stopped, and a 'F' too
 * near the end of what was read waits for the bytes that decide.
 */
static int
stream_mbox(struct walker *w, int fd, const char *path, size_t len)
{
	size_t start = 0, body = 0, scan = 0, n = 0, i, next;
	bool eof = false, have_body = false;
	char source[PATH_MAX + 32];
	ssize_t got;

	for (;;) {
		const char *p = w->buf, *nl;

		if (!have_body) {
			/* The message starts after its separator line. */
			nl = len > start ? memchr(p + start, '\n', len - start) : NULL;
			if (nl != NULL || eof) {
				body = nl != NULL ? (size_t)(nl - p) + 1 : len;
				scan = body + 1;
				have_body = true;
			}
		}
		if (have_body) {
			next = SIZE_MAX;
			for (i = scan; i < len; i++) {
				if ((i = line_start_f(p, i, len)) == len)
					break;
				if (len - i < 5)
					break;	/* undecided until more is read */
				/* mboxo/mboxrd: a separator follows an empty line. */
				if (memcmp(p + i, "From ", 5) == 0 &&
				    (p[i - 2] == '\n' || (p[i - 2] == '\r' && p[i - 3] == '\n'))) {
					next = i;
					break;
				}
			}
			if (next != SIZE_MAX || eof) {
				size_t end = next != SIZE_MAX ? next : len;

				snprintf(source, sizeof(source), "%s:%zu", path, ++n);
				w->sink->message(source, p + body, end - body, w->sink->arg);
				if (next == SIZE_MAX)
					return 0;
				start = next;
				have_body = false;
				continue;
			}
			scan = i < len ? i : len;
			drop_overlong(w, body, &scan, &len);
		}
		/* Keep the message being read, move it to the front, read on. */
		if (start > 0) {
			memmove(w->buf, w->buf + start, len - start);
			len -= start;
			body -= have_body ? start : 0;
			scan -= have_body ? start : 0;
			start = 0;
		}
		if ((len == w->cap && !buf_reserve(w, len + 1)) ||
		    (got = buf_read(w, fd, len)) < 0) {
			fail(w->sink, path, len == w->cap ? "out of memory" : strerror(errno));
			return -1;
		}
		if (got == 0)
			eof = true;
		len += (size_t)got;
	}
}

/* A single message mapped (too big to copy for nothing). Not populated:
 * the engine reads at most max_scan_bytes of it, so only those pages are
 * ever touched and a 20 MB bounce costs what a 1 MB one does. */
static int
map_file(struct walker *w, int fd, const char *path, size_t len)
{
	void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);

	if (map == MAP_FAILED) {
		fail(w->sink, path, strerror(errno));
		return -1;
	}
	w->sink->message(path, map, len, w->sink->arg);
	munmap(map, len);
	return 0;
}

static int
read_file(struct walker *w, const char *path, const struct stat *st)
{
	size_t size = (size_t)st->st_size, len = 0;
	char head[5];
	ssize_t got;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fail(w->sink, path, strerror(errno));
		return -1;
	}
	if (size == 0) {
		close(fd);
		w->sink->message(path, "", 0, w->sink->arg);
		return 0;
	}
	if (size > READ_WHOLE_MAX) {
		if (pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) &&
		    memcmp(head, "From ", 5) == 0)
			rc = stream_mbox(w, fd, path, 0);
		else
			rc = map_file(w, fd, path, size);
		close(fd);
		return rc;
	}
	/* A small file: read whole (it may have grown: read what there is
	 * up to the size seen). */
	if (!buf_reserve(w, size)) {
		fail(w->sink, path, "out of memory");
		close(fd);
		return -1;
	}
	while (len < size && (got = buf_read(w, fd, len)) > 0)
		len += (size_t)got < size - len ? (size_t)got : size - len;
	if (len < size && got < 0) {
		fail(w->sink, path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (len > 5 && memcmp(w->buf, "From ", 5) == 0)
		mbox_split(path, w->buf, len, w->sink);
	else
		w->sink->message(path, w->buf, len, w->sink->arg);
	return 0;
}

/*
 * Standard input: an mbox is split as it streams in, like a big mbox
 * file, so a pipe of any size runs in bounded memory; a single message
 * is read whole, up to STDIN_MAX.
 */
static int
read_stdin(struct walker *w)
{
	size_t len = 0;
	ssize_t got = 1;
	char why[64];

	if (!buf_reserve(w, READ_CHUNK)) {
		fail(w->sink, "-", "out of memory");
		return -1;
	}
	/* Enough to tell an mbox ("From " and more) from a message. */
	while (len < 6 && (got = buf_read(w, STDIN_FILENO, len)) > 0)
		len += (size_t)got;
	if (got > 0 && memcmp(w->buf, "From ", 5) == 0)
		return stream_mbox(w, STDIN_FILENO, "-", len);
	while (got > 0) {
		if (len == w->cap) {
			if (w->cap >= STDIN_MAX) {
				snprintf(why, sizeof(why), "larger than %u bytes", STDIN_MAX);
				fail(w->sink, "-", why);
				return -1;
			}
			if (!buf_reserve(w, len + 1)) {
				fail(w->sink, "-", "out of memory");
				return -1;
			}
		}
		if ((got = buf_read(w, STDIN_FILENO, len)) > 0)
			len += (size_t)got;
	}
	if (got < 0) {
		fail(w->sink, "-", strerror(errno));
		return -1;
	}
	w->sink->message("-", w->buf, len, w->sink->arg);
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
walk_dir(struct walker *w, const char *path, int depth)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL, child[PATH_MAX];
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (depth > 32) {
		fail(w->sink, path, "folders nested too deep");
		return -1;
	}
	if ((d = opendir(path)) == NULL) {
		fail(w->sink, path, strerror(errno));
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
			fail(w->sink, child, "path too long");	/* child: cut */
			rc = -1;
		} else if (walk_path(w, child, depth + 1) != 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

static int
walk_path(struct walker *w, const char *path, int depth)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fail(w->sink, path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return walk_dir(w, path, depth);
	if (!S_ISREG(st.st_mode)) {
		fail(w->sink, path, "not a file or folder");
		return -1;
	}
	return read_file(w, path, &st);
}

int
mailbox_walk(const char *path, const struct mailbox_sink *sink)
{
	struct walker w = { .sink = sink };
	int rc;

	if (strcmp(path, "-") == 0)
		rc = read_stdin(&w);
	else
		rc = walk_path(&w, path, 0);
	if (w.buf != NULL)
		munmap(w.buf, w.cap);
	return rc;
}
