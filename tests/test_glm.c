/* test_glm.c -- the `glm` scenario's IRLS (bench/glm.h) on the sim device:
 * per Newton step only b (p doubles) comes back to the host and nothing
 * else crosses after X and y are uploaded (tdm_ctx_stats), every op runs
 * on the device, and the fit is the optimum: the score X'(y - mu) is zero
 * to rounding (long double) and the CPU fit agrees. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "../bench/scenarios/glm.h"
#include "support/support.h"

static double score(const double *X, const double *y, size_t n, size_t p, const double *b) {
  double worst = 0;
  for (size_t j = 0; j < p; j++) {
    long double g = 0, a = 0;
    for (size_t i = 0; i < n; i++) {
      long double e = 0;
      for (size_t k = 0; k < p; k++) e += (long double)X[i + k * n] * b[k];
      long double r = y[i] - 1.0L / (1.0L + expl(-e));
      g += X[i + j * n] * r, a += fabsl(X[i + j * n] * r);
    }
    worst = fmax(worst, (double)(fabsl(g) / a));
  }
  return worst;
}

Test(glm, only_b_and_the_deviance_cross_per_step_on_sim) {
  enum { N = 4000, P = 6 };
  double *X = calloc(N * (P + 1), sizeof *X), *y = malloc(N * sizeof *y), b[P], bc[P];
  glm_data(N, P, X, y);
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 2), *cpu = ts_ctx(TDM_CPU, 2);
  tdm_buf *bX = ts_buf(ctx, TDM_F64, N, P + 1, X), *by = ts_buf(ctx, TDM_F64, N, 1, y);
  glm_fit fit, fc;
  cr_assert_eq(tdm_ctx_stats_reset(ctx), TDM_OK);
  cr_assert_eq(glm_irls(ctx, bX, by, b, &fit), TDM_OK, "%s", tdm_last_error());
  tdm_stats st;
  cr_assert_eq(tdm_ctx_stats(ctx, &st), TDM_OK);
  cr_assert(fit.iters >= 3 && fit.iters < GLM_MAXIT && fit.step <= GLM_TOL, "%d steps, last %.3g",
            fit.iters, fit.step);
  /* per step b (P doubles) and the deviance (one reduction: its six
   * moments, 48 bytes), plus the deviance at the final b */
  cr_assert_eq(st.d2h_count, 2 * (uint64_t)fit.iters + 1, "%llu copies to the host for %d steps",
               (unsigned long long)st.d2h_count, fit.iters);
  cr_assert_eq(st.d2h_bytes, (uint64_t)fit.iters * P * 8 + (uint64_t)(fit.iters + 1) * 48);
  /* up: [X z] and y (written on the host, uploaded at first use) and b = 0, once */
  cr_assert_eq(st.h2d_count, 3, "%llu copies to the device", (unsigned long long)st.h2d_count);
  cr_assert_eq(st.h2d_bytes, (N * (P + 1) + N + P) * 8);
  cr_assert_eq(st.cpu_ops, 0, "every op ran on the device");
  /* per step gemv, two evals and a reduce for the deviance and w, z, X'WX, the solve */
  cr_assert(st.device_ops >= (uint64_t)fit.iters * 7);
  cr_assert_leq(score(X, y, N, P, b), 1e-12, "the score vanishes at b");
  /* the same fit on the CPU */
  tdm_buf *cX = ts_buf(cpu, TDM_F64, N, P + 1, X), *cy = ts_buf(cpu, TDM_F64, N, 1, y);
  cr_assert_eq(glm_irls(cpu, cX, cy, bc, &fc), TDM_OK, "%s", tdm_last_error());
  for (int j = 0; j < P; j++) cr_assert(fabs(bc[j] - b[j]) <= 1e-12 * (1 + fabs(b[j])), "b[%d]", j);
  cr_assert(fabs(fc.dev - fit.dev) <= 1e-12 * fit.dev);
  /* the deviance is that of b: 2 sum(log(1 + exp(eta)) - y eta) */
  long double dv = 0;
  for (size_t i = 0; i < N; i++) {
    long double e = 0;
    for (size_t k = 0; k < P; k++) e += (long double)X[i + k * N] * b[k];
    dv += log1pl(expl(e)) - y[i] * e;
  }
  cr_assert(fabsl(2 * dv - fit.dev) <= 1e-12L * fit.dev, "deviance %.17g vs %.17Lg", fit.dev, 2 * dv);
  tdm_buf_destroy(bX), tdm_buf_destroy(by), tdm_buf_destroy(cX), tdm_buf_destroy(cy);
  tdm_ctx_destroy(ctx), tdm_ctx_destroy(cpu);
  free(X), free(y);
}
