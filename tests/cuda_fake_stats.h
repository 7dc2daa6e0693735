/* cuda_fake_stats.h -- the fake GPU's statistics "kernels" (group stats,
 * per-axis statistics, sorts and quantiles) as plain host loops in long
 * double, independent of the module's kernels; part of cuda_fake_k.h. */
#ifndef TDM_TEST_CUDA_FAKE_STATS_H
#define TDM_TEST_CUDA_FAKE_STATS_H

#include <stdint.h>
#include <stdlib.h>

#include "cpu/q7.h"
#include "tdmk.h"

static size_t fs_at(const tdm__sarg *a, size_t k) { return k % a->rows + (k / a->rows) * a->ld; }
static double fs_x(const tdm__sarg *a, size_t k) {
  size_t i = fs_at(a, k);
  return a->dt == TDM_F64 ? ((const double *)a->p)[i] : (double)((const float *)a->p)[i];
}
static long long fs_id(const tdm__sarg *a, size_t k) {
  size_t i = fs_at(a, k);
  return a->dt == TDM_I64 ? (long long)((const int64_t *)a->p)[i] : (long long)((const int32_t *)a->p)[i];
}

/* Two-pass statistics of v[0..n) for op. */
static double fs_stat(const double *v, size_t n, int op) {
  if (op == TDM_COUNT) return (double)n;
  if (n == 0) return NAN;
  long double s = 0, q = 0;
  double mn = v[0], mx = v[0];
  int nan = 0;
  for (size_t i = 0; i < n; i++) {
    s += v[i], nan |= v[i] != v[i];
    mn = v[i] < mn ? v[i] : mn, mx = v[i] > mx ? v[i] : mx;
  }
  long double mean = s / n;
  for (size_t i = 0; i < n; i++) q += (v[i] - mean) * (v[i] - mean);
  double var = n > 1 && isfinite((double)mean) ? (double)(q / (n - 1)) : NAN;
  switch (op) {
  case TDM_SUM: return (double)s;
  case TDM_MEAN: return (double)mean;
  case TDM_MIN: return nan ? NAN : mn;
  case TDM_MAX: return nan ? NAN : mx;
  case TDM_VAR: return var;
  case TDM_SD: return sqrt(var);
  }
  return NAN;
}

static int f_kGroupStats(const tdm__sarg *x, const tdm__sarg *g, size_t G, size_t nops, const int *ops,
                         void *scratch, const tdm__sarg *out, int nb, unsigned long long *bad, void *stream) {
  (void)stream;
  if (fk.kernel_err) return fk.kernel_err;
  cr_assert_geq(nb, 1);
  cr_assert_eq((char *)bad, (char *)scratch + tdmk_group_scratch(G, nb), "the bad word follows the tables");
  size_t n = x->rows * x->cols;
  *bad = ~0ull;
  double *v = malloc((n ? n : 1) * sizeof *v);
  for (size_t k = 0; k < G; k++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      long long id = fs_id(g, i);
      if (id < 0 || (unsigned long long)id >= G) {
        if (i < *bad) *bad = i;
      } else if ((size_t)id == k) {
        v[m++] = fs_x(x, i);
      }
    }
    for (size_t c = 0; c < nops; c++) ((double *)out->p)[k + c * out->ld] = fs_stat(v, m, ops[c]);
  }
  free(v);
  return 0;
}

static void fs_put(const tdm__sarg *o, size_t k, double r) {
  size_t a = o->rows == 1 ? k * o->ld : k;
  if (o->dt == TDM_F64) ((double *)o->p)[a] = r;
  else ((float *)o->p)[a] = (float)r;
}

