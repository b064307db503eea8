/* test_exactsum.c: tests for tools/lib/exactsum.
 *
 * usage: test_exactsum [check]        cancel + rounding + text (the default)
 *        test_exactsum cancel | rounding | text
 *        test_exactsum order [N]      N terms summed in several orders and groupings
 *        test_exactsum vectors [N]    N test vectors for an independent checker, one per line:
 *                                     format(sum) round(sum)(%a) round_ld(sum)(%La) term(%a)...
 *        test_exactsum bench [N]      ns per xsum_add over N adds (prints, never fails)
 *        test_exactsum carry [N]      N (default 2^31 + 12345, slow) adds of the
 *                                     largest pieces into one accumulator
 *
 * Failures go to stderr, one line each; the exit status is 1 if any.
 *
 * The independent references here are IEEE arithmetic itself (a + b for two
 * doubles, and (long double)a + b, are correctly rounded) and glibc's strtod
 * and strtold, which round hex text correctly whatever its length; the bats
 * suite adds Python's math.fsum and exact fractions.
 */
#include "exactsum.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define UNIT_SEED 0x6d63706970650001
#include "unit.h"

#if FLT_EVAL_METHOD != 0
#error "the pairwise checks need double arithmetic evaluated in double"
#endif

static int biased_exponent(double x)
{
	uint64_t bits;
	memcpy(&bits, &x, sizeof bits);
	return (int)((bits >> 52) & 0x7ff);
}

/* A finite double with random sign and a biased exponent in [lo, hi]
 * (0 = subnormal, 2046 = the top binade). A quarter get short mantissas,
 * which make exact cancellations and rounding ties likely. */
static double random_double(int lo, int hi)
{
	uint64_t biased = (uint64_t)lo + below((uint64_t)(hi - lo + 1));
	uint64_t frac = next_u64() & ((UINT64_C(1) << 52) - 1);
	if (below(4) == 0)
		frac &= ~UINT64_C(0) << below(53);
	return from_bits((next_u64() & 1) << 63 | biased << 52 | frac);
}

static double wide_double(void)
{
	return random_double(0, 2046);
}

static void shuffle(double *x, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)below(i);
		double t = x[i - 1];
		x[i - 1] = x[j];
		x[j] = t;
	}
}

static const char *text_of(const xsum *a, char buf[XSUM_TEXT_MAX])
{
	size_t len = xsum_format(a, buf, XSUM_TEXT_MAX);
	CHECK(len < XSUM_TEXT_MAX && len == strlen(buf), "length %zu", len);
	return buf;
}

static xsum sum_of(const double *x, size_t n)
{
	xsum a;
	xsum_init(&a);
	for (size_t i = 0; i < n; i++)
		xsum_add(&a, x[i]);
	return a;
}

