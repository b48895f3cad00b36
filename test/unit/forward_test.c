/*
 * forward_test.c - forward_find() (parser/forward.c): which messages are
 * taken for a forwarded report, and the message it takes out of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"

struct fixture {
	struct bounce_limits lim;
	struct bounce_report *r;
	struct msgview mv;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	bounce_limits_default(&fx->lim);
	assert_non_null(fx->r = report_new());
	fx->mv.arena = report_arena(fx->r);
	fx->mv.report = fx->r;
	fx->mv.limits = &fx->lim;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	mime_view_release(&fx->mv);
	bounce_report_free(fx->r);
	free(fx);
	return 0;
}

/* forward_find() on msg; the message found, NUL-terminated, or NULL. */
static const char *
found(struct fixture *fx, const char *msg)
{
	struct span out;
	char *copy;

	assert_true(mime_view_build(&fx->mv, msg, strlen(msg)));
	if (!forward_find(&fx->mv, &out))
		return NULL;
	assert_non_null(copy = arena_alloc(fx->mv.arena, out.len + 1));
	memcpy(copy, out.p, out.len);
	return copy;
}

#define PERSON	"From: Pat <pat@example.org>\nTo: help@example.org\n"

static void
quoted_apple_forward(void **state)
{
	const char *got = found(*state, PERSON
	    "Subject: Fwd: Returned mail\n\n"
	    "Look at this.\n\nBegin forwarded message:\n\n"
	    "> From: Mail Delivery Subsystem <MAILER-DAEMON@example.net>\n"
	    "> Subject: Returned mail\n"
	    ">   see transcript\n"		/* a folded field */
	    "> Date: 4 March 2025\n"
	    ">\n"
	    "> line one\n"
	    ">>>> RCPT To:<a@example.com>\n"	/* a transcript line, quoted once */
	    "> > quoted in the report\n"
	    "\n"
	    "Pat's own words again.\n");

	assert_non_null(got);
	assert_string_equal(got,
	    "From: Mail Delivery Subsystem <MAILER-DAEMON@example.net>\n"
	    "Subject: Returned mail\n"
	    "  see transcript\n"
	    "Date: 4 March 2025\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "\n"
	    "line one\n"
	    ">>> RCPT To:<a@example.com>\n"
	    "> quoted in the report\n"
	    "\n");
}

static void
localised_outlook_forward(void **state)
{
	/* French: a no-break space before each colon; German below. */
	const char *got = found(*state, PERSON
	    "Subject: [EXT] RE: TR: Undeliverable\n"
	    "Content-Type: text/plain; charset=utf-8\n\n"
	    "Bonjour\n\n"
	    "________________________________\n"
	    "De\xc2\xa0: postmaster@example.net\n"
	    "Envoy\xc3\xa9\xc2\xa0: lundi\n"
	    "\xc3\x80\xc2\xa0: Pat\n"
	    "Objet\xc2\xa0: Undeliverable\n"
	    "\n"
	    "Delivery has failed.\n");

	assert_non_null(got);
	assert_string_equal(got,
	    "From: postmaster@example.net\n"
	    "Date: lundi\n"
	    "To: Pat\n"
	    "Subject: Undeliverable\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "\n"
	    "Delivery has failed.\n");
}

static void
html_text_blank_lines(void **state)
{
	/* Text made from HTML: blank lines between the fields. */
	const char *got = found(*state, PERSON
	    "Subject: WG: Unzustellbar\n\n"
	    "-----Urspr\xc3\xbcngliche Nachricht-----\n\n"
	    "*Von:* Microsoft Outlook <MicrosoftExchange1@example.de>\n\n"
	    "*Betreff:* Unzustellbar\n\n"
	    "Delivery has failed.\n");

	assert_non_null(got);
	assert_string_equal(got,
	    "From: Microsoft Outlook <MicrosoftExchange1@example.de>\n"
	    "Subject: Unzustellbar\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "\n"
	    "Delivery has failed.\n");
}

static void
attached_forward(void **state)
{
	const char *got = found(*state, PERSON
	    "Subject: FW: Undeliverable\n"
	    "Content-Type: multipart/mixed; boundary=x\n\n"
	    "--x\nContent-Type: text/plain\n\nsee attached\n"
	    "--x\nContent-Type: message/rfc822\n\n"
	    "From: postmaster@example.net\nSubject: Undeliverable\n\nbody\n"
	    "--x--\n");

	assert_non_null(got);
	assert_string_equal(got,
	    "From: postmaster@example.net\nSubject: Undeliverable\n\nbody");
}

static void
not_taken(void **state)
{
	struct fixture *fx = *state;
	static const char *const msgs[] = {
		/* No forward in the subject. */
		PERSON "Subject: Returned mail\n\nBegin forwarded message:\n\n"
		    "From: MAILER-DAEMON@example.net\nSubject: x\n\nbody\n",
		/* A report writer's own message. */
		"From: MAILER-DAEMON@example.net\nSubject: Fwd: x\n\n"
		    "Begin forwarded message:\n\nFrom: a@example.net\nSubject: x\n\nbody\n",
		"Return-Path: <>\nFrom: a@example.net\nSubject: Fwd: x\n\n"
		    "Begin forwarded message:\n\nFrom: a@example.net\nSubject: x\n\nbody\n",
		/* A marker, but no header block with a From field below it. */
		PERSON "Subject: Fwd: x\n\n---------- Forwarded message ---------\n"
		    "Subject: x\nDate: y\n\nbody\n",
		PERSON "Subject: Fwd: x\n\n-----Original Message-----\nFrom: a@example.net\n\nbody\n",
		/* A rule too short to be Outlook's. */
		PERSON "Subject: Fwd: x\n\n-----\nFrom: a@example.net\nSubject: x\n\nbody\n",
	};
	size_t i;

	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		memset(&fx->mv, 0, sizeof(fx->mv));
		fx->mv.arena = report_arena(fx->r);
		fx->mv.report = fx->r;
		fx->mv.limits = &fx->lim;
		if (found(fx, msgs[i]) != NULL)
			fail_msg("message %zu taken for a forward", i);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(quoted_apple_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(localised_outlook_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(html_text_blank_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(attached_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(not_taken, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