static int f_kReduceAxis(const tdm__sarg *x, int axis, int op, const tdm__sarg *out, void *stream) {
  (void)stream;
  if (fk.kernel_err) return fk.kernel_err;
  size_t len = axis == 0 ? x->rows : x->cols, cnt = axis == 0 ? x->cols : x->rows;
  double *v = malloc(len * sizeof *v);
  for (size_t k = 0; k < cnt; k++) {
    for (size_t t = 0; t < len; t++) {
      size_t i = axis == 0 ? t : k, j = axis == 0 ? k : t;
      v[t] = x->dt == TDM_F64 ? ((const double *)x->p)[i + j * x->ld] : ((const float *)x->p)[i + j * x->ld];
    }
    fs_put(out, k, fs_stat(v, len, op));
  }
  free(v);
  return 0;
}

static size_t f_kSortScratch(tdm_dtype dt, size_t rows, size_t cols, size_t nq, int pairs) {
  (void)dt, (void)nq, (void)pairs;
  return rows * cols * 16 + 64;
}

/* Sort order of the fake: NaN last, then by value; ties by position. */
typedef struct { long double v; int nan; size_t pos; } fs_item;
static int fs_cmp(const void *a, const void *b) {
  const fs_item *p = a, *q = b;
  if (p->nan != q->nan) return p->nan - q->nan;
  if (!p->nan && p->v != q->v) return p->v < q->v ? -1 : 1;
  return p->pos < q->pos ? -1 : p->pos > q->pos;
}
static long double fs_any(const tdm__sarg *x, size_t i) {
  switch (x->dt) {
  case TDM_F64: return ((const double *)x->p)[i];
  case TDM_F32: return ((const float *)x->p)[i];
  case TDM_I64: return ((const int64_t *)x->p)[i];
  case TDM_I32: return ((const int32_t *)x->p)[i];
  default: return ((const uint32_t *)x->p)[i];
  }
}
static void fs_set(const tdm__sarg *x, size_t i, long double v) {
  switch (x->dt) {
  case TDM_F64: ((double *)x->p)[i] = (double)v; break;
  case TDM_F32: ((float *)x->p)[i] = (float)v; break;
  case TDM_I64: ((int64_t *)x->p)[i] = (int64_t)v; break;
  case TDM_I32: ((int32_t *)x->p)[i] = (int32_t)v; break;
  default: ((uint32_t *)x->p)[i] = (uint32_t)v; break;
  }
}

static int f_kSort(int what, const tdm__sarg *x, const tdm__sarg *idx, size_t nq, const double *q,
                   const tdm__sarg *out, void *scratch, size_t bytes, void *stream) {
  (void)stream;
  if (fk.kernel_err) return fk.kernel_err;
  cr_assert(scratch && bytes >= f_kSortScratch(x->dt, x->rows, x->cols, nq, what == 1));
  size_t n = x->rows * x->cols, len = what == 1 ? n : x->rows, cols = what == 1 ? 1 : x->cols;
  fs_item *it = malloc(len * sizeof *it);
  for (size_t j = 0; j < cols; j++) {
    for (size_t t = 0; t < len; t++) {
      size_t a = what == 1 ? (x->rows == 1 ? t * x->ld : t) : t + j * x->ld;
      it[t].v = fs_any(x, a), it[t].nan = it[t].v != it[t].v, it[t].pos = t;
    }
    qsort(it, len, sizeof *it, fs_cmp);
    if (what == 0)
      for (size_t t = 0; t < len; t++) fs_set(x, t + j * x->ld, it[t].nan ? NAN : it[t].v);
    if (what == 1)
      for (size_t t = 0; t < len; t++) {
        size_t a = idx->rows == 1 ? t * idx->ld : t;
        if (idx->dt == TDM_I64) ((int64_t *)idx->p)[a] = (int64_t)it[t].pos;
        else ((int32_t *)idx->p)[a] = (int32_t)it[t].pos;
      }
    if (what == 2)
      for (size_t k = 0; k < nq; k++) {
        size_t lo, hi;
        double gm;
        tdm__q7(q[k], len, &lo, &hi, &gm);
        ((double *)out->p)[k + j * out->ld] =
            it[len - 1].nan ? NAN : tdm__lerp((double)it[lo].v, (double)it[hi].v, gm);
      }
  }
  free(it);
  return 0;
}

#endif
