/*
 * daemon.c - the Unix chores of a mail filter daemon (see daemon.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"

bool
daemon_detach(char *err, size_t errlen)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return false;
	}
	if (pid > 0)
		_exit(0);
	if (setsid() < 0) {
		snprintf(err, errlen, "setsid: %s", strerror(errno));
		return false;
	}
	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return false;
	}
	if (pid > 0)
		_exit(0);
	if (chdir("/") != 0) {
		snprintf(err, errlen, "chdir /: %s", strerror(errno));
		return false;
	}
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return true;
}

bool
daemon_write_pid(const char *path, char *err, size_t errlen)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL) {
		snprintf(err, errlen, "PidFile %s: %s", path, strerror(errno));
		return false;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) != 0) {
		snprintf(err, errlen, "PidFile %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

static bool
lookup_group(const char *name, gid_t *gid, char *err, size_t errlen)
{
	struct group *gr;

	if ((gr = getgrnam(name)) == NULL) {
		snprintf(err, errlen, "unknown group \"%s\"", name);
		return false;
	}
	*gid = gr->gr_gid;
	return true;
}

bool
daemon_lookup_user(const char *spec, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	char user[256];
	const char *colon = strchr(spec, ':');
	struct passwd *pw;
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);

	if (n == 0 || n >= sizeof(user)) {
		snprintf(err, errlen, "bad user \"%s\"", spec);
		return false;
	}
	memcpy(user, spec, n);
	user[n] = '\0';
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "unknown user \"%s\"", user);
		return false;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (colon != NULL)
		return lookup_group(colon + 1, gid, err, errlen);
	return true;
}

bool
daemon_drop_privileges(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL ? initgroups(pw->pw_name, gid) != 0 : setgroups(1, &gid) != 0) {
		snprintf(err, errlen, "setting groups: %s", strerror(errno));
		return false;
	}
	if (setgid(gid) != 0 || setuid(uid) != 0) {
		snprintf(err, errlen, "changing to uid %ld gid %ld: %s", (long)uid,
		    (long)gid, strerror(errno));
		return false;
	}
	if (uid != 0 && setuid(0) == 0) {
		snprintf(err, errlen, "could regain root after dropping it");
		return false;
	}
	return true;
}

const char *
daemon_unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	return spec[0] == '/' ? spec : NULL;
}

bool
daemon_socket_owner(const char *spec, mode_t mode, uid_t uid, const char *group,
		    char *err, size_t errlen)
{
	const char *path = daemon_unix_path(spec);
	gid_t gid = (gid_t)-1;

	if (path == NULL)
		return true;
	if (group[0] != '\0' && !lookup_group(group, &gid, err, errlen))
		return false;
	if (chown(path, uid, gid) != 0) {
		snprintf(err, errlen, "chown %s: %s", path, strerror(errno));
		return false;
	}
	if (chmod(path, mode) != 0) {
		snprintf(err, errlen, "chmod %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}
