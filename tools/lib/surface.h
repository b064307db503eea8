/* surface.h: an implied-volatility surface file, and Heston prices on it.
 *
 * TSV, header first: maturity strike and iv (or price: an out-of-the-money
 * option's discounted price, a call for strike >= forward, a put below),
 * optionally rate (the continuous zero rate to that maturity). Metadata:
 * s0= (required), r= (the rate for rows without a rate column), q=. Each
 * quote becomes an out-of-the-money option with its market price and
 * Black vega; quotes of one (maturity, rate) share one Heston integral. */
#ifndef MCPIPE_SURFACE_H
#define MCPIPE_SURFACE_H

#include <stddef.h>

#include "heston.h"

struct quote {
	double T, K, r, iv, price, vega;   /* vega: dPrice/dsigma at iv */
	int phi;                           /* 1 call, -1 put (out of the money) */
	double F, df;
};

struct surface {
	double s0, q;
	size_t n;
	struct quote *quotes;       /* sorted by maturity, rate, strike */
	size_t ngroups, *group;     /* group[g] .. group[g+1]: one maturity */
	double *strikes, *work;     /* scratch for pricing */
};

/* Reads a surface; data errors name the file and line. */
void surface_read(struct surface *s, const char *path);

/* Model prices of every quote under h: model[i]. tol as heston_prices.
 * Returns the first failure; *evals adds up characteristic-function calls. */
enum heston_status surface_heston(struct surface *s, const struct heston *h, double *model,
                                  double tol, long *evals);

void surface_free(struct surface *s);

#endif
