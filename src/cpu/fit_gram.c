/* fit_gram.c -- X'WX's kernel for narrow X (p <= TDM__GRAM_PMAX) with AVX2
 * and FMA: C += W'X over a tile of rows, W = diag(w) X and X copied into
 * cache-resident tiles by the caller (fit.c), reached through ktab.h.
 * OpenBLAS's syrk runs such shapes (50 x 50 from k rows) at a fraction of
 * its GEMM rate; here
 * 4 columns of W against 3 of X make 12 vector accumulators, 12 FMAs per
 * 7 loads, summed across lanes once per tile. */
#include <stddef.h>

#include "cpu/fit.h"
#include "cpu/isa.h"

#ifdef TDM__ISA_X86 /* else the kernel table leaves X'WX to syrk */
#include <immintrin.h>

/* The 4 x 3 block of accumulators over k < r, then added into C where
 * i <= j (the upper triangle; columns past p are clamped to p - 1 and
 * their sums dropped). V vector type, LD load, FM fma, HS lanes sum. */
#define TDM__GRAM_BODY(T, V, ZERO, LD, FM, HS, LANES)                                              \
  /* the next tile's rows of X (rn rows at next, ld ldn), line by line into                        \
   * L2, spread evenly over this tile's blocks: their fill then reads cache */                     \
  const char *pf = next;                                                                           \
  size_t pl = next ? (rn * sizeof(T) + 63) / 64 : 0, pc = 0, po = 0, pairs = 0;                    \
  for (size_t j0 = 0; j0 < p; j0 += 3) pairs += (j0 + 2 < p ? j0 + 2 : p - 1) / 4 + 1;             \
  const size_t per = (p * pl + pairs - 1) / pairs;                                                 \
  for (size_t j0 = 0; j0 < p; j0 += 3) {                                                           \
    const T *x0 = X + j0 * t, *x1 = X + (j0 + 1 < p ? j0 + 1 : p - 1) * t,                         \
            *x2 = X + (j0 + 2 < p ? j0 + 2 : p - 1) * t;                                           \
    size_t jmax = j0 + 2 < p ? j0 + 2 : p - 1;                                                     \
    for (size_t i0 = 0; i0 <= jmax; i0 += 4) {                                                     \
      const T *w0 = W + i0 * t, *w1 = W + (i0 + 1 < p ? i0 + 1 : p - 1) * t,                       \
              *w2 = W + (i0 + 2 < p ? i0 + 2 : p - 1) * t,                                         \
              *w3 = W + (i0 + 3 < p ? i0 + 3 : p - 1) * t;                                         \
      for (size_t q = 0; q < per && pc < p; q++) {                                                 \
        _mm_prefetch(pf + (pc * ldn * sizeof(T) + po * 64), _MM_HINT_T1);                          \
        if (++po == pl) po = 0, pc++;                                                              \
      }                                                                                            \
      V a00 = ZERO, a01 = ZERO, a02 = ZERO, a10 = ZERO, a11 = ZERO, a12 = ZERO;                    \
      V a20 = ZERO, a21 = ZERO, a22 = ZERO, a30 = ZERO, a31 = ZERO, a32 = ZERO;                    \
      for (size_t k = 0; k < r; k += LANES) {                                                      \
        V y0 = LD(x0 + k), y1 = LD(x1 + k), y2 = LD(x2 + k), v;                                    \
        v = LD(w0 + k), a00 = FM(v, y0, a00), a01 = FM(v, y1, a01), a02 = FM(v, y2, a02);          \
        v = LD(w1 + k), a10 = FM(v, y0, a10), a11 = FM(v, y1, a11), a12 = FM(v, y2, a12);          \
        v = LD(w2 + k), a20 = FM(v, y0, a20), a21 = FM(v, y1, a21), a22 = FM(v, y2, a22);          \
        v = LD(w3 + k), a30 = FM(v, y0, a30), a31 = FM(v, y1, a31), a32 = FM(v, y2, a32);          \
      }                                                                                            \
      V acc[4][3] = {{a00, a01, a02}, {a10, a11, a12}, {a20, a21, a22}, {a30, a31, a32}};          \
      for (size_t qi = 0; qi < 4 && i0 + qi < p; qi++)                                             \
        for (size_t qj = 0; qj < 3 && j0 + qj < p; qj++)                                           \
          if (i0 + qi <= j0 + qj) C[i0 + qi + (j0 + qj) * ldc] += HS(acc[qi][qj]);                 \
    }                                                                                              \
  }

__attribute__((target("avx2,fma"))) static double tdm__hs_pd(__m256d v) {
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

__attribute__((target("avx2,fma"))) static float tdm__hs_ps(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

/* t[k] = x[k], wt[k] = w[k] x[k] for k < r: one column of a tile. */
#define TDM__GRAM_FILL(NAME, T, V, LOADU, STOREU, MUL, LANES)                                      \
  __attribute__((target("avx2,fma"))) void NAME(size_t r, const T *x, const T *w, T *t, T *wt) {   \
    size_t k = 0;                                                                                  \
    for (; k + LANES <= r; k += LANES) {                                                           \
      V v = LOADU(x + k);                                                                          \
      STOREU(t + k, v);                                                                            \
      STOREU(wt + k, MUL(v, LOADU(w + k)));                                                        \
    }                                                                                              \
    for (; k < r; k++) t[k] = x[k], wt[k] = w[k] * x[k];                                           \
  }
TDM__GRAM_FILL(tdm__gram_fill_avx2_f64, double, __m256d, _mm256_loadu_pd, _mm256_storeu_pd,
               _mm256_mul_pd, 4)
TDM__GRAM_FILL(tdm__gram_fill_avx2_f32, float, __m256, _mm256_loadu_ps, _mm256_storeu_ps,
               _mm256_mul_ps, 8)

__attribute__((target("avx2,fma"))) void tdm__gram_avx2_f64(size_t p, size_t r, const double *W,
                                                            const double *X, size_t t, double *C,
                                                            size_t ldc, const void *next,
                                                            size_t ldn, size_t rn) {
  TDM__GRAM_BODY(double, __m256d, _mm256_setzero_pd(), _mm256_loadu_pd, _mm256_fmadd_pd, tdm__hs_pd,
                 4)
}

__attribute__((target("avx2,fma"))) void tdm__gram_avx2_f32(size_t p, size_t r, const float *W,
                                                            const float *X, size_t t, float *C,
                                                            size_t ldc, const void *next,
                                                            size_t ldn, size_t rn) {
  TDM__GRAM_BODY(float, __m256, _mm256_setzero_ps(), _mm256_loadu_ps, _mm256_fmadd_ps, tdm__hs_ps,
                 8)
}

#endif
