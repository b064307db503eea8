/* black.h: Black's formula in normalised form, and its inverse.
 *
 * A call or put on a forward F struck at K, undiscounted, with total
 * standard deviation s = sigma sqrt(T). The Heston and Merton pricers use
 * it as a control and a series term; impvol and calibrate invert it. The
 * inverse works on the out-of-the-money side (put-call parity moves an
 * in-the-money price there), where nothing cancels. */
#ifndef MCPIPE_BLACK_H
#define MCPIPE_BLACK_H

/* Undiscounted price phi (F N(phi d1) - K N(phi d2)), phi = 1 call,
 * -1 put, d1 = ln(F/K)/s + s/2; the intrinsic value when s = 0. */
double black(int phi, double F, double K, double s);

/* dPrice/ds (undiscounted): K n(d2) = F n(d1); 0 when s = 0. */
double black_vega_s(double F, double K, double s);

/* The outcomes of black_implied. */
enum black_status {
	BLACK_OK,          /* s found */
	BLACK_BELOW,       /* price below the intrinsic value (or negative) */
	BLACK_ABOVE,       /* price at or above its upper bound: F for a call, K for a put */
	BLACK_INTRINSIC,   /* price equals the intrinsic value: s = 0 */
	BLACK_UNDERFLOW,   /* the time value is too small to carry a volatility */
};

/* The total standard deviation s with black(phi, F, K, s) = price
 * (undiscounted), by Newton's method on the out-of-the-money price (on its
 * logarithm where the price is small) inside a bisection bracket, to
 * about 1e-15 relative in s. */
enum black_status black_implied(int phi, double F, double K, double price, double *s);

#endif
