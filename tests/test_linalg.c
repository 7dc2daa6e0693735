/* test_linalg.c -- tdm_gemm (all transposes, alpha/beta), tdm_crossprod,
 * tdm_cholesky and tdm_solve_spd against long double reference loops for
 * f32 and f64 at odd sizes; not positive definite is TDM_ERR_NUMERIC; shape,
 * dtype and alias errors name the function and argument. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support/support.h"

static double *rnd(ts_rng *r, size_t n) {
  double *x = malloc(n * sizeof *x);
  cr_assert(x);
  ts_fill(r, x, n, -1, 1);
  return x;
}

/* f32 inputs are rounded to float first, so the reference sees what tandem sees. */
static void as_dtype(tdm_dtype dt, double *x, size_t n) {
  if (dt == TDM_F32)
    for (size_t i = 0; i < n; i++) x[i] = (double)(float)x[i];
}

Test(linalg, gemm_all_transposes_alpha_beta) {
  static const size_t dims[][3] = {{1, 1, 1}, {7, 5, 3}, {33, 17, 29}, {129, 65, 100}, {3, 129, 7}};
  static const double betas[] = {0.0, -0.5};
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  ts_rng r;
  ts_seed(&r, 42);
  for (int d = 0; d < 2; d++) {
    tdm_dtype dt = d ? TDM_F64 : TDM_F32;
    double tol = d ? 1e-13 : 1e-5; /* relative to sum |a b| */
    for (size_t s = 0; s < sizeof dims / sizeof dims[0]; s++)
      for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
          for (int bi = 0; bi < 2; bi++) {
            size_t m = dims[s][0], n = dims[s][1], k = dims[s][2];
            size_t ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
            double *A = rnd(&r, ar * ac), *B = rnd(&r, br * bc), *C = rnd(&r, m * n);
            as_dtype(dt, A, ar * ac), as_dtype(dt, B, br * bc), as_dtype(dt, C, m * n);
            double *ref = malloc(m * n * sizeof *ref), *bound = malloc(m * n * sizeof *bound);
            double *got = malloc(m * n * sizeof *got);
            memcpy(ref, C, m * n * sizeof *ref);
            double alpha = 1.5, beta = betas[bi];
            ts_gemm(ta, tb, m, n, k, alpha, A, ar, B, br, beta, ref, m, bound);
            tdm_buf *bA = ts_buf(ctx, dt, ar, ac, A), *bB = ts_buf(ctx, dt, br, bc, B);
            tdm_buf *bC = ts_buf(ctx, dt, m, n, C);
            cr_assert_eq(tdm_gemm(ctx, ta ? TDM_TRANS : TDM_NOTRANS, tb ? TDM_TRANS : TDM_NOTRANS,
                                  alpha, bA, bB, beta, bC),
                         TDM_OK, "%s", tdm_last_error());
            ts_read(bC, got);
            for (size_t i = 0; i < m * n; i++)
              cr_assert(fabs(got[i] - ref[i]) <= tol * bound[i] + 1e-300,
                        "%s %zux%zux%zu ta=%d tb=%d beta=%g [%zu]: %.17g vs %.17g",
                        tdm_dtype_name(dt), m, n, k, ta, tb, beta, i, got[i], ref[i]);
            tdm_buf_destroy(bA), tdm_buf_destroy(bB), tdm_buf_destroy(bC);
            free(A), free(B), free(C), free(ref), free(bound), free(got);
          }
  }
  tdm_ctx_destroy(ctx);
}

/* beta = 0: C's old contents are not read (NaN there does not leak out). */
Test(linalg, gemm_beta_zero_ignores_old_c) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  double a[4] = {1, 2, 3, 4}, c[4] = {NAN, NAN, NAN, NAN}, got[4];
  tdm_buf *A = ts_buf(ctx, TDM_F64, 2, 2, a), *C = ts_buf(ctx, TDM_F64, 2, 2, c);
  cr_assert_eq(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 2.0, A, A, 0.0, C), TDM_OK);
  ts_read(C, got);
  /* A*A = [[7, 10], [15, 22]] (rows), column-major {7, 10, 15, 22} */
  cr_assert_eq(got[0], 14.0);
  cr_assert_eq(got[1], 20.0);
  cr_assert_eq(got[2], 30.0);
  cr_assert_eq(got[3], 44.0);
  tdm_buf_destroy(A), tdm_buf_destroy(C);
  tdm_ctx_destroy(ctx);
}

