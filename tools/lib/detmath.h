/* detmath.h - deterministic exp, log, normal quantile and uniform for mcpipe.
 *
 * Why: a simulated path must be bit-identical whatever CPU, vector lane or
 * shard computed it (DESIGN.md, "Randomness and determinism"). glibc's exp/log
 * pick FMA or non-FMA code at run time and libmvec differs by vector width, so
 * their last bits are not portable. Every function here uses only + - * / and
 * sqrt (all correctly rounded by IEEE 754), integer bit operations and selects,
 * in one fixed order: no tables, no errno, no calls but sqrt, no branch that
 * changes the arithmetic between lanes. Results are then the same on every
 * IEEE-754 binary64 machine and in scalar, SSE2, AVX2 or AVX-512 code
 * (tests/unit/test_detmath.c checks loop against scalar call, and a
 * known-answer hash of a million results of each function).
 *
 * Build requirements (checked below where the compiler lets us):
 *   - no contraction of a*b+c into FMA: gcc gives -ffp-contract=off with
 *     -std=c11 (ISO mode); clang is told by the pragma in each function body.
 *     Never build with -ffp-contract=fast or -ffast-math. (The caller's own
 *     arithmetic needs -ffp-contract=off too: clang fuses by default.)
 *   - FLT_EVAL_METHOD == 0 (SSE2 or better on x86; not x87), and the default
 *     round-to-nearest mode.
 *   - for gcc to vectorise a loop that calls these: -fno-math-errno (else sqrt
 *     keeps an errno path), -fno-trapping-math (else gcc will not if-convert
 *     the selects) and -O3 or -O2 -ftree-vectorize; -march=x86-64-v3 or
 *     native for 4 or 8 lanes. None of these flags changes a result bit.
 *     clang vectorises at -O2 given -fno-math-errno.
 *
 * Accuracy, as measured by the test against x87 long double expl/logl on
 * more than 10^7 points each (and bounded by the analysis at each function):
 *   det_exp   0.538 ulp for normal results (analysis: < 0.57);
 *             0.75 ulp of the subnormal spacing for results below 2^-1022
 *   det_log   0.551 ulp (analysis: < 0.57), subnormal x included
 *   det_normal_cdf  within 2.3e-16 absolutely of scipy's ndtr (below)
 *   det_normal_quantile  z within 8.2e-16 relative (about 6 ulp at worst,
 *             1 ulp typical): AS241 itself is within ~0.15 ulp; the rest is
 *             rounding in the two degree-7 polynomials and the division.
 */
#ifndef MCPIPE_DETMATH_H
#define MCPIPE_DETMATH_H

#include <float.h>
#include <math.h>
#include <stdint.h>

#if defined(__FAST_MATH__) || defined(__FINITE_MATH_ONLY__) && __FINITE_MATH_ONLY__
#error "detmath.h: -ffast-math / -ffinite-math-only break bit-exact results"
#endif
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "detmath.h: needs FLT_EVAL_METHOD == 0 (e.g. x86-64 SSE2, not x87)"
#endif
#if defined(__GNUC__) && !defined(__clang__) && !defined(__STRICT_ANSI__) \
    && !defined(DETMATH_FP_CONTRACT_OFF)
/* gcc in GNU mode (-std=gnu11, the default) contracts a*b+c into FMA where
 * the target has one, which changes bits by CPU. -std=c11 turns that off. */
#error "detmath.h: build with -std=c11, or with -ffp-contract=off and -DDETMATH_FP_CONTRACT_OFF"
#endif

/* always_inline: clang would otherwise keep det_normal_quantile as a call,
 * which stops a loop over paths from being vectorised */
#if defined(__GNUC__)
#define DET__INLINE static inline __attribute__((always_inline))
#else
#define DET__INLINE static inline
#endif

#ifdef __clang__
#define DET__NOCONTRACT _Pragma("STDC FP_CONTRACT OFF")
#else
#define DET__NOCONTRACT
#endif

/* Bit casts through a union (defined behaviour in C11, 6.5.2.3 note 95);
 * gcc and clang turn them into register moves and vectorise them. */
