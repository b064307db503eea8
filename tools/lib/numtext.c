#define _POSIX_C_SOURCE 200809L
#include "numtext.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Digit value plus one by byte, 0 for non-digits: a table lookup instead
 * of three range tests, whose mispredicted branches dominated hex parsing. */
static const unsigned char hex_digit_table[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* The value of a hex digit, or -1. */
static int hex_digit_value(int c)
{
	return hex_digit_table[(unsigned char)c] - 1;
}

/* Exact powers of ten that a double holds: 10^22 is the largest. */
static const double exact_power_of_ten[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* Clinger's fast path: with at most 15 significant digits the mantissa is
 * an exact double, and so is 10^|e| for |e| <= 22, so one IEEE multiply or
 * divide gives the correctly rounded result. Returns false when the text is
 * outside that case (or is not a plain decimal), so the caller falls back. */
static bool parse_decimal_fast(const char *s, const char *end, double *value)
{
	const char *p = s;
	bool negative = false;
	uint64_t mantissa = 0;
	int digits = 0, exponent = 0;
	bool any_digit = false;

	if (p < end && (*p == '-' || *p == '+'))
		negative = (*p++ == '-');
	while (p < end && *p == '0') {
		p++;
		any_digit = true;
	}
	for (; p < end && *p >= '0' && *p <= '9'; p++, any_digit = true) {
		if (++digits > 15)
			return false;
		mantissa = mantissa * 10 + (uint64_t)(*p - '0');
	}
	if (p < end && *p == '.') {
		p++;
		for (; p < end && *p >= '0' && *p <= '9'; p++, any_digit = true) {
			if (mantissa == 0 && *p == '0') {
				exponent--;
				continue;
			}
			if (++digits > 15)
				return false;
			mantissa = mantissa * 10 + (uint64_t)(*p - '0');
			exponent--;
		}
	}
	if (!any_digit)
		return false;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		bool exp_negative = false;
		int exp_value = 0;
		if (p < end && (*p == '-' || *p == '+'))
			exp_negative = (*p++ == '-');
		if (p == end || *p < '0' || *p > '9')
			return false;
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			if (exp_value < 10000)
				exp_value = exp_value * 10 + (*p - '0');
		exponent += exp_negative ? -exp_value : exp_value;
	}
	if (p != end)
		return false;
	if (mantissa == 0) {
		*value = negative ? -0.0 : 0.0;
		return true;
	}
	if (exponent < -22 || exponent > 22)
		return false;
	double result = (double)mantissa;
	result = exponent < 0 ? result / exact_power_of_ten[-exponent]
	                      : result * exact_power_of_ten[exponent];
	*value = negative ? -result : result;
	return true;
}

/* Hex floats as num_format_hex writes them, exactly: with a mantissa of at
 * most 53 significant bits, ldexp is exact or rounds once (subnormals).
 * Longer mantissas go to strtod, but only once the whole text has passed
 * the syntax check here: strtod would also take them without the 'p'. */
static bool parse_hex_fast(const char *s, const char *end, double *value,
                           bool *handled)
{
	const char *p = s;
	bool negative = false;
	uint64_t mantissa = 0;
	int shift = 0;
	bool any_digit = false, too_long = false;

	*handled = true;
	if (p < end && (*p == '-' || *p == '+'))
		negative = (*p++ == '-');
	if (end - p < 2 || p[0] != '0' || (p[1] != 'x' && p[1] != 'X')) {
		*handled = false;
		return false;
	}
	p += 2;
	for (int d; p < end && (d = hex_digit_value(*p)) >= 0; p++) {
		any_digit = true;
		if (mantissa >> 52)
			too_long = true;
		else
			mantissa = mantissa << 4 | (uint64_t)d;
	}
	if (p < end && *p == '.') {
		p++;
		for (int d; p < end && (d = hex_digit_value(*p)) >= 0; p++) {
			any_digit = true;
			if (mantissa >> 52) {
				too_long = true;
			} else {
				mantissa = mantissa << 4 | (uint64_t)d;
				shift -= 4;
			}
		}
	}
	if (!any_digit || p == end || (*p != 'p' && *p != 'P'))
		return false;
	p++;
	bool exp_negative = false;
	int exp_value = 0;
	if (p < end && (*p == '-' || *p == '+'))
		exp_negative = (*p++ == '-');
	if (p == end)
		return false;
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		if (exp_value < 100000)
			exp_value = exp_value * 10 + (*p - '0');
	if (p != end)
		return false;
	if (too_long || mantissa >> 53) {   /* 14 hex digits may hold 56 bits */
		*handled = false;
		return false;
	}
	int e = shift + (exp_negative ? -exp_value : exp_value);
	double result;
	if (e >= -1022 && e <= 1023) {
		/* 2^e a normal double: one multiply, exact as ldexp is here
		 * (a mantissa of 1 or more keeps the result normal; too large,
		 * both give infinity), without its call */
		union { double d; uint64_t u; } power = { .u = (uint64_t)(e + 1023) << 52 };
		result = (double)mantissa * power.d;
	} else {
		result = ldexp((double)mantissa, e);
	}
	if (isinf(result))
		return false;
	*value = negative ? -result : result;
	return true;
}

bool num_parse(const char *s, size_t len, double *value)
{
	const char *end = s + len;
	bool handled;

	if (len == 0 || len > 1000)
		return false;
	/* (both fast paths take digits, signs, '.', 'x', 'p' and 'e' alone:
	 * a NUL inside the text fails them; strtod below would stop at it) */
	bool hex = len > 2 && s[s[0] == '-' || s[0] == '+'] == '0' &&
	           (s[1] == 'x' || s[1] == 'X' || s[2] == 'x' || s[2] == 'X');
	if (!hex && parse_decimal_fast(s, end, value))
		return true;
	if (parse_hex_fast(s, end, value, &handled))
		return true;
	if (handled || memchr(s, '\0', len))
		return false;
	/* strtod would accept these, but they are not data: nan, inf, infinity,
	 * and leading white space. */
	const char *p = s + (*s == '-' || *s == '+');
	if (!((*p >= '0' && *p <= '9') || *p == '.'))
		return false;
	char *stop;
	errno = 0;
	double result = strtod(s, &stop);
	if (stop != end || !isfinite(result))
		return false;
	*value = result;
	return true;
}

bool num_parse_u64(const char *s, size_t len, uint64_t *value)
{
	uint64_t result = 0;
	size_t i = 0;

	if (len == 0)
		return false;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		/* Overflow by value, not by length: leading zeros are fine,
		 * as they are in decimal. */
		for (i = 2; i < len; i++) {
			int d = hex_digit_value(s[i]);
			if (d < 0 || result >> 60)
				return false;
			result = result << 4 | (uint64_t)d;
		}
		*value = result;
		return true;
	}
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned digit = (unsigned)(s[i] - '0');
		if (result > (UINT64_MAX - digit) / 10)
			return false;
		result = result * 10 + digit;
	}
	*value = result;
	return true;
}