/* Same bits, so +0.0 and -0.0 differ and a NaN result never passes. */
static int same_double(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

static int same_ld(long double a, long double b)
{
	/* Compare values, and signs of zero; x87 long double has padding bytes. */
	return a == b && signbit(a) == signbit(b);
}

static void check_text(const xsum *a, const char *want, const char *what)
{
	char buf[XSUM_TEXT_MAX];
	CHECK(strcmp(text_of(a, buf), want) == 0, "%s: got %s, want %s", what, buf, want);
}

static void test_carry(long long n);

/* --- cancel: exact cancellation, zeros, subnormals, signs, range --------- */

static void test_cancel(void)
{
	char buf[XSUM_TEXT_MAX];
	xsum a, b, zero;
	xsum_init(&zero);

	static xsum zeroed; /* all zero bytes, never initialised */
	CHECK(xsum_equal(&zeroed, &zero), "zero bytes are not zero");
	check_text(&zeroed, "0", "zeroed");
	CHECK(xsum_sign(&zero) == 0, "sign of 0");
	CHECK(same_double(xsum_round(&zero), 0.0), "round(0) = %a", xsum_round(&zero));
	CHECK(same_ld(xsum_round_ld(&zero), 0.0L), "round_ld(0)");

	xsum_init(&a);
	xsum_add(&a, -0.0);
	xsum_add(&a, 0.0);
	xsum_add(&a, -0.0);
	check_text(&a, "0", "-0.0 + 0.0 + -0.0");
	CHECK(same_double(xsum_round(&a), 0.0), "a zero sum rounds to +0.0, got %a", xsum_round(&a));

	double big_one[] = {1e100, 1, -1e100};
	a = sum_of(big_one, 3);
	CHECK(xsum_round(&a) == 1.0, "1e100 + 1 - 1e100 = %a", xsum_round(&a));
	check_text(&a, "0x1p+0", "1e100 + 1 - 1e100");

	double max3[] = {DBL_MAX, DBL_MAX, -DBL_MAX};
	a = sum_of(max3, 2);
	CHECK(xsum_round(&a) == HUGE_VAL, "DBL_MAX + DBL_MAX = %a", xsum_round(&a));
	CHECK(xsum_round_ld(&a) == 2.0L * DBL_MAX, "round_ld(2 DBL_MAX) = %La", xsum_round_ld(&a));
	xsum_add(&a, max3[2]);
	CHECK(xsum_round(&a) == DBL_MAX, "DBL_MAX + DBL_MAX - DBL_MAX = %a", xsum_round(&a));
	check_text(&a, "0x1fffffffffffffp+971", "DBL_MAX");
	double minus_max2[] = {-DBL_MAX, -DBL_MAX};
	a = sum_of(minus_max2, 2);
	CHECK(xsum_round(&a) == -HUGE_VAL, "-2 DBL_MAX = %a", xsum_round(&a));
	CHECK(xsum_sign(&a) == -1, "sign of -2 DBL_MAX");

	/* Subnormals: every sum of them is exact, also across DBL_MIN. */
	double tiny[] = {DBL_TRUE_MIN, DBL_TRUE_MIN};
	a = sum_of(tiny, 1);
	check_text(&a, "0x1p-1074", "DBL_TRUE_MIN");
	CHECK(xsum_round(&a) == DBL_TRUE_MIN, "round(DBL_TRUE_MIN) = %a", xsum_round(&a));
	a = sum_of(tiny, 2);
	check_text(&a, "0x1p-1073", "2 DBL_TRUE_MIN");
	CHECK(xsum_round(&a) == 2 * DBL_TRUE_MIN, "2 DBL_TRUE_MIN = %a", xsum_round(&a));
	double under_min[] = {DBL_MIN, -DBL_TRUE_MIN};
	a = sum_of(under_min, 2);
	CHECK(xsum_round(&a) == nextafter(DBL_MIN, 0), "DBL_MIN - DBL_TRUE_MIN = %a", xsum_round(&a));
	double to_min[] = {0x0.fffffffffffffp-1022, 0x0.0000000000001p-1022};
	a = sum_of(to_min, 2);
	CHECK(xsum_round(&a) == DBL_MIN, "largest subnormal + DBL_TRUE_MIN = %a", xsum_round(&a));
	for (int i = 0; i < 1000; i++) {
		double s = random_double(0, 0), t = random_double(0, 1);
		xsum_init(&a);
		xsum_add(&a, s);
		xsum_add(&a, t);
		CHECK(same_double(xsum_round(&a), s + t == 0 ? 0.0 : s + t), "%a + %a = %a", s, t, xsum_round(&a));
	}

	/* Crossing zero. */
	double cross[] = {1, -3, 2.5, -1, 0.5};
	a = sum_of(cross, 3);
	check_text(&a, "0x1p-1", "1 - 3 + 2.5");
	xsum_add(&a, cross[3]);
	check_text(&a, "-0x1p-1", "1 - 3 + 2.5 - 1");
	CHECK(xsum_sign(&a) == -1, "sign of -0.5");
	CHECK(xsum_round(&a) == -0.5, "round(-0.5) = %a", xsum_round(&a));
	xsum_add(&a, cross[4]);
	CHECK(xsum_equal(&a, &zero) && xsum_sign(&a) == 0, "-0.5 + 0.5 is not 0");

	/* A walk of integers crossing zero many times: exact in an int64. */
	int64_t walk = 0;
	xsum_init(&a);
	for (int i = 0; i < 100000; i++) {
		int64_t step = (int64_t)below(UINT64_C(1) << 41) - (INT64_C(1) << 40);
		if (walk > (INT64_C(1) << 45))
			step = -llabs(step);
		if (walk < -(INT64_C(1) << 45))
			step = llabs(step);
		walk += step;
		xsum_add(&a, (double)step);
		if (i % 97 == 0) {
			CHECK(xsum_round(&a) == (double)walk, "walk %lld: %a", (long long)walk, xsum_round(&a));
			CHECK(xsum_sign(&a) == (walk > 0) - (walk < 0), "sign at walk %lld", (long long)walk);
		}
	}

	/* Wide terms and their negatives, shuffled: exactly zero. */
	enum { N = 20000 };
	static double both[2 * N];
	for (int i = 0; i < N; i++) {
		both[i] = wide_double();
		both[N + i] = -both[i];
	}
	shuffle(both, 2 * N);
	a = sum_of(both, 2 * N);
	check_text(&a, "0", "x and -x shuffled");

	/* Headroom: 2^62 * DBL_MAX by doubling, then back to zero. */
	xsum_init(&a);
	xsum_add(&a, DBL_MAX);
	for (int i = 0; i < 62; i++)
		xsum_merge(&a, &a);
	check_text(&a, "0x1fffffffffffffp+1033", "2^62 DBL_MAX");
	CHECK(xsum_round(&a) == HUGE_VAL, "round(2^62 DBL_MAX) = %a", xsum_round(&a));
	CHECK(xsum_round_ld(&a) == ldexpl(DBL_MAX, 62), "round_ld(2^62 DBL_MAX) = %La", xsum_round_ld(&a));
	CHECK(xsum_parse(&b, buf, xsum_format(&a, buf, sizeof buf)) == 0 && xsum_equal(&a, &b),
	      "2^62 DBL_MAX does not read back");
	xsum_init(&b);
	xsum_add(&b, -DBL_MAX);
	for (int i = 0; i < 62; i++)
		xsum_merge(&b, &b);
	check_text(&b, "-0x1fffffffffffffp+1033", "-2^62 DBL_MAX");
	CHECK(xsum_sign(&b) == -1, "sign of -2^62 DBL_MAX");
	xsum_merge(&a, &b);
	check_text(&a, "0", "2^62 DBL_MAX - 2^62 DBL_MAX");

	test_carry((1 << 22) + 12345);
}

/* --- rounding: ties, overflow, pairs against IEEE addition ---------------- */

struct tie_case {
	double terms[4];
	int count;
	double want;
};

struct tie_case_ld {
	double terms[4];
	int count;
	long double want;
};

static void test_rounding(void)
{
	static const struct tie_case ties[] = {
		{{1, 0x1p-53}, 2, 1},                               /* tie, 1 is even */
		{{1, 0x1p-53, 0x1p-106}, 3, 1 + 0x1p-52},           /* just above the tie */
		{{1 + 0x1p-52, 0x1p-53}, 2, 1 + 0x1p-51},           /* tie, odd: up */
		{{1, -0x1p-54}, 2, 1},                              /* tie below a power of 2 */
		{{1, -0x1p-54, -0x1p-200}, 3, 1 - 0x1p-53},
		{{-1, -0x1p-53}, 2, -1},
		{{-1, -0x1p-53, -0x1p-1074}, 3, -1 - 0x1p-52},
		{{0x1p53, 1}, 2, 0x1p53},
		{{0x1p53, 3}, 2, 0x1p53 + 4},
		{{0x1.fffffffffffffp0, 0x1p-53}, 2, 2},
		{{DBL_MAX, 0x1p970}, 2, HUGE_VAL},                  /* tie at the top: overflow */
		{{DBL_MAX, 0x1p970, -0x1p-1074}, 3, DBL_MAX},
		{{-DBL_MAX, -0x1p970}, 2, -HUGE_VAL},
		{{DBL_MAX, 0x1p969, 0x1p968}, 3, DBL_MAX},
		{{0x1p1023, 0x1p1023}, 2, HUGE_VAL},
		{{0x1p-1022, -0x1p-1074}, 2, 0x0.fffffffffffffp-1022},
		{{0x1p-1021, 0x1p-1074}, 2, 0x1p-1021},             /* ties in the lowest binades */
		{{0x1p-1021 + 0x1p-1073, 0x1p-1074}, 2, 0x1p-1021 + 0x1p-1072},
		{{0x1p-1020 + 0x1p-1072, 0x1p-1073}, 2, 0x1p-1020 + 0x1p-1071},
		{{0x1p-1020, 0x1p-1073, 0x1p-1074}, 3, 0x1p-1020 + 0x1p-1072},
		{{0x1p-1074, 0x1p-1074, 0x1p-1074}, 3, 0x3p-1074},
		{{1e308, 1e308, -1e308}, 3, 1e308},
	};
	for (size_t i = 0; i < sizeof ties / sizeof ties[0]; i++) {
		xsum a = sum_of(ties[i].terms, (size_t)ties[i].count);
		CHECK(same_double(xsum_round(&a), ties[i].want), "tie case %zu: got %a, want %a",
		      i, xsum_round(&a), ties[i].want);
	}

	static const struct tie_case_ld ties_ld[] = {
		{{1, 0x1p-64}, 2, 1},
		{{1, 0x1p-63, 0x1p-64}, 3, 1 + 0x1p-62L},
		{{1, 0x1p-64, 0x1p-1074}, 3, 1 + 0x1p-63L},
		{{1, -0x1p-65}, 2, 1},
		{{1, -0x1p-65, -0x1p-1074}, 3, 1 - 0x1p-64L},
		{{1e100, 1, -1e100}, 3, 1},
		{{DBL_MAX, DBL_MAX, DBL_MAX}, 3, 3.0L * DBL_MAX},
		{{0x1p-1074, 0x1p-1074}, 2, 0x1p-1073L},
	};
	for (size_t i = 0; i < sizeof ties_ld / sizeof ties_ld[0]; i++) {
		xsum a = sum_of(ties_ld[i].terms, (size_t)ties_ld[i].count);
		CHECK(same_ld(xsum_round_ld(&a), ties_ld[i].want), "long double case %zu: got %La, want %La",
		      i, xsum_round_ld(&a), ties_ld[i].want);
	}

	/* One term rounds to itself; two terms round as IEEE addition does.
	 * Most pairs have nearby exponents, where rounding has work; some are
	 * near the subnormals, where the precision shrinks. */
	for (int i = 0; i < 300000; i++) {
		double x = wide_double(), y;
		if (i % 4 == 0) {
			y = wide_double();
		} else if (i % 4 == 1) {
			x = random_double(0, 4);
			y = random_double(0, 4);
		} else {
			int e = biased_exponent(x) + 8 - (int)below(80);
			e = e < 0 ? 0 : e > 2046 ? 2046 : e;
			y = random_double(e, e);
		}
		xsum a;
		xsum_init(&a);
		xsum_add(&a, x);
		CHECK(same_double(xsum_round(&a), x) || x == 0, "round(%a) = %a", x, xsum_round(&a));
		xsum_add(&a, y);
		double want = x + y;
		long double want_ld = (long double)x + (long double)y;
		if (want == 0)
			want = 0.0, want_ld = 0.0L; /* a zero sum is +0 */
		CHECK(same_double(xsum_round(&a), want), "%a + %a: got %a, want %a", x, y, xsum_round(&a), want);
		CHECK(same_ld(xsum_round_ld(&a), want_ld), "%a + %a: got %La, want %La", x, y,
		      xsum_round_ld(&a), want_ld);
		if (failures > 20)
			return;
	}
}

/* --- text: format, parse, round trip, rejection --------------------------- */

/* An accumulator of a few dozen terms of one of several shapes. */
static xsum random_sum(void)
{
	xsum a;
	xsum_init(&a);
	int shape = (int)below(5), count = (int)below(40);
	int centre = (int)below(2047);
	for (int i = 0; i < count; i++) {
		switch (shape) {
		case 0:
			xsum_add(&a, wide_double());
			break;
		case 1: { /* a band of exponents: carries and partial cancellation */
			int lo = centre < 60 ? 0 : centre - 60;
			xsum_add(&a, random_double(lo, lo + 60 > 2046 ? 2046 : lo + 60));
			break;
		}
		case 2:
			xsum_add(&a, random_double(0, 2));
			break;
		case 3:
			xsum_add(&a, random_double(2040, 2046));
			break;
		default: { /* x, then -x nearly: long mantissas from cancellation */
			double x = random_double(centre, centre);
			xsum_add(&a, x);
			xsum_add(&a, -x + (x == 0 ? 0 : random_double(0, 1100)));
			break;
		}
		}
	}
	if (below(8) == 0) { /* huge sums, as merged partials can be */
		int doublings = (int)below(63);
		for (int i = 0; i < doublings; i++)
			xsum_merge(&a, &a);
	}
	return a;
}

/* Parses exactly `len` bytes from a heap copy of that size, so that ASan
 * reports any read past the end. */
static int parse_bytes(xsum *a, const char *s, size_t len)
{
	char *copy = malloc(len ? len : 1);
	if (copy == NULL) {
		perror("test_exactsum: malloc");
		exit(1);
	}
	memcpy(copy, s, len);
	int rc = xsum_parse(a, copy, len);
	free(copy);
	return rc;
}

/* A parse that succeeds must have read a canonical text: formatting the
 * result gives the same bytes back. */
static void check_accepted_is_canonical(const char *s, size_t len)
{
	xsum a;
	if (parse_bytes(&a, s, len) != 0)
		return;
	char buf[XSUM_TEXT_MAX];
	size_t n = xsum_format(&a, buf, sizeof buf);
	CHECK(n == len && memcmp(buf, s, len) == 0, "accepted %.*s but it formats as %s", (int)len, s, buf);
}

static void test_text(void)
{
	char buf[XSUM_TEXT_MAX], again[XSUM_TEXT_MAX];
	xsum a, b;

	static const struct {
		double x;
		const char *text;
	} known[] = {
		{1, "0x1p+0"}, {2, "0x1p+1"}, {16, "0x1p+4"}, {255, "0xffp+0"}, {-0.75, "-0x3p-2"},
		{0.1, "0xccccccccccccdp-55"}, {-DBL_TRUE_MIN, "-0x1p-1074"}, {0x1p1023, "0x1p+1023"},
		{3 * 0x1p-1074, "0x3p-1074"}, {1e300, "0x5f90f22001d67p+946"},
	};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		xsum_init(&a);
		xsum_add(&a, known[i].x);
		check_text(&a, known[i].text, "known text");
		CHECK(strtod(known[i].text, NULL) == known[i].x, "strtod(%s)", known[i].text);
	}

	/* Truncation as snprintf: the length is the full one. */
	xsum_init(&a);
	xsum_add(&a, DBL_MAX);
	char small[5];
	CHECK(xsum_format(&a, small, sizeof small) == 21 && strcmp(small, "0x1f") == 0, "truncated: %s", small);
	CHECK(xsum_format(&a, NULL, 0) == 21, "bufsize 0");

	/* Round trips, and glibc's correctly rounded strtod/strtold as a
	 * second opinion on xsum_round/xsum_round_ld. */
	for (int i = 0; i < 20000; i++) {
		a = random_sum();
		size_t len = xsum_format(&a, buf, sizeof buf);
		CHECK(len < XSUM_TEXT_MAX && len == strlen(buf), "length %zu", len);
		int rc = parse_bytes(&b, buf, len);
		CHECK(rc == 0, "does not parse: %s", buf);
		CHECK(rc != 0 || xsum_equal(&a, &b), "reads back as another value: %s", buf);
		xsum_format(&b, again, sizeof again);
		CHECK(strcmp(buf, again) == 0, "%s reads back and formats as %s", buf, again);
		CHECK(same_double(xsum_round(&a), strtod(buf, NULL)), "round(%s) = %a, strtod says %a", buf,
		      xsum_round(&a), strtod(buf, NULL));
		CHECK(same_ld(xsum_round_ld(&a), strtold(buf, NULL)), "round_ld(%s) = %La, strtold says %La",
		      buf, xsum_round_ld(&a), strtold(buf, NULL));
		CHECK(xsum_sign(&a) == (buf[0] == '-' ? -1 : strcmp(buf, "0") != 0), "sign of %s", buf);
		if (failures > 20)
			return;
	}

	static const char *const good[] = {
		"0", "0x1p+0", "-0x1p+0", "0x1p-1074", "-0x1p-1074", "0x3p-1074", "0x1p+1099",
		"-0x1p+1099", "0xfp+1096", "0xabcdef1p+12", "0x1p+10",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		size_t len = strlen(good[i]);
		CHECK(parse_bytes(&a, good[i], len) == 0, "rejects %s", good[i]);
		check_text(&a, good[i], "parsed");
	}
	/* len, not the NUL, ends the text. */
	CHECK(parse_bytes(&a, "0x1p+10", 6) == 0 && xsum_round(&a) == 2, "len 6 of 0x1p+10");

	static const char *const bad[] = {
		"", "0x", "0xg", "0x1p", "0x1p+", "0x1p-", "0x1p1", "0xp+0", "0x1+0", "x1p+0", "1", "-",
		"0x1p+99999999999999999999", "0x1p+1100", "-0x1p+1100", "0x1fp+1096", "0x1p+10000",
		"0x1p-1075", "0x3p-1075", "0x1p-99999", "nan", "-nan", "inf", "-inf", "NaN", "INF",
		"-0", "+0", "00", "0x0p+0", "-0x0p+0", "0x2p+0", "0x10p+0", "0x01p+0", "0X1p+0",
		"0x1P+0", "0xBp+0", "0x1p+01", "0x1p-0", "0x1p+00", "+0x1p+0", "--0x1p+0", "0x-1p+0",
		"0x1p+0 ", " 0x1p+0", "0x1p+0\n", "0x1.8p+0", "0x1.p+0", "0x1p+1e3", "0x1p++1",
		"1e300", "0.5", "0x1p+0x1p+0",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		xsum_init(&a);
		xsum_add(&a, 42);
		CHECK(parse_bytes(&a, bad[i], strlen(bad[i])) == -1, "accepts \"%s\"", bad[i]);
		CHECK(xsum_round(&a) == 42, "a failed parse of \"%s\" changed the accumulator", bad[i]);
	}
	static const struct {
		const char *bytes;
		size_t len;
	} bad_nul[] = {{"0x1\0p+0", 7}, {"0x1p+0\0", 7}, {"0\0", 2}, {"\0", 1}, {"-\0x1p+0", 8}};
	for (size_t i = 0; i < sizeof bad_nul / sizeof bad_nul[0]; i++)
		CHECK(parse_bytes(&a, bad_nul[i].bytes, bad_nul[i].len) == -1, "accepts NUL case %zu", i);

	/* 10 kB of digits, in several spellings. */
	enum { HUGE_LEN = 10000 };
	static char huge[HUGE_LEN + 16];
	memset(huge, '1', sizeof huge);
	CHECK(parse_bytes(&a, huge, HUGE_LEN) == -1, "accepts 10 kB of 1s");
	memcpy(huge, "0x", 2);
	memcpy(huge + HUGE_LEN - 3, "p+0", 3);
	CHECK(parse_bytes(&a, huge, HUGE_LEN) == -1, "accepts a 10 kB mantissa");
	memcpy(huge, "0x1p+", 5);
	CHECK(parse_bytes(&a, huge, HUGE_LEN) == -1, "accepts a 10 kB exponent");

	/* Fuzz: mutations of good texts, and random bytes. Whatever parses
	 * must be canonical; nothing may crash (run it under ASan/UBSan). */
	static const char alphabet[] = "0123456789abcdefABCDEFxXpP+-. \n\tgn\0\xff";
	for (int i = 0; i < 60000; i++) {
		char s[XSUM_TEXT_MAX + 8];
		size_t len;
		if (i % 10 == 0) {
			len = (size_t)below(12);
			for (size_t k = 0; k < len; k++)
				s[k] = below(2) ? alphabet[below(sizeof alphabet)] : (char)below(256);
		} else {
			a = random_sum();
			len = xsum_format(&a, s, XSUM_TEXT_MAX);
			int edits = 1 + (int)below(3);
			for (int e = 0; e < edits; e++) {
				size_t at = len ? (size_t)below(len) : 0;
				char c = below(4) ? alphabet[below(sizeof alphabet)] : (char)below(256);
				switch (below(4)) {
				case 0: /* replace */
					if (len)
						s[at] = c;
					break;
				case 1: /* insert */
					if (len < XSUM_TEXT_MAX + 4) {
						memmove(s + at + 1, s + at, len - at);
						s[at] = c;
						len++;
					}
					break;
				case 2: /* delete */
					if (len) {
						memmove(s + at, s + at + 1, len - at - 1);
						len--;
					}
					break;
				default: /* truncate */
					len = at;
					break;
				}
			}
		}
		check_accepted_is_canonical(s, len);
		if (failures > 20)
			return;
	}
}

