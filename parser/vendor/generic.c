/*
 * generic.c - last resort for reports in no format we know.
 *
 * Only tried when the message looks like a report (null sender, daemon
 * sender, bounce subject), and with the lowest confidence, so that any
 * real module wins. Reads the notification up to the returned message.
 */
#include "engine.h"

static int
generic_detect(const struct msgview *mv)
{
	return mv_looks_like_report(mv) ? 1 : 0;
}

static size_t
generic_parse(struct msgview *mv)
{
	static const char *const returned[] = {
		"original message", "returned message", "message headers follow",
		"below this line is a copy", "undelivered message", "headers of your message",
		"content-type: message/rfc822", "message text follows", "unsent message follows",
		"copy of the message", "text of the message follows", NULL,
	};

	return textscan_recipients(mv, text_region(mv->body, NULL, returned), 0);
}

const struct vendor_module vendor_generic = {
	.name = "generic",
	.detect = generic_detect,
	.parse = generic_parse,
};
