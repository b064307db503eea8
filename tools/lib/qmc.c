/* qmc.c: randomized quasi-Monte Carlo normals (qmc.h). */
#include "qmc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "detmath.h"
#include "normals.h"
#include "simd.h"
#include "xalloc.h"

bool qmc_bad_paths(uint64_t paths, int replicates, char *why, size_t size)
{
	uint64_t r = (uint64_t)replicates, n = paths / r;

	if (paths % r == 0 && n != 0 && (n & (n - 1)) == 0 && n <= (UINT64_C(1) << SOBOL_BITS))
		return false;
	if (n >= (UINT64_C(1) << SOBOL_BITS)) {
		snprintf(why, size, "at most 2^%d points a replicate: at most %" PRIu64 " paths",
		         SOBOL_BITS, r << SOBOL_BITS);
		return true;
	}
	if (n == 0) {
		snprintf(why, size, "%d replicates need at least %d paths (a power of two times %d)",
		         replicates, replicates, replicates);
		return true;
	}
	uint64_t below = 1;
	while (below * 2 <= n)
		below *= 2;
	snprintf(why, size, "paths / replicates must be a power of two: nearest %" PRIu64 " or %" PRIu64,
	         below * r, 2 * below * r);
	return true;
}

void qmc_init(struct qmc *q, long steps, int per_date, int replicates, uint64_t seed, int width)
{
	long dims = steps * per_date;
	size_t cells = (size_t)dims * (size_t)width;

	q->replicates = replicates;
	q->per_date = per_date;
	q->steps = steps;
	sobol_init(&q->sobol, (int)dims, replicates, seed, true);
	bridge_init(&q->bridge, steps);
	/* each replicate's last point: a shard's paths take every replicate's
	 * points in order, each from the last by one XOR a dimension */
	q->point = xreallocarray(NULL, (size_t)replicates * (size_t)dims, sizeof *q->point);
	q->point_at = xreallocarray(NULL, (size_t)replicates, sizeof *q->point_at);
	for (int r = 0; r < replicates; r++)
		q->point_at[r] = UINT64_MAX;
	q->lo = xreallocarray(NULL, cells, sizeof *q->lo);
	q->hi = xreallocarray(NULL, cells, sizeof *q->hi);
	q->z = xreallocarray(NULL, cells, sizeof *q->z);
	q->u = per_date > 1 ? xreallocarray(NULL, cells, sizeof *q->u) : NULL;
}

void qmc_free(struct qmc *q)
{
	sobol_free(&q->sobol);
	bridge_free(&q->bridge);
	free(q->point);
	free(q->point_at);
	free(q->lo);
	free(q->hi);
	free(q->z);
	free(q->u);
}

/* The normals of `cells` words, in the widest vectors the CPU has (the
 * same bits at every width, simd.h). */
SIMD_CLONES static void normals(const uint32_t *lo, const uint32_t *hi, size_t cells, double *z)
{
	static struct normal_scratch scratch;
	for (size_t k = 0; k < cells; k += NORMALS_MAX) {
		int len = cells - k < NORMALS_MAX ? (int)(cells - k) : NORMALS_MAX;
		normals_from_words(lo + k, hi + k, len, z + k, &scratch);
	}
}

void qmc_increments(struct qmc *q, uint64_t first, int w, double *inc)
{
	const uint64_t r = (uint64_t)q->replicates;
	const long dims = q->steps * q->per_date;
	const size_t cells = (size_t)dims * (size_t)w;

	for (int l = 0; l < w; l++) {
		uint64_t path = first + (uint64_t)l;
		const int rep = (int)(path % r);
		uint64_t *point = q->point + (size_t)rep * (size_t)dims;
		sobol_advance(&q->sobol, rep, path / r, point, &q->point_at[rep]);
		for (long d = 0; d < dims; d++) {
			q->lo[d * w + l] = (uint32_t)point[d];
			q->hi[d * w + l] = (uint32_t)(point[d] >> 32);
		}
	}
	normals(q->lo, q->hi, cells, q->z);
	if (q->u)
		for (size_t k = 0; k < cells; k++)
			q->u[k] = det_u01((uint64_t)q->hi[k] << 32 | q->lo[k]);
	bridge_increments(&q->bridge, q->z, w, inc);
}
