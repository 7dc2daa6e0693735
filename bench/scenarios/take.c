/* take.c -- gather rows by an index vector: tdm_take of n F64 elements in
 * rows of 8 columns (x and out N x 8, N = n / 8), as a bootstrap resample
 * does (indices drawn with replacement by tdm_rng_bootstrap) and as a
 * sorted selection does (the same indices in ascending order: folds,
 * groups). Rate: bytes read and written (x's rows, out, idx) per second
 * against the memory-copy ceiling. Checked against a plain host loop. */
#include <stdio.h>
#include <stdlib.h>

#include "suite.h"

#define TK_COLS 8

typedef struct tk_state {
  tdm_ctx *ctx;
  tdm_buf *x, *idx, *out;
  const int64_t *hidx;
} tk_state;

static tdm_status tk_once(void *p, int xfer, double *secs) {
  tk_state *s = p;
  tdm_status st = TDM_OK;
  double t = bench_now();
  if (xfer) st = tdm_buf_write(s->idx, s->hidx);
  if (st == TDM_OK) st = tdm_take(s->ctx, s->x, 0, s->idx, s->out);
  if (st == TDM_OK) st = tdm_ctx_sync(s->ctx);
  *secs = bench_now() - t;
  return st;
}

static int tk_cmp(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static void tk_check(bench_row *row, const double *x, const int64_t *idx, const double *out,
                     size_t N) {
  for (size_t j = 0; j < TK_COLS; j++)
    for (size_t i = 0; i < N; i++) {
      double want = x[(size_t)idx[i] + j * N];
      if (out[i + j * N] != want) {
        bench_check(row, 0, "out(%zu, %zu) = %.17g, plain loop %.17g", i, j, out[i + j * N], want);
        return;
      }
    }
}

void bench_take(bench_run *r) {
  double nd = r->size == BENCH_SMALL ? 1e6 : r->size == BENCH_FULL ? 1e8 : 1e7;
  size_t N = (size_t)nd / TK_COLS, n = N * TK_COLS;
  int reps = bench_reps(r, 5);
  char size[64], cnt[32];
  snprintf(size, sizeof size, "n=%s, rows of %d", bench_count((double)n, cnt, sizeof cnt), TK_COLS);
  bench_row rows[2];
  bench_row_init(r, &rows[0], "bootstrap rows", "f64", size);
  bench_row_init(r, &rows[1], "sorted rows", "f64", size);
  if (bench_skipping(r, rows, 2)) return;
  double *hx = malloc(n * sizeof *hx), *hout = malloc(n * sizeof *hout);
  int64_t *hidx = malloc(N * sizeof *hidx);
  tk_state st = {r->ctx, NULL, NULL, NULL, hidx};
  tdm_rng *rng = NULL;
  tdm_status s = hx && hout && hidx ? TDM_OK : TDM_ERR_NOMEM;
  const char *why = s == TDM_OK ? NULL : "out of host memory";
  bench_progress(r, "setup: x %zu x %d ~ N(0,1), bootstrap indices", N, TK_COLS);
  if (s == TDM_OK) s = tdm_buf_create(r->ctx, TDM_F64, N, TK_COLS, &st.x);
  if (s == TDM_OK) s = tdm_buf_create(r->ctx, TDM_I64, N, 1, &st.idx);
  if (s == TDM_OK) s = tdm_buf_create(r->ctx, TDM_F64, N, TK_COLS, &st.out);
  if (s == TDM_OK) s = tdm_rng_create(r->ctx, 2024, 60, &rng);
  if (s == TDM_OK) s = tdm_rng_normal(rng, st.x, 0.0, 1.0);
  if (s == TDM_OK) s = tdm_rng_bootstrap(rng, st.idx, N);
  if (s == TDM_OK) s = tdm_buf_read(st.x, hx);
  if (s == TDM_OK) s = tdm_buf_read(st.idx, hidx);
  double bytes = 2.0 * (double)n * 8.0 + (double)N * 8.0;
  for (int v = 0; v < 2 && s == TDM_OK; v++) {
    if (v == 1) {
      qsort(hidx, N, sizeof *hidx, tk_cmp);
      s = tdm_buf_write(st.idx, hidx);
      if (s != TDM_OK) break;
    }
    s = bench_time(r, &rows[v], reps, 1, tk_once, &st);
    if (s == TDM_OK) s = tdm_buf_read(st.out, hout);
    if (s != TDM_OK) break;
    bench_rate(&rows[v], bytes / 1e9, "GB/s", r->device ? r->ceil->dev_gbs : r->ceil->copy_gbs,
               r->device ? "device memory" : "memory copy");
    tk_check(&rows[v], hx, hidx, hout, N);
  }
  if (s == TDM_OK)
    snprintf(rows[1].note, sizeof rows[1].note, "%.2fx the bootstrap (random) gather",
             rows[0].median_s / rows[1].median_s);
  bench_finish(r, rows, 2, s, why);
  tdm_rng_destroy(rng);
  tdm_buf_destroy(st.x);
  tdm_buf_destroy(st.idx);
  tdm_buf_destroy(st.out);
  free(hx), free(hout), free(hidx);
}
