/* view_ops_check.h -- the "op on a view == op on a copy of the window"
 * checks, run on any context (test_view_ops.c: CPU and sim; test_cuda_views.c:
 * the fake GPU). Each operand is a strided window of a larger buffer
 * filled with known values; the result is compared with the long-double
 * reference on the packed window, and every element outside the output
 * window must be unchanged. */
#ifndef TDM_VIEW_OPS_CHECK_H
#define TDM_VIEW_OPS_CHECK_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support/support.h"

/* A big R x C buffer of distinct values and a window of it. */
typedef struct {
  tdm_buf *big, *v;
  size_t R, C, r0, c0, r, c;
  double *h; /* big's values */
} vo_win;

static __attribute__((unused)) vo_win vo_make(tdm_ctx *ctx, size_t R, size_t C, size_t r0, size_t c0, size_t r, size_t c,
                      uint64_t seed) {
  vo_win w = {NULL, NULL, R, C, r0, c0, r, c, malloc(R * C * sizeof(double))};
  ts_rng g;
  ts_seed(&g, seed);
  ts_fill(&g, w.h, R * C, -1, 1);
  w.big = ts_buf(ctx, TDM_F64, R, C, w.h);
  cr_assert_eq(tdm_buf_view(w.big, r0, c0, r, c, &w.v), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_ld(w.v), R);
  return w;
}

/* The packed window of w's host values. */
static __attribute__((unused)) double *vo_pack(const vo_win *w) {
  double *p = malloc(w->r * w->c * sizeof *p);
  for (size_t j = 0; j < w->c; j++)
    for (size_t i = 0; i < w->r; i++) p[i + j * w->r] = w->h[w->r0 + i + (w->c0 + j) * w->R];
  return p;
}

/* Reads w.big: the window must hold want (packed) within tol of scale,
 * everything else exactly w.h. */
static __attribute__((unused)) void vo_expect(const vo_win *w, const double *want, double tol, const char *what) {
  double *got = malloc(w->R * w->C * sizeof *got);
  cr_assert_eq(tdm_buf_read(w->big, got), TDM_OK, "%s", tdm_last_error());
  for (size_t j = 0; j < w->C; j++)
    for (size_t i = 0; i < w->R; i++) {
      double g = got[i + j * w->R];
      int in = i >= w->r0 && i < w->r0 + w->r && j >= w->c0 && j < w->c0 + w->c;
      if (!in) {
        cr_assert_eq(g, w->h[i + j * w->R], "%s: (%zu, %zu) outside the window changed", what, i, j);
        continue;
      }
      double e = want[(i - w->r0) + (j - w->c0) * w->r];
      cr_assert(fabs(g - e) <= tol * (1 + fabs(e)), "%s: (%zu, %zu) = %.17g, want %.17g", what, i,
                j, g, e);
    }
  free(got);
}

static __attribute__((unused)) void vo_free(vo_win *w) {
  tdm_buf_destroy(w->v);
  tdm_buf_destroy(w->big);
  free(w->h);
}

static __attribute__((unused)) void vo_gemm(tdm_ctx *ctx) {
  size_t m = 7, n = 5, k = 6;
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++)
      for (int bz = 0; bz < 2; bz++) {
        double beta = bz ? 0.0 : -0.5;
        vo_win A = vo_make(ctx, 15, 12, 3, 2, ta ? k : m, ta ? m : k, 1);
        vo_win B = vo_make(ctx, 11, 14, 1, 4, tb ? n : k, tb ? k : n, 2);
        vo_win C = vo_make(ctx, 10, 9, 2, 3, m, n, 3);
        double *a = vo_pack(&A), *b = vo_pack(&B), *c = vo_pack(&C);
        cr_assert_eq(tdm_gemm(ctx, ta ? TDM_TRANS : TDM_NOTRANS, tb ? TDM_TRANS : TDM_NOTRANS, 1.5,
                              A.v, B.v, beta, C.v),
                     TDM_OK, "%s", tdm_last_error());
        ts_gemm(ta, tb, m, n, k, 1.5, a, A.r, b, B.r, beta, c, m, NULL);
        vo_expect(&C, c, 1e-13, "gemm");
        vo_expect(&A, a, 0, "gemm leaves A");
        free(a);
        free(b);
        free(c);
        vo_free(&A);
        vo_free(&B);
        vo_free(&C);
      }
}

static __attribute__((unused)) void vo_crossprod(tdm_ctx *ctx) {
  vo_win X = vo_make(ctx, 40, 9, 5, 2, 30, 6, 4), C = vo_make(ctx, 11, 10, 3, 1, 6, 6, 5);
  double *x = vo_pack(&X), ref[36];
  ts_crossprod(30, 6, x, ref);
  cr_assert_eq(tdm_crossprod(ctx, X.v, C.v), TDM_OK, "%s", tdm_last_error());
  vo_expect(&C, ref, 1e-13, "crossprod");
  free(x);
  vo_free(&X);
  vo_free(&C);
}

/* An SPD n x n window (the rest random) and its reference factor. */
static __attribute__((unused)) vo_win vo_spd(tdm_ctx *ctx, size_t n, double *R) {
  vo_win A = vo_make(ctx, n + 5, n + 4, 3, 2, n, n, 6);
  ts_rng g;
  ts_seed(&g, 9);
  double *s = malloc(n * n * sizeof *s);
  ts_spd(&g, n, s);
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) A.h[A.r0 + i + (A.c0 + j) * A.R] = s[i + j * n];
  cr_assert_eq(tdm_buf_write(A.big, A.h), TDM_OK);
  cr_assert(ts_cholesky(n, s, R));
  free(s);
  return A;
}

