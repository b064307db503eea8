/* normals.h - standard normals for a block of Philox words, vectorised.
 *
 * normals_from_words sets z[k] = det_normal_quantile(det_u01(hi[k] << 32 |
 * lo[k])), bit for bit, in passes a vectorising compiler does well:
 *   1. AS241's central region for every word: no log, no sqrt, and 85% of
 *      draws need nothing more (det_normal_quantile_central);
 *   2. the indices of the other 15% gathered (normals__flag_indices: 8
 *      flags a byte and a table of its set bits, or with AVX-512 16 flags
 *      a mask and vpcompressd), with no branch on the data;
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
	unsigned char outside[NORMALS_MAX + 16];  /* 1 where distance > 0.425 */
	int tail_at[NORMALS_MAX + 16];       /* + 16: a group writes 16 slots */
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

/* The indices k < len with flag[k] set (each 0 or 1), in order, into
 * at[0..m-1]; returns m. flag[len..] must be readable up to a multiple of
 * 16 and at[] have room for m + 16 (both written past their ends). The
 * generic way: 8 flags made a byte, and the table of where its set bits
 * are, with no branch on the data. With AVX-512 (picked on first use by
 * __builtin_cpu_supports, as ziggurat.h's fast path is) 16 flags a mask
 * and vpcompressd of their indices: about a tenth of the instructions
 * for the usual block of few set flags. The same indices either way. */
ALWAYS_INLINE static int normals__flag_indices_generic(const unsigned char *flag, int len, int *at)
{
	if (normals__bits_in[255] == 0)
		normals__fill_table();
	int m = 0;
	for (int k = 0; k < len; k += 8) {
		unsigned byte = normals__gather_flags(flag + k);
		for (int i = 0; i < 8; i++)
			at[m + i] = k + normals__bit_at[byte][i];
		m += normals__bits_in[byte];
	}
	return m;
}

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && defined(__x86_64__) \
    && !defined(MCPIPE_NO_CLONES)
#include <immintrin.h>

__attribute__((target("arch=x86-64-v4"), noinline, unused))
static int normals__flag_indices_v4(const unsigned char *flag, int len, int *at)
{
	const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	int m = 0;
	for (int k = 0; k < len; k += 16) {
		__mmask16 in = (__mmask16)(len - k >= 16 ? 0xffff : (1u << (len - k)) - 1);
		__m128i bytes = _mm_maskz_loadu_epi8(in, flag + k);
		__mmask16 set = _mm_test_epi8_mask(bytes, bytes);
		__m512i index = _mm512_add_epi32(iota, _mm512_set1_epi32(k));
		_mm512_storeu_si512((void *)(at + m), _mm512_maskz_compress_epi32(set, index));
		m += __builtin_popcount(set);
	}
	return m;
}

ALWAYS_INLINE static int normals__flag_indices(const unsigned char *flag, int len, int *at)
{
	static int v4 = -1;
	if (v4 < 0)
		v4 = __builtin_cpu_supports("x86-64-v4");
	return v4 ? normals__flag_indices_v4(flag, len, at) : normals__flag_indices_generic(flag, len, at);
}
#else
ALWAYS_INLINE static int normals__flag_indices(const unsigned char *flag, int len, int *at)
{
	return normals__flag_indices_generic(flag, len, at);
}
#endif

ALWAYS_INLINE static void normals_from_words(const uint32_t *lo, const uint32_t *hi, int len,
                                             double *z, struct normal_scratch *s)
{
	for (int k = 0; k < len; k++) {
		s->u[k] = det_u01((uint64_t)hi[k] << 32 | lo[k]);
		z[k] = det_normal_quantile_central(s->u[k], &s->distance[k]);
	}
	/* a separate loop: mixed with the doubles above it vectorises badly */
	for (int k = 0; k < len; k++)
		s->outside[k] = !(s->distance[k] <= 0.425);   /* as det_normal_quantile decides */
	for (int k = len; k % 16; k++)
		s->outside[k] = 0;
	int m = normals__flag_indices(s->outside, len, s->tail_at);
	for (int j = 0; j < m; j++)
		s->tail_u[j] = s->u[s->tail_at[j]];
	for (int j = 0; j < m; j++)
		s->tail_z[j] = det_normal_quantile_tail(s->tail_u[j]);
	for (int j = 0; j < m; j++)
		z[s->tail_at[j]] = s->tail_z[j];
}

#endif /* MCPIPE_NORMALS_H */
