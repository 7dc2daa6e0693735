/* rng_simd.c -- the vectorized CPU random-number kernels: Philox4x32-10 on 16
 * (AVX2) or 32 (AVX-512) counters at once, then the transforms of src/rng/dist.h
 * in plain loops (rng_loops.h) that gcc/clang vectorize for AVX2+FMA or
 * AVX-512 (this file is built with -O3 -fno-math-errno -ffp-contract=off:
 * see CMakeLists.txt). Bit-identical to the scalar path; x86-64 only. */
#include <string.h>

#include "cpu/isa.h"
#include "cpu/rng_int.h"
#include "rng/group.h"

#ifdef TDM__ISA_X86
#include <immintrin.h>

#define TDM__AVX2 __attribute__((target("avx2,fma")))
#define TDM__AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,fma")))

/* ---- Philox lanes ----------------------------------------------------------- */
/* Counters b0 .. b0+n-1 of one stream as (low, high) word arrays. */
static void tdm__ctr_lanes(uint64_t b0, unsigned n, uint32_t *lo, uint32_t *hi) {
  for (unsigned l = 0; l < n; l++) {
    lo[l] = (uint32_t)(b0 + l);
    hi[l] = (uint32_t)((b0 + l) >> 32);
  }
}

TDM__AVX2 static inline void tdm__mulhilo8(__m256i x, __m256i m, __m256i *hi, __m256i *lo) {
  __m256i pe = _mm256_mul_epu32(x, m);                        /* lanes 0,2,4,6 */
  __m256i po = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m); /* lanes 1,3,5,7 */
  *hi = _mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xAA);
  *lo = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
}

/* 16 blocks at the counters (lo[l], hi[l]) into out[64], block l at out + 4l. */
TDM__AVX2 static void tdm__philox16_lanes_avx2(uint64_t seed, uint64_t stream, const uint32_t *lo,
                                               const uint32_t *hi, uint32_t *out) {
  const __m256i M0 = _mm256_set1_epi32((int)TDM__PHILOX_M0);
  const __m256i M1 = _mm256_set1_epi32((int)TDM__PHILOX_M1);
  __m256i x[2][4];
  for (int j = 0; j < 2; j++) {
    x[j][0] = _mm256_loadu_si256((const __m256i *)(lo + 8 * j));
    x[j][1] = _mm256_loadu_si256((const __m256i *)(hi + 8 * j));
    x[j][2] = _mm256_set1_epi32((int)(uint32_t)stream);
    x[j][3] = _mm256_set1_epi32((int)(uint32_t)(stream >> 32));
  }
  uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  for (int r = 0; r < 10; r++) {
    __m256i K0 = _mm256_set1_epi32((int)k0), K1 = _mm256_set1_epi32((int)k1);
    for (int j = 0; j < 2; j++) {
      __m256i hi0, lo0, hi1, lo1;
      tdm__mulhilo8(x[j][0], M0, &hi0, &lo0);
      tdm__mulhilo8(x[j][2], M1, &hi1, &lo1);
      x[j][0] = _mm256_xor_si256(_mm256_xor_si256(hi1, x[j][1]), K0);
      x[j][1] = lo1;
      x[j][2] = _mm256_xor_si256(_mm256_xor_si256(hi0, x[j][3]), K1);
      x[j][3] = lo0;
    }
    k0 += TDM__PHILOX_W0;
    k1 += TDM__PHILOX_W1;
  }
  for (int j = 0; j < 2; j++) { /* 4 x 8 transpose: lane l -> block l */
    __m256i t0 = _mm256_unpacklo_epi32(x[j][0], x[j][1]);
    __m256i t1 = _mm256_unpackhi_epi32(x[j][0], x[j][1]);
    __m256i t2 = _mm256_unpacklo_epi32(x[j][2], x[j][3]);
    __m256i t3 = _mm256_unpackhi_epi32(x[j][2], x[j][3]);
    __m256i b04 = _mm256_unpacklo_epi64(t0, t2), b15 = _mm256_unpackhi_epi64(t0, t2);
    __m256i b26 = _mm256_unpacklo_epi64(t1, t3), b37 = _mm256_unpackhi_epi64(t1, t3);
    __m256i *o = (__m256i *)(out + 32 * j);
    _mm256_storeu_si256(o + 0, _mm256_permute2x128_si256(b04, b15, 0x20));
    _mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(b26, b37, 0x20));
    _mm256_storeu_si256(o + 2, _mm256_permute2x128_si256(b04, b15, 0x31));
    _mm256_storeu_si256(o + 3, _mm256_permute2x128_si256(b26, b37, 0x31));
  }
}

