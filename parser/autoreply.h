/* autoreply.h - RFC 3834 auto-replies (autoreply.c). */
#ifndef AUTOREPLY_H
#define AUTOREPLY_H

#include "engine.h"

bool	autoreply_detect(const struct msgview *);
/* Auto-Submitted: auto-replied, said in so many words. */
bool	autoreply_explicit(const struct msgview *);
void	autoreply_parse(struct msgview *);

#endif