Test(linalg, crossprod_both_triangles) {
  static const size_t dims[][2] = {{1, 1}, {7, 3}, {33, 7}, {129, 65}, {5, 70}, {200, 130}};
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  ts_rng r;
  ts_seed(&r, 9);
  for (int d = 0; d < 2; d++) {
    tdm_dtype dt = d ? TDM_F64 : TDM_F32;
    double tol = d ? 1e-13 : 1e-5;
    for (size_t s = 0; s < sizeof dims / sizeof dims[0]; s++) {
      size_t n = dims[s][0], p = dims[s][1];
      double *X = rnd(&r, n * p), *ref = malloc(p * p * sizeof *ref), *got = malloc(p * p * 8);
      as_dtype(dt, X, n * p);
      ts_crossprod(n, p, X, ref);
      tdm_buf *bX = ts_buf(ctx, dt, n, p, X), *bC = ts_buf(ctx, dt, p, p, NULL);
      cr_assert_eq(tdm_crossprod(ctx, bX, bC), TDM_OK, "%s", tdm_last_error());
      ts_read(bC, got);
      for (size_t j = 0; j < p; j++)
        for (size_t i = 0; i < p; i++) {
          double e = ref[i + j * p], g = got[i + j * p];
          cr_assert(fabs(g - e) <= tol * (double)n, "%s %zux%zu C[%zu,%zu] %.17g vs %.17g",
                    tdm_dtype_name(dt), n, p, i, j, g, e);
          cr_assert(ts_same_bits(g, got[j + i * p]), "C is exactly symmetric");
        }
      tdm_buf_destroy(bX), tdm_buf_destroy(bC);
      free(X), free(ref), free(got);
    }
  }
  tdm_ctx_destroy(ctx);
}

Test(linalg, cholesky_vs_reference_lower_zeroed) {
  static const size_t sizes[] = {1, 7, 33, 129, 200};
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  ts_rng r;
  ts_seed(&r, 77);
  for (int d = 0; d < 2; d++) {
    tdm_dtype dt = d ? TDM_F64 : TDM_F32;
    double tol = d ? 1e-12 : 1e-4;
    for (size_t s = 0; s < 5; s++) {
      size_t n = sizes[s];
      double *A = malloc(n * n * 8), *R = malloc(n * n * 8), *got = malloc(n * n * 8);
      ts_spd(&r, n, A);
      as_dtype(dt, A, n * n);
      cr_assert(ts_cholesky(n, A, R));
      tdm_buf *bA = ts_buf(ctx, dt, n, n, A);
      cr_assert_eq(tdm_cholesky(ctx, bA), TDM_OK, "%s", tdm_last_error());
      ts_read(bA, got);
      for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < n; i++) {
          if (i > j) {
            cr_assert_eq(got[i + j * n], 0.0, "below the diagonal is zeroed");
            continue;
          }
          cr_assert(fabs(got[i + j * n] - R[i + j * n]) <= tol,
                    "%s n=%zu R[%zu,%zu] %.17g vs %.17g", tdm_dtype_name(dt), n, i, j,
                    got[i + j * n], R[i + j * n]);
        }
      tdm_buf_destroy(bA);
      free(A), free(R), free(got);
    }
  }
  tdm_ctx_destroy(ctx);
}

Test(linalg, not_positive_definite_is_numeric) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  double a[4] = {1, 2, 2, 1}; /* eigenvalues 3 and -1 */
  for (int d = 0; d < 2; d++) {
    tdm_buf *A = ts_buf(ctx, d ? TDM_F64 : TDM_F32, 2, 2, a);
    cr_assert_eq(tdm_cholesky(ctx, A), TDM_ERR_NUMERIC);
    cr_assert(strstr(tdm_last_error(), "tdm_cholesky: A: not positive definite") ==
                  tdm_last_error(), "%s", tdm_last_error());
    cr_assert(strstr(tdm_last_error(), "order 2"), "%s", tdm_last_error());
    tdm_buf_destroy(A);
  }
  double nan4[4] = {NAN, 0, 0, 1};
  tdm_buf *A = ts_buf(ctx, TDM_F64, 2, 2, nan4), *B = ts_buf(ctx, TDM_F64, 2, 1, a);
  cr_assert_eq(tdm_cholesky(ctx, A), TDM_ERR_NUMERIC, "a NaN pivot: %s", tdm_last_error());
  double inf4[4] = {4, 1, 1, INFINITY}, nanup[9] = {4, 0, 0, NAN, 4, 0, 0, 0, 4};
  cr_assert_eq(tdm_buf_write(A, inf4), TDM_OK);
  cr_assert_eq(tdm_cholesky(ctx, A), TDM_ERR_NUMERIC, "an infinite pivot");
  cr_assert(strstr(tdm_last_error(), "not finite"), "%s", tdm_last_error());
  tdm_buf *A3 = ts_buf(ctx, TDM_F64, 3, 3, nanup);
  cr_assert_eq(tdm_cholesky(ctx, A3), TDM_ERR_NUMERIC, "NaN above the diagonal");
  tdm_buf_destroy(A3);
  cr_assert_eq(tdm_buf_write(A, a), TDM_OK);
  cr_assert_eq(tdm_solve_spd(ctx, A, B), TDM_ERR_NUMERIC);
  cr_assert(strstr(tdm_last_error(), "tdm_solve_spd: A: not positive definite") == tdm_last_error(),
            "%s", tdm_last_error());
  tdm_buf_destroy(A), tdm_buf_destroy(B);
  tdm_ctx_destroy(ctx);
}

