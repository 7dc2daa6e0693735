/* three-tasks.c -- three different methods in parallel: the means of n
 * draws from N(0,1), Gamma(1,1) and U(0,1), each on its own stream, drawn
 * and summed in chunks of C values. Run as plain calls on a 1-thread
 * context (serial), as tasks submitted and waited for one at a time, and
 * as three futures at once (parallel); a task maps over its chunks on the
 * pool (TDM_LANE_ANY: with a device the pool has a GPU lane, which takes
 * its share of the chunks). Chunk c of a method starts at word c * (words
 * per chunk) of its stream, so every variant draws the same values and
 * adds the same chunk sums in order. Checked: all three give the same
 * means (to 1e-12 with a device), each within 6 standard errors of the
 * true one. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"

typedef struct tt_state tt_state;
typedef struct tt_task {
  int dist; /* 0 normal, 1 gamma, 2 uniform */
  size_t n;
  double mean;
  uint64_t words; /* stream words one chunk of C values uses */
  double *sums;   /* per chunk (the map variants) */
  tt_state *st;
} tt_task;

typedef struct tt_scratch { /* one per worker and GPU lane, made on first use */
  tdm_buf *b;
  tdm_rng *rng[3];
} tt_scratch;

struct tt_state {
  tdm_pool *pool;
  tdm_ctx *one; /* 1-thread context for the serial variant */
  tt_task task[3];
  int mode;     /* 0 serial, 1 one at a time, 2 parallel */
  size_t C;     /* values per chunk */
  tt_scratch *scr;
  atomic_long on_gpu; /* chunks GPU lanes ran */
};

static tdm_status tt_draw(tdm_rng *rng, int dist, tdm_buf *x) {
  if (dist == 0) return tdm_rng_normal(rng, x, 0.0, 1.0);
  if (dist == 1) return tdm_rng_gamma(rng, x, 1.0, 1.0);
  return tdm_rng_uniform(rng, x, 0.0, 1.0);
}

