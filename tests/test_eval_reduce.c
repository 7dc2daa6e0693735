/* test_eval_reduce.c -- tdm_eval_reduce: every op against long-double
 * loops over the expression's values (computed here in the same IEEE
 * operations), equal bit for bit to tdm_reduce of the evaluated buffer on
 * every SIMD tier, the same bits for any thread count and on sim (which
 * copies back only the moments), broadcasting, NaN and inf, argument
 * errors, and allocation failures. */
#include "core/alloc.h"
#include "cpu/ktab.h"
#include "cpu/vexec.h"
#include "support/support.h"
#include "expr_check.h"

static const tdm_reduce_op all_ops[7] = {TDM_SUM, TDM_MEAN, TDM_MIN, TDM_MAX, TDM_VAR, TDM_SD, TDM_COUNT};

static double *rnd(size_t n, uint64_t seed, double lo, double hi) {
  ts_rng g;
  ts_seed(&g, seed);
  double *x = malloc(n * sizeof *x);
  ts_fill(&g, x, n, lo, hi);
  return x;
}

/* The seven statistics of v[0..n) in long double (ts_stats). */
static void ref_ops(const double *v, size_t n, double out[7]) {
  ts_stats s = ts_stats_f64(v, n);
  out[0] = (double)s.sum, out[1] = (double)s.mean, out[2] = (double)s.min, out[3] = (double)s.max;
  out[4] = (double)s.var, out[5] = sqrt((double)s.var), out[6] = (double)n;
}

static void near(const double got[7], const double ref[7], double tol, const char *what) {
  for (int k = 0; k < 7; k++)
    cr_assert(ts_relerr(got[k], ref[k]) <= tol, "%s op %d: %.17g vs %.17g", what, k, got[k], ref[k]);
}

/* sum((y - a*x)^2) and friends; n not a multiple of a block or an item. */
Test(eval_reduce, residuals_vs_long_double_every_tier) {
  size_t n = 1000003;
  double *x = rnd(n, 1, -3, 3), *y = rnd(n, 2, -1, 5), a = 0.75, *e = malloc(n * 8);
  for (size_t i = 0; i < n; i++) {
    double d = y[i] - a * x[i];
    e[i] = d * d;
  }
  double ref[7], got[7], viaeval[7];
  ref_ops(e, n, ref);
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 2);
  tdm_buf *in[3] = {ts_buf(ctx, TDM_F64, n, 1, y), ts_buf(ctx, TDM_F64, 1, 1, &a),
                    ts_buf(ctx, TDM_F64, n, 1, x)};
  tdm_buf *tmp = ts_buf(ctx, TDM_F64, n, 1, NULL);
  for (int isa = 0; isa < TDM__ISA_COUNT; isa++) {
    if (tdm__isa_force(isa) != isa) continue;
    cr_assert_eq(tdm_eval_reduce(ctx, "(y - a*x)^2", "y, a, x", in, 7, all_ops, got), TDM_OK, "%s",
                 tdm_last_error());
    near(got, ref, 1e-13, "f64 residuals");
    /* the same blocks and merges as tdm_reduce of the stored result */
    cr_assert_eq(tdm_eval(ctx, "(y - a*x)^2", "y, a, x", tmp, in), TDM_OK);
    cr_assert_eq(tdm_reduce(ctx, tmp, 7, all_ops, viaeval), TDM_OK);
    for (int k = 0; k < 7; k++)
      cr_assert(ts_same_bits(got[k], viaeval[k]), "tier %d op %d: %a vs tdm_reduce %a", isa, k,
                got[k], viaeval[k]);
  }
  tdm__isa_force(-1);
  for (int k = 0; k < 3; k++) tdm_buf_destroy(in[k]);
  tdm_buf_destroy(tmp);
  tdm_ctx_destroy(ctx);
  free(x), free(y), free(e);
}

