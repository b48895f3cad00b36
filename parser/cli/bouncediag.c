/*
 * bouncediag - diagnose bounces offline.
 *
 * bouncediag [--json | --text] [--rules DIR] [PATH ... | -]
 *
 * Reads message files, mboxes, Maildirs and folders, runs each message
 * through the same engine as the milter and prints one report per message:
 * readable text by default, JSON Lines with --json.
 * Exit: 0 all inputs read, 1 some could not be read, 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounce.h"
#include "mailbox.h"

#ifndef BOUNCE_RULES_DIR
#define BOUNCE_RULES_DIR "/usr/local/share/bouncemilter/rules"
#endif
#define BOUNCEMILTER_VERSION "0.1"
#define OUT_BUFFER	(64 * 1024)	/* stdout's buffer when not a terminal */

struct run {
	const struct bounce_rules *rules;
	struct bounce_limits	   limits;
	bool			   json;
	unsigned long		   messages;
	bool			   failed;
};

static void
print_text(const struct bounce_report *r, const char *source)
{
	size_t i;

	printf("%s\n", source);
	printf("  kind: %s", bounce_kind_name(r->kind));
	if (r->vendor[0])
		printf("   format: %s", r->vendor);
	if (r->reporting_mta[0])
		printf("   reported by: %s", r->reporting_mta);
	printf("\n");
	if (r->original.message_id[0] || r->original.subject[0])
		printf("  original: %s \"%s\" from %s to %s\n", r->original.message_id,
		    r->original.subject, r->original.from, r->original.to);
	if (r->truncated)
		printf("  truncated: %s limit reached, the rest was not read\n", r->truncated_why);
	for (i = 0; i < r->nrcpt; i++) {
		const struct bounce_recipient *rc = &r->rcpt[i];

		printf("  recipient %s\n", rc->recipient[0] ? rc->recipient : "(unknown)");
		printf("    %s%s%s", rc->category, rc->reason[0] ? " / " : "", rc->reason);
		if (rc->status[0])
			printf("   status %s", rc->status);
		if (rc->reply_code[0])
			printf("   reply %s", rc->reply_code);
		if (rc->command[0])
			printf(" after %s", rc->command);
		printf("%s%s\n", rc->hard ? "   hard" : "", rc->temporary ? "   temporary" : "");
		if (rc->remote_mta[0])
			printf("    remote server: %s\n", rc->remote_mta);
		if (rc->component[0])
			printf("    component: %s\n", rc->component);
		if (rc->feedback_type[0])
			printf("    feedback type: %s\n", rc->feedback_type);
		if (rc->diagnostic[0])
			printf("    said: %s\n", rc->diagnostic);
		if (rc->summary[0])
			printf("    what happened: %s\n", rc->summary);
		if (rc->fix[0])
			printf("    what to do (%s): %s\n", rc->owner, rc->fix);
	}
	printf("\n");
}

static void
one_message(const char *source, const char *msg, size_t len, void *arg)
{
	struct run *run = arg;
	struct bounce_report *r;
	char *json;

	run->messages++;
	if ((r = bounce_parse(msg, len, &run->limits)) == NULL) {
		fprintf(stderr, "bouncediag: %s: out of memory\n", source);
		run->failed = true;
		return;
	}
	bounce_classify(r, run->rules);
	if (run->json) {
		if ((json = bounce_report_json(r, source, NULL, 0)) == NULL) {
			fprintf(stderr, "bouncediag: %s: out of memory\n", source);
			run->failed = true;
		} else {
			fputs(json, stdout);
			putchar('\n');
			free(json);
		}
	} else
		print_text(r, source);
	bounce_report_free(r);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: bouncediag [--json | --text] [--rules DIR] [--max-bytes N] [PATH ... | -]\n"
	    "  PATH   a message file, an mbox, a Maildir or a folder (recursive); - or none: stdin\n"
	    "  --json         one JSON object per message (JSON Lines)\n"
	    "  --text         readable report (default)\n"
	    "  --rules DIR    rule files (default %s, or $BOUNCEDIAG_RULES)\n"
	    "  --max-bytes N  bytes of each message to read (default 1048576)\n"
	    "  -V, --version  print the version\n", BOUNCE_RULES_DIR);
}

static char out_buffer[OUT_BUFFER];

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "text", no_argument, NULL, 't' },
		{ "rules", required_argument, NULL, 'r' },
		{ "max-bytes", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct run run = { .json = false };
	const char *rules_dir = getenv("BOUNCEDIAG_RULES");
	struct bounce_rules *rules;
	char err[512], *end;
	int c, i, rc = 0;

	bounce_limits_default(&run.limits);
	while ((c = getopt_long(argc, argv, "hjtr:m:V", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			run.json = true;
			break;
		case 't':
			run.json = false;
			break;
		case 'r':
			rules_dir = optarg;
			break;
		case 'm':
			run.limits.max_scan_bytes = strtoul(optarg, &end, 10);
			if (*end != '\0' || run.limits.max_scan_bytes == 0) {
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
	run.rules = rules;
	if (optind == argc) {
		if (mailbox_walk("-", one_message, &run) != 0)
			rc = 1;
	}
	for (i = optind; i < argc; i++)
		if (mailbox_walk(argv[i], one_message, &run) != 0)
			rc = 1;
	if (run.failed)
		rc = 1;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("bouncediag: standard output");
		rc = 1;
	}
	bounce_rules_free(rules);
	return rc;
}
