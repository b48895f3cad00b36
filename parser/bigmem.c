/*
 * bigmem.c - big blocks of memory with their pages already in place.
 *
 * The first touch of a fresh page costs a fault, and on some virtual
 * machines a fault costs tens of microseconds: touching a megabyte page
 * by page took 5 to 15 ms where asking the kernel for all its pages at
 * once (MAP_POPULATE) took under one. So blocks of BIGMEM_MIN bytes or
 * more are mapped that way: arena blocks, the compiled pattern databases
 * and their scratch space. Smaller requests go to malloc.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdlib.h>

#include "engine.h"

#define BIGMEM_MIN	(64 * 1024)
#define BIGMEM_HEAD	64	/* keeps the block aligned to a cache line */

/* Before every block: how it was made and its size. */
struct bigmem_head {
	size_t	size;		/* bytes mapped, header included; 0: malloc */
};

void *
bigmem_alloc(size_t len)
{
	struct bigmem_head *h;
	size_t size;
	void *p;

	if (len > SIZE_MAX - BIGMEM_HEAD - 4096)
		return NULL;
	size = len + BIGMEM_HEAD;
	if (len < BIGMEM_MIN) {
		if ((h = aligned_alloc(BIGMEM_HEAD, (size + BIGMEM_HEAD - 1) &
		    ~(size_t)(BIGMEM_HEAD - 1))) == NULL)
			return NULL;
		h->size = 0;
	} else {
		size = (size + 4095) & ~(size_t)4095;
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		h = p;
		h->size = size;
	}
	return (char *)h + BIGMEM_HEAD;
}

void
bigmem_free(void *p)
{
	struct bigmem_head *h;

	if (p == NULL)
		return;
	h = (struct bigmem_head *)((char *)p - BIGMEM_HEAD);
	if (h->size == 0)
		free(h);
	else
		munmap(h, h->size);
}
