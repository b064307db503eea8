/* heston.h: European calls and puts under Heston's stochastic volatility,
 * by the characteristic function.
 *
 *   dS = (r - q) S dt + sqrt(v) S dW1,  dv = kappa (theta - v) dt + xi sqrt(v) dW2,
 *   dW1 dW2 = rho dt.
 *
 * Lewis's single integral (A. Lewis, Option Valuation under Stochastic
 * Volatility, 2000) with a Black-Scholes control (the Heston integrand less
 * Black's at the mean integrated variance), the characteristic function in
 * Albrecher, Mayer, Schoutens and Tistaert's "little Heston trap" form
 * (Wilmott Magazine, Jan 2007), which stays on the principal branch of the
 * logarithm, and every difference that cancels written so it does not (xi
 * as small as 1e-8 gives Black-Scholes). The integral is adaptive
 * Gauss-Kronrod (7-15 points) over [0, U], U where the integrand has fallen
 * below the tolerance, run once for all the strikes of a maturity. */
#ifndef MCPIPE_HESTON_H
#define MCPIPE_HESTON_H

#include <stddef.h>

struct heston {
	double v0, kappa, theta, xi, rho;
};

/* The outcomes of heston_prices. */
enum heston_status {
	HESTON_OK,
	HESTON_BAD_PARAMS,      /* v0, theta < 0, kappa, xi <= 0, |rho| > 1, or not finite */
	HESTON_NO_CONVERGENCE,  /* the error estimate stayed above the tolerance */
	HESTON_NOT_FINITE,      /* the characteristic function overflowed */
};

/* Discounted call prices (phi = 1) or put prices (phi = -1, by put-call
 * parity) for n strikes K at maturity T > 0, spot S, rate r, yield q:
 * price[i]. tol: the absolute error allowed in each price, relative to the
 * spot (1e-12 S when tol <= 0). Returns the first failure, if any; *evals
 * (if not NULL) gets the number of characteristic-function evaluations. */
enum heston_status heston_prices(const struct heston *h, int phi, double S, double r,
                                 double q, double T, size_t n, const double *K,
                                 double *price, double tol, long *evals);

/* The expected integrated variance E int_0^T v dt, for the control and for
 * the xi -> 0 limit: theta T + (v0 - theta) (1 - e^{-kappa T}) / kappa. */
double heston_mean_variance(const struct heston *h, double T);

#endif
