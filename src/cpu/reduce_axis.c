/* reduce_axis.c -- one statistic per column or per row on the CPU. Per
 * column: each column is cut into the fixed blocks and work items of
 * tdm_reduce (reduce.c), items of all columns run in parallel and each
 * column merges its items in order. Per row: rows in fixed chunks, each
 * row's accumulator (reduce_int.h) fed in column order. Either way the
 * bits do not depend on the thread count. */
#include "core/alloc.h"
#include "core/error.h"
#include "cpu/cpu_int.h"
#include "cpu/reduce_int.h"
#include "cpu/stats_int.h"

#define TDM__ROWCHUNK 64

typedef struct {
  const tdm__sarg *x, *out;
  size_t per;          /* work items per column */
  tdm__moments *part;  /* cols x per */
  tdm_reduce_op op;
} tdm__ajob;

static void tdm__put(const tdm__sarg *o, size_t k, double v) {
  size_t at = k % o->rows + (k / o->rows) * o->ld;
  if (o->dt == TDM_F64) ((double *)o->p)[at] = v;
  else ((float *)o->p)[at] = (float)v;
}

static void tdm__col_items(void *arg, size_t lo, size_t hi) {
  const tdm__ajob *j = arg;
  const size_t item = (size_t)TDM__RBLOCK * TDM__RSUPER, es = j->x->dt == TDM_F64 ? 8 : 4;
  for (size_t u = lo; u < hi; u++) {
    size_t col = u / j->per, it = u % j->per, rows = j->x->rows;
    const char *base = (const char *)j->x->p + col * j->x->ld * es;
    size_t beg = it * item, end = rows - beg < item ? rows : beg + item;
    tdm__moments acc = {0}, m;
    for (size_t off = beg; off < end; off += TDM__RBLOCK) {
      size_t len = end - off < TDM__RBLOCK ? end - off : TDM__RBLOCK;
      tdm__reduce_block(j->x->dt, base + off * es, len, &m);
      tdm__moments_merge(&acc, &m);
    }
    j->part[u] = acc;
  }
}

static void tdm__row_chunks(void *arg, size_t lo, size_t hi) {
  const tdm__ajob *j = arg;
  const tdm__sarg *x = j->x;
  for (size_t ch = lo; ch < hi; ch++) {
    size_t r0 = ch * TDM__ROWCHUNK, nr = x->rows - r0 < TDM__ROWCHUNK ? x->rows - r0 : TDM__ROWCHUNK;
    tdm__acc a[TDM__ROWCHUNK];
    for (size_t i = 0; i < nr; i++) tdm__acc_init(&a[i]);
    for (size_t c = 0; c < x->cols; c++) {
      if (x->dt == TDM_F64) {
        const double *p = (const double *)x->p + r0 + c * x->ld;
        for (size_t i = 0; i < nr; i++) tdm__acc_add(&a[i], p[i]);
      } else {
        const float *p = (const float *)x->p + r0 + c * x->ld;
        for (size_t i = 0; i < nr; i++) tdm__acc_add(&a[i], (double)p[i]);
      }
    }
    for (size_t i = 0; i < nr; i++) {
      tdm__moments m;
      tdm__acc_moments(&a[i], &m);
      tdm__put(j->out, r0 + i, tdm__moments_op(&m, j->op));
    }
  }
}

tdm_status tdm__cpu_reduce_axis(void *st, const tdm__sarg *x, int axis, tdm_reduce_op op,
                                const tdm__sarg *out) {
  const tdm__cpu *c = st;
  tdm__ajob j = {x, out, 0, NULL, op};
  if (axis == 1) {
    size_t chunks = x->rows / TDM__ROWCHUNK + (x->rows % TDM__ROWCHUNK != 0);
    tdm__par_for(c->threads, chunks, 1, tdm__row_chunks, &j);
    return TDM_OK;
  }
  const size_t item = (size_t)TDM__RBLOCK * TDM__RSUPER;
  j.per = x->rows / item + (x->rows % item != 0);
  size_t units;
  TDM__CHECK(tdm__mul_ovf(j.per, x->cols, &units), TDM_ERR_NOMEM, "x: too many columns");
  j.part = tdm__malloc(units * sizeof *j.part);
  TDM__CHECK(!j.part, TDM_ERR_NOMEM, "out of host memory for %zu partial results", units);
  tdm__par_for(c->threads, units, j.per > 1 ? 1 : 16, tdm__col_items, &j);
  for (size_t col = 0; col < x->cols; col++) {
    tdm__moments m = j.part[col * j.per];
    for (size_t it = 1; it < j.per; it++) tdm__moments_merge(&m, &j.part[col * j.per + it]);
    tdm__put(out, col, tdm__moments_op(&m, op));
  }
  tdm__free(j.part);
  return TDM_OK;
}
