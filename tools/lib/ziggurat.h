/* ziggurat.h - standard normals by Marsaglia and Tsang's ziggurat, on
 * Philox words, bit-identical on every CPU and vector width.
 *
 * Why: inversion (normals.h, AS241) costs a rational function for every
 * draw and a log and sqrt for 15% of them; the ziggurat needs, for 99% of
 * draws, one multiplication and one comparison (G. Marsaglia, W. W. Tsang,
 * "The ziggurat method for generating random variables", J. Stat. Softw. 5
 * (2000), 256 layers, r and v as there, recomputed to 25 digits).
 *
 * One 64-bit word per normal, as inversion's: bits 0-7 pick the layer i,
 * bit 8 the sign, bits 12-63 the uniform u = m 2^-52 in [0,1); x = u X[i].
 * The fast path accepts x < X[i+1] (inside the layer's rectangle wholly
 * under the curve). The rest (1.2% of draws) are finished from Philox
 * words of a counter range of their own: {step, stream | RNG_ZIGGURAT,
 * path}, one block of 128 bits per (path, step), so a path's normals still
 * depend only on (seed, path) and the words of the main range are the
 * same as inversion's. Of those words, u1 places the point in the wedge
 * (accepted under the curve, det_exp), u2 gives the tail of layer 0 by
 * inversion of Q(r) u2, and for a rejected point an independent draw
 * |Phi^-1(u2)| with the word's sign. Returning an independent normal in
 * place of a rejected proposal keeps the law exact: an accepted proposal
 * is itself exactly normal (the points under the curve are uniform), so
 * the mixture of the two is too. No loop: the number of Philox calls per
 * path is bounded, and the rare words cost one vectorised pass.
 *
 * Antithetic mirrors negate z exactly (the sign is a bit of its own). Every
 * operation is detmath.h's (+ - * / sqrt, selects, det_exp, det_log), the
 * tables are computed once with them, so every lane and target gives the
 * same bits (tests/unit/test_ziggurat.c, make check-simd). */
#ifndef MCPIPE_ZIGGURAT_H
#define MCPIPE_ZIGGURAT_H

#include <stdint.h>

#include "detmath.h"
#include "normals.h"
#include "rng.h"
#include "simd.h"

/* r, v (area of each layer) and Q(r) = 1 - Phi(r), rounded from 25 digits
 * (mpmath: r the root that closes the top layer exactly). */
#define ZIG_R 0x1.d3bb48209ad33p+1   /* 3.654152885361008772 */
#define ZIG_V 0x1.43016a5a43732p-8   /* 0.004928673233974655347 */
#define ZIG_Q 0x1.0e9111884f972p-13  /* 1.290162438269504573e-4 */

/* X[i]: the right edge of layer i (X[0] = v/f(r), X[1] = r, ..., X[256] =
 * 0); F[i] = f(X[i]) with f(x) = exp(-x^2/2). Filled on first use. */
static double zig_x[257], zig_f[257];

DET__INLINE double zig__f(double x)
{
	DET__NOCONTRACT
	return det_exp(-0.5 * (x * x));
}

/* X[i+1] = f^-1(f(X[i]) + v/X[i]): layer i has area v. */
static inline void zig_fill_tables(void)
{
	DET__NOCONTRACT
	zig_x[0] = ZIG_V / zig__f(ZIG_R);
	zig_x[1] = ZIG_R;
	for (int i = 1; i < 255; i++)
		zig_x[i + 1] = sqrt(-2.0 * det_log(zig__f(zig_x[i]) + ZIG_V / zig_x[i]));
	zig_x[256] = 0;
	for (int i = 0; i <= 256; i++)
		zig_f[i] = zig__f(zig_x[i]);
	zig_f[0] = 0;   /* layer 0's rectangle starts at the axis */
}

