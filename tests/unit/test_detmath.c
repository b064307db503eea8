/* test_detmath - checks tools/lib/detmath.h.
 *
 * usage: test_detmath exp|log|quantile|u01|determinism|kat|central|tail|normals|exp_lean|bench|all
 * (normals: tools/lib/normals.h, which draws its normals from these)
 * Exit 0 when every check of the chosen part holds; each failure is one line
 * on stderr and the exit status is 1. Measurements go to stdout.
 *
 * Reference values: x87 long double (64-bit significand) expl, logl and
 * erfcl, about 2^-11 ulp of a double away from the truth, so an error in ulps
 * against them is the true error to within ~0.001 ulp. glibc's double exp/log
 * are compared too (identical or within 1 ulp), as the brief asks.
 */
#define _POSIX_C_SOURCE 200809L
#include "detmath.h"
#include "normals.h"

/* The test's own arithmetic (the known-answer inputs) must not be fused
 * either; gcc obeys -std=c11, clang this pragma. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define UNIT_SEED 0x6d63706970650001u
#include "unit.h"

static double unif(double a, double b) { return a + (b - a) * uniform(); }


/* ulp of the double nearest ref (subnormal spacing below DBL_MIN) */
static long double ulp_of(long double ref)
{
	long double a = fabsl(ref);
	if (a < 0x1p-1022L)
	    return 0x1p-1074L;
	int e;
	frexpl(a, &e); /* a = m * 2^e, m in [0.5, 1) */
	return ldexpl(1.0L, e - 53);
}

/* |y - ref| in ulps of the result; y finite */
static double ulp_err(double y, long double ref)
{
	return (double)(fabsl((long double)y - ref) / ulp_of(ref));
}

/* distance in representable doubles; both finite and of one sign */
static uint64_t ulp_dist(double a, double b)
{
	uint64_t x = to_bits(a), y = to_bits(b);
	if (x == y)
	    return 0;
	if ((x >> 63) != (y >> 63))
	    return UINT64_MAX;
	return x > y ? x - y : y - x;
}

static int same(double a, double b) { return to_bits(a) == to_bits(b) || (a != a && b != b); }

/* ---------------------------------------------------------------- exp */

struct acc {
	double max_err;     /* ulps against long double */
	double worst_x;
	uint64_t max_dist;  /* ulps against glibc */
	long diff;          /* results not identical to glibc */
	long n;
};

/* A finite result y = name(x): its error against the long double ref and
 * its distance from glibc's g, into a; past 1 ulp of either is a failure. */
static void tally(struct acc *a, const char *name, const char *ref_name, double x, double y,
                  long double ref, double g)
{
	double e = ulp_err(y, ref);
	if (e > a->max_err) {
		a->max_err = e;
		a->worst_x = x;
	}
	uint64_t d = ulp_dist(y, g);
	if (d > a->max_dist)
	    a->max_dist = d;
	if (e >= 1.0 || d > 1)
	    FAIL("%s(%a) = %a: %.3f ulp from %s, %" PRIu64 " ulp from glibc %a",
	         name, x, y, e, ref_name, d, g);
}

static void exp_point(struct acc *a, double x)
{
	double y = det_exp(x), g = exp(x);
	long double ref = expl((long double)x);
	a->n++;
	if (!same(y, g))
	    a->diff++;
	if (ref > (long double)DBL_MAX) {
		if (!(isinf(y) && y > 0))
		    FAIL("exp(%a) = %a, want +inf", x, y);
		return;
	}
	if (!isfinite(y)) {
		FAIL("exp(%a) = %a, want about %La", x, y, ref);
		return;
	}
	tally(a, "exp", "expl", x, y, ref, g);
}

