/*
 * classify_test.c - unit tests of bounce_classify(): precedence (text
 * beats codes, exact beats wildcard, vendor and host add rank, explicit
 * priority, file order), "continue" rules, temporary and hard, the
 * shipped rules on a few invented diagnostics, and a rule set shared by
 * many threads.
 *
 * Most tests write their own small rule folder, so they test the engine
 * and not the current wording of rules/; the shipped rules come from
 * $BOUNCE_TEST_RULES (default rules/).
 */
#include <sys/stat.h>

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rules.h"

/* ---- helpers ---------------------------------------------------------- */

struct fixture {
	char	dir[64];
	char	files[8][128];
	int	nfiles;
};

static void
write_rules(struct fixture *fx, const char *name, const char *text)
{
	char dir[sizeof(fx->dir)];
	FILE *f;

	memcpy(dir, fx->dir, sizeof(dir));
	snprintf(fx->files[fx->nfiles], sizeof(fx->files[0]), "%s/%s", dir, name);
	f = fopen(fx->files[fx->nfiles], "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	fx->nfiles++;
}

static struct bounce_rules *
load(struct fixture *fx)
{
	char err[512];
	struct bounce_rules *rs = bounce_rules_load(fx->dir, err, sizeof(err));

	if (rs == NULL)
		fail_msg("test rules refused: %s", err);
	return rs;
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	strcpy(fx->dir, "/tmp/bounce-classify-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	setenv("BOUNCE_RULES_CACHE", "off", 1);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	int i;

	for (i = 0; i < fx->nfiles; i++)
		unlink(fx->files[i]);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

struct rcpt_in {
	const char *diagnostic;
	const char *status;
	const char *reply;
	const char *action;
	const char *command;
	const char *component;
	const char *remote;
	const char *diagtype;
};

/* A report of the given kind and vendor with one recipient. */
static struct bounce_report *
one_report(enum bounce_kind kind, const char *vendor, const struct rcpt_in *in)
{
	struct bounce_limits lim;
	struct bounce_report *r = report_new();
	struct bounce_recipient *rc;

	assert_non_null(r);
	bounce_limits_default(&lim);
	r->kind = kind;
	r->vendor = vendor;
	rc = report_add_recipient(r, &lim);
	assert_non_null(rc);
	rc->recipient = "someone@example.com";
	rc->diagnostic = in->diagnostic ? in->diagnostic : "";
	rc->status = in->status ? in->status : "";
	rc->reply_code = in->reply ? in->reply : "";
	rc->action = in->action ? in->action : "failed";
	rc->command = in->command ? in->command : "";
	rc->component = in->component ? in->component : "";
	rc->remote_mta = in->remote ? in->remote : "";
	rc->diagnostic_type = in->diagtype ? in->diagtype : "";
	return r;
}

static const char *
classify_reason(const struct bounce_rules *rs, enum bounce_kind kind, const char *vendor,
		const struct rcpt_in *in)
{
	static char reason[64];
	struct bounce_report *r = one_report(kind, vendor, in);

	bounce_classify(r, rs);
	snprintf(reason, sizeof(reason), "%s", r->rcpt[0].reason);
	bounce_report_free(r);
	return reason;
}

#define RULE(name, cond, reason, category) \
	"rule " name "\n" cond \
	"  reason    " reason "\n  category  " category "\n  owner     sender\n" \
	"  summary   Summary of " name ".\n  fix       Fix for " name ".\n\n"

/* ---- precedence --------------------------------------------------------- */

static void
test_text_beats_code(void **state)
{
	struct fixture *fx = *state;
	struct bounce_rules *rs;

	write_rules(fx, "10-test.rules",
	    RULE("full-by-code", "  status    5.2.2\n", "mailboxfull", "mailbox-full")
	    RULE("quota-by-text", "  text      /submission quota exceeded/\n", "speeding", "rate-limited")
	    RULE("any-5", "  status    5.*\n", "onhold", "unknown")
	    RULE("last", "", "undefined", "unknown"));
	rs = load(fx);
	/* The code alone says mailbox full ... */
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "rfc3464",
	    &(struct rcpt_in){ .diagnostic = "552 5.2.2 Mailbox full", .status = "5.2.2" }),
	    "mailboxfull");
	/* ... but the words win: Microsoft's submission quota. */
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "rfc3464",
	    &(struct rcpt_in){ .diagnostic = "554 5.2.2 Submission Quota Exceeded", .status = "5.2.2" }),
	    "speeding");
	/* An exact code beats a class wildcard; nothing at all is the fallback. */
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "rfc3464",
	    &(struct rcpt_in){ .status = "5.9.9" }), "onhold");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "rfc3464",
	    &(struct rcpt_in){ .status = "" }), "undefined");
	bounce_rules_free(rs);
}

