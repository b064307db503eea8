/* heston-speed: times the analytic Heston pricer (tools/lib/heston.h) on a
 * surface file's quotes, for bench/calibrate-bench.
 *
 * usage: heston-speed SURFACE TOL REPEAT batch|single V0 KAPPA THETA XI RHO
 * batch prices each maturity's strikes with one integral (as calibrate
 * does); single prices every quote alone (as QuantLib's engine does).
 * Prints "# seconds=S prices=N evals=E" (the whole REPEAT), then the price
 * of each quote (surface order: maturity, rate, strike), 17 digits. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "heston.h"
#include "surface.h"

int main(int argc, char **argv)
{
	tool_init("heston-speed", argv);
	if (argc != 10)
		usage_error("usage: heston-speed SURFACE TOL REPEAT batch|single V0 KAPPA THETA XI RHO");
	struct surface s;
	surface_read(&s, argv[1]);
	double tol = atof(argv[2]);
	long repeat = atol(argv[3]), evals = 0;
	int single = strcmp(argv[4], "single") == 0;
	struct heston h = { atof(argv[5]), atof(argv[6]), atof(argv[7]), atof(argv[8]), atof(argv[9]) };
	double *price = malloc(s.n * sizeof *price);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long r = 0; r < repeat; r++) {
		if (!single) {
			if (surface_heston(&s, &h, price, tol, &evals) != HESTON_OK)
				fatal("the pricer failed");
			continue;
		}
		for (size_t i = 0; i < s.n; i++) {
			const struct quote *q = &s.quotes[i];
			long e = 0;
			if (heston_prices(&h, q->phi, s.s0, q->r, s.q, q->T, 1, &q->K, &price[i], tol, &e)
			    != HESTON_OK)
				fatal("the pricer failed");
			evals += e;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("# seconds=%.6f prices=%ld evals=%ld\n",
	       (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec),
	       repeat * (long)s.n, evals);
	for (size_t i = 0; i < s.n; i++)
		printf("%.17g\n", price[i]);
	free(price);
	surface_free(&s);
	finish_output();
	return 0;
}
