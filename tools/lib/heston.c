/* heston.c: see heston.h. */
#include "heston.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "black.h"
#include "xalloc.h"

/* Kronrod's 15-point rule and the 7-point Gauss rule it extends, on
 * [-1, 1]: nodes xk (xk[1], xk[3], xk[5], xk[7] are Gauss's), weights wk
 * and wg (QUADPACK's qk15, Piessens et al. 1983). */
static const double xk[8] = {
	0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
	0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
	0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
	0.207784955007898467600689403773245, 0.0,
};
static const double wk[8] = {
	0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
	0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
	0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
	0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
};
static const double wg[4] = {
	0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
	0.381830050505118944950369775488975, 0.417959183673469387755102040816327,
};

#define MAX_INTERVALS 1000
#define PI 3.14159265358979323846

double heston_mean_variance(const struct heston *h, double T)
{
	double kT = h->kappa * T;
	double frac = kT > 0 ? -expm1(-kT) / h->kappa : T;   /* (1 - e^{-kappa T})/kappa */
	return h->theta * T + (h->v0 - h->theta) * frac;
}

/* log(1 + z) without losing the digits of a small z. */
static double complex clog1p(double complex z)
{
	double a = creal(z), b = cimag(z);
	return 0.5 * log1p(2 * a + a * a + b * b) + I * atan2(b, 1 + a);
}

/* e^z - 1 without losing the digits of a small z. */
static double complex cexpm1(double complex z)
{
	double a = creal(z), b = cimag(z), s = sin(b / 2);
	return expm1(a) * cos(b) - 2 * s * s + I * exp(a) * sin(b);
}

/* The characteristic function of ln(S_T/F) at u - i/2, u real: then
 * z^2 + iz = u^2 + 1/4 and, with beta = kappa - rho xi (iu + 1/2),
 * d = sqrt(beta^2 + xi^2 (u^2 + 1/4)) (Re d >= 0), g = (beta - d)/(beta + d):
 *   ln phi = kappa theta/xi^2 [(beta - d) T - 2 ln((1 - g e^{-dT})/(1 - g))]
 *            + v0 (beta - d)/xi^2 (1 - e^{-dT})/(1 - g e^{-dT}).
 * beta - d = -xi^2 (u^2 + 1/4)/(beta + d) removes the cancellation and the
 * xi^2 of the denominators; (1 - g e^{-dT})/(1 - g) = 1 + g (1 - e^{-dT})/(1 - g)
 * goes through log1p, which is O(xi^2) as xi -> 0. */
static double complex heston_cf(const struct heston *h, double u, double T)
{
	double a = u * u + 0.25, rx = h->rho * h->xi;
	double complex beta = h->kappa - rx * 0.5 - I * rx * u;
	double complex d = csqrt(beta * beta + h->xi * h->xi * a);
	double complex bd = beta + d;
	double complex m = -a / bd;                       /* (beta - d)/xi^2 */
	double complex g = h->xi * h->xi * m / bd;        /* (beta - d)/(beta + d) */
	double complex one_e = -cexpm1(-d * T);           /* 1 - e^{-dT} */
	double complex ratio = one_e / (1 - g * (1 - one_e));
	double complex log_term = clog1p(g * one_e / (1 - g));
	double complex lnphi = h->kappa * h->theta * (m * T - 2 * log_term / (h->xi * h->xi))
	                       + h->v0 * m * ratio;
	return cexp(lnphi);
}

/* The strikes of one maturity in Lewis's form: k = ln(F/K), scale = sqrt(F K) df / pi. */
struct batch {
	const struct heston *h;
	double T, w;         /* maturity, the control's total variance */
	size_t n;
	const double *k, *scale;
	long evals;
	int bad;
};

/* f[j] = Re[e^{iuk_j} (phi_BS - phi)]/(u^2 + 1/4) for every strike. */
static void integrand(struct batch *b, double u, double *f)
{
	double complex phi = heston_cf(b->h, u, b->T);
	double a = u * u + 0.25, bs = exp(-0.5 * b->w * a);
	b->evals++;
	if (!isfinite(creal(phi)) || !isfinite(cimag(phi)))
		b->bad = 1;
	double complex diff = (bs - phi) / a;
	for (size_t j = 0; j < b->n; j++) {
		double c = cos(u * b->k[j]), s = sin(u * b->k[j]);
		f[j] = creal(diff) * c - cimag(diff) * s;
	}
}

struct interval {
	double lo, hi, err;
	double *val;   /* the Kronrod integral for each strike */
};

/* Gauss-Kronrod on [lo, hi]: the Kronrod integrals in iv->val; iv->err is
 * the largest |K15 - G7| over the strikes, in price units. f and gauss are
 * scratch arrays of n. */
