/* test_expr_bcast.c -- expressions over broadcast and strided operands:
 * r x 1 columns, 1 x c rows and scalars against plain loops on every CPU
 * SIMD tier and on sim; shapes that do not broadcast are refused naming
 * the input; and (until views land, through the backend kernel directly)
 * inputs and outputs with a leading dimension larger than their rows, on
 * the CPU and on the sim device's memory. */
#include "core/alloc.h"
#include "core/buf_int.h"
#include "cpu/ktab.h"
#include "cpu/vexec.h"
#include "expr/expr_int.h"
#include "support/support.h"
#include "expr_check.h"

static tdm_buf *mat(tdm_ctx *ctx, tdm_dtype dt, size_t r, size_t c, const double *v) {
  return ts_buf(ctx, dt, r, c, v);
}

static double *rnd(size_t n, uint64_t seed, double lo, double hi) {
  ts_rng g;
  ts_seed(&g, seed);
  double *x = malloc(n * sizeof *x);
  ts_fill(&g, x, n, lo, hi);
  return x;
}

/* out = x*w - m + s for X r x c, w r x 1, m 1 x c, s 1 x 1; each operation
 * is one IEEE rounding in the compute type, so the loop matches exactly. */
static void check_rows_cols(tdm_backend be, tdm_dtype dt, size_t r, size_t c) {
  tdm_ctx *ctx = xc_ctx(be, 2);
  double *x = rnd(r * c, 1, -4, 4), *w = rnd(r, 2, 0.5, 2), *m = rnd(c, 3, -1, 1), s = 0.375;
  if (dt == TDM_F32) /* values the f32 buffers hold exactly */
    for (size_t i = 0; i < r * c; i++) x[i] = (float)x[i], w[i % r] = (float)w[i % r], m[i % c] = (float)m[i % c];
  tdm_buf *in[4] = {mat(ctx, dt, r, c, x), mat(ctx, dt, r, 1, w), mat(ctx, dt, 1, c, m),
                    mat(ctx, dt, 1, 1, &s)};
  tdm_buf *out = mat(ctx, dt, r, c, NULL);
  double *got = malloc(r * c * sizeof *got);
  for (int isa = 0; isa < (be == TDM_CPU ? TDM__ISA_COUNT : 1); isa++) {
    if (be == TDM_CPU && tdm__isa_force(isa) != isa) continue;
    cr_assert_eq(tdm_eval(ctx, "x * w - m + s", "x, w, m, s", out, in), TDM_OK, "%s",
                 tdm_last_error());
    ts_read(out, got);
    for (size_t j = 0; j < c; j++)
      for (size_t i = 0; i < r; i++) {
        double ref;
        if (dt == TDM_F32) ref = (float)((float)((float)x[i + j * r] * (float)w[i]) - (float)m[j]) + (float)s;
        else ref = x[i + j * r] * w[i] - m[j] + s;
        cr_assert_eq(got[i + j * r], ref, "%s %s %zu x %zu tier %d at (%zu, %zu): %a vs %a",
                     be == TDM_CPU ? "cpu" : "sim", dt == TDM_F32 ? "f32" : "f64", r, c, isa, i, j,
                     got[i + j * r], ref);
      }
  }
  tdm__isa_force(-1);
  for (int k = 0; k < 4; k++) tdm_buf_destroy(in[k]);
  tdm_buf_destroy(out);
  free(x), free(w), free(m), free(got);
  tdm_ctx_destroy(ctx);
}

Test(expr_bcast, rows_and_columns_cpu) {
  check_rows_cols(TDM_CPU, TDM_F64, 1500, 5);  /* columns longer than a block, not a multiple */
  check_rows_cols(TDM_CPU, TDM_F32, 2500, 3);
  check_rows_cols(TDM_CPU, TDM_F64, 3, 4000);  /* blocks span many short columns */
  check_rows_cols(TDM_CPU, TDM_F64, 1, 3001);  /* one row */
  check_rows_cols(TDM_CPU, TDM_F32, 1031, 1);  /* one column: w has out's shape, m is a scalar */
}

