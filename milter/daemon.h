/*
 * daemon.h - the Unix chores of a mail filter daemon: background, pid
 * file, socket ownership, privileges.
 */
#ifndef DAEMON_H
#define DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Fork into the background, new session, stdio on /dev/null. */
bool	daemon_detach(char *err, size_t errlen);
bool	daemon_write_pid(const char *path, char *err, size_t errlen);
/* USER[:GROUP] to ids; group defaults to the user's primary group. */
bool	daemon_lookup_user(const char *spec, uid_t *, gid_t *, char *err, size_t errlen);
bool	daemon_drop_privileges(uid_t, gid_t, char *err, size_t errlen);
/* Give a UNIX socket its mode and owner (uid/gid -1: unchanged; group by
 * name, "" for none). A non-UNIX spec is left alone. */
bool	daemon_socket_owner(const char *spec, mode_t mode, uid_t uid,
			    const char *group, char *err, size_t errlen);
/* The path of a UNIX socket spec (unix:/p, local:/p or /p), else NULL. */
const char *daemon_unix_path(const char *spec);

#endif /* DAEMON_H */
