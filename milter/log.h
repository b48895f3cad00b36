/*
 * log.h - the daemon's one logger: syslog, stderr, or both.
 *
 * Messages are one line each; callers pass the queue id where there is
 * one ("4Fabc123: ..."), as admins grep the mail log by it.
 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>
#include <syslog.h>

/* ident: program name; to_syslog with facility; to_stderr for -d and
 * test mode; level: the most verbose priority written. */
void	log_setup(const char *ident, bool to_syslog, int facility,
		  bool to_stderr, int level);
void	log_set_level(int level);
bool	log_enabled(int priority);
void	log_msg(int priority, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif /* LOG_H */
