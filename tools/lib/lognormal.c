/* lognormal.c: see lognormal.h. */
#include "lognormal.h"

#include <math.h>

double normal_cdf(double x)
{
	return 0.5 * erfc(-x / sqrt(2.0));
}

double lognormal_d1(double x, double v)
{
	if (v > 0)
		return x / v + v / 2;
	return x > 0 ? INFINITY : x < 0 ? -INFINITY : 0;
}

/* With ln S_t = ln S0 + (r - q - sigma^2/2) t + sigma W_t, E ln X as above
 * and ln F = E ln X + Var ln X / 2 (Kemna & Vorst 1990 for the continuous
 * average, where a = 1/2, c = 1/3). */
struct lognormal lognormal_of(double s0, double strike, double r, double q, double sigma,
                              double T, double a, double c)
{
	double b = r - q, s2 = sigma * sigma;
	/* (b - s2/2) a T + s2 c T/2, without the cancellation of s2 a T/2
	 * against s2 c T/2 that loses b entirely when sigma is huge */
	double drift = b * a * T + s2 * (c - a) * T / 2;
	struct lognormal L = {
		.S = s0, .K = strike, .T = T, .r = r,
		.F = s0 * exp(drift),
		.x = log(s0 / strike) + drift,
		.v = sigma * sqrt(c * T),
		.df = exp(-r * T),
		.lnF_sigma = sigma * T * (c - a),
		.lnF_r = a * T,
		.lnF_T = b * a + s2 * (c - a) / 2,
		.v_sigma = sqrt(c * T),
	};
	L.v_T = L.v / (2 * T);
	return L;
}

void lognormal_average_factors(long n, double *a, double *c)
{
	double inv = 1 / (double)n;
	*a = (1 + inv) / 2;
	*c = (1 + inv) * (2 + inv) / 6;
}

double lognormal_black(const struct lognormal *L, int phi, double *A, double *B)
{
	double d1 = lognormal_d1(L->x, L->v), d2 = d1 - L->v;
	double a = L->df * L->F * normal_cdf(phi * d1), b = L->df * L->K * normal_cdf(phi * d2);
	if (A)
		*A = a;
	if (B)
		*B = b;
	return phi * (a - b);
}