static void test_exp(void)
{
	struct acc all = {0}, normal = {0}, small = {0};
	const long N = 10000000;
	for (long i = 0; i < N; i++) {
		double x = unif(-745.0, 709.7);
		exp_point(&all, x);
		if (fabs(x) <= 708.0)
		    exp_point(&normal, x);
	}
	for (long i = 0; i < 1000000; i++) { /* |x| log-uniform in [2^-60, 1] */
		double x = ldexp(1.0 + uniform(), -(int)(next_u64() % 61) - 1);
		exp_point(&small, (i & 1) ? -x : x);
	}
	for (long i = 0; i < 1000000; i++) { /* x near (k+1/2) ln 2: |r| largest */
		long k = (long)(next_u64() % 2100) - 1076;
		double x = ((double)k + 0.5) * 0.69314718055994530942;
		x = from_bits(to_bits(x) + (next_u64() % 33) - 16);
		if (x > -745.0 && x < 709.78)
		    exp_point(&small, x);
	}
	static const double edge[] = {
		0.0, -0.0, 0x1p-1074, -0x1p-1074, 0x1p-1022, -0x1p-1022, 1e-300,
		0x1p-53, -0x1p-53, 0x1p-54, -0x1p-54, 1.0, -1.0, 0.5, -0.5,
		0.34657359027997264, -0.34657359027997264, 0.3465735902799727,
		-0.3465735902799727, 0.6931471805599453, -0.6931471805599453,
		708.0, -708.0, 708.3964185322641, -708.3964185322641,
		-708.3964185322642, -708.39641853226408, -708.4, -709.0, -720.0,
		-740.0, -744.44007192138126, -745.0, -745.13321910194110,
		709.0, 709.4, 709.43613930310391, 709.7, 709.78, 709.782712893383973,
	};
	for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
	    exp_point(&small, edge[i]);

	/* exact values and the ends of the range */
	if (!same(det_exp(0.0), 1.0) || !same(det_exp(-0.0), 1.0))
	    FAIL("exp(0) = %a, want 1 exactly", det_exp(0.0));
	if (!same(det_exp(1.0), 0x1.5bf0a8b145769p+1))
	    FAIL("exp(1) = %a, want e = 0x1.5bf0a8b145769p+1", det_exp(1.0));
	if (!same(det_exp(-745.2), 0.0) || !same(det_exp(-746.0), 0.0)
	    || !same(det_exp(-1000.0), 0.0) || !same(det_exp(-DBL_MAX), 0.0)
	    || !same(det_exp(-INFINITY), 0.0))
	    FAIL("exp(very negative) is not +0");
	if (!same(det_exp(-745.1332191019411), 0x1p-1074))
	    FAIL("exp(-745.1332191019411) = %a, want 0x1p-1074",
	         det_exp(-745.1332191019411));
	double top = 709.782712893383973; /* largest x with finite e^x */
	if (!isfinite(det_exp(top)) || det_exp(top) < 0x1.fffffffffff00p+1023)
	    FAIL("exp(%a) = %a, want finite near DBL_MAX", top, det_exp(top));
	if (!same(det_exp(nextafter(top, 1e3)), INFINITY) || !same(det_exp(710.0), INFINITY)
	    || !same(det_exp(1e308), INFINITY) || !same(det_exp(INFINITY), INFINITY))
	    FAIL("exp(overflow) is not +inf");
	if (!isnan(det_exp(NAN)))
	    FAIL("exp(NaN) is not NaN");

	printf("exp: %ld points in [-745, 709.7]: max error %.4f ulp (at x = %.17g), "
	       "%ld differ from glibc, max %" PRIu64 " ulp\n",
	       all.n, all.max_err, all.worst_x, all.diff, all.max_dist);
	printf("exp: %ld of them with |x| <= 708: max error %.4f ulp (at x = %.17g)\n",
	       normal.n, normal.max_err, normal.worst_x);
	printf("exp: %ld small |x|, range-reduction boundaries, edge points: "
	       "max error %.4f ulp (at x = %.17g), %ld differ from glibc, max %" PRIu64 " ulp\n",
	       small.n, small.max_err, small.worst_x, small.diff, small.max_dist);
}

/* ---------------------------------------------------------- exp_lean */

__attribute__((noinline)) static double s_exp_lean(double x) { return det_exp_lean(x); }
static double (*volatile scalar_exp_lean)(double) = s_exp_lean;
__attribute__((noinline)) static void v_exp_lean(const double *restrict in, double *restrict out,
                                                 long n)
{
	for (long i = 0; i < n; i++)
	    out[i] = det_exp_lean(in[i]);
}

/* Within 1 ulp of expl on [-708, 709] (10^7 points, the range
 * reduction's boundaries, small |x|), the same bits in a vectorisable loop
 * as in an opaque call at every offset, exact at 0, 0 below -708. */
static void test_exp_lean(void)
{
	double max_err = 0, worst = 0;
	long n = 0;
	enum { M = 1 << 16 };
	static double in[M + 8], out[M + 8];
	for (long i = 0; i < 10000000 + 2000000; i++) {
		double x;
		if (i < 10000000) {
			x = unif(-708.0, 709.0);
		} else if (i < 11000000) {   /* |x| log-uniform in [2^-60, 1] */
			x = ldexp(1.0 + uniform(), -(int)(next_u64() % 61) - 1);
			x = (i & 1) ? -x : x;
		} else {                     /* near (k+1/2) ln 2: |r| largest */
			long k = (long)(next_u64() % 2040) - 1020;
			x = ((double)k + 0.5) * 0.69314718055994530942;
			x = from_bits(to_bits(x) + (next_u64() % 33) - 16);
			if (!(x >= -708.0 && x <= 709.0))
			    continue;
		}
		double e = ulp_err(det_exp_lean(x), expl((long double)x));
		n++;
		if (e > max_err) {
			max_err = e;
			worst = x;
		}
	}
	if (max_err >= 1.0)
	    FAIL("exp_lean: %.3f ulp from expl at x = %a", max_err, worst);
	for (long i = 0; i < M + 8; i++)
	    in[i] = unif(-720.0, 709.0);
	for (int off = 0; off < 8; off++) {
		v_exp_lean(in + off, out + off, M);
		for (long i = 0; i < M; i++)
		    if (!same(out[off + i], scalar_exp_lean(in[off + i])))
			    FAIL("exp_lean(%a): loop %a, call %a (offset %d)", in[off + i], out[off + i],
			         scalar_exp_lean(in[off + i]), off);
	}
	if (!same(det_exp_lean(0.0), 1.0) || !same(det_exp_lean(-0.0), 1.0))
	    FAIL("exp_lean(0) = %a, want 1 exactly", det_exp_lean(0.0));
	if (!same(det_exp_lean(-708.5), 0.0) || !same(det_exp_lean(-1e300), 0.0)
	    || !same(det_exp_lean(-INFINITY), 0.0))
	    FAIL("exp_lean(below -708) is not +0");
	if (!isnan(det_exp_lean(NAN)))
	    FAIL("exp_lean(NaN) is not NaN");
	printf("exp_lean: %ld points in [-708, 709]: max error %.4f ulp (at x = %.17g)\n", n, max_err,
	       worst);
}

