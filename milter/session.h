/*
 * session.h - one MTA connection speaking the milter protocol.
 *
 * server.c reads packets and hands them here one by one; the answers
 * (and, at end of message, the header and recipient changes msg.c
 * decided) are appended to a wire_out that server.c writes back. No
 * sockets here, so tests drive a session with packets they make.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stdbool.h>

#include "wire.h"

struct session;

/* no_reply_ok: the MTA may be told not to wait for answers it does not
 * need (server.c knows when that is safe); id: a connection number for
 * debug lines; trace: log every packet at debug level. NULL when out of
 * memory. */
struct session *session_new(bool no_reply_ok, unsigned long id, bool trace);
void	session_free(struct session *);

/* One packet from the MTA. false: the connection ends (QUIT, a protocol
 * error or out of memory, logged); answers in out are still sent. */
bool	session_packet(struct session *, const struct wire_packet *, struct wire_out *);

/* Messages between MAIL and their end, over all sessions: a stop waits
 * for them. */
unsigned long session_messages_open(void);

#endif /* SESSION_H */
