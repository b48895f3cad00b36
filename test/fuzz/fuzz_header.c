/*
 * fuzz_header.c - the milter's header builder and folder (milter/header.h)
 * on attacker text.
 *
 * The input is a little program: a byte naming the field-name length,
 * then steps, each an opcode byte, a cap byte and a string running to
 * the next NUL (or the end). Steps append free text, parameters, angle
 * parameters, message ids or one of our own literals to a value, as
 * annotate.c does with what a bounce said. Then the value is folded.
 *
 * Checked: the value is printable ASCII (no CR, LF, NUL, controls) and
 * within HDR_VALUE_MAX; the folded field has "\n\t" as its only breaks,
 * no line over 998 octets counting "Name: ", no blank-only line, and it
 * fits HDR_FOLDED_MAX without being cut.
 */
#include <stdlib.h>
#include <string.h>

#include "../../milter/header.h"
#include "fuzz.h"

static const char *const lits[] = { "; ", " (", ")", "x", "", "\"" };
static const char *const keys[] = { "status", "reason", "recipient", "id" };

static void
check_value(const struct hval *v)
{
	size_t i;

	if (v->len >= HDR_VALUE_MAX || strlen(v->s) != v->len)
		fuzz_fail("value length wrong", v->s);
	for (i = 0; i < v->len; i++)
		if ((unsigned char)v->s[i] < 0x20 || (unsigned char)v->s[i] >= 0x7F)
			fuzz_fail("value not printable ASCII", v->s);
}

static void
check_folded(const char *out, size_t n, size_t outlen, size_t namelen)
{
	size_t i, col = namelen + 2;

	if (n >= outlen - 1)
		fuzz_fail("folded field cut at HDR_FOLDED_MAX", "hdr_fold");
	if (strlen(out) != n)
		fuzz_fail("folded length wrong", out);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c == '\n') {
			if (i + 1 >= n || out[i + 1] != '\t')
				fuzz_fail("line break not followed by a tab", out);
			if (i + 2 >= n || out[i + 2] == '\n' || out[i + 2] == ' ')
				fuzz_fail("continuation line without text", out);
			col = 0;
			continue;
		}
		if (c < 0x20 ? c != '\t' : c >= 0x7F)
			fuzz_fail("folded field not printable ASCII", out);
		if (++col > HDR_LINE_HARD)
			fuzz_fail("folded line over 998 octets", out);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[HDR_FOLDED_MAX];
	struct hval *v;
	char *buf;
	size_t pos = 1, namelen, n;

	if (size < 1)
		return 0;
	/* Field names: ours are a prefix of up to 40 plus a suffix, but the
	 * folder takes any length; 240..255 probe the 998-octet edge. */
	namelen = data[0] < 240 ? data[0] % 128 : 990 + (size_t)(data[0] - 240);
	/* A NUL-terminated copy of exactly the input: overreads are caught. */
	if ((buf = malloc(size + 1)) == NULL || (v = malloc(sizeof(*v))) == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	hval_init(v);
	while (pos + 2 <= size) {
		uint8_t op = data[pos], capb = data[pos + 1];
		const char *str = buf + pos + 2;
		size_t cap = capb == 255 ? HDR_VALUE_MAX * 2 : (size_t)capb * 16;

		pos += 2 + strlen(str) + 1;
		switch (op % 6) {
		case 0:
			hval_text(v, str, cap);
			break;
		case 1:
			hval_lit(v, lits[(op / 6) % 6]);
			break;
		case 2:
			hval_param(v, keys[(op / 6) % 4], str, cap);
			break;
		case 3:
			hval_param_angle(v, keys[(op / 6) % 4], str, cap);
			break;
		case 4:
			hval_msgid(v, str, cap);
			break;
		case 5:
			(void)hdr_has_prefix(str, "X-Bounce-");
			break;
		}
		check_value(v);
	}
	n = hdr_fold(v->s, v->len, namelen, out, sizeof(out));
	check_folded(out, n, sizeof(out), namelen);
	free(v);
	free(buf);
	return 0;
}