static void
test_specificity(void **state)
{
	struct fixture *fx = *state;
	struct bounce_rules *rs;

	write_rules(fx, "10-test.rules",
	    RULE("relay-text", "  text      /access denied/\n", "norelaying", "relay-denied")
	    RULE("relay-ms", "  text      /access denied/\n  vendor    office365\n", "userunknown", "mailbox-missing")
	    RULE("relay-host", "  text      /access denied/\n  remote    *.example.net\n", "blocked", "reputation-block")
	    RULE("two-texts", "  text      /access denied/\n  text      /tenant/\n", "securityerror", "policy-rejected")
	    RULE("wild", "  status    5.7.*\n", "securityerror", "policy-rejected")
	    RULE("exact", "  status    5.7.1\n", "blocked", "reputation-block"));
	rs = load(fx);
	struct rcpt_in in = { .diagnostic = "550 5.4.1 Recipient address rejected: Access denied" };
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "rfc3464", &in), "norelaying");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "office365", &in), "userunknown");
	in.remote = "dns; mx1.Example.NET.";
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "rfc3464", &in), "blocked");
	in.remote = "example.net";		/* *.example.net is subdomains only */
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "rfc3464", &in), "norelaying");
	in.diagnostic = "Access denied, tenant has exceeded threshold";
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "rfc3464", &in), "securityerror");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "rfc3464",
	    &(struct rcpt_in){ .status = "5.7.1" }), "blocked");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "rfc3464",
	    &(struct rcpt_in){ .status = "5.7.3" }), "securityerror");
	bounce_rules_free(rs);
}

static void
test_priority_and_file_order(void **state)
{
	struct fixture *fx = *state;
	struct bounce_rules *rs;

	write_rules(fx, "10-first.rules",
	    RULE("first-full", "  text      /full/\n", "mailboxfull", "mailbox-full"));
	write_rules(fx, "20-second.rules",
	    RULE("second-full", "  text      /full/\n", "systemfull", "remote-error")
	    RULE("low", "  text      /disk/\n  priority  1\n", "systemfull", "remote-error")
	    RULE("code", "  status    5.3.1\n", "systemfull", "remote-error")
	    RULE("boss", "  kind      autoreply\n  priority  900\n", "vacation", "auto-reply"));
	rs = load(fx);
	/* Equal rank: the file loaded first wins. */
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "mailbox full" }), "mailboxfull");
	/* A low explicit priority sits below a bare status rule. */
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "disk trouble", .status = "5.3.1" }), "systemfull");
	/* A high one beats any text. */
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_AUTOREPLY, "", &(struct rcpt_in){
	    .diagnostic = "mailbox full" }), "vacation");
	bounce_rules_free(rs);
}

static void
test_conditions(void **state)
{
	struct fixture *fx = *state;
	struct bounce_rules *rs;

	write_rules(fx, "10-test.rules",
	    RULE("user-unknown", "  text      /user unknown/\n            /no such user/\n  not-text  /sender/\n",
		 "userunknown", "mailbox-missing")
	    RULE("component", "  component /^RESOLVER\\.ADR\\.RecipNotFound/\n", "userunknown", "mailbox-missing")
	    RULE("after-data", "  text      /user unknown/\n  command   DATA\n  reply     55x\n",
		 "filtered", "policy-rejected")
	    RULE("no-status", "  status    none\n  action    failed\n  text      /refused/\n",
		 "rejected", "policy-rejected")
	    RULE("x-unix", "  diagnostic-type x-*\n", "mailererror", "remote-error")
	    RULE("fallback", "", "onhold", "unknown"));
	rs = load(fx);
	/* Continuation lines are alternatives. */
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "550 No such user here" }), "userunknown");
	/* not-text vetoes. */
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "550 sender user unknown" }), "onhold");
	/* Case-insensitive; command and reply patterns. */
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "550 USER UNKNOWN", .command = "data", .reply = "550" }), "filtered");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "550 USER UNKNOWN", .command = "DATA", .reply = "450" }), "userunknown");
	/* The component is matched on its own field. */
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_NDR, "office365", &(struct rcpt_in){
	    .diagnostic = "550 5.1.10 not found", .component = "RESOLVER.ADR.RecipNotFound" }),
	    "userunknown");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_NDR, "office365", &(struct rcpt_in){
	    .diagnostic = "RESOLVER.ADR.RecipNotFound" }), "onhold");
	/* status none and action. */
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "refused" }), "rejected");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "refused", .status = "5.0.0" }), "onhold");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "refused", .action = "delayed" }), "onhold");
	bounce_rules_free(rs);
}

/*
 * The rules a kind, an action, a status or an empty component rule out
 * are dropped before their conditions are read (rules.c index_filters):
 * the answers must be those of trying every rule. Each rule here is
 * ranked above the fallback and holds for exactly the values named.
 */