/* --- order: the same terms in any order and grouping, the same bytes ------ */

static double *alloc_doubles(size_t n)
{
	double *x = malloc((n ? n : 1) * sizeof *x);
	if (x == NULL) {
		perror("test_exactsum: malloc");
		exit(1);
	}
	return x;
}

/* Splits x[0..n) into groups of random sizes and sums each; returns the count. */
static size_t sum_groups(const double *x, size_t n, xsum *groups)
{
	size_t count = 0;
	for (size_t i = 0; i < n; count++) {
		size_t size = 1 + (size_t)below(below(2) ? 10 : 20000);
		if (size > n - i)
			size = n - i;
		groups[count] = sum_of(x + i, size);
		i += size;
	}
	return count;
}

static void shuffle_groups(xsum *g, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)below(i);
		xsum t = g[i - 1];
		g[i - 1] = g[j];
		g[j] = t;
	}
}

static void test_order(size_t n)
{
	double *x = alloc_doubles(n);
	for (size_t i = 0; i < n; i++) {
		switch (i % 4) {
		case 0: x[i] = wide_double(); break;
		case 1: x[i] = random_double(1023 - 60, 1023 + 60); break;
		case 2: x[i] = random_double(0, 80); break;
		default: x[i] = random_double(2000, 2046); break;
		}
	}
	char in_order[XSUM_TEXT_MAX], text[XSUM_TEXT_MAX];
	xsum total = sum_of(x, n);
	text_of(&total, in_order);
	printf("sum of %zu terms: %s\n  rounds to %a\n", n, in_order, xsum_round(&total));

	shuffle(x, n);
	xsum t = sum_of(x, n);
	CHECK(strcmp(text_of(&t, text), in_order) == 0, "shuffled: %s", text);

	xsum *groups = malloc((n ? n : 1) * sizeof *groups);
	if (groups == NULL) {
		perror("test_exactsum: malloc");
		exit(1);
	}
	shuffle(x, n);
	size_t count = sum_groups(x, n, groups);

	shuffle_groups(groups, count);
	xsum_init(&t);
	for (size_t i = 0; i < count; i++)
		xsum_merge(&t, &groups[i]);
	CHECK(strcmp(text_of(&t, text), in_order) == 0, "%zu groups merged: %s", count, text);

	/* Through text, as partial files go, in another order. */
	shuffle_groups(groups, count);
	xsum_init(&t);
	for (size_t i = 0; i < count; i++) {
		char partial[XSUM_TEXT_MAX];
		xsum g;
		size_t len = xsum_format(&groups[i], partial, sizeof partial);
		CHECK(xsum_parse(&g, partial, len) == 0, "partial %s", partial);
		xsum_merge(&t, &g);
	}
	CHECK(strcmp(text_of(&t, text), in_order) == 0, "%zu partials through text: %s", count, text);

	/* A merge tree, as a make -j reduction would do it. */
	for (size_t width = count; width > 1; width = (width + 1) / 2)
		for (size_t i = 0; i < width / 2; i++)
			xsum_merge(&groups[i], &groups[width - 1 - i]);
	CHECK(strcmp(text_of(&groups[0], text), in_order) == 0, "merge tree: %s", text);

	/* Terms and their negatives interleaved with a signal: only the signal
	 * survives, whatever the order. */
	size_t half = n / 2;
	xsum want;
	xsum_init(&want);
	for (size_t i = 0; i < half; i++) {
		x[2 * i] = random_double(1023 - 60, 1023 + 60);
		x[2 * i + 1] = -x[2 * i];
	}
	for (size_t i = 2 * half; i < n; i++) {
		x[i] = random_double(900, 1000);
		xsum_add(&want, x[i]);
	}
	for (size_t i = 0; i < 3 && i < half; i++) { /* a pair whose second term is a signal */
		x[2 * i + 1] = random_double(900, 1000);
		xsum_add(&want, x[2 * i]);
		xsum_add(&want, x[2 * i + 1]);
	}
	shuffle(x, n);
	t = sum_of(x, n);
	CHECK(xsum_equal(&t, &want), "cancelling terms leave %s", text_of(&t, text));

	free(groups);
	free(x);
}