static __attribute__((unused)) void vo_cholesky(tdm_ctx *ctx) {
  size_t n = 9;
  double R[81];
  vo_win A = vo_spd(ctx, n, R);
  cr_assert_eq(tdm_cholesky(ctx, A.v), TDM_OK, "%s", tdm_last_error());
  vo_expect(&A, R, 1e-12, "cholesky (lower part zeroed inside the window only)");
  vo_free(&A);
}

static __attribute__((unused)) void vo_solve(tdm_ctx *ctx) {
  size_t n = 8, k = 3;
  double R[64];
  vo_win A = vo_spd(ctx, n, R);
  vo_win B = vo_make(ctx, 13, 7, 4, 2, n, k, 7);
  double *a = vo_pack(&A), *b = vo_pack(&B), x[24];
  cr_assert_eq(tdm_solve_spd(ctx, A.v, B.v), TDM_OK, "%s", tdm_last_error());
  /* X from the reference factor: R'R x = b */
  for (size_t c = 0; c < k; c++) {
    long double y[8];
    for (size_t i = 0; i < n; i++) { /* R' y = b */
      long double s = b[i + c * n];
      for (size_t l = 0; l < i; l++) s -= (long double)R[l + i * n] * y[l];
      y[i] = s / R[i + i * n];
    }
    for (size_t i = n; i-- > 0;) { /* R x = y */
      long double s = y[i];
      for (size_t l = i + 1; l < n; l++) s -= (long double)R[i + l * n] * x[l + c * n];
      x[i + c * n] = (double)(s / R[i + i * n]);
    }
  }
  vo_expect(&B, x, 1e-11, "solve_spd");
  vo_expect(&A, R, 1e-12, "solve_spd leaves the factor");
  free(a);
  free(b);
  vo_free(&A);
  vo_free(&B);
}

/* Ops that do not take ld yet: a contiguous view works, a strided one is refused. */
static __attribute__((unused)) void vo_contig_only(tdm_ctx *ctx) {
  vo_win X = vo_make(ctx, 20, 6, 0, 1, 20, 3, 8); /* whole columns: contiguous */
  double *x = vo_pack(&X), out;
  tdm_reduce_op op = TDM_SUM;
  cr_assert_eq(tdm_reduce(ctx, X.v, 1, &op, &out), TDM_OK, "%s", tdm_last_error());
  long double s = 0;
  for (size_t i = 0; i < 60; i++) s += x[i];
  cr_assert(fabs(out - (double)s) < 1e-12, "sum of a contiguous view");
  for (size_t i = 0; i < 60; i++) x[i] = 2 * x[i] + 1;
  cr_assert_eq(tdm_eval(ctx, "2 * x + 1", "x", X.v, (tdm_buf *[]){X.v}), TDM_OK, "%s",
               tdm_last_error());
  vo_expect(&X, x, 1e-15, "eval into a contiguous view");
  tdm_buf *sv;
  cr_assert_eq(tdm_buf_view(X.big, 1, 1, 5, 2, &sv), TDM_OK);
  cr_assert_eq(tdm_reduce(ctx, sv, 1, &op, &out), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_reduce: x: a view with leading dimension 20 != its 5 rows"),
            "%s", tdm_last_error());
  cr_assert_eq(tdm_eval(ctx, "x + 1", "x", sv, (tdm_buf *[]){sv}), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_eval"), "%s", tdm_last_error());
  tdm_buf_destroy(sv);
  free(x);
  vo_free(&X);
}

/* Aliasing is by storage: overlapping windows are refused, disjoint ones of one storage work. */
static __attribute__((unused)) void vo_alias(tdm_ctx *ctx) {
  vo_win X = vo_make(ctx, 12, 12, 0, 0, 6, 6, 10);
  tdm_buf *C;
  cr_assert_eq(tdm_buf_view(X.big, 4, 4, 6, 6, &C), TDM_OK);
  cr_assert_eq(tdm_crossprod(ctx, X.v, C), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_crossprod: C: must not alias X"), "%s", tdm_last_error());
  cr_assert_eq(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1, X.v, X.v, 0, C), TDM_ERR_INVALID);
  tdm_buf_destroy(C);
  cr_assert_eq(tdm_buf_view(X.big, 6, 6, 6, 6, &C), TDM_OK);
  double *x = vo_pack(&X), ref[36];
  ts_crossprod(6, 6, x, ref);
  cr_assert_eq(tdm_crossprod(ctx, X.v, C), TDM_OK, "%s", tdm_last_error());
  for (size_t j = 0; j < 6; j++)
    for (size_t i = 0; i < 6; i++) X.h[6 + i + (6 + j) * 12] = ref[i + j * 6];
  X.r = X.R; /* now compare all of it */
  X.c = X.C;
  X.r0 = X.c0 = 0;
  vo_expect(&X, X.h, 1e-13, "crossprod into a disjoint window of the same storage");
  free(x);
  tdm_buf_destroy(C);
  vo_free(&X);
}

#endif
