/* fused: the limit. One C loop, one core, no text: the same random numbers
 * and model as simpaths (Philox4x32-10 from Random123 keyed by the seed,
 * counter {block, 0, path}; the ziggurat's normals or det_u01 and
 * det_normal_quantile; det_exp, skipped as simpaths skips it where the
 * call pays nothing (expskip.h); exact
 * log-normal steps on t_i = i*T/steps), the payoff and its sums in the loop.
 *
 *   fused european|asian [paths] [seed] [first] [ziggurat|inversion]
 *
 * european: call on S_T (steps 1); asian: arithmetic-average call on 252
 * dates. S0 = K = 100, r = 0.05, q = 0, sigma = 0.2, T = 1. The paths are
 * [first, first + paths) (first 0 by default): `make bench` runs one fused
 * loop per core on its own range, for the loop's rate on all cores. The
 * last argument picks the normals as simpaths --normals does: the
 * ziggurat (ziggurat.h, make price's default, so the default here) or AS241
 * inversion (normals.h).
 * Prints one TAB-separated line:
 *   fused  workload  paths  seconds  paths_per_s  price  stderr
 * Built with the tools' CFLAGS by `make bench` (mk/bench.mk). Paths go a
 * block at a time in arrays the compiler vectorises, with the normals
 * drawn as simpaths draws them (normals.h), and one clone per vector
 * target (simd.h), as in simpaths; the price uses the same paths
 * as `make price` with the same seed, so the two agree to rounding. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detmath.h"
#include "expskip.h"
#include "normals.h"
#include "rng.h"
#include "simd.h"
#include "ziggurat.h"

/* -DFUSED_TABLE_EXP: texp.h's table-driven exp in place of det_exp on the
 * walk's prices, for measuring only (other bits: prices differ in the
 * last digits); the European then computes every exp. */
#ifdef FUSED_TABLE_EXP
#include "texp.h"
#define FUSED_EXP texp
#ifndef FUSED_NO_SKIP
#define FUSED_NO_SKIP
#endif
#else
#define FUSED_EXP det_exp
#endif

#define LANES 16
#define CHUNK 32   /* steps per chunk: even, so Philox blocks align */

static bool ziggurat;   /* the normals: ziggurat.h's, not normals.h's */
static const double s0 = 100, strike = 100, rate = 0.05, sigma = 0.2, maturity = 1;

/* Sums of the discounted payoff and its square over paths
 * [start, start + paths) (start: the command's `first`), in blocks of
 * `width` paths (inlined twice: a constant width lets the compiler drop
 * the loops' run-time checks). */
