/* normals.h - standard normals for a block of Philox words, vectorised.
 *
 * normals_from_words sets z[k] = det_normal_quantile(det_u01(hi[k] << 32 |
 * lo[k])), bit for bit, in passes a vectorising compiler does well:
 *   1. AS241's central region for every word: no log, no sqrt, and 85% of
 *      draws need nothing more (det_normal_quantile_central);
 *   2. the indices of the other 15% gathered, 8 words at a time: their
 *      flags made a byte, and a table of where the set bits of each byte
 *      are, with no branch on the data;
 *   3. det_normal_quantile_tail on the gathered u, a dense vector loop;
 *   4. those z scattered back.
 * Every step is per element and the same for each, so a word's z does not
 * depend on its place in the block or on the vector width.
 * Inline: each target clone of the caller compiles it for its own vectors.
 * simpaths and bench/fused.c (the limit) draw their normals here. */
#ifndef MCPIPE_NORMALS_H
#define MCPIPE_NORMALS_H

#include <stdint.h>
#include <string.h>

#include "detmath.h"
#include "simd.h"

#define NORMALS_MAX 1024   /* words per call, at most */

/* The caller's working memory for one call (about 37 KB: keep it static). */
struct normal_scratch {
	double u[NORMALS_MAX], distance[NORMALS_MAX];   /* |u - 1/2| */
	unsigned char outside[NORMALS_MAX];  /* 1 where distance > 0.425 */
	int tail_at[NORMALS_MAX + 8];        /* + 8: a group writes 8 slots */
	double tail_u[NORMALS_MAX], tail_z[NORMALS_MAX];
};

/* bit_at[b][i]: the place of the i-th set bit of byte b; bits_in[b]: how
 * many. Filled on first use. */
static unsigned char normals__bit_at[256][8], normals__bits_in[256];

static inline void normals__fill_table(void)
{
	for (int b = 0; b < 256; b++) {
		int n = 0;
		for (int i = 0; i < 8; i++)
			if (b >> i & 1)
				normals__bit_at[b][n++] = (unsigned char)i;
		normals__bits_in[b] = (unsigned char)n;
	}
}

/* Bit i of the result is flag[i] (each 0 or 1). On a little-endian CPU one
 * load and one multiply: the product's top byte collects bit 0 of each of
 * the 8 bytes (byte i shifted by 56 - 7i lands on bit 56 + i), with no
 * carries, the partial products being disjoint. */
static inline unsigned normals__gather_flags(const unsigned char *flag)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w;
	memcpy(&w, flag, sizeof w);
	return (unsigned)((w * UINT64_C(0x0102040810204080)) >> 56);
#else
	unsigned byte = 0;
	for (int i = 0; i < 8; i++)
		byte |= (unsigned)flag[i] << i;
	return byte;
#endif
}

ALWAYS_INLINE static void normals_from_words(const uint32_t *lo, const uint32_t *hi, int len,
                                             double *z, struct normal_scratch *s)
{
	if (normals__bits_in[255] == 0)
		normals__fill_table();
	for (int k = 0; k < len; k++) {
		s->u[k] = det_u01((uint64_t)hi[k] << 32 | lo[k]);
		z[k] = det_normal_quantile_central(s->u[k], &s->distance[k]);
	}
	/* a separate loop: mixed with the doubles above it vectorises badly */
	for (int k = 0; k < len; k++)
		s->outside[k] = !(s->distance[k] <= 0.425);   /* as det_normal_quantile decides */
	for (int k = len; k % 8; k++)
		s->outside[k] = 0;
	int m = 0;
	for (int k = 0; k < len; k += 8) {
		unsigned byte = normals__gather_flags(s->outside + k);
		for (int i = 0; i < 8; i++)
			s->tail_at[m + i] = k + normals__bit_at[byte][i];
		m += normals__bits_in[byte];
	}
	for (int j = 0; j < m; j++)
		s->tail_u[j] = s->u[s->tail_at[j]];
	for (int j = 0; j < m; j++)
		s->tail_z[j] = det_normal_quantile_tail(s->tail_u[j]);
	for (int j = 0; j < m; j++)
		z[s->tail_at[j]] = s->tail_z[j];
}

#endif /* MCPIPE_NORMALS_H */
