/*
 * arena.c - bump allocator that owns every string of a report.
 *
 * A report's memory is freed in one go, so nothing inside it needs an owner
 * of its own. Blocks grow geometrically up to ARENA_BLOCK_MAX; a request
 * bigger than that gets a block to itself.
 *
 * One message after another (a mailbox, a milter's stream), each report
 * would malloc and free the same blocks again. So the largest ordinary
 * block of a freed arena is kept as a spare, and the next arena starts
 * in it: most messages then need one block and no malloc at all. One
 * spare for the whole process, taken and put back by atomic exchange,
 * so threads never wait for it (a thread that finds it gone allocates).
 * Blocks come from bigmem.c: the big ones with their pages in place.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define ARENA_BLOCK_MIN	4096
#define ARENA_BLOCK_MAX	(256 * 1024)
#define ARENA_ALIGN	16

struct arena_block {
	struct arena_block *next;
	size_t	size;		/* usable bytes after the header */
	size_t	used;
	max_align_t data[];
};

struct arena {
	struct arena_block *head;
	size_t	next_size;
};

static _Atomic(struct arena_block *) spare;

/* Keep b as the spare if it is bigger than the one there; free the
 * other. */
static void
spare_put(struct arena_block *b)
{
	struct arena_block *old = atomic_exchange(&spare, b);

	if (old != NULL && old->size > b->size)
		old = atomic_exchange(&spare, old);	/* the bigger goes back */
	bigmem_free(old);
}

/* The spare, if there is one of at least need bytes. */
static struct arena_block *
spare_take(size_t need)
{
	struct arena_block *b = atomic_exchange(&spare, NULL);

	if (b != NULL && b->size < need) {
		spare_put(b);
		return NULL;
	}
	return b;
}

struct arena *
arena_new(void)
{
	/* malloc, not calloc: glibc's calloc skips the thread cache, and
	 * an arena per message made it take the slow path every time. */
	struct arena *a = malloc(sizeof(*a));

	if (a != NULL) {
		a->head = NULL;
		a->next_size = ARENA_BLOCK_MIN;
	}
	return a;
}

void
arena_free(struct arena *a)
{
	struct arena_block *b, *next, *keep = NULL;

	if (a == NULL)
		return;
	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		if (b->size <= ARENA_BLOCK_MAX && (keep == NULL || b->size > keep->size)) {
			bigmem_free(keep);
			keep = b;
		} else
			bigmem_free(b);
	}
	if (keep != NULL)
		spare_put(keep);
	free(a);
}

void *
arena_alloc_raw(struct arena *a, size_t len)
{
	struct arena_block *b = a->head;
	size_t need = (len + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	void *p;

	if (need < len)
		return NULL;
	if (b == NULL || b->size - b->used < need) {
		size_t size = a->next_size;

		if (size < need)
			size = need;
		if ((b = spare_take(size)) != NULL) {
			/* Grow on from the spare's size, as if the arena had
			 * grown to it. */
			while (a->next_size < b->size && a->next_size < ARENA_BLOCK_MAX)
				a->next_size *= 2;
		} else {
			if (size > SIZE_MAX - sizeof(*b))
				return NULL;
			if ((b = bigmem_alloc(sizeof(*b) + size)) == NULL)
				return NULL;
			b->size = size;
		}
		b->used = 0;
		/* A big one-off block goes second so the current block keeps
		 * serving small requests. */
		if (a->head != NULL && b->size > a->next_size) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
		if (a->next_size < ARENA_BLOCK_MAX)
			a->next_size *= 2;
	}
	p = (char *)b->data + b->used;
	b->used += need;
	return p;
}

void *
arena_alloc(struct arena *a, size_t len)
{
	void *p = arena_alloc_raw(a, len);

	if (p != NULL)
		memset(p, 0, len);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX || (p = arena_alloc_raw(a, len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
