#define _POSIX_C_SOURCE 200809L
#include "opts.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "err.h"
#include "numtext.h"

double opt_double(const char *option, const char *text)
{
	double value;

	if (!num_parse(text, strlen(text), &value))
		usage_error("%s: invalid number '%s'", option, text);
	return value;
}

double opt_positive(const char *option, const char *text)
{
	double value = opt_double(option, text);

	if (!(value > 0))
		usage_error("%s: '%s' must be positive", option, text);
	return value;
}

double opt_nonneg(const char *option, const char *text)
{
	double value = opt_double(option, text);

	if (!(value >= 0))
		usage_error("%s: '%s' must not be negative", option, text);
	return value;
}

int64_t opt_int(const char *option, const char *text, int64_t lo, int64_t hi)
{
	const char *p = text;
	int negative = 0;
	uint64_t magnitude = 0;

	if (*p == '-') {
		negative = 1;
		p++;
	}
	/* The syntax first: digits that overflow and then junk are junk, not
	 * out of range (tests/fuzz/fuzz_opts.c checks the message). */
	if (!isdigit((unsigned char)*p) || p[strspn(p, "0123456789")] != '\0')
		usage_error("%s: invalid integer '%s'", option, text);
	for (; *p != '\0'; p++) {
		unsigned digit = (unsigned)(*p - '0');
		if (magnitude > (UINT64_MAX - digit) / 10)
			usage_error("%s: '%s' is out of range", option, text);
		magnitude = magnitude * 10 + digit;
	}
	if (negative ? magnitude > (uint64_t)INT64_MAX + 1 : magnitude > INT64_MAX)
		usage_error("%s: '%s' is out of range", option, text);
	int64_t value = negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
	if (value < lo || value > hi)
		usage_error("%s: '%s' must be between %lld and %lld", option, text,
		            (long long)lo, (long long)hi);
	return value;
}

uint64_t opt_seed(const char *option, const char *text)
{
	uint64_t seed;

	if (!num_parse_u64(text, strlen(text), &seed))
		usage_error("%s: invalid seed '%s' (want 0..2^64-1, decimal or 0x hex)",
		            option, text);
	return seed;
}
