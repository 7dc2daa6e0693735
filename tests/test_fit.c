/* test_fit.c -- the model-fitting calls (gemv, crossprod_w, solve_tri,
 * chol_inverse, lstsq, eigh, svd) on the CPU and the sim device, f32 and
 * f64, against their defining properties (fit_check.h); singular and
 * rank-deficient inputs; inputs unchanged byte for byte (on sim, the
 * device copy); padded leading dimensions through the CPU kernels; shape,
 * dtype and alias errors; allocation failure injected at every site. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "cpu/fit.h"
#include "cpu/isa.h"
#include "fit_check.h"
#include "support/support.h"

static const tdm_backend backs[] = {TDM_CPU, TDM_SIM};

static double *rnd(ts_rng *r, tdm_dtype dt, size_t n, double lo, double hi) {
  double *x = malloc((n ? n : 1) * sizeof *x);
  cr_assert(x);
  ts_fill(r, x, n, lo, hi);
  if (dt == TDM_F32)
    for (size_t i = 0; i < n; i++) x[i] = (float)x[i];
  return x;
}

static double *rdb(tdm_buf *b) {
  double *x = malloc(tdm_buf_rows(b) * tdm_buf_cols(b) * sizeof *x);
  cr_assert(x);
  ts_read(b, x);
  return x;
}

/* The bytes of b where ops run: on a device, through a device-side copy
 * (so a kernel that wrote into its input shows), else the host copy. */
static void *bytes_of(tdm_ctx *ctx, tdm_buf *b) {
  size_t n = tdm_buf_rows(b) * tdm_buf_cols(b) * tdm_dtype_size(tdm_buf_dtype(b));
  void *p = malloc(n);
  tdm_buf *c = NULL;
  cr_assert_eq(tdm_buf_create(ctx, tdm_buf_dtype(b), tdm_buf_rows(b), tdm_buf_cols(b), &c), TDM_OK);
  tdm_buf *in[1] = {b};
  cr_assert_eq(tdm_eval(ctx, "x", "x", c, in), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_read(c, p), TDM_OK);
  tdm_buf_destroy(c);
  return p;
}

static void same_bytes(tdm_ctx *ctx, tdm_buf *b, const void *before, const char *what) {
  void *now = bytes_of(ctx, b);
  size_t n = tdm_buf_rows(b) * tdm_buf_cols(b) * tdm_dtype_size(tdm_buf_dtype(b));
  cr_assert(memcmp(now, before, n) == 0, "%s was changed", what);
  free(now);
}

#define OK(call) cr_assert_eq((call), TDM_OK, "%s: %s", #call, tdm_last_error())

Test(fit, gemv_both_transposes) {
  ts_rng r;
  ts_seed(&r, 1);
  for (size_t bi = 0; bi < 2; bi++)
    for (int d = 0; d < 2; d++)
      for (int ta = 0; ta < 2; ta++)
        for (int bet = 0; bet < 2; bet++) {
          tdm_dtype dt = d ? TDM_F64 : TDM_F32;
          tdm_ctx *ctx = ts_ctx(backs[bi], 2);
          size_t m = 37, n = 23, lx = ta ? m : n, ly = ta ? n : m;
          double *A = rnd(&r, dt, m * n, -1, 1), *x = rnd(&r, dt, lx, -1, 1), *y0 = rnd(&r, dt, ly, -1, 1);
          double beta = bet ? -0.75 : 0.0;
          tdm_buf *bA = ts_buf(ctx, dt, m, n, A), *bx = ts_buf(ctx, dt, bet ? lx : 1, bet ? 1 : lx, x);
          tdm_buf *by = ts_buf(ctx, dt, ly, 1, y0);
          void *a0 = bytes_of(ctx, bA);
          OK(tdm_gemv(ctx, ta ? TDM_TRANS : TDM_NOTRANS, 1.25, bA, bx, beta, by));
          double *y = rdb(by);
          double q = fc_gemv(fc_eps(dt), ta, m, n, 1.25, A, m, x, 1, beta, y0, y, 1);
          cr_assert_leq(q, 1.0, "%s %s ta=%d beta=%g: error %.3g of the bound",
                        tdm_backend_name(backs[bi]), tdm_dtype_name(dt), ta, beta, q);
          same_bytes(ctx, bA, a0, "A");
          free(a0), free(A), free(x), free(y0), free(y);
          tdm_buf_destroy(bA), tdm_buf_destroy(bx), tdm_buf_destroy(by);
          tdm_ctx_destroy(ctx);
        }
}

/* A tall A runs in parts on the pool (one per thread, each a one-thread
 * gemv; A' sums the parts in order): the same bound, x and y as views
 * with a stride, beta 0 with NaN in y (not read) and beta != 0. */
