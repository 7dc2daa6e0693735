/* alloc.c -- static vs dynamic allocation of uneven tasks: 4 slow tasks
 * (n = 5e7) first, then 12 fast ones (n = 1e6), each mean(lgamma(exp(z)))
 * with z ~ N(0,1) on its own stream, mapped with a static schedule
 * (contiguous blocks) and a dynamic one, against the LPT bound computed
 * from the tasks' own times. Checked: each mean against E[lgamma(e^Z)] by
 * quadrature (6 standard errors), static == dynamic, and lgamma(exp(z))
 * elementwise against libm. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "suite.h"

#define AL_TASKS 16
#define AL_SLOW 4

typedef struct al_state {
  tdm_pool *pool;
  tdm_schedule sched;
  size_t n[AL_TASKS];
  double mean[AL_TASKS], secs[AL_TASKS];
} al_state;

static tdm_status al_task(const tdm_task_env *env, size_t i, void *arg) {
  al_state *s = arg;
  double t0 = bench_now();
  size_t n = s->n[i], chunk = env->lane == TDM_LANE_GPU ? (size_t)1 << 22 : (size_t)1 << 16;
  if (chunk > n) chunk = n;
  tdm_rng *rng = NULL;
  tdm_buf *z = NULL, *w = NULL;
  tdm_status st = tdm_rng_create(env->ctx, 2024, 30 + i, &rng);
  double total = 0;
  for (size_t done = 0; st == TDM_OK && done < n;) {
    size_t m = n - done < chunk ? n - done : chunk;
    if (!z || tdm_buf_rows(z) != m) {
      tdm_buf_destroy(z);
      tdm_buf_destroy(w);
      z = w = NULL;
      st = tdm_buf_create(env->ctx, TDM_F64, m, 1, &z);
      if (st == TDM_OK) st = tdm_buf_create(env->ctx, TDM_F64, m, 1, &w);
    }
    tdm_buf *in[1] = {z};
    tdm_reduce_op op = TDM_SUM;
    double sum = 0;
    if (st == TDM_OK) st = tdm_rng_normal(rng, z, 0.0, 1.0);
    if (st == TDM_OK) st = tdm_eval(env->ctx, "lgamma(exp(z))", "z", w, in);
    if (st == TDM_OK) st = tdm_reduce(env->ctx, w, 1, &op, &sum);
    total += sum;
    done += m;
  }
  s->mean[i] = total / (double)n;
  tdm_buf_destroy(z);
  tdm_buf_destroy(w);
  tdm_rng_destroy(rng);
  s->secs[i] = bench_now() - t0;
  return st;
}

static tdm_status al_once(void *p, int xfer, double *secs) {
  (void)xfer;
  al_state *s = p;
  double t = bench_now();
  tdm_status st = tdm_map(s->pool, AL_TASKS, al_task, s, s->sched);
  *secs = bench_now() - t;
  return st;
}

/* E[f(Z)] and sd of f(Z), f = lgamma(exp(.)), Z ~ N(0,1): Simpson on [-12, 12]. */
static void al_moments(double *mu, double *sd) {
  const int m = 24000;
  const double a = -12, h = 24.0 / m;
  long double s1 = 0, s2 = 0;
  for (int k = 0; k <= m; k++) {
    double z = a + h * k, f = lgamma(exp(z)), w = (k == 0 || k == m) ? 1 : (k % 2 ? 4 : 2);
    double phi = exp(-0.5 * z * z) / sqrt(2 * M_PI);
    s1 += w * f * phi;
    s2 += w * f * f * phi;
  }
  *mu = (double)(s1 * h / 3);
  *sd = sqrt((double)(s2 * h / 3) - *mu * *mu);
}

/* The LPT schedule's makespan on W workers (longest task to least loaded). */
static double al_lpt(const double *secs, int W) {
  double t[AL_TASKS], load[256] = {0};
  for (int i = 0; i < AL_TASKS; i++) t[i] = secs[i];
  for (int i = 0; i < AL_TASKS; i++)
    for (int j = i + 1; j < AL_TASKS; j++)
      if (t[j] > t[i]) { double x = t[i]; t[i] = t[j]; t[j] = x; }
  if (W > 256) W = 256;
  double span = 0;
  for (int i = 0; i < AL_TASKS; i++) {
    int best = 0;
    for (int w = 1; w < W; w++) if (load[w] < load[best]) best = w;
    load[best] += t[i];
    if (load[best] > span) span = load[best];
  }
  return span;
}