Test(eval_reduce, f32_and_integer_inputs) {
  size_t n = 300007;
  double *x = rnd(n, 3, -2, 2), *v = malloc(n * 8);
  for (size_t i = 0; i < n; i++) {
    x[i] = (float)x[i];
    v[i] = (float)((float)x[i] * (float)x[i]); /* f32 math: x*x rounded to float */
  }
  double ref[7], got[7];
  ref_ops(v, n, ref);
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 2);
  tdm_buf *bx = ts_buf(ctx, TDM_F32, n, 1, x);
  cr_assert_eq(tdm_eval_reduce(ctx, "x*x", "x", &bx, 7, all_ops, got), TDM_OK, "%s", tdm_last_error());
  near(got, ref, 1e-12, "f32 x*x");
  /* integer inputs compute in f64 */
  for (size_t i = 0; i < n; i++) x[i] = (double)((int)(i % 1000) - 500), v[i] = x[i] + 0.5;
  ref_ops(v, n, ref);
  int32_t *xi = malloc(n * sizeof *xi);
  for (size_t i = 0; i < n; i++) xi[i] = (int32_t)x[i];
  tdm_buf *bi = NULL;
  cr_assert_eq(tdm_buf_create(ctx, TDM_I32, n, 1, &bi), TDM_OK);
  cr_assert_eq(tdm_buf_write(bi, xi), TDM_OK);
  free(xi);
  cr_assert_eq(tdm_eval_reduce(ctx, "x + 0.5", "x", &bi, 7, all_ops, got), TDM_OK, "%s", tdm_last_error());
  /* the mean (about -0.01 of values near +-500) cancels; 1e-11 relative also
   * holds where long double is only double (valgrind computes it so) */
  near(got, ref, 1e-11, "i32 x + 0.5");
  tdm_buf_destroy(bx), tdm_buf_destroy(bi);
  tdm_ctx_destroy(ctx);
  free(x), free(v);
}

/* Broadcasting as in tdm_eval: X n x p, m 1 x p, w n x 1; the shape is the
 * broadcast of the inputs (a 1 x p row and an n x 1 column make n x p). */
Test(eval_reduce, broadcast_shapes) {
  size_t n = 5003, p = 7;
  double *X = rnd(n * p, 4, -1, 1), *m = rnd(p, 5, -1, 1), *w = rnd(n, 6, 0, 2), *v = malloc(n * p * 8);
  for (size_t j = 0; j < p; j++)
    for (size_t i = 0; i < n; i++) {
      double d = X[i + j * n] - m[j];
      v[i + j * n] = w[i] * (d * d);
    }
  double ref[7], got[7];
  ref_ops(v, n * p, ref);
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 2);
  tdm_buf *in[3] = {ts_buf(ctx, TDM_F64, n, p, X), ts_buf(ctx, TDM_F64, 1, p, m),
                    ts_buf(ctx, TDM_F64, n, 1, w)};
  cr_assert_eq(tdm_eval_reduce(ctx, "w * (x - m)^2", "x, m, w", in, 7, all_ops, got), TDM_OK, "%s",
               tdm_last_error());
  near(got, ref, 1e-13, "weighted centred squares");
  /* outer: m (1 x p) times w (n x 1) */
  for (size_t j = 0; j < p; j++)
    for (size_t i = 0; i < n; i++) v[i + j * n] = m[j] * w[i];
  ref_ops(v, n * p, ref);
  cr_assert_eq(tdm_eval_reduce(ctx, "m * w", "m, w", in + 1, 7, all_ops, got), TDM_OK, "%s",
               tdm_last_error());
  near(got, ref, 1e-13, "outer product");
  /* a shape that is none of n x p, 1, n x 1, 1 x p */
  tdm_buf *bad = ts_buf(ctx, TDM_F64, 2, 2, NULL);
  tdm_buf *in2[2] = {in[0], bad};
  cr_assert_eq(tdm_eval_reduce(ctx, "x + b", "x, b", in2, 1, all_ops, got), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_eval_reduce: in[1] (b): 2 x 2 does not broadcast to 5003 x 7"),
            "%s", tdm_last_error());
  tdm_buf_destroy(bad);
  for (int k = 0; k < 3; k++) tdm_buf_destroy(in[k]);
  tdm_ctx_destroy(ctx);
  free(X), free(m), free(w), free(v);
}

/* Fixed blocks, fixed merge order: 1, 2 and 3 threads and sim agree. */
Test(eval_reduce, same_bits_any_threads_and_sim) {
  size_t n = 2 * 131072 * 3 + 999; /* several work items */
  double *x = rnd(n, 7, 1e6, 1e6 + 1);
  double base[7], got[7];
  tdm_backend bes[4] = {TDM_CPU, TDM_CPU, TDM_CPU, TDM_SIM};
  int thr[4] = {1, 2, 3, 2};
  for (int c = 0; c < 4; c++) {
    tdm_ctx *ctx = xc_ctx(bes[c], thr[c]);
    tdm_buf *bx = ts_buf(ctx, TDM_F64, n, 1, x);
    tdm_stats st0, st1;
    tdm_ctx_stats(ctx, &st0);
    if (bes[c] == TDM_SIM) { /* upload first: the reduction then moves only its moments */
      tdm_buf *tmp = ts_buf(ctx, TDM_F64, n, 1, NULL);
      cr_assert_eq(tdm_eval(ctx, "x", "x", tmp, &bx), TDM_OK);
      tdm_buf_destroy(tmp);
      tdm_ctx_stats(ctx, &st0);
    }
    cr_assert_eq(tdm_eval_reduce(ctx, "sqrt(x) * 3", "x", &bx, 7, all_ops, c ? got : base), TDM_OK,
                 "%s", tdm_last_error());
    tdm_ctx_stats(ctx, &st1);
    if (bes[c] == TDM_SIM) {
      cr_assert_eq(st1.device_ops - st0.device_ops, 1);
      cr_assert_eq(st1.h2d_count, st0.h2d_count, "nothing more goes up");
      cr_assert_eq(st1.d2h_count - st0.d2h_count, 1, "only the moments come back");
      cr_assert_lt(st1.d2h_bytes - st0.d2h_bytes, 100);
    }
    if (c)
      for (int k = 0; k < 7; k++)
        cr_assert(ts_same_bits(got[k], base[k]), "config %d op %d: %a vs %a", c, k, got[k], base[k]);
    tdm_buf_destroy(bx);
    tdm_ctx_destroy(ctx);
  }
  /* stable: the variance of data offset by 1e6 keeps its digits */
  double *v = malloc(n * 8), ref[7];
  for (size_t i = 0; i < n; i++) v[i] = sqrt(x[i]) * 3;
  ref_ops(v, n, ref);
  near(base, ref, 1e-9, "offset data");
  free(x), free(v);
}

