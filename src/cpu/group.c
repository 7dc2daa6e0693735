/* group.c -- grouped statistics on the CPU: ids checked first, then one
 * serial pass of per-group Welford updates (the scatter pattern defeats
 * blocking; the result does not depend on the thread count). */
#include <math.h>

#include "core/alloc.h"
#include "core/error.h"
#include "cpu/cpu_int.h"

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
    } else if (!isnan(a->min)) { /* once NaN, stays NaN */
      if (isnan(v)) a->min = a->max = v;
      else {
        a->min = v < a->min ? v : a->min;
        a->max = v > a->max ? v : a->max;
      }
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
    double r = NAN; /* an empty group */
    if (a->n > 0) {
      switch (op) {
      case TDM_SUM: r = a->sum; break;
      case TDM_MEAN: r = a->mean; break;
      case TDM_MIN: r = a->min; break;
      case TDM_MAX: r = a->max; break;
      case TDM_VAR: r = var; break;
      case TDM_SD: r = sqrt(var); break;
      case TDM_COUNT: r = a->n; break;
      }
    }
    out[k] = r;
  }
  tdm__free(m);
  return TDM_OK;
}