static void
test_filters(void **state)
{
	struct fixture *fx = *state;
	struct bounce_rules *rs;
	static const struct {
		enum bounce_kind kind;
		struct rcpt_in in;
		const char *reason;
	} cases[] = {
		{ BOUNCE_KIND_ARF, { .status = "5.0.0" }, "feedback" },
		{ BOUNCE_KIND_AUTOREPLY, { .status = "5.0.0" }, "vacation" },
		{ BOUNCE_KIND_DSN, { .action = "Delayed" }, "expired" },
		{ BOUNCE_KIND_DSN, { .action = "RELAYED" }, "delivered" },
		{ BOUNCE_KIND_DSN, { .action = "" }, "suspend" },
		{ BOUNCE_KIND_DSN, { .action = "relay" }, "rejected" },
		{ BOUNCE_KIND_DSN, { .status = "" }, "rejected" },
		{ BOUNCE_KIND_NDR, { .status = "" }, "onhold" },
		{ BOUNCE_KIND_DSN, { .status = "2.9.9" }, "rejected" },
		{ BOUNCE_KIND_NDR, { .status = "2.9.9" }, "systemerror" },
		{ BOUNCE_KIND_DSN, { .status = "9.9.9" }, "systemerror" },
		{ BOUNCE_KIND_DSN, { .status = "4.2.2" }, "mailboxfull" },
		{ BOUNCE_KIND_DSN, { .status = "4.2.1" }, "speeding" },
		{ BOUNCE_KIND_DSN, { .status = "2.1.5" }, "mailboxfull" },
		{ BOUNCE_KIND_DSN, { .status = "2.0.0" }, "systemerror" },
		{ BOUNCE_KIND_DSN, { .status = "5.1.1" }, "userunknown" },
		{ BOUNCE_KIND_DSN, { .status = "05.1.1" }, "systemerror" },
		{ BOUNCE_KIND_DSN, { .status = "x.y.z" }, "systemerror" },
		{ BOUNCE_KIND_DSN, { .status = "5.1.1", .component = "ROUTING.Loop" }, "networkerror" },
		{ BOUNCE_KIND_DSN, { .status = "5.1.1", .component = "other" }, "userunknown" },
	};
	size_t i;

	write_rules(fx, "10-test.rules",
	    RULE("arf", "  kind      ARF\n  priority  900\n", "feedback", "feedback")
	    RULE("auto", "  kind      autoreply dsn\n  status    5.0.0\n  priority  890\n",
		 "vacation", "auto-reply")
	    RULE("late", "  action    delayed\n  priority  880\n", "expired", "expired")
	    RULE("passed", "  action    delivered relayed expanded\n  priority  870\n",
		 "delivered", "delivered")
	    RULE("suspend", "  action    none\n  priority  860\n", "suspend", "unknown")
	    RULE("loop", "  component /^routing\\.loop/\n  priority  850\n",
		 "networkerror", "remote-error")
	    RULE("rejected", "  status    none 2.9.9\n  kind      dsn\n  priority  840\n",
		 "rejected", "unknown")
	    RULE("full", "  status    4.2.2 2.1.*\n  priority  830\n", "mailboxfull", "mailbox-full")
	    RULE("speeding", "  status    4.*\n  priority  820\n", "speeding", "unknown")
	    RULE("unknown", "  status    5.1.1\n  priority  810\n", "userunknown", "mailbox-missing")
	    RULE("systemerror", "  status    *\n  priority  800\n", "systemerror", "unknown")
	    RULE("fallback", "", "onhold", "unknown"));
	rs = load(fx);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(classify_reason(rs, cases[i].kind, "rfc3464", &cases[i].in),
		    cases[i].reason) != 0)
			fail_msg("case %zu: %s, not %s", i,
			    classify_reason(rs, cases[i].kind, "rfc3464", &cases[i].in),
			    cases[i].reason);
	bounce_rules_free(rs);
}

/* A pattern that is one bracket expression is answered without
 * Vectorscan (rules.c): the same answers, caseless, 8-bit bytes and
 * newlines included in a negated set; other shapes are compiled. */
static void
test_byte_classes(void **state)
{
	struct fixture *fx = *state;
	struct bounce_rules *rs;

	write_rules(fx, "10-test.rules",
	    RULE("class-and-more", "  text      /[^ ]x/\n", "suspend", "mailbox-disabled")
	    RULE("digit", "  text      /[0-9]/\n", "mailboxfull", "mailbox-full")
	    RULE("not-a", "  text      /[^a ]/\n", "blocked", "policy-rejected")
	    RULE("any", "  text      /[^ ]/\n", "onhold", "unknown")
	    RULE("fallback", "", "undefined", "unknown"));
	rs = load(fx);
	/* A range ("[0-9]") is left to Vectorscan. */
	assert_int_equal(rs->nbyte_class, 2);
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "refused 9" }), "mailboxfull");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "a A  aAa" }), "onhold");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "a A \n" }), "blocked");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "aa \xc3\xa9" }), "blocked");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "aX" }), "suspend");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "a" }), "onhold");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "   " }), "undefined");
	bounce_rules_free(rs);
}

/* A report kind decided by a rule above every rule that reads a scan
 * (rules.c unscanned_kind) is not scanned, and gets the same answers. */