Test(eval_reduce, nan_and_inf) {
  size_t n = 10000;
  double *x = rnd(n, 8, -1, 1), got[7];
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 2);
  x[4321] = NAN;
  tdm_buf *bx = ts_buf(ctx, TDM_F64, n, 1, x);
  cr_assert_eq(tdm_eval_reduce(ctx, "x + 1", "x", &bx, 7, all_ops, got), TDM_OK);
  for (int k = 0; k < 6; k++) cr_assert(isnan(got[k]), "NaN data: op %d gives %g", k, got[k]);
  cr_assert_eq(got[6], (double)n);
  /* log(0) = -inf in one element: sum, mean and min are -inf, the variance
   * NaN. Within one block here: across blocks an infinite mean needs the
   * statistics stream's non-finite merge (src/cpu/reduce.c), not on main
   * yet when this was written. */
  x[1234] = 0;
  for (size_t i = 0; i < n; i++) x[i] = fabs(x[i]) + (i == 1234 ? 0 : 0.5);
  tdm_buf *b2 = ts_buf(ctx, TDM_F64, 2000, 1, x);
  cr_assert_eq(tdm_eval_reduce(ctx, "log(x)", "x", &b2, 7, all_ops, got), TDM_OK);
  tdm_buf_destroy(b2);
  cr_assert(isinf(got[0]) && got[0] < 0, "sum %g", got[0]);
  cr_assert(isinf(got[1]) && got[1] < 0, "mean %g", got[1]);
  cr_assert(isinf(got[2]) && got[2] < 0, "min %g", got[2]);
  cr_assert(isfinite(got[3]), "max %g", got[3]);
  cr_assert(isnan(got[4]) && isnan(got[5]), "var %g sd %g", got[4], got[5]);
  tdm_buf_destroy(bx);
  /* one element: the variance needs two */
  double one = 2;
  tdm_buf *b1 = ts_buf(ctx, TDM_F64, 1, 1, &one);
  cr_assert_eq(tdm_eval_reduce(ctx, "x*x", "x", &b1, 7, all_ops, got), TDM_OK);
  cr_assert(got[0] == 4 && got[1] == 4 && got[2] == 4 && got[3] == 4 && isnan(got[4]) && got[6] == 1);
  tdm_buf_destroy(b1);
  tdm_ctx_destroy(ctx);
  free(x);
}

