/* expskip.h - S = s0 e^x for a block of terminal log-prices, without the
 * exp where the payoff is surely zero.
 *
 * Why: a fused European call or put (no control, no Greeks) reads S_T only
 * through max(S - K, 0) or max(K - S, 0) (or the digital's S > K, S < K),
 * and at the money about half its paths pay nothing. Those need no exact
 * S_T: any value the payoff also maps to zero will do, and K itself does
 * (K > K and K < K are false). The bytes stay the same only if every path
 * that pays gets its exact s0 * det_exp(x) and every path given K would
 * have paid nothing, so the range of x skipped is conservative:
 *   call side (zero where S <= K): lo < x < hi, hi = ln K - ln s0 - margin
 *   put side (zero where S >= K):  lo < x < hi, lo = ln K - ln s0 + margin
 * with margin = 2^-30 (1 + |ln K| + |ln s0|), five orders of magnitude above
 * what det_log's and det_exp's roundings (< 0.6 ulp each, detmath.h) and the
 * subtractions can move the boundary; so on the call side s0 det_exp(x) <=
 * K e^-(margin/2) (1 + 2^-51) < K, on the put side > K. The range is also
 * kept inside -700 < x < 700 and 2^-1000 e < s0 e^x < 2^1000 / e: there
 * det_exp's result is a normal number (its error bound holds) and the exact
 * S would be finite and positive, so a path the caller would refuse (S
 * underflowing to 0, or infinite; NaN compares false) never lands in it and
 * is still refused with its own S.
 *
 * How (AVX-512 only, picked on first use by __builtin_cpu_supports as
 * ziggurat.h's fast path is): 8 lanes at a time, the lanes that need the
 * exp compressed (vcompresspd) into a dense array, det_exp on that in a
 * vector loop, and the results expanded back (vexpandpd) over the fill.
 * Compress and expand only move doubles, and each value is the same
 * function of its own x, so the bits do not depend on the lane, the block
 * or the vector width (make check-simd compares this with single-target
 * builds, which take the plain loop). Without AVX-512 the plain loop
 * computes every exp: gathering the lanes' indices from flags a byte at a
 * time (normals.h's way) cost more than the 46% of the exps it saved, on
 * AVX2 as on AVX-512 (bench/RESULTS.md). bench/fused.c (the ceiling) and
 * simpaths' terminal prices both call it. */
#ifndef MCPIPE_EXPSKIP_H
#define MCPIPE_EXPSKIP_H

#include <math.h>

#include "detmath.h"
#include "simd.h"

#define EXP_SKIP_MAX 1024   /* lanes per call, at most */

/* lo < x < hi: S = fill (the strike); an empty range (lo >= hi) skips
 * nothing. */
struct exp_skip {
	double lo, hi, fill;
};

/* The caller's working memory for one call (about 16 KB: keep it static). */
struct exp_skip_scratch {
	double x[EXP_SKIP_MAX + 8], s[EXP_SKIP_MAX + 8];  /* + 8: whole vectors */
	unsigned char need[EXP_SKIP_MAX / 8 + 1];         /* a lane mask per 8 */
};

/* The range for spot s0 and strike K, side +1 for a payoff that is zero
 * where S <= K (call, digital call), -1 where S >= K (put, digital put),
 * 0 (or s0, K not finite and positive) for none. */
static inline struct exp_skip exp_skip_range(double s0, double strike, int side)
{
	struct exp_skip none = { 0, 0, 0 };
	if (side == 0 || !(s0 > 0 && s0 <= DBL_MAX && strike > 0 && strike <= DBL_MAX))
		return none;
	double ls0 = det_log(s0), lk = det_log(strike);
	double margin = 0x1p-30 * (1 + fabs(lk) + fabs(ls0));
	double lo = det_log(0x1p-1000) - ls0 + 1, hi = det_log(0x1p1000) - ls0 - 1;
	lo = lo > -700 ? lo : -700;
	hi = hi < 700 ? hi : 700;
	if (side > 0) {
		double edge = (lk - ls0) - margin;
		hi = edge < hi ? edge : hi;
	} else {
		double edge = (lk - ls0) + margin;
		lo = edge > lo ? edge : lo;
	}
	if (!(lo < hi))
		return none;
	return (struct exp_skip){ lo, hi, strike };
}

ALWAYS_INLINE static void exp_skip__all(const double *restrict x, int n, double s0,
                                        double *restrict s)
{
	DET__NOCONTRACT
	for (int i = 0; i < n; i++)
		s[i] = s0 * det_exp(x[i]);
}

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && defined(__x86_64__) \
    && !defined(MCPIPE_NO_CLONES)