typedef union { double d; uint64_t u; } det__pun;
DET__INLINE uint64_t det__bits(double x) { det__pun p; p.d = x; return p.u; }
DET__INLINE double det__dbl(uint64_t u) { det__pun p; p.u = u; return p.d; }

/* ln 2 = DET__LN2HI + DET__LN2LO: HI is ln 2 rounded to 42 significant bits,
 * so k*HI is exact for |k| < 2^11; LO is the rest rounded to double (together
 * within 3e-31 relative of ln 2). Computed in 300-bit arithmetic (mpmath). */
#define DET__LN2HI 0x1.62e42fefa3800p-1  /* 0.69314718055989033 */
#define DET__LN2LO 0x1.ef35793c76730p-45 /* 5.4979230187083712e-14 */
#define DET__INVLN2 0x1.71547652b82fep+0 /* 1/ln 2 rounded to nearest */

/* Dekker's exact product (T. J. Dekker, "A floating-point technique for
 * extending the available precision", Numer. Math. 18 (1971) 224-242):
 * a*b == *hi + *lo exactly, without FMA, for |a|, |b| < 2^995 and no
 * underflow. Veltkamp's split by 2^27 + 1 cuts each into two 26-bit halves. */
DET__INLINE void det__mul2(double a, double b, double *hi, double *lo)
{
	DET__NOCONTRACT
	double ca = a * 134217729.0, cb = b * 134217729.0;
	double ah = ca - (ca - a), al = a - ah;
	double bh = cb - (cb - b), bl = b - bh;
	double p = a * b;
	*hi = p;
	*lo = (((ah * bh - p) + ah * bl) + al * bh) + al * bl;
}

/* The same for a*a, two operations fewer: a*a == *hi + *lo exactly. */
DET__INLINE void det__sqr2(double a, double *hi, double *lo)
{
	DET__NOCONTRACT
	double ca = a * 134217729.0;
	double ah = ca - (ca - a), al = a - ah;
	double p = a * a;
	*hi = p;
	*lo = ((ah * ah - p) + 2.0 * ah * al) + al * al;
}

/* e^x, error < 0.57 ulp for normal results, i.e. -708.39 < x < 709.78;
 * subnormal results (x down to -745.13) are within 1 ulp of the subnormal
 * spacing (rounded twice); x < -745.14 gives +0, x > 709.79 gives +inf,
 * exp(0) = 1 exactly. NaN gives NaN, -inf gives 0, +inf gives +inf.
 *
 * Method: Cody-Waite. k = nearest integer to x/ln2 (by the 1.5*2^52 shift
 * trick, which also yields k's bits), r = x - k*ln2 in |r| <= ln2/2 as
 * hi - lo with hi = x - k*LN2HI exact (Sterbenz) and lo = k*LN2LO. Then
 *   e^r = 1 + hi + hi^2/2 - lo - hi*lo + r^3 Q(r),
 *   Q(r) = sum_{n=3}^{14} r^(n-3)/n!
 * (Taylor; coefficients are 1/n! rounded to nearest; truncation below
 * r^15/15! < 2^-63). hi^2 is exact (Dekker) and 1 + hi + hi^2/2 is summed
 * exactly (two Fast2Sums), so every rounding but the last acts on terms
 * below 0.008: the result before scaling is 0.5 ulp plus < 0.07 ulp, most
 * of it the relative error (< 8 * 2^-53) of r^3 Q(r).
 * The scaling by 2^k is split as 2^k1 * 2^k2, both normal, so it is exact
 * except for the single rounding into the subnormal range, and gives 0 and
 * +inf by itself once x is clamped to [-746, 710]. */
