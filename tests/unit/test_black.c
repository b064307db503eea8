/* test_black: black_implied inverts black over the whole domain.
 *
 * Round trip on random points: log-moneyness x = ln(F/K) uniform in
 * [-6, 6], total sd s log-uniform in [1e-4, 8], calls and puts alike (so
 * deep in and out of the money, short and long maturities). The check:
 * |s' - s| <= 1e-12 wherever the price carries that much: where its own
 * rounding, eps (price + F + K) / vega, moves s by less than 1e-13;
 * elsewhere |s' - s| <= 10 eps (price + F + K) / vega, what the price can
 * tell. Points whose time value is not representable (below DBL_MIN, or
 * the price already at its bound) must be refused, not inverted. */
#define UNIT_SEED 0x6c657473626572ULL   /* "letsber" */
#include "unit.h"

#include <float.h>
#include <math.h>

#include "black.h"

int main(void)
{
	long n = 0, tight = 0, loose = 0, refused = 0;
	double worst_tight = 0;
	for (long i = 0; i < 400000; i++) {
		double x = -6 + 12 * uniform(), s = 1e-4 * pow(8e4, uniform());
		int phi = i % 2 ? 1 : -1;
		double F = 100, K = F * exp(-x);
		double price = black(phi, F, K, s), vega = black_vega_s(F, K, s), got;
		enum black_status st = black_implied(phi, F, K, price, &got);
		double carried = DBL_EPSILON * (price + F + K) / vega;
		if (st != BLACK_OK) {
			/* Refusals only where the time value is lost to rounding. */
			double tv = price - fmax(phi * (F - K), 0);
			CHECK(tv <= 4 * DBL_EPSILON * (F + K) || price >= (phi > 0 ? F : K) ||
			      tv / sqrt(F * K) < DBL_MIN || !(carried < 1),
			      "x %.17g s %.17g phi %d: refused (%d) a price %.17g with time value %.3g",
			      x, s, phi, st, price, tv);
			refused++;
			continue;
		}
		n++;
		double err = fabs(got - s);
		if (carried < 1e-13) {
			tight++;
			worst_tight = fmax(worst_tight, err);
			CHECK(err <= 1e-12, "x %.17g s %.17g phi %d: got %.17g, error %.3g",
			      x, s, phi, got, err);
		} else {
			loose++;
			CHECK(err <= 10 * carried || err <= 1e-12,
			      "x %.17g s %.17g phi %d: got %.17g, error %.3g over %.3g",
			      x, s, phi, got, err, 10 * carried);
		}
	}
	printf("round trip: %ld inverted (%ld where the price carries 1e-13 in s: max error %.3g; "
	       "%ld beyond), %ld refused\n", n, tight, worst_tight, loose, refused);

	/* Bounds: below intrinsic, at or above the upper bound, negative. */
	double s;
	CHECK(black_implied(1, 100, 90, 9.99, &s) == BLACK_BELOW, "below intrinsic");
	CHECK(black_implied(-1, 100, 110, 9.99, &s) == BLACK_BELOW, "put below intrinsic");
	CHECK(black_implied(1, 100, 90, 100, &s) == BLACK_ABOVE, "call at F");
	CHECK(black_implied(-1, 100, 90, 90, &s) == BLACK_ABOVE, "put at K");
	CHECK(black_implied(1, 100, 100, -1, &s) == BLACK_BELOW, "negative");
	CHECK(black_implied(1, 100, 100, NAN, &s) == BLACK_BELOW, "nan");
	CHECK(black_implied(1, 100, 90, 10, &s) == BLACK_INTRINSIC && s == 0, "intrinsic");
	return failures != 0;
}
