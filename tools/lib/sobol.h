/* sobol.h: scrambled Sobol points, each computed from its index alone.
 *
 * Sobol's sequence with Joe and Kuo's direction numbers (new-joe-kuo-6.21201,
 * "Constructing Sobol sequences with better two-dimensional projections",
 * SIAM J. Sci. Comput. 30 (2008) 2635-2654), as Debian's libboost-dev ships
 * them (the first SOBOL_MAX_DIMS dimensions; build/gen/sobol_table.h is made
 * from Boost's header at build time). Points are in Gray-code order, the
 * order of Joe and Kuo's own program, scipy's and Boost's: point i is the
 * XOR of the direction numbers over the set bits of gray(i) = i ^ (i >> 1),
 * so it needs no other point (a shard needs no other shard).
 *
 * Randomised by Matousek's random linear scramble plus a digital shift,
 * per replicate and dimension: y = M x ^ e, M a random lower-triangular
 * 64x64 bit matrix with unit diagonal, e a random 64-bit shift, both drawn
 * from Philox keyed by the seed (counter { block, RNG_QMC_SCRAMBLE,
 * dimension, replicate }, rng.h). M is linear over GF(2), so M (v1 ^ v2)
 * = M v1 ^ M v2: the scrambled direction numbers M v_k are computed once,
 * and a scrambled point costs what a plain one does. Each scrambled point is
 * uniform on [0,1)^d and the net structure is kept, so each replicate's
 * mean is unbiased and replicates are independent
 * (DESIGN.md, "Quasi-Monte Carlo"). The 64-bit word's low 32 bits, below
 * the sequence's own 32, are filled by M and e, so det_u01 of a word is
 * never 0 or 1 and the normals come by the same inversion as Philox's. */
#ifndef MCPIPE_SOBOL_H
#define MCPIPE_SOBOL_H

#include <stdbool.h>
#include <stdint.h>

#define SOBOL_MAX_DIMS 3667                        /* Boost's table */
#define SOBOL_BITS 32                              /* points per replicate <= 2^32 */
#define SOBOL_MAX_REPLICATES 1024

struct sobol {
	int dims, replicates;
	/* dir[(r * SOBOL_BITS + k) * dims + d]: direction number k of
	 * dimension d, scrambled for replicate r; shift[r * dims + d] */
	uint64_t *dir, *shift;
};

/* The first `dims` dimensions, `replicates` scramblings from seed; with
 * scramble false, the plain sequence (every replicate the same, no shift;
 * its point 0 is the origin: for tests, not for normals). dims and
 * replicates must lie in 1..SOBOL_MAX_DIMS, 1..SOBOL_MAX_REPLICATES
 * (callers refuse more with their own message). */
void sobol_init(struct sobol *s, int dims, int replicates, uint64_t seed, bool scramble);
void sobol_free(struct sobol *s);

/* words[d], d < dims: point i (i < 2^SOBOL_BITS; beyond, a point of no
 * use, but memory-safe) of replicate r, each coordinate a 64-bit binary
 * fraction. */
void sobol_point(const struct sobol *s, int r, uint64_t i, uint64_t *words);

/* words holds point *at of replicate r (*at UINT64_MAX: none yet); makes
 * it point i and sets *at = i. The next point in Gray-code order is the
 * last one XOR one direction number a dimension (gray(i) = gray(i - 1) ^
 * 2^ctz(i)), dims XORs instead of sobol_point's dims per set bit of
 * gray(i) (16 at 2^16 points); XOR is exact, so the same words. Any other
 * i: sobol_point. */
void sobol_advance(const struct sobol *s, int r, uint64_t i, uint64_t *words, uint64_t *at);

#endif
