/* test_sobol: Sobol points (tools/lib/sobol.h).
 *   test_sobol points DIMS N D...   the plain sequence's first N points in
 *                                   dimensions D... (0-based) of DIMS, one
 *                                   row a point, each coordinate's top 32
 *                                   bits as an integer (x 2^32): tests/qmc.bats
 *                                   compares them with published values and
 *                                   with scipy.stats.qmc.Sobol
 *   test_sobol                      checks: scrambled points keep the net's
 *                                   one-dimensional balance, replicates and
 *                                   seeds differ, a point needs only its index */
#define UNIT_SEED 16
#include "unit.h"

#include <stdlib.h>

#include "sobol.h"

static int points(int argc, char **argv)
{
	int dims = atoi(argv[2]);
	long n = atol(argv[3]);
	struct sobol s;
	uint64_t *w = malloc((size_t)dims * sizeof *w);

	sobol_init(&s, dims, 1, 0, false);
	for (long i = 0; i < n; i++) {
		sobol_point(&s, 0, (uint64_t)i, w);
		for (int k = 4; k < argc; k++)
			printf("%llu%c", (unsigned long long)(w[atoi(argv[k])] >> 32),
			       k + 1 < argc ? '\t' : '\n');
	}
	sobol_free(&s);
	free(w);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "points") == 0)
		return points(argc, argv);

	enum { DIMS = 300, REPS = 4, M = 10 };
	struct sobol s, t;
	static uint64_t w[1 << M][DIMS];
	sobol_init(&s, DIMS, REPS, 12345, true);
	sobol_init(&t, DIMS, REPS, 12346, true);
	for (int r = 0; r < REPS; r++) {
		for (int i = 0; i < 1 << M; i++)
			sobol_point(&s, r, (uint64_t)i, w[i]);
		/* the first 2^m points' top m bits in one dimension: each value once
		 * (a (0,m,1)-net; the scramble is a bijection on each digit prefix) */
		for (int d = 0; d < DIMS; d++)
			for (int m = 1; m <= M; m++) {
				static unsigned char seen[1 << M];
				memset(seen, 0, sizeof seen);
				for (int i = 0; i < 1 << m; i++)
					seen[w[i][d] >> (64 - m)]++;
				for (int v = 0; v < 1 << m; v++)
					if (seen[v] != 1)
						FAIL("replicate %d dimension %d: 2^%d points not balanced", r, d, m);
			}
		/* a point from its index alone: any order, same words */
		for (int k = 0; k < 200; k++) {
			uint64_t i = below(1 << M), again[DIMS];
			sobol_point(&s, r, i, again);
			CHECK(memcmp(again, w[i], sizeof again) == 0, "point %llu recomputed differs",
			      (unsigned long long)i);
		}
		/* sobol_advance: by the Gray-code step from the last point, or
		 * from the index after a jump, the same words */
		uint64_t at = UINT64_MAX, next[DIMS];
		for (uint64_t i = 3; i < 1 << M; i += i % 97 == 0 ? 5 : 1) {
			sobol_advance(&s, r, i, next, &at);
			CHECK(at == i && memcmp(next, w[i], sizeof next) == 0,
			      "replicate %d: point %llu by sobol_advance differs", r, (unsigned long long)i);
		}
		/* the low bits are filled: det_u01 of a word is never 0 or 1 */
		CHECK((w[0][0] & 0xffffffff) != 0 || (w[0][1] & 0xffffffff) != 0,
		      "replicate %d: low bits of point 0 not scrambled", r);
	}
	uint64_t a[DIMS], b[DIMS];
	sobol_point(&s, 0, 5, a);
	sobol_point(&s, 1, 5, b);
	CHECK(memcmp(a, b, sizeof a) != 0, "replicates 0 and 1 are the same");
	sobol_point(&t, 0, 5, b);
	CHECK(memcmp(a, b, sizeof a) != 0, "seeds 12345 and 12346 give the same replicate 0");
	sobol_free(&s);
	sobol_free(&t);
	return failures != 0;
}
