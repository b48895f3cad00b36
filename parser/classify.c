/*
 * classify.c - PLACEHOLDER until the rule engine lands: marks temporary
 * failures and nothing else. Replaced by rules.c + classify.c.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

struct bounce_rules {
	int	unused;
};

struct bounce_rules *
bounce_rules_load(const char *dir, char *err, size_t errlen)
{
	(void)dir;
	(void)err;
	(void)errlen;
	return calloc(1, sizeof(struct bounce_rules));
}

void
bounce_rules_free(struct bounce_rules *rules)
{
	free(rules);
}

void
bounce_classify(struct bounce_report *r, const struct bounce_rules *rules)
{
	size_t i;

	(void)rules;
	for (i = 0; i < r->nrcpt; i++) {
		struct bounce_recipient *rc = &r->rcpt[i];

		rc->temporary = rc->status[0] == '4' || strcmp(rc->action, "delayed") == 0;
		rc->reason = "undefined";
		rc->category = "unknown";
		rc->owner = "none";
	}
}
