/* numtext.h: numbers as text, exactly.
 *
 * Every double written by mcpipe reads back bit-for-bit: people get the
 * shortest decimal that round-trips, machines may get C99 hex floats,
 * which are exact and far cheaper to write and read. Readers accept both.
 * The decimal point is always '.', whatever the locale (no tool calls
 * setlocale). NaN and infinities are rejected on input. */
#ifndef MCPIPE_NUMTEXT_H
#define MCPIPE_NUMTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NUM_TEXT_MAX 32   /* enough for any formatted double or integer, plus NUL */

/* Parses the whole of s[0..len) (s[len] must be NUL) as a finite double,
 * decimal or hex. False on empty text, junk, NaN, infinity or overflow.
 * Underflow to a subnormal or zero is accepted. */
bool num_parse(const char *s, size_t len, double *value);

/* Parses an unsigned 64-bit integer, decimal or 0x-prefixed hex, no sign. */
bool num_parse_u64(const char *s, size_t len, uint64_t *value);

/* Shortest decimal that reads back as exactly x; returns its length. */
size_t num_format(char *buf, double x);

/* Exact C99 hex float (0x1.8p+1), trailing zero digits dropped; returns length. */
size_t num_format_hex(char *buf, double x);

/* x in decimal (printf's %llu, without its cost: a tail partial writes
 * one a row); returns length. */
size_t num_format_u64(char *buf, uint64_t x);


#endif
