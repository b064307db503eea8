/* texp.h - a table-driven exp, a prototype for measuring (issue 20 item
 * 3), NOT used by any tool: its bits differ from det_exp's, so switching
 * to it would change every path's prices (bench/RESULTS.md says what it
 * would buy). bench/fused.c uses it when built with -DFUSED_TABLE_EXP,
 * bench/ceiling-parts.c times it beside det_exp.
 *
 * e^x = 2^e 2^(j/128) e^r with k = round(x 128/ln2) = 128 e + j and
 * r = x - k ln2/128 (Cody-Waite, |r| <= ln2/256 = 0.0027): 2^(j/128) from a
 * double-double table (hi + lo, built from x87 long double exp2l on first
 * use: a real version would spell the 256 constants out), e^r - 1 by its
 * Taylor polynomial of degree 5 (truncation r^6/720 < 2^-61), then
 *   T_hi + (T_hi p + T_lo),  scaled by 2^e.
 * The same operations as det_exp's kind (+ - * and a table load, no FMA),
 * so it too would give the same bits on every CPU and vector width; about
 * 20 floating-point operations against det_exp's 50, plus two gathers.
 * Range as det_exp_lean: -708 <= x <= 709 (clamped). */
#ifndef MCPIPE_TEXP_H
#define MCPIPE_TEXP_H

#include <stdint.h>

#include "detmath.h"

static double texp__hi[128], texp__lo[128];

static inline void texp_fill_table(void)
{
	for (int j = 0; j < 128; j++) {
		long double t = exp2l((long double)j / 128.0L);
		texp__hi[j] = (double)t;
		texp__lo[j] = (double)(t - (long double)texp__hi[j]);
	}
}

/* ln2/128 = TEXP_L2HI + TEXP_L2LO, HI with 33 significant bits (k * HI
 * exact for |k| < 2^20) */
#define TEXP_INV 0x1.71547652b82fep+7     /* 128/ln2 */
#define TEXP_L2HI 0x1.62e42ffp-8
#define TEXP_L2LO -0x1.718432a1b0e26p-42

DET__INLINE double texp(double x)
{
	DET__NOCONTRACT
	const double shift = 0x1.8p52;
	x = x < -708.0 ? -708.0 : x;
	x = x > 709.0 ? 709.0 : x;
	double t = x * TEXP_INV + shift;
	double kd = t - shift;
	uint64_t kb = det__bits(t) - det__bits(shift);   /* k mod 2^64 */
	uint64_t j = kb & 127;
	int64_t e = (int64_t)kb >> 7;   /* floor(k / 128) */
	double r = (x - kd * TEXP_L2HI) - kd * TEXP_L2LO;
	double r2 = r * r;
	double p = r + r2 * (0.5 + r * (0x1.5555555555555p-3 + r * (0x1.5555555555555p-5 +
	                                                           r * 0x1.1111111111111p-7)));
	double th = texp__hi[j], tl = texp__lo[j];
	double s = th + (th * p + tl);
	return s * det__dbl((uint64_t)(e + 1023) << 52);
}

#endif /* MCPIPE_TEXP_H */