/* 16 blocks b0.. into out[64] (block-major, as the stream lays them out). */
TDM__AVX2 static void tdm__philox16_avx2(uint64_t seed, uint64_t stream, uint64_t b0,
                                         uint32_t *out) {
  uint32_t lo[16], hi[16];
  tdm__ctr_lanes(b0, 16, lo, hi);
  tdm__philox16_lanes_avx2(seed, stream, lo, hi, out);
}

/* k blocks at counters b0, b0 + stride, ... into out (4k words): block t of
 * each of k consecutive slice values. */
TDM__AVX512 static void tdm__philox32s_avx512(uint64_t seed, uint64_t stream, uint64_t b0,
                                              uint64_t stride, uint32_t *out);
TDM__AVX2 static void tdm__blocks_strided(int level, uint64_t seed, uint64_t stream, uint64_t b0,
                                          uint64_t stride, size_t k, uint32_t *out) {
  size_t i = 0;
  if (level >= 2)
    for (; i + 32 <= k; i += 32) tdm__philox32s_avx512(seed, stream, b0 + stride * i, stride, out + 4 * i);
  for (; i + 16 <= k; i += 16) {
    uint32_t lo[16], hi[16];
    for (unsigned l = 0; l < 16; l++) {
      uint64_t b = b0 + stride * (i + l);
      lo[l] = (uint32_t)b;
      hi[l] = (uint32_t)(b >> 32);
    }
    tdm__philox16_lanes_avx2(seed, stream, lo, hi, out + 4 * i);
  }
  for (; i < k; i++) tdm__philox_block(seed, stream, b0 + stride * i, out + 4 * i);
}

/* The state of blocks b0 .. b0+31 after the 10 rounds, with AVX-512: each
 * 64-bit lane holds one block's counter word in its low half, so one
 * vpmuludq gives lo (low half) and hi (high half), and the garbage left in
 * high halves is never read. Four independent sets of 8 blocks hide the
 * multiply latency. */
#define TDM__NSET 4
TDM__AVX512 static inline void tdm__philox_x32s(uint64_t seed, uint64_t stream, uint64_t b0,
                                                uint64_t stride, __m512i x[TDM__NSET][4]) {
  const __m512i M0 = _mm512_set1_epi64(TDM__PHILOX_M0), M1 = _mm512_set1_epi64(TDM__PHILOX_M1);
  const long long s = (long long)stride;
  const __m512i iota = _mm512_setr_epi64(0, s, 2 * s, 3 * s, 4 * s, 5 * s, 6 * s, 7 * s);
  for (int j = 0; j < TDM__NSET; j++) {
    __m512i b = _mm512_add_epi64(_mm512_set1_epi64((long long)(b0 + 8 * stride * (unsigned)j)), iota);
    x[j][0] = b;
    x[j][1] = _mm512_srli_epi64(b, 32);
    x[j][2] = _mm512_set1_epi64((long long)(uint32_t)stream);
    x[j][3] = _mm512_set1_epi64((long long)(stream >> 32));
  }
  uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
#pragma GCC unroll 10
  for (int r = 0; r < 10; r++) {
    __m512i K0 = _mm512_set1_epi64(k0), K1 = _mm512_set1_epi64(k1);
#pragma GCC unroll 4
    for (int j = 0; j < TDM__NSET; j++) {
      __m512i p0 = _mm512_mul_epu32(x[j][0], M0), p1 = _mm512_mul_epu32(x[j][2], M1);
      /* three-way xor: hi ^ x ^ key */
      __m512i y0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), x[j][1], K0, 0x96);
      __m512i y2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), x[j][3], K1, 0x96);
      x[j][0] = y0;
      x[j][1] = p1;
      x[j][2] = y2;
      x[j][3] = p0;
    }
    k0 += TDM__PHILOX_W0;
    k1 += TDM__PHILOX_W1;
  }
}

