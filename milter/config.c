/*
 * config.c - read bouncemilter.conf (see bouncemilter.conf(5)).
 *
 * Format, as in OpenDKIM: one "Key value" per line, keys case-insensitive,
 * "#" starts a comment at the start of a line or after a blank, blank
 * lines ignored. Every key but Route may appear once. Nothing is ever
 * guessed: an unknown key, a bad value or an overlong line is an error
 * that names the file and line, so `bouncemilter -n` can vouch for a file.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "config.h"

#ifndef BOUNCE_RULES_DIR
#define BOUNCE_RULES_DIR "/usr/local/share/bouncemilter/rules"
#endif
#define DEFAULT_SOCKET		"unix:/run/bouncemilter/bouncemilter.sock"
#define DEFAULT_SCAN_BYTES	(1024 * 1024)
#define MIN_SCAN_BYTES		4096
#define MAX_SCAN_BYTES		(64 * 1024 * 1024)
#define LINE_MAX_BYTES		4096

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* The routing vocabulary of the rules (rules/README.md): a Route for any
 * other word could never match, so it is refused as a typo. */
static const char *const categories[] = {
	"mailbox-missing", "domain-missing", "mailbox-disabled", "mailbox-full",
	"message-too-large", "auth-failure", "email-auth-failure",
	"reputation-block", "spam-content", "policy-rejected", "relay-denied",
	"rate-limited", "tls-failure", "invalid-message", "network-error",
	"expired", "delayed", "remote-error", "delivered", "auto-reply",
	"feedback", "unknown",
};

static const struct {
	const char *name;
	int	    value;
} facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
}, levels[] = {
	{ "err", LOG_ERR }, { "error", LOG_ERR }, { "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
};

static const char *const action_names[] = {
	[ROUTE_TAG] = "tag", [ROUTE_REDIRECT] = "redirect", [ROUTE_COPY] = "copy",
	[ROUTE_QUARANTINE] = "quarantine", [ROUTE_DISCARD] = "discard",
};

static const char *const mode_names[] = {
	[MODE_ROUTE] = "route", [MODE_ANNOTATE] = "annotate", [MODE_LOG] = "log",
};

/* Where we are in the file, for error messages. */
struct cursor {
	const char *path;
	unsigned    line;
	char	   *err;
	size_t	    errlen;
};

static bool fail(struct cursor *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static bool
fail(struct cursor *c, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%u: %s", c->path, c->line, why);
	return false;
}

const char *
route_action_name(enum route_action a)
{
	return action_names[a];
}

const char *
config_mode_name(enum config_mode m)
{
	return mode_names[m];
}

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->socket, sizeof(cfg->socket), "%s", DEFAULT_SOCKET);
	cfg->socket_mode = 0660;
	cfg->syslog = true;
	cfg->syslog_facility = LOG_MAIL;
	cfg->log_level = LOG_INFO;
	snprintf(cfg->rules_dir, sizeof(cfg->rules_dir), "%s", BOUNCE_RULES_DIR);
	cfg->max_scan_bytes = DEFAULT_SCAN_BYTES;
	cfg->max_connections = CONFIG_CONNS_DEFAULT;
	cfg->mode = MODE_ROUTE;
	snprintf(cfg->header_prefix, sizeof(cfg->header_prefix), "X-Bounce-");
}

static bool
set_string(struct cursor *c, char *dst, size_t dstlen, const char *key, const char *val)
{
	if (strlen(val) >= dstlen)
		return fail(c, "%s: value longer than %zu bytes", key, dstlen - 1);
	memcpy(dst, val, strlen(val) + 1);
	return true;
}

static bool
set_path(struct cursor *c, char *dst, size_t dstlen, const char *key, const char *val)
{
	if (val[0] != '/')
		return fail(c, "%s: \"%s\" is not an absolute path", key, val);
	return set_string(c, dst, dstlen, key, val);
}

static bool
set_bool(struct cursor *c, bool *dst, const char *key, const char *val)
{
	if (!strcasecmp(val, "yes") || !strcasecmp(val, "true") || !strcmp(val, "1"))
		*dst = true;
	else if (!strcasecmp(val, "no") || !strcasecmp(val, "false") || !strcmp(val, "0"))
		*dst = false;
	else
		return fail(c, "%s: \"%s\" is not yes or no", key, val);
	return true;
}

static bool
set_mode_bits(struct cursor *c, mode_t *dst, const char *val)
{
	char *end;
	unsigned long m;

	errno = 0;
	m = strtoul(val, &end, 8);
	if (errno != 0 || *end != '\0' || end == val || m > 0777)
		return fail(c, "SocketMode: \"%s\" is not an octal mode such as 0660", val);
	*dst = (mode_t)m;
	return true;
}

