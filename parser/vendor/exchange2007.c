/*
 * exchange2007.c - Microsoft Exchange Server 2007 to 2019, on premises.
 *
 * The same report as Microsoft 365's (read by msndr.c), written by an
 * organisation's own server: "Delivery has failed to these recipients
 * or groups", "Diagnostic information for administrators", "#550 5.1.1
 * RESOLVER.ADR.RecipNotFound; not found ##", in the server's language.
 * Reports written by Microsoft 365 itself belong to office365.c.
 */
#include "engine.h"
#include "msndr.h"

static int
exchange2007_detect(const struct msgview *mv)
{
	/* Runs for every message: the cheap header test goes first. */
	if (!mv_looks_like_report_once(mv) || !msndr_marker(mv) ||
	    msndr_cloud_host(msndr_generating(mv)))
		return 0;
	return 75;
}

/* What detect() cannot answer > 0 without (engine.h). */
static const struct vendor_gate gate[] = {
	GATE_ALSO(msndr_marker_gate),
	GATE_DONE,
};

static size_t
exchange2007_parse(struct msgview *mv)
{
	struct msndr m;

	msndr_read(mv, &m);
	return msndr_parse(mv, &m);
}

static void
exchange2007_refine(struct msgview *mv)
{
	struct msndr m;

	msndr_read(mv, &m);
	msndr_refine(mv, &m);
}

const struct vendor_module vendor_exchange2007 = {
	.name = "exchange2007",
	.gate = gate,
	.detect = exchange2007_detect,
	.parse = exchange2007_parse,
	.refine = exchange2007_refine,
};