Test(fit, gemv_tall_in_parts) {
  ts_rng r;
  ts_seed(&r, 31);
  for (size_t bi = 0; bi < 2; bi++)
    for (int d = 0; d < 2; d++)
      for (int ta = 0; ta < 2; ta++)
        for (int bet = 0; bet < 2; bet++) {
          tdm_dtype dt = d ? TDM_F64 : TDM_F32;
          tdm_ctx *ctx = ts_ctx(backs[bi], 3);
          size_t m = 200003, n = 5, lx = ta ? m : n, ly = ta ? n : m;
          double *A = rnd(&r, dt, m * n, -1, 1), *x = rnd(&r, dt, 2 * lx, -1, 1);
          double *y0 = rnd(&r, dt, 2 * ly, -1, 1), beta = bet ? -0.75 : 0.0;
          if (!bet) y0[0] = NAN;
          /* x and y: row 0 of 2 x l buffers, so their increments are 2 */
          tdm_buf *bA = ts_buf(ctx, dt, m, n, A), *bx2 = ts_buf(ctx, dt, 2, lx, x);
          tdm_buf *by2 = ts_buf(ctx, dt, 2, ly, y0), *bx, *by;
          OK(tdm_buf_view(bx2, 0, 0, 1, lx, &bx));
          OK(tdm_buf_view(by2, 0, 0, 1, ly, &by));
          OK(tdm_gemv(ctx, ta ? TDM_TRANS : TDM_NOTRANS, 1.25, bA, bx, beta, by));
          double *y = rdb(by2);
          double y00 = y0[0];
          if (!bet) y0[0] = 0; /* the reference's y: beta 0 must not have read the NaN */
          double q = fc_gemv(fc_eps(dt), ta, m, n, 1.25, A, m, x, 2, beta, y0, y, 2);
          y0[0] = y00;
          cr_assert_leq(q, 1.0, "%s %s ta=%d beta=%g: error %.3g of the bound",
                        tdm_backend_name(backs[bi]), tdm_dtype_name(dt), ta, beta, q);
          for (size_t i = 0; i < ly; i++) /* row 1 of y untouched */
            cr_assert_eq(y[2 * i + 1], y0[2 * i + 1], "y row 1, element %zu", i);
          free(A), free(x), free(y0), free(y);
          tdm_buf_destroy(bx), tdm_buf_destroy(by), tdm_buf_destroy(bA), tdm_buf_destroy(bx2);
          tdm_buf_destroy(by2);
          tdm_ctx_destroy(ctx);
        }
}

Test(fit, crossprod_w_negative_weights) {
  ts_rng r;
  ts_seed(&r, 2);
  /* p <= 160 runs the tile kernel (several tiles and parts from 13001 x 50),
   * wider X OpenBLAS's syrk */
  static const size_t dims[][2] = {{1, 1}, {5, 3}, {3000, 7}, {20011, 3}, {700, 130}, {13001, 50},
                                   {600, 170}};
  /* at the best ISA level (the tile kernel where it is built), then at the
   * scalar one (OpenBLAS's syrk for every p) */
  for (int lv = 0; lv < 2; lv++) {
    for (size_t bi = 0; bi < 2; bi++)
      for (int d = 0; d < 2; d++)
        for (size_t s = 0; s < sizeof dims / sizeof dims[0]; s++) {
          tdm__isa_force(lv ? TDM__ISA_SCALAR : -1);
          tdm_dtype dt = d ? TDM_F64 : TDM_F32;
          tdm_ctx *ctx = ts_ctx(backs[bi], 3);
          size_t n = dims[s][0], p = dims[s][1];
          double *X = rnd(&r, dt, n * p, -1, 1), *w = rnd(&r, dt, n, -1, 2);
          if (n > 2) w[1] = 0, w[2] = -0.0; /* zero weights are skipped */
          tdm_buf *bX = ts_buf(ctx, dt, n, p, X), *bw = ts_buf(ctx, dt, n, 1, w);
          tdm_buf *bC = ts_buf(ctx, dt, p, p, NULL);
          void *x0 = bytes_of(ctx, bX), *w0 = bytes_of(ctx, bw);
          OK(tdm_crossprod_w(ctx, bX, bw, bC));
          double *C = rdb(bC);
          double q = fc_xw(fc_eps(dt), n, p, X, n, w, C, p);
          cr_assert_leq(q, 1.0, "%s %s %zux%zu level %d: error %.3g of the bound",
                        tdm_backend_name(backs[bi]), tdm_dtype_name(dt), n, p, tdm__isa(), q);
          same_bytes(ctx, bX, x0, "X"), same_bytes(ctx, bw, w0, "w");
          free(x0), free(w0), free(X), free(w), free(C);
          tdm_buf_destroy(bX), tdm_buf_destroy(bw), tdm_buf_destroy(bC);
          tdm_ctx_destroy(ctx);
        }
  }
  tdm__isa_force(-1);
}

/* A row with weight 0 is left out, whatever X holds in it (inf, NaN):
 * C equals X'WX of the other rows. */
Test(fit, crossprod_w_zero_weight_rows_left_out) {
  ts_rng r;
  ts_seed(&r, 21);
  static const size_t ps[] = {7, 50, 170};
  for (size_t bi = 0; bi < 2; bi++)
    for (int d = 0; d < 2; d++)
      for (size_t s = 0; s < sizeof ps / sizeof ps[0]; s++) {
        tdm_dtype dt = d ? TDM_F64 : TDM_F32;
        tdm_ctx *ctx = ts_ctx(backs[bi], 2);
        size_t n = 1001, p = ps[s], m = 0;
        double *X = rnd(&r, dt, n * p, -1, 1), *w = rnd(&r, dt, n, 0.5, 2);
        double *X2 = malloc(n * p * sizeof *X2), *w2 = malloc(n * sizeof *w2);
        for (size_t i = 0; i < n; i++)
          if (i % 97 == 3) { /* dropped: weight 0, X non-finite */
            w[i] = 0;
            for (size_t c = 0; c < p; c++) X[i + c * n] = c % 2 ? INFINITY : NAN;
          }
        for (size_t i = 0; i < n; i++)
          if (w[i] != 0) {
            for (size_t c = 0; c < p; c++) X2[m + c * n] = X[i + c * n];
            w2[m++] = w[i];
          }
        tdm_buf *bX = ts_buf(ctx, dt, n, p, X), *bw = ts_buf(ctx, dt, n, 1, w), *bC = ts_buf(ctx, dt, p, p, NULL);
        OK(tdm_crossprod_w(ctx, bX, bw, bC));
        double *C = rdb(bC);
        double q = fc_xw(fc_eps(dt), m, p, X2, n, w2, C, p);
        cr_assert_leq(q, 1.0, "%s %s p=%zu: error %.3g of the bound", tdm_backend_name(backs[bi]),
                      tdm_dtype_name(dt), p, q);
        free(X), free(w), free(X2), free(w2), free(C);
        tdm_buf_destroy(bX), tdm_buf_destroy(bw), tdm_buf_destroy(bC);
        tdm_ctx_destroy(ctx);
      }
}

