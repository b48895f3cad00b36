/*
 * address_test.c - unit tests of address.c: finding the email address in
 * the many ways reports write one.
 *
 * Inputs live in buffers of their exact length, so the sanitizer build
 * catches reads past a span.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"


/* addr_find on an exact-length copy of in; "" when none is expected. */
static void
check_find(const char *in, const char *want)
{
	size_t len = strlen(in);
	char *p = malloc(len ? len : 1);
	struct span a;

	assert_non_null(p);
	memcpy(p, in, len);
	a = addr_find(span_make(p, len));
	if (a.len != strlen(want) || memcmp(a.p, want, a.len) != 0)
		fail_msg("addr_find(\"%s\"): want \"%s\", got \"%.*s\"", in, want,
		    (int)a.len, a.p);
	if (a.len > 0)
		assert_true(a.p >= p && a.p + a.len <= p + len);
	free(p);
}

static void
test_decorations(void **state)
{
	check_find("rfc822; bob@example.org", "bob@example.org");
	check_find("RFC822;bob@example.org", "bob@example.org");
	check_find("<bob@example.org>", "bob@example.org");
	check_find("<bob@example.org>:", "bob@example.org");
	check_find("bob@example.org:", "bob@example.org");
	check_find("bob@example.org", "bob@example.org");
	check_find("(bob@example.org)", "bob@example.org");
	check_find("mailto:bob@example.org", "bob@example.org");
	check_find("  To: Bob Example <bob@example.org>, carol@example.org",
	    "bob@example.org");
	check_find("bob@example.org, carol@example.org", "bob@example.org");
	check_find("\"Bob\" <bob@example.org>", "bob@example.org");
}

static void
test_in_sentences(void **state)
{
	check_find("Delivery to bob@example.org failed.", "bob@example.org");
	check_find("The address bob@example.org... User unknown", "bob@example.org");
	check_find("550 5.1.1 <bob@example.org>: Recipient address rejected",
	    "bob@example.org");
	check_find("...bob@example.org", "bob@example.org");
	check_find("Your message to: bob@example.org: could not be delivered",
	    "bob@example.org");
}

static void
test_shapes(void **state)
{
	check_find("bounce+tag=x@example.com", "bounce+tag=x@example.com");
	check_find("first.last@sub.example.co.uk", "first.last@sub.example.co.uk");
	check_find("o'brien@example.com", "o'brien@example.com");
	check_find("Bob.Example@Example.ORG", "Bob.Example@Example.ORG");
	check_find("user@[192.0.2.1]", "user@[192.0.2.1]");
	check_find("\"john doe\"@example.com", "\"john doe\"@example.com");
	check_find("<\"john doe\"@example.com>", "\"john doe\"@example.com");
	/* SMTPUTF8 addresses (RFC 6531). */
	check_find("utf-8; j\xC3\xB6rg@b\xC3\xBC" "cher.example.org",
	    "j\xC3\xB6rg@b\xC3\xBC" "cher.example.org");
	check_find("_-!#$%&*/=?^`{|}~@example.org", "_-!#$%&*/=?^`{|}~@example.org");
}

static void
test_nothing_found(void **state)
{
	check_find("", "");
	check_find("@", "");
	check_find("no address here", "");
	check_find("@example.org", "");
	check_find("bob@", "");
	check_find("bob@.", "");
	check_find("<@example.org:bob>", "");
	check_find("trailing at@", "");
}

/* The first of several candidates that is an address wins. */
static void
test_skips_non_addresses(void **state)
{
	check_find("@ at bob@example.org", "bob@example.org");
	check_find("x@ y bob@example.org", "bob@example.org");
}

/*
 * The header of address.c promises "a domain with a dot or a bracketed
 * literal"; a word@word pair in prose is not an address. A single quote
 * that opens a quotation is not part of the local part.
 */
static void
test_domain_needs_dot(void **state)
{
	check_find("'bob@example.org'", "bob@example.org");
	check_find("syntax error@line 3", "");
	check_find("see item@3 of the list", "");
}

static void
test_too_long(void **state)
{
	char buf[400];

	/* A local part of 390 bytes is past what SMTP allows (and what
	 * addr_looks_valid takes). */
	memset(buf, 'a', 390);
	memcpy(buf + 390, "@example.o", 10);
	{
		char *p = malloc(sizeof(buf));
		struct span a;

		assert_non_null(p);
		memcpy(p, buf, sizeof(buf));
		a = addr_find(span_make(p, sizeof(buf)));
		assert_int_equal(a.len, 0);
		free(p);
	}
}

static void
test_looks_valid(void **state)
{
	assert_true(addr_looks_valid(SPAN_LIT("a@b.c")));
	assert_true(addr_looks_valid(SPAN_LIT("a@b")));
	assert_false(addr_looks_valid(SPAN_LIT("ab")));
	assert_false(addr_looks_valid(SPAN_LIT("@b.c")));
	assert_false(addr_looks_valid(SPAN_LIT("a@")));
	assert_false(addr_looks_valid(SPAN_LIT("a@b@c")));
	assert_false(addr_looks_valid(SPAN_LIT("")));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decorations),
		cmocka_unit_test(test_in_sentences),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_nothing_found),
		cmocka_unit_test(test_skips_non_addresses),
		cmocka_unit_test(test_domain_needs_dot),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_looks_valid),
	};

	return cmocka_run_group_tests_name("address", tests, NULL, NULL);
}