/* "1048576", "512K", "4M": a byte count within the engine's bounds. */
static bool
set_size(struct cursor *c, size_t *dst, const char *key, const char *val)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(val, &end, 10);
	if (errno != 0 || end == val || val[0] == '-')
		return fail(c, "%s: \"%s\" is not a size", key, val);
	if (*end == 'k' || *end == 'K')
		n *= 1024, end++;
	else if (*end == 'm' || *end == 'M')
		n *= 1024 * 1024, end++;
	if (*end != '\0')
		return fail(c, "%s: \"%s\" is not a size (use a number, K or M)", key, val);
	if (n < MIN_SCAN_BYTES || n > MAX_SCAN_BYTES)
		return fail(c, "%s: %llu is outside %d..%d", key, n, MIN_SCAN_BYTES, MAX_SCAN_BYTES);
	*dst = (size_t)n;
	return true;
}

/* A plain decimal count within lo..hi. */
static bool
set_count(struct cursor *c, unsigned *dst, const char *key, const char *val,
	  unsigned lo, unsigned hi)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(val, &end, 10);
	if (errno != 0 || end == val || *end != '\0' || val[0] < '0' || val[0] > '9')
		return fail(c, "%s: \"%s\" is not a number", key, val);
	if (n < lo || n > hi)
		return fail(c, "%s: %lu is outside %u..%u", key, n, lo, hi);
	*dst = (unsigned)n;
	return true;
}

static bool
set_named(struct cursor *c, int *dst, const char *key, const char *val,
	  const char *const *names, const int *values, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (strcasecmp(val, names[k]) == 0) {
			*dst = values[k];
			return true;
		}
	return fail(c, "%s: unknown value \"%s\"", key, val);
}

static bool
set_facility(struct cursor *c, int *dst, const char *val)
{
	const char *names[NITEMS(facilities)];
	int values[NITEMS(facilities)];
	size_t k;

	for (k = 0; k < NITEMS(facilities); k++)
		names[k] = facilities[k].name, values[k] = facilities[k].value;
	return set_named(c, dst, "SyslogFacility", val, names, values, k);
}

static bool
set_level(struct cursor *c, int *dst, const char *val)
{
	const char *names[NITEMS(levels)];
	int values[NITEMS(levels)];
	size_t k;

	for (k = 0; k < NITEMS(levels); k++)
		names[k] = levels[k].name, values[k] = levels[k].value;
	return set_named(c, dst, "LogLevel", val, names, values, k);
}

static bool
set_mode(struct cursor *c, enum config_mode *dst, const char *val)
{
	size_t k;

	for (k = 0; k < NITEMS(mode_names); k++)
		if (strcasecmp(val, mode_names[k]) == 0) {
			*dst = (enum config_mode)k;
			return true;
		}
	return fail(c, "Mode: \"%s\" is not route, annotate or log", val);
}

/*
 * A header field name prefix. Every incoming field with it is removed, so
 * it must name this milter's own family: "X-", a word of its own, and a
 * closing "-" (X-Bounce-, X-Acme-Bounce-). "X-" or "List-" alone would
 * delete other software's fields.
 */
static bool
set_prefix(struct cursor *c, char *dst, size_t dstlen, const char *val)
{
	const char *p;
	size_t len = strlen(val);

	for (p = val; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return fail(c, "HeaderPrefix: \"%s\" may hold only letters, digits and '-'", val);
	if (len < 5 || strncasecmp(val, "X-", 2) != 0 || val[len - 1] != '-' ||
	    !isalnum((unsigned char)val[2]))
		return fail(c, "HeaderPrefix: \"%s\" must look like X-Name- (its fields are all removed from incoming mail)", val);
	return set_string(c, dst, dstlen, "HeaderPrefix", val);
}

bool
config_socket_valid(const char *spec, char *err, size_t errlen)
{
	const char *at, *p;

	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		p = strchr(spec, ':') + 1;
		if (p[0] != '/') {
			snprintf(err, errlen, "\"%s\": the socket path must be absolute", spec);
			return false;
		}
		if (strlen(p) >= 108) {	/* sizeof(sun_path) */
			snprintf(err, errlen, "\"%s\": the socket path is too long", spec);
			return false;
		}
		return true;
	}
	if (strncmp(spec, "inet:", 5) == 0 || strncmp(spec, "inet6:", 6) == 0) {
		p = strchr(spec, ':') + 1;
		at = strchr(p, '@');
		if (p[0] == '\0' || strspn(p, "0123456789") != (size_t)((at ? at : p + strlen(p)) - p)) {
			snprintf(err, errlen, "\"%s\": expected inet:PORT@HOST", spec);
			return false;
		}
		if (atoi(p) < 1 || atoi(p) > 65535) {
			snprintf(err, errlen, "\"%s\": port out of range", spec);
			return false;
		}
		return true;
	}
	if (spec[0] == '/') {
		if (strlen(spec) < 108)
			return true;
		snprintf(err, errlen, "\"%s\": the socket path is too long", spec);
		return false;
	}
	snprintf(err, errlen, "\"%s\": expected unix:/path, inet:PORT@HOST or inet6:PORT@HOST", spec);
	return false;
}

