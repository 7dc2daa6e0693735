/* quantile.c -- tdm_quantile on the CPU: numpy's default interpolation
 * (type 7) from the order statistics it needs, found by selection, not a
 * full sort. A long F64 column is read once where a sample brackets its
 * ranks well (quant_bracket.c); otherwise, and for F32, a long column is
 * read twice in parallel: a histogram of the top 16 bits of the
 * order-preserving keys (sort_int.h), then the elements of the few buckets
 * that hold the wanted ranks are gathered and a quickselect finds each
 * rank there. Medium columns (2^15 to 2^18) are
 * copied and the ranks selected in the copy; short ones are sorted
 * (radix); both one column per thread. x is never written. */
#include <math.h>

#include "core/alloc.h"
#include "core/error.h"
#include "cpu/cpu_int.h"
#include "cpu/q7.h"
#include "cpu/qscan.h"
#include "cpu/select.h"
#include "cpu/sort_int.h"
#include "cpu/stats_int.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define NB 65536u
#define PARTS_MAX 16
#define SELECT_MIN ((size_t)1 << 15) /* shorter columns are sorted */
#define HIST_MIN ((size_t)1 << 18)   /* shorter ones are copied and selected on one thread */
#define RANKS_MAX TDM__QSCAN_RANKS   /* more ranks than this: sort */

static inline double tdm__get(const tdm__sarg *x, const char *col, size_t i) {
  return x->dt == TDM_F64 ? ((const double *)col)[i] : (double)((const float *)col)[i];
}
static inline unsigned tdm__bucket(const tdm__sarg *x, const char *col, size_t i) {
  return x->dt == TDM_F64 ? (unsigned)(tdm__key_f64(((const double *)col)[i]) >> 48)
                          : (unsigned)(tdm__key_f32(((const float *)col)[i]) >> 16);
}

TDM__SELECT_DEFINE(f64, double)

typedef struct {
  const tdm__sarg *x, *out;
  size_t nq;
  const double *q;
  const char *col;
  size_t n, parts, span;
  size_t (*hist)[NB];
  int32_t *slot;
  size_t (*off)[2 * RANKS_MAX];
  double *gath;
  int fail;
} tdm__qjob;

static void tdm__qhist(void *arg, size_t lo, size_t hi) {
  const tdm__qjob *j = arg;
  for (size_t p = lo; p < hi; p++) {
    size_t b = p * j->span, e = b + j->span < j->n ? b + j->span : j->n;
    size_t *h = j->hist[p];
    memset(h, 0, sizeof j->hist[p]);
    for (size_t i = b; i < e; i++) h[tdm__bucket(j->x, j->col, i)]++;
  }
}

static void tdm__qgather(void *arg, size_t lo, size_t hi) {
  const tdm__qjob *j = arg;
  for (size_t p = lo; p < hi; p++) {
    size_t b = p * j->span, e = b + j->span < j->n ? b + j->span : j->n;
    size_t *off = j->off[p];
    for (size_t i = b; i < e; i++) {
      int32_t s = j->slot[tdm__bucket(j->x, j->col, i)];
      if (s >= 0) j->gath[off[s]++] = tdm__get(j->x, j->col, i);
    }
  }
}

static void tdm__put_col(const tdm__qjob *j, size_t c, const double *v_lo, const double *v_hi,
                         const double *g) {
  double *o = (double *)j->out->p + c * j->out->ld;
  for (size_t k = 0; k < j->nq; k++) o[k] = tdm__lerp(v_lo[k], v_hi[k], g[k]);
}

static void tdm__put_nan(const tdm__qjob *j, size_t c) {
  double *o = (double *)j->out->p + c * j->out->ld;
  for (size_t k = 0; k < j->nq; k++) o[k] = NAN;
}

