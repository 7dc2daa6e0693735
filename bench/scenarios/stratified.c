/* stratified.c -- a stratified analysis of one large shared dataset sorted
 * by group (uneven group sizes): the per-group count, mean and SD of y in
 * one tdm_group_stats pass, and a per-group regression of y on x as a map
 * over groups where each task takes a view of its rows of the one shared
 * buffer (no copies; on a device nothing moves but one 3x3 result per
 * task: Z_g Z_g' with Z = (1, x, y) observation-major). Checked against
 * plain per-group loops in long double, and on a device from
 * tdm_ctx_stats. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "suite.h"

typedef struct st_data {
  size_t n, G;
  size_t *start;  /* group g: rows [start[g], start[g+1]) */
  double *z;      /* 3 x n: (1, x_i, y_i) per row */
  double *y;      /* n */
  int32_t *gid;   /* n */
  double *mean;   /* G x 3: group_stats output (COUNT, MEAN, SD) */
  double *slope, *icpt; /* G: map output */
} st_data;

typedef struct st_state {
  tdm_ctx *ctx;
  tdm_pool *pool;
  st_data *d;
  tdm_buf *y, *g, *out;
  tdm_buf *Z;     /* 3 x n: d->z wrapped once; tasks take views of it */
  int variant; /* 0 group_stats, 1 map */
} st_state;

static tdm_status st_group(const tdm_task_env *env, size_t g, void *arg) {
  st_state *s = arg;
  st_data *d = s->d;
  size_t a = d->start[g], ng = d->start[g + 1] - a;
  double m[9];
  tdm_buf *Z = NULL, *S = NULL;
  tdm_status st = tdm_buf_view(s->Z, 0, a, 3, ng, &Z); /* the group's rows, in place */
  if (st == TDM_OK) st = tdm_buf_create(env->ctx, TDM_F64, 3, 3, &S);
  if (st == TDM_OK) st = tdm_gemm(env->ctx, TDM_NOTRANS, TDM_TRANS, 1.0, Z, Z, 0.0, S);
  if (st == TDM_OK) st = tdm_buf_read(S, m);
  if (st == TDM_OK) { /* m = [n Sx Sy; Sx Sxx Sxy; Sy Sxy Syy] */
    double n = m[0], sx = m[1], sy = m[2], sxx = m[4], sxy = m[5];
    d->slope[g] = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    d->icpt[g] = (sy - d->slope[g] * sx) / n;
  }
  tdm_buf_destroy(Z);
  tdm_buf_destroy(S);
  return st;
}

static tdm_status st_once(void *p, int xfer, double *secs) {
  st_state *s = p;
  tdm_status st = TDM_OK;
  double t = bench_now();
  if (s->variant == 0) {
    if (xfer && (st = tdm_buf_write(s->y, s->d->y)) == TDM_OK) st = tdm_buf_write(s->g, s->d->gid);
    static const tdm_reduce_op ops[3] = {TDM_COUNT, TDM_MEAN, TDM_SD};
    if (st == TDM_OK) st = tdm_group_stats(s->ctx, s->y, s->g, s->d->G, 3, ops, s->out);
    if (st == TDM_OK) st = xfer ? tdm_buf_read(s->out, s->d->mean) : tdm_ctx_sync(s->ctx);
  } else {
    tdm_schedule sched = {TDM_SCHED_DYNAMIC, 0, TDM_LANE_ANY};
    st = tdm_map(s->pool, s->d->G, st_group, s, sched);
  }
  *secs = bench_now() - t;
  return st;
}

