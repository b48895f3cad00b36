/*
 * rules_cache.c - keep compiled pattern databases between runs.
 *
 * Compiling the rule patterns costs Vectorscan a few hundred
 * milliseconds; loading a serialized database costs well under one. So
 * the compiled database is stored under a name that is a hash of
 * everything that went into it (library version, platform, flags and id
 * of every pattern, every pattern), and reused when the same patterns come again. A stale or
 * damaged file is simply not used.
 *
 * Where: $BOUNCE_RULES_CACHE if set ("" or "off" disables the cache),
 * else $XDG_CACHE_HOME/bouncemilter, else $HOME/.cache/bouncemilter.
 * Only files owned by the effective user and not writable by others are
 * read. Every failure is silent: the caller compiles instead.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rules.h"

#define CACHE_MAGIC	"BMRULES4"
#define CACHE_MAX	(64 * 1024 * 1024)
#define CACHE_STALE	(24 * 60 * 60)	/* other databases older than this go */

struct cache_key {
	uint64_t h[2];
};

static void
key_add(struct cache_key *k, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	/* Two independent FNV-1a streams: 128 bits against collisions. */
	for (i = 0; i < len; i++) {
		k->h[0] = (k->h[0] ^ b[i]) * 0x100000001b3ULL;
		k->h[1] = (k->h[1] ^ b[i]) * 0x00000100000001b3ULL * 31 + 7;
	}
}

/* A checksum of the stored database, eight bytes at a time (it is read
 * at every start, and is hundreds of kilobytes). */
static uint64_t
data_sum(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, sizeof(w));
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	return h ^ len;
}

static void
make_key(struct cache_key *k, const char *const *expr, const unsigned *flags,
	 const unsigned *ids, unsigned n)
{
	hs_platform_info_t plat;
	const char *ver = hs_version();
	unsigned i;

	k->h[0] = 0xcbf29ce484222325ULL;
	k->h[1] = 0x84222325cbf29ce4ULL;
	key_add(k, CACHE_MAGIC, sizeof(CACHE_MAGIC));
	key_add(k, ver, strlen(ver) + 1);
	memset(&plat, 0, sizeof(plat));
	if (hs_populate_platform(&plat) == HS_SUCCESS)
		key_add(k, &plat, sizeof(plat));
	key_add(k, &n, sizeof(n));
	for (i = 0; i < n; i++) {
		key_add(k, &flags[i], sizeof(flags[i]));
		key_add(k, &ids[i], sizeof(ids[i]));
		key_add(k, expr[i], strlen(expr[i]) + 1);
	}
}

/* The cache folder, created if need be; false when there is none. */
static bool
cache_dir(char *out, size_t outlen)
{
	const char *env = secure_getenv("BOUNCE_RULES_CACHE");
	const char *base;
	char parent[PATH_MAX];

	if (env != NULL) {
		if (env[0] == '\0' || strcmp(env, "off") == 0)
			return false;
		if ((size_t)snprintf(out, outlen, "%s", env) >= outlen)
			return false;
		return mkdir(out, 0700) == 0 || errno == EEXIST;
	}
	if ((base = secure_getenv("XDG_CACHE_HOME")) != NULL && base[0] == '/') {
		if ((size_t)snprintf(parent, sizeof(parent), "%s", base) >= sizeof(parent))
			return false;
	} else if ((base = secure_getenv("HOME")) != NULL && base[0] == '/') {
		if ((size_t)snprintf(parent, sizeof(parent), "%s/.cache", base) >= sizeof(parent))
			return false;
	} else
		return false;
	if (mkdir(parent, 0700) != 0 && errno != EEXIST)
		return false;
	if ((size_t)snprintf(out, outlen, "%s/bouncemilter", parent) >= outlen)
		return false;
	return mkdir(out, 0700) == 0 || errno == EEXIST;
}