Test(eval_reduce, argument_errors) {
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 1);
  tdm_buf *x = ts_buf(ctx, TDM_F64, 10, 1, NULL);
  double out[2];
  tdm_reduce_op bad[1] = {(tdm_reduce_op)99};
  struct { tdm_status s; const char *msg; } cases[] = {
      {tdm_eval_reduce(NULL, "x", "x", &x, 1, all_ops, out), "ctx: is NULL"},
      {tdm_eval_reduce(ctx, NULL, "x", &x, 1, all_ops, out), "src: is NULL"},
      {tdm_eval_reduce(ctx, "x", "x", &x, 0, all_ops, out), "nops: must be > 0"},
      {tdm_eval_reduce(ctx, "x", "x", &x, 1, NULL, out), "ops: is NULL"},
      {tdm_eval_reduce(ctx, "x", "x", &x, 1, all_ops, NULL), "out: is NULL"},
      {tdm_eval_reduce(ctx, "x", "x", &x, 1, bad, out), "ops[0]: 99 is not a tdm_reduce_op"},
      {tdm_eval_reduce(ctx, "2 + 3", "", NULL, 1, all_ops, out), "at least one input"},
      {tdm_eval_reduce(ctx, "x", "x", NULL, 1, all_ops, out), "in: is NULL"},
      {tdm_eval_reduce(ctx, "x +", "x", &x, 1, all_ops, out), "unexpected end"},
      {tdm_eval_reduce(ctx, "x", "x", (tdm_buf *[]){NULL}, 1, all_ops, out), "in[0] (x): is NULL"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    cr_assert_neq(cases[k].s, TDM_OK, "case %zu", k);
    cr_assert(strstr(tdm_last_error(), "tdm_eval_reduce") || k == 8, "case %zu: %s", k, tdm_last_error());
  }
  /* each message, one at a time (the list above keeps only the last) */
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    switch (k) {
    case 0: tdm_eval_reduce(NULL, "x", "x", &x, 1, all_ops, out); break;
    case 1: tdm_eval_reduce(ctx, NULL, "x", &x, 1, all_ops, out); break;
    case 2: tdm_eval_reduce(ctx, "x", "x", &x, 0, all_ops, out); break;
    case 3: tdm_eval_reduce(ctx, "x", "x", &x, 1, NULL, out); break;
    case 4: tdm_eval_reduce(ctx, "x", "x", &x, 1, all_ops, NULL); break;
    case 5: tdm_eval_reduce(ctx, "x", "x", &x, 1, bad, out); break;
    case 6: tdm_eval_reduce(ctx, "2 + 3", "", NULL, 1, all_ops, out); break;
    case 7: tdm_eval_reduce(ctx, "x", "x", NULL, 1, all_ops, out); break;
    case 8: cr_assert_eq(tdm_eval_reduce(ctx, "x +", "x", &x, 1, all_ops, out), TDM_ERR_PARSE); break;
    case 9: tdm_eval_reduce(ctx, "x", "x", (tdm_buf *[]){NULL}, 1, all_ops, out); break;
    }
    cr_assert(strstr(tdm_last_error(), cases[k].msg), "case %zu: %s", k, tdm_last_error());
  }
  /* a row and a column whose broadcast shape has more elements than size_t
   * counts: refused before any access (on sim, creating them allocates
   * nothing) */
  tdm_ctx *sim = xc_ctx(TDM_SIM, 1);
  tdm_buf *row = NULL, *col = NULL;
  cr_assert_eq(tdm_buf_create(sim, TDM_F64, 1, (size_t)1 << 40, &row), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_create(sim, TDM_F64, (size_t)1 << 40, 1, &col), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_eval_reduce(sim, "r * c", "r, c", (tdm_buf *[]){row, col}, 1, all_ops, out),
               TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "overflows"), "%s", tdm_last_error());
  tdm_buf_destroy(row), tdm_buf_destroy(col);
  tdm_ctx_destroy(sim);
  tdm_buf_destroy(x);
  tdm_ctx_destroy(ctx);
}

/* Every host allocation of the call failing in turn: a status, a message,
 * nothing leaked; once the countdown passes them all, the right answer. */
Test(eval_reduce, allocation_failures) {
  size_t n = 3 * 131072 + 5;
  double *x = rnd(n, 9, 0, 1), ref = 0, got = 0;
  for (size_t i = 0; i < n; i++) ref += x[i] * x[i];
  const tdm_backend bes[2] = {TDM_CPU, TDM_SIM};
  for (int b = 0; b < 2; b++) {
    tdm_ctx *ctx = xc_ctx(bes[b], 2);
    tdm_buf *bx = ts_buf(ctx, TDM_F64, n, 1, x);
    /* compiled once first: the cache's entry is not part of the count */
    cr_assert_eq(tdm_eval_reduce(ctx, "x*x", "x", &bx, 1, all_ops, &got), TDM_OK);
    int ok = 0;
    for (long k = 1; k < 40 && !ok; k++) {
      long live = tdm__alloc_live();
      tdm__alloc_fail_after(k);
      tdm_status s = tdm_eval_reduce(ctx, "x*x", "x", &bx, 1, all_ops, &got);
      tdm__alloc_fail_after(0);
      if (s == TDM_OK) {
        ok = 1;
        cr_assert(ts_relerr(got, ref) < 1e-12);
      } else {
        cr_assert(s == TDM_ERR_NOMEM || s == TDM_ERR_DEVICE_NOMEM, "k %ld: %s", k, tdm_status_name(s));
        cr_assert(strstr(tdm_last_error(), "tdm_eval_reduce") && strstr(tdm_last_error(), "memory"),
                  "k %ld: %s", k, tdm_last_error());
      }
      cr_assert_eq(tdm__alloc_live(), live, "k %ld: leaked", k);
    }
    cr_assert(ok);
    tdm_buf_destroy(bx);
    tdm_ctx_destroy(ctx);
  }
  free(x);
}
