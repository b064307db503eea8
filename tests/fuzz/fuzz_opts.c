/* fuzz_opts: the option-value parsers (tools/lib/opts.c).
 *
 * Input: a selector byte (which parser), a bounds byte (opt_int's range,
 * from a table of edge values), then the option's text (up to a NUL).
 *
 * The oracle is a reference model of what opts.h documents, written apart
 * from opts.c and numtext.c (which opts.c calls): the accepted grammar as
 * POSIX regular expressions, the values from libc's strtod and strtoull
 * (correctly rounded, in the C locale), the ranges, and the message each
 * refusal gives. For every input:
 *   - the parser accepts exactly what the reference accepts, and returns
 *     the reference's value, bit for bit (the sign of a zero included);
 *   - a refusal is a usage error (exit 2) with the reference's message,
 *     word for word ("--x: invalid number '...'", "... must be positive",
 *     "... is out of range", ...);
 *   - an accepted double written back (num_format, num_format_hex) is
 *     accepted again with the same bits. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "harness.h"
#include "numtext.h"
#include "opts.h"

static const int64_t int_bounds[] = {
	INT64_MIN, INT64_MIN + 1, -1000000, -1, 0, 1, 2, 100000, 10000000, INT64_MAX - 1, INT64_MAX,
};
#define COUNT(a) (sizeof (a) / sizeof (a)[0])

/* numtext.h's numbers: decimal with an optional point and exponent, or a
 * C99 hex float, whose binary exponent is required (as C's %a writes it).
 * No white space, no nan or inf. */
static const char double_grammar[] =
	"^[+-]?("
	"([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?"
	"|0[xX]([0-9a-fA-F]+[.]?[0-9a-fA-F]*|[.][0-9a-fA-F]+)[pP][+-]?[0-9]+"
	")$";
/* opt_int: decimal digits, an optional leading '-'. */
static const char int_grammar[] = "^-?[0-9]+$";
/* opt_seed: decimal digits, or 0x and hex digits; no sign. */
static const char seed_grammar[] = "^([0-9]+|0[xX][0-9a-fA-F]+)$";
/* numtext.c reads at most this many bytes as a number: longer text is no
 * number mcpipe writes (num_parse's documented cap). */
#define DOUBLE_TEXT_MAX 1000

static regex_t double_re, int_re, seed_re;

/* What the reference expects of one parser on one text. */
struct expect {
	bool accepted;
	double d;
	int64_t i;
	uint64_t u;
	char message[sizeof harness_message + 8];   /* as harness_err.c formats it */
};

