/* reduce_int.h -- the CPU reduction's block kernel, its versions (plain C,
 * AVX2+FMA; both give the same bits; the kernel table picks one) and the
 * scalar moment accumulator. */
#ifndef TDM_REDUCE_INT_H
#define TDM_REDUCE_INT_H

#include "backend.h"

/* Elements per block: bounds the shifted sums' cancellation (n*eps). */
#define TDM__RBLOCK 2048
/* Blocks per parallel work item; items are merged in order, so the result
 * does not depend on the thread count. */
#define TDM__RSUPER 64

/* Moments of x[0..n), 1 <= n <= TDM__RBLOCK, all fields, by the version in
 * force (ktab.h). */
void tdm__reduce_block(tdm_dtype dt, const void *x, size_t n, tdm__moments *m);
/* The versions: plain C (the reference) and AVX2+FMA (x86-64 only). */
void tdm__rblock_c_f64(const double *x, size_t n, tdm__moments *m);
void tdm__rblock_c_f32(const float *x, size_t n, tdm__moments *m);
void tdm__rblock_avx2_f64(const double *x, size_t n, tdm__moments *m);
void tdm__rblock_avx2_f32(const float *x, size_t n, tdm__moments *m);

/* ---- a scalar moment accumulator (group statistics, per-row reductions,
 * any caller that feeds values one at a time) ----------------------------
 * Values are taken about a shift K (the first finite value fed), the sum
 * of deviations is compensated (Neumaier), min/max keep a NaN once seen.
 * tdm__acc_moments turns it into tdm__moments for tdm__moments_merge. */
typedef struct tdm__acc {
  double n, K, s, c, q, mn, mx;
} tdm__acc;

static inline void tdm__acc_init(tdm__acc *a) {
  a->n = a->K = a->s = a->c = a->q = 0;
  a->mn = __builtin_inf();
  a->mx = -__builtin_inf();
}

static inline void tdm__acc_add(tdm__acc *a, double v) {
  if (a->n == 0) a->K = v - v == 0 ? v : 0; /* finite: v - v is 0 */
  double d = v - a->K, s = a->s, t = s + d;
  /* both corrections computed and one selected: no data-dependent branch */
  double big = (s - t) + d, small = (d - t) + s;
  a->c += __builtin_fabs(s) >= __builtin_fabs(d) ? big : small;
  a->s = t;
  a->q += d * d;
  a->mn = (v < a->mn) | (v != v) ? v : a->mn; /* a NaN stays: NaN < v is false */
  a->mx = (v > a->mx) | (v != v) ? v : a->mx;
  a->n += 1;
}

static inline void tdm__acc_moments(const tdm__acc *a, tdm__moments *m) {
  m->n = a->n;
  if (a->n == 0) {
    m->sum = m->mean = m->m2 = m->min = m->max = 0;
    return;
  }
  double sd = a->s - a->s == 0 ? a->s + a->c : a->s; /* inf or NaN: no compensation */
  double m2 = a->q - sd * (sd / a->n);
  m->sum = sd + a->n * a->K;
  m->mean = a->K + sd / a->n;
  m->m2 = m2 > 0 || m2 != m2 ? m2 : 0;
  m->min = a->mn;
  m->max = a->mx;
}

/* The value of op from merged moments (n = 0: COUNT 0, NaN otherwise). */
static inline double tdm__moments_op(const tdm__moments *m, tdm_reduce_op op) {
  if (op == TDM_COUNT) return m->n;
  if (m->n == 0) return __builtin_nan("");
  double var = m->n > 1 ? m->m2 / (m->n - 1) : __builtin_nan("");
  switch (op) {
  case TDM_SUM: return m->sum;
  case TDM_MEAN: return m->mean;
  case TDM_MIN: return m->min;
  case TDM_MAX: return m->max;
  case TDM_VAR: return var;
  case TDM_SD: return __builtin_sqrt(var);
  default: return __builtin_nan("");
  }
}

#endif