/* An upper factor R of a random SPD matrix, conditioned well enough. */
static double *factor(ts_rng *r, tdm_dtype dt, size_t n) {
  double *A = malloc(n * n * sizeof *A), *R = calloc(n * n, sizeof *R);
  ts_spd(r, n, A);
  cr_assert(ts_cholesky(n, A, R));
  if (dt == TDM_F32)
    for (size_t i = 0; i < n * n; i++) R[i] = (float)R[i];
  free(A);
  return R;
}

Test(fit, solve_tri_both_ways_and_singular) {
  ts_rng r;
  ts_seed(&r, 3);
  for (size_t bi = 0; bi < 2; bi++)
    for (int d = 0; d < 2; d++)
      for (int t = 0; t < 2; t++) {
        tdm_dtype dt = d ? TDM_F64 : TDM_F32;
        tdm_ctx *ctx = ts_ctx(backs[bi], 2);
        size_t n = 45, k = 3;
        double *R = factor(&r, dt, n), *B0 = rnd(&r, dt, n * k, -1, 1);
        tdm_buf *bR = ts_buf(ctx, dt, n, n, R), *bB = ts_buf(ctx, dt, n, k, B0);
        void *r0 = bytes_of(ctx, bR);
        OK(tdm_solve_tri(ctx, t ? TDM_TRANS : TDM_NOTRANS, bR, bB));
        double *X = rdb(bB);
        double q = fc_tri(fc_eps(dt), t, n, k, R, n, B0, n, X, n);
        cr_assert_leq(q, 1.0, "%s %s t=%d: %.3g", tdm_backend_name(backs[bi]), tdm_dtype_name(dt), t, q);
        same_bytes(ctx, bR, r0, "R");
        /* A zero pivot: TDM_ERR_NUMERIC naming it, B untouched. */
        R[17 + 17 * n] = 0;
        tdm_buf *bZ = ts_buf(ctx, dt, n, n, R), *bB2 = ts_buf(ctx, dt, n, k, B0);
        void *b0 = bytes_of(ctx, bB2);
        cr_assert_eq(tdm_solve_tri(ctx, t ? TDM_TRANS : TDM_NOTRANS, bZ, bB2), TDM_ERR_NUMERIC);
        cr_assert(strstr(tdm_last_error(), "tdm_solve_tri") && strstr(tdm_last_error(), "18"),
                  "%s", tdm_last_error());
        same_bytes(ctx, bB2, b0, "B on failure");
        free(r0), free(b0), free(R), free(B0), free(X);
        tdm_buf_destroy(bR), tdm_buf_destroy(bB), tdm_buf_destroy(bZ), tdm_buf_destroy(bB2);
        tdm_ctx_destroy(ctx);
      }
}

Test(fit, chol_inverse_times_a_is_identity) {
  ts_rng r;
  ts_seed(&r, 4);
  for (size_t bi = 0; bi < 2; bi++)
    for (int d = 0; d < 2; d++) {
      tdm_dtype dt = d ? TDM_F64 : TDM_F32;
      tdm_ctx *ctx = ts_ctx(backs[bi], 2);
      size_t n = 70;
      double *R = factor(&r, dt, n);
      for (size_t j = 0; j < n; j++) /* garbage below the diagonal: not read */
        for (size_t i = j + 1; i < n; i++) R[i + j * n] = 1e30;
      tdm_buf *bR = ts_buf(ctx, dt, n, n, R), *bA = ts_buf(ctx, dt, n, n, NULL);
      void *r0 = bytes_of(ctx, bR);
      OK(tdm_chol_inverse(ctx, bR, bA));
      double *Ai = rdb(bA);
      for (size_t j = 0; j < n; j++)
        for (size_t i = j + 1; i < n; i++) R[i + j * n] = 0;
      double q = fc_inv(fc_eps(dt), n, R, n, Ai, n);
      cr_assert_leq(q, 1.0, "%s %s: %.3g", tdm_backend_name(backs[bi]), tdm_dtype_name(dt), q);
      same_bytes(ctx, bR, r0, "R");
      R[5 + 5 * n] = 0;
      tdm_buf *bZ = ts_buf(ctx, dt, n, n, R);
      cr_assert_eq(tdm_chol_inverse(ctx, bZ, bA), TDM_ERR_NUMERIC);
      cr_assert(strstr(tdm_last_error(), "tdm_chol_inverse") && strstr(tdm_last_error(), "6"),
                "%s", tdm_last_error());
      free(r0), free(R), free(Ai);
      tdm_buf_destroy(bR), tdm_buf_destroy(bA), tdm_buf_destroy(bZ);
      tdm_ctx_destroy(ctx);
    }
}

