/*
 * rulesdb.c - what the classification scan costs: the rule set's
 * Vectorscan database (size, scratch) and the CPU time of one scan of a
 * diagnostic text, hot (the same texts again and again, best of some
 * rounds); with -p also what each pattern adds to it (the database
 * without that pattern, compiled the same way). Figures, no assertions.
 *
 *	rulesdb [-p] RULES_DIR TEXTS	(TEXTS: one diagnostic per line)
 *
 * In a real run a scan costs several times the hot figure: the rest of
 * the work between two scans evicts the database and libhs's code.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules.h"

#define MAX_TEXTS	100000
#define MAX_TEXT	65536
#define ROUNDS		15
#define REPEATS		10

static char	*text[MAX_TEXTS];
static unsigned	 text_len[MAX_TEXTS];
static unsigned	 ntext;

static bool
read_texts(const char *path)
{
	static char line[MAX_TEXT];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return false;
	while (ntext < MAX_TEXTS && fgets(line, sizeof(line), f) != NULL) {
		size_t len = strcspn(line, "\n");

		if (len == 0)
			continue;
		if ((text[ntext] = malloc(len)) == NULL)
			break;
		memcpy(text[ntext], line, len);
		text_len[ntext++] = (unsigned)len;
	}
	fclose(f);
	return ntext > 0;
}

static double
cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int
count_match(unsigned int id, unsigned long long from, unsigned long long to,
	    unsigned int flags, void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	(*(unsigned long *)ctx)++;
	return 0;
}

/* Nanoseconds per scan, the best of ROUNDS rounds (other processes
 * only make a round slower); the matches reported per scan. */
static double
scan_ns(const hs_database_t *db, double *matches)
{
	hs_scratch_t *s = NULL;
	unsigned long n = 0;
	double best = 0, t;
	unsigned r, k, i;

	if (hs_alloc_scratch(db, &s) != HS_SUCCESS)
		return 0;
	for (i = 0; i < ntext; i++)
		hs_scan(db, text[i], text_len[i], 0, s, count_match, &n);
	*matches = (double)n / ntext;
	for (r = 0; r < ROUNDS; r++) {
		t = cpu_ns();
		for (k = 0; k < REPEATS; k++)
			for (i = 0; i < ntext; i++)
				hs_scan(db, text[i], text_len[i], 0, s, count_match, &n);
		t = (cpu_ns() - t) / REPEATS / ntext;
		if (r == 0 || t < best)
			best = t;
	}
	hs_free_scratch(s);
	return best;
}

/* The rule patterns but skip (and the byte classes, as rules.c does),
 * compiled with rules.c's flags. */
static hs_database_t *
compile_without(const struct bounce_rules *rs, const struct rules_pattern *pat,
		unsigned npat, unsigned skip)
{
	const char **expr = calloc(npat, sizeof(*expr));
	unsigned *flags = calloc(npat, sizeof(*flags)), *ids = calloc(npat, sizeof(*ids));
	hs_database_t *db = NULL;
	hs_compile_error_t *cerr = NULL;
	unsigned i, k, n = 0;

	for (i = 0; expr != NULL && flags != NULL && ids != NULL && i < npat; i++) {
		for (k = 0; k < rs->nbyte_class && rs->byte_class[k].id != i; k++)
			;
		if (i == skip || k < rs->nbyte_class)
			continue;
		expr[n] = pat[i].expr;
		flags[n] = HS_FLAG_CASELESS;
		ids[n++] = i;
	}
	if (n > 0 && hs_compile_multi(expr, flags, ids, n, HS_MODE_BLOCK, NULL, &db,
	    &cerr) != HS_SUCCESS) {
		hs_free_compile_error(cerr);
		db = NULL;
	}
	free(expr);
	free(flags);
	free(ids);
	return db;
}

/* What each pattern adds: the database without it, slowest first. */
struct cost {
	unsigned	 id;
	double		 ns;
	size_t		 bytes;
};

static int
by_saving(const void *a, const void *b)
{
	const struct cost *x = a, *y = b;

	return (x->ns > y->ns) - (x->ns < y->ns);
}

static void
per_pattern(const struct bounce_rules *rs, const char *dir, double whole_ns, size_t whole)
{
	struct bounce_rules parsed;
	struct rules_pattern *pat = NULL;
	struct cost *c;
	unsigned npat = 0, i, n = 0;
	char err[512];
	double matches;

	memset(&parsed, 0, sizeof(parsed));
	if ((parsed.arena = arena_new()) == NULL ||
	    !rules_parse_dir(&parsed, dir, &pat, &npat, err, sizeof(err)) ||
	    (c = calloc(npat, sizeof(*c))) == NULL) {
		fprintf(stderr, "rulesdb: cannot list the patterns\n");
		return;
	}
	for (i = 0; i < npat; i++) {
		hs_database_t *db = compile_without(rs, pat, npat, i);

		if (db == NULL)
			continue;
		c[n].id = i;
		hs_database_size(db, &c[n].bytes);
		c[n++].ns = scan_ns(db, &matches);
		hs_free_database(db);
	}
	qsort(c, n, sizeof(*c), by_saving);
	printf("without one pattern (the 15 that save most):\n");
	for (i = 0; i < n && i < 15; i++)
		printf("  %6.0f ns %+7.0f bytes  %s:%u /%.70s/\n", c[i].ns - whole_ns,
		    (double)c[i].bytes - (double)whole, pat[c[i].id].file, pat[c[i].id].line,
		    pat[c[i].id].expr);
	free(c);
	free(pat);
	free(parsed.rule);
	arena_free(parsed.arena);
}

int
main(int argc, char **argv)
{
	struct bounce_rules *rs;
	hs_scratch_t *s = NULL;
	size_t bytes = 0, scratch = 0, total = 0;
	bool each = argc > 1 && strcmp(argv[1], "-p") == 0;
	char err[512];
	double ns, matches;
	unsigned i;

	if (argc != 3 + each) {
		fprintf(stderr, "usage: rulesdb [-p] RULES_DIR TEXTS\n");
		return 2;
	}
	if ((rs = bounce_rules_load(argv[1 + each], err, sizeof(err))) == NULL) {
		fprintf(stderr, "rulesdb: %s\n", err);
		return 1;
	}
	if (rs->db == NULL || !read_texts(argv[2 + each])) {
		fprintf(stderr, "rulesdb: no database or no texts\n");
		return 1;
	}
	for (i = 0; i < ntext; i++)
		total += text_len[i];
	hs_database_size(rs->db, &bytes);
	if (hs_alloc_scratch(rs->db, &s) == HS_SUCCESS)
		hs_scratch_size(s, &scratch);
	hs_free_scratch(s);
	ns = scan_ns(rs->db, &matches);
	printf("rules database: %u patterns (%u answered without it), %zu bytes, scratch %zu bytes\n",
	    rs->npat, rs->nbyte_class, bytes, scratch);
	printf("hot scan: %u texts of %.0f bytes on average, %.0f ns per scan "
	    "(%.2f ns per byte), %.2f matches reported per scan\n",
	    ntext, (double)total / ntext, ns, ns * ntext / (double)total, matches);
	if (each)
		per_pattern(rs, argv[1 + each], ns, bytes);
	bounce_rules_free(rs);
	return 0;
}
