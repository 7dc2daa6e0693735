/* compute-once.c -- one pass for several results: min, max, mean and
 * variance of n F64 values with one tdm_reduce call (one pass over
 * memory) vs four calls (four passes). Rate: the array's bytes per second
 * (the four-pass variant reads them four times). Checked against a plain
 * two-pass loop in long double, and one pass against four. --detail adds
 * the reduction of an expression that is never stored, s = sum((y - a*x)^2)
 * with tdm_eval_reduce over x, y ~ U(-1, 1), against the read ceiling for
 * x and y, checked against a long double loop. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "suite.h"

static const tdm_reduce_op co_ops[4] = {TDM_MIN, TDM_MAX, TDM_MEAN, TDM_VAR};
static const char *co_names[4] = {"min", "max", "mean", "var"};

typedef struct co_state {
  tdm_ctx *ctx;
  tdm_buf *x;
  double *hx;
  int passes;
  double out[4];
} co_state;

static tdm_status co_once(void *p, int xfer, double *secs) {
  co_state *s = p;
  tdm_status st = TDM_OK;
  double t = bench_now();
  if (xfer) st = tdm_buf_write(s->x, s->hx);
  if (st == TDM_OK && s->passes == 1) st = tdm_reduce(s->ctx, s->x, 4, co_ops, s->out);
  for (int k = 0; st == TDM_OK && s->passes == 4 && k < 4; k++)
    st = tdm_reduce(s->ctx, s->x, 1, &co_ops[k], &s->out[k]);
  *secs = bench_now() - t;
  return st;
}

typedef struct co_fused {
  tdm_ctx *ctx;
  tdm_buf *in[3]; /* y, a, x */
  double sum;
} co_fused;

static tdm_status co_fused_once(void *p, int xfer, double *secs) {
  co_fused *f = p;
  (void)xfer;
  const tdm_reduce_op op = TDM_SUM;
  double t = bench_now();
  tdm_status st = tdm_eval_reduce(f->ctx, "(y - a*x)^2", "y, a, x", f->in, 1, &op, &f->sum);
  *secs = bench_now() - t;
  return st;
}

/* --detail: sum((y - a*x)^2) in one pass, nothing stored. */
static void co_detail(bench_run *r, size_t n, int reps, const char *size) {
  bench_row row;
  bench_row_init(r, &row, "sum((y-a*x)^2)", "f64", size);
  double a = 0.75, *hx = malloc(n * sizeof *hx), *hy = malloc(n * sizeof *hy);
  co_fused f = {r->ctx, {NULL, NULL, NULL}, 0};
  tdm_buf *bx = NULL, *by = NULL;
  tdm_rng *rng = NULL;
  tdm_status s = hx && hy ? TDM_OK : TDM_ERR_NOMEM;
  if (s == TDM_OK) s = tdm_buf_wrap(r->ctx, TDM_F64, n, 1, hx, &bx);
  if (s == TDM_OK) s = tdm_buf_wrap(r->ctx, TDM_F64, n, 1, hy, &by);
  if (s == TDM_OK) s = tdm_buf_create(r->ctx, TDM_F64, 1, 1, &f.in[1]);
  if (s == TDM_OK) s = tdm_buf_write(f.in[1], &a);
  if (s == TDM_OK) s = tdm_rng_create(r->ctx, 2024, 51, &rng);
  if (s == TDM_OK) s = tdm_rng_uniform(rng, bx, -1.0, 1.0);
  if (s == TDM_OK) s = tdm_rng_uniform(rng, by, -1.0, 1.0);
  if (s == TDM_OK) s = tdm_buf_read(bx, hx);
  if (s == TDM_OK) s = tdm_buf_read(by, hy);
  f.in[0] = by, f.in[2] = bx;
  if (s == TDM_OK) s = bench_time(r, &row, reps, 0, co_fused_once, &f);
  if (s == TDM_OK) {
    bench_rate(&row, (double)n * 16.0 / 1e9, "GB/s", r->device ? r->ceil->dev_gbs : r->ceil->read_gbs,
               r->device ? "device memory" : "memory read");
    long double ref = 0;
    for (size_t i = 0; i < n; i++) {
      long double d = (long double)hy[i] - (long double)a * hx[i];
      ref += d * d;
    }
    bench_check(&row, bench_close(f.sum, (double)ref, 1e-12, (double)ref),
                "sum %.17g vs long double loop %.17g", f.sum, (double)ref);
    snprintf(row.note, sizeof row.note, "x and y read once; y - a*x never stored");
  }
  bench_finish(r, &row, 1, s, s == TDM_ERR_NOMEM && row.reps == 0 ? "out of host memory for x and y" : NULL);
  tdm_rng_destroy(rng);
  tdm_buf_destroy(f.in[1]);
  tdm_buf_destroy(bx);
  tdm_buf_destroy(by);
  free(hx);
  free(hy);
}

