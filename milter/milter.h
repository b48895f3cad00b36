/*
 * milter.h - the libmilter side of bouncemilter, kept behind three calls
 * so that only callbacks.c includes libmilter's headers.
 */
#ifndef MILTER_H
#define MILTER_H

#include <stdbool.h>
#include <stddef.h>

/* Register the filter and open its socket (a stale UNIX socket is
 * removed). false with a reason in err. */
bool	milter_open(const char *socket, int debug, char *err, size_t errlen);
/* Serve until SIGTERM/SIGHUP (libmilter's); returns an exit status. */
int	milter_serve(void);
/* libmilter's version, "8.17.1" style, into buf. */
const char *milter_version(char *buf, size_t len);

#endif /* MILTER_H */