/* ---------------------------------------------------------------- log */

static void log_point(struct acc *a, double x)
{
	double y = det_log(x), g = log(x);
	long double ref = logl((long double)x);
	a->n++;
	if (!same(y, g))
	    a->diff++;
	if (!isfinite(y)) {
		FAIL("log(%a) = %a, want about %La", x, y, ref);
		return;
	}
	tally(a, "log", "logl", x, y, ref, g);
}

static void test_log(void)
{
	struct acc all = {0}, sub = {0}, near1 = {0};
	const long N = 10000000;
	for (long i = 0; i < N; i++) { /* every positive finite double equally likely by bits */
		uint64_t b = next_u64() >> 1;
		if (b == 0 || b >= 0x7ff0000000000000u)
		    continue;
		log_point(&all, from_bits(b));
	}
	for (long i = 0; i < 1000000; i++) { /* subnormals */
		uint64_t b = next_u64() >> (12 + next_u64() % 52);
		if (b)
		    log_point(&sub, from_bits(b));
	}
	for (long i = 0; i < 2000000; i++) { /* 1 + d, |d| log-uniform in [2^-53, 1/2] */
		double d = ldexp(1.0 + uniform(), -(int)(next_u64() % 53) - 2);
		log_point(&near1, (i & 1) ? 1.0 - d : 1.0 + d);
	}
	for (long i = 0; i < 1000000; i++) /* [1/2, 2], where log f is all there is */
	    log_point(&near1, unif(0.5, 2.0));
	static const double edge[] = {
		0x1p-1074, 0x1p-1073, 0x1.8p-1074, 0x0.fffffffffffffp-1022, 0x1p-1022,
		0x1.0000000000001p-1022, 1e-300, 1e-10, 0.5, 0x1.fffffffffffffp-1,
		0x1.0000000000001p0, 2.0, 0x1.6a09e667f3bccp-1, 0x1.6a09e667f3bcdp-1,
		0x1.6a09e667f3bcep-1, 0x1.6a09e667f3bccp0, 0x1.6a09e667f3bcdp0,
		0x1.6a09e667f3bcep0, 2.718281828459045, 10.0, 1e300, DBL_MAX,
	};
	for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
	    log_point(&near1, edge[i]);

	if (!same(det_log(1.0), 0.0))
	    FAIL("log(1) = %a, want +0 exactly", det_log(1.0));
	if (!same(det_log(2.0), 0x1.62e42fefa39efp-1))
	    FAIL("log(2) = %a, want 0x1.62e42fefa39efp-1", det_log(2.0));
	if (!same(det_log(0.0), -INFINITY) || !same(det_log(-0.0), -INFINITY))
	    FAIL("log(0) = %a, want -inf", det_log(0.0));
	if (!same(det_log(INFINITY), INFINITY))
	    FAIL("log(inf) = %a, want +inf", det_log(INFINITY));
	if (!isnan(det_log(-1.0)) || !isnan(det_log(-0x1p-1074)) || !isnan(det_log(NAN))
	    || !isnan(det_log(-INFINITY)))
	    FAIL("log(negative or NaN) is not NaN");

	printf("log: %ld positive finite doubles (uniform bits): max error %.4f ulp "
	       "(at x = %.17g), %ld differ from glibc, max %" PRIu64 " ulp\n",
	       all.n, all.max_err, all.worst_x, all.diff, all.max_dist);
	printf("log: %ld subnormals: max error %.4f ulp (at x = %.17g), "
	       "%ld differ from glibc, max %" PRIu64 " ulp\n",
	       sub.n, sub.max_err, sub.worst_x, sub.diff, sub.max_dist);
	printf("log: %ld near 1, in [1/2, 2] and edge points: max error %.4f ulp "
	       "(at x = %.17g), %ld differ from glibc, max %" PRIu64 " ulp\n",
	       near1.n, near1.max_err, near1.worst_x, near1.diff, near1.max_dist);
}

/* ----------------------------------------------------------- quantile */

struct qacc {
	double lower_rel;  /* max |Phi(z) - u| / u for u <= 1/2 (double erfc) */
	double upper_rel;  /* max |Phi(-z) - (1-u)| / (1-u) for u > 1/2 */
	double abs_mid;    /* max |Phi(z) - u| for 0.075 <= u <= 0.925 */
	double zrel;       /* max backward error in z, relative (long double) */
	double zrel_u;
	long n;
};

/* Check z = Phi^-1(u). Phi by glibc's erfc as the brief asks; the backward
 * error in z (|Phi(z) - u| / (phi(z) |z|)) with long double erfcl, which is
 * what the approximation controls whatever the conditioning. */
