/* fused-heston: the Heston limit. One C loop, one core, no text, no job
 * control: the same QE scheme, random numbers and normals as simpaths
 * --model heston (model.c's walk, Philox counters { scheme step, stream |
 * RNG_MODEL_HESTON, path }, the ziggurat's normals or inversion's), the
 * call's payoff and its sums in the loop.
 *
 *   fused-heston heston [paths] [seed] [first] [ziggurat|inversion] [width]
 *
 * The model is run-bench.py's Heston workload: S0 = K = 100, r = 0.05,
 * q = 0, T = 1, one date, v0 = theta = 0.04, kappa = 1.5, xi = 0.3,
 * rho = -0.7, 32 QE steps of 1/32 year. The paths are [first, first +
 * paths); width: paths per block (512, simpaths' block for one date, by
 * default). The normals default to the ziggurat, make price's default.
 * Prints one TAB-separated line, as bench/fused.c does:
 *   fused  heston  paths  seconds  paths_per_s  price  stderr
 * The price uses the same paths as `make price MODEL=heston` with the same
 * seed, so the two agree to rounding (the sums here are plain doubles). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detmath.h"
#include "err.h"
#include "model.h"
#include "rng.h"

#define WIDTH_MAX 512   /* model.c's widest block */

int main(int argc, char **argv)
{
	tool_init("fused-heston", argv);
	if (argc < 2 || argc > 7 || strcmp(argv[1], "heston") != 0 ||
	    (argc > 5 && strcmp(argv[5], "inversion") != 0 && strcmp(argv[5], "ziggurat") != 0))
		usage_error("usage: fused-heston heston [paths] [seed] [first] [ziggurat|inversion] [width]");
	uint64_t paths = argc > 2 ? strtoull(argv[2], NULL, 0) : 1000000;
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 20261127;
	uint64_t start = argc > 4 ? strtoull(argv[4], NULL, 0) : 0;
	int width = argc > 6 ? atoi(argv[6]) : WIDTH_MAX;
	if (paths < 2)
		usage_error("want at least 2 paths");
	if (width < 1 || width > WIDTH_MAX)
		usage_error("width: want 1 to %d paths a block", WIDTH_MAX);

	struct model m;
	model_init(&m);
	m.kind = MODEL_HESTON;
	m.ziggurat = !(argc > 5 && strcmp(argv[5], "inversion") == 0);
	model_done(&m);   /* substeps 32 */
	const double strike = 100, discount = det_exp(-m.r * m.T);
	static double x[WIDTH_MAX], var[WIDTH_MAX], logprice[WIDTH_MAX];
	double sum = 0, sum2 = 0;

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t first = 0; first < paths; first += (uint64_t)width) {
		int w = paths - first < (uint64_t)width ? (int)(paths - first) : width;
		model_start(&m, w, x, var);
		model_walk(&m, seed, RNG_PRICING, start + first, w, false, 0, 1, x, var, logprice);
		for (int l = 0; l < w; l++) {
			double s = m.s0 * det_exp(logprice[l]);
			double f = s > strike ? discount * (s - strike) : 0.0;
			sum += f;
			sum2 += f * f;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
	double n = (double)paths, mean = sum / n;
	double v = (sum2 - n * mean * mean) / (n - 1);
	printf("fused\theston\t%llu\t%.3f\t%.4g\t%.6f\t%.6f\n", (unsigned long long)paths, seconds,
	       n / seconds, mean, sqrt(v > 0 ? v / n : 0));
	return 0;
}