/* --- vectors: for an independent checker ---------------------------------- */

/* Half an ulp of x at the given precision, with a random sign: x plus it
 * is a tie. */
static double half_ulp(double x, int mantissa_bits)
{
	int e;
	frexp(x, &e);
	return ldexp(below(2) ? 1.0 : -1.0, e - mantissa_bits - 1);
}

static void print_vectors(long count)
{
	enum { MAX_TERMS = 1000 };
	static double x[MAX_TERMS];
	char text[XSUM_TEXT_MAX];
	for (long v = 0; v < count; v++) {
		size_t n = 0;
		switch (v % 8) {
		case 0:
			n = 1 + (size_t)below(50);
			for (size_t i = 0; i < n; i++)
				x[i] = wide_double();
			break;
		case 1:
			n = 1 + (size_t)below(200);
			for (size_t i = 0; i < n; i++)
				x[i] = random_double(1023 - 40, 1023 + 40);
			break;
		case 2: { /* cancellation down to a small rest */
			size_t k = 1 + (size_t)below(30);
			for (size_t i = 0; i < k; i++) {
				x[n] = random_double(900, 1150);
				x[n + 1] = -x[n];
				n += 2;
			}
			for (size_t i = below(4); i > 0; i--)
				x[n++] = random_double(0, 1100);
			shuffle(x, n);
			break;
		}
		case 3:   /* double ties, exact or nudged either way */
		case 4: { /* long double ties */
			int bits = v % 8 == 3 ? 53 : 64;
			double a = random_double(1, 1500);
			x[n++] = a;
			x[n++] = half_ulp(a, bits);
			if (v % 3 == 0)
				x[n++] = random_double(0, biased_exponent(a) > 200 ? biased_exponent(a) - 200 : 0);
			else if (v % 3 == 1)
				x[n++] = half_ulp(a, bits + 1 + (int)below(60)); /* also a tie of its own */
			shuffle(x, n);
			break;
		}
		case 5:
			n = 1 + (size_t)below(100);
			for (size_t i = 0; i < n; i++)
				x[i] = random_double(0, 3);
			break;
		case 6: /* near and past the overflow threshold */
			x[n++] = below(2) ? DBL_MAX : -DBL_MAX;
			x[n++] = x[0] > 0 ? 0x1p970 : -0x1p970;
			for (size_t i = below(4); i > 0; i--)
				x[n++] = random_double(0, 2046);
			shuffle(x, n);
			break;
		default:
			n = 1 + (size_t)below(MAX_TERMS);
			for (size_t i = 0; i < n; i++)
				x[i] = random_double(800, 1300);
			break;
		}
		xsum a = sum_of(x, n);
		printf("%s %a %La", text_of(&a, text), xsum_round(&a), xsum_round_ld(&a));
		for (size_t i = 0; i < n; i++)
			printf(" %a", x[i]);
		putchar('\n');
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("test_exactsum: stdout");
		failures++;
	}
}

