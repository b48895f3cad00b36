/*
 * main.c - bouncemilter: command line, start-up and reload.
 *
 * bouncemilter [-fnV] [-c FILE] [-t FILE|-] [-p SOCKET] [-u USER[:GROUP]]
 *		[-P PIDFILE] [-d LEVEL]
 *
 * Start-up order matters: the socket is made while still root (it may
 * live in a root-owned directory) and given its owner and mode, the pid
 * file and EventLog are opened, and only then are privileges dropped.
 * SIGTERM and SIGINT stop the server (server.c); SIGUSR1 and SIGHUP
 * (what log rotation usually sends) reload config and rules from a
 * thread of our own, and a bad new config is refused with the old one
 * kept. Exit codes are sysexits.h.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "bounce.h"
#include "config.h"
#include "daemon.h"
#include "eventlog.h"
#include "log.h"
#include "milter.h"
#include "runtime.h"
#include "testmode.h"

#ifndef BOUNCEMILTER_CONF
#define BOUNCEMILTER_CONF	"/etc/bouncemilter.conf"
#endif
#define BOUNCEMILTER_VERSION	"0.1"

static const char *config_path;
static struct overrides overrides;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: bouncemilter [-fnV] [-c FILE] [-t FILE|-] [-p SOCKET] [-u USER[:GROUP]]\n"
	    "                    [-P PIDFILE] [-d LEVEL]\n"
	    "  -c FILE   configuration file (default %s if it exists)\n"
	    "  -n        check the configuration and the rules, then exit\n"
	    "  -t FILE   run one message (- for stdin) and print what would be done\n"
	    "  -p SOCKET unix:/path, inet:PORT@HOST or inet6:PORT@HOST (overrides Socket)\n"
	    "  -u USER[:GROUP]  run as this user (overrides UserID)\n"
	    "  -P FILE   write the process id here (overrides PidFile)\n"
	    "  -f        stay in the foreground\n"
	    "  -d LEVEL  log to stderr too; 1 info, 2 debug, 3+ every protocol packet\n"
	    "  -V        print the version and exit\n"
	    "  -h        this help\n", BOUNCEMILTER_CONF);
}

/* Waits for SIGUSR1 or SIGHUP (blocked in every thread) and reloads. */
static void *
reload_thread(void *arg)
{
	sigset_t set;
	char err[CONFIG_ERR_MAX];
	int sig;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	for (;;) {
		struct runtime *rt;

		if (sigwait(&set, &sig) != 0)
			continue;
		if (!runtime_reload(config_path, &overrides, err, sizeof(err))) {
			log_msg(LOG_ERR, "reload refused, old settings kept: %s", err);
			continue;
		}
		if ((rt = runtime_get()) != NULL) {
			log_setup("bouncemilter", rt->cfg.syslog, rt->cfg.syslog_facility,
			    overrides.debug > 0, rt->cfg.log_level);
			log_msg(LOG_NOTICE, "reloaded %s (mode %s, %zu routes)",
			    config_path ? config_path : "built-in defaults",
			    config_mode_name(rt->cfg.mode), rt->cfg.nroutes);
			runtime_put(rt);
		}
	}
	return NULL;
}

static int
start_reload_thread(void)
{
	pthread_t tid;

	if (pthread_create(&tid, NULL, reload_thread, NULL) != 0)
		return -1;
	pthread_detach(tid);
	return 0;
}

