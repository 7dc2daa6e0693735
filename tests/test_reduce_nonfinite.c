/* test_reduce_nonfinite.c -- +-inf in data long enough for several blocks
 * (and several work items): SUM, MEAN, MIN, MAX as IEEE arithmetic gives
 * them, VAR and SD NaN, for tdm_reduce and the grouped statistics, on the
 * CPU (1 and 2 threads) and the sim device. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "support/support.h"

static const tdm_reduce_op ops7[7] = {TDM_SUM, TDM_MEAN, TDM_MIN, TDM_MAX, TDM_VAR, TDM_SD, TDM_COUNT};

/* n values in [1, 2) with the given specials placed at pos[]. */
static double *make(size_t n, size_t nsp, const size_t pos[], const double val[]) {
  ts_rng r;
  ts_seed(&r, 11);
  double *x = malloc(n * sizeof *x);
  cr_assert(x);
  ts_fill(&r, x, n, 1, 2);
  for (size_t k = 0; k < nsp; k++) x[pos[k]] = val[k];
  return x;
}

static void expect(const double *out, double sum, double mn, double mx, size_t n, const char *what) {
  cr_assert(ts_same_bits(out[0], sum) || (isnan(out[0]) && isnan(sum)), "%s SUM %g", what, out[0]);
  cr_assert(ts_same_bits(out[1], sum) || (isnan(out[1]) && isnan(sum)), "%s MEAN %g", what, out[1]);
  cr_assert(ts_same_bits(out[2], mn), "%s MIN %g vs %g", what, out[2], mn);
  cr_assert(ts_same_bits(out[3], mx), "%s MAX %g vs %g", what, out[3], mx);
  cr_assert(isnan(out[4]) && isnan(out[5]), "%s VAR %g SD %g", what, out[4], out[5]);
  cr_assert_eq(out[6], (double)n, "%s COUNT", what);
}

static void run_case(tdm_backend be, int threads, tdm_dtype dt) {
  tdm_ctx *ctx = ts_ctx(be, threads);
  const size_t n = 3000007; /* many blocks and several work items */
  const size_t pos1[1] = {n / 2}, pos2[2] = {17, n - 3};
  const double pinf[1] = {INFINITY}, ninf[1] = {-INFINITY}, both[2] = {INFINITY, -INFINITY};
  const double twop[2] = {INFINITY, INFINITY};
  struct { size_t nsp; const size_t *pos; const double *val; double sum, mn, mx; } c[] = {
      {1, pos1, pinf, INFINITY, 1, INFINITY},
      {1, pos1, ninf, -INFINITY, -INFINITY, 2},
      {2, pos2, twop, INFINITY, 1, INFINITY},
      {2, pos2, both, NAN, -INFINITY, INFINITY},
  };
  for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
    double *x = make(n, c[k].nsp, c[k].pos, c[k].val);
    tdm_buf *b = ts_buf(ctx, dt, n, 1, x);
    double out[7], mn = c[k].mn, mx = c[k].mx;
    /* the finite bounds are data: take them from the data */
    if (isfinite(mn) || isfinite(mx)) {
      double lo = INFINITY, hi = -INFINITY;
      for (size_t i = 0; i < n; i++) {
        double v = dt == TDM_F32 ? (double)(float)x[i] : x[i];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
      }
      mn = lo, mx = hi;
    }
    cr_assert_eq(tdm_reduce(ctx, b, 7, ops7, out), TDM_OK, "%s", tdm_last_error());
    out[1] = isfinite(out[1]) ? out[1] : out[1]; /* MEAN: same sign of inf as SUM */
    expect(out, c[k].sum, mn, mx, n, "reduce");
    /* grouped: all in group 1 of 3 (0 and 2 empty) */
    int32_t *g = malloc(n * sizeof *g);
    for (size_t i = 0; i < n; i++) g[i] = 1;
    tdm_buf *bg, *o = ts_buf(ctx, TDM_F64, 3, 7, NULL);
    cr_assert_eq(tdm_buf_create(ctx, TDM_I32, n, 1, &bg), TDM_OK);
    cr_assert_eq(tdm_buf_write(bg, g), TDM_OK);
    cr_assert_eq(tdm_group_stats(ctx, b, bg, 3, 7, ops7, o), TDM_OK, "%s", tdm_last_error());
    double go[21], row[7];
    ts_read(o, go);
    for (int j = 0; j < 7; j++) row[j] = go[1 + 3 * j];
    expect(row, c[k].sum, mn, mx, n, "group_stats");
    cr_assert_eq(go[0 + 3 * 6], 0.0, "empty group COUNT 0");
    cr_assert(isnan(go[0]) && isnan(go[2 + 3]), "empty groups NaN");
    tdm_buf *o1 = ts_buf(ctx, TDM_F64, 3, 1, NULL);
    cr_assert_eq(tdm_group_reduce(ctx, b, bg, 3, TDM_MEAN, o1), TDM_OK, "%s", tdm_last_error());
    ts_read(o1, go);
    cr_assert(ts_same_bits(go[1], c[k].sum) || (isnan(go[1]) && isnan(c[k].sum)),
              "group_reduce MEAN %g", go[1]);
    tdm_buf_destroy(o1);
    tdm_buf_destroy(o);
    tdm_buf_destroy(bg);
    free(g);
    tdm_buf_destroy(b);
    free(x);
  }
  tdm_ctx_destroy(ctx);
}

Test(reduce_nonfinite, cpu_f64_1_thread) { run_case(TDM_CPU, 1, TDM_F64); }
Test(reduce_nonfinite, cpu_f64_2_threads) { run_case(TDM_CPU, 2, TDM_F64); }
Test(reduce_nonfinite, cpu_f32_2_threads) { run_case(TDM_CPU, 2, TDM_F32); }
Test(reduce_nonfinite, sim_f64) { run_case(TDM_SIM, 2, TDM_F64); }
