/* simulation.c -- a simulation study: R replicates, each drawing its own
 * data from its own stream (stream = replicate index: x, e ~ N(0,1),
 * y = 1 + 2x + e) and fitting two slope estimators, OLS and ridge
 * (lambda = n/10). Run on a 1-worker pool and an N-worker pool, each with
 * a GPU lane when the context has a device (the map hands replicates to
 * the lane too, so the device takes its share); the estimates must be
 * identical (to 1e-12 with a device: its reductions may add in another
 * order). Ops inside a task may still use idle cores. Also checked:
 * replicate 0 refitted from the same stream in plain loops, and the
 * estimators' means. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"

typedef struct si_state {
  tdm_pool *pool;
  size_t n, R;
  double *ols, *ridge; /* R each */
  unsigned char *on_gpu; /* R: the replicate ran on a GPU lane */
} si_state;

static tdm_status si_rep(const tdm_task_env *env, size_t i, void *arg) {
  si_state *s = arg;
  size_t n = s->n;
  tdm_rng *rng = NULL;
  tdm_buf *x = NULL, *e = NULL, *y = NULL, *sxy = NULL;
  tdm_status st = tdm_rng_create(env->ctx, 7, i, &rng);
  if (st == TDM_OK) st = tdm_buf_create(env->ctx, TDM_F64, n, 1, &x);
  if (st == TDM_OK) st = tdm_buf_create(env->ctx, TDM_F64, n, 1, &e);
  if (st == TDM_OK) st = tdm_buf_create(env->ctx, TDM_F64, n, 1, &y);
  if (st == TDM_OK) st = tdm_buf_create(env->ctx, TDM_F64, 1, 1, &sxy);
  if (st == TDM_OK) st = tdm_rng_normal(rng, x, 0.0, 1.0);
  if (st == TDM_OK) st = tdm_rng_normal(rng, e, 0.0, 1.0);
  tdm_buf *in[2] = {x, e};
  if (st == TDM_OK) st = tdm_eval(env->ctx, "1 + 2*x + e", "x,e", y, in);
  const tdm_reduce_op mv[2] = {TDM_MEAN, TDM_VAR};
  double xs[2], ym, cross;
  if (st == TDM_OK) st = tdm_reduce(env->ctx, x, 2, mv, xs);
  if (st == TDM_OK) st = tdm_reduce(env->ctx, y, 1, mv, &ym);
  if (st == TDM_OK) st = tdm_gemm(env->ctx, TDM_TRANS, TDM_NOTRANS, 1.0, x, y, 0.0, sxy);
  if (st == TDM_OK) st = tdm_buf_read(sxy, &cross);
  if (st == TDM_OK) {
    double cxy = cross - (double)n * xs[0] * ym, cxx = (double)(n - 1) * xs[1];
    s->ols[i] = cxy / cxx;
    s->ridge[i] = cxy / (cxx + 0.1 * (double)n);
    s->on_gpu[i] = env->lane == TDM_LANE_GPU;
  }
  tdm_buf_destroy(x);
  tdm_buf_destroy(e);
  tdm_buf_destroy(y);
  tdm_buf_destroy(sxy);
  tdm_rng_destroy(rng);
  return st;
}

static tdm_status si_once(void *p, int xfer, double *secs) {
  (void)xfer;
  si_state *s = p;
  /* With GPU lanes whoever is free takes the next replicate, so each lane's
   * share follows its rate from the first run; CPU-only keeps STATIC blocks. */
  int lanes = tdm_pool_workers(s->pool, TDM_LANE_GPU) > 0;
  tdm_schedule sched = {lanes ? TDM_SCHED_DYNAMIC : TDM_SCHED_STATIC, 0, TDM_LANE_ANY};
  double t = bench_now();
  tdm_status st = tdm_map(s->pool, s->R, si_rep, s, sched);
  *secs = bench_now() - t;
  return st;
}

/* Replicate 0 again from stream 0, fitted in plain long double loops. */
static tdm_status si_reference(const bench_run *r, size_t n, double *ols) {
  double *x = malloc(n * sizeof *x), *e = malloc(n * sizeof *e);
  tdm_rng *rng = NULL;
  tdm_buf *bx = NULL, *be = NULL;
  tdm_status s = x && e ? TDM_OK : TDM_ERR_NOMEM;
  if (s == TDM_OK) s = tdm_rng_create(r->ctx, 7, 0, &rng);
  if (s == TDM_OK) s = tdm_buf_wrap(r->ctx, TDM_F64, n, 1, x, &bx);
  if (s == TDM_OK) s = tdm_buf_wrap(r->ctx, TDM_F64, n, 1, e, &be);
  if (s == TDM_OK) s = tdm_rng_normal(rng, bx, 0.0, 1.0);
  if (s == TDM_OK) s = tdm_rng_normal(rng, be, 0.0, 1.0);
  if (s == TDM_OK) s = tdm_buf_read(bx, x);
  if (s == TDM_OK) s = tdm_buf_read(be, e);
  if (s == TDM_OK) {
    long double mx = 0, my = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) mx += x[i], my += 1.0L + 2.0L * x[i] + e[i];
    mx /= (long double)n, my /= (long double)n;
    for (size_t i = 0; i < n; i++) {
      long double dx = x[i] - mx;
      sxx += dx * dx, sxy += dx * (1.0L + 2.0L * x[i] + e[i] - my);
    }
    *ols = (double)(sxy / sxx);
  }
  tdm_buf_destroy(bx);
  tdm_buf_destroy(be);
  tdm_rng_destroy(rng);
  free(x);
  free(e);
  return s;
}

