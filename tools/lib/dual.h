/* dual.h: the Andersen–Broadie upper bound of an exercise rule.
 *
 * Longstaff–Schwartz prices with a rule fitted on training paths, which is
 * at best the optimal one: a low-biased price. Duality bounds the price
 * from above (Andersen and Broadie, 2004): for any martingale M with
 * M_0 = 0, the price is at most E[max_k (Z_k - M_k)], Z_k the discounted
 * intrinsic value at date k. The closer M is to the martingale part of the
 * true value process, the tighter the bound; the rule's own value process
 * gives a good one:
 *     M_{k+1} = M_k + V_{k+1} - C_k,
 * where C_k is the value at date k of following the rule from date k+1 on,
 * and V_k is Z_k where the rule exercises at k, C_k where it does not
 * (V_n = Z_n). Each C_k is estimated by `inner` paths simulated from the
 * outer path's price at date k (nested simulation). Their noise biases the
 * estimate up: it stays an upper bound, looser the fewer inner paths. To
 * cut the noise, each C_k takes a control variate: the discounted
 * dividend-adjusted price e^{-(r-q) t} S_t at the inner path's exercise
 * date (at T if never exercised), whose mean is known by optional
 * stopping; its coefficient is a regression slope, fitted on one half of
 * the inner paths and applied to the other (continuation in dual.c).
 *
 * dual_value gives max_k (Z_k - M_k) for one outer path; the mean of these
 * over outer paths is the bound.
 *
 * The inner paths start at the outer path's state at date k: its price,
 * and under heston its variance too (simpaths --variance's V_k), and walk
 * with the paths' own model. Each is a pure function of (seed, path, k, m),
 * whatever the shard or host, on counters of its own (rng.h):
 *   gbm     { m * ceil(steps/2) + b, RNG_INNER | k, path }: dual.c's own
 *           loop, block b of inner path m (two dates a block);
 *   heston, merton  model_walk's counters (model.h) for date index i >= k,
 *           { i * substeps + s (heston) or 2i (+1) (merton),
 *             RNG_INNER | k | RNG_MODEL_*, m, path }: the model's
 *           "path" word pair is (m, outer path), so the outer path must be
 *           below 2^32 (exercise refuses others). Under heston the inner
 *           paths' normals are the outer stream's (normals=ziggurat, or
 *           inversion), their rare ziggurat words on that same counter.
 * The control's mean holds under each model: e^{-(r-q)t} S_t is a
 * martingale under gbm, under heston's QE with Andersen's martingale
 * correction (exactly, step by step) and under merton with its compensated
 * drift, and the exercise date is a bounded stopping time. */
#ifndef MCPIPE_DUAL_H
#define MCPIPE_DUAL_H

#include <stdint.h>

#include "model.h"
#include "rule.h"

struct dual {
	const struct rule *rule;    /* with its discount factors set */
	struct model model;         /* the paths' model, model_done'd */
	double s0, drift, vol;      /* gbm: log-price drift and volatility per step */
	long inner;                 /* inner paths per date */
	uint32_t blocks_per_path;   /* gbm: Philox blocks of one inner path */
	double *forward_discount;   /* e^{-(r-q) t_i}, i = 0..steps: the control's */
};

/* The model as simpaths simulated the outer paths (model_done'd; its
 * steps the rule's). A usage error if inner is too large for the counters. */
void dual_init(struct dual *d, const struct rule *r, const struct model *m, long inner);

/* max_k (Z_k - M_k) for the outer path `path` of `seed`, whose prices on
 * the dates are prices[0..steps-1] and, under heston, variances
 * variances[0..steps-1] (NULL under the other models). */
double dual_value(const struct dual *d, uint64_t seed, uint64_t path, const double *prices,
                  const double *variances);

void dual_free(struct dual *d);

#endif