/* --- bench and carry ------------------------------------------------------ */

/* Processor time, not wall time: the machine may be shared. */
static double now_seconds(void)
{
	return (double)clock() / CLOCKS_PER_SEC;
}

enum { BENCH_TERMS = 1 << 16 };

static double bench_adds(const double *x, long long n, xsum *out)
{
	xsum a;
	xsum_init(&a);
	double start = now_seconds();
	for (long long i = 0; i < n; i++)
		xsum_add(&a, x[i & (BENCH_TERMS - 1)]);
	double elapsed = now_seconds() - start;
	*out = a;
	return elapsed;
}

static void bench(long long n)
{
	double *payoffs = alloc_doubles(BENCH_TERMS), *wide = alloc_doubles(BENCH_TERMS);
	for (int i = 0; i < BENCH_TERMS; i++) {
		/* discounted payoffs: 0 or a few tens, and their products */
		double u = (double)(next_u64() >> 11) * 0x1p-53;
		payoffs[i] = i % 3 == 0 ? 0.0 : 40 * u * (i % 2 ? u : 1);
		wide[i] = wide_double();
	}
	xsum a;
	double t = bench_adds(payoffs, n, &a);
	printf("xsum_add: %.2f ns/add over %lld payoff-like terms (sum %.17g)\n", 1e9 * t / (double)n, n,
	       xsum_round(&a));
	t = bench_adds(wide, n, &a);
	printf("xsum_add: %.2f ns/add over %lld terms of any exponent and sign\n", 1e9 * t / (double)n, n);

	volatile double sink;
	double plain = 0, start = now_seconds();
	for (long long i = 0; i < n; i++)
		plain += payoffs[i & (BENCH_TERMS - 1)];
	t = now_seconds() - start;
	sink = plain;
	(void)sink;
	printf("plain double +=: %.2f ns/add, for scale\n", 1e9 * t / (double)n);

	char buf[XSUM_TEXT_MAX];
	int reps = 100000;
	size_t len = 0;
	start = now_seconds();
	for (int i = 0; i < reps; i++)
		len += xsum_format(&a, buf, sizeof buf);
	double format_time = now_seconds() - start;
	xsum b, c = a;
	start = now_seconds();
	for (int i = 0; i < reps; i++)
		failures += xsum_parse(&b, buf, strlen(buf)) != 0;
	double parse_time = now_seconds() - start;
	start = now_seconds();
	for (int i = 0; i < reps; i++)
		xsum_merge(i % 2 ? &c : &b, i % 2 ? &b : &c);
	double merge_time = now_seconds() - start;
	printf("xsum_format %.0f ns (%zu bytes), xsum_parse %.0f ns, xsum_merge %.0f ns\n",
	       1e9 * format_time / reps, len / (size_t)reps, 1e9 * parse_time / reps, 1e9 * merge_time / reps);
	free(payoffs);
	free(wide);
}