static void quantile_point(struct qacc *a, double u, double rel_tol)
{
	double z = det_normal_quantile(u);
	a->n++;
	if (!isfinite(z)) {
		FAIL("quantile(%a) = %a", u, z);
		return;
	}
	double c = 1.0 - u; /* exact for u in [1/2, 1) */
	if (u <= 0.5) {
		double rel = fabs(0.5 * erfc(-z / sqrt(2.0)) - u) / u;
		if (rel > a->lower_rel)
		    a->lower_rel = rel;
		if (rel > rel_tol)
		    FAIL("quantile(%.17g) = %.17g: Phi(z) off by %.3g relative", u, z, rel);
	} else {
		double rel = fabs(0.5 * erfc(z / sqrt(2.0)) - c) / c;
		if (rel > a->upper_rel)
		    a->upper_rel = rel;
		if (rel > rel_tol)
		    FAIL("quantile(%.17g) = %.17g: 1-Phi(z) off by %.3g relative", u, z, rel);
	}
	if (u >= 0.075 && u <= 0.925) {
		double ab = fabs(0.5 * erfc(-z / sqrt(2.0)) - u);
		if (ab > a->abs_mid)
		    a->abs_mid = ab;
		if (ab > 1e-15)
		    FAIL("quantile(%.17g) = %.17g: Phi(z) off by %.3g", u, z, ab);
	}
	if (z != 0.0) {
		long double zl = z, tail = u <= 0.5 ? u : (long double)c;
		long double phi = expl(-0.5L * zl * zl) / sqrtl(2.0L * 3.14159265358979323846264L);
		long double ph = 0.5L * erfcl(fabsl(zl) / sqrtl(2.0L));
		double zr = (double)(fabsl(ph - tail) / (phi * fabsl(zl)));
		if (zr > a->zrel) {
			a->zrel = zr;
			a->zrel_u = u;
		}
		if (zr > 1e-15)
		    FAIL("quantile(%.17g) = %.17g: backward error %.3g relative in z", u, z, zr);
	}
}