static void si_summary(const double *v, size_t R, double *mean, double *sd) {
  long double s = 0, ss = 0;
  for (size_t i = 0; i < R; i++) s += v[i];
  *mean = (double)(s / (long double)R);
  for (size_t i = 0; i < R; i++) ss += (v[i] - *mean) * (v[i] - *mean);
  *sd = sqrt((double)(ss / (long double)(R - 1)));
}

void bench_simulation(bench_run *r) {
  si_state st = {NULL, r->size == BENCH_SMALL ? 1000 : r->size == BENCH_FULL ? 100000 : 10000,
                 r->size == BENCH_SMALL ? 100 : 1000, NULL, NULL, NULL};
  int reps = bench_reps(r, 3);
  char size[64], many[40], cnt[32];
  snprintf(size, sizeof size, "%zu reps n=%s", st.R, bench_count((double)st.n, cnt, sizeof cnt));
  int G = r->device ? 1 : 0; /* a GPU lane when there is a device */
  snprintf(many, sizeof many, "%d worker%s%s", r->threads, r->threads == 1 ? "" : "s",
           G ? " + GPU lane" : "");
  bench_row rows[2];
  bench_row_init(r, &rows[0], G ? "1 worker + GPU lane" : "1 worker", "f64", size);
  bench_row_init(r, &rows[1], many, "f64", size);
  if (bench_skipping(r, rows, 2)) return;
  double *res[2][2] = {{malloc(st.R * sizeof(double)), malloc(st.R * sizeof(double))},
                       {malloc(st.R * sizeof(double)), malloc(st.R * sizeof(double))}};
  st.on_gpu = calloc(st.R, 1);
  double gpu_share[2] = {0, 0};
  tdm_status s = res[0][0] && res[0][1] && res[1][0] && res[1][1] && st.on_gpu ? TDM_OK : TDM_ERR_NOMEM;
  const char *why = s == TDM_OK ? NULL : "out of host memory";
  for (int v = 0; v < 2 && s == TDM_OK; v++) {
    tdm_pool_config pc = {v == 0 ? 1 : r->threads, G};
    rows[v].threads = pc.cpu_workers;
    st.ols = res[v][0], st.ridge = res[v][1];
    s = tdm_pool_create(r->ctx, &pc, &st.pool);
    if (s == TDM_OK) s = bench_time(r, &rows[v], reps, 0, si_once, &st);
    for (size_t i = 0; i < st.R; i++) gpu_share[v] += st.on_gpu[i];
    gpu_share[v] /= (double)st.R; /* of the last run */
    tdm_pool_destroy(st.pool);
    st.pool = NULL;
    if (s != TDM_OK) break;
    bench_rate(&rows[v], (double)st.R * (double)st.n * 72.0 / 1e9, "GB/s",
               r->device ? r->ceil->dev_gbs : r->ceil->copy_gbs,
               r->device ? "device memory" : "memory copy");
  }
  double ref0 = 0;
  if (s == TDM_OK) s = si_reference(r, st.n, &ref0);
  if (s == TDM_OK) {
    double tol = r->device ? 1e-12 : 0.0;
    for (size_t i = 0; i < st.R; i++)
      if (!bench_check(&rows[1], bench_close(res[1][0][i], res[0][0][i], tol, 1.0) &&
                                     bench_close(res[1][1][i], res[0][1][i], tol, 1.0),
                       "replicate %zu: %d workers give %.17g, %.17g; 1 worker %.17g, %.17g", i,
                       r->threads, res[1][0][i], res[1][1][i], res[0][0][i], res[0][1][i]))
        break;
    double om, osd, rm, rsd, rexp = 2.0 / (1.0 + 0.1 * (double)st.n / (double)(st.n - 1));
    si_summary(res[0][0], st.R, &om, &osd);
    si_summary(res[0][1], st.R, &rm, &rsd);
    for (int v = 0; v < 2; v++) {
      bench_check(&rows[v], bench_close(res[v][0][0], ref0, 1e-10, 1.0),
                  "replicate 0 OLS slope %.17g vs plain-loop refit %.17g", res[v][0][0], ref0);
      bench_check(&rows[v], bench_close(om, 2.0, 6.0, osd / sqrt((double)st.R)),
                  "mean OLS slope %.6g is not within 6 SE of 2", om);
      bench_check(&rows[v], bench_close(rm, rexp, 6.0, rsd / sqrt((double)st.R) + 1e-3),
                  "mean ridge slope %.6g is not within 6 SE of %.6g", rm, rexp);
    }
    char lane0[40] = "", lane1[40] = "";
    if (G) {
      snprintf(lane0, sizeof lane0, "; GPU lane ran %.0f%%", 100.0 * gpu_share[0]);
      snprintf(lane1, sizeof lane1, "; GPU lane ran %.0f%%", 100.0 * gpu_share[1]);
    }
    snprintf(rows[0].note, sizeof rows[0].note, "OLS %.4f (sd %.4f), ridge %.4f (sd %.4f)%s", om,
             osd, rm, rsd, lane0);
    char sp[32];
    snprintf(rows[1].note, sizeof rows[1].note, "%s 1 worker%s%s",
             bench_speedup(rows[0].median_s, rows[1].median_s, sp, sizeof sp),
             strcmp(rows[1].check, "ok") ? "" : "; same estimates", lane1);
  }
  bench_finish(r, rows, 2, s, why);
  for (int v = 0; v < 2; v++) free(res[v][0]), free(res[v][1]);
  free(st.on_gpu);
}