static void
test_unscanned_kinds(void **state)
{
	struct fixture *fx = *state;
	struct bounce_rules *rs;
	struct bounce_report *r;

	write_rules(fx, "10-test.rules",
	    RULE("feedback", "  kind      arf\n  priority  950\n", "feedback", "feedback")
	    "rule auto-cont\n  kind      autoreply\n  priority  950\n  continue  yes\n"
	    "  category  auto-reply\n\n"
	    RULE("ndr-status", "  kind      ndr\n  status    5.*\n  priority  950\n", "rejected",
		"policy-rejected")
	    RULE("dsn-kind", "  kind      dsn\n  priority  10\n", "onhold", "unknown")
	    RULE("full", "  text      /mailbox full/\n  priority  20\n", "mailboxfull", "mailbox-full")
	    RULE("fallback", "", "undefined", "unknown"));
	rs = load(fx);
	assert_true(rs->unscanned_kind[BOUNCE_KIND_ARF]);
	assert_false(rs->unscanned_kind[BOUNCE_KIND_AUTOREPLY]);	/* continues */
	assert_false(rs->unscanned_kind[BOUNCE_KIND_NDR]);		/* not for every status */
	assert_false(rs->unscanned_kind[BOUNCE_KIND_DSN]);		/* below a text rule */
	assert_false(rs->unscanned_kind[BOUNCE_KIND_NONE]);
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_ARF, "", &(struct rcpt_in){
	    .diagnostic = "mailbox full" }), "feedback");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "mailbox full" }), "mailboxfull");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_DSN, "", &(struct rcpt_in){
	    .diagnostic = "over quota" }), "onhold");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_NDR, "", &(struct rcpt_in){
	    .diagnostic = "mailbox full", .status = "5.2.2" }), "rejected");
	assert_string_equal(classify_reason(rs, BOUNCE_KIND_NDR, "", &(struct rcpt_in){
	    .diagnostic = "mailbox full", .status = "4.2.2" }), "mailboxfull");
	r = one_report(BOUNCE_KIND_AUTOREPLY, "", &(struct rcpt_in){ .diagnostic = "mailbox full" });
	bounce_classify(r, rs);
	assert_string_equal(r->rcpt[0].reason, "mailboxfull");
	assert_string_equal(r->rcpt[0].category, "auto-reply");
	bounce_report_free(r);
	bounce_rules_free(rs);
}

static void
test_continue_temporary_hard(void **state)
{
	struct fixture *fx = *state;
	struct bounce_rules *rs;
	struct bounce_report *r;
	struct bounce_recipient *rc;

	write_rules(fx, "10-test.rules",
	    "rule delayed\n  action    delayed\n  priority  900\n  continue  yes\n  category  delayed\n\n"
	    RULE("full", "  text      /mailbox full/\n", "mailboxfull", "mailbox-full")
	    RULE("unknown", "  status    *.1.1\n", "userunknown", "mailbox-missing")
	    "rule not-hard\n  status    5.1.6\n  hard      no\n  reason    hasmoved\n"
	    "  category  mailbox-missing\n  owner     sender\n  summary   Moved.\n  fix       Ask.\n\n"
	    RULE("delay-expired", "  action    delayed\n  priority  5\n", "expired", "expired"));
	rs = load(fx);

	/* A delay warning keeps the text's reason and gets category delayed. */
	r = one_report(BOUNCE_KIND_DSN, "rfc3464", &(struct rcpt_in){
	    .diagnostic = "452 4.2.2 Mailbox full", .status = "4.2.2", .action = "delayed" });
	bounce_classify(r, rs);
	rc = &r->rcpt[0];
	assert_string_equal(rc->reason, "mailboxfull");
	assert_string_equal(rc->category, "delayed");
	assert_string_equal(rc->summary, "Summary of full.");
	assert_true(rc->temporary);
	assert_false(rc->hard);
	bounce_report_free(r);

	/* Nothing better: the delay fallback. */
	r = one_report(BOUNCE_KIND_DSN, "rfc3464", &(struct rcpt_in){ .action = "delayed" });
	bounce_classify(r, rs);
	assert_string_equal(r->rcpt[0].reason, "expired");
	assert_string_equal(r->rcpt[0].category, "delayed");
	bounce_report_free(r);

	/* userunknown is hard by default, but never when temporary. */
	r = one_report(BOUNCE_KIND_DSN, "rfc3464", &(struct rcpt_in){ .status = "5.1.1", .reply = "550" });
	bounce_classify(r, rs);
	assert_true(r->rcpt[0].hard);
	assert_false(r->rcpt[0].temporary);
	assert_string_equal(r->rcpt[0].owner, "sender");
	bounce_report_free(r);
	r = one_report(BOUNCE_KIND_DSN, "rfc3464", &(struct rcpt_in){ .status = "4.1.1", .reply = "450" });
	bounce_classify(r, rs);
	assert_string_equal(r->rcpt[0].reason, "userunknown");
	assert_false(r->rcpt[0].hard);
	assert_true(r->rcpt[0].temporary);
	bounce_report_free(r);
	/* Without a status the reply code decides temporary. */
	r = one_report(BOUNCE_KIND_DSN, "rfc3464", &(struct rcpt_in){ .reply = "421" });
	bounce_classify(r, rs);
	assert_true(r->rcpt[0].temporary);
	bounce_report_free(r);
	/* "hard no" in a rule overrides the reason's default. */
	r = one_report(BOUNCE_KIND_DSN, "rfc3464", &(struct rcpt_in){ .status = "5.1.6" });
	bounce_classify(r, rs);
	assert_string_equal(r->rcpt[0].reason, "hasmoved");
	assert_false(r->rcpt[0].hard);
	bounce_report_free(r);
	bounce_rules_free(rs);
}