Test(fit, lstsq_normal_equations_hold) {
  ts_rng r;
  ts_seed(&r, 5);
  /* short (one QR), tall (TSQR over blocks and threads), square */
  static const size_t dims[][3] = {{200, 7, 3}, {60000, 5, 2}, {40, 40, 1}, {100003, 12, 1}};
  /* at the best ISA level (the tile kernel where it is built), then at the
   * scalar one (OpenBLAS's syrk for every p) */
  for (int lv = 0; lv < 2; lv++)
  for (size_t bi = 0; bi < 2; bi++)
    for (int d = 0; d < 2; d++)
      for (size_t s = 0; s < sizeof dims / sizeof dims[0]; s++) {
        tdm__isa_force(lv ? TDM__ISA_SCALAR : -1);
        tdm_dtype dt = d ? TDM_F64 : TDM_F32;
        tdm_ctx *ctx = ts_ctx(backs[bi], 3);
        size_t n = dims[s][0], p = dims[s][1], k = dims[s][2];
        double *X = rnd(&r, dt, n * p, -1, 1), *Y = rnd(&r, dt, n * k, -2, 2);
        for (size_t i = 0; i < n; i++) X[i] = 1; /* an intercept */
        tdm_buf *bX = ts_buf(ctx, dt, n, p, X), *bY = ts_buf(ctx, dt, n, k, Y), *bB = ts_buf(ctx, dt, p, k, NULL);
        void *x0 = bytes_of(ctx, bX), *y0 = bytes_of(ctx, bY);
        OK(tdm_lstsq(ctx, bX, bY, bB));
        double *B = rdb(bB);
        double q = fc_lstsq(fc_eps(dt), n, p, k, X, n, Y, n, B, p);
        cr_assert_leq(q, 1.0, "%s %s %zux%zu: %.3g", tdm_backend_name(backs[bi]), tdm_dtype_name(dt), n, p, q);
        same_bytes(ctx, bX, x0, "X"), same_bytes(ctx, bY, y0, "Y");
        free(x0), free(y0), free(X), free(Y), free(B);
        tdm_buf_destroy(bX), tdm_buf_destroy(bY), tdm_buf_destroy(bB);
        tdm_ctx_destroy(ctx);
      }
}

Test(fit, lstsq_rank_deficient) {
  ts_rng r;
  ts_seed(&r, 6);
  static const size_t ns[] = {300, 50000};
  for (size_t bi = 0; bi < 2; bi++)
    for (int d = 0; d < 2; d++)
      for (size_t s = 0; s < 2; s++)
        for (int kind = 0; kind < 2; kind++) {
          tdm_dtype dt = d ? TDM_F64 : TDM_F32;
          tdm_ctx *ctx = ts_ctx(backs[bi], 2);
          size_t n = ns[s], p = 6;
          double *X = rnd(&r, dt, n * p, -1, 1), *Y = rnd(&r, dt, n, -1, 1);
          for (size_t i = 0; i < n; i++) /* column 4 = col 0 - 2 col 1, or zero */
            X[i + 4 * n] = kind ? 0 : X[i] - 2 * X[i + n];
          tdm_buf *bX = ts_buf(ctx, dt, n, p, X), *bY = ts_buf(ctx, dt, n, 1, Y), *bB = ts_buf(ctx, dt, p, 1, NULL);
          cr_assert_eq(tdm_lstsq(ctx, bX, bY, bB), TDM_ERR_NUMERIC, "%s %s n=%zu kind=%d",
                       tdm_backend_name(backs[bi]), tdm_dtype_name(dt), n, kind);
          const char *m = tdm_last_error();
          cr_assert(strstr(m, "tdm_lstsq: X: numerically rank-deficient: column 4") && strstr(m, "pivot"),
                    "%s", m);
          free(X), free(Y);
          tdm_buf_destroy(bX), tdm_buf_destroy(bY), tdm_buf_destroy(bB);
          tdm_ctx_destroy(ctx);
        }
}

Test(fit, eigh_reads_the_lower_triangle) {
  ts_rng r;
  ts_seed(&r, 7);
  for (size_t bi = 0; bi < 2; bi++)
    for (int d = 0; d < 2; d++)
      for (int vec = 0; vec < 2; vec++) {
        tdm_dtype dt = d ? TDM_F64 : TDM_F32;
        tdm_ctx *ctx = ts_ctx(backs[bi], 2);
        size_t n = 41;
        double *A = rnd(&r, dt, n * n, -1, 1);
        for (size_t j = 0; j < n; j++)
          for (size_t i = 0; i < j; i++) A[i + j * n] = NAN; /* the upper triangle is not read */
        tdm_buf *bA = ts_buf(ctx, dt, n, n, A), *bw = ts_buf(ctx, dt, vec ? n : 1, vec ? 1 : n, NULL);
        tdm_buf *bV = vec ? ts_buf(ctx, dt, n, n, NULL) : NULL;
        void *a0 = bytes_of(ctx, bA);
        OK(tdm_eigh(ctx, bA, bw, bV));
        double *w = rdb(bw), *V = vec ? rdb(bV) : NULL;
        double q = fc_eigh(fc_eps(dt), n, A, n, w, V, n);
        cr_assert_leq(q, 1.0, "%s %s: %.3g", tdm_backend_name(backs[bi]), tdm_dtype_name(dt), q);
        /* trace = sum of eigenvalues */
        long double tr = 0, sw = 0;
        for (size_t i = 0; i < n; i++) tr += A[i + i * n], sw += w[i];
        cr_assert(fabsl(tr - sw) <= 50 * n * fc_eps(dt), "trace %Lg vs %Lg", tr, sw);
        same_bytes(ctx, bA, a0, "A");
        free(a0), free(A), free(w), free(V);
        tdm_buf_destroy(bA), tdm_buf_destroy(bw), tdm_buf_destroy(bV);
        tdm_ctx_destroy(ctx);
      }
}

