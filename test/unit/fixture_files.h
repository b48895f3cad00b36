/*
 * fixture_files.h - every .eml file of the fixture folder, read whole,
 * for unit tests that hold a property over all fixtures. The folder is
 * $BOUNCE_TEST_FIXTURES, or test/golden/fixtures when that is unset.
 */
#ifndef FIXTURE_FILES_H
#define FIXTURE_FILES_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURE_MAX	(4 * 1024 * 1024)

/* Called once per fixture; name is the file name, msg its bytes. */
typedef void (*fixture_fn)(const char *name, const char *msg, size_t len, void *arg);

/* Calls fn for each fixture; returns how many there were. */
static size_t
fixture_files_each(fixture_fn fn, void *arg)
{
	const char *dir = getenv("BOUNCE_TEST_FIXTURES");
	char path[4096], *buf;
	struct dirent *e;
	size_t count = 0;
	DIR *d;

	if (dir == NULL)
		dir = "test/golden/fixtures";
	if ((d = opendir(dir)) == NULL)
		fail_msg("cannot open %s (set BOUNCE_TEST_FIXTURES)", dir);
	buf = malloc(FIXTURE_MAX);
	assert_non_null(buf);
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name), len;
		FILE *f;

		if (n < 5 || strcmp(e->d_name + n - 4, ".eml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			fail_msg("cannot read %s", path);
		len = fread(buf, 1, FIXTURE_MAX, f);
		fclose(f);
		fn(e->d_name, buf, len, arg);
		count++;
	}
	closedir(d);
	free(buf);
	return count;
}

#endif
