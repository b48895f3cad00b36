/*
 * vendor.c - the table of format families, and the one pass over the
 * body that answers their detect() questions.
 *
 * The build writes vendor_list.h from the file names in parser/vendor/,
 * one VENDOR(name) line each; every such file defines vendor_<name>.
 *
 * Every message is offered to every module, and most modules look for a
 * phrase or two near the top of the notification. Searched one by one
 * that is a hundred passes over up to 64 KB per message; instead the
 * phrases of all modules are put once into one phrase set (phrases.c)
 * and the body is scanned once, on the first question, recording where
 * each phrase first ends. Without the set (no memory) every question is
 * a direct search, with the same answers.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
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

#define NVENDORS	(sizeof(vendors) / sizeof(vendors[0]))
/* The gates are bits of a uint64_t (vendor_gate.c). */
_Static_assert(NVENDORS <= 64, "more modules than gate bits");
#define MAX_PHRASES	1024	/* all modules together; more is a bug */

/* Where each phrase first ends in the body (0: not in the window). */
struct vendor_scan {
	bool		 done;
	bool		 failed;	/* no scan: every question searches */
	size_t		 window;	/* bytes of the body scanned */
	/* Answers of signals.c that most modules ask for: -1 not yet. */
	signed char	 looks_like_report;
	signed char	 from_daemon;
	uint64_t	 gates;		/* opened by the phrases found */
	uint32_t	 end[];		/* by phrase number */
};

static pthread_once_t	 markers_once = PTHREAD_ONCE_INIT;
static pthread_once_t	 gates_once = PTHREAD_ONCE_INIT;
static struct phrase_set *markers;
static unsigned		 nphrases;

static void
markers_compile(void)
{
	const char **phrase;
	unsigned n = 0, i;
	size_t v, k;

	for (v = 0; v < NVENDORS; v++) {
		struct vendor_markers *m;

		for (m = vendors[v]->markers; m != NULL; m = m->next) {
			m->base = n;
			for (k = 0; m->phrase[k] != NULL; k++)
				n++;
		}
	}
	if (n == 0 || n > MAX_PHRASES || (phrase = calloc(n, sizeof(*phrase))) == NULL)
		return;
	for (v = 0, i = 0; v < NVENDORS; v++) {
		const struct vendor_markers *m;

		for (m = vendors[v]->markers; m != NULL; m = m->next)
			for (k = 0; m->phrase[k] != NULL; k++)
				phrase[i++] = m->phrase[k];
	}
	if ((markers = phrase_set_build(phrase, n)) != NULL)
		nphrases = n;
	free(phrase);
}

static void
on_phrase(unsigned id, void *arg)
{
	struct vendor_scan *s = arg;

	s->gates |= vendor_gates_of_phrase(id);
}

/* The one pass; false if it cannot be made (the caller searches). */
static bool
scan_body(const struct msgview *mv, struct vendor_scan *s)
{
	if (s->done || s->failed)
		return s->done;
	s->window = mv->body.len;
	if (s->window > VENDOR_SCAN_BYTES)
		s->window = VENDOR_SCAN_BYTES;
	phrase_set_scan(markers, mv->body.p, s->window, s->end, on_phrase, s);
	s->done = true;
	return true;
}

bool
mv_marker(const struct msgview *mv, const struct vendor_markers *m, unsigned k,
	  size_t within)
{
	const char *phrase = m->phrase[k];
	size_t len, end, from;

	if (within > mv->body.len)
		within = mv->body.len;
	if (mv->scan == NULL || !scan_body(mv, mv->scan))
		return mem_ifind(mv->body.p, within, phrase, strlen(phrase)) != NULL;
	if ((end = mv->scan->end[m->base + k]) != 0)
		return end <= within;
	if (within <= mv->scan->window)
		return false;
	/* Past the scanned window: an occurrence ends beyond it. */
	len = strlen(phrase);
	from = mv->scan->window >= len ? mv->scan->window - len + 1 : 0;
	return mem_ifind(mv->body.p + from, within - from, phrase, len) != NULL;
}