static tdm_status al_check_elementwise(const bench_run *r, bench_row *row) {
  enum { N = 4096 };
  double z[N], w[N];
  tdm_rng *rng = NULL;
  tdm_buf *bz = NULL, *bw = NULL;
  tdm_status s = tdm_rng_create(r->ctx, 2024, 29, &rng);
  if (s == TDM_OK) s = tdm_buf_wrap(r->ctx, TDM_F64, N, 1, z, &bz);
  if (s == TDM_OK) s = tdm_buf_wrap(r->ctx, TDM_F64, N, 1, w, &bw);
  if (s == TDM_OK) s = tdm_rng_normal(rng, bz, 0.0, 3.0);
  tdm_buf *in[1] = {bz};
  if (s == TDM_OK) s = tdm_eval(r->ctx, "lgamma(exp(z))", "z", bw, in);
  if (s == TDM_OK) s = tdm_buf_read(bz, z);
  if (s == TDM_OK) s = tdm_buf_read(bw, w);
  for (int i = 0; s == TDM_OK && i < N; i++) {
    double ref = lgamma(exp(z[i]));
    if (!bench_check(row, bench_close(w[i], ref, 1e-12, fmax(fabs(ref), 1.0)),
                     "lgamma(exp(z)) at z = %.17g: %.17g vs libm %.17g", z[i], w[i], ref))
      break;
  }
  tdm_buf_destroy(bz);
  tdm_buf_destroy(bw);
  tdm_rng_destroy(rng);
  return s;
}

void bench_alloc(bench_run *r) {
  size_t slow = r->size == BENCH_SMALL ? 2000000 : 50000000;
  size_t fast = r->size == BENCH_SMALL ? 100000 : 1000000;
  int W = r->threads, reps = bench_reps(r, 3);
  char size[64], c1[32], c2[32];
  snprintf(size, sizeof size, "4x%s+12x%s %dw", bench_count((double)slow, c1, sizeof c1),
           bench_count((double)fast, c2, sizeof c2), W);
  bench_row rows[3];
  bench_row_init(r, &rows[0], "static", "f64", size);
  bench_row_init(r, &rows[1], "dynamic", "f64", size);
  bench_row_init(r, &rows[2], "LPT bound", "f64", size);
  if (bench_skipping(r, rows, 3)) return;
  al_state st = {NULL, {TDM_SCHED_STATIC, 0, TDM_LANE_ANY}, {0}, {0}, {0}};
  double total = 0, means[2][AL_TASKS], mu, sd;
  for (int i = 0; i < AL_TASKS; i++) total += (double)(st.n[i] = i < AL_SLOW ? slow : fast);
  al_moments(&mu, &sd);
  tdm_pool_config pc = {W, 0};
  tdm_status s = al_check_elementwise(r, &rows[0]);
  if (s == TDM_OK) s = tdm_pool_create(r->ctx, &pc, &st.pool);
  for (int v = 0; v < 2 && s == TDM_OK; v++) {
    st.sched.kind = v == 0 ? TDM_SCHED_STATIC : TDM_SCHED_DYNAMIC;
    st.sched.chunk = v == 0 ? (size_t)(AL_TASKS + W - 1) / (size_t)W : 1;
    s = bench_time(r, &rows[v], reps, 0, al_once, &st);
    if (s != TDM_OK) break;
    bench_rate(&rows[v], total * 32.0 / 1e9, "GB/s",
               r->device ? r->ceil->dev_gbs : r->ceil->copy_gbs,
               r->device ? "device memory" : "memory copy");
    for (int i = 0; i < AL_TASKS; i++) {
      means[v][i] = st.mean[i];
      double se = sd / sqrt((double)st.n[i]);
      if (!bench_check(&rows[v], bench_close(st.mean[i], mu, 6.0, se),
                       "task %d: mean %.8g is %.1f standard errors from E = %.8g", i, st.mean[i],
                       (st.mean[i] - mu) / se, mu))
        break;
    }
  }
  if (s == TDM_OK) {
    for (int i = 0; i < AL_TASKS; i++)
      if (!bench_check(&rows[1], means[1][i] == means[0][i] || (r->device && bench_close(means[1][i], means[0][i], 1e-12, 1.0)),
                       "dynamic vs static: task %d mean %.17g vs %.17g", i, means[1][i],
                       means[0][i]))
        break;
    double lpt = al_lpt(st.secs, W);
    rows[2].median_s = rows[2].min_s = rows[2].max_s = lpt;
    rows[2].reps = 1;
    bench_rate(&rows[2], total * 32.0 / 1e9, "GB/s",
               r->device ? r->ceil->dev_gbs : r->ceil->copy_gbs,
               r->device ? "device memory" : "memory copy");
    snprintf(rows[2].note, sizeof rows[2].note,
             "computed: LPT makespan of the dynamic run's task times on %d worker%s", W, W == 1 ? "" : "s");
    for (int v = 0; v < 2; v++)
      snprintf(rows[v].note, sizeof rows[v].note, "%.0f%% of the LPT bound's speed",
               100.0 * lpt / rows[v].median_s);
  }
  bench_finish(r, rows, 3, s, NULL);
  tdm_pool_destroy(st.pool);
}