/* A long column by selection, on all threads. Nonzero: out of memory. */
static int tdm__quant_select(tdm__qjob *j, int threads, size_t c) {
  const tdm__sarg *x = j->x;
  size_t es = x->dt == TDM_F64 ? 8 : 4, n = x->rows;
  j->col = (const char *)x->p + c * x->ld * es;
  j->n = n;
  tdm__par_for(threads, j->parts, 1, tdm__qhist, j);
  size_t *tot = j->hist[j->parts]; /* the spare row */
  for (unsigned b = 0; b < NB; b++) {
    size_t t = 0;
    for (size_t p = 0; p < j->parts; p++) t += j->hist[p][b];
    tot[b] = t;
  }
  if (tot[NB - 1] > 0) { /* only NaN keys fall in the last bucket */
    tdm__put_nan(j, c);
    return 0;
  }
  size_t rank[2 * RANKS_MAX], lo[RANKS_MAX], hi[RANKS_MAX];
  double g[RANKS_MAX], vl[RANKS_MAX], vh[RANKS_MAX];
  for (size_t k = 0; k < j->nq; k++) {
    tdm__q7(j->q[k], n, &lo[k], &hi[k], &g[k]);
    rank[2 * k] = lo[k], rank[2 * k + 1] = hi[k];
  }
  /* the buckets of the ranks, each with its region of the gather array */
  unsigned nbk[2 * RANKS_MAX];
  size_t bstart[2 * RANKS_MAX], bcum[2 * RANKS_MAX], rslot[2 * RANKS_MAX], nb = 0, gsz = 0;
  for (size_t r = 0; r < 2 * j->nq; r++) {
    size_t cum = 0;
    unsigned b = 0;
    while (cum + tot[b] <= rank[r]) cum += tot[b++];
    if (j->slot[b] < 0) {
      j->slot[b] = (int32_t)nb;
      nbk[nb] = b, bstart[nb] = gsz, bcum[nb] = cum;
      gsz += tot[b];
      nb++;
    }
    rslot[r] = (size_t)j->slot[b];
  }
  j->gath = tdm__malloc(gsz * sizeof *j->gath);
  if (!j->gath) {
    for (size_t s = 0; s < nb; s++) j->slot[nbk[s]] = -1;
    return 1;
  }
  for (size_t s = 0; s < nb; s++) {
    size_t run = bstart[s];
    for (size_t p = 0; p < j->parts; p++) {
      j->off[p][s] = run;
      run += j->hist[p][nbk[s]];
    }
  }
  tdm__par_for(threads, j->parts, 1, tdm__qgather, j);
  for (size_t s = 0; s < nb; s++) /* each bucket's ranks */
    tdm__select_ranks_f64(j->gath + bstart[s], (long long)tot[nbk[s]], rank, 2 * j->nq,
                      (long long)bcum[s]);
  for (size_t k = 0; k < j->nq; k++) {
    size_t s0 = rslot[2 * k], s1 = rslot[2 * k + 1];
    vl[k] = j->gath[bstart[s0] + (rank[2 * k] - bcum[s0])];
    vh[k] = j->gath[bstart[s1] + (rank[2 * k + 1] - bcum[s1])];
  }
  tdm__put_col(j, c, vl, vh, g);
  for (size_t s = 0; s < nb; s++) j->slot[nbk[s]] = -1;
  tdm__free(j->gath);
  j->gath = NULL;
  return 0;
}

/* Short columns: a sorted copy each (keys radix sorted), one per thread. */
static void tdm__quant_sorted(void *arg, size_t lo, size_t hi) {
  tdm__qjob *j = arg;
  const tdm__sarg *x = j->x;
  size_t n = x->rows, es = x->dt == TDM_F64 ? 8 : 4;
  uint64_t *k = tdm__malloc(2 * n * sizeof *k);
  if (!k) {
    __atomic_store_n(&j->fail, 1, __ATOMIC_RELAXED);
    return;
  }
  for (size_t c = lo; c < hi; c++) {
    const char *col = (const char *)x->p + c * x->ld * es;
    for (size_t i = 0; i < n; i++) k[i] = tdm__key_f64(tdm__get(x, col, i));
    if (tdm__radix64(1, k, k + n, NULL, NULL, n)) {
      __atomic_store_n(&j->fail, 1, __ATOMIC_RELAXED);
      break;
    }
    if (k[n - 1] == UINT64_MAX) { /* NaN sorts last */
      tdm__put_nan(j, c);
      continue;
    }
    double *o = (double *)j->out->p + c * j->out->ld;
    for (size_t q = 0; q < j->nq; q++) {
      size_t a, b;
      double g;
      tdm__q7(j->q[q], n, &a, &b, &g);
      o[q] = tdm__lerp(tdm__unkey_f64(k[a]), tdm__unkey_f64(k[b]), g);
    }
  }
  tdm__free(k);
}