Test(linalg, solve_spd_residual_and_factor) {
  static const size_t cases[][2] = {{1, 1}, {33, 3}, {129, 5}};
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  ts_rng r;
  ts_seed(&r, 5150);
  for (int d = 0; d < 2; d++) {
    tdm_dtype dt = d ? TDM_F64 : TDM_F32;
    double tol = d ? 1e-13 : 1e-5;
    for (size_t c = 0; c < 3; c++) {
      size_t n = cases[c][0], k = cases[c][1];
      double *A = malloc(n * n * 8), *B = rnd(&r, n * k), *X = malloc(n * k * 8);
      double *R = malloc(n * n * 8), *Rg = malloc(n * n * 8), *AX = malloc(n * k * 8);
      ts_spd(&r, n, A);
      as_dtype(dt, A, n * n), as_dtype(dt, B, n * k);
      tdm_buf *bA = ts_buf(ctx, dt, n, n, A), *bB = ts_buf(ctx, dt, n, k, B);
      cr_assert_eq(tdm_solve_spd(ctx, bA, bB), TDM_OK, "%s", tdm_last_error());
      ts_read(bB, X);
      ts_read(bA, Rg);
      /* residual |A X - B| against |A| |X| */
      double *bound = malloc(n * k * 8);
      memcpy(AX, B, n * k * 8);
      ts_gemm(0, 0, n, k, n, 1.0, A, n, X, n, -1.0, AX, n, bound);
      for (size_t i = 0; i < n * k; i++)
        cr_assert(fabs(AX[i]) <= tol * 10 * bound[i] + 1e-300, "%s n=%zu residual[%zu] %.3g (scale %.3g)",
                  tdm_dtype_name(dt), n, i, AX[i], bound[i]);
      /* A was overwritten by its Cholesky factor */
      cr_assert(ts_cholesky(n, A, R));
      for (size_t i = 0; i < n * n; i++)
        cr_assert(fabs(Rg[i] - R[i]) <= (d ? 1e-12 : 1e-4), "A := R [%zu] %.17g vs %.17g", i,
                  Rg[i], R[i]);
      tdm_buf_destroy(bA), tdm_buf_destroy(bB);
      free(A), free(B), free(X), free(R), free(Rg), free(AX), free(bound);
    }
  }
  tdm_ctx_destroy(ctx);
}

