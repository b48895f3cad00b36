/*
 * testmode.h - `bouncemilter -t FILE`: one message through the milter's
 * own code path, every decided action printed instead of done.
 */
#ifndef TESTMODE_H
#define TESTMODE_H

/* path "-" is standard input. Returns a sysexits.h code. */
int	testmode_run(const char *path);

#endif /* TESTMODE_H */
