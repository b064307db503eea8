/* fuzz_opts: the option-value parsers (tools/lib/opts.c).
 *
 * Input: a selector byte (which parser), a bounds byte (opt_int's range,
 * from a table of edge values), then the option's
 * text (up to a NUL). Oracles:
 *   - each parser accepts exactly what its reference accepts, and returns
 *     the reference's value: num_parse for doubles, a plain [-]digits
 *     reading for integers, num_parse_u64 for seeds;
 *   - what is accepted lies in the parser's range;
 *   - what is refused is a usage error (exit 2) naming the option. */
#define _GNU_SOURCE
#include <math.h>
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

/* [-]digits, no overflow past int64. */
static bool reference_int(const char *s, int64_t *value)
{
	__int128 v = 0;
	bool negative = *s == '-';
	s += negative;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > (__int128)INT64_MAX + 1)
			return false;
	}
	if (*s != '\0')
		return false;
	v = negative ? -v : v;
	if (v > INT64_MAX)
		return false;
	*value = (int64_t)v;
	return true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	progname = "opts";
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int which = data[0] % 5;
	int64_t ilo = int_bounds[(data[1] & 0xf) % COUNT(int_bounds)];
	int64_t ihi = int_bounds[(data[1] >> 4) % COUNT(int_bounds)];
	char *text = strndup((const char *)data + 2, size - 2);

	double want_d;
	bool is_double = num_parse(text, strlen(text), &want_d);
	int64_t want_i;
	bool is_int = reference_int(text, &want_i);
	uint64_t want_u;
	bool is_u64 = num_parse_u64(text, strlen(text), &want_u);
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
		HARNESS_CHECK(strncmp(harness_message, "opts: --x: ", 11) == 0,
		              "message '%.100s'", harness_message);
	}
	harness_disarm();

	switch (which) {
	case 0:
	case 1:
	case 2: {
		bool in_range = which == 0 ? true : which == 1 ? want_d > 0 : want_d >= 0;
		HARNESS_CHECK(accepted == (is_double && in_range), "parser %d %s '%.100s'", which,
		              accepted ? "accepted" : "refused", text);
		if (accepted)
			HARNESS_CHECK(got_d == want_d && isfinite(got_d), "'%.100s' read as %a", text, got_d);
		break;
	}
	case 3:
		HARNESS_CHECK(accepted == (is_int && want_i >= ilo && want_i <= ihi),
		              "opt_int %s '%.100s' in [%lld, %lld]", accepted ? "accepted" : "refused",
		              text, (long long)ilo, (long long)ihi);
		if (accepted)
			HARNESS_CHECK(got_i == want_i, "'%.100s' read as %lld", text, (long long)got_i);
		break;
	case 4:
		HARNESS_CHECK(accepted == is_u64, "opt_seed %s '%.100s'",
		              accepted ? "accepted" : "refused", text);
		if (accepted)
			HARNESS_CHECK(got_u == want_u, "'%.100s' read as %llu", text,
			              (unsigned long long)got_u);
		break;
	}
	free(text);
	return 0;
}