static void gk15(struct batch *b, struct interval *iv, double *f, double *gauss)
{
	double c = (iv->lo + iv->hi) / 2, r = (iv->hi - iv->lo) / 2;
	memset(iv->val, 0, b->n * sizeof *iv->val);
	memset(gauss, 0, b->n * sizeof *gauss);
	for (int i = 0; i < 8; i++) {
		for (int side = 0; side < (i == 7 ? 1 : 2); side++) {
			integrand(b, side ? c - r * xk[i] : c + r * xk[i], f);
			for (size_t j = 0; j < b->n; j++) {
				iv->val[j] += r * wk[i] * f[j];
				if (i % 2 == 1)
					gauss[j] += r * wg[i / 2] * f[j];
			}
		}
	}
	iv->err = 0;
	for (size_t j = 0; j < b->n; j++)
		iv->err = fmax(iv->err, b->scale[j] * fabs(iv->val[j] - gauss[j]));
}

/* The largest u worth integrating to: the first power of two from which on
 * the integrand's bound (phi_BS + |phi|)/(u^2 + 1/4), times u (the tail
 * beyond it for any decay at least as fast as 1/u^2), is below tol at u and
 * at 2u. |phi(u - i/2)| <= E (S_T/F)^{1/2} <= 1, so 2^40 always does. */
static double upper_limit(struct batch *b, double tol)
{
	double u = 1;
	for (int i = 0; i < 40; i++, u *= 2) {
		int ok = 1;
		for (double v = u; v <= 2 * u; v += u) {
			double a = v * v + 0.25;
			double bound = (exp(-0.5 * b->w * a) + cabs(heston_cf(b->h, v, b->T))) / a * v;
			ok &= bound < tol;
		}
		if (ok)
			return u;
	}
	return u;
}

enum heston_status heston_prices(const struct heston *h, int phi, double S, double r,
                                 double q, double T, size_t n, const double *K,
                                 double *price, double tol, long *evals)
{
	if (evals)
		*evals = 0;
	if (!(h->v0 >= 0 && h->theta >= 0 && h->kappa >= 0 && h->xi >= 0 &&
	      fabs(h->rho) <= 1 && isfinite(h->v0) && isfinite(h->theta) &&
	      isfinite(h->kappa) && isfinite(h->xi)))
		return HESTON_BAD_PARAMS;
	double df = exp(-r * T), F = S * exp((r - q) * T), w = heston_mean_variance(h, T);
	if (tol <= 0)
		tol = 1e-12;
	tol *= S;

	/* The control: Black at the mean integrated variance. With xi = 0 the
	 * variance is deterministic and the control is the price. */
	for (size_t j = 0; j < n; j++)
		price[j] = df * black(1, F, K[j], sqrt(w));
	enum heston_status status = HESTON_OK;
	if (h->xi > 0 && n > 0) {
		double *k = xreallocarray(NULL, 4 * n, sizeof *k);
		double *scale = k + n, *f = k + 2 * n, *gauss = k + 3 * n, maxscale = 0;
		for (size_t j = 0; j < n; j++) {
			k[j] = log(F / K[j]);
			scale[j] = sqrt(F * K[j]) * df / PI;
			maxscale = fmax(maxscale, scale[j]);
		}
		struct batch b = { h, T, w, n, k, scale, 0, 0 };
		/* Tolerance is split: a tenth to the truncation, the rest to the
		 * quadrature. */
		double U = upper_limit(&b, 0.1 * tol / maxscale);
		struct interval *iv = xreallocarray(NULL, MAX_INTERVALS, sizeof *iv);
		double *vals = xreallocarray(NULL, (size_t)MAX_INTERVALS * n, sizeof *vals);
		int count = 8;
		/* Start from 8 pieces that are finer near 0, where the mass is. */
		for (int i = 0; i < count; i++) {
			iv[i].lo = U * ldexp(1, i - count) * (i > 0);
			iv[i].hi = U * ldexp(1, i + 1 - count);
			iv[i].val = vals + (size_t)i * n;
			gk15(&b, &iv[i], f, gauss);
		}
		for (;;) {
			double total = 0;
			int worst = 0;
			for (int i = 0; i < count; i++) {
				total += iv[i].err;
				if (iv[i].err > iv[worst].err)
					worst = i;
			}
			if (b.bad) {
				status = HESTON_NOT_FINITE;
				break;
			}
			if (total <= 0.9 * tol)
				break;
			if (count == MAX_INTERVALS) {
				status = HESTON_NO_CONVERGENCE;
				break;
			}
			double mid = (iv[worst].lo + iv[worst].hi) / 2;
			iv[count] = (struct interval){ mid, iv[worst].hi, 0, vals + (size_t)count * n };
			iv[worst].hi = mid;
			gk15(&b, &iv[worst], f, gauss);
			gk15(&b, &iv[count], f, gauss);
			count++;
		}
		for (size_t j = 0; j < n; j++) {
			double sum = 0;
			for (int i = 0; i < count; i++)
				sum += iv[i].val[j];
			price[j] += scale[j] * sum;
		}
		if (evals)
			*evals = b.evals;
		free(vals);
		free(iv);
		free(k);
	}
	for (size_t j = 0; j < n; j++) {
		if (phi < 0)   /* put-call parity */
			price[j] -= S * exp(-q * T) - K[j] * df;
		if (!isfinite(price[j]) && status == HESTON_OK)
			status = HESTON_NOT_FINITE;
	}
	return status;
}