static void test_quantile(void)
{
	struct qacc grid = {0}, rnd = {0}, tail = {0}, far = {0};
	const long N = 1000000;
	for (long i = 0; i < N; i++) /* fine grid */
	    quantile_point(&grid, ((double)i + 0.5) / (double)N, 1e-13);
	for (long i = 0; i < N; i++) /* random, as the simulation draws them */
	    quantile_point(&rnd, det_u01(next_u64()), 1e-13);
	for (long i = 0; i < N; i++) { /* tails: u log-uniform in [2^-54, 1/2] and mirrored */
		double u = ldexp(1.0 + uniform(), -(int)(next_u64() % 54) - 2);
		if (u < 0x1p-54)
		    u = 0x1p-54;
		quantile_point(&tail, u, 1e-13);
		if (u >= 0x1p-53)
		    quantile_point(&tail, 1.0 - u, 1e-13);
	}
	quantile_point(&tail, 0x1p-54, 1e-13);
	quantile_point(&tail, 0x1p-53, 1e-13);
	quantile_point(&tail, 1.0 - 0x1p-53, 1e-13);
	/* Far beyond det_u01. Phi's relative condition number is about z^2: a z
	 * correct to 1/2 ulp already moves Phi(z) by z^2 * 1.1e-16 relative
	 * (1.5e-13 at u = 1e-300), and erfc(-z/sqrt(2)) adds two more roundings
	 * of its argument. So here the backward error in z is held to 1e-15, and
	 * Phi's relative error only to z^2 * 1.5e-15. */
	static const double farpts[] = {0x1p-60, 1e-20, 1e-30, 1.388e-11, 1e-50, 1e-100,
		                            1e-200, 1e-250, 1e-300, 1e-307};
	for (size_t i = 0; i < sizeof farpts / sizeof farpts[0]; i++) {
		double z = det_normal_quantile(farpts[i]);
		quantile_point(&far, farpts[i], fmax(1e-13, z * z * 1.5e-15));
	}
	for (int i = 0; i < 100000; i++) { /* u log-uniform in [1e-300, 2^-54] */
		double u = pow(10.0, unif(-300.0, -16.3));
		double z = det_normal_quantile(u);
		quantile_point(&far, u, fmax(1e-13, z * z * 1.5e-15));
	}

	/* known values */
	double z975 = det_normal_quantile(0.975), z10 = det_normal_quantile(1e-10);
	if (fabs(z975 - 1.959963984540054) > 4e-16 * 1.96)
	    FAIL("quantile(0.975) = %.17g, want 1.959963984540054", z975);
	if (fabs(z10 + 6.361340902404056) > 4e-16 * 6.4)
	    FAIL("quantile(1e-10) = %.17g, want -6.361340902404056", z10);
	if (!same(det_normal_quantile(0.5), 0.0))
	    FAIL("quantile(0.5) = %a, want +0 exactly", det_normal_quantile(0.5));
	if (!isnan(det_normal_quantile(0.0)) || !isnan(det_normal_quantile(1.0))
	    || !isnan(det_normal_quantile(-0.5)) || !isnan(det_normal_quantile(NAN)))
	    FAIL("quantile outside (0,1) is not NaN");
	if (!same(det_normal_quantile(1.0 - 0.975), -z975))
	    FAIL("quantile(1 - 0.975) = %.17g, want -quantile(0.975)",
	         det_normal_quantile(1.0 - 0.975));

	/* exact antisymmetry on det_u01 pairs, including deep tails */
	long asym = 0;
	for (long i = 0; i < 2 * N; i++) {
		uint64_t b = next_u64();
		if (i >= N) /* second half: many leading zeros, so u spans 2^-53 .. 1/2 */
		    b >>= (next_u64() % 53);
		double u = det_u01(b), v = det_u01(~b);
		if (!same(det_normal_quantile(v), -det_normal_quantile(u))) {
			if (asym++ < 10)
			    FAIL("quantile(%a) = %a but quantile(1-u = %a) = %a", u,
			         det_normal_quantile(u), v, det_normal_quantile(v));
		}
	}

	/* Monotone on grids whose step moves z by more than its rounding noise:
	 * at single-ulp steps of u no approximation short of a correctly rounded
	 * one is monotone (in the tail z depends on u only through
	 * t = sqrt(-log p), and consecutive u share a t), so there the largest
	 * backward step is measured and bounded instead. */
	long nonmono = 0;
	double prev = det_normal_quantile(0x1p-53);
	for (long i = 1; i < (1L << 24); i++) { /* u = i * 2^-24 */
		double z = det_normal_quantile((double)i * 0x1p-24);
		if (!(z > prev) && nonmono++ < 10)
		    FAIL("quantile not increasing at u = %.17g", (double)i * 0x1p-24);
		prev = z;
	}
	prev = -INFINITY;
	for (int i = 0; i <= 1000000; i++) { /* logarithmic grid, 1e-300 .. 0.5 */
		double u = pow(10.0, -300.0 + 299.69897 * i / 1000000.0);
		double z = det_normal_quantile(u);
		if (!(z > prev) && nonmono++ < 10)
		    FAIL("quantile not increasing at u = %.17g", u);
		prev = z;
	}
	/* the region switches (|u - 1/2| = 0.425, t = 5) and 1/2 */
	static const double sw[] = {0.075, 0.925, 1.3887943864964021e-11,
		                        1.0 - 1.3887943864964021e-11, 0.5, 1e-5, 0.3};
	double maxdrop = 0.0, dropu = 0.0;
	for (size_t k = 0; k < sizeof sw / sizeof sw[0]; k++) {
		double u = sw[k];
		for (int j = 0; j < (1 << 20); j++)
		    u = nextafter(u, 0.0);
		prev = det_normal_quantile(u);
		for (int j = 0; j < (1 << 11); j++) { /* steps of 2^10 ulps */
			for (int i = 0; i < 1024; i++)
			    u = nextafter(u, 1.0);
			if (u >= 1.0)
			    break;
			double z = det_normal_quantile(u);
			if (!(z > prev) && nonmono++ < 10)
			    FAIL("quantile not increasing at u = %a (near %.17g)", u, sw[k]);
			prev = z;
		}
		u = sw[k];
		for (int j = 0; j < 100000; j++)
		    u = nextafter(u, 0.0);
		prev = det_normal_quantile(u);
		for (int j = 0; j < 200000; j++) { /* single ulps */
			u = nextafter(u, 1.0);
			if (u >= 1.0)
			    break;
			double z = det_normal_quantile(u);
			double drop = (prev - z) / (nextafter(fabs(z), INFINITY) - fabs(z));
			if (drop > maxdrop) {
				maxdrop = drop;
				dropu = u;
			}
			prev = z;
		}
	}
	if (maxdrop > 8.0)
	    FAIL("quantile drops by %.1f ulp between neighbours at u = %a", maxdrop, dropu);

	printf("quantile: grid %ld: Phi rel err (u<=1/2) %.3g, (u>1/2) %.3g, abs err centre %.3g, "
	       "z backward err %.3g\n",
	       grid.n, grid.lower_rel, grid.upper_rel, grid.abs_mid, grid.zrel);
	printf("quantile: random det_u01 %ld: Phi rel err %.3g / %.3g, abs err centre %.3g, "
	       "z backward err %.3g\n",
	       rnd.n, rnd.lower_rel, rnd.upper_rel, rnd.abs_mid, rnd.zrel);
	printf("quantile: tails u in [2^-54, 1-2^-53] %ld: Phi rel err %.3g / %.3g, "
	       "z backward err %.3g (at u = %.17g)\n",
	       tail.n, tail.lower_rel, tail.upper_rel, tail.zrel, tail.zrel_u);
	printf("quantile: far tail u in [1e-307, 2^-54] %ld: Phi rel err %.3g, "
	       "z backward err %.3g (at u = %.17g)\n",
	       far.n, far.lower_rel, far.zrel, far.zrel_u);
	printf("quantile: quantile(0.975) = %.17g, quantile(1e-10) = %.17g, "
	       "quantile(2^-53) = %.17g, quantile(1e-300) = %.17g\n",
	       z975, z10, det_normal_quantile(0x1p-53), det_normal_quantile(1e-300));
	printf("quantile: %ld antisymmetry failures in %ld det_u01 pairs, %ld monotonicity "
	       "failures; largest drop between neighbouring u %.0f ulp (at u = %.17g)\n",
	       asym, 2 * N, nonmono, maxdrop, dropu);
}

/* ---------------------------------------------------------------- u01 */

