/* rng_int.h -- between the CPU random-number fill (rng.c, threads and the
 * scalar path) and its vectorized kernels (rng_simd.c: Philox in AVX2 or
 * AVX-512 lanes, transforms auto-vectorized for AVX2+FMA). */
#ifndef TDM_CPU_RNG_INT_H
#define TDM_CPU_RNG_INT_H

#include "backend.h"

/* Groups (4 words each, or one integer value) per unit of parallel work. */
#define TDM__RNG_CHUNK 1024
/* The scratch a chunk needs: its words, plus a block for an offset that is
 * not on a block boundary. */
#define TDM__RNG_SCRATCH (4 * TDM__RNG_CHUNK + 4)

/* 0: no vector path (use the scalar one); 1: AVX2+FMA; 2: AVX2+FMA with
 * AVX-512 Philox; at most the cap (tests lower it to compare the paths). */
int tdm__rng_simd_level(void);
void tdm__rng_simd_cap(int cap);

/* Complete groups [g0, g1) of an elementwise or integer request into out;
 * g1 - g0 <= TDM__RNG_CHUNK; scratch holds TDM__RNG_SCRATCH words.
 * Same bits as tdm__rng_group (src/rng/group.h). */
void tdm__rng_simd_groups(int level, const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1,
                          uint32_t *scratch);
/* Gamma or chi-square values [g0, g1) (any count), vectorized where attempt
 * 0 accepts, the scalar code elsewhere; same bits as tdm__rng_group. */
void tdm__rng_simd_gamma(int level, const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1);
/* Beta values [g0, g1) the same way (both gammas of a value in lanes). */
void tdm__rng_simd_beta(int level, const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1);
/* Groups [g0, g1) one at a time, the scalar code built with FMA
 * (rng_fma.c); only when tdm__rng_simd_level() > 0. */
void tdm__rng_groups_fma(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1);

#endif
