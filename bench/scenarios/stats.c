/* stats.c -- the statistics primitives at scale: COUNT SUM MEAN VAR MIN MAX
 * per group in one tdm_group_stats pass (rows in random group order),
 * tdm_sort of one long f64 column, and tdm_quantile at 3 probabilities of
 * the same column (selection, not a sort). Checked against plain loops:
 * per-group sums in long double for a few groups, the sorted order, and
 * each quantile's rank in the data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"

static const tdm_reduce_op sx_ops[6] = {TDM_COUNT, TDM_SUM, TDM_MEAN, TDM_VAR, TDM_MIN, TDM_MAX};

typedef struct sx_state {
  tdm_ctx *ctx;
  size_t n, G, ns;
  tdm_buf *x, *g, *out;  /* group stats */
  tdm_buf *v, *w, *q;    /* sort input (kept), sort work copy, quantiles */
  const double *vh;      /* v's host copy */
  int variant;
} sx_state;

static const double sx_q[3] = {0.025, 0.5, 0.975};

static tdm_status sx_once(void *p, int xfer, double *secs) {
  sx_state *s = p;
  tdm_status st = TDM_OK;
  double t = 0;
  if (s->variant == 0) {
    t = bench_now();
    st = tdm_group_stats(s->ctx, s->x, s->g, s->G, 6, sx_ops, s->out);
    if (st == TDM_OK) st = tdm_ctx_sync(s->ctx);
  } else if (s->variant == 1) {
    st = tdm_buf_write(s->w, s->vh); /* a fresh unsorted copy, not timed */
    if (st == TDM_OK) st = tdm_ctx_sync(s->ctx);
    t = bench_now();
    if (st == TDM_OK) st = tdm_sort(s->ctx, s->w);
    if (st == TDM_OK) st = tdm_ctx_sync(s->ctx);
  } else {
    t = bench_now();
    st = tdm_quantile(s->ctx, s->v, 3, sx_q, s->q);
    if (st == TDM_OK) st = tdm_ctx_sync(s->ctx);
  }
  (void)xfer;
  *secs = bench_now() - t;
  return st;
}

