/*
 * speed.h - internal interfaces that exist for speed, shared by files
 * of libbounce. They belong with their kin in engine.h; they are kept
 * apart here until engine.h takes them in.
 */
#ifndef SPEED_H
#define SPEED_H

#include "engine.h"

/* ---- vendor.c ---------------------------------------------------------- */

/* Where phrase k of m first ends in mv->body (the offset just past it),
 * or 0 if it does not occur in the first VENDOR_SCAN_BYTES. Lets a
 * module start reading at the first line that can matter. */
size_t	mv_marker_end(const struct msgview *, const struct vendor_markers *,
		      unsigned k);

#endif /* SPEED_H */