TDM__AVX512 static inline void tdm__philox_x32(uint64_t seed, uint64_t stream, uint64_t b0,
                                               __m512i x[TDM__NSET][4]) {
  tdm__philox_x32s(seed, stream, b0, 1, x);
}

/* 32 blocks b0, b0 + stride, ... into out[128], block l at out + 4l. */
TDM__AVX512 static void tdm__philox32s_avx512(uint64_t seed, uint64_t stream, uint64_t b0,
                                              uint64_t stride, uint32_t *out) {
  __m512i x[TDM__NSET][4];
  tdm__philox_x32s(seed, stream, b0, stride, x);
  const __m512i lo4 = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
  const __m512i hi4 = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
#pragma GCC unroll 4
  for (int j = 0; j < TDM__NSET; j++) {
    /* words 0-1 of block l in 64-bit lane l of w01, words 2-3 in w23 */
    __m512i w01 = _mm512_mask_blend_epi32(0xAAAA, x[j][0], _mm512_slli_epi64(x[j][1], 32));
    __m512i w23 = _mm512_mask_blend_epi32(0xAAAA, x[j][2], _mm512_slli_epi64(x[j][3], 32));
    __m512i ev = _mm512_unpacklo_epi64(w01, w23); /* blocks 0, 2, 4, 6 */
    __m512i od = _mm512_unpackhi_epi64(w01, w23); /* blocks 1, 3, 5, 7 */
    _mm512_storeu_si512(out + 32 * j, _mm512_permutex2var_epi64(ev, lo4, od));
    _mm512_storeu_si512(out + 32 * j + 16, _mm512_permutex2var_epi64(ev, hi4, od));
  }
}

/* 32 blocks b0.. into out[128] (block-major, as the stream lays them out). */
TDM__AVX512 static void tdm__philox32_avx512(uint64_t seed, uint64_t stream, uint64_t b0,
                                             uint32_t *out) {
  tdm__philox32s_avx512(seed, stream, b0, 1, out);
}

/* tdm__u53 of words (a, b) held in the low halves of 64-bit lanes: exact. */
TDM__AVX512 static inline __m512d tdm__u53_lanes(__m512i a, __m512i b) {
  __m512i k = _mm512_or_si512(
      _mm512_slli_epi64(_mm512_and_si512(_mm512_srli_epi64(a, 5), _mm512_set1_epi64(0x7FFFFFF)), 26),
      _mm512_and_si512(_mm512_srli_epi64(b, 6), _mm512_set1_epi64(0x3FFFFFF)));
  return _mm512_mul_pd(_mm512_cvtepu64_pd(k), _mm512_set1_pd(0x1p-53));
}

/* Uniform f64 straight from the Philox lanes of nb blocks (a multiple of
 * 32) from b0, no word buffer: value 2i from words 0-1 of block i, value
 * 2i+1 from words 2-3, each as tdm__uniform_f64 computes it. */
TDM__AVX512 static void tdm__uniform64_avx512(const tdm__rng_req *q, uint64_t b0, size_t nb,
                                              double *o) {
  const __m512d lo = _mm512_set1_pd(q->p[0]), d = _mm512_set1_pd(q->p[2]);
  const __m512d top = _mm512_set1_pd(q->p[3]);
  const __m512i ilo = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
  const __m512i ihi = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
  for (size_t i = 0; i < nb; i += 32) {
    __m512i x[TDM__NSET][4];
    tdm__philox_x32(q->seed, q->stream, b0 + i, x);
#pragma GCC unroll 4
    for (int j = 0; j < TDM__NSET; j++) {
      __m512d v01 = _mm512_fmadd_pd(d, tdm__u53_lanes(x[j][0], x[j][1]), lo);
      __m512d v23 = _mm512_fmadd_pd(d, tdm__u53_lanes(x[j][2], x[j][3]), lo);
      v01 = _mm512_min_pd(v01, top); /* = (v > top ? top : v): v is never NaN */
      v23 = _mm512_min_pd(v23, top);
      double *dst = o + 2 * (i + 8 * (size_t)j);
      _mm512_storeu_pd(dst, _mm512_permutex2var_pd(v01, ilo, v23));
      _mm512_storeu_pd(dst + 8, _mm512_permutex2var_pd(v01, ihi, v23));
    }
  }
}

