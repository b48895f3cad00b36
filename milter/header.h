/*
 * header.h - header field values that are safe to hand to an MTA.
 *
 * Everything we copy from a bounce is attacker-controlled. A value is
 * built in a bounded buffer from pieces that are each made safe on the
 * way in (printable ASCII only, no CR, LF, NUL or other controls, each
 * piece length-capped), then folded with "\n\t" so that no line of the
 * field exceeds 998 octets and lines stay near 78 where blanks allow.
 */
#ifndef HEADER_H
#define HEADER_H

#include <stdbool.h>
#include <stddef.h>

#define HDR_VALUE_MAX	4096	/* one value before folding */
#define HDR_FOLDED_MAX	(HDR_VALUE_MAX + HDR_VALUE_MAX / 16 + 64)
#define HDR_LINE_SOFT	78
#define HDR_LINE_HARD	998

struct hval {
	char	s[HDR_VALUE_MAX];
	size_t	len;
	bool	full;		/* something was cut */
};

void	hval_init(struct hval *);
/* Free text: controls and blank runs become one space, every non-ASCII
 * character becomes "?", at most cap bytes are taken. */
void	hval_text(struct hval *, const char *text, size_t cap);
/* A trusted literal, as is (our own words between pieces). */
void	hval_lit(struct hval *, const char *lit);
/* "; key=value" (no "; " before the first parameter). The value goes out
 * as a token when it is one, else as a quoted string; empty values are
 * left out. angle: write a token as <value>, as for addresses. */
void	hval_param(struct hval *, const char *key, const char *value, size_t cap);
void	hval_param_angle(struct hval *, const char *key, const char *value, size_t cap);
/* A message id as <left@right>, or nothing when it has characters a
 * msg-id may not have. */
void	hval_msgid(struct hval *, const char *id, size_t cap);

/* Fold value (one line, as built above) for a field whose name is namelen
 * bytes long, into out with "\n\t" between lines. Returns the length. */
size_t	hdr_fold(const char *value, size_t len, size_t namelen, char *out, size_t outlen);

/* Is name (a header field name) one of ours: does it begin with prefix,
 * ASCII case-insensitively? */
bool	hdr_has_prefix(const char *name, const char *prefix);

#endif /* HEADER_H */
