/* fuzz_xsum: the exact sum's text form and arithmetic (tools/lib/exactsum.c).
 *
 * The input is split at '\n' into at most two texts, A and B. Oracles:
 *   - xsum_parse accepts only the canonical spelling: whatever it accepts,
 *     xsum_format writes back byte for byte, and a refused text leaves its
 *     target untouched;
 *   - xsum_round of a parsed value is what strtod (correctly rounding hex
 *     floats) makes of the same text;
 *   - A + B == B + A, and A + B - B == A (B negated by its text);
 *   - the input's bytes read as doubles sum to the same exact value
 *     forwards, backwards and merged from two halves. */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exactsum.h"
#include "harness.h"

static bool same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

/* Parses text[0..len); on success checks the canonical round trip. */
static bool parse_checked(const char *text, size_t len, xsum *value)
{
	xsum before;
	memset(&before, 0x5a, sizeof before);
	*value = before;
	if (xsum_parse(value, text, len) != 0) {
		HARNESS_CHECK(memcmp(value, &before, sizeof before) == 0,
		              "a refused text changed its target");
		return false;
	}
	char back[XSUM_TEXT_MAX];
	size_t back_len = xsum_format(value, back, sizeof back);
	HARNESS_CHECK(back_len < XSUM_TEXT_MAX, "xsum_format length %zu", back_len);
	HARNESS_CHECK(back_len == len && memcmp(back, text, len) == 0,
	              "xsum_parse accepted '%.*s', which formats as '%s'", (int)len, text, back);

	char *copy = strndup(text, len);
	double want = strtod(copy, NULL), got = xsum_round(value);
	HARNESS_CHECK(same_bits(got, want), "xsum_round('%s') = %a, strtod says %a", copy, got, want);
	free(copy);
	return true;
}

static void check_sum_of_doubles(const uint8_t *data, size_t size)
{
	size_t n = size / sizeof(double);
	xsum forward, backward, first_half, second_half;

	xsum_init(&forward);
	xsum_init(&backward);
	xsum_init(&first_half);
	xsum_init(&second_half);
	for (size_t i = 0; i < n; i++) {
		double x, y;
		memcpy(&x, data + i * sizeof x, sizeof x);
		memcpy(&y, data + (n - 1 - i) * sizeof y, sizeof y);
		if (isfinite(x)) {
			xsum_add(&forward, x);
			xsum_add(i < n / 2 ? &first_half : &second_half, x);
		}
		if (isfinite(y))
			xsum_add(&backward, y);
	}
	xsum_merge(&first_half, &second_half);
	HARNESS_CHECK(xsum_equal(&forward, &backward), "the sum depends on the order");
	HARNESS_CHECK(xsum_equal(&forward, &first_half), "the sum depends on the grouping");

	/* Its text reads back as the same value. */
	char text[XSUM_TEXT_MAX];
	size_t len = xsum_format(&forward, text, sizeof text);
	xsum back;
	HARNESS_CHECK(xsum_parse(&back, text, len) == 0 && xsum_equal(&back, &forward),
	              "the sum's text '%s' does not read back", text);
	HARNESS_CHECK(xsum_sign(&forward) == (text[0] == '-' ? -1 : text[0] == '0' && len == 1 ? 0 : 1),
	              "xsum_sign disagrees with the text '%s'", text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *piece[2];
	size_t piece_size[2];
	size_t n = harness_split(data, size, '\n', 2, piece, piece_size);
	xsum a, b;
	bool have_a = parse_checked((const char *)piece[0], piece_size[0], &a);
	bool have_b = n > 1 && parse_checked((const char *)piece[1], piece_size[1], &b);

	if (have_a && have_b) {
		xsum ab = a, ba = b;
		xsum_merge(&ab, &b);
		xsum_merge(&ba, &a);
		HARNESS_CHECK(xsum_equal(&ab, &ba), "A + B != B + A");

		/* -B from its text: add or remove the sign. */
		char *neg = malloc(piece_size[1] + 2);
		size_t len;
		if (piece[1][0] == '-') {
			len = piece_size[1] - 1;
			memcpy(neg, piece[1] + 1, len);
		} else if (piece_size[1] == 1) {   /* "0" */
			len = 1;
			neg[0] = '0';
		} else {
			len = piece_size[1] + 1;
			neg[0] = '-';
			memcpy(neg + 1, piece[1], piece_size[1]);
		}
		xsum minus_b;
		HARNESS_CHECK(xsum_parse(&minus_b, neg, len) == 0, "-B does not parse");
		xsum_merge(&ab, &minus_b);
		HARNESS_CHECK(xsum_equal(&ab, &a), "A + B - B != A");
		xsum_merge(&minus_b, &b);
		HARNESS_CHECK(xsum_sign(&minus_b) == 0, "B - B != 0");
		free(neg);
	}
	check_sum_of_doubles(data, size);
	return 0;
}