void bench_compute_once(bench_run *r) {
  double nd = r->size == BENCH_SMALL ? 1e6 : r->size == BENCH_FULL ? 5e8 : 1e8;
  size_t n = (size_t)nd;
  int reps = bench_reps(r, 5);
  char size[64], cnt[32];
  snprintf(size, sizeof size, "n=%s", bench_count(nd, cnt, sizeof cnt));
  bench_row rows[2];
  bench_row_init(r, &rows[0], "one pass", "f64", size);
  bench_row_init(r, &rows[1], "four passes", "f64", size);
  if (bench_skipping(r, rows, 2)) return;
  co_state st = {r->ctx, NULL, malloc(n * sizeof(double)), 1, {0}};
  tdm_rng *rng = NULL;
  tdm_status s = st.hx ? TDM_OK : TDM_ERR_NOMEM;
  const char *why = s == TDM_OK ? NULL : "out of host memory for x";
  bench_progress(r, "setup: x ~ N(3, 2), n = %zu", n);
  if (s == TDM_OK) s = tdm_buf_wrap(r->ctx, TDM_F64, n, 1, st.hx, &st.x);
  if (s == TDM_OK) s = tdm_rng_create(r->ctx, 2024, 50, &rng);
  if (s == TDM_OK) s = tdm_rng_normal(rng, st.x, 3.0, 2.0);
  if (s == TDM_OK) s = tdm_buf_read(st.x, st.hx);
  double got[2][4], ref[4] = {INFINITY, -INFINITY, 0, 0};
  if (s == TDM_OK) {
    long double sum = 0, m2 = 0;
    for (size_t i = 0; i < n; i++) {
      ref[0] = fmin(ref[0], st.hx[i]), ref[1] = fmax(ref[1], st.hx[i]);
      sum += st.hx[i];
    }
    long double mean = sum / (long double)n;
    for (size_t i = 0; i < n; i++) m2 += (st.hx[i] - mean) * (st.hx[i] - mean);
    ref[2] = (double)mean, ref[3] = (double)(m2 / (long double)(n - 1));
  }
  for (int v = 0; v < 2 && s == TDM_OK; v++) {
    st.passes = v == 0 ? 1 : 4;
    s = bench_time(r, &rows[v], reps, 1, co_once, &st);
    if (s != TDM_OK) break;
    bench_rate(&rows[v], nd * 8.0 / 1e9, "GB/s", r->device ? r->ceil->dev_gbs : r->ceil->read_gbs,
               r->device ? "device memory" : "memory read");
    for (int k = 0; k < 4; k++) {
      got[v][k] = st.out[k];
      double scale = k == 3 ? ref[3] : sqrt(ref[3]) + fabs(ref[k]);
      if (!bench_check(&rows[v], bench_close(st.out[k], ref[k], 1e-12, scale),
                       "%s %.17g vs plain loop %.17g", co_names[k], st.out[k], ref[k]))
        break;
    }
  }
  if (s == TDM_OK) {
    for (int k = 0; k < 4; k++)
      if (!bench_check(&rows[1], bench_close(got[1][k], got[0][k], 1e-14, fabs(got[0][k]) + 1.0),
                       "%s: four passes %.17g vs one pass %.17g", co_names[k], got[1][k],
                       got[0][k]))
        break;
    snprintf(rows[0].note, sizeof rows[0].note, "speedup %.2fx over four passes",
             rows[1].median_s / rows[0].median_s);
  }
  bench_finish(r, rows, 2, s, why);
  tdm_rng_destroy(rng);
  tdm_buf_destroy(st.x);
  free(st.hx);
  if (r->detail && !r->skip) co_detail(r, n, reps, size);
}
