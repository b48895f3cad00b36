/*
 * signals.c - header signs that a message is a report, for detection.
 *
 * Shared by the vendor modules and the generic paths, so that "is this a
 * bounce at all?" is answered the same way everywhere. The words are the
 * lists of words.c, which the milter's pre-check (sniff.c) reads too.
 */
#include <string.h>

#include "engine.h"
#include "words.h"

bool
mv_from_daemon(const struct msgview *mv)
{
	return words_match(WORDS_DAEMON_SENDER, mv_header(mv, "From"));
}

bool
mv_subject_bounce(const struct msgview *mv)
{
	return words_match(WORDS_BOUNCE_SUBJECT, mv_header(mv, "Subject"));
}

bool
mv_null_sender(const struct msgview *mv)
{
	/* A field that is there, empty or not; absent says nothing. */
	return mv_header_present(mv, "Return-Path") &&
	    words_null_sender(mv_header(mv, "Return-Path"));
}

bool
mv_looks_like_report(const struct msgview *mv)
{
	/* The cheapest test first; the answer is the same in any order. */
	return strcmp(mv->content_type, "multipart/report") == 0 ||
	    mv_null_sender(mv) || mv_from_daemon(mv) || mv_subject_bounce(mv);
}
