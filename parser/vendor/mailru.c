/*
 * mailru.c - Mail.Ru (mail.ru, inbox.ru, bk.ru, list.ru) returned mail.
 *
 * Mail.Ru runs Exim and sends its notice twice, in Russian and then in
 * English, from mailer-daemon@corp.mail.ru:
 *
 *	Это письмо создано автоматически сервером Mail.Ru, ...
 *	...
 *	**********************
 *	This message was created automatically by mail delivery software.
 *	...
 *	  bob@example.org
 *	    SMTP error from remote mail server after RCPT TO:<bob@example.org>:
 *	    host mx.example.org [192.0.2.1]: 550 5.1.1 User unknown
 *
 *	------ This is a copy of the message, including all the headers. ------
 *
 * The Exim module reads the English part (it starts after Exim's own
 * banner); this module names the family.
 */
#include "engine.h"

static int
mailru_detect(const struct msgview *mv)
{
	static const char *const domains[] = {
		"@corp.mail.ru", "@mail.ru", "@inbox.ru", "@bk.ru", "@list.ru",
	};
	struct span from = mv_header(mv, "From");
	struct span head = span_make(mv->body.p, mv->body.len < 4096 ? mv->body.len : 4096);
	size_t k;

	for (k = 0; k < sizeof(domains) / sizeof(domains[0]); k++)
		if (span_ifind(from, domains[k]) != NULL)
			break;
	if (k == sizeof(domains) / sizeof(domains[0]))
		return 0;
	if (span_ifind(head, "This message was created automatically by mail delivery software") == NULL &&
	    span_ifind(head, "Mail.Ru") == NULL)
		return 0;
	return 88;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_HAS("From", "@corp.mail.ru"),
	GATE_HAS("From", "@mail.ru"),
	GATE_HAS("From", "@inbox.ru"),
	GATE_HAS("From", "@bk.ru"),
	GATE_HAS("From", "@list.ru"),
	GATE_DONE,
};

static size_t
mailru_parse(struct msgview *mv)
{
	const struct vendor_module *exim = vendor_by_name("exim");

	return exim != NULL && exim->parse != NULL ? exim->parse(mv) : 0;
}

const struct vendor_module vendor_mailru = {
	.name = "mailru",
	.gate = gate,
	.detect = mailru_detect,
	.parse = mailru_parse,
};
