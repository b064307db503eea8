/* unit.h: what every unit test (tests/unit/test_*.c) shares.
 *
 * - splitmix64 (Steele, Lea, Flood 2014): the tests' own input stream,
 *   small, seedable, good enough to pick test data: next_u64, below and
 *   uniform draw from unit_rng, which starts at the test's UNIT_SEED
 *   (defined before including this), so every run is reproducible.
 * - failures, FAIL and CHECK: every failure is counted, the first 20 are
 *   printed as "file:line: message", so a broken function cannot flood
 *   the log; a test's exit status is 1 when failures is not 0.
 * - to_bits and from_bits: a double's bits and back. */
#ifndef MCPIPE_TEST_UNIT_H
#define MCPIPE_TEST_UNIT_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

#ifndef UNIT_SEED
#error "define UNIT_SEED, the test's fixed seed, before including unit.h"
#endif
static uint64_t unit_rng = UNIT_SEED;

static inline uint64_t next_u64(void)
{
	return splitmix64(&unit_rng);
}

/* Uniform enough in [0, n) for n far below 2^64. */
static inline uint64_t below(uint64_t n)
{
	return next_u64() % n;
}

/* In [0, 1), on the grid of 2^-53. */
static inline double uniform(void)
{
	return (double)(next_u64() >> 11) * 0x1p-53;
}

static long failures;

/* condition: the failed check's text, or NULL. */
static void __attribute__((format(printf, 4, 5), unused))
report_failure(const char *file, int line, const char *condition, const char *fmt, ...)
{
	if (failures++ >= 20)
		return;
	fprintf(stderr, "%s:%d: ", file, line);
	if (condition)
		fprintf(stderr, "failed: %s: ", condition);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define FAIL(...) report_failure(__FILE__, __LINE__, NULL, __VA_ARGS__)
#define CHECK(cond, ...)                                                \
	do {                                                            \
		if (!(cond))                                            \
			report_failure(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)

static inline uint64_t to_bits(double x)
{
	uint64_t bits;
	memcpy(&bits, &x, sizeof bits);
	return bits;
}

static inline double from_bits(uint64_t bits)
{
	double x;
	memcpy(&x, &bits, sizeof x);
	return x;
}

#endif
