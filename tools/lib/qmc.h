/* qmc.h: randomized quasi-Monte Carlo draws for simpaths' gbm and merton
 * paths.
 *
 * Path p of a run of R replicates is point i = p / R of replicate r = p % R
 * (interleaved): the first N paths of any run are a run of N paths, and a
 * shard, a range of paths starting on a multiple of R, holds whole points
 * of every replicate (DESIGN.md, "Quasi-Monte Carlo"). Its normals: the
 * scrambled Sobol point (sobol.h), one dimension per date, each word by the
 * same inversion as Philox's (det_normal_quantile(det_u01(word)),
 * normals.h), then the Brownian bridge (bridge.h) turns the first `steps`
 * of them, first dimension first, into the path's increments. Merton's
 * further dimensions (DESIGN.md, "Quasi-Monte Carlo") are read as they
 * are. */
#ifndef MCPIPE_QMC_H
#define MCPIPE_QMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bridge.h"
#include "sobol.h"

#define QMC_DEFAULT_REPLICATES 16

struct qmc {
	int replicates, per_date;     /* dimensions: per_date x steps */
	long steps;
	struct sobol sobol;
	struct bridge bridge;
	uint64_t *point;              /* [replicate][dimension]: its last point's words */
	uint64_t *point_at;           /* [replicate]: that point's index (sobol_advance) */
	uint32_t *lo, *hi;            /* [date][lane] */
	double *z;                    /* [dimension][lane]: each word's normal */
	double *u;                    /* [dimension][lane]: its uniform, per_date > 1 */
};

/* Why `paths` paths cannot be a run of `replicates` replicates (paths /
 * replicates not a power of two, or beyond 2^32 points), with the nearest
 * valid counts, into why (size bytes); false if they can. */
bool qmc_bad_paths(uint64_t paths, int replicates, char *why, size_t size);

/* For blocks of at most `width` paths of `steps` dates, `per_date`
 * dimensions a date: the first `steps` make the Brownian bridge, the
 * others (merton's Poisson uniforms, then its jumps' normals) are read
 * from z and u as they are. */
void qmc_init(struct qmc *q, long steps, int per_date, int replicates, uint64_t seed, int width);
void qmc_free(struct qmc *q);

/* inc[(i - 1) * w + l]: the standard normal increment of date i of path
 * first + l, for the w paths of a block; z and u then hold every
 * dimension's normal and uniform of the block ([d * w + l]). */
void qmc_increments(struct qmc *q, uint64_t first, int w, double *inc);

#endif