static int
serve(struct runtime *rt, bool foreground)
{
	const struct config *cfg = &rt->cfg;
	char err[CONFIG_ERR_MAX], pid_file[CONFIG_PATH_MAX];
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	sigset_t set;
	int rc;

	if (cfg->user_id[0] != '\0' &&
	    !daemon_lookup_user(cfg->user_id, &uid, &gid, err, sizeof(err))) {
		log_msg(LOG_ERR, "UserID: %s", err);
		return EX_NOUSER;
	}
	if (!milter_open(cfg->socket, overrides.debug, cfg->max_connections,
	    err, sizeof(err))) {
		log_msg(LOG_ERR, "%s", err);
		return EX_UNAVAILABLE;
	}
	if (!daemon_socket_owner(cfg->socket, cfg->socket_mode, uid, cfg->socket_group,
	    err, sizeof(err))) {
		log_msg(LOG_ERR, "Socket: %s", err);
		return EX_OSERR;
	}
	if (!foreground && !daemon_detach(err, sizeof(err))) {
		log_msg(LOG_ERR, "%s", err);
		return EX_OSERR;
	}
	/* A reload may free cfg while we serve: keep what we need after. */
	snprintf(pid_file, sizeof(pid_file), "%s", cfg->pid_file);
	if (pid_file[0] != '\0' && !daemon_write_pid(pid_file, err, sizeof(err))) {
		log_msg(LOG_ERR, "%s", err);
		return EX_CANTCREAT;
	}
	/* The EventLog we just created as root must stay ours to reopen. */
	if (uid != (uid_t)-1 && geteuid() == 0 && eventlog_give(rt->events, uid, gid) != 0)
		log_msg(LOG_WARNING, "EventLog %s: cannot hand it to UserID: %s",
		    cfg->event_log, strerror(errno));
	if (uid != (uid_t)-1 && !daemon_drop_privileges(uid, gid, err, sizeof(err))) {
		log_msg(LOG_ERR, "UserID: %s", err);
		return EX_OSERR;
	}
	/* Before any thread exists, so that all inherit the mask: SIGUSR1
	 * and SIGHUP are for the reload thread's sigwait, the others for the
	 * server's; no thread may take them with their default action. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_msg(LOG_NOTICE, "bouncemilter %s starting on %s (mode %s)", BOUNCEMILTER_VERSION,
	    cfg->socket, config_mode_name(cfg->mode));
	cfg = NULL;		/* from here on a reload may free it */
	if (start_reload_thread() != 0) {
		log_msg(LOG_ERR, "cannot start the reload thread");
		return EX_OSERR;
	}
	rc = milter_serve();
	log_msg(rc == 0 ? LOG_NOTICE : LOG_ERR, "bouncemilter stopping%s",
	    rc == 0 ? "" : " (the server failed; see earlier lines)");
	if (pid_file[0] != '\0')
		unlink(pid_file);
	return rc == 0 ? EX_OK : EX_SOFTWARE;
}

int
main(int argc, char **argv)
{
	const char *test_file = NULL;
	bool check_only = false, foreground = false;
	char err[CONFIG_ERR_MAX], ver[32];
	struct runtime *rt;
	int ch, rc;
	char *end;

	while ((ch = getopt(argc, argv, "c:nt:p:u:P:fd:Vh")) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'n':
			check_only = true;
			break;
		case 't':
			test_file = optarg;
			break;
		case 'p':
			if (!config_socket_valid(optarg, err, sizeof(err))) {
				fprintf(stderr, "bouncemilter: -p %s\n", err);
				return EX_USAGE;
			}
			overrides.socket = optarg;
			break;
		case 'u':
			overrides.user = optarg;
			break;
		case 'P':
			overrides.pid_file = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'd':
			overrides.debug = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || overrides.debug < 0 || overrides.debug > 9) {
				fprintf(stderr, "bouncemilter: -d wants a level 0..9\n");
				return EX_USAGE;
			}
			break;
		case 'V':
			printf("bouncemilter %s (%s)\n", BOUNCEMILTER_VERSION,
			    milter_version(ver, sizeof(ver)));
			return EX_OK;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (config_path == NULL && access(BOUNCEMILTER_CONF, F_OK) == 0)
		config_path = BOUNCEMILTER_CONF;

	/* Until the config says otherwise: errors to stderr. */
	log_setup("bouncemilter", false, LOG_MAIL, true, LOG_INFO);
	if ((rt = runtime_load(config_path, &overrides, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bouncemilter: %s\n", err);
		return EX_CONFIG;
	}
	if (check_only) {
		printf("%s: configuration and rules OK\n",
		    config_path ? config_path : "built-in defaults");
		runtime_install(rt);
		runtime_shutdown();
		return EX_OK;
	}
	runtime_install(rt);
	if (test_file != NULL) {
		log_setup("bouncemilter", false, LOG_MAIL, true,
		    overrides.debug >= 2 ? LOG_DEBUG : LOG_INFO);
		rc = testmode_run(test_file);
	} else {
		log_setup("bouncemilter", rt->cfg.syslog, rt->cfg.syslog_facility,
		    overrides.debug > 0 || (foreground && !rt->cfg.syslog), rt->cfg.log_level);
		rc = serve(rt, foreground);
	}
	runtime_shutdown();
	return rc;
}
