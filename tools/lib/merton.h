/* merton.h: European calls and puts under Merton's jump diffusion (J. Econ.
 * Financ. 3, 1976): GBM with volatility sigma plus compound-Poisson jumps
 * of intensity lambda per year whose log sizes are N(mu_j, delta_j^2), the
 * drift compensated so that e^{-(r-q)t} S_t is a martingale.
 *
 * The price is Merton's series: conditional on n jumps the stock is
 * lognormal, so
 *   V = sum_n e^{-lambda' T} (lambda' T)^n / n! BS(S, K, T, r_n, sigma_n),
 *   lambda' = lambda (1 + m), m = e^{mu_j + delta_j^2/2} - 1,
 *   sigma_n^2 = sigma^2 + n delta_j^2 / T, r_n = r - lambda m + n ln(1 + m) / T
 * (Haug, The Complete Guide to Option Pricing Formulas, 2nd ed., 6.9.1),
 * summed until the Poisson weights left are below 1e-17 of the total. */
#ifndef MCPIPE_MERTON_H
#define MCPIPE_MERTON_H

/* The discounted call (phi = 1) or put (phi = -1). NaN if the series does
 * not settle within 100000 terms (lambda' T beyond about 1e9). */
double merton_price(int phi, double S, double K, double r, double q, double sigma,
                    double T, double lambda, double mu_j, double delta_j);

#endif
