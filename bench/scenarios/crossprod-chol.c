/* crossprod-chol.c -- one model fit on threaded linear algebra: X ~ N(0,1)
 * (n x n), C = X'X, then C's Cholesky factor R. On the CPU one thread vs
 * all; on a device cuBLAS syrk + cuSOLVER potrf. Checked against entries
 * of X'X computed directly from X, and 1 vs N threads (device vs CPU). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "suite.h"

typedef struct cc_state {
  tdm_ctx *ctx;
  tdm_buf *X, *C;
  const double *hx; /* X on the host */
  double *hr;       /* R read back by transfer runs */
} cc_state;

static tdm_status cc_once(void *p, int xfer, double *secs) {
  cc_state *s = p;
  tdm_status st;
  double t = bench_now();
  if (xfer && (st = tdm_buf_write(s->X, s->hx)) != TDM_OK) return st;
  if ((st = tdm_crossprod(s->ctx, s->X, s->C)) != TDM_OK) return st;
  if ((st = tdm_cholesky(s->ctx, s->C)) != TDM_OK) return st;
  st = xfer ? tdm_buf_read(s->C, s->hr) : tdm_ctx_sync(s->ctx);
  *secs = bench_now() - t;
  return st;
}

/* R'R against X'X computed directly on sampled entries (backward error). */
static void cc_check_sample(bench_row *row, const double *hx, const double *R, size_t n) {
  enum { NS = 200 };
  double u[2 * NS];
  bench_pick(u, 2 * NS, 7);
  for (int s = 0; s < NS; s++) {
    size_t i = (size_t)(u[2 * s] * (double)n), j = s < 20 ? i : (size_t)(u[2 * s + 1] * (double)n);
    long double cij = 0, cii = 0, cjj = 0, rr = 0;
    for (size_t m = 0; m < n; m++) {
      long double a = hx[m + i * n], b = hx[m + j * n];
      cij += a * b, cii += a * a, cjj += b * b;
    }
    size_t kmax = i < j ? i : j;
    for (size_t k = 0; k <= kmax; k++) rr += (long double)R[k + i * n] * R[k + j * n];
    double scale = sqrt((double)(cii * cjj));
    if (!bench_check(row, bench_close((double)rr, (double)cij, 4.0 * (double)n * 2.3e-16, scale),
                     "R'R vs X'X computed directly: entry (%zu,%zu) %.17g vs %.17g", i, j,
                     (double)rr, (double)cij))
      return;
  }
}

/* Two factors agree entry by entry, relative to their column's scale. */
static void cc_check_same(bench_row *row, const double *a, const double *b, size_t n,
                          const char *what) {
  for (size_t j = 0; j < n; j++) {
    long double cjj = 0;
    for (size_t k = 0; k <= j; k++) cjj += (long double)b[k + j * n] * b[k + j * n];
    double scale = sqrt((double)cjj);
    for (size_t i = 0; i <= j; i++)
      if (!bench_check(row, bench_close(a[i + j * n], b[i + j * n], 1e-7, scale),
                       "%s: R(%zu,%zu) %.17g vs %.17g", what, i, j, a[i + j * n], b[i + j * n]))
        return;
  }
}

/* R on the CPU from the same X, for the device row's "device vs CPU". */
static tdm_status cc_cpu_reference(const bench_run *r, double *hx, size_t n, double *out) {
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = TDM_CPU;
  cfg.threads = r->threads;
  tdm_ctx *c = NULL;
  tdm_buf *X = NULL, *C = NULL;
  tdm_status s = tdm_ctx_create(&cfg, &c);
  if (s == TDM_OK) s = tdm_buf_wrap(c, TDM_F64, n, n, hx, &X);
  if (s == TDM_OK) s = tdm_buf_create(c, TDM_F64, n, n, &C);
  if (s == TDM_OK) s = tdm_crossprod(c, X, C);
  if (s == TDM_OK) s = tdm_cholesky(c, C);
  if (s == TDM_OK) s = tdm_buf_read(C, out);
  tdm_buf_destroy(C);
  tdm_buf_destroy(X);
  tdm_ctx_destroy(c);
  return s;
}