size_t
mv_marker_end(const struct msgview *mv, const struct vendor_markers *m, unsigned k)
{
	const char *phrase = m->phrase[k], *hit;
	size_t len = strlen(phrase), window = mv->body.len;

	if (mv->scan != NULL && scan_body(mv, mv->scan))
		return mv->scan->end[m->base + k];
	if (window > VENDOR_SCAN_BYTES)
		window = VENDOR_SCAN_BYTES;
	hit = mem_ifind(mv->body.p, window, phrase, len);
	return hit != NULL ? (size_t)(hit - mv->body.p) + len : 0;
}

uint64_t
mv_markers_found(const struct msgview *mv, const struct vendor_markers *m, size_t *first)
{
	bool scanned = mv->scan != NULL && scan_body(mv, mv->scan);
	uint64_t bits = 0;
	size_t end, len;
	unsigned k;

	for (k = 0; m->phrase[k] != NULL && k < 64; k++) {
		end = scanned ? mv->scan->end[m->base + k] : mv_marker_end(mv, m, k);
		if (end == 0)
			continue;
		bits |= (uint64_t)1 << k;
		if (first != NULL && end - (len = strlen(m->phrase[k])) < *first)
			*first = end - len;
	}
	return bits;
}

bool
mv_marker_any(const struct msgview *mv, const struct vendor_markers *m,
	      size_t within)
{
	unsigned k;

	for (k = 0; m->phrase[k] != NULL; k++)
		if (mv_marker(mv, m, k, within))
			return true;
	return false;
}

bool
mv_looks_like_report_once(const struct msgview *mv)
{
	struct vendor_scan *s = mv->scan;

	if (s == NULL)
		return mv_looks_like_report(mv);
	if (s->looks_like_report < 0)
		s->looks_like_report = mv_looks_like_report(mv);
	return s->looks_like_report;
}

bool
mv_from_daemon_once(const struct msgview *mv)
{
	struct vendor_scan *s = mv->scan;

	if (s == NULL)
		return mv_from_daemon(mv);
	if (s->from_daemon < 0)
		s->from_daemon = mv_from_daemon(mv);
	return s->from_daemon;
}

static uint64_t	 detecting;	/* the modules with a detect() */

static void
gates_compile(void)
{
	size_t i;

	vendor_gates_build(vendors, NVENDORS);
	for (i = 0; i < NVENDORS; i++)
		if (vendors[i]->detect != NULL)
			detecting |= (uint64_t)1 << i;
}

/* The phrase numbers, the gates and the message's scan record. */
static void
prepare(struct msgview *mv)
{
	pthread_once(&markers_once, markers_compile);
	pthread_once(&gates_once, gates_compile);
	if (mv->scan == NULL && (mv->scan = arena_alloc(mv->arena, sizeof(*mv->scan) +
	    nphrases * sizeof(mv->scan->end[0]))) != NULL) {
		mv->scan->failed = markers == NULL;
		mv->scan->looks_like_report = mv->scan->from_daemon = -1;
	}
}

/* The gates open for mv; the body is scanned first (every message
 * needs it) so that the phrases it found open theirs. */
static uint64_t
open_gates(struct msgview *mv)
{
	if (mv->scan != NULL && scan_body(mv, mv->scan))
		return vendor_gates_open(mv, &mv->scan->gates);
	return vendor_gates_open(mv, NULL);
}

uint64_t
vendor_open_gates(struct msgview *mv)
{
	prepare(mv);
	return open_gates(mv);
}

const struct vendor_module *
vendor_nth(size_t i)
{
	return i < NVENDORS ? vendors[i] : NULL;
}

const struct vendor_module *
vendor_best(struct msgview *mv, int *score)
{
	const struct vendor_module *best = NULL;
	int best_score = 0, s;
	uint64_t open;
	size_t i;

	prepare(mv);
	/* In table order (the first of equal scores wins), open ones only. */
	for (open = open_gates(mv) & detecting; open != 0; open &= open - 1) {
		i = (size_t)__builtin_ctzll(open);
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