static tdm_status st_make(tdm_ctx *ctx, st_data *d) {
  size_t n = d->n, G = d->G;
  d->start = malloc((G + 1) * sizeof *d->start);
  d->z = malloc(3 * n * sizeof *d->z);
  d->y = malloc(n * sizeof *d->y);
  d->gid = malloc(n * sizeof *d->gid);
  d->mean = malloc(3 * G * sizeof *d->mean);
  d->slope = malloc(G * sizeof *d->slope);
  d->icpt = malloc(G * sizeof *d->icpt);
  if (!d->start || !d->z || !d->y || !d->gid || !d->mean || !d->slope || !d->icpt)
    return TDM_ERR_NOMEM;
  double wsum = 0, acc = 0; /* uneven sizes: weights 1..10 */
  for (size_t g = 0; g < G; g++) wsum += 1 + (double)((g * 7919) % 10);
  for (size_t g = 0; g <= G; g++) {
    d->start[g] = g == G ? n : (size_t)((double)n * acc / wsum);
    if (g < G) acc += 1 + (double)((g * 7919) % 10);
  }
  tdm_rng *rng = NULL;
  tdm_buf *b = NULL;
  tdm_status s = tdm_rng_create(ctx, 2024, 40, &rng);
  if (s == TDM_OK) s = tdm_buf_wrap(ctx, TDM_F64, n, 1, d->y, &b);
  if (s == TDM_OK) s = tdm_rng_normal(rng, b, 0.0, 1.0); /* x */
  if (s == TDM_OK) s = tdm_buf_read(b, d->y);
  for (size_t i = 0; s == TDM_OK && i < n; i++) d->z[3 * i] = 1.0, d->z[3 * i + 1] = d->y[i];
  if (s == TDM_OK) s = tdm_rng_normal(rng, b, 0.0, 1.0); /* noise */
  if (s == TDM_OK) s = tdm_buf_read(b, d->y);
  for (size_t g = 0; s == TDM_OK && g < G; g++) {
    double a = (double)g / (double)G, slope = 1.0 + sin((double)g);
    for (size_t i = d->start[g]; i < d->start[g + 1]; i++) {
      d->y[i] += a + slope * d->z[3 * i + 1];
      d->z[3 * i + 2] = d->y[i];
      d->gid[i] = (int32_t)g;
    }
  }
  tdm_buf_destroy(b);
  tdm_rng_destroy(rng);
  return s;
}

static void st_free(st_data *d) {
  free(d->start);
  free(d->z);
  free(d->y);
  free(d->gid);
  free(d->mean);
  free(d->slope);
  free(d->icpt);
}

static void st_check(bench_row *row, const st_data *d, int variant) {
  for (size_t g = 0; g < d->G; g++) {
    size_t a = d->start[g], b = d->start[g + 1];
    long double sx = 0, sy = 0, sxx = 0, sxy = 0, ng = (long double)(b - a);
    for (size_t i = a; i < b; i++) sx += d->z[3 * i + 1], sy += d->y[i];
    long double mx = sx / ng, my = sy / ng;
    if (variant == 0) {
      long double q = 0;
      for (size_t i = a; i < b; i++) q += (d->y[i] - my) * (d->y[i] - my);
      double sd = (double)sqrtl(q / (ng - 1)), m = d->mean[d->G + g], c = d->mean[g];
      if (!bench_check(row, c == (double)ng && bench_close(m, (double)my, 1e-12, 1.0 + fabs((double)my)) &&
                                bench_close(d->mean[2 * d->G + g], sd, 1e-10, 1.0 + sd),
                       "group %zu: count, mean, sd %.17g %.17g %.17g vs plain loop %.17g %.17g %.17g",
                       g, c, m, d->mean[2 * d->G + g], (double)ng, (double)my, sd))
        return;
      continue;
    }
    for (size_t i = a; i < b; i++) {
      long double dx = d->z[3 * i + 1] - mx;
      sxx += dx * dx, sxy += dx * (d->y[i] - my);
    }
    double bs = (double)(sxy / sxx), bi = (double)(my - sxy / sxx * mx);
    if (!bench_check(row, bench_close(d->slope[g], bs, 1e-9, 1.0 + fabs(bs)) &&
                              bench_close(d->icpt[g], bi, 1e-9, 1.0 + fabs(bi)),
                     "group %zu: slope, intercept %.12g, %.12g vs plain loop %.12g, %.12g", g,
                     d->slope[g], d->icpt[g], bs, bi))
      return;
  }
}

