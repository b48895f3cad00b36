/*
 * speed.h - internal interfaces that exist for speed, shared by files
 * of libbounce. They belong with their kin in engine.h; they are kept
 * apart here until engine.h takes them in.
 */
#ifndef SPEED_H
#define SPEED_H

#include "engine.h"

/* ---- arena.c ----------------------------------------------------------- */

/* arena_alloc() without the zeroing, for buffers about to be written
 * in full (decoded and cleaned text). */
void   *arena_alloc_raw(struct arena *, size_t);

/* ---- vendor.c ---------------------------------------------------------- */

/* Where phrase k of m first ends in mv->body (the offset just past it),
 * or 0 if it does not occur in the first VENDOR_SCAN_BYTES. Lets a
 * module start reading at the first line that can matter. */
size_t	mv_marker_end(const struct msgview *, const struct vendor_markers *,
		      unsigned k);

#endif /* SPEED_H */
