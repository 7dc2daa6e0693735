/* nested.c -- nested loops, folds x methods: 10 CV folds x 4 ridge
 * penalties (method 0 is OLS), on X and y stored once (bench/scenarios/ridge.c:
 * folds are row views). Variants: a map over folds whose tasks each map
 * over methods (nested), and one map over all 40 (fold, method) pairs
 * (flattened). Checked: both give the same 40 MSEs, each matches the
 * plain-loop reference, and on a device a run copies nothing up and only
 * per-task results back (tdm_ctx_stats). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ridge.h"
#include "suite.h"

#define NE_FOLDS 10
#define NE_METHODS 4
static const double ne_lambda[NE_METHODS] = {0.0, 1.0, 10.0, 100.0};

typedef struct ne_state {
  tdm_pool *pool;
  const ridge_data *d;
  int nested;
  double mse[NE_FOLDS * NE_METHODS]; /* fold-major */
} ne_state;

typedef struct ne_inner {
  ne_state *s;
  size_t fold;
} ne_inner;

static tdm_status ne_method(const tdm_task_env *env, size_t m, void *arg) {
  ne_inner *in = arg;
  return ridge_fold(env->ctx, in->s->d, in->fold, ne_lambda[m],
                    &in->s->mse[in->fold * NE_METHODS + m]);
}

static tdm_status ne_fold(const tdm_task_env *env, size_t k, void *arg) {
  (void)env;
  ne_inner in = {arg, k};
  tdm_schedule sched = {TDM_SCHED_DYNAMIC, 1, TDM_LANE_ANY};
  return tdm_map(in.s->pool, NE_METHODS, ne_method, &in, sched);
}

static tdm_status ne_pair(const tdm_task_env *env, size_t i, void *arg) {
  ne_state *s = arg;
  return ridge_fold(env->ctx, s->d, i / NE_METHODS, ne_lambda[i % NE_METHODS], &s->mse[i]);
}

static tdm_status ne_once(void *p, int xfer, double *secs) {
  (void)xfer;
  ne_state *s = p;
  tdm_schedule sched = {TDM_SCHED_DYNAMIC, 1, TDM_LANE_ANY};
  double t = bench_now();
  tdm_status st = s->nested ? tdm_map(s->pool, NE_FOLDS, ne_fold, s, sched)
                            : tdm_map(s->pool, NE_FOLDS * NE_METHODS, ne_pair, s, sched);
  *secs = bench_now() - t;
  return st;
}

void bench_nested(bench_run *r) {
  size_t n = r->size == BENCH_SMALL ? 10000 : r->size == BENCH_FULL ? 1000000 : 100000;
  int reps = bench_reps(r, 3);
  char size[64], cnt[32];
  snprintf(size, sizeof size, "n=%s p=50 10x4 tasks", bench_count((double)n, cnt, sizeof cnt));
  bench_row rows[2];
  bench_row_init(r, &rows[0], "nested maps", "f64", size);
  bench_row_init(r, &rows[1], "flattened", "f64", size);
  if (bench_skipping(r, rows, 2)) return;
  ridge_data d;
  ridge_ref *ref = NULL;
  ne_state st = {NULL, &d, 0, {0}};
  double first[NE_FOLDS * NE_METHODS];
  bench_progress(r, "setup: n = %zu, p = 50", n);
  tdm_status s = ridge_data_make(r->ctx, n, 50, NE_FOLDS, &d);
  int have_data = s == TDM_OK;
  if (s == TDM_OK && !(ref = ridge_ref_make(&d))) s = TDM_ERR_NOMEM;
  tdm_pool_config pc = {r->threads, 0};
  if (s == TDM_OK) s = tdm_pool_create(r->ctx, &pc, &st.pool);
  double flops = 0;
  for (size_t k = 0; have_data && k < NE_FOLDS; k++)
    flops += NE_METHODS * ridge_fold_flops(&d, k);
  for (int v = 0; v < 2 && s == TDM_OK; v++) {
    st.nested = v == 0;
    s = bench_time(r, &rows[v], reps, 0, ne_once, &st);
    if (s != TDM_OK) break;
    bench_rate(&rows[v], flops / 1e9, "GFLOP/s", r->device ? r->ceil->dev_dgemm : r->ceil->dgemmN,
               r->device ? "device dgemm" : "dgemm all cores");
    if (r->device) { /* the data stay on the device: one more run, counted */
      tdm_stats t;
      double secs;
      s = tdm_ctx_stats_reset(r->ctx);
      if (s == TDM_OK) s = ne_once(&st, 0, &secs);
      if (s == TDM_OK) s = tdm_ctx_stats(r->ctx, &t);
      if (s != TDM_OK) break;
      bench_check(&rows[v],
                  t.h2d_count == 0 && t.d2h_count <= NE_FOLDS * NE_METHODS &&
                      t.d2h_bytes == t.d2h_count * RIDGE_RESULT_BYTES,
                  "on the device a run copied %llu buffers up and %llu (%llu bytes) back; "
                  "expected none up and at most one %d-byte result per task",
                  (unsigned long long)t.h2d_count, (unsigned long long)t.d2h_count,
                  (unsigned long long)t.d2h_bytes, RIDGE_RESULT_BYTES);
    }
    for (size_t i = 0; i < NE_FOLDS * NE_METHODS; i++) {
      double want = ridge_ref_mse(ref, &d, i / NE_METHODS, ne_lambda[i % NE_METHODS]);
      if (!bench_check(&rows[v], bench_close(st.mse[i], want, 1e-9, fabs(want)),
                       "fold %zu lambda %g: MSE %.17g vs plain-loop reference %.17g",
                       i / NE_METHODS, ne_lambda[i % NE_METHODS], st.mse[i], want))
        break;
    }
    if (v == 0) {
      for (size_t i = 0; i < NE_FOLDS * NE_METHODS; i++) first[i] = st.mse[i];
      continue;
    }
    for (size_t i = 0; i < NE_FOLDS * NE_METHODS; i++) {
      double tol = r->device ? 1e-12 : 0.0;
      if (!bench_check(&rows[1], bench_close(st.mse[i], first[i], tol, fabs(first[i])),
                       "flattened vs nested: task %zu MSE %.17g vs %.17g", i, st.mse[i], first[i]))
        break;
    }
    char sp[32];
    snprintf(rows[1].note, sizeof rows[1].note, "%s nested",
             bench_speedup(rows[0].median_s, rows[1].median_s, sp, sizeof sp));
  }
  bench_finish(r, rows, 2, s, s == TDM_ERR_NOMEM && have_data ? "out of host memory" : NULL);
  tdm_pool_destroy(st.pool);
  ridge_ref_free(ref);
  if (have_data) ridge_data_free(&d);
}
