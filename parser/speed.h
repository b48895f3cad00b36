/*
 * speed.h - internal interfaces that exist for speed, shared by files
 * of libbounce. They belong with their kin in engine.h; they are kept
 * apart here until engine.h takes them in.
 */
#ifndef SPEED_H
#define SPEED_H

#include "engine.h"

/* ---- bigmem.c ---------------------------------------------------------- */

/* malloc/free for big blocks: from BIGMEM_MIN bytes on, mapped with all
 * their pages in place (a first touch per page costs a fault). */
void   *bigmem_alloc(size_t);
void	bigmem_free(void *);

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
/* The phrases of m (its first 64) that occur in that window, as bits
 * (phrase k: bit k), in one call; where the earliest of them starts is
 * lowered into *first (if not NULL). */
uint64_t mv_markers_found(const struct msgview *, const struct vendor_markers *,
			  size_t *first);

/* mv_looks_like_report() and mv_from_daemon(), asked once per message
 * and remembered (the modules all ask; the answers cannot change). */
bool	mv_looks_like_report_once(const struct msgview *);
bool	mv_from_daemon_once(const struct msgview *);

/* ---- mime.c ------------------------------------------------------------ */

/* Does one of the first max fields called name, up to the first empty
 * one, contain one of needles (NULL-terminated, case-insensitive)? What
 * a loop over mv_header_nth() answers, in one pass over the fields. */
bool	mv_header_has(const struct msgview *, const char *name, unsigned max,
		      const char *const *needles);

#endif /* SPEED_H */