Test(expr_bcast, rows_and_columns_sim) {
  check_rows_cols(TDM_SIM, TDM_F64, 1500, 5);
  check_rows_cols(TDM_SIM, TDM_F32, 7, 900);
}

/* The documented uses: rows scaled by a column, columns centred by a row. */
Test(expr_bcast, scale_rows_centre_columns) {
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 1);
  double X[6] = {1, 2, 3, 4, 5, 6}, w[3] = {10, 100, 1000}, mu[2] = {2, 5}, z[6];
  tdm_buf *bx = mat(ctx, TDM_F64, 3, 2, X), *bw = mat(ctx, TDM_F64, 3, 1, w),
          *bm = mat(ctx, TDM_F64, 1, 2, mu), *bz = mat(ctx, TDM_F64, 3, 2, NULL);
  cr_assert_eq(tdm_eval(ctx, "x * w", "x, w", bz, (tdm_buf *[]){bx, bw}), TDM_OK, "%s", tdm_last_error());
  tdm_buf_read(bz, z);
  double r1[6] = {10, 200, 3000, 40, 500, 6000};
  for (int i = 0; i < 6; i++) cr_assert_eq(z[i], r1[i]);
  cr_assert_eq(tdm_eval(ctx, "x - m", "x, m", bz, (tdm_buf *[]){bx, bm}), TDM_OK, "%s", tdm_last_error());
  tdm_buf_read(bz, z);
  double r2[6] = {-1, 0, 1, -1, 0, 1};
  for (int i = 0; i < 6; i++) cr_assert_eq(z[i], r2[i]);
  /* a column broadcast into one column of its own length is the same count rule */
  tdm_buf *b6 = mat(ctx, TDM_F64, 6, 1, NULL), *r23 = mat(ctx, TDM_F64, 2, 3, X);
  cr_assert_eq(tdm_eval(ctx, "x + 1", "x", b6, &r23), TDM_OK); /* 2 x 3 into 6 x 1: element order */
  tdm_buf_read(b6, z);
  for (int i = 0; i < 6; i++) cr_assert_eq(z[i], X[i] + 1);
  tdm_buf_destroy(bx), tdm_buf_destroy(bw), tdm_buf_destroy(bm), tdm_buf_destroy(bz);
  tdm_buf_destroy(b6), tdm_buf_destroy(r23);
  tdm_ctx_destroy(ctx);
}

Test(expr_bcast, bad_shapes_name_the_input) {
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 1);
  tdm_buf *x = mat(ctx, TDM_F64, 4, 3, NULL), *out = mat(ctx, TDM_F64, 4, 3, NULL);
  static const size_t shapes[][2] = {{5, 1}, {1, 4}, {3, 1}, {4, 2}, {2, 2}, {4, 4}, {12, 2}};
  for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
    tdm_buf *w = mat(ctx, TDM_F64, shapes[k][0], shapes[k][1], NULL);
    tdm_status s = tdm_eval(ctx, "x + w", "x, w", out, (tdm_buf *[]){x, w});
    cr_assert_eq(s, TDM_ERR_INVALID, "%zu x %zu", shapes[k][0], shapes[k][1]);
    cr_assert(strstr(tdm_last_error(), "tdm_eval: in[1] (w)") &&
                  strstr(tdm_last_error(), "does not broadcast to 4 x 3"),
              "%s", tdm_last_error());
    tdm_buf_destroy(w);
  }
  tdm_buf_destroy(x), tdm_buf_destroy(out);
  tdm_ctx_destroy(ctx);
}

/* ---- strided operands through the backend kernel ------------------------ */

/* Element (i, j) of a padded r x c array with leading dimension ld. */
#define AT(p, i, j, ld) ((p)[(i) + (size_t)(j) * (ld)])

/* out (r x c, ld lo) = x (r x c, ld lx) * w (r x 1) + m (1 x c, ld lm) on
 * backend be's memory (host for the CPU, device pointers for sim). */
