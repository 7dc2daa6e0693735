/* sort.c -- tdm_sort and tdm_argsort on the CPU: values become order-
 * preserving integer keys in place (sort_int.h), the keys are radix
 * sorted (radix.c) and turned back; long F64, I64 and F32 columns go to
 * the sample-split sort (splitsort.c) instead (F32 on its values' F64
 * keys). Long columns are sorted one at
 * a time on all threads, short ones in parallel one per thread. */
#include "core/alloc.h"
#include "core/error.h"
#include "cpu/cpu_int.h"
#include "cpu/sort_int.h"
#include "cpu/split_int.h"
#include "cpu/stats_int.h"

#define TDM__LONG_COL ((size_t)1 << 16)

static size_t tdm__es(tdm_dtype dt) { return dt == TDM_F64 || dt == TDM_I64 ? 8 : 4; }

/* To keys (dir 1) or back (dir 0), n elements at p. */
static void tdm__keys(tdm_dtype dt, void *p, size_t n, int dir) {
  switch (dt) {
  case TDM_F64: {
    double *x = p;
    uint64_t *k = p;
    if (dir) for (size_t i = 0; i < n; i++) k[i] = tdm__key_f64(x[i]);
    else for (size_t i = 0; i < n; i++) x[i] = tdm__unkey_f64(k[i]);
  } break;
  case TDM_F32: {
    float *x = p;
    uint32_t *k = p;
    if (dir) for (size_t i = 0; i < n; i++) k[i] = tdm__key_f32(x[i]);
    else for (size_t i = 0; i < n; i++) x[i] = tdm__unkey_f32(k[i]);
  } break;
  case TDM_I64: {
    uint64_t *k = p;
    for (size_t i = 0; i < n; i++) k[i] ^= (uint64_t)1 << 63;
  } break;
  case TDM_I32: {
    uint32_t *k = p;
    for (size_t i = 0; i < n; i++) k[i] ^= 0x80000000u;
  } break;
  default: break; /* U32: the bits are the key */
  }
}

typedef struct {
  const tdm__sarg *x;
  char *tmp;
  int threads, fail;
} tdm__sjob;

/* The sample-split sort takes long F64, I64 and F32 columns. */
static int tdm__split_ok(tdm_dtype dt, size_t n) {
  return (dt == TDM_F64 || dt == TDM_I64 || dt == TDM_F32) && n >= TDM__SPLIT_MIN &&
         n < ((size_t)1 << 32);
}

static void tdm__sort_col(const tdm__sjob *j, size_t c, int threads, char *tmp) {
  size_t es = tdm__es(j->x->dt), n = j->x->rows;
  char *p = (char *)j->x->p + c * j->x->ld * es;
  if (tdm__split_ok(j->x->dt, n)) {
    int kind = j->x->dt == TDM_F64 ? TDM__SPLIT_F64 : j->x->dt == TDM_F32 ? TDM__SPLIT_F32
                                                                         : TDM__SPLIT_I64;
    if (tdm__splitsort64(threads, kind, p, n))
      __atomic_store_n(&((tdm__sjob *)j)->fail, 1, __ATOMIC_RELAXED);
    return;
  }
  tdm__keys(j->x->dt, p, n, 1);
  int bad = es == 8 ? tdm__radix64(threads, (uint64_t *)p, (uint64_t *)tmp, NULL, NULL, n)
                    : tdm__radix32(threads, (uint32_t *)p, (uint32_t *)tmp, n);
  tdm__keys(j->x->dt, p, n, 0);
  if (bad) __atomic_store_n(&((tdm__sjob *)j)->fail, 1, __ATOMIC_RELAXED);
}

static void tdm__sort_cols(void *arg, size_t lo, size_t hi) {
  const tdm__sjob *j = arg;
  for (size_t c = lo; c < hi; c++)
    tdm__sort_col(j, c, 1, j->tmp + c * j->x->rows * tdm__es(j->x->dt));
}

tdm_status tdm__cpu_sort(void *st, const tdm__sarg *x) {
  const tdm__cpu *c = st;
  size_t es = tdm__es(x->dt), long_col = x->rows >= TDM__LONG_COL;
  size_t cells = long_col ? x->rows : x->rows * x->cols;
  char *tmp = NULL; /* the sample-split sort has its own */
  if (!tdm__split_ok(x->dt, x->rows)) {
    tmp = tdm__malloc(cells * es);
    TDM__CHECK(!tmp, TDM_ERR_NOMEM, "out of host memory for %zu sort elements", cells);
  }
  tdm__sjob j = {x, tmp, c->threads, 0};
  if (long_col)
    for (size_t k = 0; k < x->cols; k++) tdm__sort_col(&j, k, c->threads, tmp);
  else
    tdm__par_for(c->threads, x->cols, 1, tdm__sort_cols, &j);
  tdm__free(tmp);
  TDM__CHECK(j.fail, TDM_ERR_NOMEM, "out of host memory for the sort's count tables");
  return TDM_OK;
}

/* Element k of a vector operand (a column, or a row of a view). */
static size_t tdm__vat(const tdm__sarg *a, size_t k) {
  return a->rows == 1 ? k * a->ld : k;
}

tdm_status tdm__cpu_argsort(void *st, const tdm__sarg *x, const tdm__sarg *idx) {
  const tdm__cpu *c = st;
  size_t n = x->rows * x->cols;
  uint64_t *w = tdm__malloc(n * 4 * sizeof *w);
  TDM__CHECK(!w, TDM_ERR_NOMEM, "out of host memory for %zu argsort keys", n);
  uint64_t *k = w, *kt = w + n, *ix = w + 2 * n, *it = w + 3 * n;
  for (size_t i = 0; i < n; i++) {
    size_t at = tdm__vat(x, i);
    uint64_t key;
    switch (x->dt) {
    case TDM_F64: {
      double v = ((const double *)x->p)[at];
      key = tdm__key_f64(v == 0 ? 0.0 : v); /* -0 ties with +0, as a comparison says */
    } break;
    case TDM_F32: {
      float v = ((const float *)x->p)[at];
      key = tdm__key_f32(v == 0 ? 0.0f : v);
    } break;
    case TDM_I64: key = ((const uint64_t *)x->p)[at] ^ ((uint64_t)1 << 63); break;
    case TDM_I32: key = ((const uint32_t *)x->p)[at] ^ 0x80000000u; break;
    default: key = ((const uint32_t *)x->p)[at]; break;
    }
    k[i] = key;
    ix[i] = i;
  }
  int bad = tdm__radix64(c->threads, k, kt, ix, it, n);
  if (!bad) {
    for (size_t i = 0; i < n; i++) {
      size_t at = tdm__vat(idx, i);
      if (idx->dt == TDM_I64) ((int64_t *)idx->p)[at] = (int64_t)ix[i];
      else ((int32_t *)idx->p)[at] = (int32_t)ix[i];
    }
  }
  tdm__free(w);
  TDM__CHECK(bad, TDM_ERR_NOMEM, "out of host memory for the sort's count tables");
  return TDM_OK;
}
