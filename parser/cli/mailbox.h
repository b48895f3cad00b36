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

/* keep: the bytes of a message worth handing over (0: all of them). Of
 * a longer message in an mbox read a chunk at a time, the bytes past
 * keep are skipped as they stream by, so memory stays bounded however
 * long a message runs; a consumer that reads at most N bytes passes
 * N + 1 and still sees that the message was longer. */
struct mailbox_sink {
	mailbox_fn	 message;
	mailbox_err_fn	 error;
	void		*arg;
	size_t		 keep;
};

/* Read every message under path ("-" is standard input). Returns 0, or -1
 * if something could not be read (already said through sink->error). */
int	mailbox_walk(const char *path, const struct mailbox_sink *);

#endif