static void u01_point(uint64_t b)
{
	double u = det_u01(b), v = det_u01(~b);
	double want = ((double)(b >> 12) + 0.5) * 0x1p-52;
	if (!(u > 0.0 && u < 1.0))
	    FAIL("u01(%#" PRIx64 ") = %a, not in (0,1)", b, u);
	if (!same(u, want))
	    FAIL("u01(%#" PRIx64 ") = %a, want %a", b, u, want);
	if (!same(v, 1.0 - u) || !same(u, 1.0 - v))
	    FAIL("u01(~%#" PRIx64 ") = %a, want 1 - %a", b, v, u);
}

static void test_u01(void)
{
	static const uint64_t edge[] = {0, 1, 0xfff, 0x1000, UINT64_MAX, UINT64_MAX - 0xfff,
		                            0x8000000000000000u, 0x7fffffffffffffffu,
		                            0x7ffffffffffff000u, 0x8000000000000fffu};
	for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
	    u01_point(edge[i]);
	for (long i = 0; i < 1000000; i++)
	    u01_point(next_u64() >> (next_u64() % 64));
	if (!same(det_u01(0), 0x1p-53) || !same(det_u01(UINT64_MAX), 1.0 - 0x1p-53))
	    FAIL("u01 range is not [2^-53, 1 - 2^-53]");
	printf("u01: range [%a, %a], det_u01(~b) == 1 - det_u01(b) on 10^6 draws\n",
	       det_u01(0), det_u01(UINT64_MAX));
}

/* -------------------------------------------------------- determinism */

/* Scalar reference: opaque calls the compiler cannot vectorise. */
typedef double (*fn)(double);
__attribute__((noinline)) static double s_exp(double x) { return det_exp(x); }
__attribute__((noinline)) static double s_log(double x) { return det_log(x); }
__attribute__((noinline)) static double s_quant(double x) { return det_normal_quantile(x); }
__attribute__((noinline)) static double s_u01q(uint64_t b)
{
	return det_normal_quantile(det_u01(b));
}
static fn volatile scalar_fn[3] = {s_exp, s_log, s_quant};
static double (*volatile scalar_u01q)(uint64_t) = s_u01q;

/* Plain loops the compiler may vectorise (and at -O3 does). */
__attribute__((noinline)) static void v_exp(const double *restrict in, double *restrict out, long n)
{
	for (long i = 0; i < n; i++)
	    out[i] = det_exp(in[i]);
}
__attribute__((noinline)) static void v_log(const double *restrict in, double *restrict out, long n)
{
	for (long i = 0; i < n; i++)
	    out[i] = det_log(in[i]);
}
__attribute__((noinline)) static void v_quant(const double *restrict in, double *restrict out,
                                              long n)
{
	for (long i = 0; i < n; i++)
	    out[i] = det_normal_quantile(in[i]);
}
__attribute__((noinline)) static void v_u01q(const uint64_t *restrict in, double *restrict out,
                                             long n)
{
	for (long i = 0; i < n; i++)
	    out[i] = det_normal_quantile(det_u01(in[i]));
}
typedef void (*vfn)(const double *restrict, double *restrict, long);

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		perror("test_detmath: malloc");
		exit(1);
	}
	return p;
}

static void fill_inputs(double *ex, double *lg, double *qu, uint64_t *bt, long n)
{
	for (long i = 0; i < n; i++) {
		ex[i] = (i % 7 == 0) ? unif(-746.0, 710.0) : unif(-20.0, 20.0);
		uint64_t b = next_u64() >> 1;
		lg[i] = (i % 3 == 0 && b && b < 0x7ff0000000000000u) ? from_bits(b) : unif(1e-3, 1e3);
		bt[i] = next_u64() >> ((i % 5 == 0) ? next_u64() % 53 : 0);
		qu[i] = det_u01(bt[i]);
	}
}

static void test_determinism(void)
{
	const long n = 1000000;
	double *in[3], *out = xmalloc(n * sizeof *out), *ref = xmalloc(n * sizeof *ref);
	uint64_t *bt = xmalloc(n * sizeof *bt);
	for (int f = 0; f < 3; f++)
	    in[f] = xmalloc(n * sizeof *in[f]);
	fill_inputs(in[0], in[1], in[2], bt, n);
	static const char *name[] = {"det_exp", "det_log", "det_normal_quantile"};
	static const vfn loop[] = {v_exp, v_log, v_quant};
	long bad = 0;
	for (int f = 0; f < 3; f++) {
		for (long i = 0; i < n; i++)
		    ref[i] = scalar_fn[f](in[f][i]);
		/* every start offset modulo the widest vector, so each input meets
		 * each lane and the scalar prologue/epilogue */
		for (long off = 0; off < 16; off++) {
			memset(out, 0, n * sizeof *out);
			loop[f](in[f] + off, out + off, n - off);
			for (long i = off; i < n; i++)
			    if (!same(out[i], ref[i]) && bad++ < 10)
			        FAIL("%s(%a): loop gives %a, scalar call %a (offset %ld)", name[f],
			             in[f][i], out[i], ref[i], off);
		}
	}
	for (long i = 0; i < n; i++)
	    ref[i] = scalar_u01q(bt[i]);
	for (long off = 0; off < 16; off++) {
		v_u01q(bt + off, out + off, n - off);
		for (long i = off; i < n; i++)
		    if (!same(out[i], ref[i]) && bad++ < 10)
		        FAIL("quantile(u01(%#" PRIx64 ")): loop gives %a, scalar call %a", bt[i],
		             out[i], ref[i]);
	}
	printf("determinism: %ld inputs x 16 offsets x 4 loops: %ld differences between "
	       "loop and scalar call\n", n, bad);
	for (int f = 0; f < 3; f++)
	    free(in[f]);
	free(out);
	free(ref);
	free(bt);
}

