/* sobol.c: scrambled Sobol points (sobol.h). */
#include "sobol.h"

#include <stdlib.h>

#include "err.h"
#include "rng.h"
#include "xalloc.h"
#include "sobol_table.h"   /* build/gen: sobol_poly, sobol_minit (Boost's) */

_Static_assert(sizeof sobol_poly / sizeof sobol_poly[0] == SOBOL_MAX_DIMS - 1,
               "one polynomial per dimension after the first");
_Static_assert(sizeof sobol_minit / sizeof sobol_minit[0] == 15 * (SOBOL_MAX_DIMS - 1),
               "15 initial direction numbers per dimension after the first");

/* The plain direction numbers m_1..m_32 of dimension d as 64-bit
 * fractions v_k = m_k 2^-k: dimension 0 all m = 1 (van der Corput);
 * dimension d >= 1 by Joe and Kuo's recurrence on primitive polynomial
 * sobol_poly[d-1] of degree s (its bits: leading term, a_1 .. a_{s-1},
 * constant term):
 *     m_j = 2 a_1 m_{j-1} ^ 4 a_2 m_{j-2} ^ ... ^ 2^s m_{j-s} ^ m_{j-s}
 * from the initial m_1..m_s of sobol_minit (Boost's sobol_lattice does the
 * same). */
static void directions(int d, uint64_t v[SOBOL_BITS])
{
	uint64_t m[SOBOL_BITS];

	if (d == 0) {
		for (int k = 0; k < SOBOL_BITS; k++)
			m[k] = 1;
	} else {
		unsigned poly = sobol_poly[d - 1];
		int s = 0;
		while (poly >> (s + 1))
			s++;
		for (int k = 0; k < s && k < SOBOL_BITS; k++)
			m[k] = sobol_minit[15 * (d - 1) + k];
		for (int j = s; j < SOBOL_BITS; j++) {
			uint64_t x = m[j - s] ^ (m[j - s] << s);
			for (int k = 1; k < s; k++)
				if (poly >> (s - k) & 1)
					x ^= m[j - k] << k;
			m[j] = x;
		}
	}
	for (int k = 0; k < SOBOL_BITS; k++)
		v[k] = m[k] << (64 - (k + 1));
}

void sobol_init(struct sobol *s, int dims, int replicates, uint64_t seed, bool scramble)
{
	if (dims < 1 || dims > SOBOL_MAX_DIMS || replicates < 1 || replicates > SOBOL_MAX_REPLICATES)
		fatal("internal error: Sobol points of %d dimensions, %d replicates", dims, replicates);
	s->dims = dims;
	s->replicates = replicates;
	s->dir = xreallocarray(NULL, (size_t)replicates * SOBOL_BITS * (size_t)dims, sizeof *s->dir);
	s->shift = xreallocarray(NULL, (size_t)replicates * (size_t)dims, sizeof *s->shift);
	for (int d = 0; d < dims; d++) {
		uint64_t v[SOBOL_BITS];
		directions(d, v);
		for (int r = 0; r < replicates; r++) {
			/* column[b]: M's column for the digit at bit b, that bit
			 * itself (the unit diagonal) and random bits below it */
			uint64_t column[64], shift = 0;
			for (int b = 0; b < 64; b++)
				column[b] = UINT64_C(1) << b;
			if (scramble) {
				for (uint32_t block = 0; block < 33; block++) {
					uint64_t word[2];
					rng_block(seed, RNG_QMC_SCRAMBLE, (uint64_t)(uint32_t)r << 32 | (uint32_t)d,
					          block, word);
					for (int k = 0; k < 2; k++) {
						int b = 2 * (int)block + k;
						if (b < 64)
							column[b] |= word[k] & ((UINT64_C(1) << b) - 1);
						else
							shift = word[k];
					}
				}
			}
			for (int k = 0; k < SOBOL_BITS; k++) {
				/* M v: the columns of v's set bits (k + 1 at most), XORed */
				uint64_t y = 0;
				for (uint64_t bits = v[k]; bits; bits &= bits - 1)
					y ^= column[__builtin_ctzll(bits)];
				s->dir[((size_t)r * SOBOL_BITS + (size_t)k) * (size_t)dims + (size_t)d] = y;
			}
			s->shift[(size_t)r * (size_t)dims + (size_t)d] = shift;
		}
	}
}

void sobol_free(struct sobol *s)
{
	free(s->dir);
	free(s->shift);
	s->dir = s->shift = NULL;
}

void sobol_advance(const struct sobol *s, int r, uint64_t i, uint64_t *words, uint64_t *at)
{
	const int dims = s->dims;

	if (*at == UINT64_MAX || i != *at + 1 || i >= (UINT64_C(1) << SOBOL_BITS)) {
		sobol_point(s, r, i, words);
		*at = i;
		return;
	}
	const int k = __builtin_ctzll(i);   /* < SOBOL_BITS: 0 < i < 2^SOBOL_BITS */
	const uint64_t *v = s->dir + ((size_t)r * SOBOL_BITS + (size_t)k) * (size_t)dims;
	for (int d = 0; d < dims; d++)
		words[d] ^= v[d];
	*at = i;
}

void sobol_point(const struct sobol *s, int r, uint64_t i, uint64_t *words)
{
	const int dims = s->dims;
	const uint64_t *shift = s->shift + (size_t)r * (size_t)dims;
	/* i < 2^SOBOL_BITS for a point of the run; the lanes of a block past
	 * its end may ask for one beyond, whose words are never used */
	uint64_t gray = (i ^ (i >> 1)) & ((UINT64_C(1) << SOBOL_BITS) - 1);

	for (int d = 0; d < dims; d++)
		words[d] = shift[d];
	for (int k = 0; gray; k++, gray >>= 1)
		if (gray & 1) {
			const uint64_t *v = s->dir + ((size_t)r * SOBOL_BITS + (size_t)k) * (size_t)dims;
			for (int d = 0; d < dims; d++)
				words[d] ^= v[d];
		}
}
