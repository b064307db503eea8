/* test_numtext.c: tests for tools/lib/numtext.
 *
 * usage: test_numtext hex N [SEED]       N doubles through num_format_hex and back
 *        test_numtext decimal N [SEED]   num_parse against strtod on N doubles' renderings
 *        test_numtext shortest N [SEED]  num_format is the shortest %.15g/%.16g/%.17g that round-trips
 *        test_numtext reject             what num_parse and num_parse_u64 must refuse (and accept)
 *        test_numtext bench [N]          ns per value of each routine over N values (never fails)
 *
 * Failures go to stderr, one line each (the first 20 per run, then a count);
 * the exit status is 1 if any.
 *
 * The references are glibc: printf("%a") for hex text (glibc writes
 * subnormals as 0x0.xxxp-1022 too, so the hex text must equal glibc's for
 * every finite double, subnormals included), strtod (correctly rounded for
 * any length of decimal or hex text), and printf("%.*Le") of 80-bit long
 * doubles, which is exact and gives the decimal text of midpoints between
 * doubles.
 */
#define _POSIX_C_SOURCE 200809L
#include "numtext.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
/* A fixed default seed keeps every run reproducible; pass SEED to explore. */
#define UNIT_SEED 0x6e756d7465787401
#include "unit.h"

#if FLT_EVAL_METHOD != 0
#error "the fast-path checks need double arithmetic evaluated in double"
#endif

static int between(int lo, int hi)
{
	return lo + (int)below((uint64_t)(hi - lo + 1));
}

static bool same(double a, double b)
{
	return to_bits(a) == to_bits(b);
}

