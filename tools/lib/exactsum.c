/* exactsum.c: exact sums of doubles in a fixed-size superaccumulator.
 *
 * The scheme. Every finite double is m * 2^e with 0 <= m < 2^53 and
 * e >= -1074, so every sum of doubles is an integer count of "units" of
 * 2^-1074. The accumulator holds that integer in base 2^32, least
 * significant limb first: value = sum of limb[i] * 2^(32*i - 1074).
 *
 * Adding x: with the sign folded into m, and pos = e + 1074 (0..2045) the
 * bit where m's lowest bit lands, m * 2^(pos % 32) is split into its low 32
 * bits, added to limb pos/32, and the (signed, at most 52-bit) rest, added
 * to the limb above. Two integer adds, no carries: the int64 limbs absorb
 * them lazily ("carry-save"), and carry() restores the canonical form every
 * CARRY_EVERY adds, before any limb can overflow.
 *
 * Canonical form, after carry(): limb[0..TOP) in [0, 2^32), and limb[TOP],
 * which no add touches, holds the signed rest. One value has exactly one
 * canonical form (the base-2^32 expansion of the integer, with the top limb
 * as its floor), so equality, sign and text work on it.
 *
 * Relies on >> of a negative int64 being an arithmetic shift (a floor
 * division), as GCC and Clang define it; the static assertion below checks.
 */
#include "exactsum.h"

#include <float.h>
#include <math.h>
#include <string.h>

enum {
	UNIT_EXP    = -1074,              /* exponent of the integer's lowest bit */
	DIGIT_BITS  = 32,
	TOP         = XSUM_LIMBS - 1,     /* the signed limb that only carries reach */
	MAG_DIGITS  = XSUM_LIMBS + 1,     /* |value| as 32-bit digits: top limb is 64 bits */
	MAG_BITS    = MAG_DIGITS * DIGIT_BITS,
	MAX_ADD_POS = 2046,               /* pos for biased exponent 0x7ff (even inf/nan) */
};
#define DIGIT_MASK  INT64_C(0xffffffff)

/* Between carries a limb starts in [0, 2^32), and each add changes it by
 * at most 2^52 (a low part < 2^32 or a rest of magnitude <= 2^52), so after
 * CARRY_EVERY = 2^10 adds it is within 2^32 + 2^62: no int64 overflow, with
 * room left for the carry pass's own carries (< 2^31). The pass costs about
 * as much as 100 adds, so its share stays under a tenth. */
#define CARRY_EVERY 1024
_Static_assert(CARRY_EVERY == XSUM__CARRY_EVERY, "xsum_add_inline carries as xsum_add does");

_Static_assert((INT64_C(-5) >> 1) == -3, "needs arithmetic right shift of negative integers");
/* Even a non-finite x (the caller's bug) only touches limbs below TOP. */
_Static_assert(MAX_ADD_POS / DIGIT_BITS + 1 < TOP, "an add reaches the top limb");
/* The top limb, as an int64 at 2^(32*TOP - 1074), holds any value in
 * [-2^1101, 2^1101): twice the documented range, so merging two in-range
 * sums cannot wrap. */
_Static_assert(XSUM_MAX_EXP + 1 <= 63 + DIGIT_BITS * TOP + UNIT_EXP, "range exceeds the top limb");
/* The brief: 2^62 terms of magnitude DBL_MAX (< 2^1024) must fit. */
_Static_assert(1024 + 62 <= XSUM_MAX_EXP, "too little headroom");
/* XSUM_TEXT_MAX: "-0x", MAG_BITS/4 hex digits, "p", sign, 4 exponent digits, NUL. */
_Static_assert(3 + MAG_BITS / 4 + 1 + 1 + 4 + 1 <= XSUM_TEXT_MAX, "XSUM_TEXT_MAX too small");

/* Two's-complement addition without signed overflow: only past the
 * documented range can the top limb wrap, and then it wraps, not traps. */
static int64_t wrapping_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* Brings limbs to the canonical form: each keeps its value mod 2^32 and
 * passes the floor of the rest up. */
static void carry(int64_t limb[XSUM_LIMBS])
{
	for (int i = 0; i < TOP; i++) {
		int64_t up = limb[i] >> DIGIT_BITS;
		limb[i] &= DIGIT_MASK;
		limb[i + 1] = wrapping_add(limb[i + 1], up);
	}
}

void xsum__carry(xsum *a)
{
	carry(a->limb);
	a->pending = 0;
}

