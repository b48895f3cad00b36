/*
 * bouncediag - diagnose bounces offline.
 *
 * bouncediag [--json | --text] [--rules DIR] [-j N] [PATH ... | -]
 *
 * Reads message files, mboxes, Maildirs and folders, runs each message
 * through the same engine as the milter and prints one report per message:
 * readable text by default, JSON Lines with --json. With -j N, N threads
 * diagnose and the output is the same (jobs.c).
 * Exit: 0 all inputs read, 1 some could not be read, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounce.h"
#include "diagnose.h"
#include "jobs.h"
#include "mailbox.h"

#ifndef BOUNCE_RULES_DIR
#define BOUNCE_RULES_DIR "/usr/local/share/bouncemilter/rules"
#endif
#define BOUNCEMILTER_VERSION "0.1"
#define OUT_BUFFER	(64 * 1024)	/* stdout's buffer when not a terminal */
#define OPT_JSON	256		/* long options without a letter */

struct run {
	struct diagnose d;
	bool		failed;		/* some message was not diagnosed */
};

/* -j 1: each message diagnosed and written as it is read. */
static void
one_message(const char *source, const char *msg, size_t len, void *arg)
{
	struct run *run = arg;

	if (!diagnose_print(&run->d, source, msg, len))
		run->failed = true;
}

static void
one_error(const char *path, const char *why, void *arg)
{
	diagnose_complain(path, why);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: bouncediag [--json | --text] [--rules DIR] [--max-bytes N] [-j N]\n"
	    "                  [PATH ... | -]\n"
	    "  PATH   a message file, an mbox, a Maildir or a folder (recursive); - or none: stdin\n"
	    "  --json         one JSON object per message (JSON Lines)\n"
	    "  --text         readable report (default)\n"
	    "  --rules DIR    rule files (default %s, or $BOUNCEDIAG_RULES)\n"
	    "  --max-bytes N  bytes of each message to read (default 1048576)\n"
	    "  -j, --jobs N   diagnose in N threads (default 1; 0: one per CPU), same output\n"
	    "  -V, --version  print the version\n", BOUNCE_RULES_DIR);
}

static char out_buffer[OUT_BUFFER];

static long
online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > JOBS_MAX ? JOBS_MAX : n;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "text", no_argument, NULL, 't' },
		{ "rules", required_argument, NULL, 'r' },
		{ "max-bytes", required_argument, NULL, 'm' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct run run = { .failed = false };
	struct mailbox_sink sink = { one_message, one_error, &run, 0 };
	const char *rules_dir = getenv("BOUNCEDIAG_RULES");
	struct bounce_rules *rules;
	struct jobs *jobs = NULL;
	char err[512], *end;
	long njobs = 1;
	int c, i, rc = 0;

	bounce_limits_default(&run.d.limits);
	while ((c = getopt_long(argc, argv, "htj:r:m:V", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			run.d.json = true;
			break;
		case 't':
			run.d.json = false;
			break;
		case 'j':
			errno = 0;
			njobs = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || njobs < 0 || njobs > JOBS_MAX) {
				fprintf(stderr, "bouncediag: --jobs: not a number from 0 (one per CPU)"
				    " to %d: %s\n", JOBS_MAX, optarg);
				return 2;
			}
			break;
		case 'r':
			rules_dir = optarg;
			break;
		case 'm':
			run.d.limits.max_scan_bytes = strtoul(optarg, &end, 10);
			if (*end != '\0' || run.d.limits.max_scan_bytes == 0) {
				fprintf(stderr, "bouncediag: --max-bytes: not a positive number: %s\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("bouncediag %s\n", BOUNCEMILTER_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	/* Into a file or a pipe, output goes in big writes: a system call
	 * per few kilobytes was a noticeable part of a big mailbox's run.
	 * A terminal keeps stdio's line buffering. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
	if (rules_dir == NULL || rules_dir[0] == '\0')
		rules_dir = BOUNCE_RULES_DIR;
	if ((rules = bounce_rules_load(rules_dir, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bouncediag: %s\n", err);
		return 2;
	}
	run.d.rules = rules;
	/* The engine reads max_scan_bytes of a message; one byte more tells
	 * it the message was longer (reported as truncated). */
	sink.keep = run.d.limits.max_scan_bytes < SIZE_MAX ?
	    run.d.limits.max_scan_bytes + 1 : 0;
	if (njobs == 0)
		njobs = online_cpus();
	if (njobs > 1) {
		if ((jobs = jobs_start((unsigned)njobs, &run.d)) == NULL) {
			perror("bouncediag: starting threads");
			bounce_rules_free(rules);
			return 2;
		}
		sink = (struct mailbox_sink){ jobs_message, jobs_error, jobs, sink.keep };
	}
	if (optind == argc) {
		if (mailbox_walk("-", &sink) != 0)
			rc = 1;
	}
	for (i = optind; i < argc; i++)
		if (mailbox_walk(argv[i], &sink) != 0)
			rc = 1;
	if (jobs != NULL && !jobs_finish(jobs))
		run.failed = true;
	if (run.failed)
		rc = 1;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("bouncediag: standard output");
		rc = 1;
	}
	bounce_rules_free(rules);
	return rc;
}