static bool
cache_path(const struct cache_key *k, char *out, size_t outlen, char *dir, size_t dirlen)
{
	if (!cache_dir(dir, dirlen))
		return false;
	return (size_t)snprintf(out, outlen, "%s/rules-%016llx%016llx.hsdb", dir,
				(unsigned long long)k->h[0], (unsigned long long)k->h[1]) < outlen;
}

static bool
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return false;
		}
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/*
 * Vectorscan's databases and scratch spaces are big blocks written in
 * full as soon as they are made: they come with their pages in place
 * (bigmem.c). Set once, before Vectorscan allocates anything.
 */
static pthread_once_t allocator_once = PTHREAD_ONCE_INIT;

static void
allocator_set(void)
{
	hs_set_database_allocator(bigmem_alloc, bigmem_free);
	hs_set_scratch_allocator(bigmem_alloc, bigmem_free);
}

void
rules_hs_init(void)
{
	pthread_once(&allocator_once, allocator_set);
}

bool
rules_cache_load(const char *const *expr, const unsigned *flags,
		 const unsigned *ids, unsigned n, hs_database_t **db)
{
	char dir[PATH_MAX], path[PATH_MAX];
	enum { HEAD = sizeof(CACHE_MAGIC) - 1 + sizeof(struct cache_key) + sizeof(uint64_t) };
	uint64_t sum;
	struct cache_key k;
	struct stat st;
	const char *map;
	size_t size;
	int fd;
	bool ok = false;

	*db = NULL;
	rules_hs_init();
	make_key(&k, expr, flags, ids, n);
	if (!cache_path(&k, path, sizeof(path), dir, sizeof(dir)))
		return false;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return false;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) != 0 || st.st_size <= (off_t)HEAD ||
	    st.st_size > CACHE_MAX) {
		close(fd);
		return false;
	}
	/* Mapped, pages in place: read once, never written. */
	size = (size_t)st.st_size;
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return false;
	/* Vectorscan checks its own bytes too; the sum catches a torn write
	 * before they are even looked at. */
	memcpy(&sum, map + HEAD - sizeof(sum), sizeof(sum));
	if (memcmp(map, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1) == 0 &&
	    memcmp(map + sizeof(CACHE_MAGIC) - 1, &k, sizeof(k)) == 0 &&
	    sum == data_sum(map + HEAD, size - HEAD))
		ok = hs_deserialize_database(map + HEAD, size - HEAD, db) == HS_SUCCESS;
	munmap((void *)map, size);
	return ok;
}

/* Databases of other rule versions pile up while rules are edited. */
static void
drop_stale(const char *dir, const char *keep)
{
	DIR *d;
	struct dirent *de;
	time_t now = time(NULL);

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat st;
		size_t len = strlen(de->d_name);

		if (strncmp(de->d_name, "rules-", 6) != 0 || len < 5 ||
		    strcmp(de->d_name + len - 5, ".hsdb") != 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path) ||
		    strcmp(path, keep) == 0)
			continue;
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
		    now - st.st_mtime > CACHE_STALE)
			unlink(path);
	}
	closedir(d);
}

void
rules_cache_store(const char *const *expr, const unsigned *flags,
		  const unsigned *ids, unsigned n, const hs_database_t *db)
{
	char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
	struct cache_key k;
	char *ser = NULL;
	size_t len;
	int fd;
	uint64_t sum;
	bool ok;

	make_key(&k, expr, flags, ids, n);
	if (!cache_path(&k, path, sizeof(path), dir, sizeof(dir)) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.rules-XXXXXX", dir) >= sizeof(tmp))
		return;
	if (hs_serialize_database(db, &ser, &len) != HS_SUCCESS)
		return;
	if ((fd = mkstemp(tmp)) < 0) {
		free(ser);
		return;
	}
	sum = data_sum(ser, len);
	ok = fchmod(fd, 0600) == 0 &&
	    write_all(fd, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1) &&
	    write_all(fd, (const char *)&k, sizeof(k)) &&
	    write_all(fd, (const char *)&sum, sizeof(sum)) && write_all(fd, ser, len);
	ok = close(fd) == 0 && ok;
	free(ser);
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return;
	}
	drop_stale(dir, path);
}