/* Medium columns: a copy each, the ranks selected in it one after another
 * (no histogram: its tables would cost more than the column), one column
 * per thread. */
static void tdm__quant_copied(void *arg, size_t lo, size_t hi) {
  tdm__qjob *j = arg;
  const tdm__sarg *x = j->x;
  size_t n = x->rows, es = x->dt == TDM_F64 ? 8 : 4, rank[2 * RANKS_MAX];
  double *a = tdm__malloc(n * sizeof *a), g[RANKS_MAX], v[2 * RANKS_MAX];
  if (!a) {
    __atomic_store_n(&j->fail, 1, __ATOMIC_RELAXED);
    return;
  }
  for (size_t k = 0; k < j->nq; k++) tdm__q7(j->q[k], n, &rank[2 * k], &rank[2 * k + 1], &g[k]);
  for (size_t c = lo; c < hi; c++) {
    const char *col = (const char *)x->p + c * x->ld * es;
    int nan = 0;
    for (size_t i = 0; i < n; i++) {
      a[i] = tdm__get(x, col, i);
      nan |= a[i] != a[i];
    }
    if (nan) {
      tdm__put_nan(j, c);
      continue;
    }
    tdm__select_ranks_f64(a, (long long)n, rank, 2 * j->nq, 0);
    for (size_t r = 0; r < 2 * j->nq; r++) v[r] = a[rank[r]];
    double *o = (double *)j->out->p + c * j->out->ld;
    for (size_t k = 0; k < j->nq; k++) o[k] = tdm__lerp(v[2 * k], v[2 * k + 1], g[k]);
  }
  tdm__free(a);
}

tdm_status tdm__cpu_quantile(void *st, const tdm__sarg *x, size_t nq, const double q[],
                             const tdm__sarg *out) {
  const tdm__cpu *c = st;
  tdm__qjob j = {.x = x, .out = out, .nq = nq, .q = q};
  if (x->rows < SELECT_MIN || nq > RANKS_MAX) {
    tdm__par_for(c->threads, x->cols, 1, tdm__quant_sorted, &j);
    TDM__CHECK(j.fail, TDM_ERR_NOMEM, "out of host memory for a sorted copy of %zu elements", x->rows);
    return TDM_OK;
  }
  if (x->rows < HIST_MIN) {
    tdm__par_for(c->threads, x->cols, 1, tdm__quant_copied, &j);
    TDM__CHECK(j.fail, TDM_ERR_NOMEM, "out of host memory for a copy of %zu elements", x->rows);
    return TDM_OK;
  }
  j.parts = c->threads < 2 ? 1 : (size_t)(c->threads * 2 < PARTS_MAX ? c->threads * 2 : PARTS_MAX);
  j.span = x->rows / j.parts + (x->rows % j.parts != 0);
  int bad = 0, tables = 0;
  for (size_t k = 0; k < x->cols && !bad; k++) {
    const double *col = (const double *)x->p + k * x->ld;
    double *o = (double *)out->p + k * out->ld;
    if (x->dt == TDM_F64 && !tdm__quant_bracket(c->threads, j.parts, col, x->rows, nq, q, o))
      continue;
    if (!tables) { /* the histogram path's tables, on the first column that takes it */
      j.hist = tdm__malloc((j.parts + 1) * sizeof *j.hist);
      j.slot = tdm__malloc(NB * sizeof *j.slot);
      j.off = tdm__malloc(j.parts * sizeof *j.off);
      if ((bad = !j.hist || !j.slot || !j.off)) break;
      for (unsigned b = 0; b < NB; b++) j.slot[b] = -1;
      tables = 1;
    }
    bad = tdm__quant_select(&j, c->threads, k);
  }
  tdm__free(j.hist);
  tdm__free(j.slot);
  tdm__free(j.off);
  TDM__CHECK(bad, TDM_ERR_NOMEM, "out of host memory for the quantile's work tables");
  return TDM_OK;
}