static void strided_case(tdm_backend bk, size_t r, size_t c, size_t lx, size_t lm, size_t lo) {
  tdm_ctx *ctx = xc_ctx(bk, 2);
  const tdm__backend *be = bk == TDM_CPU ? ctx->host : ctx->dev;
  void *st = bk == TDM_CPU ? ctx->host_st : ctx->dev_st;
  size_t nx = lx * c, nm = lm * c, no = lo * c;
  double *x = rnd(nx, 5, -2, 2), *w = rnd(r, 6, -2, 2), *m = rnd(nm, 7, -2, 2);
  double *o = malloc(no * 8), *o0 = malloc(no * 8);
  for (size_t i = 0; i < no; i++) o[i] = o0[i] = -7.25; /* padding must stay */
  void *dx = x, *dw = w, *dm = m, *dout = o;
  if (bk != TDM_CPU) {
    cr_assert_eq(be->alloc(st, nx * 8, &dx), TDM_OK);
    cr_assert_eq(be->alloc(st, r * 8, &dw), TDM_OK);
    cr_assert_eq(be->alloc(st, nm * 8, &dm), TDM_OK);
    cr_assert_eq(be->alloc(st, no * 8, &dout), TDM_OK);
    be->h2d(st, dx, x, nx * 8), be->h2d(st, dw, w, r * 8), be->h2d(st, dm, m, nm * 8);
    be->h2d(st, dout, o, no * 8);
  }
  tdm__prog *p = NULL;
  cr_assert_eq(tdm__prog_compile("t", "x * w + m", "x, w, m", &p), TDM_OK);
  tdm__eval_args a = {0};
  a.out = dout, a.out_dt = TDM_F64, a.n = r * c, a.nin = 3;
  a.rows = r, a.cols = c, a.ld = lo;
  a.in[0] = dx, a.in[1] = dw, a.in[2] = dm;
  for (int k = 0; k < 3; k++) a.in_dt[k] = TDM_F64, a.in_n[k] = r * c;
  a.in_rs[0] = 1, a.in_cs[0] = lx; /* full, strided */
  a.in_rs[1] = 1, a.in_cs[1] = 0;  /* column */
  a.in_rs[2] = 0, a.in_cs[2] = lm; /* row of a matrix: every lm-th element */
  for (int isa = 0; isa < TDM__ISA_COUNT; isa++) {
    if (tdm__isa_force(isa) != isa) continue;
    cr_assert_eq(be->eval(st, p, &a), TDM_OK, "%s", tdm_last_error());
    if (bk != TDM_CPU) cr_assert_eq(be->d2h(st, o, dout, no * 8), TDM_OK);
    for (size_t j = 0; j < c; j++)
      for (size_t i = 0; i < lo; i++) {
        double ref = i < r ? AT(x, i, j, lx) * w[i] + m[j * lm] : AT(o0, i, j, lo);
        cr_assert_eq(AT(o, i, j, lo), ref, "%zu x %zu (ld %zu %zu %zu) tier %d at (%zu, %zu)", r, c,
                     lx, lm, lo, isa, i, j);
      }
  }
  tdm__isa_force(-1);
  tdm__prog_release(p);
  if (bk != TDM_CPU) be->free(st, dx), be->free(st, dw), be->free(st, dm), be->free(st, dout);
  free(x), free(w), free(m), free(o), free(o0);
  tdm_ctx_destroy(ctx);
}

Test(expr_bcast, strided_inputs_and_output_cpu) {
  strided_case(TDM_CPU, 1500, 4, 1503, 2, 1510);
  strided_case(TDM_CPU, 5, 700, 9, 5, 6);
  strided_case(TDM_CPU, 1, 2100, 3, 4, 2); /* one row of each */
  strided_case(TDM_CPU, 3000, 1, 3000, 1, 3001);
}

Test(expr_bcast, strided_inputs_and_output_sim) {
  strided_case(TDM_SIM, 1100, 3, 1101, 3, 1200);
  strided_case(TDM_SIM, 2, 900, 5, 2, 3);
}

/* The same count in another shape (the first-wave rule) needs a
 * contiguous input: a strided view of another shape is refused. */
