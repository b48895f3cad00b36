/*
 * fuzz_config.c - the milter's configuration reader, config_load(), on a
 * bouncemilter.conf made of the input, and config_socket_valid() on the
 * input as a Socket value.
 *
 * A refusal must name the file and a line it has; a file that loads
 * must give bounded, terminated strings and routes that
 * config_routes_for() can hand out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../milter/config.h"
#include "fuzz.h"

static char file[300];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(file, sizeof(file), "%s/bouncemilter.conf", fuzz_tmpdir());
	return 0;
}

static void
check_string(const char *s, size_t size, const char *what)
{
	if (memchr(s, '\0', size) == NULL)
		fuzz_fail("config string not terminated", what);
}

static void
check_config(const struct config *cfg)
{
	static const char *const cats[] = { "mailbox-missing", "delayed", "unknown", "*", "" };
	const struct route *out[CONFIG_ROUTES_MAX];
	size_t i, n;
	char err[256];

	check_string(cfg->socket, sizeof(cfg->socket), "socket");
	check_string(cfg->socket_group, sizeof(cfg->socket_group), "socket_group");
	check_string(cfg->user_id, sizeof(cfg->user_id), "user_id");
	check_string(cfg->pid_file, sizeof(cfg->pid_file), "pid_file");
	check_string(cfg->rules_dir, sizeof(cfg->rules_dir), "rules_dir");
	check_string(cfg->header_prefix, sizeof(cfg->header_prefix), "header_prefix");
	check_string(cfg->event_log, sizeof(cfg->event_log), "event_log");
	if (cfg->nroutes > CONFIG_ROUTES_MAX)
		fuzz_fail("more routes than CONFIG_ROUTES_MAX", "nroutes");
	for (i = 0; i < cfg->nroutes; i++) {
		check_string(cfg->routes[i].category, sizeof(cfg->routes[i].category), "category");
		check_string(cfg->routes[i].address, sizeof(cfg->routes[i].address), "address");
		(void)route_action_name(cfg->routes[i].action);
	}
	for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++) {
		n = config_routes_for(cfg, cats[i], out, CONFIG_ROUTES_MAX);
		if (n > cfg->nroutes)
			fuzz_fail("config_routes_for gave more routes than there are", cats[i]);
	}
	(void)config_mode_name(cfg->mode);
	if (!config_socket_valid(cfg->socket, err, sizeof(err)))
		fuzz_fail("a loaded config has an invalid Socket", err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	char err[CONFIG_ERR_MAX], *spec;
	unsigned long line, lines = 1;
	const char *p;
	char *end;
	size_t i;

	fuzz_write_file(file, data, size);
	err[0] = '\0';
	if (config_load(&cfg, file, err, sizeof(err)))
		check_config(&cfg);
	else {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			fuzz_fail("config refused without a reason", "err");
		/* "path:N: reason": N must be a line of the file. */
		if ((p = strstr(err, "bouncemilter.conf:")) != NULL) {
			line = strtoul(p + strlen("bouncemilter.conf:"), &end, 10);
			for (i = 0; i < size; i++)
				lines += data[i] == '\n';
			if (*end == ':' && (line == 0 || line > lines))
				fuzz_fail("error names a line the file does not have", err);
		}
	}

	/* The Socket syntax check on its own, on a terminated copy. */
	if ((spec = malloc(size + 1)) == NULL)
		abort();
	memcpy(spec, data, size);
	spec[size] = '\0';
	err[0] = '\0';
	if (!config_socket_valid(spec, err, sizeof(err)) && err[0] == '\0')
		fuzz_fail("socket refused without a reason", spec);
	free(spec);
	return 0;
}