/* n adds of a term whose two pieces are as large as pieces get: without
 * the periodic carry some limb would pass 2^63 within a few thousand. The
 * exact answer comes from doubling merges. */
static void test_carry(long long n)
{
	/* mantissa 2^53 - 1 with its lowest bit at bit 31 of limb 40: pieces 2^31, 2^52 - 1 */
	double big = ldexp(0x1.fffffffffffffp0, 52 + 32 * 40 + 31 - 1074);
	for (int sign = 1; sign >= -1; sign -= 2) {
		double term = sign * big;
		xsum a, want, one;
		xsum_init(&a);
		for (long long i = 0; i < n; i++)
			xsum_add(&a, term);
		xsum_init(&want);
		xsum_init(&one);
		xsum_add(&one, term);
		for (int bit = 62; bit >= 0; bit--) { /* want = n * term, by binary digits of n */
			xsum_merge(&want, &want);
			if ((n >> bit) & 1)
				xsum_merge(&want, &one);
		}
		char got_text[XSUM_TEXT_MAX], want_text[XSUM_TEXT_MAX];
		CHECK(xsum_equal(&a, &want), "%lld x %a: got %s, want %s", n, term, text_of(&a, got_text),
		      text_of(&want, want_text));
	}
}

static long arg_count(int argc, char **argv, long dflt)
{
	if (argc < 3)
		return dflt;
	char *end;
	long n = strtol(argv[2], &end, 10);
	if (*argv[2] == '\0' || *end != '\0' || n < 0) {
		fprintf(stderr, "test_exactsum: bad count: %s\n", argv[2]);
		exit(2);
	}
	return n;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "check";
	if (strcmp(what, "check") == 0) {
		test_cancel();
		test_rounding();
		test_text();
	} else if (strcmp(what, "cancel") == 0) {
		test_cancel();
	} else if (strcmp(what, "rounding") == 0) {
		test_rounding();
	} else if (strcmp(what, "text") == 0) {
		test_text();
	} else if (strcmp(what, "order") == 0) {
		test_order((size_t)arg_count(argc, argv, 1000000));
	} else if (strcmp(what, "vectors") == 0) {
		print_vectors(arg_count(argc, argv, 4000));
	} else if (strcmp(what, "bench") == 0) {
		bench(arg_count(argc, argv, 100000000));
	} else if (strcmp(what, "carry") == 0) {
		test_carry(arg_count(argc, argv, (1L << 31) + 12345));
	} else {
		fprintf(stderr, "usage: test_exactsum [check|cancel|rounding|text|order [N]|vectors [N]|bench [N]|carry]\n");
		return 2;
	}
	if (failures)
		fprintf(stderr, "test_exactsum %s: %ld failures\n", what, failures);
	return failures ? 1 : 0;
}
