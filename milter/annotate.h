/*
 * annotate.h - the X-Bounce-* header fields for a diagnosed report.
 */
#ifndef ANNOTATE_H
#define ANNOTATE_H

#include "actions.h"
#include "bounce.h"

#define ANNOTATE_MAX_DIAGNOSES	20	/* X-Bounce-Diagnosis fields per message */

/* The one-token category of a report: its first recipient's, else the
 * kind's (auto-reply, feedback), else "unknown". */
const char *annotate_category(const struct bounce_report *);

/* Append add-header actions: <prefix>Category, one <prefix>Diagnosis per
 * recipient (capped), <prefix>Summary, <prefix>Original-Message-ID. */
void	annotate(struct actions *, const char *prefix, const struct bounce_report *);

#endif /* ANNOTATE_H */