/* The caller's working memory for one call (about 14 KB: keep it static). */
struct zig_scratch {
	unsigned char slow[NORMALS_MAX + 16]; /* 1: the fast path did not accept */
	int slow_at[NORMALS_MAX + 16];        /* + 16: a group writes 16 slots */
	uint64_t word[NORMALS_MAX], path[NORMALS_MAX];   /* of the gathered ones */
	uint32_t step[NORMALS_MAX];
	double slow_z[NORMALS_MAX];
};

/* Where the block's words come from, for the counters of the rare ones:
 * word k is step step0 + k / width of path first + k % width. */
struct zig_where {
	uint64_t seed, first;
	uint32_t stream;
	int width;
	long step0;
};

/* x = u X[i] of word w, i = its layer (the same in both passes). The
 * index is 64 bits wide: gcc 12 gathers with no 32-bit unsigned index. */
ALWAYS_INLINE static double zig__x(uint64_t w, uint64_t layer)
{
	DET__NOCONTRACT
	double u = det__dbl(0x3ff0000000000000u | (w >> 12)) - 1.0;   /* m 2^-52, exact */
	return u * zig_x[layer];
}

/* The fast path for every word: z = +-x, and slow[k] = 1 where it is not
 * accepted. restrict: out of line, gcc -O2 vectorises no loop it would
 * have to version for aliasing. */
ALWAYS_INLINE static void zig__fast(const uint32_t *restrict lo, const uint32_t *restrict hi, int len,
                                    double *restrict z, unsigned char *restrict slow)
{
	for (int k = 0; k < len; k++) {
		uint64_t w = (uint64_t)hi[k] << 32 | lo[k], layer = w & 255;
		double x = zig__x(w, layer);
		slow[k] = !(x < zig_x[layer + 1]);
		z[k] = (w >> 8 & 1) ? -x : x;
	}
}

/* gcc 12's generic tuning loads a table a lane at a time; tuned for an
 * AVX-512 CPU it gathers (vgatherqpd), 6% to 10% of the fused loop.
 * target_clones takes no tuning, so the fast path has copies of its own,
 * one picked on first use by the CPU's level as the clones are. (AVX2's
 * gathers, tune=haswell, took more instructions than the lane-by-lane
 * loads under callgrind: 20 against 12 a word; its copy keeps the generic
 * tuning.) A gather
 * loads the same doubles, so the bits are the same (make check-simd
 * compares this build with single-target ones, which load lane by lane). */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && defined(__x86_64__) \
    && !defined(MCPIPE_NO_CLONES)
__attribute__((target("arch=x86-64-v4,tune=icelake-server,prefer-vector-width=512"), noinline, unused))
static void zig__fast_v4(const uint32_t *restrict lo, const uint32_t *restrict hi, int len,
                         double *restrict z, unsigned char *restrict slow)
{
	zig__fast(lo, hi, len, z, slow);
}

__attribute__((target("arch=x86-64-v3"), noinline, unused))
static void zig__fast_v3(const uint32_t *restrict lo, const uint32_t *restrict hi, int len,
                         double *restrict z, unsigned char *restrict slow)
{
	zig__fast(lo, hi, len, z, slow);
}

__attribute__((noinline, unused))
static void zig__fast_sse2(const uint32_t *restrict lo, const uint32_t *restrict hi, int len,
                           double *restrict z, unsigned char *restrict slow)
{
	zig__fast(lo, hi, len, z, slow);
}

static inline void zig__fast_pass(const uint32_t *restrict lo, const uint32_t *restrict hi, int len,
                                  double *restrict z, unsigned char *restrict slow)
{
	static void (*pass)(const uint32_t *, const uint32_t *, int, double *, unsigned char *);
	if (!pass)
		pass = __builtin_cpu_supports("x86-64-v4") ? zig__fast_v4
		       : __builtin_cpu_supports("x86-64-v3") ? zig__fast_v3 : zig__fast_sse2;
	pass(lo, hi, len, z, slow);
}
#else
ALWAYS_INLINE static void zig__fast_pass(const uint32_t *restrict lo, const uint32_t *restrict hi, int len,
                                         double *restrict z, unsigned char *restrict slow)
{
	zig__fast(lo, hi, len, z, slow);
}
#endif

