/* lognormal.h: calls and puts on a lognormal quantity under geometric
 * Brownian motion, in closed form (Black 1976).
 *
 * S_T and the discrete geometric average G = (prod S_{t_i})^(1/n) over the
 * monitoring dates t_i = i T/n are both lognormal. closedform prices them
 * (and builds its barrier and lookback formulas on them); payoff checks a
 * control variate's --control-mean against them. Plain libm arithmetic:
 * these are reference values, not simulated paths, and their last bits may
 * differ between CPUs. */
#ifndef MCPIPE_LOGNORMAL_H
#define MCPIPE_LOGNORMAL_H

/* The standard normal distribution function N(x). */
double normal_cdf(double x);

/* d1 = x/v + v/2 for log-moneyness x = ln(F/K) and total volatility v; as
 * v -> 0+ it tends to +-infinity, or 0 at the money. d2 = d1 - v. */
double lognormal_d1(double x, double v);

/* The quantity with E ln X = ln s0 + (r - q - sigma^2/2) a T and
 * Var ln X = sigma^2 c T: a = c = 1 is S_T, lognormal_average_factors gives
 * them for G. The forward F = E[X], the log-moneyness x = ln(F/K), the total
 * volatility v, the discount factor df = e^{-rT}, and the derivatives of
 * ln F and v that Greeks need. */
struct lognormal {
	double S, K, F, x, v, df, T, r;
	double lnF_sigma, lnF_r, lnF_T, v_sigma, v_T;
};

struct lognormal lognormal_of(double s0, double strike, double r, double q, double sigma,
                              double T, double a, double c);

/* a and c of the geometric average over n dates:
 *   a = (n+1)/(2n),  c = (n+1)(2n+1)/(6n^2)
 * (sigma^2/n^2 sum_ij min(t_i, t_j) = sigma^2 c T). */
void lognormal_average_factors(long n, double *a, double *c);

/* Black's price of the call (phi = 1) or put (phi = -1) on X struck at K:
 * phi (A - B), with A = df F N(phi d1) and B = df K N(phi d2) also returned
 * (for Greeks; either pointer may be NULL). */
double lognormal_black(const struct lognormal *L, int phi, double *A, double *B);

#endif /* MCPIPE_LOGNORMAL_H */
