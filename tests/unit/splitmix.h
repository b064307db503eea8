/* splitmix.h: the unit tests' own input stream.
 *
 * splitmix64 (Steele, Lea, Flood 2014): small, seedable, good enough to
 * pick test data. Each test keeps its own state with a fixed seed, so every
 * run is reproducible. */
#ifndef MCPIPE_TEST_SPLITMIX_H
#define MCPIPE_TEST_SPLITMIX_H

#include <stdint.h>

static inline uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

#endif
