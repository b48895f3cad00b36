/* arf.h - RFC 5965 feedback reports (arf.c). */
#ifndef ARF_H
#define ARF_H

#include "engine.h"

bool	arf_detect(const struct msgview *);
void	arf_parse(struct msgview *);

#endif
