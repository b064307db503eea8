/* simd.h - SIMD_CLONES: a hot function compiled once per x86-64 vector
 * target.
 *
 * gcc compiles a function marked SIMD_CLONES for AVX-512 (x86-64-v4), for
 * AVX2 (v3) and for SSE2, and picks one when the program loads: one binary
 * that uses the widest vectors of the CPU it runs on. mcpipe's arithmetic is
 * + - * / sqrt, integer and select operations without contraction
 * (-ffp-contract=off), so every clone gives the same bits (DESIGN.md);
 * `make check-simd` builds simpaths once per target with -DMCPIPE_NO_CLONES
 * -march=TARGET and compares the bytes. A helper the clone must vectorise
 * too is inlined into it (always_inline), or marked SIMD_CLONES itself. */
#ifndef MCPIPE_SIMD_H
#define MCPIPE_SIMD_H

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && defined(__x86_64__) \
    && !defined(MCPIPE_NO_CLONES)
#define SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SIMD_CLONES
#endif

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

#endif /* MCPIPE_SIMD_H */