static void
test_no_rules(void **state)
{
	struct bounce_report *r;

	(void)state;
	r = one_report(BOUNCE_KIND_DSN, "rfc3464", &(struct rcpt_in){ .status = "4.4.7" });
	bounce_classify(r, NULL);
	assert_string_equal(r->rcpt[0].reason, "undefined");
	assert_string_equal(r->rcpt[0].category, "unknown");
	assert_true(r->rcpt[0].temporary);
	bounce_report_free(r);
	bounce_classify(NULL, NULL);
}

/* ---- the shipped rules --------------------------------------------------- */

static struct bounce_rules *
shipped(void)
{
	const char *dir = getenv("BOUNCE_TEST_RULES");
	char err[512];
	struct bounce_rules *rs;

	rs = bounce_rules_load(dir != NULL && dir[0] ? dir : "rules", err, sizeof(err));
	if (rs == NULL)
		fail_msg("shipped rules: %s", err);
	return rs;
}

static void
test_shipped_rules(void **state)
{
	static const struct {
		struct rcpt_in	in;
		enum bounce_kind kind;
		const char	*reason;
		const char	*category;
		bool		 hard;
	} cases[] = {
		{ { .diagnostic = "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
		    .status = "5.1.1", .reply = "550", .command = "RCPT" },
		  BOUNCE_KIND_DSN, "userunknown", "mailbox-missing", true },
		{ { .diagnostic = "552 5.2.2 <full@example.org>: mailbox is over quota", .status = "5.2.2", .reply = "552" },
		  BOUNCE_KIND_DSN, "mailboxfull", "mailbox-full", false },
		{ { .diagnostic = "Host or domain name not found. Name service error for name=nowhere.example type=A: Host not found",
		    .status = "5.4.4" },
		  BOUNCE_KIND_DSN, "hostunknown", "domain-missing", true },
		{ { .diagnostic = "554 5.7.1 <mx.example.net[192.0.2.7]>: Client host rejected: blocked using zen.example.org",
		    .status = "5.7.1", .reply = "554" },
		  BOUNCE_KIND_DSN, "blocked", "reputation-block", false },
		{ { .diagnostic = "550 5.7.26 This mail has been rejected because it did not pass the sending domain's DMARC policy",
		    .status = "5.7.26", .reply = "550" },
		  BOUNCE_KIND_DSN, "authfailure", "email-auth-failure", false },
		{ { .diagnostic = "554 5.7.1 <someone@example.com>: Relay access denied", .status = "5.7.1", .reply = "554" },
		  BOUNCE_KIND_DSN, "norelaying", "relay-denied", false },
		{ { .diagnostic = "550 5.7.1 Message rejected as spam by Content Filtering", .status = "5.7.1", .reply = "550" },
		  BOUNCE_KIND_DSN, "spamdetected", "spam-content", false },
		{ { .diagnostic = "552 5.3.4 Message size exceeds fixed limit", .status = "5.3.4", .reply = "552" },
		  BOUNCE_KIND_DSN, "mesgtoobig", "message-too-large", false },
		{ { .diagnostic = "connect to mx.example.org[192.0.2.9]:25: Connection timed out", .status = "4.4.1" },
		  BOUNCE_KIND_DSN, "expired", "expired", false },
		{ { .status = "5.7.13" }, BOUNCE_KIND_DSN, "suspend", "mailbox-disabled", false },
		{ { .status = "5.1.10" }, BOUNCE_KIND_DSN, "notaccept", "domain-missing", true },
		{ { .action = "delivered", .status = "2.0.0" }, BOUNCE_KIND_DSN, "delivered", "delivered", false },
		{ { .diagnostic = "I am away until Monday" }, BOUNCE_KIND_AUTOREPLY, "vacation", "auto-reply", false },
		{ { .diagnostic = "" }, BOUNCE_KIND_ARF, "feedback", "feedback", false },
		{ { .diagnostic = "Something odd happened" }, BOUNCE_KIND_NDR, "onhold", "unknown", false },
		{ { .diagnostic = "" }, BOUNCE_KIND_NDR, "undefined", "unknown", false },
	};
	struct bounce_rules *rs = shipped();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bounce_report *r = one_report(cases[i].kind, "rfc3464", &cases[i].in);
		struct bounce_recipient *rc = &r->rcpt[0];

		bounce_classify(r, rs);
		if (strcmp(rc->reason, cases[i].reason) != 0 ||
		    strcmp(rc->category, cases[i].category) != 0 || rc->hard != cases[i].hard)
			fail_msg("case %zu \"%s\": want %s/%s/%d, got %s/%s/%d", i,
			    cases[i].in.diagnostic ? cases[i].in.diagnostic : "", cases[i].reason,
			    cases[i].category, cases[i].hard, rc->reason, rc->category, rc->hard);
		/* Every outcome says who acts and what to do. */
		assert_true(strlen(rc->summary) > 10);
		assert_true(strlen(rc->fix) > 5);
		assert_true(strcmp(rc->owner, "sender") == 0 || strcmp(rc->owner, "sender-admin") == 0 ||
		    strcmp(rc->owner, "recipient-admin") == 0 || strcmp(rc->owner, "none") == 0);
		bounce_report_free(r);
	}
	/* Summaries live in the report: the rule set may go first. */
	{
		struct bounce_report *r = one_report(BOUNCE_KIND_DSN, "rfc3464",
		    &(struct rcpt_in){ .status = "5.2.2" });

		bounce_classify(r, rs);
		bounce_rules_free(rs);
		assert_true(strlen(r->rcpt[0].summary) > 10);
		bounce_report_free(r);
	}
}

