/* html.h - plain text out of an HTML part (html.c). */
#ifndef HTML_H
#define HTML_H

#include "engine.h"

struct span html_to_text(struct arena *, struct span html);

#endif