void bench_crossprod_chol(bench_run *r) {
  size_t n = r->size == BENCH_SMALL ? 400 : r->size == BENCH_FULL ? 6000 : 3000;
  int reps = bench_reps(r, r->size == BENCH_FULL ? 2 : r->size == BENCH_SMALL ? 3 : 5);
  char size[64], many[40];
  snprintf(size, sizeof size, "n=%zu", n);
  snprintf(many, sizeof many, "%d thread%s", r->threads, r->threads == 1 ? "" : "s");
  int nv = r->device ? 1 : 2;
  bench_row rows[2];
  bench_row_init(r, &rows[0], r->device ? "device" : "1 thread", "f64", size);
  bench_row_init(r, &rows[1], many, "f64", size);
  if (bench_skipping(r, rows, nv)) return;
  double flops = (double)n * n * (n + 1) + (double)n * n * n / 3.0;

  tdm_ctx *ctx1 = NULL;
  tdm_buf *X = NULL, *X1 = NULL, *C = NULL, *C1 = NULL;
  tdm_rng *rng = NULL;
  double *hx = malloc(n * n * sizeof *hx), *hr[2] = {malloc(n * n * sizeof(double)), NULL};
  hr[1] = malloc(n * n * sizeof(double));
  tdm_status s = (hx && hr[0] && hr[1]) ? TDM_OK : TDM_ERR_NOMEM;
  const char *why = s == TDM_OK ? NULL : "out of host memory for X and R";
  bench_progress(r, "setup: X ~ N(0,1), %zu x %zu", n, n);
  if (s == TDM_OK) s = tdm_buf_create(r->ctx, TDM_F64, n, n, &X);
  if (s == TDM_OK) s = tdm_buf_create(r->ctx, TDM_F64, n, n, &C);
  if (s == TDM_OK) s = tdm_rng_create(r->ctx, 2024, 0, &rng);
  if (s == TDM_OK) s = tdm_rng_normal(rng, X, 0.0, 1.0);
  if (s == TDM_OK) s = tdm_buf_read(X, hx);
  if (s == TDM_OK && !r->device) s = bench_ctx_like(r, 1, &ctx1);
  if (s == TDM_OK && ctx1) s = tdm_buf_wrap(ctx1, TDM_F64, n, n, hx, &X1);
  if (s == TDM_OK && ctx1) s = tdm_buf_create(ctx1, TDM_F64, n, n, &C1);
  for (int v = 0; v < nv && s == TDM_OK; v++) {
    int one = !r->device && v == 0;
    cc_state st = {one ? ctx1 : r->ctx, one ? X1 : X, one ? C1 : C, hx, hr[v]};
    bench_row *row = &rows[v];
    row->threads = one ? 1 : r->threads;
    s = bench_time(r, row, reps, 1, cc_once, &st);
    if (s == TDM_OK) s = tdm_buf_read(st.C, hr[v]);
    if (s != TDM_OK) break;
    double ceil = r->device ? r->ceil->dev_dgemm : one ? r->ceil->dgemm1 : r->ceil->dgemmN;
    bench_rate(row, flops / 1e9, "GFLOP/s", ceil,
               r->device ? "device dgemm" : one ? "dgemm 1 core" : "dgemm all cores");
    cc_check_sample(row, hx, hr[v], n);
  }
  if (s == TDM_OK && !r->device) {
    cc_check_same(&rows[1], hr[1], hr[0], n, "N threads vs 1 thread");
    char sp[32];
    snprintf(rows[1].note, sizeof rows[1].note, "%s 1 thread",
             bench_speedup(rows[0].median_s, rows[1].median_s, sp, sizeof sp));
  } else if (s == TDM_OK) {
    bench_progress(r, "CPU reference for the device check");
    s = cc_cpu_reference(r, hx, n, hr[1]);
    if (s == TDM_OK) cc_check_same(&rows[0], hr[0], hr[1], n, "device vs CPU");
  }
  bench_finish(r, rows, nv, s, why);
  tdm_rng_destroy(rng);
  tdm_buf_destroy(X);
  tdm_buf_destroy(C);
  tdm_buf_destroy(X1);
  tdm_buf_destroy(C1);
  tdm_ctx_destroy(ctx1);
  free(hx);
  free(hr[0]);
  free(hr[1]);
}