/* nb consecutive blocks from b0 into out (4 * nb words). */
static void tdm__blocks(int level, uint64_t seed, uint64_t stream, uint64_t b0, size_t nb,
                        uint32_t *out) {
  size_t i = 0;
  if (level >= 2)
    for (; i + 32 <= nb; i += 32) tdm__philox32_avx512(seed, stream, b0 + i, out + 4 * i);
  for (; i + 16 <= nb; i += 16) tdm__philox16_avx2(seed, stream, b0 + i, out + 4 * i);
  for (; i < nb; i++) tdm__philox_block(seed, stream, b0 + i, out + 4 * i);
}

/* ---- transforms: the same loops for AVX2+FMA and for AVX-512 ---------------- */
#define TDM__TGT TDM__AVX2
#define TDM__SFX(name) name##_avx2
#include "cpu/rng_loops.h"
#undef TDM__TGT
#undef TDM__SFX
#define TDM__TGT TDM__AVX512
#define TDM__SFX(name) name##_avx512
#include "cpu/rng_loops.h"
#undef TDM__TGT
#undef TDM__SFX

/* Values s..s+k of a slice request from the vector lanes (v, stored as the
 * output dtype); a value whose lanes did not accept (ok[j] == 0, or
 * ok2[j] == 0 when given) is drawn again by the scalar code. */
static void tdm__slice_store(const tdm__rng_req *q, void *out, uint64_t s, size_t k,
                             const double *v, const unsigned char *ok, const unsigned char *ok2) {
  if (q->dt == TDM_F64) {
    double *o = (double *)out + s;
    for (size_t j = 0; j < k; j++) o[j] = v[j];
  } else {
    float *o = (float *)out + s;
    for (size_t j = 0; j < k; j++) o[j] = (float)v[j];
  }
  for (size_t j = 0; j < k; j++)
    if (!ok[j] || (ok2 && !ok2[j])) tdm__rng_range_fma(q, out, s + j, s + j + 1);
}

/* Gamma and chi-square values [g0, g1): attempt 0 of every value in vector
 * lanes (Philox of each value's first block, Box-Muller, the squeeze, then
 * the log test on the lanes the squeeze left), the boost of shape < 1 in
 * lanes too; a value whose attempt 0 is rejected (a few percent) is drawn
 * again by the scalar code, which rejects the same attempt 0 and goes on.
 * An accepted lane computes exactly what tdm__gamma_draw does. */
static void tdm__simd_gamma(int level, const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1) {
  int chisq = q->dist == TDM__RNG_CHISQ;
  double shape = chisq ? 0.5 * q->p[0] : q->p[0], scale = chisq ? 2.0 : q->p[1];
  uint64_t fb = tdm__rng_first_block(q);
  uint32_t w[4 * TDM__GV], w2[4 * TDM__GV];
  double g[TDM__GV];
  unsigned char ok[TDM__GV];
  for (uint64_t s = g0; s < g1; s += TDM__GV) {
    size_t k = g1 - s < TDM__GV ? (size_t)(g1 - s) : TDM__GV;
    tdm__blocks_strided(level, q->seed, q->stream, fb + TDM__GAMMA_BLOCKS * s, TDM__GAMMA_BLOCKS,
                        k, w);
    if (shape < 1.0)
      tdm__blocks_strided(level, q->seed, q->stream, fb + TDM__GAMMA_BLOCKS * s + TDM__GAMMA_BLOCKS - 1,
                          TDM__GAMMA_BLOCKS, k, w2);
    if (level >= 2)
      tdm__gamma_pass_avx512(shape, scale, 0, w, w2, k, g, ok);
    else
      tdm__gamma_pass_avx2(shape, scale, 0, w, w2, k, g, ok);
    tdm__slice_store(q, out, s, k, g, ok, NULL);
  }
}

/* Beta values [g0, g1): both log-gammas of each value in lanes (X from the
 * slice's first 16 blocks, Y from the next 16), the scalar code where either
 * first attempt is rejected. */
