/* rng_int.h -- between the CPU random-number fill (rng.c, threads and the
 * scalar path) and its vectorized kernels (rng_simd.c: Philox in AVX2 or
 * AVX-512 lanes, transforms auto-vectorized for AVX2+FMA). Which ones run
 * is the kernel table's choice (ktab.h). */
#ifndef TDM_CPU_RNG_INT_H
#define TDM_CPU_RNG_INT_H

#include "backend.h"

/* Groups (4 words each, or one integer value) per unit of parallel work. */
#define TDM__RNG_CHUNK 1024
/* The scratch a chunk needs: its words, plus a block for an offset that is
 * not on a block boundary. */
#define TDM__RNG_SCRATCH (4 * TDM__RNG_CHUNK + 4)

/* The reference kernels (rng.c): the scalar group code of src/rng/group.h,
 * one group at a time. chunk: complete groups [g0, g1) of an elementwise
 * or integer request, g1 - g0 <= TDM__RNG_CHUNK, scratch of
 * TDM__RNG_SCRATCH words; range: groups [g0, g1) of any kind. */
void tdm__rng_chunk_c(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1,
                      uint32_t *scratch);
void tdm__rng_range_c(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1);

/* The vector kernels (x86-64 only; same bits as the reference). chunk:
 * as tdm__rng_chunk_c; gamma: gamma or chi-square values, vectorized where
 * attempt 0 accepts, the scalar code elsewhere; beta: the same with both
 * gammas of a value in lanes. _avx2 need AVX2+FMA, _avx512 AVX-512
 * F/DQ/VL/BW (the Philox lanes) besides. */
void tdm__rng_chunk_avx2(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1,
                         uint32_t *scratch);
void tdm__rng_chunk_avx512(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1,
                           uint32_t *scratch);
void tdm__rng_gamma_avx2(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1);
void tdm__rng_gamma_avx512(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1);
void tdm__rng_beta_avx2(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1);
void tdm__rng_beta_avx512(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1);
/* Groups [g0, g1) one at a time, the scalar code built with FMA
 * (rng_fma.c); only where the CPU has AVX2+FMA. */
void tdm__rng_range_fma(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1);

#endif