static bool
known_category(const char *cat)
{
	size_t k;

	if (strcmp(cat, "*") == 0)
		return true;
	for (k = 0; k < NITEMS(categories); k++)
		if (strcmp(cat, categories[k]) == 0)
			return true;
	return false;
}

/* An address we are willing to hand to the MTA: local@domain, no blanks,
 * no brackets, no quotes, nothing an MTA might read as a second address. */
static bool
address_valid(const char *a)
{
	const char *at = strchr(a, '@'), *p;

	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return false;
	for (p = a; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("!#$%&'*+-/=?^_`{|}~.@", *p) == NULL)
			return false;
	return strlen(a) <= CONFIG_ADDR_MAX;
}

static bool
is_disposition(enum route_action a)
{
	return a == ROUTE_REDIRECT || a == ROUTE_QUARANTINE || a == ROUTE_DISCARD;
}

/* Route CATEGORY tag|redirect ADDRESS|copy ADDRESS|quarantine|discard */
static bool
add_route(struct cursor *c, struct config *cfg, char *val)
{
	char *words[4], *save = NULL, *w;
	struct route *r;
	size_t n = 0, k;

	for (w = strtok_r(val, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
		if (n == NITEMS(words))
			return fail(c, "Route: too many words");
		words[n++] = w;
	}
	if (n < 2)
		return fail(c, "Route: expected CATEGORY ACTION [ADDRESS]");
	if (cfg->nroutes == CONFIG_ROUTES_MAX)
		return fail(c, "Route: more than %d routes", CONFIG_ROUTES_MAX);
	if (!known_category(words[0]))
		return fail(c, "Route: unknown category \"%s\"", words[0]);
	r = &cfg->routes[cfg->nroutes];
	memset(r, 0, sizeof(*r));
	snprintf(r->category, sizeof(r->category), "%s", words[0]);
	r->line = c->line;
	for (k = 0; k < NITEMS(action_names); k++)
		if (strcasecmp(words[1], action_names[k]) == 0)
			break;
	if (k == NITEMS(action_names))
		return fail(c, "Route: unknown action \"%s\" (tag, redirect, copy, quarantine, discard)", words[1]);
	r->action = (enum route_action)k;
	if (r->action == ROUTE_REDIRECT || r->action == ROUTE_COPY) {
		if (n != 3)
			return fail(c, "Route: %s needs one ADDRESS", words[1]);
		if (!address_valid(words[2]))
			return fail(c, "Route: \"%s\" is not a plain user@domain address", words[2]);
		snprintf(r->address, sizeof(r->address), "%s", words[2]);
	} else if (n != 2)
		return fail(c, "Route: %s takes no address", words[1]);
	for (k = 0; k < cfg->nroutes; k++) {
		const struct route *o = &cfg->routes[k];

		if (strcmp(o->category, r->category) != 0)
			continue;
		if (is_disposition(o->action) && is_disposition(r->action))
			return fail(c, "Route: %s already has %s at line %u", r->category,
			    action_names[o->action], o->line);
		if (o->action == r->action && strcasecmp(o->address, r->address) == 0)
			return fail(c, "Route: repeats line %u", o->line);
	}
	cfg->nroutes++;
	return true;
}

size_t
config_routes_for(const struct config *cfg, const char *category,
		  const struct route **out, size_t max)
{
	size_t k, n = 0;

	for (k = 0; k < cfg->nroutes && n < max; k++)
		if (strcmp(cfg->routes[k].category, category) == 0)
			out[n++] = &cfg->routes[k];
	if (n > 0)
		return n;
	for (k = 0; k < cfg->nroutes && n < max; k++)
		if (strcmp(cfg->routes[k].category, "*") == 0)
			out[n++] = &cfg->routes[k];
	return n;
}

enum key {
	K_SOCKET, K_SOCKETMODE, K_SOCKETGROUP, K_USERID, K_PIDFILE, K_SYSLOG,
	K_FACILITY, K_LOGLEVEL, K_RULESDIR, K_MAXSCAN, K_MODE, K_ROUTE,
	K_PREFIX, K_EVENTLOG, K_MAXCONNS, K_COUNT
};

static const char *const key_names[K_COUNT] = {
	"Socket", "SocketMode", "SocketGroup", "UserID", "PidFile", "Syslog",
	"SyslogFacility", "LogLevel", "RulesDir", "MaxScanBytes", "Mode",
	"Route", "HeaderPrefix", "EventLog", "MaxConnections",
};

static bool
set_key(struct cursor *c, struct config *cfg, enum key k, char *val)
{
	char why[CONFIG_ERR_MAX];

	switch (k) {
	case K_SOCKET:
		if (!config_socket_valid(val, why, sizeof(why)))
			return fail(c, "Socket: %s", why);
		return set_string(c, cfg->socket, sizeof(cfg->socket), "Socket", val);
	case K_SOCKETMODE:
		cfg->socket_mode_set = true;
		return set_mode_bits(c, &cfg->socket_mode, val);
	case K_SOCKETGROUP:
		return set_string(c, cfg->socket_group, sizeof(cfg->socket_group), "SocketGroup", val);
	case K_USERID:
		return set_string(c, cfg->user_id, sizeof(cfg->user_id), "UserID", val);
	case K_PIDFILE:
		return set_path(c, cfg->pid_file, sizeof(cfg->pid_file), "PidFile", val);
	case K_SYSLOG:
		return set_bool(c, &cfg->syslog, "Syslog", val);
	case K_FACILITY:
		return set_facility(c, &cfg->syslog_facility, val);
	case K_LOGLEVEL:
		return set_level(c, &cfg->log_level, val);
	case K_RULESDIR:
		return set_path(c, cfg->rules_dir, sizeof(cfg->rules_dir), "RulesDir", val);
	case K_MAXSCAN:
		return set_size(c, &cfg->max_scan_bytes, "MaxScanBytes", val);
	case K_MODE:
		return set_mode(c, &cfg->mode, val);
	case K_ROUTE:
		return add_route(c, cfg, val);
	case K_PREFIX:
		return set_prefix(c, cfg->header_prefix, sizeof(cfg->header_prefix), val);
	case K_EVENTLOG:
		return set_path(c, cfg->event_log, sizeof(cfg->event_log), "EventLog", val);
	case K_MAXCONNS:
		return set_count(c, &cfg->max_connections, "MaxConnections", val,
		    1, CONFIG_CONNS_MAX);
	case K_COUNT:
		break;
	}
	return fail(c, "internal error: key %d", (int)k);
}

/* Cut a comment ("#" at the start or after a blank) and trailing blanks. */
static void
strip_line(char *s)
{
	char *p, *end;

	for (p = s; *p != '\0'; p++)
		if (*p == '#' && (p == s || *(p - 1) == ' ' || *(p - 1) == '\t')) {
			*p = '\0';
			break;
		}
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
}

static bool
parse_line(struct cursor *c, struct config *cfg, char *s, unsigned *seen)
{
	char *key, *val;
	size_t k;

	strip_line(s);
	key = s + strspn(s, " \t");
	if (*key == '\0')
		return true;
	for (val = key; *val != '\0' && *val != ' ' && *val != '\t'; val++)
		if ((unsigned char)*val < ' ' || (unsigned char)*val >= 127)
			return fail(c, "control or 8-bit character in key");
	if (*val != '\0')
		*val++ = '\0';
	val += strspn(val, " \t");
	for (k = 0; k < K_COUNT; k++)
		if (strcasecmp(key, key_names[k]) == 0)
			break;
	if (k == K_COUNT)
		return fail(c, "unknown key \"%s\"", key);
	if (*val == '\0')
		return fail(c, "%s: missing value", key_names[k]);
	for (char *p = val; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' && *p != '\t')
			return fail(c, "%s: control character in value", key_names[k]);
	if (k != K_ROUTE && seen[k] != 0)
		return fail(c, "%s given twice (first at line %u)", key_names[k], seen[k]);
	seen[k] = c->line;
	return set_key(c, cfg, (enum key)k, val);
}

bool
config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct cursor c = { path, 0, err, errlen };
	unsigned seen[K_COUNT] = { 0 };
	char line[LINE_MAX_BYTES + 2];
	bool ok = true;
	FILE *fp;

	config_defaults(cfg);
	if (path == NULL || path[0] == '\0')
		return true;
	if (strlen(path) >= sizeof(cfg->path)) {
		snprintf(err, errlen, "%.64s...: path too long", path);
		return false;
	}
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	while (ok && fgets(line, sizeof(line), fp) != NULL) {
		size_t len = strlen(line);

		c.line++;
		if (len > LINE_MAX_BYTES && line[len - 1] != '\n') {
			ok = fail(&c, "line longer than %d bytes", LINE_MAX_BYTES);
			break;
		}
		ok = parse_line(&c, cfg, line, seen);
	}
	if (ok && ferror(fp)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		ok = false;
	}
	fclose(fp);
	return ok;
}