Test(expr_bcast, strided_other_shape_refused) {
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 1);
  tdm_buf *p = mat(ctx, TDM_F64, 5, 3, NULL), *x = NULL, *out = mat(ctx, TDM_F64, 12, 1, NULL);
  cr_assert_eq(tdm_buf_view(p, 0, 0, 4, 3, &x), TDM_OK, "%s", tdm_last_error()); /* ld 5 */
  cr_assert_eq(tdm_eval(ctx, "x", "x", out, &x), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "in[0] (x)") && strstr(tdm_last_error(), "strided view"), "%s",
            tdm_last_error());
  tdm_buf_destroy(x), tdm_buf_destroy(p), tdm_buf_destroy(out);
  tdm_ctx_destroy(ctx);
}

/* Through the public calls on views: inputs and output windows of larger
 * storages (ld > rows), a column of one matrix and a row of another, on the
 * CPU and on sim; what lies outside out's window is unchanged; the same
 * windows reduced by tdm_eval_reduce. */
static void views_case(tdm_backend be) {
  tdm_ctx *ctx = xc_ctx(be, 2);
  const size_t R = 1030, C = 9, r = 1000, c = 5;
  double *X = rnd(R * C, 11, -2, 2), *W = rnd(R * 3, 12, 0, 2), *M = rnd(4 * C, 13, -1, 1);
  double *O = rnd(R * C, 14, 5, 6), *got = malloc(R * C * 8);
  tdm_buf *bX = mat(ctx, TDM_F64, R, C, X), *bW = mat(ctx, TDM_F64, R, 3, W),
          *bM = mat(ctx, TDM_F64, 4, C, M), *bO = mat(ctx, TDM_F64, R, C, O);
  tdm_buf *x, *w, *m, *o;
  cr_assert_eq(tdm_buf_view(bX, 7, 2, r, c, &x), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_view(bW, 3, 1, r, 1, &w), TDM_OK);
  cr_assert_eq(tdm_buf_view(bM, 2, 1, 1, c, &m), TDM_OK); /* a row: every 4th element */
  cr_assert_eq(tdm_buf_view(bO, 20, 3, r, c, &o), TDM_OK);
  cr_assert_eq(tdm_eval(ctx, "x * w - m", "x, w, m", o, (tdm_buf *[]){x, w, m}), TDM_OK, "%s",
               tdm_last_error());
  cr_assert_eq(tdm_buf_read(bO, got), TDM_OK);
  for (size_t j = 0; j < C; j++)
    for (size_t i = 0; i < R; i++) {
      int in = i >= 20 && i < 20 + r && j >= 3 && j < 3 + c;
      double ref = in ? X[(i - 20 + 7) + (j - 3 + 2) * R] * W[(i - 20 + 3) + R] - M[2 + (j - 3 + 1) * 4]
                      : O[i + j * R];
      cr_assert_eq(got[i + j * R], ref, "%s (%zu, %zu)", be == TDM_CPU ? "cpu" : "sim", i, j);
    }
  /* eval_reduce over the same windows: the sum of what was just stored */
  long double sum = 0;
  for (size_t j = 0; j < c; j++)
    for (size_t i = 0; i < r; i++) sum += got[(20 + i) + (3 + j) * R];
  const tdm_reduce_op ops[2] = {TDM_SUM, TDM_COUNT};
  double red[2];
  cr_assert_eq(tdm_eval_reduce(ctx, "x * w - m", "x, w, m", (tdm_buf *[]){x, w, m}, 2, ops, red),
               TDM_OK, "%s", tdm_last_error());
  cr_assert(ts_relerr(red[0], (double)sum) < 1e-13, "%.17g vs %.17Lg", red[0], sum);
  cr_assert_eq(red[1], (double)(r * c));
  tdm_buf *all[8] = {x, w, m, o, bX, bW, bM, bO};
  for (int k = 0; k < 8; k++) tdm_buf_destroy(all[k]);
  free(X), free(W), free(M), free(O), free(got);
  tdm_ctx_destroy(ctx);
}

Test(expr_bcast, views_cpu) { views_case(TDM_CPU); }
Test(expr_bcast, views_sim) { views_case(TDM_SIM); }
