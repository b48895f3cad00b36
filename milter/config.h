/*
 * config.h - bouncemilter.conf: what the daemon was told to do.
 *
 * The file is OpenDKIM-style "Key value" lines, read once at start and
 * again on SIGUSR1. Every string has a fixed bound; a value that does not
 * fit, an unknown key or a bad value is refused with "file:line: reason".
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CONFIG_PATH_MAX		1024
#define CONFIG_NAME_MAX		64	/* user, group, category names */
#define CONFIG_ADDR_MAX		255	/* a route's mail address */
#define CONFIG_PREFIX_MAX	40	/* HeaderPrefix */
#define CONFIG_ROUTES_MAX	64
#define CONFIG_ERR_MAX		(CONFIG_PATH_MAX + 256)
#define CONFIG_CONNS_DEFAULT	1000	/* MaxConnections */
#define CONFIG_CONNS_MAX	10000

enum config_mode {
	MODE_ROUTE,		/* annotate and apply Route lines */
	MODE_ANNOTATE,		/* annotate only; Route lines are checked, not applied */
	MODE_LOG,		/* log and EventLog only: never touch a message */
};

enum route_action {
	ROUTE_TAG,		/* headers only */
	ROUTE_REDIRECT,		/* replace every recipient by the address */
	ROUTE_COPY,		/* add the address as a recipient */
	ROUTE_QUARANTINE,	/* MTA hold queue */
	ROUTE_DISCARD,		/* accept and drop */
};

struct route {
	char	category[CONFIG_NAME_MAX];	/* "*" matches any */
	enum route_action action;
	char	address[CONFIG_ADDR_MAX + 1];	/* redirect, copy */
	unsigned line;
};

struct config {
	char	path[CONFIG_PATH_MAX];
	char	socket[CONFIG_PATH_MAX];
	mode_t	socket_mode;
	bool	socket_mode_set;
	char	socket_group[CONFIG_NAME_MAX];
	char	user_id[2 * CONFIG_NAME_MAX];	/* USER[:GROUP] */
	char	pid_file[CONFIG_PATH_MAX];
	bool	syslog;
	int	syslog_facility;		/* LOG_MAIL ... */
	int	log_level;			/* LOG_ERR .. LOG_DEBUG */
	char	rules_dir[CONFIG_PATH_MAX];
	size_t	max_scan_bytes;
	unsigned max_connections;		/* MTA connections served at once */
	enum config_mode mode;
	char	header_prefix[CONFIG_PREFIX_MAX + 1];
	char	event_log[CONFIG_PATH_MAX];

	struct route routes[CONFIG_ROUTES_MAX];
	size_t	nroutes;
};

/* Defaults, then the file (NULL or "": defaults only). false with
 * "file:line: reason" in err on any problem; cfg is then unusable. */
bool	config_load(struct config *, const char *path, char *err, size_t errlen);
void	config_defaults(struct config *);

/* The routes that apply to a category: the Route lines naming it, else
 * those for "*". Fills up to max pointers, returns how many. */
size_t	config_routes_for(const struct config *, const char *category,
			  const struct route **out, size_t max);

const char *route_action_name(enum route_action);
const char *config_mode_name(enum config_mode);
/* Parse a Socket value's syntax (unix:/path, inet:PORT@HOST, inet6:...,
 * or a bare path). false with a reason in err. */
bool	config_socket_valid(const char *spec, char *err, size_t errlen);

#endif /* CONFIG_H */
