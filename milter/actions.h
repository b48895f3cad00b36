/*
 * actions.h - what bouncemilter decided to do to one message.
 *
 * The decision is plain data, made without the protocol: session.c
 * sends it to the MTA as change requests, test mode (-t) prints it. So
 * the printed actions are the real ones, from the same code path.
 */
#ifndef ACTIONS_H
#define ACTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum action_type {
	ACT_DELETE_HEADER,	/* name, index (1-based, per name) */
	ACT_ADD_HEADER,		/* name, value (folded) */
	ACT_DELETE_RCPT,	/* value: the address as the MTA gave it */
	ACT_ADD_RCPT,		/* value: <address> */
	ACT_QUARANTINE,		/* value: reason */
	ACT_DISCARD,
};

struct action {
	enum action_type type;
	char	*name;
	char	*value;
	int	 index;
};

#define ACTIONS_MAX	4096	/* more would be an attack or a bug */

struct actions {
	struct action *v;
	size_t	n;
	size_t	cap;
	bool	failed;		/* out of memory or ACTIONS_MAX: do none */
};

void	actions_init(struct actions *);
void	actions_free(struct actions *);
void	actions_add(struct actions *, enum action_type, const char *name,
		    int index, const char *value);
bool	actions_discard(const struct actions *);
/* One line per action, as test mode shows them. */
void	actions_print(const struct actions *, FILE *);
const char *action_type_name(enum action_type);

#endif /* ACTIONS_H */