size_t num_format(char *buf, double x)
{
	/* 15 significant digits always survive the trip to double and back;
	 * 17 always identify the double. Try the shorter forms first. */
	for (int precision = 15; precision < 17; precision++) {
		int len = snprintf(buf, NUM_TEXT_MAX, "%.*g", precision, x);
		if (strtod(buf, NULL) == x)
			return (size_t)len;
	}
	return (size_t)snprintf(buf, NUM_TEXT_MAX, "%.17g", x);
}

size_t num_format_hex(char *buf, double x)
{
	static const char digits[] = "0123456789abcdef";
	uint64_t bits;
	char *p = buf;

	memcpy(&bits, &x, sizeof bits);
	if (bits >> 63)
		*p++ = '-';
	int biased_exponent = (int)(bits >> 52 & 0x7ff);
	uint64_t fraction = bits & ((UINT64_C(1) << 52) - 1);
	*p++ = '0';
	*p++ = 'x';
	int exponent;
	if (biased_exponent == 0) {
		*p++ = '0';   /* zero and subnormals: 0x0.fffp-1022 */
		exponent = fraction ? -1022 : 0;
	} else {
		*p++ = '1';
		exponent = biased_exponent - 1023;
	}
	if (fraction) {
		*p++ = '.';
		for (int nibble = 13; nibble > 0 && fraction; nibble--) {
			*p++ = digits[fraction >> 48 & 0xf];
			fraction = fraction << 4 & ((UINT64_C(1) << 52) - 1);
		}
	}
	*p++ = 'p';
	if (exponent < 0) {
		*p++ = '-';
		exponent = -exponent;
	} else {
		*p++ = '+';
	}
	p += num_format_u64(p, (uint64_t)exponent);
	return (size_t)(p - buf);
}

size_t num_format_u64(char *buf, uint64_t x)
{
	char reversed[20];
	size_t n = 0;
	do {
		reversed[n++] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	for (size_t i = 0; i < n; i++)
		buf[i] = reversed[n - 1 - i];
	buf[n] = '\0';
	return n;
}