void xsum_init(xsum *a)
{
	memset(a, 0, sizeof *a);
}

/* Adding x (xsum_add_inline, exactsum.h, spells it out): with pos = e +
 * 1074 the bit where the mantissa's lowest bit lands, m * 2^(pos % 32) is
 * split into its low 32 bits, added to limb pos/32, and the signed rest,
 * added to the limb above. Normal: implicit leading 1 and e = biased -
 * 1075; subnormal: no leading 1 and e = -1074; either way pos is the
 * biased exponent less is_normal. The sign is branch-free (signs of real
 * data are random, and a mispredicted branch costs more): with neg = -1,
 * (m ^ neg) - neg == -m. The low part is the low bits of the
 * two's-complement product, the rest its floor. */
void xsum_add(xsum *a, double x)
{
	xsum_add_inline(a, x);
}

void xsum_merge(xsum *a, const xsum *b)
{
	xsum other = *b; /* b may be a */
	carry(other.limb);
	carry(a->limb);
	/* Canonical digits sum to < 2^33: far inside a limb. */
	for (int i = 0; i < XSUM_LIMBS; i++)
		a->limb[i] = wrapping_add(a->limb[i], other.limb[i]);
	carry(a->limb);
	a->pending = 0;
}

/* Writes |a| as MAG_DIGITS 32-bit digits, least significant first, and
 * returns the sign of a. */
static int magnitude(const xsum *a, uint32_t mag[MAG_DIGITS])
{
	int64_t limb[XSUM_LIMBS];
	memcpy(limb, a->limb, sizeof limb);
	carry(limb);

	/* Canonical limbs are the two's-complement digits of the integer. */
	for (int i = 0; i < TOP; i++)
		mag[i] = (uint32_t)limb[i];
	uint64_t top = (uint64_t)limb[TOP];
	mag[TOP] = (uint32_t)top;
	mag[TOP + 1] = (uint32_t)(top >> DIGIT_BITS);

	if (limb[TOP] < 0) {
		uint64_t c = 1; /* -v == ~v + 1 */
		for (int i = 0; i < MAG_DIGITS; i++) {
			uint64_t d = (uint64_t)(uint32_t)~mag[i] + c;
			mag[i] = (uint32_t)d;
			c = d >> DIGIT_BITS;
		}
		return -1;
	}
	for (int i = 0; i < MAG_DIGITS; i++)
		if (mag[i] != 0)
			return 1;
	return 0;
}

static int get_bit(const uint32_t mag[MAG_DIGITS], int bit)
{
	if (bit < 0 || bit >= MAG_BITS)
		return 0;
	return (mag[bit / DIGIT_BITS] >> (bit % DIGIT_BITS)) & 1;
}

/* Bits bit .. bit+3 (0 <= bit < MAG_BITS); bits past the top read as 0. */
static unsigned get_nibble(const uint32_t mag[MAG_DIGITS], int bit)
{
	int i = bit / DIGIT_BITS;
	uint64_t window = mag[i];
	if (i + 1 < MAG_DIGITS)
		window |= (uint64_t)mag[i + 1] << DIGIT_BITS;
	return (unsigned)(window >> (bit % DIGIT_BITS)) & 0xf;
}

/* Sets bits bit .. bit+3 from nibble; the caller keeps set bits below MAG_BITS. */
static void or_nibble(uint32_t mag[MAG_DIGITS], int bit, unsigned nibble)
{
	int i = bit / DIGIT_BITS, offset = bit % DIGIT_BITS;
	uint64_t shifted = (uint64_t)nibble << offset;
	mag[i] |= (uint32_t)shifted;
	if (i + 1 < MAG_DIGITS)
		mag[i + 1] |= (uint32_t)(shifted >> DIGIT_BITS);
}

/* Bit index of the highest set bit of a nonzero digit, by halving. */
static int top_bit_of(uint32_t d)
{
	int n = 0;
	for (int half = DIGIT_BITS / 2; half > 0; half /= 2)
		if (d >> half) {
			d >>= half;
			n += half;
		}
	return n;
}

/* Bit index of the lowest set bit of a nonzero digit, by halving. */
static int bottom_bit_of(uint32_t d)
{
	int n = 0;
	for (int half = DIGIT_BITS / 2; half > 0; half /= 2)
		if ((d & ((UINT32_C(1) << half) - 1)) == 0) {
			d >>= half;
			n += half;
		}
	return n;
}