/*
 * Decisions that depend on more than the words: the SMTP step, the status
 * code, who wrote the report and which host answered. Diagnostics are
 * invented; each case is one decision encoded in rules/.
 */
static void
test_shipped_decisions(void **state)
{
	static const struct {
		const char	*vendor;
		struct rcpt_in	 in;
		const char	*reason;
	} cases[] = {
		/* "Unknown user": the step and the code decide. */
		{ "postfix", { .diagnostic = "550 5.1.1 <ann@example.org>: unknown user", .status = "5.1.1",
		    .command = "DATA" }, "userunknown" },
		{ "postfix", { .diagnostic = "550 ann@example.org: unknown user", .status = "5.0.0",
		    .command = "RCPT" }, "userunknown" },
		{ "postfix", { .diagnostic = "550 ann@example.org: unknown user", .status = "5.0.0",
		    .command = "DATA" }, "filtered" },
		{ "x1", { .diagnostic = "No such user here" }, "filtered" },
		{ "sendmail", { .diagnostic = "550 5.2.1 <bob@example.org>... User Unknown", .status = "5.2.1" },
		  "filtered" },
		{ "sendmail", { .diagnostic = "550 5.2.1 <bob@example.org>... User Unknown", .status = "5.2.1",
		    .command = "RCPT" }, "userunknown" },
		{ "office365", { .diagnostic = "550 5.1.351 Remote server returned: recipient unknown",
		    .status = "5.1.351" }, "userunknown" },
		{ "postfix", { .diagnostic = "553 5.1.8 <x@example.com>: Sender address rejected: user unknown",
		    .command = "MAIL" }, "rejected" },
		/* Reports written by a system that looked the user up itself. */
		{ "mcafee", { .diagnostic = "550 Unknown user carol@example.net" }, "userunknown" },
		{ "notes", { .diagnostic = "User carol not listed in public Name & Address Book" }, "userunknown" },
		{ "gmail", { .diagnostic = "Your message wasn't delivered to dan@example.net because the address "
		    "couldn't be found." }, "userunknown" },
		{ "ezweb", { .diagnostic = "Each of the following recipients was rejected by a remote mail server." },
		  "filtered" },
		/* Providers' own codes. */
		{ "postfix", { .diagnostic = "550 5.1.0 <x@example.com> sender rejected. AUP#CXBL", .status = "5.1.0",
		    .command = "MAIL" }, "blocked" },
		{ "postfix", { .diagnostic = "550 5.1.0 <x@example.com> sender rejected. AUP#I-1320", .status = "5.1.0" },
		  "toomanyconn" },
		{ "postfix", { .diagnostic = "421 4.2.0 Service refused, please try later. OFR004_505", .status = "4.2.0" },
		  "systemerror" },
		{ "postfix", { .diagnostic = "550 5.5.0 Service refused, please try later. LPN002_108", .status = "5.5.0" },
		  "undefined" },
		{ "postfix", { .diagnostic = "550 5.5.0 Invalid recipient. LPN003_416", .status = "5.5.0",
		    .command = "DATA" }, "userunknown" },
		{ "postfix", { .diagnostic = "550 Unknown user eve@docomo.ne.jp", .status = "5.0.0", .command = "DATA",
		    .remote = "mfsmax.docomo.ne.jp" }, "rejected" },
		{ "postfix", { .diagnostic = "550 Unknown user eve@example.jp", .status = "5.0.0", .command = "DATA",
		    .remote = "mx.example.jp" }, "filtered" },
		{ "postfix", { .diagnostic = "554 message rejected due to security policies - sig.example",
		    .reply = "554", .remote = "relay7.mimecast.com" }, "virusdetected" },
		{ "rfc3464", { .diagnostic = "550 fay@example.org... No such user", .status = "5.0.0",
		    .remote = "cluster1.eu.messagelabs.com" }, "userunknown" },
		{ "postfix", { .diagnostic = "Name service error for name=example.org type=MX: Malformed or unexpected "
		    "name server reply", .status = "5.4.4", .remote = "omr-x.mx.aol.com" }, "notaccept" },
		{ "sendmail", { .diagnostic = "554 delivery error: dd This user doesn't have a example.com account "
		    "(gil@example.com) [0]", .status = "5.0.0" }, "userunknown" },
		{ "receivingses", { .diagnostic = "550 5.1.1 Mailbox does not exist", .status = "5.1.1" }, "filtered" },
		{ "receivingses", { .diagnostic = "500 5.6.1 Message content rejected", .status = "5.6.1" },
		  "contenterror" },
		/* A failed delivery program decides even while the queue retries. */
		{ "sendmail", { .diagnostic = "451 4.0.0 Operating system error", .status = "4.5.0",
		    .action = "delayed", .diagtype = "x-unix" }, "mailererror" },
		{ "exim", { .diagnostic = "Failed to read response template /home/hal/.vacation: No such file" },
		  "mailererror" },
	};
	struct bounce_rules *rs = shipped();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rcpt_in in = cases[i].in;
		const char *got;

		got = classify_reason(rs, BOUNCE_KIND_DSN, cases[i].vendor, &in);
		if (strcmp(got, cases[i].reason) != 0)
			fail_msg("case %zu \"%s\": want %s, got %s", i, in.diagnostic, cases[i].reason, got);
	}
	bounce_rules_free(rs);
}

