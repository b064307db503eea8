/* bumpgreeks.h: Greeks by bump and reprice under heston and merton.
 *
 * gbm's Greeks are per-path estimators of the exact derivatives (payoffs.h).
 * heston and merton have no such simple formulas, so each path is priced
 * again under bumped parameters with the same draws (common random
 * numbers: a path's draws depend only on (seed, path), model.h), and the
 * row of path p holds the central differences of its own payoffs:
 *   delta = e^{-rT} (f(S0+hS) - f(S0-hS)) / (2 hS)
 *   gamma = e^{-rT} (f(S0+hS) - 2 f(S0) + f(S0-hS)) / hS^2
 *   vega  = e^{-rT} (f(p+hp) - f(p-hp)) / (2 hp), p = V0 (heston; d/dV0,
 *           not d/dsigma) or SIGMA (merton)
 *   rho   = (e^{-(r+hr)T} f(r+hr) - e^{-(r-hr)T} f(r-hr)) / (2 hr)
 * so that their mean is the finite difference of the price and their
 * standard error (aggregate's, from the same rows) the difference's own,
 * with the covariance of the two sides in it. The bumps: hS = S0/100, hp =
 * p/100, hr = 0.01/T: each moves the forward (or the variance) by 1%
 * (bumpgreeks.c says why). Every row is exact arithmetic on one path's
 * draws, so the sums stay exact and mergeable and the result is the same
 * bits for any SHARDS.
 *
 * The price column is the same number, to the bit, as without --greeks:
 * the base walk is the one simpaths takes, summarised by the same
 * operations. */
#ifndef MCPIPE_BUMPGREEKS_H
#define MCPIPE_BUMPGREEKS_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "payoffs.h"

/* The relative bumps (of S0, of V0 or SIGMA; of the forward for r);
 * -DBUMP_RELATIVE=x builds the variants README.md's measurement compares. */
#ifndef BUMP_RELATIVE
#define BUMP_RELATIVE 0.01
#endif

/* Sets p's Greeks (greek_set: delta, gamma, vega, rho, every payoff) for
 * model m (heston or merton, after model_done; p after payoff_set_model).
 * Usage errors where a bump cannot be taken: V0 = 0 under heston, SIGMA = 0
 * under merton (the bump down would leave the parameter's domain). */
void bump_greeks_choose(struct payoff *p, const struct model *m);

/* The rows of paths first .. first+count-1 of the stream `stream` (rng.h),
 * each path's row (price, control if any, delta, gamma, vega, rho: the
 * mean of the pair with antithetic) handed to row(path, values, ctx) in
 * path order. A simulated price that is not finite or not positive is a
 * fatal error naming its path, as simpaths' own. */
void bump_greeks_rows(const struct payoff *p, const struct model *m, uint64_t seed,
                      uint32_t stream, uint64_t first, uint64_t count, bool antithetic,
                      void (*row)(uint64_t path, const double *values, void *ctx), void *ctx);

#endif
