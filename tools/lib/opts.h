/* opts.h: range-checked parsing of option values.
 *
 * Every parser names the option in its error ("--sigma: invalid number
 * 'abc'") and exits with status 2: a bad option is a usage error. */
#ifndef MCPIPE_OPTS_H
#define MCPIPE_OPTS_H

#include <stdint.h>

/* A finite double from the whole of `text` (decimal or C99 hex). */
double opt_double(const char *option, const char *text);
/* A strictly positive finite double. */
double opt_positive(const char *option, const char *text);
/* A non-negative finite double. */
double opt_nonneg(const char *option, const char *text);
/* An integer in [lo, hi], decimal digits only (an optional leading '-'). */
int64_t opt_int(const char *option, const char *text, int64_t lo, int64_t hi);
/* A 64-bit unsigned seed: decimal or 0x-prefixed hex, any value in [0, 2^64). */
uint64_t opt_seed(const char *option, const char *text);

#endif