Test(fit, svd_reconstructs_with_orthonormal_factors) {
  ts_rng r;
  ts_seed(&r, 8);
  static const size_t dims[][2] = {{50, 9}, {9, 50}, {30, 30}, {1, 4}};
  for (size_t bi = 0; bi < 2; bi++)
    for (int d = 0; d < 2; d++)
      for (size_t s = 0; s < sizeof dims / sizeof dims[0]; s++)
        for (int mode = 0; mode < 3; mode++) { /* both, values only, U only */
          tdm_dtype dt = d ? TDM_F64 : TDM_F32;
          tdm_ctx *ctx = ts_ctx(backs[bi], 2);
          size_t m = dims[s][0], n = dims[s][1], k = m < n ? m : n;
          double *X = rnd(&r, dt, m * n, -1, 1);
          tdm_buf *bX = ts_buf(ctx, dt, m, n, X), *bs = ts_buf(ctx, dt, k, 1, NULL);
          tdm_buf *bU = mode != 1 ? ts_buf(ctx, dt, m, k, NULL) : NULL;
          tdm_buf *bV = mode == 0 ? ts_buf(ctx, dt, k, n, NULL) : NULL;
          void *x0 = bytes_of(ctx, bX);
          OK(tdm_svd(ctx, bX, bU, bs, bV));
          double *sv = rdb(bs), *U = bU ? rdb(bU) : NULL, *Vt = bV ? rdb(bV) : NULL;
          double q = fc_svd(fc_eps(dt), m, n, X, m, mode == 0 ? U : NULL, m, sv, Vt, k);
          cr_assert_leq(q, 1.0, "%s %s %zux%zu: %.3g", tdm_backend_name(backs[bi]), tdm_dtype_name(dt), m, n, q);
          /* sum s^2 = ||X||_F^2 */
          long double f = fc_fro(m, n, X, m), ss = 0;
          for (size_t i = 0; i < k; i++) ss += (long double)sv[i] * sv[i];
          cr_assert(fabsl(sqrtl(ss) - f) <= 20 * (m + n) * fc_eps(dt) * f, "norm");
          if (mode == 2) /* U's columns orthonormal */
            for (size_t a = 0; a < k; a++) {
              long double o = 0;
              for (size_t i = 0; i < m; i++) o += (long double)U[i + a * m] * U[i + a * m];
              cr_assert(fabsl(o - 1) <= 8 * m * fc_eps(dt), "U col %zu", a);
            }
          same_bytes(ctx, bX, x0, "X");
          free(x0), free(X), free(sv), free(U), free(Vt);
          tdm_buf_destroy(bX), tdm_buf_destroy(bs), tdm_buf_destroy(bU), tdm_buf_destroy(bV);
          tdm_ctx_destroy(ctx);
        }
}

/* ---- padded leading dimensions, through the CPU kernels --------------------- */
#define PAD 3
#define SENT -777.25
/* An m x n matrix in an (m + PAD) x n array whose pad rows hold SENT. */
static double *padded(const double *A, size_t m, size_t n) {
  size_t ld = m + PAD;
  double *P = malloc(ld * n * sizeof *P);
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < ld; i++) P[i + j * ld] = i < m ? A[i + j * m] : SENT;
  return P;
}
static void pad_intact(const double *P, size_t m, size_t n, const char *what) {
  for (size_t j = 0; j < n; j++)
    for (size_t i = m; i < m + PAD; i++)
      cr_assert_eq(P[i + j * (m + PAD)], SENT, "%s: pad (%zu,%zu) written", what, i, j);
}

