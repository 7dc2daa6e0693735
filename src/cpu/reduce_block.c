/* reduce_block.c -- statistics of one cache-sized block of f32/f64 data in
 * one sweep: sum, min, max and the sums of d = x - K and d*d for a shift K
 * taken from the block itself, so m2 = sum(d*d) - sum(d)^2/n loses at most
 * about n*eps of itself (|K - mean|^2 <= m2 when K is one of the data).
 * Sums run in 16 fixed lanes; the plain C and AVX2+FMA versions add in the
 * same order, so they agree bit for bit. */
#include <math.h>
#include <string.h>

/* Same results from every build: no multiply-add fusing behind our back. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "cpu/cpu_int.h"
#include "cpu/ktab.h"
#include "cpu/reduce_int.h"

#ifdef TDM__ISA_X86
#include <immintrin.h>
#endif

#define L 16 /* lanes: element i is added into lane i % L */

/* The shared ends of every version: lanes to totals, in one fixed order. */
static double tdm__lanes_sum(const double l[L]) {
  double t[8];
  for (int k = 0; k < 8; k++) t[k] = l[k] + l[k + 8];
  return ((t[0] + t[4]) + (t[2] + t[6])) + ((t[1] + t[5]) + (t[3] + t[7]));
}

/* The shift: the block's first element (any element of the block bounds
 * the cancellation, see above), or 0 if it is not finite. */
#define TDM__SHIFT(x) (isfinite((double)x[0]) ? (double)x[0] : 0.0)

/* s: sums of d = x - K, q: sums of d*d. */
static void tdm__block_finish(const double s[L], const double q[L], double K, double lo, double hi,
                              size_t n, tdm__moments *m) {
  double dn = (double)n, sd = tdm__lanes_sum(s), sq = tdm__lanes_sum(q);
  double m2 = sq - sd * (sd / dn);
  m->n = dn;
  m->sum = sd + dn * K;
  m->mean = K + sd / dn;
  m->m2 = m2 > 0 || isnan(m2) ? m2 : 0;
  m->min = lo;
  m->max = hi;
}

/* A NaN makes the sums NaN; only then look for one (inf - inf also does). */
#define TDM__DEF_NANFIX(NAME, T)                                               \
  static void NAME(const T *x, size_t n, tdm__moments *m) {                    \
    if (!isnan(m->sum)) return;                                                \
    for (size_t i = 0; i < n; i++)                                             \
      if (isnan(x[i])) {                                                       \
        m->min = m->max = NAN;                                                 \
        return;                                                                \
      }                                                                        \
  }
TDM__DEF_NANFIX(tdm__nanfix_f64, double)
TDM__DEF_NANFIX(tdm__nanfix_f32, float)

/* Elements from i on into their lanes; the whole of the plain C version
 * and the tail of the vector one. (min and max are exact, so their order
 * does not matter.) */
#define TDM__TAIL(x, i, n, K, s, q, lo, hi)                                    \
  for (; i < n; i++) {                                                         \
    double v = (double)x[i], d = v - K;                                        \
    s[i % L] += d;                                                             \
    q[i % L] = fma(d, d, q[i % L]);                                            \
    lo = v < lo ? v : lo;                                                      \
    hi = v > hi ? v : hi;                                                      \
  }

/* ---- plain C (the reference, and every machine without AVX2 + FMA) ------- */
#define TDM__DEF_GENERIC(NAME, T, NANFIX)                                      \
  void NAME(const T *x, size_t n, tdm__moments *m) {                           \
    double s[L] = {0}, q[L] = {0}, lo = INFINITY, hi = -INFINITY;              \
    const double K = TDM__SHIFT(x);                                            \
    size_t i = 0;                                                              \
    TDM__TAIL(x, i, n, K, s, q, lo, hi)                                        \
    tdm__block_finish(s, q, K, lo, hi, n, m);                                  \
    NANFIX(x, n, m);                                                           \
  }
TDM__DEF_GENERIC(tdm__rblock_c_f64, double, tdm__nanfix_f64)
TDM__DEF_GENERIC(tdm__rblock_c_f32, float, tdm__nanfix_f32)

