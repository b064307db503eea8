/* merton.c: see merton.h. */
#include "merton.h"

#include <math.h>

#include "black.h"

#define MAX_TERMS 100000

/* With the forward F_n = S e^{(r_n - q) T} and discounting at r (Haug
 * discounts at r_n and multiplies by the weight with lambda'; the two agree:
 * e^{-lambda' T} e^{-r_n T} (lambda' T)^n = e^{-lambda T} e^{-rT} ...), each
 * term is df Black(F_n, K, sigma_n sqrt T) with weight Poisson(n; lambda T) and
 * F_n = F e^{-lambda m T} (1 + m)^n, the forward given n jumps. Weights are
 * formed in logarithms, so a large lambda T neither overflows nor underflows
 * the first terms. Summation starts at the mode and goes both ways. */
double merton_price(int phi, double S, double K, double r, double q, double sigma,
                    double T, double lambda, double mu_j, double delta_j)
{
	double df = exp(-r * T), F = S * exp((r - q) * T);
	double m = expm1(mu_j + delta_j * delta_j / 2), L = lambda * T;
	double logF0 = log(F) - lambda * m * T, log1m = log1p(m);
	if (L == 0)
		return df * black(phi, F, K, sigma * sqrt(T));

	/* A term is at most w (F_n + K); the bounds w F_n peak at n near
	 * lambda' T = L (1 + m), the weights at L: stop each way past both. */
	long mode = (long)floor(L);
	double total = 0, mass = 0, hi = fmax(L, L * (1 + m)), lo = fmin(L, L * (1 + m));
	for (int dir = 1; dir >= -1; dir -= 2) {
		long n = dir > 0 ? mode : mode - 1;
		for (long terms = 0; n >= 0; n += dir, terms++) {
			if (terms == MAX_TERMS)
				return NAN;
			double w = exp(-L + (double)n * log(L) - lgamma((double)n + 1));
			double Fn = exp(logF0 + (double)n * log1m);
			double sd = sqrt(sigma * sigma * T + (double)n * delta_j * delta_j);
			double bound = w * (Fn + K);
			total += w * black(phi, Fn, K, sd);
			mass += bound;
			if (bound < 1e-17 * mass && (dir > 0 ? (double)n > hi : (double)n < lo))
				break;
		}
	}
	return df * total;
}
