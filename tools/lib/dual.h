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
 * over outer paths is the bound. The inner paths of outer path `path`
 * from date k are drawn from the seed's stream RNG_INNER | k (rng.h), inner
 * path m taking Philox blocks m * ceil(steps/2) + b: a pure function of
 * (seed, path, k, m), whatever the shard or host. */
#ifndef MCPIPE_DUAL_H
#define MCPIPE_DUAL_H

#include <stdint.h>

#include "rule.h"

struct dual {
	const struct rule *rule;    /* with its discount factors set */
	double s0, drift, vol;      /* log-price drift and volatility per step */
	long inner;                 /* inner paths per date */
	uint32_t blocks_per_path;   /* Philox blocks of one inner path */
	double *forward_discount;   /* e^{-(r-q) t_i}, i = 0..steps: the control's */
};

/* The model as simpaths simulates it: s0, r, q, sigma, T; the dates are the
 * rule's. A usage error if inner is too large for the counters. */
void dual_init(struct dual *d, const struct rule *r, double s0, double rate, double yield,
               double sigma, double maturity, long inner);

/* max_k (Z_k - M_k) for the outer path `path` of `seed`, whose prices on
 * the dates are prices[0..steps-1]. */
double dual_value(const struct dual *d, uint64_t seed, uint64_t path, const double *prices);

void dual_free(struct dual *d);

#endif
