/* cv-folds.c -- a parallel map over 10 cross-validation folds: per fold a
 * ridge fit on the other 9 and the MSE on the held-out one (bench/scenarios/ridge.c:
 * X and y stored once, folds selected as row views). Variants: a plain
 * loop over folds with threaded BLAS inside, and tdm_map over folds (one
 * fold per task, BLAS single-threaded in each). Checked: every fold's MSE
 * against the plain-loop reference, in order, and on a device that a run
 * copies nothing up and only the per-fold results back (tdm_ctx_stats). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ridge.h"
#include "suite.h"

#define CV_FOLDS 10
#define CV_LAMBDA 1.0

typedef struct cv_state {
  tdm_ctx *ctx;
  tdm_pool *pool; /* NULL: plain loop */
  const ridge_data *d;
  double mse[CV_FOLDS];
} cv_state;

static tdm_status cv_task(const tdm_task_env *env, size_t k, void *arg) {
  cv_state *s = arg;
  return ridge_fold(env->ctx, s->d, k, CV_LAMBDA, &s->mse[k]);
}

static tdm_status cv_once(void *p, int xfer, double *secs) {
  (void)xfer;
  cv_state *s = p;
  tdm_status st = TDM_OK;
  double t = bench_now();
  if (s->pool) {
    tdm_schedule sched = {TDM_SCHED_DYNAMIC, 1, TDM_LANE_ANY};
    st = tdm_map(s->pool, CV_FOLDS, cv_task, s, sched);
  } else {
    for (size_t k = 0; k < CV_FOLDS && st == TDM_OK; k++)
      st = ridge_fold(s->ctx, s->d, k, CV_LAMBDA, &s->mse[k]);
  }
  *secs = bench_now() - t;
  return st;
}

void bench_cv_folds(bench_run *r) {
  size_t n = r->size == BENCH_SMALL ? 20000 : r->size == BENCH_FULL ? 1000000 : 100000;
  int reps = bench_reps(r, 3);
  char size[64], cnt[32];
  snprintf(size, sizeof size, "n=%s p=50 10 folds", bench_count((double)n, cnt, sizeof cnt));
  bench_row rows[2];
  bench_row_init(r, &rows[0], "loop, threaded BLAS", "f64", size);
  bench_row_init(r, &rows[1], "map over folds", "f64", size);
  if (bench_skipping(r, rows, 2)) return;
  ridge_data d;
  ridge_ref *ref = NULL;
  cv_state st = {r->ctx, NULL, &d, {0}};
  bench_progress(r, "setup: n = %zu, p = 50", n);
  tdm_status s = ridge_data_make(r->ctx, n, 50, CV_FOLDS, &d);
  int have_data = s == TDM_OK;
  if (s == TDM_OK && !(ref = ridge_ref_make(&d))) s = TDM_ERR_NOMEM;
  tdm_pool_config pc = {r->threads, 0};
  double flops = 0;
  for (size_t k = 0; have_data && k < CV_FOLDS; k++) flops += ridge_fold_flops(&d, k);
  for (int v = 0; v < 2 && s == TDM_OK; v++) {
    if (v == 1) s = tdm_pool_create(r->ctx, &pc, &st.pool);
    if (s == TDM_OK) s = bench_time(r, &rows[v], reps, 0, cv_once, &st);
    if (s != TDM_OK) break;
    bench_rate(&rows[v], flops / 1e9, "GFLOP/s", r->device ? r->ceil->dev_dgemm : r->ceil->dgemmN,
               r->device ? "device dgemm" : "dgemm all cores");
    if (r->device) { /* the data stay on the device: one more run, counted */
      tdm_stats t;
      double secs;
      s = tdm_ctx_stats_reset(r->ctx);
      if (s == TDM_OK) s = cv_once(&st, 0, &secs);
      if (s == TDM_OK) s = tdm_ctx_stats(r->ctx, &t);
      if (s != TDM_OK) break;
      /* the loop runs every fold on the device; the map may run some on CPU lanes */
      int ok = t.h2d_count == 0 && (v == 0 ? t.d2h_count == CV_FOLDS : t.d2h_count <= CV_FOLDS) &&
               t.d2h_bytes == t.d2h_count * RIDGE_RESULT_BYTES;
      bench_check(&rows[v], ok,
                  "on the device a run copied %llu buffers up and %llu (%llu bytes) back; "
                  "expected none up and one %d-byte result per fold",
                  (unsigned long long)t.h2d_count, (unsigned long long)t.d2h_count,
                  (unsigned long long)t.d2h_bytes, RIDGE_RESULT_BYTES);
    }
    for (size_t k = 0; k < CV_FOLDS; k++) {
      double want = ridge_ref_mse(ref, &d, k, CV_LAMBDA);
      if (!bench_check(&rows[v], bench_close(st.mse[k], want, 1e-9, fabs(want)),
                       "fold %zu MSE %.17g vs plain-loop reference %.17g", k, st.mse[k], want))
        break;
    }
  }
  if (s == TDM_OK) {
    double lo = st.mse[0], hi = st.mse[0];
    for (size_t k = 1; k < CV_FOLDS; k++) lo = fmin(lo, st.mse[k]), hi = fmax(hi, st.mse[k]);
    char sp[32];
    snprintf(rows[1].note, sizeof rows[1].note, "fold MSE %.4f..%.4f; %s the loop", lo, hi,
             bench_speedup(rows[0].median_s, rows[1].median_s, sp, sizeof sp));
  }
  bench_finish(r, rows, 2, s, s == TDM_ERR_NOMEM && have_data ? "out of host memory" : NULL);
  tdm_pool_destroy(st.pool);
  ridge_ref_free(ref);
  if (have_data) ridge_data_free(&d);
}
