/* ceiling-parts: where the fused loop's time goes (bench/fused.c), piece
 * by piece, in CPU ns a path (European: 512 paths a block, one step) or a
 * step (Asian: 16 paths x 32 steps a block), each piece run alone on a
 * block that stays in the L1 cache, as in the loop.
 *
 *   ceiling-parts [reps]
 *
 * The pieces are the fused loop's own code (rng.h's Philox through
 * Random123, ziggurat.h, detmath.h's det_exp, expskip.h; texp.h's table
 * exp, a prototype with other bits), inlined into one
 * function per vector target (simd.h) as there. CPU time
 * (CLOCK_PROCESS_CPUTIME_ID): on a loaded machine the wall clock stretches,
 * CPU time less so. Built by `make build/bench/ceiling-parts`; not a test.
 * gcc 12's generic tuning loads texp's table a lane at a time; built with
 * -mtune-ctrl=use_gather (a developers' flag) it gathers. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "detmath.h"
#include "expskip.h"
#include "rng.h"
#include "simd.h"
#include "texp.h"
#include "ziggurat.h"

#define BLOCK 512

static uint32_t lo[BLOCK], hi[BLOCK];
static double z[BLOCK], x[BLOCK], s[BLOCK], acc[BLOCK], acc2[BLOCK];
static struct zig_scratch zscratch;
static struct exp_skip_scratch skip_scratch;
static const double s0 = 100, strike = 100, drift = 0.03, vol = 0.2, discount = 0.951229424500714;

enum piece { PHILOX, ZIGGURAT, WALK, EXP, EXP_SKIP, TEXP, PAYOFF, NPIECES };
static const char *const piece_name[NPIECES] = {
	"Philox4x32-10, the block's words", "ziggurat (fast path, rare ones)",
	"walk x = x + (drift + vol z)", "S = s0 det_exp(x)", "S by expskip.h (call: skip S<=K)",
	"S = s0 texp(x) (table, other bits)",
	"payoff and its sums",
};

/* One piece on one block of width paths x n steps (width * n <= BLOCK). */
SIMD_CLONES static void run(enum piece p, uint64_t first, int width, int n)
{
	const int len = width * n;
	switch (p) {
	case PHILOX: {
		const philox4x32_key_t key = { { 20261127u, 0 } };
		for (int b = 0; b < (n + 1) / 2; b++) {
			uint32_t *lo0 = lo + 2 * b * width, *hi0 = hi + 2 * b * width;
			uint32_t *lo1 = lo0 + width, *hi1 = hi0 + width;
			for (int l = 0; l < width; l++) {
				uint64_t path = first + (uint64_t)l;
				philox4x32_ctr_t ctr = { { (uint32_t)b, RNG_PRICING, (uint32_t)path,
				                           (uint32_t)(path >> 32) } };
				philox4x32_ctr_t r = philox4x32_R(10, ctr, key);
				lo0[l] = r.v[0];
				hi0[l] = r.v[1];
				lo1[l] = r.v[2];
				hi1[l] = r.v[3];
			}
		}
		break;
	}
	case ZIGGURAT: {
		const struct zig_where where = { 20261127u, first, RNG_PRICING, width, 0 };
		ziggurat_from_words(lo, hi, len, z, &zscratch, &where);
		break;
	}
	case WALK:
		for (int i = 0; i < n; i++)
			for (int l = 0; l < width; l++)
				x[l] = x[l] + (drift + vol * z[i * width + l]);
		break;
	case EXP:
		for (int k = 0; k < len; k++)
			s[k] = s0 * det_exp(z[k] * vol);
		break;
	case EXP_SKIP: {
		static double xs[BLOCK];
		const struct exp_skip skip = exp_skip_range(s0, strike, 1);
		for (int k = 0; k < len; k++)
			xs[k] = z[k] * vol;
		exp_skip_prices(xs, len, s0, &skip, s, &skip_scratch);
		break;
	}
	case TEXP:
		for (int k = 0; k < len; k++)
			s[k] = s0 * texp(z[k] * vol);
		break;
	case PAYOFF:
		for (int l = 0; l < len; l++) {
			double f = s[l] > strike ? discount * (s[l] - strike) : 0.0;
			acc[l] += f;
			acc2[l] += f * f;
		}
		break;
	case NPIECES:
		break;
	}
}

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
	long reps = argc > 1 ? atol(argv[1]) : 20000;
	static const struct { const char *name; int width, n; } layout[] = {
		{ "European (512 paths x 1 step), ns a path", 512, 1 },
		{ "Asian (16 paths x 32 steps), ns a step", 16, 32 },
	};
	if (reps < 1) {
		fprintf(stderr, "usage: ceiling-parts [reps]\n");
		return 2;
	}
	double check = 0;
	texp_fill_table();
	for (size_t k = 0; k < sizeof layout / sizeof layout[0]; k++) {
		printf("%s\n", layout[k].name);
		const int w = layout[k].width, n = layout[k].n;
		for (int p = 0; p < NPIECES; p++) {
			run(PHILOX, 0, w, n);   /* the inputs of the pieces after it */
			run(ZIGGURAT, 0, w, n);
			double t0 = cpu_now();
			for (long r = 0; r < reps; r++)
				run((enum piece)p, (uint64_t)(r & 1023) * (uint64_t)w, w, n);
			double t = cpu_now() - t0;
			check += s[7] + x[3] + acc[5] + z[1] + lo[9];
			printf("  %-36s %6.2f\n", piece_name[p], t / ((double)reps * w * n) * 1e9);
		}
	}
	printf("(checksum %g)\n", check);
	return 0;
}