/* -------------------------------------------------------- known answers */

/* FNV-1a over the result bits of a fixed input set. The expected values
 * were recorded from this code; they are the same on every IEEE-754
 * machine, compiler and flag set that obeys detmath.h's build rules, so a
 * change means the arithmetic changed (a contraction into FMA, say). */
static uint64_t fnv(uint64_t h, double x)
{
	uint64_t b = to_bits(x);
	for (int i = 0; i < 8; i++) {
		h ^= (b >> (8 * i)) & 0xff;
		h *= 0x100000001b3u;
	}
	return h;
}

static void test_kat(void)
{
	/* recorded with gcc 12 -O2 on x86-64; confirmed equal with gcc -O3
	 * -march=native (AVX-512), clang 14 and the sanitizer builds */
	const uint64_t want[4] = {0x5c2569b6092bbb9eu, 0xe6170793772d7787u, 0x530b41d683cb1ae4u,
		                      0xb917341082eb8b93u};
	uint64_t h[4] = {0xcbf29ce484222325u, 0xcbf29ce484222325u, 0xcbf29ce484222325u,
		             0xcbf29ce484222325u};
	unit_rng = 0x6b61740000000001u;
	for (long i = 0; i < 1000000; i++) {
		uint64_t b = next_u64();
		double u = det_u01(b >> (i % 53));
		h[0] = fnv(h[0], det_exp(-746.0 + 1456.0 * det_u01(b)));
		h[0] = fnv(h[0], det_exp((u - 0.5) * 0x1p-20));
		h[1] = fnv(h[1], det_log(from_bits((b >> 1) % 0x7ff0000000000000u)));
		h[1] = fnv(h[1], det_log(0.5 + u));
		h[2] = fnv(h[2], det_normal_quantile(u));
		h[3] = fnv(h[3], u);
	}
	static const char *name[4] = {"det_exp", "det_log", "det_normal_quantile", "det_u01"};
	for (int f = 0; f < 4; f++) {
		printf("kat: %-20s %016" PRIx64 "\n", name[f], h[f]);
		if (h[f] != want[f])
		    FAIL("%s: known-answer hash %016" PRIx64 ", want %016" PRIx64, name[f], h[f],
		         want[f]);
	}
}

/* ---------------------------------------------------------------- bench */

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

__attribute__((noinline)) static void g_exp(const double *restrict in, double *restrict out, long n)
{
	for (long i = 0; i < n; i++)
	    out[i] = exp(in[i]);
}
__attribute__((noinline)) static void g_log(const double *restrict in, double *restrict out, long n)
{
	for (long i = 0; i < n; i++)
	    out[i] = log(in[i]);
}

static void bench(void)
{
	const long n = 10000000;
	double *ex = xmalloc(n * sizeof *ex), *lg = xmalloc(n * sizeof *lg);
	double *qu = xmalloc(n * sizeof *qu), *out = xmalloc(n * sizeof *out);
	uint64_t *bt = xmalloc(n * sizeof *bt);
	fill_inputs(ex, lg, qu, bt, n);
	struct {
		const char *name;
		vfn f;
		const double *in;
	} b[] = {{"det_exp", v_exp, ex}, {"det_log", v_log, lg},
		     {"det_normal_quantile", v_quant, qu}, {"glibc exp", g_exp, ex},
		     {"glibc log", g_log, lg}};
	for (size_t k = 0; k < sizeof b / sizeof b[0]; k++) {
		double best = 1e9;
		for (int rep = 0; rep < 3; rep++) {
			double t0 = now();
			b[k].f(b[k].in, out, n);
			double t = now() - t0;
			best = t < best ? t : best;
		}
		printf("bench: %-32s %6.2f ns/call\n", b[k].name, best / (double)n * 1e9);
	}
	double best = 1e9;
	for (int rep = 0; rep < 3; rep++) {
		double t0 = now();
		v_u01q(bt, out, n);
		double t = now() - t0;
		best = t < best ? t : best;
	}
	printf("bench: %-32s %6.2f ns/call\n", "det_normal_quantile(det_u01(b))",
	       best / (double)n * 1e9);
	free(ex);
	free(lg);
	free(qu);
	free(out);
	free(bt);
}

/* det_normal_quantile_central equals det_normal_quantile bit for bit on
 * the central region: on 10^7 det_u01 draws, and on the values right at
 * the region's edges |u - 1/2| = 0.425. simpaths relies on it. */
static void test_central(void)
{
	unsigned long checked = 0, mismatches = 0;
	for (long i = 0; i < 10000000; i++) {
		double u, distance;
		if (i < 200000) {   /* next to the edges 0.075 and 0.925, ulp by ulp */
			double edge = i % 2 ? 0.925 : 0.075;
			u = nextafter(edge, (i / 2) % 2 ? 1.0 : 0.0);
			for (long k = 0; k < (i / 4) % 500; k++)
				u = nextafter(u, (i / 2) % 2 ? 1.0 : 0.0);
		} else {
			u = det_u01(next_u64());
		}
		double central = det_normal_quantile_central(u, &distance);
		if (!(distance <= 0.425))
			continue;
		checked++;
		if (det__bits(central) != det__bits(det_normal_quantile(u)) && mismatches++ < 5)
			FAIL("central: u = %a: %a, det_normal_quantile %a", u, central,
			     det_normal_quantile(u));
	}
	printf("central: %lu values in the central region, %lu mismatches\n", checked, mismatches);
}