Test(fit, padded_ld_cpu_kernels) {
  ts_rng r;
  ts_seed(&r, 9);
  tdm__cpu cpu = {2};
  const tdm_dtype dt = TDM_F64;
  double eps = fc_eps(dt);
  { /* gemv, y a strided row */
    size_t m = 19, n = 11;
    double *A = rnd(&r, dt, m * n, -1, 1), *x = rnd(&r, dt, n, -1, 1), y[19 * 4], y0[19 * 4];
    for (size_t i = 0; i < 19 * 4; i++) y[i] = y0[i] = SENT;
    double *PA = padded(A, m, n);
    OK(tdm__cpu_gemv(&cpu, dt, TDM_NOTRANS, m, n, 2.0, PA, m + PAD, x, 1, 0.0, y, 4));
    cr_assert_leq(fc_gemv(eps, 0, m, n, 2.0, PA, m + PAD, x, 1, 0.0, y0, y, 4), 1.0);
    for (size_t i = 0; i < 19 * 4; i++)
      if (i % 4) cr_assert_eq(y[i], SENT);
    free(A), free(x), free(PA);
  }
  { /* crossprod_w, X and C padded */
    size_t n = 5000, p = 9;
    double *X = rnd(&r, dt, n * p, -1, 1), *w = rnd(&r, dt, n, -1, 1), *C0 = rnd(&r, dt, p * p, 0, 0);
    double *PX = padded(X, n, p), *PC = padded(C0, p, p);
    OK(tdm__cpu_crossprod_w(&cpu, dt, n, p, PX, n + PAD, w, PC, p + PAD));
    cr_assert_leq(fc_xw(eps, n, p, PX, n + PAD, w, PC, p + PAD), 1.0);
    pad_intact(PC, p, p, "C");
    free(X), free(w), free(C0), free(PX), free(PC);
  }
  { /* solve_tri and chol_inverse */
    size_t n = 23, k = 2;
    double *R = factor(&r, dt, n), *B = rnd(&r, dt, n * k, -1, 1), *Z = rnd(&r, dt, n * n, 0, 0);
    double *PR = padded(R, n, n), *PB = padded(B, n, k), *PA = padded(Z, n, n);
    for (int t = 0; t < 2; t++) {
      double *PB2 = padded(B, n, k);
      OK(tdm__cpu_solve_tri(&cpu, dt, t, n, k, PR, n + PAD, PB2, n + PAD));
      cr_assert_leq(fc_tri(eps, t, n, k, PR, n + PAD, PB, n + PAD, PB2, n + PAD), 1.0);
      pad_intact(PB2, n, k, "B");
      free(PB2);
    }
    OK(tdm__cpu_chol_inverse(&cpu, dt, n, PR, n + PAD, PA, n + PAD));
    cr_assert_leq(fc_inv(eps, n, PR, n + PAD, PA, n + PAD), 1.0);
    pad_intact(PA, n, n, "Ainv");
    free(R), free(B), free(Z), free(PR), free(PB), free(PA);
  }
  { /* lstsq, both paths */
    static const size_t ns[] = {150, 70000};
    for (int s = 0; s < 2; s++) {
      size_t n = ns[s], p = 4, k = 2;
      double *X = rnd(&r, dt, n * p, -1, 1), *Y = rnd(&r, dt, n * k, -1, 1), *B0 = rnd(&r, dt, p * k, 0, 0);
      double *PX = padded(X, n, p), *PY = padded(Y, n, k), *PB = padded(B0, p, k);
      OK(tdm__cpu_lstsq(&cpu, dt, n, p, k, PX, n + PAD, PY, n + PAD, PB, p + PAD));
      cr_assert_leq(fc_lstsq(eps, n, p, k, PX, n + PAD, PY, n + PAD, PB, p + PAD), 1.0);
      pad_intact(PB, p, k, "B");
      pad_intact(PX, n, p, "X"), pad_intact(PY, n, k, "Y");
      free(X), free(Y), free(B0), free(PX), free(PY), free(PB);
    }
  }
  { /* eigh with a strided w, svd with strided s */
    size_t n = 17;
    double *A = rnd(&r, dt, n * n, -1, 1), *V0 = rnd(&r, dt, n * n, 0, 0), w[17 * 3], wd[17];
    double *PA = padded(A, n, n), *PV = padded(V0, n, n);
    for (size_t i = 0; i < 17 * 3; i++) w[i] = SENT;
    OK(tdm__cpu_eigh(&cpu, dt, n, PA, n + PAD, w, 3, PV, n + PAD));
    for (size_t i = 0; i < n; i++) wd[i] = w[3 * i];
    cr_assert_leq(fc_eigh(eps, n, PA, n + PAD, wd, PV, n + PAD), 1.0);
    pad_intact(PV, n, n, "V");
    cr_assert_eq(w[1], SENT);
    size_t m = 13, c = 8, k = 8;
    double *X = rnd(&r, dt, m * c, -1, 1), *U0 = rnd(&r, dt, m * k, 0, 0), *T0 = rnd(&r, dt, k * c, 0, 0);
    double *PX = padded(X, m, c), *PU = padded(U0, m, k), *PT = padded(T0, k, c), s[16], sd[8];
    for (size_t i = 0; i < 16; i++) s[i] = SENT;
    OK(tdm__cpu_svd(&cpu, dt, m, c, PX, m + PAD, PU, m + PAD, s, 2, PT, k + PAD));
    for (size_t i = 0; i < k; i++) sd[i] = s[2 * i];
    cr_assert_leq(fc_svd(eps, m, c, PX, m + PAD, PU, m + PAD, sd, PT, k + PAD), 1.0);
    pad_intact(PU, m, k, "U"), pad_intact(PT, k, c, "Vt");
    free(A), free(V0), free(PA), free(PV), free(X), free(U0), free(T0), free(PX), free(PU), free(PT);
  }
}

/* ---- argument errors ------------------------------------------------------------ */
static void bad(tdm_status s, const char *fn, const char *arg) {
  cr_assert_eq(s, TDM_ERR_INVALID, "%s %s: %s", fn, arg, tdm_status_name(s));
  const char *m = tdm_last_error();
  cr_assert(strncmp(m, fn, strlen(fn)) == 0 && strstr(m, arg), "%s / %s: %s", fn, arg, m);
}

