/*
 * vendor.c - the table of format families.
 *
 * The build writes vendor_list.h from the file names in parser/vendor/,
 * one VENDOR(name) line each; every such file defines vendor_<name>.
 */
#include <string.h>

#include "engine.h"

#define VENDOR(n) extern const struct vendor_module vendor_##n;
#include "vendor_list.h"
#undef VENDOR

static const struct vendor_module *const vendors[] = {
#define VENDOR(n) &vendor_##n,
#include "vendor_list.h"
#undef VENDOR
};

#define NVENDORS (sizeof(vendors) / sizeof(vendors[0]))

const struct vendor_module *
vendor_best(const struct msgview *mv, int *score)
{
	const struct vendor_module *best = NULL;
	int best_score = 0, s;
	size_t i;

	for (i = 0; i < NVENDORS; i++) {
		if (vendors[i]->detect == NULL)
			continue;
		s = vendors[i]->detect(mv);
		if (s > best_score) {
			best_score = s;
			best = vendors[i];
		}
	}
	*score = best_score;
	return best;
}

const struct vendor_module *
vendor_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < NVENDORS; i++)
		if (strcmp(vendors[i]->name, name) == 0)
			return vendors[i];
	return NULL;
}
