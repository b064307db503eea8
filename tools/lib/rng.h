/* rng.h: mcpipe's random numbers, Philox4x32-10 from Random123.
 *
 * Counter-based: the numbers of path `path` are a pure function of
 * (seed, path), so a path is the same path in any shard, job or host.
 * The 64-bit seed is the key; the counter is
 *     { block, stream, path low word, path high word }
 * where `block` numbers the 128-bit outputs within one path (two doubles
 * each) and `stream` separates independent uses of one seed (pricing
 * paths, training paths for regression, ...). */
#ifndef MCPIPE_RNG_H
#define MCPIPE_RNG_H

#include <stdint.h>
#include <Random123/philox.h>

/* RNG_INNER | k: the inner paths from date k of the dual bound (dual.h). */
enum rng_stream { RNG_PRICING = 0, RNG_TRAINING = 1 };
#define RNG_INNER UINT32_C(0x80000000)
/* The random scrambles of quasi-Monte Carlo's Sobol points (sobol.h):
 * counter { block, RNG_QMC_SCRAMBLE, dimension, replicate }. */
#define RNG_QMC_SCRAMBLE UINT32_C(0x08000000)
/* stream | RNG_MODEL_*: the draws of a model other than gbm (model.h), a
 * slice of the counters of their own. */
#define RNG_MODEL_HESTON UINT32_C(0x01000000)
#define RNG_MODEL_MERTON UINT32_C(0x02000000)
/* stream | RNG_ZIGGURAT: the words that finish the ziggurat's rare draws
 * (ziggurat.h), block = the step. */
#define RNG_ZIGGURAT UINT32_C(0x04000000)

/* Two 64-bit words: output block `block` of path `path`. */
static inline void rng_block(uint64_t seed, uint32_t stream, uint64_t path,
                             uint32_t block, uint64_t out[2])
{
	philox4x32_key_t key = { { (uint32_t)seed, (uint32_t)(seed >> 32) } };
	philox4x32_ctr_t ctr = { { block, stream, (uint32_t)path, (uint32_t)(path >> 32) } };
	philox4x32_ctr_t r = philox4x32_R(10, ctr, key);
	out[0] = (uint64_t)r.v[1] << 32 | r.v[0];
	out[1] = (uint64_t)r.v[3] << 32 | r.v[2];
}

#endif