DET__INLINE double det_exp(double x)
{
	DET__NOCONTRACT
	const double shift = 0x1.8p52; /* adding it rounds to an integer */
	x = x < -746.0 ? -746.0 : x;
	x = x > 710.0 ? 710.0 : x;
	double t = x * DET__INVLN2 + shift;
	double kd = t - shift;                      /* k, exactly */
	uint64_t kb = det__bits(t) - det__bits(shift) + 2048; /* k + 2048 >= 972 */
	double hi = x - kd * DET__LN2HI;            /* exact */
	double lo = kd * DET__LN2LO;
	double r = hi - lo;
	double r2 = r * r;
	double r4 = r2 * r2;
	double r8 = r4 * r4;
	/* Q(r), Estrin's scheme */
	double q34 = 0x1.5555555555555p-3 + r * 0x1.5555555555555p-5;   /* 1/3!, 1/4! */
	double q56 = 0x1.1111111111111p-7 + r * 0x1.6c16c16c16c17p-10;  /* 1/5!, 1/6! */
	double q78 = 0x1.a01a01a01a01ap-13 + r * 0x1.a01a01a01a01ap-16; /* 1/7!, 1/8! */
	double q90 = 0x1.71de3a556c734p-19 + r * 0x1.27e4fb7789f5cp-22; /* 1/9!, 1/10! */
	double qbc = 0x1.ae64567f544e4p-26 + r * 0x1.1eed8eff8d898p-29; /* 1/11!, 1/12! */
	double qde = 0x1.6124613a86d09p-33 + r * 0x1.93974a8c07c9dp-37; /* 1/13!, 1/14! */
	double q = (q34 + r2 * q56) + r4 * (q78 + r2 * q90) + r8 * (qbc + r2 * qde);
	double hh, hl;
	det__sqr2(hi, &hh, &hl);                   /* hi^2 = hh + hl */
	hh *= 0.5;
	hl *= 0.5;
	double s1 = 1.0 + hi;
	double e1 = (1.0 - s1) + hi;                /* 1 + hi = s1 + e1 */
	double s2 = s1 + hh;
	double e2 = (s1 - s2) + hh;                 /* s1 + hh = s2 + e2 */
	double small = ((e1 + e2) + (hl - lo)) + (r * r2 * q - hi * lo);
	double p = s2 + small;                      /* e^r, one large rounding */
	/* 2^k = 2^k1 * 2^k2, k1 = floor(k/2), k2 = k - k1, biased by 1023 */
	uint64_t h = kb >> 1;                       /* k1 + 1024 */
	double sc1 = det__dbl((h - 1) << 52);
	double sc2 = det__dbl((kb - h - 1) << 52);
	return (p * sc1) * sc2;
}

/* e^x within 1 ulp (0.992 measured; det_exp: 0.54) at two thirds of
 * det_exp's operations, for -708 <= x <= 709, for callers that need many and not the last
 * half ulp: the normal densities e^(-d^2/2) of scenarios' Black-Scholes
 * revaluation, where N's own approximation error is 2e-16 absolutely.
 * Cody-Waite as det_exp: k = nearest integer to x/ln2, r = (x - k LN2HI)
 * - k LN2LO, |r| <= ln2/2 (the first subtraction exact, the second
 * rounded once); e^r by its Taylor polynomial of degree 13 (coefficients
 * 1/n! rounded to nearest; truncation r^14/14! < 2^-57 of e^r), by
 * Estrin's scheme, without det_exp's exact products (tests/unit/
 * test_detmath.c, part exp_lean, measures it); times 2^k, built
 * from k's bits (a normal number for k in [-1021, 1023]). x < -708 gives
 * +0, x = 0 gives 1 exactly, NaN gives NaN; x > 709 is outside its
 * range (det_exp there).
 * det_exp_lean_in_range(x) is the computation itself, for x in [-708,
 * 709] only; det_exp_lean (below) clamps x into that range first and
 * gives +0 below it. A caller that knows x is in range (scenarios's near
 * branch, x > -25) calls det_exp_lean_in_range: the same bits, without
 * the clamps and the select (five operations of about forty). */
