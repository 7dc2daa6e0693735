/* matmul.c -- one model fit on a GPU: C = A*B with A, B ~ N(0,1), n x n,
 * in f64 and f32 (full FP32, no TF32). Checked by Freivalds' test
 * (C v against A (B v) in long double) and by sampled entries computed
 * directly, both within the rounding-error bound n * u * |A||B|. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "suite.h"

typedef struct mm_state {
  tdm_ctx *ctx;
  tdm_buf *A, *B, *C;
  const void *ha, *hb;
  void *hc;
} mm_state;

static tdm_status mm_once(void *p, int xfer, double *secs) {
  mm_state *s = p;
  tdm_status st = TDM_OK;
  double t = bench_now();
  if (xfer && (st = tdm_buf_write(s->A, s->ha)) == TDM_OK) st = tdm_buf_write(s->B, s->hb);
  if (st == TDM_OK) st = tdm_gemm(s->ctx, TDM_NOTRANS, TDM_NOTRANS, 1.0, s->A, s->B, 0.0, s->C);
  if (st == TDM_OK) st = xfer ? tdm_buf_read(s->C, s->hc) : tdm_ctx_sync(s->ctx);
  *secs = bench_now() - t;
  return st;
}

static double mm_get(const void *p, tdm_dtype dt, size_t i) {
  return dt == TDM_F64 ? ((const double *)p)[i] : (double)((const float *)p)[i];
}

static void mm_check(bench_row *row, tdm_dtype dt, const void *a, const void *b, const void *c,
                     size_t n) {
  double u = dt == TDM_F64 ? 0x1p-53 : 0x1p-24, tol = 2.0 * (double)n * u;
  long double *bv = calloc(n, sizeof *bv), *babs = calloc(n, sizeof *babs);
  double *pick = malloc(n * sizeof *pick);
  if (!bv || !babs || !pick) {
    bench_check(row, 0, "out of host memory for the check");
    goto done;
  }
  bench_pick(pick, n, 11);
  for (size_t j = 0; j < n; j++) { /* bv = B v, babs = |B| |v|, v = +-1 */
    double vj = pick[j] < 0.5 ? -1.0 : 1.0;
    for (size_t k = 0; k < n; k++) {
      double bkj = mm_get(b, dt, k + j * n);
      bv[k] += (long double)bkj * vj;
      babs[k] += fabs(bkj);
    }
  }
  for (size_t i = 0; i < n; i++) {
    long double w = 0, scale = 0, cv = 0;
    for (size_t k = 0; k < n; k++) {
      double aik = mm_get(a, dt, i + k * n);
      w += aik * bv[k];
      scale += fabs(aik) * babs[k];
      cv += (long double)mm_get(c, dt, i + k * n) * (pick[k] < 0.5 ? -1.0 : 1.0);
    }
    if (!bench_check(row, bench_close((double)cv, (double)w, tol, (double)scale),
                     "Freivalds: (C v)[%zu] %.10g vs (A (B v))[%zu] %.10g", i, (double)cv, i,
                     (double)w))
      goto done;
  }
  for (int s = 0; s < 64; s++) {
    size_t i = (size_t)(pick[(size_t)s % n] * (double)n), j = (size_t)(pick[(size_t)(s * 7 + 3) % n] * (double)n);
    long double cij = 0, scale = 0;
    for (size_t k = 0; k < n; k++) {
      double x = mm_get(a, dt, i + k * n), y = mm_get(b, dt, k + j * n);
      cij += (long double)x * y;
      scale += fabs(x * y);
    }
    if (!bench_check(row, bench_close(mm_get(c, dt, i + j * n), (double)cij, tol, (double)scale),
                     "C(%zu,%zu) %.10g vs a direct dot product %.10g", i, j,
                     mm_get(c, dt, i + j * n), (double)cij))
      break;
  }
done:
  free(bv);
  free(babs);
  free(pick);
}

static tdm_status mm_run(bench_run *r, bench_row *row, tdm_dtype dt, size_t n, int reps) {
  size_t es = tdm_dtype_size(dt);
  mm_state st = {r->ctx, NULL, NULL, NULL, malloc(n * n * es), malloc(n * n * es),
                 malloc(n * n * es)};
  tdm_rng *rng = NULL;
  tdm_status s = st.ha && st.hb && st.hc ? TDM_OK : TDM_ERR_NOMEM;
  bench_progress(r, "setup: A, B ~ N(0,1), %s", tdm_dtype_name(dt));
  if (s == TDM_OK) s = tdm_buf_create(r->ctx, dt, n, n, &st.A);
  if (s == TDM_OK) s = tdm_buf_create(r->ctx, dt, n, n, &st.B);
  if (s == TDM_OK) s = tdm_buf_create(r->ctx, dt, n, n, &st.C);
  if (s == TDM_OK) s = tdm_rng_create(r->ctx, 2024, 1, &rng);
  if (s == TDM_OK) s = tdm_rng_normal(rng, st.A, 0.0, 1.0);
  if (s == TDM_OK) s = tdm_rng_normal(rng, st.B, 0.0, 1.0);
  if (s == TDM_OK) s = tdm_buf_read(st.A, (void *)st.ha);
  if (s == TDM_OK) s = tdm_buf_read(st.B, (void *)st.hb);
  if (s == TDM_OK) s = bench_time(r, row, reps, 1, mm_once, &st);
  if (s == TDM_OK) s = tdm_buf_read(st.C, st.hc);
  if (s == TDM_OK) {
    int f64 = dt == TDM_F64;
    double ceil = r->device ? (f64 ? r->ceil->dev_dgemm : r->ceil->dev_sgemm)
                            : (f64 ? r->ceil->dgemmN : r->ceil->sgemmN);
    bench_rate(row, 2.0 * (double)n * n * n / 1e9, "GFLOP/s", ceil,
               r->device ? (f64 ? "device dgemm" : "device sgemm") : (f64 ? "dgemm" : "sgemm"));
    mm_check(row, dt, st.ha, st.hb, st.hc, n);
  }
  tdm_rng_destroy(rng);
  tdm_buf_destroy(st.A);
  tdm_buf_destroy(st.B);
  tdm_buf_destroy(st.C);
  free((void *)st.ha);
  free((void *)st.hb);
  free(st.hc);
  return s;
}

void bench_matmul(bench_run *r) {
  size_t n = r->size == BENCH_SMALL ? 500 : r->size == BENCH_FULL ? 10000 : 4000;
  int reps = bench_reps(r, r->size == BENCH_FULL ? 2 : r->size == BENCH_SMALL ? 3 : 5);
  char size[64];
  snprintf(size, sizeof size, "n=%zu", n);
  const tdm_dtype dts[2] = {TDM_F64, TDM_F32};
  for (int v = 0; v < 2; v++) {
    bench_row row;
    bench_row_init(r, &row, "", tdm_dtype_name(dts[v]), size);
    if (bench_skipping(r, &row, 1)) continue;
    tdm_status s = mm_run(r, &row, dts[v], n, reps);
    bench_finish(r, &row, 1, s,
                 s == TDM_ERR_NOMEM && row.reps == 0 ? "out of host memory for A, B, C" : NULL);
  }
}