/* ---- threads ------------------------------------------------------------- */

#define THREADS		8
#define ROUNDS		300

struct worker {
	const struct bounce_rules *rs;
	int	 failures;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		bool full = (i % 2) == 0;
		struct bounce_report *r = one_report(BOUNCE_KIND_DSN, "rfc3464", &(struct rcpt_in){
		    .diagnostic = full ? "552 5.2.2 mailbox full" : "550 5.1.1 no such user here",
		    .status = full ? "5.2.2" : "5.1.1" });

		bounce_classify(r, w->rs);
		if (strcmp(r->rcpt[0].reason, full ? "mailboxfull" : "userunknown") != 0)
			w->failures++;
		bounce_report_free(r);
	}
	return NULL;
}

static void
test_shared_by_threads(void **state)
{
	struct bounce_rules *rs = shipped();
	pthread_t tid[THREADS];
	struct worker w[THREADS];
	struct scratch_node *n;
	int i, pooled = 0;

	(void)state;
	for (i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .rs = rs };
		assert_int_equal(pthread_create(&tid[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(tid[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	/* The scratch pool never holds more than one per thread. */
	for (n = rs->pool; n != NULL; n = n->next)
		pooled++;
	assert_true(pooled >= 1 && pooled <= THREADS);
	bounce_rules_free(rs);
}

/* ---- the database ------------------------------------------------------ */

/* Pieces of invented diagnostics; the grid is each alone and each pair
 * joined by a blank, so that patterns with ".*" or "\b" between two
 * parts meet texts with and without them. */
static const char *const pieces[] = {
	"550 5.1.1 <someone@example.com>: Recipient address rejected: User unknown",
	"550 5.1.1 no such user here", "user does not exist", "The email account that you tried to reach does not exist",
	"mailbox unavailable", "Mailbox full", "552 5.2.2 Quota exceeded", "over quota", "user overquota",
	"mailbox is full", "STOREDRV.Deliver; mailbox full", "account disabled", "This account has been suspended",
	"552 message size exceeds fixed maximum message size", "Message too large", "554 5.7.1 Relay access denied",
	"we do not relay", "550 5.7.1 SPF check failed", "spf=fail", "DMARC policy reject", "DKIM signature invalid",
	"Client host [192.0.2.1] blocked using zen.spamhaus.org", "listed on RBL", "blacklisted by example.org",
	"554 5.7.1 Message rejected as spam", "spam detected", "virus found in message", "Host unknown",
	"Domain not found", "DNS domain example.org does not exist", "No MX for example.net", "Connection timed out",
	"connection refused", "Name service error", "421 Too many connections", "rate limit exceeded",
	"TLS required", "STARTTLS failed", "Authentication required", "5.7.26 Unauthenticated email from example.com is not accepted",
	"Sender address rejected: Domain not found", "sender domain must exist", "Reverse DNS lookup failed",
	"no PTR record", "message expired", "delivery time expired", "retry timeout exceeded", "out of storage space",
	"RESOLVER.ADR.RecipNotFound", "QUEUE.Expired", "Requested action aborted: local error in processing",
	"mail loop detected", "too many hops", "Header line too long", "8-bit characters not allowed",
	"user@example.com... User unknown", "invalid recipient", "recipient rejected", "Mailbox does not exist",
	"address rejected", "ACCESS DENIED", "\xe5\xae\x9b\xe5\x85\x88\xe3\x81\x8c\xe8\xa6\x8b\xe3\x81\xa4\xe3\x81\x8b\xe3\x82\x8a\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93",
	"boite du destinataire pleine", "Postfach voll", "unrouteable address", "a", "_user_", "user1 quota",
	"over-quota", "spf_fail", "black list", "blocklisted", "not-exist", "nonexistent user",
};

static int
on_any(unsigned int id, unsigned long long from, unsigned long long to,
       unsigned int flags, void *ctx)
{
	uint64_t *set = ctx;

	(void)from;
	(void)to;
	(void)flags;
	set[id / 64] |= (uint64_t)1 << (id % 64);
	return 0;
}

/* Is pattern id one that rules.c answers without Vectorscan? */
static bool
is_byte_class(const struct bounce_rules *rs, unsigned id)
{
	unsigned i;

	for (i = 0; i < rs->nbyte_class; i++)
		if (rs->byte_class[i].id == id)
			return true;
	return false;
}

/* Text t of the grid: piece i alone (j == NPIECE) or followed by piece j. */
static void
grid_text(unsigned t, char *text, size_t len)
{
	enum { NPIECE = sizeof(pieces) / sizeof(pieces[0]) };
	unsigned i = t / (NPIECE + 1), j = t % (NPIECE + 1);

	snprintf(text, len, "%s%s%s", pieces[i], j < NPIECE ? " " : "",
	    j < NPIECE ? pieces[j] : "");
}

/*
 * The rule set's database (rules.c: caseless, without single match) and
 * the same patterns compiled the plain way (caseless, single match: each
 * reported once) say the same for every pattern on every text of the
 * grid. (Not each pattern alone: Vectorscan 5.4.9 compiles
 * /\bptr\b|rdns|expired/ alone into a database that misses "expired" at
 * the end of a 67-byte text, which the whole set finds.)
 */
static void
test_database_agrees(void **state)
{
	const char *dir = getenv("BOUNCE_TEST_RULES");
	struct bounce_rules *rs = shipped(), parsed;
	struct rules_pattern *pat = NULL;
	enum { NTEXT = (sizeof(pieces) / sizeof(pieces[0])) * (sizeof(pieces) / sizeof(pieces[0]) + 1) };
	const char **expr;
	unsigned *flags, *ids;
	char text[512], err[512];
	hs_database_t *plain = NULL;
	hs_compile_error_t *cerr = NULL;
	hs_scratch_t *scratch = NULL;
	unsigned npat = 0, n = 0, id, t, hits = 0;

	(void)state;
	memset(&parsed, 0, sizeof(parsed));
	assert_non_null(parsed.arena = arena_new());
	if (!rules_parse_dir(&parsed, dir != NULL && dir[0] ? dir : "rules", &pat, &npat,
	    err, sizeof(err)))
		fail_msg("shipped rules: %s", err);
	assert_int_equal(npat, rs->npat);
	assert_non_null(rs->db);
	expr = calloc(npat, sizeof(*expr));
	flags = calloc(npat, sizeof(*flags));
	ids = calloc(npat, sizeof(*ids));
	assert_true(expr != NULL && flags != NULL && ids != NULL);
	for (id = 0; id < npat; id++)
		if (!is_byte_class(rs, id)) {
			expr[n] = pat[id].expr;
			flags[n] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
			ids[n++] = id;
		}
	if (hs_compile_multi(expr, flags, ids, n, HS_MODE_BLOCK, NULL, &plain, &cerr) != HS_SUCCESS)
		fail_msg("plain database: %s", cerr->message);
	assert_int_equal(hs_alloc_scratch(rs->db, &scratch), HS_SUCCESS);
	assert_int_equal(hs_alloc_scratch(plain, &scratch), HS_SUCCESS);
	for (t = 0; t < NTEXT; t++) {
		uint64_t got[RULES_MAX_PATTERNS / 64], want[RULES_MAX_PATTERNS / 64];

		grid_text(t, text, sizeof(text));
		memset(got, 0, sizeof(got));
		memset(want, 0, sizeof(want));
		assert_int_equal(hs_scan(rs->db, text, (unsigned)strlen(text), 0, scratch,
		    on_any, got), HS_SUCCESS);
		assert_int_equal(hs_scan(plain, text, (unsigned)strlen(text), 0, scratch,
		    on_any, want), HS_SUCCESS);
		for (id = 0; id < npat; id++) {
			int g = (int)((got[id / 64] >> (id % 64)) & 1);
			int w = (int)((want[id / 64] >> (id % 64)) & 1);

			if (g != w)
				fail_msg("%s:%u /%s/ on \"%s\": %d, plainly %d", pat[id].file,
				    pat[id].line, pat[id].expr, text, g, w);
			hits += (unsigned)w;
		}
	}
	/* The grid must make many patterns match, not only fail them. */
	assert_true(hits > 2000);
	hs_free_scratch(scratch);
	hs_free_database(plain);
	free(expr);
	free(flags);
	free(ids);
	free(pat);
	free(parsed.rule);
	arena_free(parsed.arena);
	bounce_rules_free(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text_beats_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_specificity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_priority_and_file_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conditions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_byte_classes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unscanned_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_continue_temporary_hard, setup, teardown),
		cmocka_unit_test(test_no_rules),
		cmocka_unit_test(test_shipped_rules),
		cmocka_unit_test(test_shipped_decisions),
		cmocka_unit_test(test_shared_by_threads),
		cmocka_unit_test(test_database_agrees),
	};

	setenv("BOUNCE_RULES_CACHE", "off", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