__attribute__((format(printf, 2, 3)))
static void refuse(struct expect *e, const char *fmt, ...)
{
	char what[sizeof harness_message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	e->accepted = false;
	snprintf(e->message, sizeof e->message, "opts: %s", what);
	e->message[sizeof harness_message - 1] = '\0';   /* cut where harness_message is */
}

static bool matches(const regex_t *re, const char *text)
{
	return regexec(re, text, 0, NULL, 0) == 0;
}

/* A finite double by the grammar, valued by strtod. */
static bool reference_double(const char *text, double *value)
{
	if (strlen(text) > DOUBLE_TEXT_MAX || !matches(&double_re, text))
		return false;
	char *stop;
	*value = strtod(text, &stop);
	return *stop == '\0' && isfinite(*value);
}

/* which: 0 opt_double, 1 opt_positive, 2 opt_nonneg. */
static void expect_double(int which, const char *text, struct expect *e)
{
	e->accepted = true;
	if (!reference_double(text, &e->d))
		refuse(e, "--x: invalid number '%s'", text);
	else if (which == 1 && !(e->d > 0))
		refuse(e, "--x: '%s' must be positive", text);
	else if (which == 2 && e->d < 0)
		refuse(e, "--x: '%s' must not be negative", text);
}

static void expect_int(const char *text, int64_t lo, int64_t hi, struct expect *e)
{
	e->accepted = true;
	if (!matches(&int_re, text)) {
		refuse(e, "--x: invalid integer '%s'", text);
		return;
	}
	/* In range: at most 19 digits (leading zeros aside), and with 19 not
	 * past 2^63 - 1, or 2^63 when negative: compared as text. */
	bool negative = text[0] == '-';
	const char *digits = text + negative;
	digits += strspn(digits, "0");
	size_t n = strlen(digits);
	if (n > 19 || (n == 19 && strcmp(digits, negative ? "9223372036854775808"
	                                                  : "9223372036854775807") > 0)) {
		refuse(e, "--x: '%s' is out of range", text);
		return;
	}
	errno = 0;
	long long v = strtoll(text, NULL, 10);
	HARNESS_CHECK(errno == 0, "strtoll '%.100s'", text);
	if (v < lo || v > hi) {
		refuse(e, "--x: '%s' must be between %lld and %lld", text, (long long)lo, (long long)hi);
		return;
	}
	e->i = v;
}

static void expect_seed(const char *text, struct expect *e)
{
	e->accepted = true;
	bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
	errno = 0;
	if (matches(&seed_re, text)) {
		unsigned long long v = strtoull(hex ? text + 2 : text, NULL, hex ? 16 : 10);
		if (errno != ERANGE) {
			e->u = v;
			return;
		}
	}
	refuse(e, "--x: invalid seed '%s' (want 0..2^64-1, decimal or 0x hex)", text);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	progname = "opts";
	HARNESS_CHECK(regcomp(&double_re, double_grammar, REG_EXTENDED | REG_NOSUB) == 0 &&
	              regcomp(&int_re, int_grammar, REG_EXTENDED | REG_NOSUB) == 0 &&
	              regcomp(&seed_re, seed_grammar, REG_EXTENDED | REG_NOSUB) == 0,
	              "regcomp");
	return 0;
}

static bool same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

/* opt_double of text that must be accepted. */
static double accepted_double(const char *text, double value)
{
	volatile double again = 0;
	harness_arm();
	if (setjmp(harness_jump) == 0)
		again = opt_double("--x", text);
	else
		HARNESS_CHECK(false, "%a written as '%s' is refused: %s", value, text,
		              harness_message);
	harness_disarm();
	return again;
}

/* An accepted double, written as the tools write it, reads back the same. */
static void check_round_trip(double value)
{
	char text[NUM_TEXT_MAX];
	num_format(text, value);
	HARNESS_CHECK(same_bits(accepted_double(text, value), value), "%a written as '%s'",
	              value, text);
	num_format_hex(text, value);
	HARNESS_CHECK(same_bits(accepted_double(text, value), value), "%a written as '%s'",
	              value, text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int which = data[0] % 5;
	int64_t ilo = int_bounds[(data[1] & 0xf) % COUNT(int_bounds)];
	int64_t ihi = int_bounds[(data[1] >> 4) % COUNT(int_bounds)];
	char *text = strndup((const char *)data + 2, size - 2);
	static struct expect want;

	switch (which) {
	case 0:
	case 1:
	case 2: expect_double(which, text, &want); break;
	case 3: expect_int(text, ilo, ihi, &want); break;
	case 4: expect_seed(text, &want); break;
	}

	volatile bool accepted = false;
	volatile double got_d = 0;
	volatile int64_t got_i = 0;
	volatile uint64_t got_u = 0;
	harness_arm();
	if (setjmp(harness_jump) == 0) {
		switch (which) {
		case 0: got_d = opt_double("--x", text); break;
		case 1: got_d = opt_positive("--x", text); break;
		case 2: got_d = opt_nonneg("--x", text); break;
		case 3: got_i = opt_int("--x", text, ilo, ihi); break;
		case 4: got_u = opt_seed("--x", text); break;
		}
		accepted = true;
	} else {
		HARNESS_CHECK(harness_status == 2, "exit status %d", harness_status);
	}
	harness_disarm();

	HARNESS_CHECK(accepted == want.accepted, "parser %d %s '%.100s' (bounds %lld %lld)", which,
	              accepted ? "accepted" : "refused", text, (long long)ilo, (long long)ihi);
	if (!accepted)
		HARNESS_CHECK(strcmp(harness_message, want.message) == 0,
		              "message '%.200s', not '%.200s'", harness_message, want.message);
	else if (which <= 2) {
		HARNESS_CHECK(same_bits(got_d, want.d), "'%.100s' read as %a, not %a", text, got_d,
		              want.d);
		check_round_trip(got_d);
	} else if (which == 3)
		HARNESS_CHECK(got_i == want.i, "'%.100s' read as %lld", text, (long long)got_i);
	else
		HARNESS_CHECK(got_u == want.u, "'%.100s' read as %llu", text,
		              (unsigned long long)got_u);
	free(text);
	return 0;
}
