/* lsm.h: what lsmfit and exercise must compute identically.
 *
 * lsmfit fits the continuation value on training paths and exercise applies
 * it to pricing paths; both decide "exercise now?" with these functions, so
 * the rule priced is exactly the rule fitted (exercise run on the training
 * paths reproduces lsmfit's in-sample value bit for bit). */
#ifndef MCPIPE_LSM_H
#define MCPIPE_LSM_H

#include <math.h>
#include <stdbool.h>

/* The exercise value of an American call or put at price s. */
static inline double lsm_intrinsic(bool is_call, double strike, double s)
{
	double value = is_call ? s - strike : strike - s;
	return value > 0 ? value : 0;
}

/* The fitted continuation value c0 + c1 x + ... + cn x^n, by Horner's rule. */
static inline double lsm_continuation(const double *c, int n, double x)
{
	double value = c[n];
	for (int k = n - 1; k >= 0; k--)
		value = value * x + c[k];
	return value;
}

/* The variance's terms, under heston when the paths carry it (lsmfit's
 * state=variance): LSM_VARIANCE_TERMS more coefficients after the
 * polynomial's, of sqrt(v), v and x sqrt(v). The continuation value is
 * the polynomial plus those. */
#define LSM_VARIANCE_TERMS 3

static inline void lsm_variance_terms(double x, double v, double terms[LSM_VARIANCE_TERMS])
{
	double root = sqrt(v);
	terms[0] = root;
	terms[1] = v;
	terms[2] = x * root;
}

static inline double lsm_continuation_variance(const double *c, int n, double x, double v)
{
	double t[LSM_VARIANCE_TERMS];
	lsm_variance_terms(x, v, t);
	return lsm_continuation(c, n, x) + (c[n + 1] * t[0] + c[n + 2] * t[1] + c[n + 3] * t[2]);
}

#endif