static uint64_t sx_mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void bench_stats(bench_run *r) {
  sx_state s = {r->ctx, r->size == BENCH_SMALL ? 1000000 : 50000000,
                r->size == BENCH_SMALL ? 100 : 1000,
                r->size == BENCH_SMALL ? 1000000 : 100000000, NULL, NULL, NULL, NULL, NULL, NULL,
                NULL, 0};
  int reps = bench_reps(r, 3);
  char gsize[64], vsize[64], c1[32], c2[32];
  snprintf(gsize, sizeof gsize, "%s rows %zu groups", bench_count((double)s.n, c1, sizeof c1), s.G);
  snprintf(vsize, sizeof vsize, "n=%s", bench_count((double)s.ns, c2, sizeof c2));
  bench_row rows[3];
  bench_row_init(r, &rows[0], "group_stats 6 ops", "f64", gsize);
  bench_row_init(r, &rows[1], "sort", "f64", vsize);
  bench_row_init(r, &rows[2], "quantile 3 q", "f64", vsize);
  if (bench_skipping(r, rows, 3)) return;
  bench_progress(r, "setup: %zu rows, %zu groups; %zu values", s.n, s.G, s.ns);
  double *xh = malloc(s.n * sizeof *xh), *vh = malloc(s.ns * sizeof *vh);
  int32_t *gh = malloc(s.n * sizeof *gh);
  double *go = malloc(s.G * 6 * sizeof *go), *sorted = NULL, qv[3];
  tdm_status st = xh && vh && gh && go ? TDM_OK : TDM_ERR_NOMEM;
  const char *why = st == TDM_OK ? NULL : "out of host memory";
  tdm_rng *rng = NULL;
  if (st == TDM_OK) st = tdm_rng_create(r->ctx, 2024, 77, &rng);
  if (st == TDM_OK) st = tdm_buf_create(r->ctx, TDM_F64, s.n, 1, &s.x);
  if (st == TDM_OK) st = tdm_rng_normal(rng, s.x, 10.0, 3.0);
  if (st == TDM_OK) st = tdm_buf_read(s.x, xh);
  for (size_t i = 0; st == TDM_OK && i < s.n; i++) gh[i] = (int32_t)(sx_mix(i) % s.G);
  if (st == TDM_OK) st = tdm_buf_create(r->ctx, TDM_I32, s.n, 1, &s.g);
  if (st == TDM_OK) st = tdm_buf_write(s.g, gh);
  if (st == TDM_OK) st = tdm_buf_create(r->ctx, TDM_F64, s.G, 6, &s.out);
  if (st == TDM_OK) st = tdm_buf_create(r->ctx, TDM_F64, s.ns, 1, &s.v);
  if (st == TDM_OK) st = tdm_rng_normal(rng, s.v, 0.0, 1.0);
  if (st == TDM_OK) st = tdm_buf_read(s.v, vh);
  if (st == TDM_OK) st = tdm_buf_create(r->ctx, TDM_F64, s.ns, 1, &s.w);
  if (st == TDM_OK) st = tdm_buf_create(r->ctx, TDM_F64, 3, 1, &s.q);
  s.vh = vh;
  for (int v = 0; v < 3 && st == TDM_OK; v++) {
    s.variant = v;
    st = bench_time(r, &rows[v], reps, 0, sx_once, &s);
    if (st != TDM_OK) break;
    double bytes = v == 0 ? (double)s.n * 12.0 : (double)s.ns * 8.0;
    bench_rate(&rows[v], bytes / 1e9, "GB/s", r->device ? r->ceil->dev_gbs : r->ceil->read_gbs,
               r->device ? "device memory" : "memory read");
  }
  if (st == TDM_OK) st = tdm_buf_read(s.out, go);
  if (st == TDM_OK && (sorted = malloc(s.ns * sizeof *sorted)) == NULL) st = TDM_ERR_NOMEM;
  if (st == TDM_OK) st = tdm_buf_read(s.w, sorted);
  if (st == TDM_OK) st = tdm_buf_read(s.q, qv);
  if (st == TDM_OK) {
    /* a few groups in long double */
    size_t check[3] = {0, s.G / 2, s.G - 1};
    for (int c = 0; c < 3; c++) {
      size_t k = check[c];
      long double cnt = 0, sum = 0, mn = INFINITY, mx = -INFINITY, q = 0;
      for (size_t i = 0; i < s.n; i++)
        if ((size_t)gh[i] == k) cnt++, sum += xh[i], mn = xh[i] < mn ? xh[i] : mn, mx = xh[i] > mx ? xh[i] : mx;
      long double mean = sum / cnt;
      for (size_t i = 0; i < s.n; i++)
        if ((size_t)gh[i] == k) q += (xh[i] - mean) * (xh[i] - mean);
      double want[6] = {(double)cnt, (double)sum, (double)mean, (double)(q / (cnt - 1)), (double)mn, (double)mx};
      for (int o = 0; o < 6; o++)
        if (!bench_check(&rows[0], bench_close(go[k + o * s.G], want[o], 1e-13, fabs(want[o]) + 1),
                         "group %zu op %d: %.17g vs plain loop %.17g", k, o, go[k + o * s.G], want[o]))
          break;
    }
    for (size_t i = 1; i < s.ns; i++)
      if (!bench_check(&rows[1], sorted[i - 1] <= sorted[i], "not sorted at %zu", i)) break;
    for (int k = 0; k < 3; k++) { /* the sorted copy gives the reference quantiles */
      double h = (double)(s.ns - 1) * sx_q[k];
      size_t lo = (size_t)h;
      double e = sorted[lo] + (h - (double)lo) * (sorted[lo + 1] - sorted[lo]);
      /* the interpolation may round differently: a few ulps of the values,
       * and h itself (numpy forms it as n*q + (1-q) - 1) a few ulps of h
       * times the gap it interpolates across */
      double gap = sorted[lo + 1] - sorted[lo];
      double sc = fabs(sorted[lo]) + fabs(sorted[lo + 1]) + 8.0 * h * fabs(gap) + 1e-300;
      if (!bench_check(&rows[2], bench_close(qv[k], e, 8e-16, sc), "q=%g: %.17g vs %.17g from the sorted copy",
                       sx_q[k], qv[k], e))
        break;
    }
    snprintf(rows[2].note, sizeof rows[2].note, "q = 0.025, 0.5, 0.975: %.5f %.5f %.5f", qv[0], qv[1], qv[2]);
  }
  bench_finish(r, rows, 3, st, why);
  tdm_rng_destroy(rng);
  tdm_buf_destroy(s.x), tdm_buf_destroy(s.g), tdm_buf_destroy(s.out);
  tdm_buf_destroy(s.v), tdm_buf_destroy(s.w), tdm_buf_destroy(s.q);
  free(xh), free(vh), free(gh), free(go), free(sorted);
}