enum { MAX = 2 * CHUNK * LANES };
_Static_assert(MAX <= NORMALS_MAX, "a block's normals fit normals.h's scratch");
static inline __attribute__((always_inline)) void
price_width(uint64_t seed, uint64_t start, uint64_t paths, long steps, int width, double *sum,
            double *sum2)
{
	const philox4x32_key_t key = { { (uint32_t)seed, (uint32_t)(seed >> 32) } };
	const double dt = maturity / (double)steps;
	const double drift = (rate - 0.5 * sigma * sigma) * dt, vol = sigma * sqrt(dt);
	const double discount = det_exp(-rate * maturity);
	static uint32_t lo[MAX], hi[MAX];
	static double z[MAX];
	static struct normal_scratch scratch;
	static struct zig_scratch zscratch;
	static double x[MAX], sum_s[MAX], acc[MAX], acc2[MAX], s_t[MAX];
	static struct exp_skip_scratch skip_scratch;
	/* the call is zero where S_T <= K: no exp there (expskip.h, as
	 * simpaths' fused call); -DFUSED_NO_SKIP computes every one (A/B) */
	const struct exp_skip skip = exp_skip_range(s0, strike, 1);

	for (int l = 0; l < width; l++)
		acc[l] = acc2[l] = 0;
	for (uint64_t first = 0; first < paths; first += (uint64_t)width) {
		for (int l = 0; l < width; l++)
			x[l] = sum_s[l] = 0;
		for (long i0 = 0; i0 < steps; i0 += CHUNK) {
			long n = steps - i0 < CHUNK ? steps - i0 : CHUNK;
			/* Philox: the words of steps 2b and 2b+1 of each path */
			for (long b = 0; b < (n + 1) / 2; b++) {
				uint32_t *lo0 = lo + 2 * b * width, *hi0 = hi + 2 * b * width;
				uint32_t *lo1 = lo0 + width, *hi1 = hi0 + width;
				for (int l = 0; l < width; l++) {
					uint64_t path = start + first + (uint64_t)l;
					philox4x32_ctr_t ctr = { { (uint32_t)(i0 / 2 + b), RNG_PRICING,
					                           (uint32_t)path, (uint32_t)(path >> 32) } };
					philox4x32_ctr_t r = philox4x32_R(10, ctr, key);
					lo0[l] = r.v[0];
					hi0[l] = r.v[1];
					lo1[l] = r.v[2];
					hi1[l] = r.v[3];
				}
			}
			if (ziggurat) {
				const struct zig_where where = { seed, start + first, RNG_PRICING, width, i0 };
				ziggurat_from_words(lo, hi, (int)n * width, z, &zscratch, &where);
			} else {
				normals_from_words(lo, hi, (int)n * width, z, &scratch);
			}
			/* the walk, and the average's S on every date */
			for (long i = 0; i < n; i++) {
				const double *zi = z + i * width;
				for (int l = 0; l < width; l++)
					x[l] = x[l] + (drift + vol * zi[l]);
				if (steps > 1)
					for (int l = 0; l < width; l++)
						sum_s[l] = sum_s[l] + s0 * FUSED_EXP(x[l]);
			}
		}
		uint64_t valid = paths - first < (uint64_t)width ? paths - first : (uint64_t)width;
#ifdef FUSED_NO_SKIP
		if (steps == 1)
			for (int l = 0; l < width; l++)
				s_t[l] = s0 * FUSED_EXP(x[l]);
		(void)skip;
		(void)skip_scratch;
#else
		if (steps == 1)
			exp_skip_prices(x, width, s0, &skip, s_t, &skip_scratch);
#endif
		for (int l = 0; l < width; l++) {
			double s = steps > 1 ? sum_s[l] / (double)steps : s_t[l];
			double f = s > strike ? discount * (s - strike) : 0.0;
			f = (uint64_t)l < valid ? f : 0.0;
			acc[l] += f;
			acc2[l] += f * f;
		}
	}
	*sum = *sum2 = 0;
	for (int l = 0; l < width; l++) {
		*sum += acc[l];
		*sum2 += acc2[l];
	}
}

/* A block is LANES paths, or more when there are fewer than CHUNK steps,
 * so that every loop runs over about CHUNK * LANES numbers. */
SIMD_CLONES static void price(uint64_t seed, uint64_t start, uint64_t paths, long steps, double *sum,
                              double *sum2)
{
	if (steps >= CHUNK)
		price_width(seed, start, paths, steps, LANES, sum, sum2);
	else
		price_width(seed, start, paths, steps, LANES * (int)(CHUNK / steps), sum, sum2);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 6 || (strcmp(argv[1], "european") != 0 && strcmp(argv[1], "asian") != 0) ||
	    (argc > 5 && strcmp(argv[5], "inversion") != 0 && strcmp(argv[5], "ziggurat") != 0)) {
		fprintf(stderr, "usage: fused european|asian [paths] [seed] [first] [ziggurat|inversion]\n");
		return 2;
	}
	ziggurat = !(argc > 5 && strcmp(argv[5], "inversion") == 0);
#ifdef FUSED_TABLE_EXP
	texp_fill_table();
#endif
	long steps = strcmp(argv[1], "asian") == 0 ? 252 : 1;
	uint64_t paths = argc > 2 ? strtoull(argv[2], NULL, 0) : (steps > 1 ? 1000000 : 100000000);
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 20261127;
	uint64_t start = argc > 4 ? strtoull(argv[4], NULL, 0) : 0;
	if (paths < 2) {
		fprintf(stderr, "fused: want at least 2 paths\n");
		return 2;
	}
	struct timespec t0, t1;
	double sum, sum2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	price(seed, start, paths, steps, &sum, &sum2);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
	double n = (double)paths, mean = sum / n;
	double var = (sum2 - n * mean * mean) / (n - 1);
	printf("fused\t%s\t%llu\t%.3f\t%.4g\t%.6f\t%.6f\n", argv[1], (unsigned long long)paths,
	       seconds, n / seconds, mean, sqrt(var > 0 ? var / n : 0));
	return 0;
}
