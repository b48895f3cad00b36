/*
 * words_oracle.h - the naive answer to words_match(): one search per
 * word, in the list's way. The unit test and the fuzz target hold the
 * one-pass matcher of parser/words.c to it.
 */
#ifndef WORDS_ORACLE_H
#define WORDS_ORACLE_H

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "words.h"

static inline bool
words_match_slowly(enum words_list l, struct span s)
{
	bool whole = l == WORDS_DAEMON_LOCAL || l == WORDS_AUTOREPLY_FIELD ||
	    l == WORDS_REPORT_FIELD;
	bool start = l == WORDS_AUTOREPLY_SUBJECT || l == WORDS_REPORT_TYPE ||
	    l == WORDS_FORWARD_SUBJECT;
	const char *w;
	size_t k;

	for (k = 0; (w = words_nth(l, k)) != NULL; k++) {
		size_t n = strlen(w);

		if (whole ? s.len == n && strncasecmp(s.p, w, n) == 0 :
		    start ? s.len >= n && strncasecmp(s.p, w, n) == 0 :
		    mem_ifind(s.p, s.len, w, n) != NULL)
			return true;
	}
	return false;
}

#endif /* WORDS_ORACLE_H */
