/* exactsum.h: exact, order-independent sums of doubles (a superaccumulator).
 *
 * An xsum holds a sum of doubles with no rounding at all, so the result is
 * the same bits whatever order or grouping the terms arrive in. It is exact
 * while |sum| < 2^XSUM_MAX_EXP: any 2^76 terms, even of magnitude DBL_MAX.
 * An add costs a few ns and no heap; only xsum_round* ever rounds.
 *
 * Text form (xsum_format/xsum_parse), one canonical spelling per value:
 *     0                                   the value zero
 *     [-]0x<hex>p<+|-><decimal>           <hex> * 2^<decimal>, where <hex> is
 *                                         odd, lowercase, no leading zero, and
 *                                         <decimal> has no leading zero ("+0")
 * e.g. 1 -> 0x1p+0, 2 -> 0x1p+1, -0.75 -> -0x3p-2. It is C99 hex-float
 * syntax, so strtod reads (a rounding of) it.
 */
#ifndef MCPIPE_EXACTSUM_H
#define MCPIPE_EXACTSUM_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define XSUM_LIMBS    67    /* 32-bit digits from 2^-1074, top limb signed */
#define XSUM_MAX_EXP  1100  /* exact (and parseable) while |sum| < 2^1100 */
#define XSUM_TEXT_MAX 560   /* bufsize that always holds xsum_format's text */

/* Treat as opaque. All zero bytes is the value 0. */
typedef struct xsum {
	int64_t limb[XSUM_LIMBS]; /* value = sum of limb[i] * 2^(32*i - 1074) */
	int64_t pending;          /* adds since limbs were last carried */
} xsum;

void   xsum_init(xsum *a);                   /* a = 0 */
void   xsum_add(xsum *a, double x);          /* a += x exactly; x finite (caller checks: inf/NaN give a wrong sum, no UB) */
void   xsum_merge(xsum *a, const xsum *b);   /* a += b exactly (b may be a) */
double xsum_round(const xsum *a);            /* nearest double, ties to even; +-HUGE_VAL past DBL_MAX; 0 gives +0.0 */
long double xsum_round_ld(const xsum *a);    /* nearest long double, ties to even (correctly rounded) */
int    xsum_sign(const xsum *a);             /* -1, 0 or +1 */
size_t xsum_format(const xsum *a, char *buf, size_t bufsize); /* canonical text as snprintf would (NUL-terminated, truncated to fit); returns its length */
int    xsum_parse(xsum *a, const char *s, size_t len);        /* s[0..len) in exactly the canonical form -> 0; anything else -> -1, a untouched */
bool   xsum_equal(const xsum *a, const xsum *b);              /* same value */

/* xsum_add inlined, for a caller's hot loop (partial_paths.c's block
 * sums): the same operations, so the same sum; a call's own cost was
 * about a third of the European shard's exact adds (bench/RESULTS.md). */
#define XSUM__CARRY_EVERY 1024
void   xsum__carry(xsum *a);                 /* (xsum_add_inline's carry pass) */
static inline void xsum_add_inline(xsum *a, double x)
{
	uint64_t bits;
	__builtin_memcpy(&bits, &x, sizeof bits);
	uint64_t biased_exp = (bits >> 52) & 0x7ff;
	uint64_t is_normal = biased_exp != 0;
	unsigned pos = (unsigned)(biased_exp - is_normal);
	unsigned shift = pos % 32;
	int64_t neg = -(int64_t)(bits >> 63);
	int64_t mantissa = (int64_t)((bits & ((UINT64_C(1) << 52) - 1)) | is_normal << 52);
	mantissa = (mantissa ^ neg) - neg;
	int64_t *at = &a->limb[pos / 32];
	at[0] += (int64_t)(((uint64_t)mantissa << shift) & UINT64_C(0xffffffff));
	at[1] += mantissa >> (32 - shift);
	if (++a->pending >= XSUM__CARRY_EVERY)
		xsum__carry(a);
}

#endif