/* A word whose u = det_u01(word) is far out in a tail: its top bits all 0
 * or all 1 (u below about 2^-(shift)), the rest random. */
static uint64_t tail_word(void)
{
	int shift = 1 + (int)below(52);
	uint64_t w = next_u64() >> shift;
	return next_u64() & 1 ? ~w : w;
}

/* det_normal_quantile_tail equals det_normal_quantile bit for bit outside
 * the central region: on 10^7 draws, from det_u01 of plain words, of words
 * deep in the tails (u down to 2^-53) and ulp by ulp next to the region's
 * edges and next to the switch of polynomials at t = 5 (p = e^-25).
 * normals.h relies on it. */
static void test_tail(void)
{
	unsigned long checked = 0, mismatches = 0;
	const double switch_p = exp(-25.0);   /* about 1.39e-11 */
	for (long i = 0; i < 10000000; i++) {
		double u, distance;
		if (i < 400000) {   /* next to 0.075, 0.925 and the t = 5 switch */
			double edge = (double[]){ 0.075, 0.925, switch_p, 1 - switch_p }[i % 4];
			int up = (i / 4) % 2;
			u = nextafter(edge, up ? 1.0 : 0.0);
			for (long k = 0; k < (i / 8) % 500; k++)
				u = nextafter(u, up ? 1.0 : 0.0);
		} else {
			u = det_u01(i % 2 ? tail_word() : next_u64());
		}
		det_normal_quantile_central(u, &distance);
		if (distance <= 0.425)
			continue;
		checked++;
		double tail = det_normal_quantile_tail(u), full = det_normal_quantile(u);
		if (det__bits(tail) != det__bits(full) && mismatches++ < 5)
			FAIL("tail: u = %a: %a, det_normal_quantile %a", u, tail, full);
	}
	printf("tail: %lu values outside the central region, %lu mismatches\n", checked,
	       mismatches);
}

/* normals_from_words gives z[k] = det_normal_quantile(det_u01(word k)) bit
 * for bit, for every length 1..NORMALS_MAX (the gathering goes 8 words at a
 * time: lengths that are not multiples of 8 too), with blocks of plain
 * words, of tail words only and of a mix, and writes nothing past z[len-1]. */
static void test_normals(void)
{
	static uint32_t lo[NORMALS_MAX], hi[NORMALS_MAX];
	static double z[NORMALS_MAX + 1];
	static struct normal_scratch scratch;
	unsigned long checked = 0, mismatches = 0, tails = 0;

	for (int round = 0; round < 3; round++)
		for (int len = 1; len <= NORMALS_MAX; len++) {
			for (int k = 0; k < len; k++) {
				uint64_t w = round == 0 ? next_u64() : round == 1 ? tail_word()
				           : below(4) ? next_u64() : tail_word();
				lo[k] = (uint32_t)w;
				hi[k] = (uint32_t)(w >> 32);
			}
			const double canary = -0x1.5p-1000;
			z[len] = canary;
			normals_from_words(lo, hi, len, z, &scratch);
			CHECK(det__bits(z[len]) == det__bits(canary), "len %d: z[len] written", len);
			for (int k = 0; k < len; k++) {
				double u = det_u01((uint64_t)hi[k] << 32 | lo[k]);
				double want = det_normal_quantile(u);
				checked++;
				tails += !(fabs(u - 0.5) <= 0.425);
				if (det__bits(z[k]) != det__bits(want) && mismatches++ < 5)
					FAIL("normals: len %d, k %d: u = %a: %a, det_normal_quantile %a", len, k,
					     u, z[k], want);
			}
		}
	printf("normals: %lu values (%lu in the tails), %lu mismatches\n", checked, tails,
	       mismatches);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} part[] = {{"exp", test_exp},   {"log", test_log}, {"quantile", test_quantile},
		        {"u01", test_u01},   {"determinism", test_determinism},
		        {"kat", test_kat},   {"central", test_central}, {"tail", test_tail},
		        {"normals", test_normals}, {"exp_lean", test_exp_lean}, {"bench", bench}};
	const size_t nparts = sizeof part / sizeof part[0];
	if (argc != 2) {
		fprintf(stderr, "usage: test_detmath exp|log|quantile|u01|determinism|kat|central|tail|"
		                "normals|exp_lean|bench|all\n");
		return 2;
	}
	int found = 0;
	for (size_t i = 0; i < nparts; i++) {
		if (strcmp(argv[1], part[i].name) == 0
		    || (strcmp(argv[1], "all") == 0 && strcmp(part[i].name, "bench") != 0)) {
			part[i].run();
			found = 1;
		}
	}
	if (!found) {
		fprintf(stderr, "test_detmath: unknown part '%s'\n", argv[1]);
		return 2;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("test_detmath: stdout");
		return 1;
	}
	return failures ? 1 : 0;
}
