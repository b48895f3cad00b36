/*
 * route.h - what the Route lines of the config say to do with a category.
 */
#ifndef ROUTE_H
#define ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "actions.h"
#include "config.h"

struct envelope {
	const char *const *rcpt;	/* RCPT TO addresses as the MTA gave them */
	size_t	nrcpt;
	bool	complete;		/* false: too many to remember them all */
};

/* Append the route actions for category. A redirect whose recipients are
 * not all known is not done (reason in why). Returns the number of route
 * lines applied. */
size_t	route(struct actions *, const struct config *, const char *category,
	      const struct envelope *, const char **why);

#endif /* ROUTE_H */