/* z[k] for the len words hi[k] << 32 | lo[k], in three passes like
 * normals_from_words: the fast path for every word; the indices of the
 * rest gathered; those finished (a dense loop) and scattered back. ids:
 * NULL (word k's path is where->first + k % width), or the paths
 * themselves, ids[k % width] (ziggurat_from_words_ids). */
ALWAYS_INLINE static void zig__from_words(const uint32_t *lo, const uint32_t *hi, int len,
                                          double *z, struct zig_scratch *s,
                                          const struct zig_where *where, const uint64_t *ids)
{
	DET__NOCONTRACT
	if (zig_x[1] == 0)
		zig_fill_tables();
	zig__fast_pass(lo, hi, len, z, s->slow);
	for (int k = len; k % 16; k++)
		s->slow[k] = 0;
	int m = normals__flag_indices(s->slow, len, s->slow_at);
	/* their words and counters, then a dense loop (a division does not
	 * vectorise, nor a gather in the same loop as 64-bit work) */
	for (int j = 0; j < m; j++) {
		int k = s->slow_at[j];
		s->word[j] = (uint64_t)hi[k] << 32 | lo[k];
		s->path[j] = ids ? ids[k % where->width] : where->first + (uint64_t)(k % where->width);
		s->step[j] = (uint32_t)(where->step0 + k / where->width);
	}
	const philox4x32_key_t key = { { (uint32_t)where->seed, (uint32_t)(where->seed >> 32) } };
	for (int j = 0; j < m; j++) {
		uint64_t w = s->word[j], layer = w & 255, path = s->path[j];
		philox4x32_ctr_t ctr = { { s->step[j], where->stream | RNG_ZIGGURAT, (uint32_t)path,
		                           (uint32_t)(path >> 32) } };
		philox4x32_ctr_t r = philox4x32_R(10, ctr, key);
		double u1 = det_u01((uint64_t)r.v[1] << 32 | r.v[0]);
		double u2 = det_u01((uint64_t)r.v[3] << 32 | r.v[2]);
		double x = zig__x(w, layer);
		int core = x < zig_x[layer + 1];
		/* the point's height in layer i: between f(X[i]) and f(X[i+1]) */
		double y = zig_f[layer] + u1 * (zig_f[layer + 1] - zig_f[layer]);
		int wedge = (layer > 0) & (y < zig__f(x));
		/* layer 0 beyond r: the tail, |Phi^-1(Q(r) u2)| > r; else a
		 * rejected point's independent replacement |Phi^-1(u2)| */
		double q = fabs(det_normal_quantile(layer == 0 ? ZIG_Q * u2 : u2));
		double mag = (core | wedge) ? x : q;
		s->slow_z[j] = (w >> 8 & 1) ? -mag : mag;
	}
	for (int j = 0; j < m; j++)
		z[s->slow_at[j]] = s->slow_z[j];
}

ALWAYS_INLINE static void ziggurat_from_words(const uint32_t *lo, const uint32_t *hi, int len,
                                              double *z, struct zig_scratch *s,
                                              const struct zig_where *where)
{
	zig__from_words(lo, hi, len, z, s, where, NULL);
}

/* The same for a block whose paths are not consecutive (scenarios(1):
 * a tail's kept scenarios, recomputed): word k is step step0 + k / width
 * of path ids[k % width]; where->first is not used. A word's z is the
 * same as ziggurat_from_words gives it in a block of consecutive paths. */
ALWAYS_INLINE static void ziggurat_from_words_ids(const uint32_t *lo, const uint32_t *hi, int len,
                                                  double *z, struct zig_scratch *s,
                                                  const struct zig_where *where, const uint64_t *ids)
{
	zig__from_words(lo, hi, len, z, s, where, ids);
}

#endif /* MCPIPE_ZIGGURAT_H */