void bench_stratified(bench_run *r) {
  st_data d = {r->size == BENCH_SMALL ? 1000000 : 50000000, r->size == BENCH_SMALL ? 100 : 1000,
               NULL, NULL, NULL, NULL, NULL, NULL, NULL};
  int reps = bench_reps(r, 3);
  char size[64], cnt[32];
  snprintf(size, sizeof size, "%s rows %zu groups", bench_count((double)d.n, cnt, sizeof cnt), d.G);
  bench_row rows[2];
  bench_row_init(r, &rows[0], "count mean sd, group_stats", "f64", size);
  bench_row_init(r, &rows[1], "regression, map", "f64", size);
  if (bench_skipping(r, rows, 2)) return;
  st_state st = {r->ctx, NULL, &d, NULL, NULL, NULL, NULL, 0};
  tdm_pool_config pc = {r->threads, 0};
  bench_progress(r, "setup: %zu rows, %zu groups", d.n, d.G);
  tdm_status s = st_make(r->ctx, &d);
  const char *why = s == TDM_ERR_NOMEM ? "out of host memory for the dataset" : NULL;
  if (s == TDM_OK) s = tdm_buf_wrap(r->ctx, TDM_F64, d.n, 1, d.y, &st.y);
  if (s == TDM_OK) s = tdm_buf_wrap(r->ctx, TDM_I32, d.n, 1, d.gid, &st.g);
  if (s == TDM_OK) s = tdm_buf_wrap(r->ctx, TDM_F64, d.G, 3, d.mean, &st.out);
  if (s == TDM_OK) s = tdm_buf_wrap(r->ctx, TDM_F64, 3, d.n, d.z, &st.Z); /* once, in place */
  if (s == TDM_OK) s = tdm_pool_create(r->ctx, &pc, &st.pool);
  for (int v = 0; v < 2 && s == TDM_OK; v++) {
    st.variant = v;
    s = bench_time(r, &rows[v], reps, v == 0, st_once, &st);
    if (s == TDM_OK && v == 0) s = tdm_buf_read(st.out, d.mean);
    if (s != TDM_OK) break;
    bench_rate(&rows[v], (double)d.n * (v == 0 ? 12.0 : 24.0) / 1e9, "GB/s",
               r->device ? r->ceil->dev_gbs : r->ceil->read_gbs,
               r->device ? "device memory" : "memory read");
    st_check(&rows[v], &d, v);
    if (v == 1 && r->device) { /* one more run, counted: only the 3x3 results come back */
      tdm_stats t;
      double secs;
      s = tdm_ctx_stats_reset(r->ctx);
      if (s == TDM_OK) s = st_once(&st, 0, &secs);
      if (s == TDM_OK) s = tdm_ctx_stats(r->ctx, &t);
      if (s != TDM_OK) break;
      bench_check(&rows[1],
                  t.h2d_count == 0 && t.d2h_count <= d.G && t.d2h_bytes == t.d2h_count * 9 * 8,
                  "on the device a run copied %llu buffers up and %llu (%llu bytes) back; "
                  "expected none up and at most one 3x3 result per group",
                  (unsigned long long)t.h2d_count, (unsigned long long)t.d2h_count,
                  (unsigned long long)t.d2h_bytes);
    }
  }
  if (s == TDM_OK)
    snprintf(rows[1].note, sizeof rows[1].note, "%zu tasks read their rows as views", d.G);
  bench_finish(r, rows, 2, s, why);
  tdm_pool_destroy(st.pool);
  tdm_buf_destroy(st.y);
  tdm_buf_destroy(st.g);
  tdm_buf_destroy(st.out);
  tdm_buf_destroy(st.Z);
  st_free(&d);
}
