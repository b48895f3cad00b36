/*
 * office365.c - Microsoft 365 (Exchange Online) and the Outlook.com
 * service that runs on it.
 *
 * The report itself is the Exchange family's (msndr.c); what makes it
 * Microsoft 365 is who wrote it: a Message-ID or generating server under
 * outlook.com / exchangelabs.com, or a sender at *.onmicrosoft.com or
 * postmaster@outlook.com. Received headers do not count: a bounce from
 * anyone to a Microsoft 365 user passes Microsoft's servers on its way.
 */
#include <string.h>

#include "engine.h"
#include "msndr.h"

/* The domain of the address or Message-ID in a header value. */
static struct span
domain_of(struct span v)
{
	const char *at = NULL, *end;
	size_t i;

	for (i = 0; i < v.len; i++)
		if (v.p[i] == '@')
			at = v.p + i;
	if (at == NULL)
		return SPAN_EMPTY;
	for (end = at + 1; end < v.p + v.len && *end != '>' && *end != ' ' &&
	    *end != ')' && *end != '"'; end++)
		;
	return span_make(at + 1, (size_t)(end - at - 1));
}

static bool
written_by_microsoft365(const struct msgview *mv)
{
	struct span from = domain_of(mv_header(mv, "From"));
	struct span mid = domain_of(mv_header(mv, "Message-ID"));

	/* The headers first; the body only when they do not tell. */
	return msndr_cloud_host(mid) || msndr_cloud_host(from) ||
	    span_ieq(from, "outlook.com") ||
	    msndr_cloud_host(msndr_generating(mv));
}

static int
office365_detect(const struct msgview *mv)
{
	/* Runs for every message: the cheap header test goes first. */
	if (!mv_looks_like_report_once(mv) || !written_by_microsoft365(mv))
		return 0;
	if (msndr_marker(mv))
		return 85;
	/* A bare DSN from Microsoft 365: ours to refine. */
	if (strcmp(mv->content_type, "multipart/report") == 0)
		return 60;
	return 0;
}

/* What detect() cannot answer > 0 without (engine.h): a Microsoft 365
 * name in Message-ID or From (msndr_cloud_host()'s suffixes, anywhere
 * in the value), or a generating server named in the body. */
static const struct vendor_gate gate[] = {
	GATE_HAS("Message-ID", ".outlook.com"),
	GATE_HAS("Message-ID", ".exchangelabs.com"),
	GATE_HAS("Message-ID", ".office365.com"),
	GATE_HAS("Message-ID", ".onmicrosoft.com"),
	GATE_HAS("Message-ID", ".outlook.cn"),
	GATE_HAS("Message-ID", ".office365.us"),
	GATE_HAS("From", "outlook.com"),
	GATE_HAS("From", ".exchangelabs.com"),
	GATE_HAS("From", ".office365.com"),
	GATE_HAS("From", ".onmicrosoft.com"),
	GATE_HAS("From", ".outlook.cn"),
	GATE_HAS("From", ".office365.us"),
	GATE_ALSO(msndr_generating_gate),
	GATE_DONE,
};

static size_t
office365_parse(struct msgview *mv)
{
	struct msndr m;

	msndr_read(mv, &m);
	return msndr_parse(mv, &m);
}

static void
office365_refine(struct msgview *mv)
{
	struct msndr m;

	msndr_read(mv, &m);
	msndr_refine(mv, &m);
}

const struct vendor_module vendor_office365 = {
	.name = "office365",
	.gate = gate,
	.detect = office365_detect,
	.parse = office365_parse,
	.refine = office365_refine,
};
