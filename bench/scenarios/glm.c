/* glm.c -- the `glm` scenario: logistic regression by IRLS (bench/glm.h),
 * n = 1e6 rows (--size scales it), p = 50, on the side the plan picks.
 * Checked on the host in long double, independently of tandem: the score
 * X'(y - mu(b)) at the returned b is zero to 1e-11 of its scale (the fit
 * is the unique optimum; the numpy peer's b agrees to 1e-8). On a device,
 * tdm_ctx_stats shows that only b and the deviance came back per step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "glm.h"
#include "suite.h"

#define GLM_P 50

typedef struct glm_state {
  tdm_ctx *ctx;
  tdm_buf *X, *y;
  const double *hx, *hy;
  double b[GLM_P];
  glm_fit fit;
} glm_state;

static tdm_status glm_once(void *p, int xfer, double *secs) {
  glm_state *s = p;
  tdm_status st = TDM_OK;
  double t = bench_now();
  if (xfer) st = tdm_buf_write(s->X, s->hx);
  if (st == TDM_OK && xfer) st = tdm_buf_write(s->y, s->hy);
  if (st == TDM_OK) st = glm_irls(s->ctx, s->X, s->y, s->b, &s->fit);
  *secs = bench_now() - t;
  return st;
}

/* max_j |sum_i x_ij (y_i - mu_i)| / sum_i |x_ij (y_i - mu_i)| in long double. */
static double glm_score(const double *X, const double *y, size_t n, size_t p, const double *b) {
  long double g[GLM_P] = {0}, a[GLM_P] = {0};
  for (size_t i = 0; i < n; i++) {
    long double e = 0;
    for (size_t j = 0; j < p; j++) e += (long double)X[i + j * n] * b[j];
    long double r = y[i] - 1.0L / (1.0L + expl(-e));
    for (size_t j = 0; j < p; j++) {
      g[j] += X[i + j * n] * r;
      a[j] += fabsl(X[i + j * n] * r);
    }
  }
  double worst = 0;
  for (size_t j = 0; j < p; j++) worst = fmax(worst, (double)(fabsl(g[j]) / a[j]));
  return worst;
}

void bench_glm(bench_run *r) {
  size_t n = r->size == BENCH_SMALL ? 100000 : r->size == BENCH_FULL ? 4000000 : 1000000, p = GLM_P;
  int reps = bench_reps(r, r->size == BENCH_FULL ? 2 : 3);
  char size[64], variant[40], nb[24];
  snprintf(size, sizeof size, "n=%s p=%zu", bench_count((double)n, nb, sizeof nb), p);
  if (r->device) snprintf(variant, sizeof variant, "device");
  else snprintf(variant, sizeof variant, "%d threads", r->threads);
  bench_row row;
  bench_row_init(r, &row, variant, "f64", size);
  row.threads = r->threads;
  if (bench_skipping(r, &row, 1)) return;
  double *hx = calloc(n * (p + 1), sizeof *hx), *hy = malloc(n * sizeof *hy);
  glm_state st = {r->ctx, NULL, NULL, hx, hy, {0}, {0}};
  tdm_status s = hx && hy ? TDM_OK : TDM_ERR_NOMEM;
  const char *why = s == TDM_OK ? NULL : "out of host memory for X and y";
  /* X (n x p) and, after it, the fit's work column */
  bench_progress(r, "setup: X (%zu x %zu, U(-1,1) and an intercept), y ~ Bernoulli", n, p);
  if (s == TDM_OK) glm_data(n, p, hx, hy);
  if (s == TDM_OK && !r->device) s = tdm_buf_wrap(r->ctx, TDM_F64, n, p + 1, hx, &st.X);
  if (s == TDM_OK && !r->device) s = tdm_buf_wrap(r->ctx, TDM_F64, n, 1, hy, &st.y);
  if (s == TDM_OK && r->device) s = tdm_buf_create(r->ctx, TDM_F64, n, p + 1, &st.X);
  if (s == TDM_OK && r->device) s = tdm_buf_create(r->ctx, TDM_F64, n, 1, &st.y);
  if (s == TDM_OK && r->device) s = tdm_buf_write(st.X, hx);
  if (s == TDM_OK && r->device) s = tdm_buf_write(st.y, hy);
  if (s == TDM_OK) s = bench_time(r, &row, reps, 1, glm_once, &st);
  if (s == TDM_OK) {
    double flops = (double)st.fit.iters * (double)n * (double)p * ((double)p + 6.0);
    bench_rate(&row, flops / 1e9, "GFLOP/s", r->device ? r->ceil->dev_dgemm : r->ceil->dgemmN,
               r->device ? "device dgemm" : "dgemm all cores");
    bench_progress(r, "check: the score at b in long double");
    double q = glm_score(hx, hy, n, p, st.b);
    bench_check(&row, st.fit.step <= GLM_TOL, "IRLS did not converge in %d steps (last step %.3g)",
                st.fit.iters, st.fit.step);
    bench_check(&row, q <= 1e-11, "score X'(y - mu) at b is %.3g of its scale (> 1e-11)", q);
    snprintf(row.note, sizeof row.note, "%d steps, deviance %.12g, b0 %.12f, b1 %.12f",
             st.fit.iters, st.fit.dev, st.b[0], st.b[1]);
  }
  if (s == TDM_OK && r->device) { /* what crossed per step: b, and nothing else */
    tdm_stats a;
    s = tdm_ctx_stats_reset(r->ctx);
    if (s == TDM_OK) s = glm_irls(r->ctx, st.X, st.y, st.b, &st.fit);
    if (s == TDM_OK) s = tdm_ctx_stats(r->ctx, &a);
    if (s == TDM_OK)
      bench_check(&row, /* per step b and the deviance's moments (48 B), and the last deviance */
                  a.d2h_count == 2 * (uint64_t)st.fit.iters + 1 &&
                      a.d2h_bytes == (uint64_t)st.fit.iters * p * 8 + (uint64_t)(st.fit.iters + 1) * 48 &&
                      a.h2d_count == 1 && a.cpu_ops == 0,
                  "copies per fit: %llu to the host (%llu B), %llu to the device, %llu ops on the CPU "
                  "(expected b and the deviance per step (%d), b = 0 once, none)",
                  (unsigned long long)a.d2h_count, (unsigned long long)a.d2h_bytes,
                  (unsigned long long)a.h2d_count, (unsigned long long)a.cpu_ops, st.fit.iters);
  }
  bench_finish(r, &row, 1, s, why);
  tdm_buf_destroy(st.X);
  tdm_buf_destroy(st.y);
  free(hx);
  free(hy);
}
