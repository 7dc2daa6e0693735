/* group.c -- several statistics per group in one parallel pass on the CPU.
 * The elements are cut into work items fixed by (n, G) alone; each item
 * fills its own table of per-group accumulators (shifted, compensated:
 * reduce_int.h), and the tables are merged group by group in item order,
 * so the bits do not depend on the thread count. x and the ids may be
 * strided windows; ids are I32 or I64. */
#include <math.h>

#include "core/alloc.h"
#include "core/error.h"
#include "cpu/cpu_int.h"
#include "cpu/reduce_int.h"
#include "cpu/stats_int.h"

#define TDM__GITEM_MIN ((size_t)1 << 16) /* elements per item, at least */
#define TDM__GITEMS_MAX 128
#define TDM__GTABLE_MAX ((size_t)1 << 20) /* accumulators in all tables */

size_t tdm__group_items(size_t n, size_t G) {
  size_t items = n / TDM__GITEM_MIN + (n % TDM__GITEM_MIN != 0);
  if (items > TDM__GITEMS_MAX) items = TDM__GITEMS_MAX;
  size_t cap = TDM__GTABLE_MAX / G;
  if (items > cap) items = cap;
  return items ? items : 1;
}

typedef struct {
  const tdm__sarg *x, *g;
  size_t n, G, isz;
  tdm__acc *tab;   /* items x G */
  size_t *bad;     /* per item: lowest bad element, or SIZE_MAX */
} tdm__gjob;

#define TDM__DEF_SEG(NAME, TX, TG)                                             \
  static size_t NAME(const TX *x, const TG *g, size_t len, size_t G, tdm__acc *t) { \
    for (size_t i = 0; i < len; i++) {                                         \
      TG id = g[i];                                                            \
      if (id < 0 || (uint64_t)id >= G) return i;                               \
      tdm__acc_add(&t[id], (double)x[i]);                                      \
    }                                                                          \
    return len;                                                                \
  }
TDM__DEF_SEG(tdm__seg_d32, double, int32_t)
TDM__DEF_SEG(tdm__seg_d64, double, int64_t)
TDM__DEF_SEG(tdm__seg_f32, float, int32_t)
TDM__DEF_SEG(tdm__seg_f64, float, int64_t)

/* Element k of a strided operand (byte address). */
static const char *tdm__at(const tdm__sarg *a, size_t k, size_t es) {
  return (const char *)a->p + (k % a->rows + (k / a->rows) * a->ld) * es;
}

static void tdm__group_items_run(void *arg, size_t lo, size_t hi) {
  const tdm__gjob *j = arg;
  const size_t xs = j->x->dt == TDM_F64 ? 8 : 4, gs = j->g->dt == TDM_I64 ? 8 : 4;
  const int f64 = j->x->dt == TDM_F64, i64 = j->g->dt == TDM_I64;
  for (size_t it = lo; it < hi; it++) {
    tdm__acc *t = j->tab + it * j->G;
    for (size_t k = 0; k < j->G; k++) tdm__acc_init(&t[k]);
    j->bad[it] = SIZE_MAX;
    size_t k = it * j->isz, end = k + j->isz < j->n ? k + j->isz : j->n;
    while (k < end) { /* runs contiguous in both x and g */
      size_t len = end - k, rx = j->x->rows - k % j->x->rows, rg = j->g->rows - k % j->g->rows;
      len = len < rx ? len : rx;
      len = len < rg ? len : rg;
      const void *px = tdm__at(j->x, k, xs), *pg = tdm__at(j->g, k, gs);
      size_t done = f64 ? (i64 ? tdm__seg_d64(px, pg, len, j->G, t) : tdm__seg_d32(px, pg, len, j->G, t))
                        : (i64 ? tdm__seg_f64(px, pg, len, j->G, t) : tdm__seg_f32(px, pg, len, j->G, t));
      if (done < len) {
        j->bad[it] = k + done;
        break;
      }
      k += len;
    }
  }
}

typedef struct {
  const tdm__acc *tab;
  size_t items, G, nops;
  const tdm_reduce_op *ops;
  const tdm__sarg *out;
} tdm__gmerge;

static void tdm__group_merge_run(void *arg, size_t lo, size_t hi) {
  const tdm__gmerge *j = arg;
  double *o = j->out->p;
  for (size_t k = lo; k < hi; k++) {
    tdm__moments m = {0}, b;
    for (size_t it = 0; it < j->items; it++) {
      tdm__acc_moments(&j->tab[it * j->G + k], &b);
      tdm__moments_merge(&m, &b);
    }
    for (size_t c = 0; c < j->nops; c++) o[k + c * j->out->ld] = tdm__moments_op(&m, j->ops[c]);
  }
}

tdm_status tdm__cpu_group_stats(void *st, const tdm__sarg *x, const tdm__sarg *g, size_t G,
                                size_t nops, const tdm_reduce_op ops[], const tdm__sarg *out) {
  const tdm__cpu *c = st;
  size_t n = x->rows * x->cols, items = tdm__group_items(n, G);
  tdm__acc *tab = tdm__calloc(items * G, sizeof *tab);
  size_t *bad = tdm__calloc(items, sizeof *bad);
  if (!tab || !bad) {
    tdm__free(tab);
    tdm__free(bad);
    return tdm__err(TDM_ERR_NOMEM, "out of host memory for %zu group accumulators", items * G);
  }
  tdm__gjob j = {x, g, n, G, n / items + (n % items != 0), tab, bad};
  tdm__par_for(c->threads, items, 1, tdm__group_items_run, &j);
  for (size_t it = 0; it < items; it++)
    if (bad[it] != SIZE_MAX) {
      const char *p = tdm__at(g, bad[it], g->dt == TDM_I64 ? 8 : 4);
      long long id = g->dt == TDM_I64 ? (long long)*(const int64_t *)p : (long long)*(const int32_t *)p;
      size_t at = bad[it];
      tdm__free(tab);
      tdm__free(bad);
      return tdm__err(TDM_ERR_INVALID, "groups: element %zu is %lld, outside [0, %zu)", at, id, G);
    }
  tdm__gmerge mj = {tab, items, G, nops, ops, out};
  tdm__par_for(c->threads, G, 256, tdm__group_merge_run, &mj);
  tdm__free(tab);
  tdm__free(bad);
  return TDM_OK;
}