/* One method, serially: consecutive chunks of one stream, each summed. */
static tdm_status tt_work(tdm_ctx *ctx, size_t C, tt_task *t) {
  size_t chunk = C;
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
    s = tt_draw(rng, t->dist, x);
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

/* Chunk c of a method on whichever lane runs it: seek to the chunk's first
 * word, draw, sum. The worker's scratch buffer and streams are reused. */
static tdm_status tt_chunk(const tdm_task_env *env, size_t c, void *arg) {
  tt_task *t = arg;
  tt_scratch *w = &t->st->scr[env->worker];
  size_t C = t->st->C, m = t->n - c * C < C ? t->n - c * C : C;
  tdm_status s = TDM_OK;
  if (!w->b) s = tdm_buf_create(env->ctx, TDM_F64, C, 1, &w->b);
  if (s == TDM_OK && !w->rng[t->dist])
    s = tdm_rng_create(env->ctx, 2024, 10 + (uint64_t)t->dist, &w->rng[t->dist]);
  tdm_buf *x = w->b, *tail = NULL;
  if (s == TDM_OK && m < C) {
    s = tdm_buf_create(env->ctx, TDM_F64, m, 1, &tail);
    x = tail;
  }
  if (s == TDM_OK) s = tdm_rng_seek(w->rng[t->dist], (uint64_t)c * t->words);
  if (s == TDM_OK) s = tt_draw(w->rng[t->dist], t->dist, x);
  tdm_reduce_op op = TDM_SUM;
  if (s == TDM_OK) s = tdm_reduce(env->ctx, x, 1, &op, &t->sums[c]);
  if (env->lane == TDM_LANE_GPU) atomic_fetch_add(&t->st->on_gpu, 1);
  tdm_buf_destroy(tail);
  return s;
}

/* A task: one method as a map over its chunks on the pool (all lanes). */
static tdm_status tt_task_fn(const tdm_task_env *env, void *arg) {
  (void)env;
  tt_task *t = arg;
  size_t C = t->st->C, nc = t->n / C + (t->n % C != 0);
  tdm_status s = tdm_map(t->st->pool, nc, tt_chunk, t, (tdm_schedule){TDM_SCHED_DYNAMIC, 1, TDM_LANE_ANY});
  double total = 0;
  for (size_t c = 0; c < nc; c++) total += t->sums[c]; /* in order, as the serial loop */
  t->mean = total / (double)t->n;
  return s;
}

/* The stream words one chunk of C values of each method uses. */
static tdm_status tt_words(tt_state *st) {
  tdm_status s = TDM_OK;
  tdm_buf *b = NULL;
  size_t C = st->C < st->task[0].n ? st->C : st->task[0].n;
  s = tdm_buf_create(st->one, TDM_F64, C, 1, &b);
  for (int k = 0; k < 3 && s == TDM_OK; k++) {
    tdm_rng *rng = NULL;
    s = tdm_rng_create(st->one, 2024, 10 + (uint64_t)k, &rng);
    if (s == TDM_OK) s = tt_draw(rng, k, b);
    if (s == TDM_OK) st->task[k].words = tdm_rng_offset(rng);
    tdm_rng_destroy(rng);
  }
  tdm_buf_destroy(b);
  return s;
}

static void tt_scratch_free(tt_state *st) {
  for (int w = 0; st->scr && st->pool && w < tdm_pool_workers(st->pool, TDM_LANE_ANY); w++) {
    tdm_buf_destroy(st->scr[w].b);
    for (int k = 0; k < 3; k++) tdm_rng_destroy(st->scr[w].rng[k]);
  }
  free(st->scr);
  st->scr = NULL;
}

static tdm_status tt_once(void *p, int xfer, double *secs) {
  (void)xfer;
  tt_state *s = p;
  tdm_future *f[3] = {NULL, NULL, NULL};
  tdm_status st = TDM_OK;
  atomic_store(&s->on_gpu, 0); /* the share is the last run's */
  double t = bench_now();
  for (int k = 0; k < 3 && st == TDM_OK && s->mode == 0; k++)
    st = tt_work(s->one, s->C, &s->task[k]);
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
  tdm_pool_config pc = {r->threads, r->device ? 1 : 0}; /* a GPU lane when there is a device */
  tt_state st;
  memset(&st, 0, sizeof st);
  st.C = r->device ? (size_t)1 << 18 : (size_t)1 << 16; /* cache-sized on the CPU */
  size_t nc = (size_t)n / st.C + ((size_t)n % st.C != 0);
  for (int k = 0; k < 3; k++)
    st.task[k] = (tt_task){k, (size_t)n, 0, 0, calloc(nc, sizeof(double)), &st};
  tdm_status s = bench_ctx_like(r, 1, &st.one);
  if (s == TDM_OK && (!st.task[0].sums || !st.task[1].sums || !st.task[2].sums)) s = TDM_ERR_NOMEM;
  if (s == TDM_OK) s = tdm_pool_create(r->ctx, &pc, &st.pool);
  if (s == TDM_OK) {
    st.scr = calloc((size_t)tdm_pool_workers(st.pool, TDM_LANE_ANY), sizeof *st.scr);
    if (!st.scr) s = TDM_ERR_NOMEM;
  }
  if (s == TDM_OK) s = tt_words(&st);
  double gpu_share = 0;
  for (int v = 0; v < 3 && s == TDM_OK; v++) {
    st.mode = v;
    s = bench_time(r, &rows[v], reps, 0, tt_once, &st);
    if (v == 2) gpu_share = (double)atomic_load(&st.on_gpu) / (3.0 * (double)nc);
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
    char sp[32], lane[40] = "";
    if (pc.gpu_lanes) snprintf(lane, sizeof lane, "; GPU lane ran %.0f%% of chunks", 100.0 * gpu_share);
    snprintf(rows[1].note, sizeof rows[1].note, "%s serial",
             bench_speedup(rows[0].median_s, rows[1].median_s, sp, sizeof sp));
    snprintf(rows[2].note, sizeof rows[2].note, "%s serial%s",
             bench_speedup(rows[0].median_s, rows[2].median_s, sp, sizeof sp), lane);
  }
  bench_finish(r, rows, 3, s, NULL);
  tt_scratch_free(&st);
  tdm_pool_destroy(st.pool);
  for (int k = 0; k < 3; k++) free(st.task[k].sums);
  tdm_ctx_destroy(st.one);
}