DET__INLINE double det_exp_lean_in_range(double xc)
{
	DET__NOCONTRACT
	const double shift = 0x1.8p52; /* adding it rounds to an integer */
	double t = xc * DET__INVLN2 + shift;
	double kd = t - shift;                        /* k, exactly */
	uint64_t kb = det__bits(t) - det__bits(shift) + 1023; /* k + 1023, in [2, 2046] */
	double r = (xc - kd * DET__LN2HI) - kd * DET__LN2LO;
	double r2 = r * r;
	double r4 = r2 * r2;
	double r8 = r4 * r4;
	/* e^r = 1 + (r + r^2 Q(r)), Q(r) = sum_{n=2}^{13} r^(n-2)/n!: the one
	 * large rounding is the last addition (det_exp sums 1 + r + r^2/2
	 * exactly instead) */
	double q23 = 0.5 + r * 0x1.5555555555555p-3;                    /* 1/2!, 1/3! */
	double q45 = 0x1.5555555555555p-5 + r * 0x1.1111111111111p-7;  /* 1/4!, 1/5! */
	double q67 = 0x1.6c16c16c16c17p-10 + r * 0x1.a01a01a01a01ap-13; /* 1/6!, 1/7! */
	double q89 = 0x1.a01a01a01a01ap-16 + r * 0x1.71de3a556c734p-19; /* 1/8!, 1/9! */
	double qab = 0x1.27e4fb7789f5cp-22 + r * 0x1.ae64567f544e4p-26; /* 1/10!, 1/11! */
	double qcd = 0x1.1eed8eff8d898p-29 + r * 0x1.6124613a86d09p-33; /* 1/12!, 1/13! */
	double q = (q23 + r2 * q45) + r4 * (q67 + r2 * q89) + r8 * (qab + r2 * qcd);
	double p = 1.0 + (r + r2 * q);
	return p * det__dbl(kb << 52);
}

DET__INLINE double det_exp_lean(double x)
{
	DET__NOCONTRACT
	double xc = x < -708.0 ? -708.0 : x;
	xc = xc > 709.0 ? 709.0 : xc;
	double y = det_exp_lean_in_range(xc);
	return x < -708.0 ? 0.0 : y;
}

/* Natural log, error < 0.57 ulp for finite x > 0, subnormals included;
 * log(1) = +0 exactly. Also log(+-0) = -inf, log(+inf) = +inf,
 * log(x < 0) and log(NaN) = NaN.
 *
 * Method: x = 2^E * f with f in [sqrt(2)/2, sqrt(2)) by integer arithmetic on
 * the bits (subnormals first scaled by 2^54), g = f - 1 (exact), and
 *   log f = 2 atanh(s) = 2s + s*R,  s = g/(2+g),  |s| <= 3-2sqrt(2) < 0.1716,
 *   R = sum_{j=1}^{10} 2 s^(2j)/(2j+1)
 * (Taylor series of atanh; coefficients 2/(2j+1) rounded to nearest;
 * truncation < 2 s^23/23 < 2^-62). s is carried as s + slo: 2 + g is split
 * exactly (Fast2Sum), the division's remainder g - s*(2+g) is formed exactly
 * (Dekker), and slo = remainder/(2+g) = remainder*(1 - s)/2 needs no second
 * division. E*LN2HI + 2s is summed exactly (Fast2Sum), so every rounding but
 * the last acts on terms below 0.004, at most 1% of the result: 0.5 ulp plus
 * < 0.07 ulp, most of it the relative error (< 8 * 2^-53) of s*R. */
