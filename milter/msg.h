/*
 * msg.h - one message as bouncemilter sees it, from MAIL FROM to the end.
 *
 * The protocol side (session.c) and test mode (testmode.c) both drive a
 * message through these calls in SMTP order and carry out the actions
 * msg_eom() decides; nothing here knows the milter protocol. Memory per
 * message is bounded by MaxScanBytes plus small fixed caps on the
 * envelope and on the names of forged header fields.
 */
#ifndef MSG_H
#define MSG_H

#include <stddef.h>

#include "actions.h"

struct msg;

enum msg_step {
	MSG_CONTINUE,		/* keep sending */
	MSG_ACCEPT,		/* nothing to do for this message: let it go */
	MSG_SKIP,		/* no more body, please; end of message still wanted */
};

/* NULL when out of memory or no settings are loaded (callers fail open). */
struct msg *msg_new(void);
void	msg_free(struct msg *);

void	msg_set_queue_id(struct msg *, const char *qid);
const char *msg_queue_id(const struct msg *);
void	msg_sender(struct msg *, const char *addr);
void	msg_recipient(struct msg *, const char *addr);
/* One header field; value as the MTA passes it (folds as "\n" + blank). */
void	msg_header(struct msg *, const char *name, const char *value);
enum msg_step msg_eoh(struct msg *);
enum msg_step msg_body(struct msg *, const void *chunk, size_t len);
/* Decide; the caller carries out the actions and frees them. */
void	msg_eom(struct msg *, struct actions *);

/* Does the current config ask for recipient lists (a redirect route)? */
int	msg_wants_recipients(void);

#endif /* MSG_H */