/* Index of the highest set bit, -1 if none. */
static int highest_bit(const uint32_t mag[MAG_DIGITS])
{
	for (int i = MAG_DIGITS - 1; i >= 0; i--)
		if (mag[i] != 0)
			return i * DIGIT_BITS + top_bit_of(mag[i]);
	return -1;
}

/* Index of the lowest set bit, -1 if none. */
static int lowest_bit(const uint32_t mag[MAG_DIGITS])
{
	for (int i = 0; i < MAG_DIGITS; i++)
		if (mag[i] != 0)
			return i * DIGIT_BITS + bottom_bit_of(mag[i]);
	return -1;
}

/* Rounds the magnitude to nearest, ties to even, keeping `precision`
 * significant bits but no bit below 2^min_exp: the rounding a binary
 * floating-point format with that precision and smallest subnormal 2^min_exp
 * does. The result may carry into a new highest bit (a power of two). */
static void round_magnitude(uint32_t mag[MAG_DIGITS], int precision, int min_exp)
{
	int high = highest_bit(mag);
	int cut = high - precision + 1;      /* lowest bit kept */
	if (cut < min_exp - UNIT_EXP)
		cut = min_exp - UNIT_EXP;
	if (cut <= 0)
		return;                      /* every bit is kept: exact */

	bool half = get_bit(mag, cut - 1);
	bool below_half = lowest_bit(mag) < cut - 1;
	bool odd = get_bit(mag, cut);
	for (int i = 0; i < cut / DIGIT_BITS; i++)
		mag[i] = 0;
	mag[cut / DIGIT_BITS] &= ~UINT32_C(0) << (cut % DIGIT_BITS);
	if (!(half && (below_half || odd)))
		return;
	/* Add 2^cut. It cannot leave the array: |value| <= 2^2175 in units,
	 * and only a value below that has bits to round. */
	uint64_t c = (uint64_t)1 << (cut % DIGIT_BITS);
	for (int i = cut / DIGIT_BITS; i < MAG_DIGITS && c != 0; i++) {
		uint64_t d = (uint64_t)mag[i] + c;
		mag[i] = (uint32_t)d;
		c = d >> DIGIT_BITS;
	}
}

/* The conversions below add the rounded digits from the top down. Each
 * partial sum is a leading part of a value that has at most `precision`
 * significant bits and none below the format's smallest subnormal, so each
 * is exact, and the last is the rounded value; if that exceeds the format's
 * range, the top digit alone already does, and the sum is infinite. */

double xsum_round(const xsum *a)
{
	uint32_t mag[MAG_DIGITS];
	int sign = magnitude(a, mag);
	round_magnitude(mag, DBL_MANT_DIG, DBL_MIN_EXP - DBL_MANT_DIG);
	double sum = 0;
	for (int i = MAG_DIGITS - 1; i >= 0; i--)
		if (mag[i] != 0)
			sum += ldexp((double)mag[i], DIGIT_BITS * i + UNIT_EXP);
	return sign < 0 ? -sum : sum;
}

long double xsum_round_ld(const xsum *a)
{
	uint32_t mag[MAG_DIGITS];
	int sign = magnitude(a, mag);
	round_magnitude(mag, LDBL_MANT_DIG, LDBL_MIN_EXP - LDBL_MANT_DIG);
	long double sum = 0;
	for (int i = MAG_DIGITS - 1; i >= 0; i--)
		if (mag[i] != 0)
			sum += ldexpl((long double)mag[i], DIGIT_BITS * i + UNIT_EXP);
	return sign < 0 ? -sum : sum;
}

int xsum_sign(const xsum *a)
{
	int64_t limb[XSUM_LIMBS];
	memcpy(limb, a->limb, sizeof limb);
	carry(limb);
	if (limb[TOP] < 0)
		return -1;
	for (int i = 0; i < XSUM_LIMBS; i++)
		if (limb[i] != 0)
			return 1;
	return 0;
}

bool xsum_equal(const xsum *a, const xsum *b)
{
	int64_t la[XSUM_LIMBS], lb[XSUM_LIMBS];
	memcpy(la, a->limb, sizeof la);
	memcpy(lb, b->limb, sizeof lb);
	carry(la);
	carry(lb);
	return memcmp(la, lb, sizeof la) == 0;
}

static const char hex_digits[] = "0123456789abcdef";

/* The text is |value| = M * 2^E with M odd: M runs from the lowest set bit
 * to the highest, and E is the lowest set bit's exponent. Oddness makes the
 * pair (M, E) unique, so equal values give equal bytes. */
