/* pca.c -- the `pca` scenario: principal components of n = 1e6 rows of 100
 * correlated features two ways: the eigen-decomposition of the 100 x 100
 * cross product of the centred rows (crossprod + eigh), and the singular
 * values of the centred rows themselves (svd, values only: no n x 100 U).
 * The column means come from gemv, the centring is a rank-1 gemm update
 * in place. Check: the two spectra agree, lambda_i = s_i^2, to 1e-10 of
 * the largest. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "glm.h" /* glm_u: the same hashed uniforms */
#include "suite.h"

#define PCA_P 100

typedef struct pca_state {
  tdm_ctx *ctx;
  tdm_buf *X, *C, *w, *s;
  int svd;
} pca_state;

static tdm_status pca_once(void *p, int xfer, double *secs) {
  pca_state *s = p;
  (void)xfer;
  double t = bench_now();
  tdm_status st = s->svd ? tdm_svd(s->ctx, s->X, NULL, s->s, NULL)
                         : tdm_crossprod(s->ctx, s->X, s->C);
  if (st == TDM_OK && !s->svd) st = tdm_eigh(s->ctx, s->C, s->w, NULL);
  if (st == TDM_OK) st = tdm_ctx_sync(s->ctx);
  *secs = bench_now() - t;
  return st;
}

/* Features: U(-1, 1) noise plus shared factors, so the spectrum spreads
 * over two decades and the directions are not the axes. */
static void pca_data(size_t n, size_t p, double *X) {
  for (size_t j = 0; j < p; j++)
    for (size_t i = 0; i < n; i++) {
      double f1 = 2.0 * glm_u(0xFAC7000000ull + i) - 1.0, f2 = 2.0 * glm_u(0xFAC8000000ull + i) - 1.0;
      X[i + j * n] = 3.0 + (2.0 * glm_u(0x9CA0000000ull + i + j * (uint64_t)n) - 1.0) * (0.2 + 0.01 * (double)j) +
                     f1 * sin(0.1 * (double)j) * 2.0 + f2 * cos(0.07 * (double)j);
    }
}

void bench_pca(bench_run *r) {
  size_t n = r->size == BENCH_SMALL ? 100000 : r->size == BENCH_FULL ? 4000000 : 1000000, p = PCA_P;
  int reps = bench_reps(r, r->size == BENCH_FULL ? 2 : 3);
  char size[64], nb[24];
  snprintf(size, sizeof size, "n=%s p=%zu", bench_count((double)n, nb, sizeof nb), p);
  bench_row rows[2];
  bench_row_init(r, &rows[0], "eigh of X'X", "f64", size);
  bench_row_init(r, &rows[1], "svd of X", "f64", size);
  rows[0].threads = rows[1].threads = r->threads;
  if (bench_skipping(r, rows, 2)) return;
  double *hx = malloc(n * p * sizeof *hx), *ones = malloc(n * sizeof *ones);
  double w[PCA_P], sv[PCA_P];
  pca_state st = {r->ctx, NULL, NULL, NULL, NULL, 0};
  tdm_buf *one = NULL, *mean = NULL;
  tdm_status s = hx && ones ? TDM_OK : TDM_ERR_NOMEM;
  const char *why = s == TDM_OK ? NULL : "out of host memory for X";
  bench_progress(r, "setup: X %zu x %zu, centred by gemv + a rank-1 gemm", n, p);
  if (s == TDM_OK) {
    pca_data(n, p, hx);
    for (size_t i = 0; i < n; i++) ones[i] = 1.0;
  }
  if (s == TDM_OK) s = tdm_buf_create(r->ctx, TDM_F64, n, p, &st.X);
  if (s == TDM_OK) s = tdm_buf_write(st.X, hx);
  if (s == TDM_OK) s = tdm_buf_create(r->ctx, TDM_F64, n, 1, &one);
  if (s == TDM_OK) s = tdm_buf_write(one, ones);
  if (s == TDM_OK) s = tdm_buf_create(r->ctx, TDM_F64, p, 1, &mean);
  if (s == TDM_OK) s = tdm_gemv(r->ctx, TDM_TRANS, 1.0 / (double)n, st.X, one, 0.0, mean);
  if (s == TDM_OK) s = tdm_gemm(r->ctx, TDM_NOTRANS, TDM_TRANS, -1.0, one, mean, 1.0, st.X);
  if (s == TDM_OK) s = tdm_buf_create(r->ctx, TDM_F64, p, p, &st.C);
  if (s == TDM_OK) s = tdm_buf_create(r->ctx, TDM_F64, p, 1, &st.w);
  if (s == TDM_OK) s = tdm_buf_create(r->ctx, TDM_F64, p, 1, &st.s);
  for (int v = 0; v < 2 && s == TDM_OK; v++) {
    st.svd = v;
    s = bench_time(r, &rows[v], reps, 0, pca_once, &st);
    double np = (double)n * (double)p * (double)p;
    if (s == TDM_OK)
      bench_rate(&rows[v], (v ? 2.0 * np : np) / 1e9, "GFLOP/s",
                 r->device ? r->ceil->dev_dgemm : r->ceil->dgemmN,
                 r->device ? "device dgemm" : "dgemm all cores");
  }
  if (s == TDM_OK) s = tdm_buf_read(st.w, w);
  if (s == TDM_OK) s = tdm_buf_read(st.s, sv);
  if (s == TDM_OK) {
    double top = sv[0] * sv[0], worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < p; i++) {
      double d = fabs(w[p - 1 - i] - sv[i] * sv[i]) / top;
      if (d > worst) worst = d, at = i;
    }
    for (int v = 0; v < 2; v++) {
      bench_check(&rows[v], worst <= 1e-10,
                  "eigh vs svd: lambda_%zu %.17g vs s^2 %.17g (%.3g of the largest)", at,
                  w[p - 1 - at], sv[at] * sv[at], worst);
      snprintf(rows[v].note, sizeof rows[v].note,
               "spectra agree to %.2g of the largest; variance %.6g .. %.6g", worst,
               top / (double)(n - 1), sv[p - 1] * sv[p - 1] / (double)(n - 1));
    }
  }
  bench_finish(r, rows, 2, s, why);
  tdm_buf_destroy(st.X), tdm_buf_destroy(st.C), tdm_buf_destroy(st.w), tdm_buf_destroy(st.s);
  tdm_buf_destroy(one), tdm_buf_destroy(mean);
  free(hx);
  free(ones);
}
