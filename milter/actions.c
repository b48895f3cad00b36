/*
 * actions.c - the list of changes decided for one message (see actions.h).
 */
#include <stdlib.h>
#include <string.h>

#include "actions.h"

static const char *const type_names[] = {
	[ACT_DELETE_HEADER] = "delete header",
	[ACT_ADD_HEADER] = "add header",
	[ACT_DELETE_RCPT] = "delete recipient",
	[ACT_ADD_RCPT] = "add recipient",
	[ACT_QUARANTINE] = "quarantine",
	[ACT_DISCARD] = "discard",
};

const char *
action_type_name(enum action_type t)
{
	return type_names[t];
}

void
actions_init(struct actions *a)
{
	memset(a, 0, sizeof(*a));
}

void
actions_free(struct actions *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		free(a->v[i].name);
		free(a->v[i].value);
	}
	free(a->v);
	actions_init(a);
}

void
actions_add(struct actions *a, enum action_type type, const char *name,
	    int index, const char *value)
{
	struct action *act;

	if (a->failed)
		return;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct action *v;

		if (cap > ACTIONS_MAX || (v = realloc(a->v, cap * sizeof(*v))) == NULL) {
			a->failed = true;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	act = &a->v[a->n];
	act->type = type;
	act->index = index;
	act->name = name ? strdup(name) : NULL;
	act->value = value ? strdup(value) : NULL;
	if ((name && !act->name) || (value && !act->value)) {
		free(act->name);
		free(act->value);
		a->failed = true;
		return;
	}
	a->n++;
}

bool
actions_discard(const struct actions *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->v[i].type == ACT_DISCARD)
			return true;
	return false;
}

void
actions_print(const struct actions *a, FILE *fp)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct action *act = &a->v[i];

		switch (act->type) {
		case ACT_DELETE_HEADER:
			fprintf(fp, "%s %s #%d\n", type_names[act->type], act->name, act->index);
			break;
		case ACT_ADD_HEADER:
			fprintf(fp, "%s %s: %s\n", type_names[act->type], act->name, act->value);
			break;
		case ACT_DISCARD:
			fprintf(fp, "%s\n", type_names[act->type]);
			break;
		default:
			fprintf(fp, "%s %s\n", type_names[act->type], act->value);
			break;
		}
	}
}