Test(fit, argument_errors_name_the_argument) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1), *other = ts_ctx(TDM_CPU, 1);
  tdm_buf *A = ts_buf(ctx, TDM_F64, 6, 4, NULL), *x4 = ts_buf(ctx, TDM_F64, 4, 1, NULL);
  tdm_buf *y6 = ts_buf(ctx, TDM_F64, 6, 1, NULL), *f = ts_buf(ctx, TDM_F32, 4, 1, NULL);
  tdm_buf *S = ts_buf(ctx, TDM_F64, 4, 4, NULL), *I = NULL, *O = ts_buf(other, TDM_F64, 4, 1, NULL);
  tdm_buf *w6 = ts_buf(ctx, TDM_F64, 6, 1, NULL), *B4 = ts_buf(ctx, TDM_F64, 4, 2, NULL);
  OK(tdm_buf_create(ctx, TDM_I32, 4, 4, &I));
  bad(tdm_gemv(NULL, TDM_NOTRANS, 1, A, x4, 0, y6), "tdm_gemv", "ctx");
  bad(tdm_gemv(ctx, (tdm_trans)7, 1, A, x4, 0, y6), "tdm_gemv", "ta");
  bad(tdm_gemv(ctx, TDM_NOTRANS, 1, A, y6, 0, y6), "tdm_gemv", "x");
  bad(tdm_gemv(ctx, TDM_TRANS, 1, A, y6, 0, y6), "tdm_gemv", "y");
  bad(tdm_gemv(ctx, TDM_NOTRANS, 1, A, f, 0, y6), "tdm_gemv", "x");
  bad(tdm_gemv(ctx, TDM_NOTRANS, 1, A, O, 0, y6), "tdm_gemv", "x");
  bad(tdm_crossprod_w(ctx, A, x4, S), "tdm_crossprod_w", "w");
  bad(tdm_crossprod_w(ctx, A, w6, B4), "tdm_crossprod_w", "C");
  bad(tdm_crossprod_w(ctx, I, w6, S), "tdm_crossprod_w", "X");
  bad(tdm_solve_tri(ctx, TDM_NOTRANS, A, B4), "tdm_solve_tri", "R");
  bad(tdm_solve_tri(ctx, TDM_NOTRANS, S, y6), "tdm_solve_tri", "B");
  bad(tdm_solve_tri(ctx, TDM_NOTRANS, S, S), "tdm_solve_tri", "B");
  bad(tdm_chol_inverse(ctx, S, B4), "tdm_chol_inverse", "Ainv");
  bad(tdm_chol_inverse(ctx, S, S), "tdm_chol_inverse", "Ainv");
  bad(tdm_lstsq(ctx, B4, x4, y6), "tdm_lstsq", "X");
  bad(tdm_lstsq(ctx, A, x4, x4), "tdm_lstsq", "Y");
  bad(tdm_lstsq(ctx, A, y6, B4), "tdm_lstsq", "B");
  bad(tdm_eigh(ctx, A, x4, NULL), "tdm_eigh", "A");
  bad(tdm_eigh(ctx, S, y6, NULL), "tdm_eigh", "w");
  bad(tdm_eigh(ctx, S, x4, B4), "tdm_eigh", "V");
  bad(tdm_eigh(ctx, S, f, NULL), "tdm_eigh", "w");
  bad(tdm_svd(ctx, A, NULL, y6, NULL), "tdm_svd", "s");
  bad(tdm_svd(ctx, A, S, x4, NULL), "tdm_svd", "U");
  bad(tdm_svd(ctx, A, NULL, x4, B4), "tdm_svd", "Vt");
  tdm_buf_destroy(A), tdm_buf_destroy(x4), tdm_buf_destroy(y6), tdm_buf_destroy(f);
  tdm_buf_destroy(S), tdm_buf_destroy(I), tdm_buf_destroy(O), tdm_buf_destroy(w6), tdm_buf_destroy(B4);
  tdm_ctx_destroy(ctx), tdm_ctx_destroy(other);
}

/* ---- allocation failure at every site ---------------------------------------------- */
static tdm_status fit_sequence(tdm_backend be, size_t n, const double *x, const double *w) {
  enum { P = 5 };
  tdm_ctx *ctx = NULL;
  tdm_buf *X = NULL, *W = NULL, *C = NULL, *v = NULL, *Bv = NULL, *Ai = NULL, *ev = NULL, *V = NULL;
  tdm_buf *U = NULL, *s = NULL, *Vt = NULL, *Y = NULL, *B = NULL;
  tdm_config cfg = {be, 2, 0};
  tdm_status st;
  double out[P * P];
  if ((st = tdm_ctx_create(&cfg, &ctx))) goto done;
  if ((st = tdm_buf_create(ctx, TDM_F64, n, P, &X)) || (st = tdm_buf_write(X, x))) goto done;
  if ((st = tdm_buf_create(ctx, TDM_F64, n, 1, &W)) || (st = tdm_buf_write(W, w))) goto done;
  if ((st = tdm_buf_create(ctx, TDM_F64, P, P, &C))) goto done;
  if ((st = tdm_crossprod_w(ctx, X, W, C))) goto done;
  if ((st = tdm_buf_create(ctx, TDM_F64, P, 1, &v))) goto done;
  if ((st = tdm_gemv(ctx, TDM_TRANS, 1.0, X, W, 0.0, v))) goto done;
  if ((st = tdm_buf_create(ctx, TDM_F64, P, P, &Ai))) goto done;
  if ((st = tdm_buf_create(ctx, TDM_F64, P, 1, &ev))) goto done;
  if ((st = tdm_buf_create(ctx, TDM_F64, P, P, &V))) goto done;
  if ((st = tdm_eigh(ctx, C, ev, V))) goto done;
  if ((st = tdm_eigh(ctx, C, ev, NULL))) goto done;
  if ((st = tdm_buf_create(ctx, TDM_F64, n, P, &U)) || (st = tdm_buf_create(ctx, TDM_F64, P, 1, &s)) ||
      (st = tdm_buf_create(ctx, TDM_F64, P, P, &Vt)))
    goto done;
  if ((st = tdm_svd(ctx, X, U, s, Vt))) goto done;
  if ((st = tdm_svd(ctx, X, NULL, s, Vt))) goto done;
  if ((st = tdm_crossprod(ctx, X, C)) || (st = tdm_cholesky(ctx, C))) goto done;
  if ((st = tdm_chol_inverse(ctx, C, Ai))) goto done;
  if ((st = tdm_solve_tri(ctx, TDM_TRANS, C, v))) goto done;
  if ((st = tdm_buf_create(ctx, TDM_F64, n, 1, &Y)) || (st = tdm_buf_write(Y, w))) goto done;
  if ((st = tdm_buf_create(ctx, TDM_F64, P, 1, &B))) goto done;
  if ((st = tdm_lstsq(ctx, X, Y, B))) goto done;
  if ((st = tdm_buf_read(Ai, out))) goto done;
  st = tdm_ctx_sync(ctx);
done:
  tdm_buf_destroy(X), tdm_buf_destroy(W), tdm_buf_destroy(C), tdm_buf_destroy(v), tdm_buf_destroy(Bv);
  tdm_buf_destroy(Ai), tdm_buf_destroy(ev), tdm_buf_destroy(V), tdm_buf_destroy(U), tdm_buf_destroy(s);
  tdm_buf_destroy(Vt), tdm_buf_destroy(Y), tdm_buf_destroy(B);
  tdm_ctx_destroy(ctx);
  return st;
}