static const double exact_tens[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* A finite double from a mix meant to reach every corner: raw bit patterns
 * (all exponents), subnormals, zeros, the extremes, powers of two, all-ones
 * mantissas, short mantissas, the range where decimal text takes the fast
 * path, and decimal-looking values such as prices. */
static double random_double(void)
{
	static const double special[] = {
		0.0, -0.0, DBL_MAX, -DBL_MAX, DBL_MIN, -DBL_MIN, DBL_TRUE_MIN,
		-DBL_TRUE_MIN, 0x1.ffffffffffffep-1023 /* largest subnormal */,
		0x1.0000000000001p+0, 0x1.fffffffffffffp-1, 1.0, -1.0, 0.1, 0.5,
		1e22, 1e23, 9007199254740992.0, 9007199254740994.0, DBL_EPSILON,
		0x1p-1022, 0x1p-1074, 0x1p+1023, 123.456, 1e-300, 1e300,
	};
	uint64_t sign = below(2) << 63;
	uint64_t fraction = next_u64() & ((UINT64_C(1) << 52) - 1);
	uint64_t exponent;

	switch (below(16)) {
	case 0: case 1: case 2: case 3: case 4: case 5: {   /* any finite pattern */
		uint64_t bits;
		do
			bits = next_u64();
		while ((bits >> 52 & 0x7ff) == 0x7ff);
		return from_bits(bits);
	}
	case 6:                                      /* subnormal or zero */
		if (below(2))
			fraction >>= below(52);
		return from_bits(sign | fraction);
	case 7:                                      /* power of two */
		return copysign(ldexp(1.0, between(-1074, 1023)), sign ? -1.0 : 1.0);
	case 8:                                      /* all-ones mantissa */
		exponent = (uint64_t)between(0, 2046);
		return from_bits(sign | exponent << 52 | ((UINT64_C(1) << 52) - 1));
	case 9:
		return special[below(sizeof special / sizeof special[0])];
	case 10:                                     /* short mantissa */
		exponent = (uint64_t)between(1, 2046);
		fraction &= ~((UINT64_C(1) << between(0, 52)) - 1) & ((UINT64_C(1) << 52) - 1);
		return from_bits(sign | exponent << 52 | fraction);
	case 11: case 12: case 13:                   /* 1e-25 .. 1e25 or so */
		exponent = (uint64_t)between(1023 - 84, 1023 + 84);
		return from_bits(sign | exponent << 52 | fraction);
	default: {                                   /* decimal-looking */
		uint64_t limit = (uint64_t)exact_tens[between(1, 15)];
		double m = (double)below(limit);
		double p = exact_tens[between(0, 22)];
		double x = below(2) ? m / p : m * p;
		return sign ? -x : x;
	}
	}
}

static long arg_count(int argc, char **argv, long dflt)
{
	if (argc < 3)
		return dflt;
	char *end;
	long n = strtol(argv[2], &end, 10);
	if (*argv[2] == '\0' || *end != '\0' || n < 0) {
		fprintf(stderr, "test_numtext: bad count: %s\n", argv[2]);
		exit(2);
	}
	return n;
}

static void arg_seed(int argc, char **argv)
{
	if (argc < 4)
		return;
	char *end;
	unsigned long long seed = strtoull(argv[3], &end, 0);
	if (*argv[3] == '\0' || *end != '\0') {
		fprintf(stderr, "test_numtext: bad seed: %s\n", argv[3]);
		exit(2);
	}
	unit_rng = (uint64_t)seed;
}

/* text must parse as exactly what strtod makes of it when that is finite
 * (underflow to zero included), and be refused when strtod overflows. The
 * caller has made sure strtod reads the whole text. */
static void check_like_strtod(const char *text)
{
	size_t len = strlen(text);
	char *stop;
	double want = strtod(text, &stop);
	double got = 12345.0;
	bool ok;

	if (*stop != '\0') {
		CHECK(!"test text strtod reads whole", "%s", text);
		return;
	}
	ok = num_parse(text, len, &got);
	if (isfinite(want))
		CHECK(ok && same(got, want), "\"%s\": got %d %a, strtod %a", text, ok, got, want);
	else
		CHECK(!ok, "\"%s\": accepted overflow as %a", text, got);
}

/* --- hex --------------------------------------------------------------- */

static void random_hex_digits(char **p, int count, bool zeros_first)
{
	static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
	for (int i = 0; i < count; i++) {
		int d = zeros_first && i < count / 2 ? 0 : (int)below(16);
		*(*p)++ = below(2) ? lower[d] : upper[d];
	}
}

/* Random hex float text: any mix of signs, case, digit counts (up to 18
 * each side, so both num_parse's ldexp path and its strtod path run),
 * leading zeros, and exponents from far underflow to overflow. */
static void random_hex_text(char *buf)
{
	char *p = buf;
	int int_digits = between(0, 18), frac_digits = between(0, 18);
	bool point = frac_digits > 0 || below(4) == 0;

	if (int_digits == 0 && frac_digits == 0)
		int_digits = 1;
	if (below(3) == 0)
		*p++ = below(2) ? '-' : '+';
	*p++ = '0';
	*p++ = below(2) ? 'x' : 'X';
	random_hex_digits(&p, int_digits, below(4) == 0);
	if (point) {
		*p++ = '.';
		random_hex_digits(&p, frac_digits, below(4) == 0);
	}
	*p++ = below(2) ? 'p' : 'P';
	int exponent = between(-1140, 1060) - 4 * int_digits + 4;
	if (below(8) == 0)
		exponent = between(-40, 40);
	if (exponent < 0)
		*p++ = '-';
	else if (below(2))
		*p++ = '+';
	p += sprintf(p, "%s%d", below(8) == 0 ? "00" : "", abs(exponent));
	*p = '\0';
}

static void test_hex(long n)
{
	char buf[NUM_TEXT_MAX], ref[64], text[128];
	long subnormal_texts = 0;

	for (long i = 0; i < n; i++) {
		double x = random_double(), y = 12345.0;

		memset(buf, 'z', sizeof buf);
		size_t len = num_format_hex(buf, x);
		CHECK(len < NUM_TEXT_MAX && buf[len] == '\0' && strlen(buf) == len,
		      "%a: length %zu", x, len);
		snprintf(ref, sizeof ref, "%a", x);
		CHECK(strcmp(buf, ref) == 0, "%a: wrote \"%s\"", x, buf);
		if (fpclassify(x) == FP_SUBNORMAL)
			subnormal_texts++;
		CHECK(num_parse(buf, len, &y) && same(x, y), "\"%s\": read back %a", buf, y);
		char *stop;
		double z = strtod(buf, &stop);
		CHECK(stop == buf + len && same(x, z), "\"%s\": strtod gives %a", buf, z);

		random_hex_text(text);
		check_like_strtod(text);
	}

	/* Rounding where ldexp does it: subnormal results, ties to even. */
	static const struct { const char *text; double want; } cases[] = {
		{ "0x1p-1074", 0x1p-1074 },
		{ "0x1p-1075", 0.0 },                  /* tie: to even, zero */
		{ "0x1.0000000000001p-1075", 0x1p-1074 },
		{ "0x3p-1075", 0x1p-1073 },            /* 1.5 ulp: tie, to even */
		{ "0x5p-1076", 0x1p-1074 },            /* 1.25 ulp */
		{ "0x1.8p-1074", 0x1p-1073 },
		{ "-0x1p-1080", -0.0 },
		{ "0x0.fffffffffffff8p-1022", 0x1p-1022 }, /* long: strtod's */
		{ "0x1.fffffffffffff8p0", 2.0 },
		{ "0x1.fffffffffffff7ffp0", 0x1.fffffffffffffp0 },
		{ "0x1.00000000000008p0", 1.0 },
		{ "0x1.00000000000008000000001p0", 0x1.0000000000001p0 },
		{ "0x1.0000000000000000000000000000p0", 1.0 },
		{ "0x000000000000000000000001p0", 1.0 },
		{ "0x0.00000000000000000000001p92", 1.0 },
		{ "0X1.8P+1", 3.0 },
		{ "0x.8p1", 1.0 },
		{ "0x1.p1", 2.0 },
		{ "+0x1p0", 1.0 },
		{ "-0x0p+0", -0.0 },
		{ "0x1p-99999999", 0.0 },
		{ "0x0p99999999", 0.0 },
		{ "0x1.fffffffffffffp1023", DBL_MAX },
		{ "0x1p+0001", 2.0 },
		/* the ends of 2^e by its bits (e in [-1022, 1023]) and just past
		 * them (ldexp's): a wrong bias or range reads 0, NaN or inf */
		{ "0x1p-1022", 0x1p-1022 },
		{ "0x1p-1023", 0x1p-1023 },
		{ "0x2p-1024", 0x1p-1023 },
		{ "-0x0p-1023", -0.0 },
		{ "0x1p1023", 0x1p1023 },
		{ "0x0p1023", 0.0 },
		{ "0x0p1024", 0.0 },
		{ "-0x0p+1024", -0.0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double got = 12345.0;
		bool ok = num_parse(cases[i].text, strlen(cases[i].text), &got);
		CHECK(ok && same(got, cases[i].want), "\"%s\": got %d %a, want %a",
		      cases[i].text, ok, got, cases[i].want);
		check_like_strtod(cases[i].text);
	}
	printf("hex: %ld values, %ld subnormal (glibc %%a writes those as 0x0.xxxp-1022 too)\n",
	       n, subnormal_texts);
}

/* --- decimal ----------------------------------------------------------- */

/* Random decimal text: sign, 1 to 20 significant digits (most within the
 * 15 the fast path takes), leading zeros, the point anywhere or nowhere,
 * exponents around the fast path's +-22 and now and then far beyond. */
static void random_decimal_text(char *buf)
{
	char *p = buf;
	int digits = below(4) ? between(1, 15) : between(16, 20);
	int point = below(3) ? between(0, digits) : -1;

	if (below(3) == 0)
		*p++ = below(2) ? '-' : '+';
	if (below(6) == 0)
		p += sprintf(p, "%.*s", between(1, 4), "0000");
	for (int i = 0; i < digits; i++) {
		if (i == point)
			*p++ = '.';
		if (i == point && below(4) == 0)
			p += sprintf(p, "%.*s", between(1, 8), "00000000");
		*p++ = (char)('0' + (i == 0 && below(8) ? between(1, 9) : (int)below(10)));
	}
	if (point == digits)
		*p++ = '.';
	if (below(4)) {
		int exponent = below(8) ? between(-30, 30) : between(-345, 330);
		*p++ = below(2) ? 'e' : 'E';
		if (exponent < 0)
			*p++ = '-';
		else if (below(2))
			*p++ = '+';
		p += sprintf(p, "%s%d", below(8) == 0 ? "0" : "", abs(exponent));
	}
	*p = '\0';
}

/* The exact decimal text of v (an 80-bit long double), trailing zeros gone. */
static void exact_text(char *buf, size_t size, long double v)
{
	snprintf(buf, size, "%.850Le", v);
	char *e = strchr(buf, 'e'), *q = e;
	while (q[-1] == '0')
		q--;
	if (q[-1] == '.')
		q--;
	memmove(q, e, strlen(e) + 1);
}

/* Text exactly halfway between x and the next double up, and the nearest
 * long doubles either side: these must round to even, down and up. */
static void check_midpoint(double x)
{
#if LDBL_MANT_DIG >= 64 && LDBL_MAX_EXP > DBL_MAX_EXP
	char text[1024];
	double lo = fabs(x), hi = nextafter(lo, INFINITY);
	if (!isfinite(hi))
		return;
	long double mid = ((long double)lo + (long double)hi) / 2;   /* exact */
	double even = (to_bits(lo) & 1) ? hi : lo;
	struct { long double v; double want; } cases[3] = {
		{ mid, even },
		{ nextafterl(mid, 0), lo },
		{ nextafterl(mid, INFINITY), hi },
	};
	for (int i = 0; i < 3; i++) {
		exact_text(text + 1, sizeof text - 1, cases[i].v);
		const char *t = text + 1;
		double want = cases[i].want;
		if (signbit(x)) {
			text[0] = '-';
			t = text;
			want = -want;
		}
		double got = 12345.0;
		bool ok = num_parse(t, strlen(t), &got);
		CHECK(ok && same(got, want), "midpoint of %a: \"%.40s...\" got %d %a, want %a",
		      x, t, ok, got, want);
		CHECK(same(strtod(t, NULL), want), "midpoint of %a: strtod disagrees", x);
	}
#else
	(void)x;
#endif
}

/* Exact ties that the fast path itself must round: k*10^e with k*5^e odd and
 * 54 bits long lies halfway between two doubles; with k*2^j < 10^15 and
 * e <= 22 the text has at most 15 digits, so one IEEE multiply rounds it. */
static void check_fast_path_tie(void)
{
#if LDBL_MANT_DIG >= 64
	char text[64];
	int e = between(2, 22);
	uint64_t five = 1;
	for (int i = 0; i < e; i++)
		five *= 5;
	uint64_t k_lo = ((UINT64_C(1) << 53) + five - 1) / five;
	uint64_t k_hi = ((UINT64_C(1) << 54) - 1) / five;
	if (k_hi > UINT64_C(999999999999999))
		k_hi = UINT64_C(999999999999999);
	if (k_lo > k_hi)
		return;
	uint64_t k = (k_lo + below(k_hi - k_lo + 1)) | 1;
	if (k > k_hi)
		k -= 2;
	if (k < k_lo)
		return;
	uint64_t m = k;
	while (m * 2 <= UINT64_C(999999999999999) && below(2))
		m *= 2;
	long double exact = (long double)m * (long double)five;   /* exact: < 2^64 */
	exact = ldexpl(exact, e);
	double want = (double)exact;   /* correctly rounded, ties to even */
	snprintf(text, sizeof text, "%" PRIu64 "e%d", m, e);
	double got = 12345.0;
	bool ok = num_parse(text, strlen(text), &got);
	CHECK(ok && same(got, want), "tie \"%s\": got %d %a, want %a", text, ok, got, want);
	CHECK(same(strtod(text, NULL), want), "tie \"%s\": strtod disagrees", text);
#endif
}

static void test_decimal(long n)
{
	static const char *const formats[] = {
		"%.17g", "%.16g", "%.15g", "%.6g", "%e", "%.3f",
	};
	char text[1100];

	for (long i = 0; i < n; i++) {
		double x = random_double();
		for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
			/* Fixed point beyond 1e25 is hundreds of digits, slow
			 * for printf and strtod alike, and only ever reaches
			 * the strtod path: sample it. */
			if (formats[f][2] == 'f' && fabs(x) >= 1e25 && i % 16)
				continue;
			snprintf(text, sizeof text, formats[f], x);
			check_like_strtod(text);
		}
		random_decimal_text(text);
		check_like_strtod(text);
		check_fast_path_tie();
		if (i % 256 == 0)
			check_midpoint(random_double());
	}

	static const struct { const char *text; double want; } cases[] = {
		{ "1e22", 1e22 }, { "1e23", 1e23 }, { "1e-22", 1e-22 }, { "1e-23", 1e-23 },
		{ "9007199254740993", 9007199254740992.0 },   /* tie, to even */
		{ "9007199254740995", 9007199254740996.0 },
		{ "9007199254740993.0000000000000001", 9007199254740994.0 },
		{ "900719925474099.3e1", 9007199254740992.0 },   /* 16 digits: tie, to even */
		{ "123456789012345", 123456789012345.0 },
		{ "1234567890123456", 1234567890123456.0 },
		{ "999999999999999e22", 999999999999999e22 },
		{ "999999999999999e-22", 999999999999999e-22 },
		{ "0.1", 0.1 }, { "0.3", 0.3 }, { "3.0e-1", 0.3 },
		{ "0.000123", 0.000123 }, { "00012", 12.0 }, { "0012.50", 12.5 },
		{ "-0", -0.0 }, { "+0", 0.0 }, { "0", 0.0 }, { "-0.0e5", -0.0 },
		{ "0e99999", 0.0 }, { "0.0000000000000000000000000000000000", 0.0 },
		{ "+5", 5.0 }, { "5.", 5.0 }, { ".5", 0.5 }, { "-.5", -0.5 }, { "5.e1", 50.0 },
		{ "1E5", 1e5 }, { "1e+05", 1e5 }, { "1e-0", 1.0 },
		{ "2.2250738585072014e-308", DBL_MIN },
		{ "2.2250738585072011e-308", 0x0.fffffffffffffp-1022 },
		{ "1.7976931348623157e308", DBL_MAX },
		{ "1.7976931348623158e308", DBL_MAX },
		{ "4.9406564584124654e-324", DBL_TRUE_MIN },
		{ "2.4703282292062328e-324", DBL_TRUE_MIN },   /* just over half: up */
		{ "2.4703282292062327e-324", 0.0 },            /* just under half: zero */
		{ "0.000000000000000000000000000000000000000000001e-280", 0.0 },
		{ "123456789012345678901234567890", 123456789012345678901234567890.0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double got = 12345.0;
		bool ok = num_parse(cases[i].text, strlen(cases[i].text), &got);
		CHECK(ok && same(got, cases[i].want), "\"%s\": got %d %a, want %a",
		      cases[i].text, ok, got, cases[i].want);
		check_like_strtod(cases[i].text);
	}
	/* Every exponent -25..25 on 15- and 16-digit mantissas. */
	for (int e = -25; e <= 25; e++)
		for (int r = 0; r < 200; r++) {
			snprintf(text, sizeof text, "%" PRIu64 "e%d",
			         UINT64_C(100000000000000) + below(UINT64_C(900000000000000)), e);
			check_like_strtod(text);
			snprintf(text, sizeof text, "%" PRIu64 "e%d",
			         UINT64_C(1000000000000000) + below(UINT64_C(9000000000000000)), e);
			check_like_strtod(text);
			snprintf(text, sizeof text, "0.%015" PRIu64 "e%d",
			         below(UINT64_C(1000000000000000)), e);
			check_like_strtod(text);
		}
	printf("decimal: %ld values\n", n);
}

/* --- shortest ---------------------------------------------------------- */

static bool round_trips(const char *text, double x)
{
	return same(strtod(text, NULL), x);
}

/* Significant digits of a rendering: leading and trailing zeros aside
 * ("2300000000" has 2, "0.000123" has 3). */
static int significant_digits(const char *text)
{
	int n = 0, last_nonzero = 0;
	for (const char *p = text; *p && *p != 'e'; p++) {
		if (*p < '0' || *p > '9' || (n == 0 && *p == '0'))
			continue;
		n++;
		if (*p != '0')
			last_nonzero = n;
	}
	return last_nonzero;
}

static void test_shortest(long n)
{
	char buf[NUM_TEXT_MAX], g[3][64], shorter[64];
	long used[3] = {0, 0, 0};

	for (long i = 0; i < n; i++) {
		double x = random_double(), y = 12345.0;

		memset(buf, 'z', sizeof buf);
		size_t len = num_format(buf, x);
		CHECK(len < NUM_TEXT_MAX && buf[len] == '\0' && strlen(buf) == len,
		      "%a: length %zu", x, len);
		CHECK(round_trips(buf, x), "%a: \"%s\" reads back as %a", x, buf, strtod(buf, NULL));
		CHECK(num_parse(buf, len, &y) && same(x, y), "%a: num_parse(\"%s\") gives %a", x, buf, y);

		int p = 0;
		for (; p < 3; p++) {
			snprintf(g[p], sizeof g[p], "%.*g", 15 + p, x);
			if (round_trips(g[p], x))
				break;
		}
		CHECK(p < 3, "%a: %%.17g does not round-trip", x);
		if (p < 3) {
			used[p]++;
			CHECK(strcmp(buf, g[p]) == 0, "%a: wrote \"%s\", shortest %%.%dg is \"%s\"",
			      x, buf, 15 + p, g[p]);
		}
		/* For normal doubles 15 digits identify any decimal of 15 or fewer
		 * (DBL_DIG), so with k <= 15 digits no k-1 digit rendering may
		 * round-trip. (Subnormals have fewer bits, and then do.) */
		int k = significant_digits(buf);
		if (isnormal(x) && k > 1 && k <= 15) {
			snprintf(shorter, sizeof shorter, "%.*g", k - 1, x);
			CHECK(!round_trips(shorter, x), "%a: \"%s\" but \"%s\" also reads back",
			      x, buf, shorter);
		}
	}

	static const struct { double x; const char *text; } cases[] = {
		{ 0.0, "0" }, { -0.0, "-0" }, { 1.0, "1" }, { 0.1, "0.1" }, { -2.5, "-2.5" },
		{ 100.0, "100" }, { 1e15, "1e+15" }, { 1e22, "1e+22" }, { 1e23, "1e+23" },
		{ 0.1 + 0.2, "0.30000000000000004" }, { 1.0 / 3, "0.3333333333333333" },
		{ DBL_MAX, "1.7976931348623157e+308" }, { DBL_MIN, "2.2250738585072014e-308" },
		{ 9007199254740993.0, "9007199254740992" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		num_format(buf, cases[i].x);
		CHECK(strcmp(buf, cases[i].text) == 0, "%a: wrote \"%s\", want \"%s\"",
		      cases[i].x, buf, cases[i].text);
	}
	printf("shortest: %ld values: %ld with 15 digits or fewer, %ld with 16, %ld with 17\n",
	       n, used[0], used[1], used[2]);
}

/* --- reject ------------------------------------------------------------ */

/* Every string of up to 5 characters over an alphabet of number bits and
 * junk: num_parse accepts exactly the ones the grammar below describes
 * (decimal with optional exponent, or hex with a mandatory binary exponent;
 * no spaces, no inf or nan), and reads them as strtod does. */
static void test_grammar(void)
{
	static const char alphabet[] = "019.eE+-xXpPaFn ";
	static const char grammar[] =
		"^[+-]?((([0-9]+[.]?[0-9]*)|([.][0-9]+))([eE][+-]?[0-9]+)?"
		"|0[xX](([0-9a-fA-F]+[.]?[0-9a-fA-F]*)|([.][0-9a-fA-F]+))[pP][+-]?[0-9]+)$";
	enum { K = sizeof alphabet - 1 };
	regex_t re;
	char text[8];
	long accepted = 0;

	if (regcomp(&re, grammar, REG_EXTENDED | REG_NOSUB) != 0)
		abort();
	for (int len = 1; len <= 5; len++) {
		long total = 1;
		for (int i = 0; i < len; i++)
			total *= K;
		for (long code = 0; code < total; code++) {
			long c = code;
			for (int i = 0; i < len; i++, c /= K)
				text[i] = alphabet[c % K];
			text[len] = '\0';
			double got = 12345.0;
			bool ok = num_parse(text, (size_t)len, &got);
			bool valid = regexec(&re, text, 0, NULL, 0) == 0;
			if (valid && isfinite(strtod(text, NULL))) {
				double want = strtod(text, NULL);
				CHECK(ok && same(got, want), "\"%s\": got %d %a, strtod %a",
				      text, ok, got, want);
				accepted++;
			} else {   /* junk, or overflow */
				CHECK(!ok, "accepted \"%s\" as %a", text, got);
			}
		}
	}
	regfree(&re);
	CHECK(accepted > 3000, "only %ld valid strings", accepted);
	printf("grammar: %ld of the strings up to 5 characters are numbers\n", accepted);
}

static void test_reject(void)
{
	static const char *const bad[] = {
		"", " 1", "1 ", "\t1", "1\n", "nan", "NaN", "-nan", "nan(123)", "inf", "-inf",
		"+inf", "INF", "infinity", "-Infinity", "1e999", "-1e999", "1e400",
		"1.8e308", "0x1p99999", "0x1p1024", "-0x1p1024", "0x2p1023",
		"0x1.fffffffffffff8p1023", "0x", "0x.", "0x.p1", "0xp1", "0x1", "0x1.8",
		"0x10000000000000000000", "0x1.000000000000000000000", "0x1.8p", "0x1p+",
		"0x1p-", "0x1pe", "0x1p1.5", "0x1p1 ", "0x1g", "0xx1p1", "x1p1", "1p1",
		"-0x", "--0x1p1", "0x-1p1", "0x1e3p", "1e", "1e+", "1e-", "1e5.5", "1e1e1",
		"1ee1", "e5", ".e5", ".", "-", "+", "-.", "--1", "+-1", "-+1", "1..2",
		"1.2.3", "1,5", "1_000", "1.5f", "1d", "abc", "1a", "0b101", "\xff", "١",
	};
	double got;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		got = 12345.0;
		CHECK(!num_parse(bad[i], strlen(bad[i]), &got), "accepted \"%s\" as %a", bad[i], got);
	}

	/* A 2000-digit string (its value would be finite), and at 1000 the limit. */
	char *digits = malloc(2001);
	if (!digits)
		abort();
	memset(digits, '1', 2000);
	digits[2000] = '\0';
	CHECK(!num_parse(digits, 2000, &got), "accepted 2000 digits");
	memset(digits, '0', 1000);
	digits[1] = '.';
	digits[999] = '5';
	digits[1000] = '\0';
	CHECK(num_parse(digits, 1000, &got) && same(got, strtod(digits, NULL)),
	      "1000 characters: got %a", got);
	free(digits);

	/* Embedded NUL within len (s[len] is NUL as the contract asks). */
	static const char nul1[] = "1\0" "2", nul2[] = "\0" "1", nul3[] = "0x1p\0" "1";
	CHECK(!num_parse(nul1, 3, &got), "accepted \"1\\0002\"");
	CHECK(!num_parse(nul2, 2, &got), "accepted \"\\0001\"");
	CHECK(!num_parse(nul3, 6, &got), "accepted \"0x1p\\0001\"");
	/* Only len counts: a prefix of a longer buffer whose s[len] is not NUL
	 * is outside the contract, so it is not tested. */

	static const struct { const char *text; double want; } good[] = {
		{ "1e-400", 0.0 }, { "-1e-400", -0.0 }, { "4.9e-324", DBL_TRUE_MIN },
		{ "5e-324", DBL_TRUE_MIN }, { "3e-324", DBL_TRUE_MIN }, { "2e-324", 0.0 },
		{ "0x1p-1074", DBL_TRUE_MIN }, { "0x1p-2000", 0.0 },
		{ "1e-99999", 0.0 }, { "1e-9999999999999999999999", 0.0 },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		got = 12345.0;
		bool ok = num_parse(good[i].text, strlen(good[i].text), &got);
		CHECK(ok && same(got, good[i].want), "\"%s\": got %d %a, want %a",
		      good[i].text, ok, got, good[i].want);
	}
	got = 12345.0;
	CHECK(!num_parse("1e9999999999999999999999", 24, &got), "accepted 1e9999999999999999999999");

	/* num_parse_u64 */
	static const struct { const char *text; bool ok; uint64_t want; } u64[] = {
		{ "0", true, 0 }, { "1", true, 1 }, { "007", true, 7 },
		{ "18446744073709551615", true, UINT64_MAX },
		{ "018446744073709551615", true, UINT64_MAX },
		{ "18446744073709551616", false, 0 },
		{ "18446744073709551620", false, 0 },
		{ "99999999999999999999", false, 0 },
		{ "184467440737095516150", false, 0 },
		{ "0x", false, 0 }, { "0X", false, 0 }, { "0x0", true, 0 }, { "0xA", true, 10 },
		{ "0xffffffffffffffff", true, UINT64_MAX },
		{ "0XFFFFFFFFFFFFFFFF", true, UINT64_MAX },
		{ "0x0ffffffffffffffff", true, UINT64_MAX },   /* leading zero, 17 digits */
		{ "0x00000000000000000001", true, 1 },
		{ "0x1ffffffffffffffff", false, 0 },
		{ "0x10000000000000000", false, 0 },
		{ "-1", false, 0 }, { "+1", false, 0 }, { "", false, 0 }, { " 1", false, 0 },
		{ "1 ", false, 0 }, { "1.0", false, 0 }, { "1e3", false, 0 }, { "0x1p3", false, 0 },
		{ "0xg", false, 0 }, { "0x-1", false, 0 }, { "x1", false, 0 }, { "abc", false, 0 },
	};
	for (size_t i = 0; i < sizeof u64 / sizeof u64[0]; i++) {
		uint64_t v = 12345;
		bool ok = num_parse_u64(u64[i].text, strlen(u64[i].text), &v);
		CHECK(ok == u64[i].ok && (!ok || v == u64[i].want),
		      "u64 \"%s\": got %d %" PRIu64, u64[i].text, ok, v);
	}
	uint64_t v;
	CHECK(!num_parse_u64(nul1, 3, &v), "u64 accepted \"1\\0002\"");

	/* u64 round trips, decimal and hex, from printf. */
	char ref[64];
	for (int i = 0; i < 200000; i++) {
		uint64_t x = next_u64() >> below(64);
		snprintf(ref, sizeof ref, "%" PRIu64, x);
		v = 12345;
		CHECK(num_parse_u64(ref, strlen(ref), &v) && v == x, "u64 \"%s\": read %" PRIu64, ref, v);
		/* num_format_u64 writes printf's text */
		char mine[NUM_TEXT_MAX];
		size_t len = num_format_u64(mine, i == 0 ? UINT64_MAX : i == 1 ? 0 : x);
		if (i < 2)
			snprintf(ref, sizeof ref, "%" PRIu64, i == 0 ? UINT64_MAX : 0);
		CHECK(strcmp(mine, ref) == 0 && len == strlen(ref), "num_format_u64: \"%s\" for \"%s\"", mine, ref);
		snprintf(ref, sizeof ref, "%#" PRIx64, x);
		if (x == 0)
			strcpy(ref, "0x0");
		v = 12345;
		CHECK(num_parse_u64(ref, strlen(ref), &v) && v == x, "u64 \"%s\": read %" PRIu64, ref, v);
	}
	test_grammar();
	printf("reject: done\n");
}

/* --- bench ------------------------------------------------------------- */

/* Process CPU time, not wall time: the numbers stay put on a busy machine. */
static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

enum { POOL = 1 << 16 };

/* CPU ns per value over n values cycling through a pool of 2^16: uniform
 * doubles in [0, 200), full 53-bit mantissas, the kind of numbers a
 * pricing pipeline writes. */
static void bench(long n)
{
	static double values[POOL];
	static char hex[POOL][NUM_TEXT_MAX], dec[POOL][NUM_TEXT_MAX];
	static size_t hex_len[POOL], dec_len[POOL];
	char buf[NUM_TEXT_MAX];
	volatile uint64_t sink = 0;
	uint64_t acc = 0;
	double t, y;

	for (int i = 0; i < POOL; i++) {
		values[i] = (double)(next_u64() >> 11) * 0x1p-53 * 200.0;
		hex_len[i] = num_format_hex(hex[i], values[i]);
		dec_len[i] = (size_t)snprintf(dec[i], NUM_TEXT_MAX, "%.17g", values[i]);
	}
	if (n <= 0)
		n = 1;

#define BENCH(label, body)                                                      \
	do {                                                                    \
		t = now();                                                      \
		for (long i = 0; i < n; i++) {                                  \
			long j = i & (POOL - 1);                                \
			body;                                                   \
		}                                                               \
		printf("%-28s %8.1f ns\n", label, (now() - t) * 1e9 / (double)n); \
		sink ^= acc;                                                    \
	} while (0)

	BENCH("num_format_hex", acc += num_format_hex(buf, values[j]) + (uint64_t)buf[4]);
	BENCH("num_parse (hex)", (num_parse(hex[j], hex_len[j], &y), acc += to_bits(y)));
	BENCH("snprintf %.17g", acc += (uint64_t)snprintf(buf, sizeof buf, "%.17g", values[j]) + (uint64_t)buf[3]);
	BENCH("strtod (%.17g)", acc += to_bits(strtod(dec[j], NULL)));
	BENCH("num_parse (decimal %.17g)", (num_parse(dec[j], dec_len[j], &y), acc += to_bits(y)));
	BENCH("num_format (shortest)", acc += num_format(buf, values[j]) + (uint64_t)buf[3]);
#undef BENCH
	(void)sink;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (strcmp(what, "hex") == 0) {
		long n = arg_count(argc, argv, 1000000);
		arg_seed(argc, argv);
		test_hex(n);
	} else if (strcmp(what, "decimal") == 0) {
		long n = arg_count(argc, argv, 1000000);
		arg_seed(argc, argv);
		test_decimal(n);
	} else if (strcmp(what, "shortest") == 0) {
		long n = arg_count(argc, argv, 1000000);
		arg_seed(argc, argv);
		test_shortest(n);
	} else if (strcmp(what, "reject") == 0) {
		test_reject();
	} else if (strcmp(what, "bench") == 0) {
		bench(arg_count(argc, argv, 10000000));
		return 0;
	} else {
		fprintf(stderr, "usage: test_numtext hex|decimal|shortest N [SEED] | reject | bench [N]\n");
		return 2;
	}
	if (failures) {
		fprintf(stderr, "test_numtext %s: %ld failures\n", what, failures);
		return 1;
	}
	return 0;
}
