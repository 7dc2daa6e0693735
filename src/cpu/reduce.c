/* reduce.c -- one-pass statistics on the CPU. The array is cut into fixed
 * blocks that stay in L1; each block gets its sum, min, max and its sum of
 * squared deviations about the block mean (two sweeps over cached data),
 * and blocks are merged in order with Chan's formula: stable for data far
 * from zero, and the same result for any thread count. */
#include <math.h>

#include "core/alloc.h"
#include "core/error.h"
#include "cpu/cpu_int.h"

#define TDM__RBLOCK 4096

void tdm__moments_merge(tdm__moments *a, const tdm__moments *b) {
  if (b->n == 0) return;
  if (a->n == 0) {
    *a = *b;
    return;
  }
  double n = a->n + b->n;
  double d = b->mean - a->mean;
  a->m2 = a->m2 + b->m2 + d * d * (a->n * b->n / n);
  a->mean = a->mean + d * (b->n / n);
  a->sum += b->sum;
  a->min = (a->min < b->min || isnan(a->min)) ? a->min : b->min;
  a->max = (a->max > b->max || isnan(a->max)) ? a->max : b->max;
  a->n = n;
}

#define TDM__DEF_BLOCK(NAME, T)                                                \
  static void NAME(const T *x, size_t n, unsigned need, tdm__moments *m) {     \
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                     \
    size_t i = 0;                                                              \
    for (; i + 4 <= n; i += 4) {                                               \
      s0 += x[i];                                                              \
      s1 += x[i + 1];                                                          \
      s2 += x[i + 2];                                                          \
      s3 += x[i + 3];                                                          \
    }                                                                          \
    for (; i < n; i++) s0 += x[i];                                             \
    double sum = (s0 + s1) + (s2 + s3);                                        \
    double mean = sum / (double)n;                                             \
    double m2 = 0;                                                             \
    if (need & TDM__NEED_M2) {                                                 \
      double q0 = 0, q1 = 0, c0 = 0, c1 = 0;                                   \
      for (i = 0; i + 2 <= n; i += 2) {                                        \
        double d0 = (double)x[i] - mean, d1 = (double)x[i + 1] - mean;         \
        q0 += d0 * d0;                                                         \
        q1 += d1 * d1;                                                         \
        c0 += d0;                                                              \
        c1 += d1;                                                              \
      }                                                                        \
      for (; i < n; i++) {                                                     \
        double d0 = (double)x[i] - mean;                                       \
        q0 += d0 * d0;                                                         \
        c0 += d0;                                                              \
      }                                                                        \
      double c = c0 + c1; /* corrected two-pass: removes mean's rounding */    \
      m2 = (q0 + q1) - c * c / (double)n;                                      \
      if (m2 < 0) m2 = 0;                                                      \
    }                                                                          \
    T mn = x[0], mx = x[0];                                                    \
    int nan = 0;                                                               \
    if (need & TDM__NEED_MINMAX) {                                             \
      for (i = 0; i < n; i++) {                                                \
        T v = x[i];                                                            \
        mn = v < mn ? v : mn;                                                  \
        mx = v > mx ? v : mx;                                                  \
        nan |= v != v;                                                         \
      }                                                                        \
    }                                                                          \
    m->n = (double)n;                                                          \
    m->sum = sum;                                                              \
    m->mean = mean;                                                            \
    m->m2 = m2;                                                                \
    m->min = nan ? NAN : (double)mn;                                           \
    m->max = nan ? NAN : (double)mx;                                           \
  }

TDM__DEF_BLOCK(tdm__block_f64, double)
TDM__DEF_BLOCK(tdm__block_f32, float)

typedef struct {
  tdm_dtype dt;
  const void *x;
  size_t n;
  unsigned need;
  tdm__moments *part;
} tdm__rjob;

static void tdm__reduce_range(void *arg, size_t lo, size_t hi) {
  const tdm__rjob *j = arg;
  for (size_t b = lo; b < hi; b++) {
    size_t off = b * TDM__RBLOCK;
    size_t len = j->n - off < TDM__RBLOCK ? j->n - off : TDM__RBLOCK;
    if (j->dt == TDM_F64) tdm__block_f64((const double *)j->x + off, len, j->need, &j->part[b]);
    else tdm__block_f32((const float *)j->x + off, len, j->need, &j->part[b]);
  }
}

tdm_status tdm__cpu_reduce(void *st, tdm_dtype dt, const void *x, size_t n, unsigned need,
                           tdm__moments *out) {
  const tdm__cpu *c = st;
  size_t nb = (n + TDM__RBLOCK - 1) / TDM__RBLOCK;
  tdm__moments one, *part = nb == 1 ? &one : tdm__malloc(nb * sizeof *part);
  TDM__CHECK(!part, TDM_ERR_NOMEM, "out of host memory for %zu partial results", nb);
  tdm__rjob j = {dt, x, n, need, part};
  tdm__par_for(c->threads, nb, 16, tdm__reduce_range, &j);
  tdm__moments m = part[0];
  for (size_t b = 1; b < nb; b++) tdm__moments_merge(&m, &part[b]);
  if (part != &one) tdm__free(part);
  *out = m;
  return TDM_OK;
}

/* Grouped statistics: per-group Welford updates in one pass (serial: the
 * scatter pattern defeats blocking); ids checked first. */
tdm_status tdm__cpu_group_reduce(void *st, tdm_dtype dt, const void *x, const int32_t *g, size_t n,
                                 size_t G, tdm_reduce_op op, double *out) {
  (void)st;
  for (size_t i = 0; i < n; i++)
    TDM__CHECK(g[i] < 0 || (size_t)g[i] >= G, TDM_ERR_INVALID,
               "groups: element %zu is %d, outside [0, %zu)", i, (int)g[i], G);
  tdm__moments *m = tdm__calloc(G, sizeof *m);
  TDM__CHECK(!m, TDM_ERR_NOMEM, "out of host memory for %zu group accumulators", G);
  for (size_t i = 0; i < n; i++) {
    double v = dt == TDM_F64 ? ((const double *)x)[i] : (double)((const float *)x)[i];
    tdm__moments *a = &m[g[i]];
    if (a->n == 0) {
      a->min = a->max = v;
    } else {
      if (v < a->min || isnan(v)) a->min = isnan(a->min) ? a->min : v;
      if (v > a->max || isnan(v)) a->max = isnan(a->max) ? a->max : v;
    }
    a->n += 1;
    a->sum += v;
    double d = v - a->mean;
    a->mean += d / a->n;
    a->m2 += d * (v - a->mean);
  }
  for (size_t k = 0; k < G; k++) {
    const tdm__moments *a = &m[k];
    double var = a->n > 1 ? a->m2 / (a->n - 1) : NAN;
    double r = NAN;
    if (a->n > 0) {
      switch (op) {
      case TDM_SUM: r = a->sum; break;
      case TDM_MEAN: r = a->mean; break;
      case TDM_MIN: r = a->min; break;
      case TDM_MAX: r = a->max; break;
      case TDM_VAR: r = var; break;
      case TDM_SD: r = sqrt(var); break;
      }
    }
    out[k] = r;
  }
  tdm__free(m);
  return TDM_OK;
}