#define BAD(call, msg)                                                         \
  do {                                                                         \
    cr_assert_eq(call, TDM_ERR_INVALID, #call);                                \
    cr_assert(strstr(tdm_last_error(), msg) == tdm_last_error(), "%s", tdm_last_error()); \
  } while (0)

Test(linalg, shape_dtype_alias_errors) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1), *other = ts_ctx(TDM_CPU, 1);
  tdm_buf *A23 = ts_buf(ctx, TDM_F64, 2, 3, NULL), *B34 = ts_buf(ctx, TDM_F64, 3, 4, NULL);
  tdm_buf *C24 = ts_buf(ctx, TDM_F64, 2, 4, NULL), *C33 = ts_buf(ctx, TDM_F64, 3, 3, NULL);
  tdm_buf *F34 = ts_buf(ctx, TDM_F32, 3, 4, NULL), *S33 = ts_buf(ctx, TDM_F64, 3, 3, NULL);
  tdm_buf *I33, *O24 = ts_buf(other, TDM_F64, 2, 4, NULL), *B31 = ts_buf(ctx, TDM_F64, 3, 1, NULL);
  tdm_buf *B21 = ts_buf(ctx, TDM_F64, 2, 1, NULL), *F31 = ts_buf(ctx, TDM_F32, 3, 1, NULL);
  cr_assert_eq(tdm_buf_create(ctx, TDM_I32, 3, 3, &I33), TDM_OK);
  /* gemm */
  cr_assert_eq(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1, A23, B34, 0, C24), TDM_OK);
  BAD(tdm_gemm(NULL, TDM_NOTRANS, TDM_NOTRANS, 1, A23, B34, 0, C24), "tdm_gemm: ctx: is NULL");
  BAD(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1, NULL, B34, 0, C24), "tdm_gemm: A: is NULL");
  BAD(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1, A23, NULL, 0, C24), "tdm_gemm: B: is NULL");
  BAD(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1, A23, B34, 0, NULL), "tdm_gemm: C: is NULL");
  BAD(tdm_gemm(ctx, TDM_TRANS, TDM_NOTRANS, 1, A23, B34, 0, C24), "tdm_gemm: op(A) is 3 x 2 but op(B) is 3 x 4");
  BAD(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1, A23, B34, 0, C33), "tdm_gemm: C: 3 x 3, expected 2 x 4");
  BAD(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1, A23, F34, 0, C24), "tdm_gemm: B is f32 but A is f64");
  BAD(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1, I33, I33, 0, C33), "tdm_gemm: A: dtype i32");
  BAD(tdm_gemm(ctx, (tdm_trans)5, TDM_NOTRANS, 1, A23, B34, 0, C24), "tdm_gemm: ta: 5 is not a tdm_trans");
  BAD(tdm_gemm(ctx, TDM_NOTRANS, (tdm_trans)-1, 1, A23, B34, 0, C24), "tdm_gemm: tb: -1");
  BAD(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1, S33, C33, 0, S33), "tdm_gemm: C: must not alias A or B");
  BAD(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1, A23, B34, 0, O24), "tdm_gemm: C: belongs to another context");
  /* crossprod */
  BAD(tdm_crossprod(ctx, A23, C24), "tdm_crossprod: C: 2 x 4, expected 3 x 3");
  BAD(tdm_crossprod(ctx, S33, S33), "tdm_crossprod: C: must not alias X");
  BAD(tdm_crossprod(ctx, F34, C33), "tdm_crossprod: C is f64 but X is f32");
  BAD(tdm_crossprod(ctx, I33, C33), "tdm_crossprod: X: dtype i32");
  BAD(tdm_crossprod(ctx, NULL, C33), "tdm_crossprod: X: is NULL");
  BAD(tdm_crossprod(NULL, S33, C33), "tdm_crossprod: ctx: is NULL");
  /* cholesky */
  BAD(tdm_cholesky(ctx, A23), "tdm_cholesky: A: 2 x 3 is not square");
  BAD(tdm_cholesky(ctx, I33), "tdm_cholesky: A: dtype i32");
  BAD(tdm_cholesky(ctx, NULL), "tdm_cholesky: A: is NULL");
  BAD(tdm_cholesky(NULL, S33), "tdm_cholesky: ctx: is NULL");
  /* solve */
  BAD(tdm_solve_spd(ctx, S33, B21), "tdm_solve_spd: B: 2 rows, A is 3 x 3");
  BAD(tdm_solve_spd(ctx, S33, F31), "tdm_solve_spd: B is f32 but A is f64");
  BAD(tdm_solve_spd(ctx, S33, S33), "tdm_solve_spd: B: must not alias A");
  BAD(tdm_solve_spd(ctx, A23, B31), "tdm_solve_spd: A: 2 x 3 is not square");
  BAD(tdm_solve_spd(ctx, S33, NULL), "tdm_solve_spd: B: is NULL");
  tdm_stats st;
  tdm_ctx_stats(ctx, &st);
  cr_assert_eq(st.cpu_ops, 1, "only the one valid call ran");
  tdm_buf *l[] = {A23, B34, C24, C33, F34, S33, I33, B31, B21, F31};
  for (size_t i = 0; i < sizeof l / sizeof l[0]; i++) tdm_buf_destroy(l[i]);
  tdm_buf_destroy(O24);
  tdm_ctx_destroy(ctx);
  tdm_ctx_destroy(other);
}