DET__INLINE double det_log(double x)
{
	DET__NOCONTRACT
	const uint64_t off = 0x3fe6a09e667f3bcdu;  /* bits of sqrt(2)/2 */
	int sub = x < 0x1p-1022;                   /* scale subnormals by 2^54 */
	double m = x * (sub ? 0x1p54 : 1.0);
	double adj = sub ? 54.0 : 0.0;
	uint64_t t = det__bits(m) - off + (1024ull << 52);
	double f = det__dbl((t & 0x000fffffffffffffu) + off); /* m / 2^E */
	/* E + 1024 is t >> 52, at most 2048: convert by the 2^52 trick */
	double ed = (det__dbl(0x4330000000000000u | (t >> 52)) - 0x1.00000000004p52) - adj;
	double g = f - 1.0;                        /* exact */
	double d = 2.0 + g;
	double dl = (2.0 - d) + g;                 /* 2 + g = d + dl */
	double s = g / d;
	double ph, pl;
	det__mul2(s, d, &ph, &pl);                 /* s*d = ph + pl */
	double slo = (((g - ph) - pl) - s * dl) * (0.5 - 0.5 * s);
	double z = s * s;
	double z2 = z * z;
	double z4 = z2 * z2;
	double z8 = z4 * z4;
	/* R/z = sum_{j=1}^{10} 2 z^(j-1)/(2j+1), Estrin's scheme */
	double c01 = 0x1.5555555555555p-1 + z * 0x1.999999999999ap-2; /* 2/3, 2/5 */
	double c23 = 0x1.2492492492492p-2 + z * 0x1.c71c71c71c71cp-3; /* 2/7, 2/9 */
	double c45 = 0x1.745d1745d1746p-3 + z * 0x1.3b13b13b13b14p-3; /* 2/11, 2/13 */
	double c67 = 0x1.1111111111111p-3 + z * 0x1.e1e1e1e1e1e1ep-4; /* 2/15, 2/17 */
	double c89 = 0x1.af286bca1af28p-4 + z * 0x1.8618618618618p-4; /* 2/19, 2/21 */
	double rr = z * ((c01 + z2 * c23) + z4 * (c45 + z2 * c67) + z8 * c89);
	double a = ed * DET__LN2HI;                /* exact, |E| <= 1075 */
	double s2 = 2.0 * s;
	double s1 = a + s2;
	double e1 = s2 - (s1 - a);                 /* a + 2s = s1 + e1 */
	double y = s1 + ((e1 + 2.0 * slo) + (s * rr + ed * DET__LN2LO));
	y = !(x >= 0.0) ? (double)NAN : y;         /* x < 0 or NaN */
	y = ((x <= 0.0) & (x >= 0.0)) ? -HUGE_VAL : y; /* +-0 */
	y = x > DBL_MAX ? x : y;                   /* +inf */
	return y;
}

/* Phi^-1(u), the standard normal quantile, for u in (0,1), within 8.2e-16
 * relative (0.9 ulp on average, 6 at worst; bit-identical to AS241 as
 * published, evaluated in double, whenever det_log and glibc's log agree).
 * det_normal_quantile(1-u) == -det_normal_quantile(u) exactly whenever 1-u is
 * exact (always for u from det_u01), because the magnitude is computed from
 * p = min(u, 1-u) alone and the sign applied last. u == 0.5 gives +0;
 * u outside (0,1) and NaN give NaN.
 *
 * Method: Wichura, "Algorithm AS 241: The percentage points of the normal
 * distribution", Appl. Statist. 37 (1988) 477-484, PPND16: for
 * |u - 1/2| <= 0.425 a ratio of degree-7 polynomials in 0.180625 - (u-1/2)^2;
 * else with t = sqrt(-log p), one in t - 1.6 for t <= 5 and one in t - 5
 * beyond. Coefficients are the paper's (A, B, C, D, E, F; B0=D0=F0=1).
 * To stay branch-free in vector loops the log and sqrt are always evaluated
 * and the region only selects coefficients: one rational, one division. */
