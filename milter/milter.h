/*
 * milter.h - the daemon's server: its socket and the MTA connections on
 * it (server.c, which speaks the milter protocol through session.c).
 */
#ifndef MILTER_H
#define MILTER_H

#include <stdbool.h>
#include <stddef.h>

/* Open the socket: unix:/path (a stale socket file is replaced, a live
 * one refused), inet:PORT@HOST or inet6:PORT@HOST. debug 3 and up logs
 * every packet; at most max_conns MTA connections are served at once.
 * false with a reason in err. */
bool	milter_open(const char *socket, int debug, unsigned max_conns,
		    char *err, size_t errlen);
/* Serve until SIGTERM or SIGINT; returns an exit status (0: stopped). */
int	milter_serve(void);
/* The protocol spoken, "milter protocol 6", into buf. */
const char *milter_version(char *buf, size_t len);

#endif /* MILTER_H */
