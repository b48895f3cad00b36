/*
 * mailbox.h - walk the inputs of bouncediag: message files, mboxes,
 * Maildirs, folders (recursively) and standard input.
 */
#ifndef MAILBOX_H
#define MAILBOX_H

#include <stddef.h>

/* Called once per message. source is "path" or "path:N" for the N-th
 * (1-based) message of an mbox. The bytes are valid only during the call. */
typedef void (*mailbox_fn)(const char *source, const char *msg, size_t len, void *arg);

/* Called for what could not be read, in its place among the messages:
 * the path and why ("Permission denied", "not a file or folder"). */
typedef void (*mailbox_err_fn)(const char *path, const char *why, void *arg);

struct mailbox_sink {
	mailbox_fn	 message;
	mailbox_err_fn	 error;
	void		*arg;
};

/* Read every message under path ("-" is standard input). Returns 0, or -1
 * if something could not be read (already said through sink->error). */
int	mailbox_walk(const char *path, const struct mailbox_sink *);

#endif