#define DET__AS241_A0 3.3871328727963666080e0
#define DET__AS241_A1 1.3314166789178437745e+2
#define DET__AS241_A2 1.9715909503065514427e+3
#define DET__AS241_A3 1.3731693765509461125e+4
#define DET__AS241_A4 4.5921953931549871457e+4
#define DET__AS241_A5 6.7265770927008700853e+4
#define DET__AS241_A6 3.3430575583588128105e+4
#define DET__AS241_A7 2.5090809287301226727e+3
#define DET__AS241_B1 4.2313330701600911252e+1
#define DET__AS241_B2 6.8718700749205790830e+2
#define DET__AS241_B3 5.3941960214247511077e+3
#define DET__AS241_B4 2.1213794301586595867e+4
#define DET__AS241_B5 3.9307895800092710610e+4
#define DET__AS241_B6 2.8729085735721942674e+4
#define DET__AS241_B7 5.2264952788528545610e+3
#define DET__AS241_C0 1.42343711074968357734e0
#define DET__AS241_C1 4.63033784615654529590e0
#define DET__AS241_C2 5.76949722146069140550e0
#define DET__AS241_C3 3.64784832476320460504e0
#define DET__AS241_C4 1.27045825245236838258e0
#define DET__AS241_C5 2.41780725177450611770e-1
#define DET__AS241_C6 2.27238449892691845833e-2
#define DET__AS241_C7 7.74545014278341407640e-4
#define DET__AS241_D1 2.05319162663775882187e0
#define DET__AS241_D2 1.67638483018380384940e0
#define DET__AS241_D3 6.89767334985100004550e-1
#define DET__AS241_D4 1.48103976427480074590e-1
#define DET__AS241_D5 1.51986665636164571966e-2
#define DET__AS241_D6 5.47593808499534494600e-4
#define DET__AS241_D7 1.05075007164441684324e-9
#define DET__AS241_E0 6.65790464350110377720e0
#define DET__AS241_E1 5.46378491116411436990e0
#define DET__AS241_E2 1.78482653991729133580e0
#define DET__AS241_E3 2.96560571828504891230e-1
#define DET__AS241_E4 2.65321895265761230930e-2
#define DET__AS241_E5 1.24266094738807843860e-3
#define DET__AS241_E6 2.71155556874348757815e-5
#define DET__AS241_E7 2.01033439929228813265e-7
#define DET__AS241_F1 5.99832206555887937690e-1
#define DET__AS241_F2 1.36929880922735805310e-1
#define DET__AS241_F3 1.48753612908506148525e-2
#define DET__AS241_F4 7.86869131145613259100e-4
#define DET__AS241_F5 1.84631831751005468180e-5
#define DET__AS241_F6 1.42151175831644588870e-7
#define DET__AS241_F7 2.04426310338993978564e-15
/* coefficient of region: central ? A/B : far tail ? E/F : C/D */
#define DET__SEL(n, c, e, i) \
    (mid ? DET__AS241_##n##i : far ? DET__AS241_##e##i : DET__AS241_##c##i)

DET__INLINE double det_normal_quantile(double u)
{
	DET__NOCONTRACT
	int lower = u < 0.5;
	double p = (lower ? 0.0 : 1.0) + (lower ? u : -u); /* min(u, 1-u) */
	double a = 0.5 - p;                        /* |u - 1/2| */
	double t = sqrt(-det_log(p));
	int mid = a <= 0.425;
	int far = t > 5.0;
	double aa = a * a;
	/* mid: 0.180625 - a^2; tail: t - 1.6 or t - 5 (selects of values) */
	double v = (mid ? 0.180625 : t) - (mid ? aa : far ? 5.0 : 1.6);
	double num = ((((((DET__SEL(A, C, E, 7) * v + DET__SEL(A, C, E, 6)) * v
	                  + DET__SEL(A, C, E, 5)) * v + DET__SEL(A, C, E, 4)) * v
	                + DET__SEL(A, C, E, 3)) * v + DET__SEL(A, C, E, 2)) * v
	              + DET__SEL(A, C, E, 1)) * v + DET__SEL(A, C, E, 0);
	double den = ((((((DET__SEL(B, D, F, 7) * v + DET__SEL(B, D, F, 6)) * v
	                  + DET__SEL(B, D, F, 5)) * v + DET__SEL(B, D, F, 4)) * v
	                + DET__SEL(B, D, F, 3)) * v + DET__SEL(B, D, F, 2)) * v
	              + DET__SEL(B, D, F, 1)) * v + 1.0;
	double z = ((mid ? a : 1.0) * num) / den;
	return lower ? -z : z;
}
#undef DET__SEL

/* det_normal_quantile(u), bit for bit, when |u - 1/2| <= 0.425, where 85%
 * of draws fall: the same operations in the same order as the central
 * branch above (whose selects then pick the A/B coefficients), without the
 * log and sqrt that only the tails need but that the branch-free version
 * evaluates for every u. Sets *distance = |u - 1/2|: a u beyond 0.425 must
 * go to det_normal_quantile itself. */
DET__INLINE double det_normal_quantile_central(double u, double *distance)
{
	DET__NOCONTRACT
	int lower = u < 0.5;
	double p = (lower ? 0.0 : 1.0) + (lower ? u : -u); /* min(u, 1-u) */
	double a = 0.5 - p;                                 /* |u - 1/2| */
	double v = 0.180625 - a * a;
	double num = ((((((DET__AS241_A7 * v + DET__AS241_A6) * v + DET__AS241_A5) * v
	                 + DET__AS241_A4) * v + DET__AS241_A3) * v + DET__AS241_A2) * v
	              + DET__AS241_A1) * v + DET__AS241_A0;
	double den = ((((((DET__AS241_B7 * v + DET__AS241_B6) * v + DET__AS241_B5) * v
	                 + DET__AS241_B4) * v + DET__AS241_B3) * v + DET__AS241_B2) * v
	              + DET__AS241_B1) * v + 1.0;
	double z = (a * num) / den;
	*distance = a;
	return lower ? -z : z;
}

/* det_normal_quantile(u), bit for bit, when |u - 1/2| > 0.425: the tail
 * branch's operations in the same order (the selects that only the central
 * region needs dropped; (mid ? a : 1.0) * num is num exactly), for a loop
 * over the gathered 15% of draws outside the central region. */
#define DET__TAIL_SEL(c, e, i) (far ? DET__AS241_##e##i : DET__AS241_##c##i)

DET__INLINE double det_normal_quantile_tail(double u)
{
	DET__NOCONTRACT
	int lower = u < 0.5;
	double p = (lower ? 0.0 : 1.0) + (lower ? u : -u); /* min(u, 1-u) */
	double t = sqrt(-det_log(p));
	int far = t > 5.0;
	double v = t - (far ? 5.0 : 1.6);
	double num = ((((((DET__TAIL_SEL(C, E, 7) * v + DET__TAIL_SEL(C, E, 6)) * v
	                  + DET__TAIL_SEL(C, E, 5)) * v + DET__TAIL_SEL(C, E, 4)) * v
	                + DET__TAIL_SEL(C, E, 3)) * v + DET__TAIL_SEL(C, E, 2)) * v
	              + DET__TAIL_SEL(C, E, 1)) * v + DET__TAIL_SEL(C, E, 0);
	double den = ((((((DET__TAIL_SEL(D, F, 7) * v + DET__TAIL_SEL(D, F, 6)) * v
	                  + DET__TAIL_SEL(D, F, 5)) * v + DET__TAIL_SEL(D, F, 4)) * v
	                + DET__TAIL_SEL(D, F, 3)) * v + DET__TAIL_SEL(D, F, 2)) * v
	              + DET__TAIL_SEL(D, F, 1)) * v + 1.0;
	double z = num / den;
	return lower ? -z : z;
}
#undef DET__TAIL_SEL

/* A uniform double in the open interval (0,1) from the top 52 bits of bits:
 * ((bits >> 12) + 0.5) * 2^-52, i.e. an odd multiple of 2^-53 in
 * [2^-53, 1 - 2^-53]. Every such value and its complement are doubles, so
 * det_u01(~bits) == 1 - det_u01(bits) exactly, both ways round.
 * (53 bits cannot work: ((bits >> 11) + 0.5) * 2^-53 is not representable
 * above 1/2 and rounds to 1.0 for bits = ~0.)
 * 1 + m*2^-52 is built from the bits, then 1 - 2^-53 subtracted (exact). */
DET__INLINE double det_u01(uint64_t bits)
{
	DET__NOCONTRACT
	return det__dbl(0x3ff0000000000000u | (bits >> 12)) - 0x1.fffffffffffffp-1;
}

/* N(x), the standard normal distribution function (scenarios' Black-Scholes
 * revaluation, credit's conditional default probabilities): Hart's algorithm 5666 (1968) as given by G. West, "Better
 * approximations to cumulative normal functions", Wilmott Magazine 2005:
 * measured against scipy's ndtr, within 2.3e-16 absolutely and 9e-9
 * relatively on (-37, 0) (N(x) is taken as 0 below -37). Both branches are
 * computed and one selected, with det_exp, so that it vectorises and gives
 * the same bits in every lane.
 * The far branch's continued fraction ax + 1/(ax + 2/(ax + 3/(ax + 4/(ax
 * + 0.65)))) is carried as a numerator and a denominator, so that N(x)
 * costs one division, not six (divisions dominate a vector loop). */
#define DET_NORMAL_CDF_NEAR 7.07106781186547   /* the near branch: |x| below it */

/* The near branch's rational function of ax = |x|, numerator and
 * denominator (N(-ax) = e^(-ax^2/2) num / den): written once for both
 * det_normal_cdf_parts_exp and _near. */
DET__INLINE void det__normal_cdf_near(double ax, double *num, double *den)
{
	DET__NOCONTRACT
	*num = ((((((3.52624965998911e-2 * ax + 0.700383064443688) * ax + 6.37396220353165) * ax +
	           33.912866078383) * ax + 112.079291497871) * ax + 221.213596169931) * ax +
	        220.206867912376);
	*den = (((((((8.83883476483184e-2 * ax + 1.75566716318264) * ax + 16.064177579207) * ax +
	            86.7807322029461) * ax + 296.564248779674) * ax + 637.333633378831) * ax +
	         793.826512519948) * ax + 440.413735824752);
}

/* det_normal_cdf_parts for ax = |x|, given e = e^(-ax^2/2) (for a caller
 * that has it cheaper than det_exp: Black-Scholes's phi(d2) is phi(d1)
 * S e^(-q tau) / (K e^(-r tau))); with e = det_exp(-0.5 * (ax * ax)) it
 * is det_normal_cdf_parts(x), bit for bit. */
DET__INLINE void det_normal_cdf_parts_exp(double ax, double e, double *numerator, double *denominator)
{
	DET__NOCONTRACT
	double num, den;
	det__normal_cdf_near(ax, &num, &den);
	/* t_k = ax + k / t_{k+1} as n_k / d_k: n_k = ax n_{k+1} + k d_{k+1}, d_k = n_{k+1} */
	double n4 = ax + 0.65, d4 = 1;
	double n3 = ax * n4 + 4 * d4, d3 = n4;
	double n2 = ax * n3 + 3 * d3, d2 = n3;
	double n1 = ax * n2 + 2 * d2, d1 = n2;
	double n0 = ax * n1 + 1 * d1, d0 = n1;
	int near = ax < DET_NORMAL_CDF_NEAR;
	*numerator = ax > 37 ? 0 : e * (near ? num : d0);
	*denominator = near ? den : n0 * 2.506628274631;
}

/* det_normal_cdf_parts_exp when ax < DET_NORMAL_CDF_NEAR, bit for bit:
 * the selects then pick e * num and den, so a vector loop that knows all
 * its arguments are near leaves out the far branch and the selects. */
DET__INLINE void det_normal_cdf_parts_near(double ax, double e, double *numerator, double *denominator)
{
	DET__NOCONTRACT
	double num, den;
	det__normal_cdf_near(ax, &num, &den);
	*numerator = e * num;
	*denominator = den;
}

DET__INLINE void det_normal_cdf_parts(double x, double *numerator, double *denominator)
{
	DET__NOCONTRACT
	double ax = fabs(x);
	det_normal_cdf_parts_exp(ax, det_exp(-0.5 * (ax * ax)), numerator, denominator);
}

/* N(x) = c for x <= 0, 1 - c above, c = numerator / denominator. */
DET__INLINE double det_normal_cdf(double x)
{
	DET__NOCONTRACT
	double n, d;
	det_normal_cdf_parts(x, &n, &d);
	double c = n / d;
	return x > 0 ? 1 - c : c;
}

#endif /* MCPIPE_DETMATH_H */
