/* black.c: see black.h. */
#include "black.h"

#include <float.h>
#include <math.h>

#include "lognormal.h"

#define INV_SQRT_2PI 0.3989422804014327   /* 1 / sqrt(2 pi) */

double black(int phi, double F, double K, double s)
{
	if (!(s > 0))
		return fmax(phi * (F - K), 0);
	double d1 = log(F / K) / s + s / 2;
	return phi * (F * normal_cdf(phi * d1) - K * normal_cdf(phi * (d1 - s)));
}

double black_vega_s(double F, double K, double s)
{
	if (!(s > 0))
		return 0;
	double d1 = log(F / K) / s + s / 2;
	return F * INV_SQRT_2PI * exp(-0.5 * d1 * d1);
}

/* The out-of-the-money option in units of sqrt(F K), for x = ln(F/K) <= 0:
 * a call, b(s) = e^{x/2} N(x/s + s/2) - e^{-x/2} N(x/s - s/2), in (0, e^{x/2}).
 * Its derivative is e^{x/2} n(x/s + s/2). Computing b this way costs little
 * in s: the cancellation between the two terms is at most the first term's
 * rounding, eps e^{x/2} N(h), over b' = e^{x/2} n(h), which is below eps for
 * h = x/s + s/2 <= 0 (Mills' ratio N(h)/n(h) < 1.26 there). */
static double otm(double x, double s, double *db)
{
	double h = x / s + s / 2, e = exp(x / 2);
	*db = e * INV_SQRT_2PI * exp(-0.5 * h * h);
	return e * normal_cdf(h) - normal_cdf(h - s) / e;
}

enum black_status black_implied(int phi, double F, double K, double price, double *s)
{
	double intrinsic = fmax(phi * (F - K), 0), upper = phi > 0 ? F : K;

	*s = 0;
	if (!(price >= intrinsic))
		return BLACK_BELOW;
	if (!(price < upper))
		return BLACK_ABOVE;
	/* The out-of-the-money price: an in-the-money call less F - K is the put
	 * (put-call parity, undiscounted), and puts mirror calls under
	 * x -> -x: put(F, K) / sqrt(FK) = call(K, F) / sqrt(FK). */
	double target = (price - intrinsic) / sqrt(F * K), x = -fabs(log(F / K));
	if (target == 0)
		return BLACK_INTRINSIC;
	if (target >= exp(x / 2))   /* the out-of-the-money bound, by rounding */
		return BLACK_ABOVE;
	if (target < DBL_MIN)
		return BLACK_UNDERFLOW;

	/* A bracket [lo, hi] with b(lo) < target <= b(hi), b increasing in s. */
	double lo = 0, hi = 1, db, b;
	while ((b = otm(x, hi, &db)) < target) {
		lo = hi;
		hi *= 2;
		if (hi > 1e3)   /* b(1000) = e^{x/2} to double precision */
			return BLACK_ABOVE;
	}
	/* Start at the inflection point sqrt(2|x|) when inside the bracket:
	 * Newton's iterates from there move monotonically towards the root. */
	double v = sqrt(2 * fabs(x));
	if (!(v > lo && v < hi))
		v = (lo + hi) / 2;
	double ltarget = log(target);
	for (int i = 0; i < 200; i++) {
		b = otm(x, v, &db);
		if (b < target)
			lo = v;
		else
			hi = v;
		/* Small prices: Newton on ln b, which is nearly linear in 1/s there;
		 * otherwise on b itself. */
		double step;
		if (b > 0 && target < 0.1 * exp(x / 2))
			step = (ltarget - log(b)) * b / db;
		else
			step = (target - b) / db;
		double next = v + step;
		if (!(next > lo && next < hi) || !isfinite(next))
			next = (lo + hi) / 2;
		if (fabs(next - v) <= 4 * DBL_EPSILON * v || hi - lo <= 4 * DBL_EPSILON * hi) {
			*s = next;
			return BLACK_OK;
		}
		v = next;
	}
	*s = v;
	return BLACK_OK;
}
