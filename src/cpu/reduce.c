/* reduce.c -- one-pass statistics on the CPU. The array is cut into fixed
 * blocks (reduce_block.c) grouped into fixed work items; threads take work
 * items, each merges its blocks in order with Chan's formula, and the items
 * are merged in order: stable for data far from zero (each block is
 * centred on its own mean) and the same bits for any thread count. */
#include <math.h>

#include "core/alloc.h"
#include "core/error.h"
#include "cpu/cpu_int.h"
#include "cpu/reduce_int.h"

void tdm__moments_merge(tdm__moments *a, const tdm__moments *b) {
  if (b->n == 0) return;
  if (a->n == 0) {
    *a = *b;
    return;
  }
  double n = a->n + b->n;
  if (isfinite(a->mean) && isfinite(b->mean)) {
    double d = b->mean - a->mean;
    a->m2 = a->m2 + b->m2 + d * d * (a->n * b->n / n);
    a->mean = a->mean + d * (b->n / n);
  } else {
    /* An infinite (or NaN) mean: the pooled mean is what IEEE addition of
     * the two gives (inf + finite = inf, inf - inf = NaN), never the
     * Chan update's inf - inf; the spread of data holding inf is NaN. */
    a->mean = a->mean + b->mean;
    a->m2 = NAN;
  }
  a->sum += b->sum;
  a->min = (a->min < b->min || isnan(a->min)) ? a->min : b->min;
  a->max = (a->max > b->max || isnan(a->max)) ? a->max : b->max;
  a->n = n;
}

typedef struct {
  tdm_dtype dt;
  const char *x;
  size_t n, es;
  tdm__moments *part;
} tdm__rjob;

static void tdm__reduce_items(void *arg, size_t lo, size_t hi) {
  const tdm__rjob *j = arg;
  const size_t item = (size_t)TDM__RBLOCK * TDM__RSUPER;
  for (size_t it = lo; it < hi; it++) {
    size_t beg = it * item, end = j->n - beg < item ? j->n : beg + item;
    tdm__moments acc = {0}, m;
    for (size_t off = beg; off < end; off += TDM__RBLOCK) {
      size_t len = end - off < TDM__RBLOCK ? end - off : TDM__RBLOCK;
      tdm__reduce_block(j->dt, j->x + off * j->es, len, &m);
      tdm__moments_merge(&acc, &m);
    }
    j->part[it] = acc;
  }
}

tdm_status tdm__cpu_reduce(void *st, tdm_dtype dt, const void *x, size_t n, unsigned need,
                           tdm__moments *out) {
  (void)need; /* see the top of the file */
  const tdm__cpu *c = st;
  const size_t item = (size_t)TDM__RBLOCK * TDM__RSUPER;
  size_t ni = (n + item - 1) / item;
  tdm__moments one, *part = ni == 1 ? &one : tdm__malloc(ni * sizeof *part);
  TDM__CHECK(!part, TDM_ERR_NOMEM, "out of host memory for %zu partial results", ni);
  tdm__rjob j = {dt, x, n, dt == TDM_F64 ? 8 : 4, part};
  tdm__par_for(c->threads, ni, 1, tdm__reduce_items, &j);
  tdm__moments m = part[0];
  for (size_t i = 1; i < ni; i++) tdm__moments_merge(&m, &part[i]);
  if (part != &one) tdm__free(part);
  *out = m;
  return TDM_OK;
}