static void fit_walk(tdm_backend be, size_t n) {
  ts_rng r;
  ts_seed(&r, 11);
  double *x = rnd(&r, TDM_F64, n * 5, -1, 1), *w = rnd(&r, TDM_F64, n, -1, 1);
  long k, sites = 0;
  for (k = 1; k < 100000; k++) {
    long live = tdm__alloc_live(), before = tdm__alloc_count();
    tdm__alloc_fail_after(k);
    tdm_status s = fit_sequence(be, n, x, w);
    long used = tdm__alloc_count() - before;
    tdm__alloc_fail_after(0);
    cr_assert_eq(tdm__alloc_live(), live, "%s n=%zu N=%ld: %ld leaked (%s)", tdm_backend_name(be), n, k,
                 tdm__alloc_live() - live, tdm_last_error());
    if (s == TDM_OK) {
      cr_assert(used < k);
      break;
    }
    cr_assert(used >= k, "N=%ld failed before the injected failure: %s", k, tdm_last_error());
    cr_assert(s == TDM_ERR_NOMEM || s == TDM_ERR_DEVICE_NOMEM, "N=%ld: %s: %s", k, tdm_status_name(s),
              tdm_last_error());
    cr_assert(strncmp(tdm_last_error(), "tdm_", 4) == 0 && strstr(tdm_last_error(), "memory"), "N=%ld: %s", k,
              tdm_last_error());
    sites++;
  }
  cr_assert(k > 20 && k < 100000);
  cr_log_info("%s n=%zu: %ld allocation sites failed in turn", tdm_backend_name(be), n, sites);
  free(x), free(w);
}

/* 40 rows: the one-QR lstsq; 40000: the blocked one (more work tiles). */
Test(fit, alloc_walk_cpu) { fit_walk(TDM_CPU, 40); fit_walk(TDM_CPU, 40000); }
Test(fit, alloc_walk_sim) { fit_walk(TDM_SIM, 40); }

/* ---- views through the public API (ld > rows) --------------------------------- */
Test(fit, views_of_a_larger_buffer) {
  ts_rng r;
  ts_seed(&r, 12);
  for (size_t bi = 0; bi < 2; bi++) {
    tdm_ctx *ctx = ts_ctx(backs[bi], 2);
    const tdm_dtype dt = TDM_F64;
    double eps = fc_eps(dt);
    size_t N = 300, M = 12, n = 250, p = 5; /* X = rows 20.., cols 1..5 of a 300 x 12 buffer */
    double *big = rnd(&r, dt, N * M, -1, 1), *yv = rnd(&r, dt, n, -1, 1);
    tdm_buf *BIG = ts_buf(ctx, dt, N, M, big), *X = NULL, *Y = ts_buf(ctx, dt, n, 1, yv);
    OK(tdm_buf_view(BIG, 20, 1, n, p, &X));
    cr_assert_eq(tdm_buf_ld(X), N);
    const double *Xp = big + 20 + 1 * N; /* the same window in the host array, ld N */
    tdm_buf *OUT = ts_buf(ctx, dt, 8, 8, NULL), *B = NULL, *C = NULL, *row = NULL;
    OK(tdm_buf_view(OUT, 1, 2, p, 1, &B));
    OK(tdm_lstsq(ctx, X, Y, B));
    double *o = rdb(OUT), Bv[5];
    for (size_t j = 0; j < p; j++) Bv[j] = o[1 + j + 2 * 8];
    cr_assert_leq(fc_lstsq(eps, n, p, 1, Xp, N, yv, n, Bv, p), 1.0, "lstsq on views");
    free(o);
    OK(tdm_buf_view(OUT, 2, 2, p, p, &C));
    OK(tdm_crossprod_w(ctx, X, Y, C));
    o = rdb(OUT);
    cr_assert_leq(fc_xw(eps, n, p, Xp, N, yv, o + 2 + 2 * 8, 8), 1.0, "crossprod_w into a view");
    free(o);
    OK(tdm_buf_view(OUT, 7, 0, 1, p, &row)); /* y a 1 x p row view: stride ld = 8 */
    OK(tdm_gemv(ctx, TDM_TRANS, 1.0, X, Y, 0.0, row));
    o = rdb(OUT);
    double y0[8 * 5] = {0};
    cr_assert_leq(fc_gemv(eps, 1, n, p, 1.0, Xp, N, yv, 1, 0.0, y0, o + 7, 8), 1.0, "gemv into a row view");
    free(o);
    double *after = rdb(BIG);
    cr_assert_arr_eq(after, big, N * M * sizeof *big, "the viewed input is unchanged");
    free(after), free(big), free(yv);
    tdm_buf_destroy(X), tdm_buf_destroy(B), tdm_buf_destroy(C), tdm_buf_destroy(row);
    tdm_buf_destroy(BIG), tdm_buf_destroy(Y), tdm_buf_destroy(OUT);
    tdm_ctx_destroy(ctx);
  }
}