static void tdm__beta_half(int level, const tdm__rng_req *q, uint64_t b0, double shape, size_t k,
                           uint32_t *w, uint32_t *w2, double *lg, unsigned char *ok) {
  const uint64_t stride = 2 * TDM__GAMMA_BLOCKS;
  tdm__blocks_strided(level, q->seed, q->stream, b0, stride, k, w);
  if (shape < 1.0)
    tdm__blocks_strided(level, q->seed, q->stream, b0 + TDM__GAMMA_BLOCKS - 1, stride, k, w2);
  if (level >= 2)
    tdm__gamma_pass_avx512(shape, 1.0, 1, w, w2, k, lg, ok);
  else
    tdm__gamma_pass_avx2(shape, 1.0, 1, w, w2, k, lg, ok);
}

static void tdm__simd_beta(int level, const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1) {
  uint64_t fb = tdm__rng_first_block(q);
  uint32_t w[4 * TDM__GV], w2[4 * TDM__GV];
  double lx[TDM__GV], ly[TDM__GV], v[TDM__GV];
  unsigned char okx[TDM__GV], oky[TDM__GV];
  for (uint64_t s = g0; s < g1; s += TDM__GV) {
    size_t k = g1 - s < TDM__GV ? (size_t)(g1 - s) : TDM__GV;
    uint64_t b0 = fb + 2 * TDM__GAMMA_BLOCKS * s;
    tdm__beta_half(level, q, b0, q->p[0], k, w, w2, lx, okx);
    tdm__beta_half(level, q, b0 + TDM__GAMMA_BLOCKS, q->p[1], k, w, w2, ly, oky);
    if (level >= 2)
      tdm__beta_combine_avx512(lx, ly, k, v);
    else
      tdm__beta_combine_avx2(lx, ly, k, v);
    tdm__slice_store(q, out, s, k, v, okx, oky);
  }
}

static void tdm__simd_chunk(int level, const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1,
                          uint32_t *scratch) {
  uint64_t word0 = q->dist == TDM__RNG_INTEGER ? 4 * (tdm__rng_first_block(q) + g0)
                                               : q->offset + 4 * g0;
  unsigned sh = (unsigned)(word0 & 3);
  if (level >= 2 && q->dist == TDM__RNG_UNIFORM && q->dt == TDM_F64 && sh == 0) {
    size_t nb = (size_t)(g1 - g0) & ~(size_t)31; /* one block a group */
    tdm__uniform64_avx512(q, word0 >> 2, nb, (double *)out + 2 * g0);
    g0 += nb;
    word0 += 4 * nb;
    if (g0 == g1) return;
  }
  size_t ng = (size_t)(g1 - g0);
  tdm__blocks(level, q->seed, q->stream, word0 >> 2, ng + (sh != 0), scratch);
  size_t vpg = q->dist == TDM__RNG_INTEGER ? 1 : 4 / tdm__rng_wpv(q->dist, q->dt);
  char *o = (char *)out + g0 * vpg * tdm_dtype_size(q->dt);
  if (level >= 2)
    tdm__transform_avx512(q, o, scratch + sh, ng);
  else
    tdm__transform_avx2(q, o, scratch + sh, ng);
}

/* ---- the entry points of the kernel table (ktab.c): level 1 AVX2+FMA, 2 with
 * AVX-512 Philox ---------------------------------------------------------------- */
void tdm__rng_chunk_avx2(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1,
                         uint32_t *scratch) {
  tdm__simd_chunk(1, q, out, g0, g1, scratch);
}
void tdm__rng_chunk_avx512(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1,
                           uint32_t *scratch) {
  tdm__simd_chunk(2, q, out, g0, g1, scratch);
}
void tdm__rng_gamma_avx2(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1) {
  tdm__simd_gamma(1, q, out, g0, g1);
}
void tdm__rng_gamma_avx512(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1) {
  tdm__simd_gamma(2, q, out, g0, g1);
}
void tdm__rng_beta_avx2(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1) {
  tdm__simd_beta(1, q, out, g0, g1);
}
void tdm__rng_beta_avx512(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1) {
  tdm__simd_beta(2, q, out, g0, g1);
}

#else /* not x86-64: no vector kernels; the table keeps the reference ones */
typedef int tdm__rng_simd_none;
#endif