size_t xsum_format(const xsum *a, char *buf, size_t bufsize)
{
	char text[XSUM_TEXT_MAX];
	size_t len = 0;
	uint32_t mag[MAG_DIGITS];
	int sign = magnitude(a, mag);

	if (sign == 0) {
		text[len++] = '0';
	} else {
		int low = lowest_bit(mag), high = highest_bit(mag);
		if (sign < 0)
			text[len++] = '-';
		text[len++] = '0';
		text[len++] = 'x';
		/* Hex digit k holds bits low + 4k .. low + 4k + 3. */
		for (int k = (high - low) / 4; k >= 0; k--)
			text[len++] = hex_digits[get_nibble(mag, low + 4 * k)];
		int exponent = low + UNIT_EXP;
		text[len++] = 'p';
		text[len++] = exponent < 0 ? '-' : '+';
		unsigned e = (unsigned)(exponent < 0 ? -exponent : exponent);
		char rev[8];
		int n = 0;
		do {
			rev[n++] = (char)('0' + e % 10);
			e /= 10;
		} while (e != 0);
		while (n > 0)
			text[len++] = rev[--n];
	}

	if (bufsize > 0) {
		size_t n = len < bufsize - 1 ? len : bufsize - 1;
		memcpy(buf, text, n);
		buf[n] = '\0';
	}
	return len;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Only the canonical spelling is accepted, so that a partial that parses
 * is known to be one this code wrote (or could have), and so that text
 * comparison and value comparison agree. */
int xsum_parse(xsum *a, const char *s, size_t len)
{
	if (len == 0 || len >= XSUM_TEXT_MAX)
		return -1;
	if (len == 1 && s[0] == '0') {
		xsum_init(a);
		return 0;
	}

	size_t i = 0;
	bool negative = s[i] == '-';
	if (negative)
		i++;
	if (len - i < 2 || s[i] != '0' || s[i + 1] != 'x')
		return -1;
	i += 2;

	size_t hex_start = i;
	while (i < len && hex_value(s[i]) >= 0)
		i++;
	size_t hex_count = i - hex_start;
	if (hex_count == 0 || s[hex_start] == '0' || hex_value(s[i - 1]) % 2 == 0)
		return -1;

	if (i == len || s[i] != 'p')
		return -1;
	i++;
	if (i == len || (s[i] != '+' && s[i] != '-'))
		return -1;
	bool exp_negative = s[i] == '-';
	i++;
	size_t exp_start = i;
	int exp_magnitude = 0;
	/* Four digits hold every exponent in range; more are rejected below. */
	while (i < len && s[i] >= '0' && s[i] <= '9' && i - exp_start < 5) {
		exp_magnitude = exp_magnitude * 10 + (s[i] - '0');
		i++;
	}
	size_t exp_count = i - exp_start;
	if (i != len || exp_count == 0 || exp_count > 4)
		return -1;
	if (s[exp_start] == '0' && (exp_count > 1 || exp_negative))
		return -1;                   /* only "+0" spells zero */
	int exponent = exp_negative ? -exp_magnitude : exp_magnitude;

	/* M * 2^E with M odd is a whole number of units iff E >= -1074, and
	 * is below 2^XSUM_MAX_EXP iff E + bitlength(M) <= XSUM_MAX_EXP. */
	int lead = hex_value(s[hex_start]);
	int lead_bits = lead >= 8 ? 4 : lead >= 4 ? 3 : lead >= 2 ? 2 : 1;
	int bit_length = 4 * (int)(hex_count - 1) + lead_bits; /* < 4 * XSUM_TEXT_MAX */
	if (exponent < UNIT_EXP || exponent + bit_length > XSUM_MAX_EXP)
		return -1;

	uint32_t mag[MAG_DIGITS] = {0};
	int base = exponent - UNIT_EXP;
	for (size_t k = 0; k < hex_count; k++)
		or_nibble(mag, base + 4 * (int)k, (unsigned)hex_value(s[hex_start + hex_count - 1 - k]));

	/* The range check keeps |value| below 2^(63 + 32*TOP + UNIT_EXP - 1),
	 * so the top two digits fit the signed top limb. */
	xsum v;
	xsum_init(&v);
	for (int k = 0; k < TOP; k++)
		v.limb[k] = negative ? -(int64_t)mag[k] : (int64_t)mag[k];
	int64_t top = (int64_t)((uint64_t)mag[TOP + 1] << DIGIT_BITS | mag[TOP]);
	v.limb[TOP] = negative ? -top : top;
	carry(v.limb);
	*a = v;
	return 0;
}
