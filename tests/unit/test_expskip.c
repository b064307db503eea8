/* test_expskip - checks tools/lib/expskip.h: a fused call's or put's S_T
 * without the exp where the payoff is zero.
 *
 * usage: test_expskip
 * For spots and strikes from 1e-300 to 1e300, both sides, and blocks of
 * 1 to 1024 lanes (whole vectors and a part of one): every lane's S is
 * s0 * det_exp(x) bit for bit, or else it is the strike and the exact S
 * was finite, positive and paid nothing (call: S <= K; put: S >= K). The
 * log-prices are random, within a few ulps of the range's edges, and the
 * special ones (NaN, infinities, the underflow and overflow of S). Prints
 * how many lanes took the strike (none on a CPU without AVX-512, where
 * every exp is computed). Each failure is one line on stderr, exit 1. */
#define _POSIX_C_SOURCE 200809L
#include "expskip.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define UNIT_SEED 0x6d63706970650020u
#include "unit.h"

static struct exp_skip_scratch scratch;

/* Some x around the interesting places of (s0, K): the range's edges, the
 * strike's log-moneyness, the ends of det_exp's range. */
static double pick(const struct exp_skip *k, double s0, double strike)
{
	const double special[] = { NAN, INFINITY, -INFINITY, 0, -746, 710, -700, 700 };
	double m = log(strike / s0), where;
	switch (below(6)) {
	case 0: return special[below(sizeof special / sizeof special[0])];
	case 1: where = k->lo; break;
	case 2: where = k->hi; break;
	case 3: where = m; break;
	case 4: return (uniform() - 0.5) * 1600;
	default: return m + (uniform() - 0.5) * 4;
	}
	double x = where;
	for (int i = (int)below(9) - 4; i != 0; i += i > 0 ? -1 : 1)
		x = nextafter(x, i > 0 ? INFINITY : -INFINITY);
	return x;
}

int main(void)
{
	const double spots[] = { 100, 1, 1e-300, 1e300, 3.7e-5, 2.2e9 };
	const double ratios[] = { 1, 0.5, 2, 1e-10, 1e10, 1.0000000001 };
	static double x[EXP_SKIP_MAX], s[EXP_SKIP_MAX];
	long lanes = 0, skipped = 0;

	for (size_t a = 0; a < sizeof spots / sizeof spots[0]; a++)
		for (size_t b = 0; b < sizeof ratios / sizeof ratios[0]; b++)
			for (int side = -1; side <= 1; side += 2) {
				double s0 = spots[a], strike = s0 * ratios[b];
				struct exp_skip k = exp_skip_range(s0, strike, side);
				for (int rep = 0; rep < 40; rep++) {
					int n = rep == 0 ? EXP_SKIP_MAX : 1 + (int)below(EXP_SKIP_MAX);
					for (int i = 0; i < n; i++)
						x[i] = pick(&k, s0, strike);
					exp_skip_prices(x, n, s0, &k, s, &scratch);
					for (int i = 0; i < n; i++) {
						double exact = s0 * det_exp(x[i]);
						lanes++;
						if (to_bits(s[i]) == to_bits(exact))
							continue;
						skipped++;
						int pays = side > 0 ? exact > strike : strike > exact;
						CHECK(s[i] == strike && !pays && exact > 0 && exact <= DBL_MAX,
						      "s0 %a K %a side %d x %a: S %a, exact %a", s0, strike,
						      side, x[i], s[i], exact);
					}
				}
			}
	/* no range: every lane exact */
	struct exp_skip none = exp_skip_range(100, 100, 0);
	CHECK(!(none.lo < none.hi), "side 0 gives a range %a..%a", none.lo, none.hi);
	none = exp_skip_range(100, 0, 1);
	CHECK(!(none.lo < none.hi), "strike 0 gives a range %a..%a", none.lo, none.hi);
	none = exp_skip_range(NAN, 100, -1);
	CHECK(!(none.lo < none.hi), "spot NaN gives a range %a..%a", none.lo, none.hi);
	printf("expskip: %ld lanes, %ld took the strike\n", lanes, skipped);
	return failures != 0;
}