#ifdef TDM__ISA_X86
/* ---- AVX2 + FMA: four 4-lane registers per sum ----------------------------- */
#define TDM__LD_F64(p) _mm256_loadu_pd(p)
#define TDM__LD_F32(p) _mm256_cvtps_pd(_mm_loadu_ps(p))
#define TDM__AVX __attribute__((target("avx2,fma")))

TDM__AVX static double tdm__hmin(__m256d a) {
  double t[4], r;
  _mm256_storeu_pd(t, a);
  r = t[0];
  for (int k = 1; k < 4; k++) r = t[k] < r ? t[k] : r;
  return r;
}
TDM__AVX static double tdm__hmax(__m256d a) {
  double t[4], r;
  _mm256_storeu_pd(t, a);
  r = t[0];
  for (int k = 1; k < 4; k++) r = t[k] > r ? t[k] : r;
  return r;
}

#define TDM__DEF_AVX(NAME, T, LD, NANFIX)                                      \
  TDM__AVX void NAME(const T *x, size_t n, tdm__moments *m) {                 \
    const double K = TDM__SHIFT(x);                                            \
    const __m256d k = _mm256_set1_pd(K);                                       \
    __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;               \
    __m256d q0 = s0, q1 = s0, q2 = s0, q3 = s0;                                \
    __m256d lo4 = _mm256_set1_pd(INFINITY), hi4 = _mm256_set1_pd(-INFINITY);   \
    size_t i = 0;                                                              \
    for (; i + L <= n; i += L) {                                               \
      __m256d a = LD(x + i), b = LD(x + i + 4), c = LD(x + i + 8), d = LD(x + i + 12); \
      lo4 = _mm256_min_pd(_mm256_min_pd(_mm256_min_pd(a, b), _mm256_min_pd(c, d)), lo4); \
      hi4 = _mm256_max_pd(_mm256_max_pd(_mm256_max_pd(a, b), _mm256_max_pd(c, d)), hi4); \
      a = _mm256_sub_pd(a, k), b = _mm256_sub_pd(b, k);                        \
      c = _mm256_sub_pd(c, k), d = _mm256_sub_pd(d, k);                        \
      s0 = _mm256_add_pd(s0, a), s1 = _mm256_add_pd(s1, b);                    \
      s2 = _mm256_add_pd(s2, c), s3 = _mm256_add_pd(s3, d);                    \
      q0 = _mm256_fmadd_pd(a, a, q0), q1 = _mm256_fmadd_pd(b, b, q1);          \
      q2 = _mm256_fmadd_pd(c, c, q2), q3 = _mm256_fmadd_pd(d, d, q3);          \
    }                                                                          \
    double s[L], q[L], lo = tdm__hmin(lo4), hi = tdm__hmax(hi4);               \
    _mm256_storeu_pd(s, s0), _mm256_storeu_pd(s + 4, s1);                      \
    _mm256_storeu_pd(s + 8, s2), _mm256_storeu_pd(s + 12, s3);                 \
    _mm256_storeu_pd(q, q0), _mm256_storeu_pd(q + 4, q1);                      \
    _mm256_storeu_pd(q + 8, q2), _mm256_storeu_pd(q + 12, q3);                 \
    TDM__TAIL(x, i, n, K, s, q, lo, hi)                                        \
    tdm__block_finish(s, q, K, lo, hi, n, m);                                  \
    NANFIX(x, n, m);                                                           \
  }
TDM__DEF_AVX(tdm__rblock_avx2_f64, double, TDM__LD_F64, tdm__nanfix_f64)
TDM__DEF_AVX(tdm__rblock_avx2_f32, float, TDM__LD_F32, tdm__nanfix_f32)
#endif /* TDM__ISA_X86 */

/* ---- the version in force: the kernel table's (ktab.c) ------------------------ */
void tdm__reduce_block(tdm_dtype dt, const void *x, size_t n, tdm__moments *m) {
  const tdm__ktab *t = tdm__ktab_get();
  if (dt == TDM_F64) t->reduce_f64(x, n, m);
  else t->reduce_f32(x, n, m);
}
