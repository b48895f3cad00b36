/*
 * route.c - turn Route lines into actions on the envelope.
 *
 * Addresses come from the config only, never from the message: a bounce
 * can choose its category (by what it says) but not where it goes.
 */
#include <stdio.h>

#include "route.h"

size_t
route(struct actions *a, const struct config *cfg, const char *category,
      const struct envelope *env, const char **why)
{
	const struct route *r[CONFIG_ROUTES_MAX];
	char addr[CONFIG_ADDR_MAX + 3];
	char reason[CONFIG_NAME_MAX + 32];
	size_t n, i, j, done = 0;

	*why = NULL;
	n = config_routes_for(cfg, category, r, CONFIG_ROUTES_MAX);
	for (i = 0; i < n; i++) {
		snprintf(addr, sizeof(addr), "<%s>", r[i]->address);
		switch (r[i]->action) {
		case ROUTE_TAG:
			break;
		case ROUTE_REDIRECT:
			if (!env->complete) {
				*why = "the recipient list is not known (too many "
				    "recipients, or the connection predates the route)";
				continue;
			}
			for (j = 0; j < env->nrcpt; j++)
				actions_add(a, ACT_DELETE_RCPT, NULL, 0, env->rcpt[j]);
			actions_add(a, ACT_ADD_RCPT, NULL, 0, addr);
			break;
		case ROUTE_COPY:
			actions_add(a, ACT_ADD_RCPT, NULL, 0, addr);
			break;
		case ROUTE_QUARANTINE:
			snprintf(reason, sizeof(reason), "bouncemilter: %s", category);
			actions_add(a, ACT_QUARANTINE, NULL, 0, reason);
			break;
		case ROUTE_DISCARD:
			actions_add(a, ACT_DISCARD, NULL, 0, NULL);
			break;
		}
		done++;
	}
	return done;
}