#include <immintrin.h>

/* exp_skip__v4's 8 lanes from i (`in`: those below n) into the dense
 * array at m; returns the new m. */
__attribute__((target("arch=x86-64-v4,tune=icelake-server,prefer-vector-width=512"), always_inline))
static inline int exp_skip__compress(const double *restrict x, int i, __mmask8 in, __m512d lo,
                                     __m512d hi, struct exp_skip_scratch *restrict sc, int m)
{
	__m512d v = _mm512_maskz_loadu_pd(in, x + i);
	/* the same test as x > lo && x < hi: NaN is never skipped */
	__mmask8 skip = _mm512_cmp_pd_mask(v, lo, _CMP_GT_OQ) & _mm512_cmp_pd_mask(v, hi, _CMP_LT_OQ);
	__mmask8 need = in & (__mmask8)~skip;
	_mm512_storeu_pd(sc->x + m, _mm512_maskz_compress_pd(need, v));
	sc->need[i / 8] = need;
	return m + __builtin_popcount(need);
}

/* The exps back from m over the fill into lanes i.. (`in`: those below n);
 * returns the new m. */
__attribute__((target("arch=x86-64-v4,tune=icelake-server,prefer-vector-width=512"), always_inline))
static inline int exp_skip__expand(double *restrict s, int i, __mmask8 in, __m512d fill,
                                   const struct exp_skip_scratch *restrict sc, int m)
{
	__mmask8 need = sc->need[i / 8];
	__m512d v = _mm512_mask_expand_pd(fill, need, _mm512_loadu_pd(sc->s + m));
	_mm512_mask_storeu_pd(s + i, in, v);
	return m + __builtin_popcount(need);
}

/* The whole vectors in a loop of their own and the partial one after it:
 * one loop with a lane mask per vector computed from n cost a European
 * shard (n not a constant) about 10 instructions per 8 lanes more than the
 * fused loop, where gcc split the loop itself (bench/RESULTS.md). */
__attribute__((target("arch=x86-64-v4,tune=icelake-server,prefer-vector-width=512"), noinline, unused))
static void exp_skip__v4(const double *restrict x, int n, double s0, const struct exp_skip *k,
                         double *restrict s, struct exp_skip_scratch *restrict sc)
{
	DET__NOCONTRACT
	/* read once: the byte stores to sc->need could alias *k */
	const __m512d lo = _mm512_set1_pd(k->lo), hi = _mm512_set1_pd(k->hi);
	const __m512d fill = _mm512_set1_pd(k->fill);
	const int whole = n & ~7;
	const __mmask8 tail = (__mmask8)((1u << (n - whole)) - 1);
	int m = 0;
	for (int i = 0; i < whole; i += 8)
		m = exp_skip__compress(x, i, 0xff, lo, hi, sc, m);
	if (whole < n)
		m = exp_skip__compress(x, whole, tail, lo, hi, sc, m);
	int m8 = (m + 7) & ~7;
	for (int j = m; j < m8; j++)
		sc->x[j] = 0;
	for (int j = 0; j < m8; j++)
		sc->s[j] = s0 * det_exp(sc->x[j]);
	m = 0;
	for (int i = 0; i < whole; i += 8)
		m = exp_skip__expand(s, i, 0xff, fill, sc, m);
	if (whole < n)
		exp_skip__expand(s, whole, tail, fill, sc, m);
}

/* s[i] = s0 * det_exp(x[i]) for n <= EXP_SKIP_MAX lanes, or k->fill where
 * k->lo < x[i] < k->hi (see above; with AVX-512 only). Inline, so that the
 * plain loop is compiled by each target clone of the caller. */
ALWAYS_INLINE static void exp_skip_prices(const double *restrict x, int n, double s0,
                                          const struct exp_skip *k, double *restrict s,
                                          struct exp_skip_scratch *restrict sc)
{
	static int v4 = -1;
	if (v4 < 0)
		v4 = __builtin_cpu_supports("x86-64-v4");
	if (v4 && k->lo < k->hi)
		exp_skip__v4(x, n, s0, k, s, sc);
	else
		exp_skip__all(x, n, s0, s);
}
#else
ALWAYS_INLINE static void exp_skip_prices(const double *restrict x, int n, double s0,
                                          const struct exp_skip *k, double *restrict s,
                                          struct exp_skip_scratch *restrict sc)
{
	(void)k;
	(void)sc;
	exp_skip__all(x, n, s0, s);
}
#endif

#endif /* MCPIPE_EXPSKIP_H */
