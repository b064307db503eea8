/* fuzz_numtext: num_parse and num_parse_u64 (tools/lib/numtext.c).
 *
 * The input is the text. Oracles:
 *   - num_parse accepts only finite values, and exactly the bits glibc's
 *     strtod (correctly rounded) gives for the same text;
 *   - text strtod would misread is refused: leading blanks, nan, inf;
 *   - what it accepts survives num_format and num_format_hex bit for bit,
 *     in fewer than NUM_TEXT_MAX bytes;
 *   - num_parse_u64 agrees with a plain reference (digits only, or 0x and
 *     hex digits; no sign, no blank; a value past 2^64 - 1 refused). */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "numtext.h"

static bool same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

/* The reference for num_parse_u64. */
static bool reference_u64(const char *s, size_t len, uint64_t *value)
{
	unsigned __int128 v = 0;
	size_t i = 0;
	int base = 10;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		int d;
		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (base == 16 && isxdigit((unsigned char)s[i]))
			d = tolower((unsigned char)s[i]) - 'a' + 10;
		else
			return false;
		v = v * (unsigned)base + (unsigned)d;
		if (v > UINT64_MAX)
			return false;
	}
	*value = (uint64_t)v;
	return true;
}

static void check_roundtrip(double value)
{
	char text[64];
	double back;

	memset(text, 'Z', sizeof text);
	size_t len = num_format(text, value);
	HARNESS_CHECK(len < NUM_TEXT_MAX && strlen(text) == len, "num_format length %zu", len);
	HARNESS_CHECK(num_parse(text, len, &back) && same_bits(back, value),
	              "num_format gave '%s' for %a, which reads back as %a", text, value, back);
	len = num_format_hex(text, value);
	HARNESS_CHECK(len < NUM_TEXT_MAX && strlen(text) == len, "num_format_hex length %zu", len);
	HARNESS_CHECK(num_parse(text, len, &back) && same_bits(back, value),
	              "num_format_hex gave '%s' for %a, which reads back as %a", text, value, back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	double value;
	if (num_parse(text, size, &value)) {
		HARNESS_CHECK(isfinite(value), "accepted '%.100s' as %a", text, value);
		HARNESS_CHECK(size > 0 && !isspace((unsigned char)text[0]),
		              "accepted '%.100s' with a leading blank", text);
		HARNESS_CHECK(strlen(text) == size, "accepted text with a NUL byte");
		char *stop;
		double want = strtod(text, &stop);
		HARNESS_CHECK(*stop == '\0', "accepted '%.100s', which strtod stops reading at %td",
		              text, stop - text);
		HARNESS_CHECK(same_bits(value, want), "'%.100s' read as %a, strtod says %a",
		              text, value, want);
		check_roundtrip(value);
	}

	uint64_t u, want_u;
	bool ok = num_parse_u64(text, size, &u);
	bool want_ok = reference_u64(text, size, &want_u);
	HARNESS_CHECK(ok == want_ok, "num_parse_u64('%.100s') %s, the reference %s", text,
	              ok ? "accepts" : "refuses", want_ok ? "accepts" : "refuses");
	HARNESS_CHECK(!ok || u == want_u, "num_parse_u64('%.100s') = %llu, want %llu", text,
	              (unsigned long long)u, (unsigned long long)want_u);

	/* Bytes 0..7 as a double: every finite value formats and reads back. */
	if (size >= 8) {
		double x;
		memcpy(&x, data, sizeof x);
		if (isfinite(x))
			check_roundtrip(x);
	}
	free(text);
	return 0;
}
