/* three-tasks.c -- three different methods in parallel: the means of n
 * draws from N(0,1), Gamma(1,1) and U(0,1), each on its own stream. Run
 * as plain calls on a 1-thread context (serial), as tasks submitted and
 * waited for one at a time (each may use idle workers inside), and as
 * three futures at once (parallel). Checked: all three give the same
 * means, and each mean is within 6 standard errors of the true one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "suite.h"

typedef struct tt_task {
  int dist; /* 0 normal, 1 gamma, 2 uniform */
  size_t n;
  double mean;
} tt_task;

typedef struct tt_state {
  tdm_pool *pool;
  tdm_ctx *one; /* 1-thread context for the serial variant */
  tt_task task[3];
  int mode;     /* 0 serial, 1 one at a time, 2 parallel */
} tt_state;

/* One method: draws in chunks (cache-sized on the CPU), sums each chunk. */
static tdm_status tt_work(tdm_ctx *ctx, int gpu, tt_task *t) {
  size_t chunk = gpu ? (size_t)1 << 22 : (size_t)1 << 16;
  if (chunk > t->n) chunk = t->n;
  tdm_rng *rng = NULL;
  tdm_buf *b = NULL, *tail = NULL;
  tdm_status s = tdm_rng_create(ctx, 2024, 10 + (uint64_t)t->dist, &rng);
  if (s == TDM_OK) s = tdm_buf_create(ctx, TDM_F64, chunk, 1, &b);
  double total = 0;
  for (size_t done = 0; s == TDM_OK && done < t->n;) {
    size_t m = t->n - done < chunk ? t->n - done : chunk;
    tdm_buf *x = b;
    if (m < chunk) {
      s = tdm_buf_create(ctx, TDM_F64, m, 1, &tail);
      x = tail;
    }
    if (s != TDM_OK) break;
    if (t->dist == 0) s = tdm_rng_normal(rng, x, 0.0, 1.0);
    else if (t->dist == 1) s = tdm_rng_gamma(rng, x, 1.0, 1.0);
    else s = tdm_rng_uniform(rng, x, 0.0, 1.0);
    tdm_reduce_op op = TDM_SUM;
    double sum = 0;
    if (s == TDM_OK) s = tdm_reduce(ctx, x, 1, &op, &sum);
    total += sum;
    done += m;
  }
  t->mean = total / (double)t->n;
  tdm_buf_destroy(tail);
  tdm_buf_destroy(b);
  tdm_rng_destroy(rng);
  return s;
}

static tdm_status tt_task_fn(const tdm_task_env *env, void *arg) {
  return tt_work(env->ctx, env->lane == TDM_LANE_GPU, arg);
}

static tdm_status tt_once(void *p, int xfer, double *secs) {
  (void)xfer;
  tt_state *s = p;
  tdm_future *f[3] = {NULL, NULL, NULL};
  tdm_status st = TDM_OK;
  double t = bench_now();
  for (int k = 0; k < 3 && st == TDM_OK && s->mode == 0; k++)
    st = tt_work(s->one, tdm_ctx_device_backend(s->one) != TDM_CPU, &s->task[k]);
  for (int k = 0; k < 3 && st == TDM_OK && s->mode > 0; k++) {
    st = tdm_submit(s->pool, TDM_LANE_ANY, tt_task_fn, &s->task[k], &f[k]);
    if (st == TDM_OK && s->mode == 1) st = tdm_future_wait(f[k]);
  }
  for (int k = 0; k < 3; k++) {
    if (f[k] && s->mode == 2) {
      tdm_status w = tdm_future_wait(f[k]);
      if (st == TDM_OK) st = w;
    }
    tdm_future_release(f[k]);
  }
  *secs = bench_now() - t;
  return st;
}

void bench_three_tasks(bench_run *r) {
  double n = r->size == BENCH_SMALL ? 1e6 : r->size == BENCH_FULL ? 2.5e8 : 2.5e7;
  int reps = bench_reps(r, 3);
  char size[64], cnt[32];
  snprintf(size, sizeof size, "n=%s per task", bench_count(n, cnt, sizeof cnt));
  bench_row rows[3];
  bench_row_init(r, &rows[0], "serial", "f64", size);
  bench_row_init(r, &rows[1], "one at a time", "f64", size);
  bench_row_init(r, &rows[2], "parallel", "f64", size);
  if (bench_skipping(r, rows, 3)) return;
  rows[0].threads = 1;
  static const double mu[3] = {0.0, 1.0, 0.5}, sd[3] = {1.0, 1.0, 0.28867513459481287};
  static const char *name[3] = {"N(0,1)", "Gamma(1,1)", "U(0,1)"};
  double means[3][3];
  tdm_pool_config pc = {r->threads, 0};
  tt_state st = {NULL, NULL, {{0, (size_t)n, 0}, {1, (size_t)n, 0}, {2, (size_t)n, 0}}, 0};
  tdm_status s = bench_ctx_like(r, 1, &st.one);
  if (s == TDM_OK) s = tdm_pool_create(r->ctx, &pc, &st.pool);
  for (int v = 0; v < 3 && s == TDM_OK; v++) {
    st.mode = v;
    s = bench_time(r, &rows[v], reps, 0, tt_once, &st);
    if (s != TDM_OK) break;
    bench_rate(&rows[v], 3.0 * n * 16.0 / 1e9, "GB/s",
               r->device ? r->ceil->dev_gbs : r->ceil->copy_gbs,
               r->device ? "device memory" : "memory copy");
    for (int k = 0; k < 3; k++) {
      means[v][k] = st.task[k].mean;
      double se = sd[k] / sqrt(n);
      bench_check(&rows[v], bench_close(means[v][k], mu[k], 6.0, se),
                  "mean of %s draws %.6g is %.1f standard errors from %g", name[k], means[v][k],
                  (means[v][k] - mu[k]) / se, mu[k]);
      double tol = r->device ? 1e-12 : 0.0; /* a device may split sums differently */
      if (v > 0)
        bench_check(&rows[v], bench_close(means[v][k], means[0][k], tol, 1.0 + fabs(means[0][k])),
                    "%s vs serial: mean of %s %.17g vs %.17g", rows[v].variant, name[k],
                    means[v][k], means[0][k]);
    }
  }
  if (s == TDM_OK) {
    char sp[32];
    snprintf(rows[1].note, sizeof rows[1].note, "%s serial",
             bench_speedup(rows[0].median_s, rows[1].median_s, sp, sizeof sp));
    snprintf(rows[2].note, sizeof rows[2].note, "%s serial",
             bench_speedup(rows[0].median_s, rows[2].median_s, sp, sizeof sp));
  }
  bench_finish(r, rows, 3, s, NULL);
  tdm_pool_destroy(st.pool);
  tdm_ctx_destroy(st.one);
}
