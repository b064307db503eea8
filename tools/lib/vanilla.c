/* vanilla.c: closed-form Europeans under heston and merton (vanilla.h). */
#include <math.h>

#include "heston.h"
#include "merton.h"
#include "vanilla.h"

double vanilla_price(const struct model *m, int phi, double K)
{
	double v = NAN;

	if (m->kind == MODEL_HESTON) {
		const struct heston h = { m->v0, m->kappa, m->theta, m->xi, m->rho };
		if (heston_prices(&h, phi, m->s0, m->r, m->q, m->T, 1, &K, &v, 0, NULL) != HESTON_OK)
			return NAN;
	} else if (m->kind == MODEL_MERTON) {
		v = merton_price(phi, m->s0, K, m->r, m->q, m->sigma, m->T, m->lambda, m->mu_j,
		                 m->delta_j);
	}
	return isfinite(v) ? v : NAN;
}
