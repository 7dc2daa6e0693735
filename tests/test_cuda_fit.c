/* test_cuda_fit.c -- the CUDA module's model-fitting calls on the fake GPU
 * (tests/cuda_fake.h, cuda_fake_linalg.h): each call f32/f64 against its
 * defining properties (fit_check.h), padded leading dimensions through the
 * module's table, inputs unchanged in device memory, zero pivots,
 * rank deficiency, solver failures (devInfo, status), and every device
 * and host allocation failing in turn with nothing leaked. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/tandem.h"

#include "support/support.h"

#ifndef TDM_TEST_CUDA_MODULE
Test(cuda_fit, not_built) {
  cr_skip_test("the CUDA module is not built (no CUDA toolkit at configure time, or TDM_CUDA=OFF)");
}
#else
#include "core/alloc.h"
#include "core/buf_int.h"
#include "cuda_fake.h"
#include "fit_check.h"

static tdm_ctx *cuda_ctx(void) {
  tdm_config cfg = {TDM_CUDA, 1, 0};
  tdm_ctx *c = NULL;
  cr_assert_eq(tdm_ctx_create(&cfg, &c), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_ctx_device_backend(c), TDM_CUDA);
  return c;
}

static double *rnd(ts_rng *r, tdm_dtype dt, size_t n, double lo, double hi) {
  double *x = malloc((n ? n : 1) * sizeof *x);
  ts_fill(r, x, n, lo, hi);
  if (dt == TDM_F32)
    for (size_t i = 0; i < n; i++) x[i] = (float)x[i];
  return x;
}
static double *rdb(tdm_buf *b) {
  double *x = malloc(tdm_buf_rows(b) * tdm_buf_cols(b) * sizeof *x);
  ts_read(b, x);
  return x;
}
/* The fake's device memory is host memory: the device copy, byte for byte. */
static void *dev_bytes(tdm_buf *b) {
  cr_assert(b->st->dev && (b->st->valid & TDM__DEV) && b->off == 0, "b is a plain buffer on the device");
  void *p = malloc(b->bytes);
  memcpy(p, b->st->dev, b->bytes);
  return p;
}
static void dev_same(tdm_buf *b, const void *before, const char *what) {
  cr_assert(memcmp(b->st->dev, before, b->bytes) == 0, "%s changed in device memory", what);
}

#define OK(call) cr_assert_eq((call), TDM_OK, "%s: %s", #call, tdm_last_error())

static double *factor(ts_rng *r, tdm_dtype dt, size_t n) {
  double *A = malloc(n * n * sizeof *A), *R = calloc(n * n, sizeof *R);
  ts_spd(r, n, A);
  cr_assert(ts_cholesky(n, A, R));
  if (dt == TDM_F32)
    for (size_t i = 0; i < n * n; i++) R[i] = (float)R[i];
  free(A);
  return R;
}

Test(cuda_fit, every_call_meets_its_definition) {
  fake_install();
  ts_rng r;
  ts_seed(&r, 21);
  for (int d = 0; d < 2; d++) {
    tdm_dtype dt = d ? TDM_F64 : TDM_F32;
    double eps = fc_eps(dt);
    tdm_ctx *c = cuda_ctx();
    { /* gemv, both ways */
      size_t m = 31, n = 17;
      double *A = rnd(&r, dt, m * n, -1, 1), *x = rnd(&r, dt, m, -1, 1), *y0 = rnd(&r, dt, m, -1, 1);
      for (int t = 0; t < 2; t++) {
        size_t lx = t ? m : n, ly = t ? n : m;
        tdm_buf *bA = ts_buf(c, dt, m, n, A), *bx = ts_buf(c, dt, 1, lx, x), *by = ts_buf(c, dt, ly, 1, y0);
        OK(tdm_gemv(c, t, -0.5, bA, bx, 2.0, by));
        double *y = rdb(by);
        cr_assert_leq(fc_gemv(eps, t, m, n, -0.5, A, m, x, 1, 2.0, y0, y, 1), 1.0, "gemv t=%d", t);
        free(y), tdm_buf_destroy(bA), tdm_buf_destroy(bx), tdm_buf_destroy(by);
      }
      free(A), free(x), free(y0);
    }
    { /* X'WX over several tiles (n > one tile of 32 MiB / (p es) rows? no: many gemm blocks via small p) */
      size_t n = 3001, p = 6;
      double *X = rnd(&r, dt, n * p, -1, 1), *w = rnd(&r, dt, n, -1, 1);
      tdm_buf *bX = ts_buf(c, dt, n, p, X), *bw = ts_buf(c, dt, n, 1, w), *bC = ts_buf(c, dt, p, p, NULL);
      OK(tdm_crossprod_w(c, bX, bw, bC));
      void *x0 = dev_bytes(bX), *w0 = dev_bytes(bw);
      OK(tdm_crossprod_w(c, bX, bw, bC));
      dev_same(bX, x0, "X"), dev_same(bw, w0, "w");
      double *C = rdb(bC);
      cr_assert_leq(fc_xw(eps, n, p, X, n, w, C, p), 1.0, "crossprod_w");
      free(C), free(X), free(w), free(x0), free(w0);
      tdm_buf_destroy(bX), tdm_buf_destroy(bw), tdm_buf_destroy(bC);
    }
    { /* solve_tri both ways, chol_inverse */
      size_t n = 29, k = 2;
      double *R = factor(&r, dt, n), *B0 = rnd(&r, dt, n * k, -1, 1);
      tdm_buf *bR = ts_buf(c, dt, n, n, R), *bA = ts_buf(c, dt, n, n, NULL);
      for (int t = 0; t < 2; t++) {
        tdm_buf *bB = ts_buf(c, dt, n, k, B0);
        OK(tdm_solve_tri(c, t, bR, bB));
        double *X = rdb(bB);
        cr_assert_leq(fc_tri(eps, t, n, k, R, n, B0, n, X, n), 1.0, "solve_tri t=%d", t);
        free(X), tdm_buf_destroy(bB);
      }
      void *r0 = dev_bytes(bR);
      OK(tdm_chol_inverse(c, bR, bA));
      dev_same(bR, r0, "R");
      double *Ai = rdb(bA);
      cr_assert_leq(fc_inv(eps, n, R, n, Ai, n), 1.0, "chol_inverse");
      free(Ai), free(R), free(B0), free(r0);
      tdm_buf_destroy(bR), tdm_buf_destroy(bA);
    }
    { /* lstsq */
      size_t n = 500, p = 7, k = 2;
      double *X = rnd(&r, dt, n * p, -1, 1), *Y = rnd(&r, dt, n * k, -1, 1);
      tdm_buf *bX = ts_buf(c, dt, n, p, X), *bY = ts_buf(c, dt, n, k, Y), *bB = ts_buf(c, dt, p, k, NULL);
      OK(tdm_lstsq(c, bX, bY, bB));
      void *x0 = dev_bytes(bX), *y0 = dev_bytes(bY);
      OK(tdm_lstsq(c, bX, bY, bB));
      dev_same(bX, x0, "X"), dev_same(bY, y0, "Y");
      double *B = rdb(bB);
      cr_assert_leq(fc_lstsq(eps, n, p, k, X, n, Y, n, B, p), 1.0, "lstsq");
      free(B), free(X), free(Y), free(x0), free(y0);
      tdm_buf_destroy(bX), tdm_buf_destroy(bY), tdm_buf_destroy(bB);
    }
    { /* eigh, with and without vectors, w as a row */
      size_t n = 23;
      double *A = rnd(&r, dt, n * n, -1, 1);
      for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < j; i++) A[i + j * n] = NAN;
      tdm_buf *bA = ts_buf(c, dt, n, n, A), *bw = ts_buf(c, dt, 1, n, NULL), *bV = ts_buf(c, dt, n, n, NULL);
      OK(tdm_eigh(c, bA, bw, bV));
      double *w = rdb(bw), *V = rdb(bV);
      cr_assert_leq(fc_eigh(eps, n, A, n, w, V, n), 1.0, "eigh");
      OK(tdm_eigh(c, bA, bw, NULL));
      double *w2 = rdb(bw);
      for (size_t i = 0; i < n; i++) cr_assert(fabs(w2[i] - w[i]) <= 64 * n * eps * (1 + fabs(w[i])));
      free(A), free(w), free(V), free(w2);
      tdm_buf_destroy(bA), tdm_buf_destroy(bw), tdm_buf_destroy(bV);
    }
    { /* svd: tall, wide (done as X'), values only, one side only */
      static const size_t dims[][2] = {{40, 7}, {7, 40}, {12, 12}};
      for (size_t s = 0; s < 3; s++)
        for (int mode = 0; mode < 3; mode++) {
          size_t m = dims[s][0], n = dims[s][1], k = m < n ? m : n;
          double *X = rnd(&r, dt, m * n, -1, 1);
          tdm_buf *bX = ts_buf(c, dt, m, n, X), *bs = ts_buf(c, dt, k, 1, NULL);
          /* mode 0: U and Vt; 1: values only; 2: U only */
          tdm_buf *bU = mode != 1 ? ts_buf(c, dt, m, k, NULL) : NULL, *bV = mode == 0 ? ts_buf(c, dt, k, n, NULL) : NULL;
          OK(tdm_svd(c, bX, bU, bs, bV));
          void *x0 = dev_bytes(bX);
          OK(tdm_svd(c, bX, bU, bs, bV));
          dev_same(bX, x0, "X");
          double *sv = rdb(bs), *U = bU ? rdb(bU) : NULL, *Vt = bV ? rdb(bV) : NULL;
          cr_assert_leq(fc_svd(eps, m, n, X, m, mode == 0 ? U : NULL, m, sv, Vt, k), 1.0, "svd");
          long double f = fc_fro(m, n, X, m), ss = 0;
          for (size_t i = 0; i < k; i++) ss += (long double)sv[i] * sv[i];
          cr_assert(fabsl(sqrtl(ss) - f) <= 20 * (m + n) * eps * f);
          if (U) /* orthonormal columns when only U is asked for */
            for (size_t a = 0; a < k; a++) {
              long double o = 0;
              for (size_t i = 0; i < m; i++) o += (long double)U[i + a * m] * U[i + a * m];
              cr_assert(fabsl(o - 1) <= 8 * m * eps);
            }
          free(X), free(sv), free(U), free(Vt), free(x0);
          tdm_buf_destroy(bX), tdm_buf_destroy(bs), tdm_buf_destroy(bU), tdm_buf_destroy(bV);
        }
    }
    tdm_ctx_destroy(c);
    fake_assert_clean();
  }
}

/* ---- padded ld: the module's entries called with fake device pointers ---- */
#define PAD 3
#define SENT -555.5
static double *padded(const double *A, size_t m, size_t n) {
  size_t ld = m + PAD;
  double *P = malloc(ld * n * sizeof *P);
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < ld; i++) P[i + j * ld] = i < m ? A[i + j * m] : SENT;
  return P;
}
static void pad_intact(const double *P, size_t m, size_t n, const char *what) {
  for (size_t j = 0; j < n; j++)
    for (size_t i = m; i < m + PAD; i++) cr_assert_eq(P[i + j * (m + PAD)], SENT, "%s pad", what);
}

Test(cuda_fit, padded_leading_dimensions) {
  fake_install();
  ts_rng r;
  ts_seed(&r, 22);
  tdm_ctx *c = cuda_ctx();
  const tdm__backend *be = c->dev;
  void *st = c->dev_st;
  const tdm_dtype dt = TDM_F64;
  double eps = fc_eps(dt);
  {
    size_t n = 700, p = 5;
    double *X = rnd(&r, dt, n * p, -1, 1), *w = rnd(&r, dt, n, -1, 1), *Z = rnd(&r, dt, p * p, 0, 0);
    double *PX = padded(X, n, p), *PC = padded(Z, p, p);
    OK(be->crossprod_w(st, dt, n, p, PX, n + PAD, w, PC, p + PAD));
    cr_assert_leq(fc_xw(eps, n, p, PX, n + PAD, w, PC, p + PAD), 1.0);
    pad_intact(PC, p, p, "C");
    double y[5 * 2], y0[5 * 2];
    for (int i = 0; i < 10; i++) y[i] = y0[i] = SENT;
    OK(be->gemv(st, dt, TDM_TRANS, n, p, 1.0, PX, n + PAD, w, 1, 0.0, y, 2));
    cr_assert_leq(fc_gemv(eps, 1, n, p, 1.0, PX, n + PAD, w, 1, 0.0, y0, y, 2), 1.0);
    for (int i = 1; i < 10; i += 2) cr_assert_eq(y[i], SENT);
    double *Y = rnd(&r, dt, n, -1, 1), *B0 = rnd(&r, dt, p, 0, 0);
    double *PY = padded(Y, n, 1), *PB = padded(B0, p, 1);
    OK(be->lstsq(st, dt, n, p, 1, PX, n + PAD, PY, n + PAD, PB, p + PAD));
    cr_assert_leq(fc_lstsq(eps, n, p, 1, PX, n + PAD, PY, n + PAD, PB, p + PAD), 1.0);
    pad_intact(PB, p, 1, "B");
    free(X), free(w), free(Z), free(PX), free(PC), free(Y), free(B0), free(PY), free(PB);
  }
  {
    size_t n = 19;
    double *R = factor(&r, dt, n), *B = rnd(&r, dt, n * 2, -1, 1), *Z = rnd(&r, dt, n * n, 0, 0);
    double *PR = padded(R, n, n), *PB = padded(B, n, 2), *PB2 = padded(B, n, 2), *PA = padded(Z, n, n);
    OK(be->solve_tri(st, dt, TDM_TRANS, n, 2, PR, n + PAD, PB2, n + PAD));
    cr_assert_leq(fc_tri(eps, 1, n, 2, PR, n + PAD, PB, n + PAD, PB2, n + PAD), 1.0);
    pad_intact(PB2, n, 2, "B");
    OK(be->chol_inverse(st, dt, n, PR, n + PAD, PA, n + PAD));
    cr_assert_leq(fc_inv(eps, n, PR, n + PAD, PA, n + PAD), 1.0);
    pad_intact(PA, n, n, "Ainv");
    double *PV = padded(Z, n, n), w[19 * 2], wd[19];
    OK(be->eigh(st, dt, n, PA, n + PAD, w, 2, PV, n + PAD));
    for (size_t i = 0; i < n; i++) wd[i] = w[2 * i];
    cr_assert_leq(fc_eigh(eps, n, PA, n + PAD, wd, PV, n + PAD), 1.0);
    pad_intact(PV, n, n, "V");
    free(R), free(B), free(Z), free(PR), free(PB), free(PB2), free(PA), free(PV);
  }
  for (int wide = 0; wide < 2; wide++) {
    size_t m = wide ? 6 : 15, n = wide ? 15 : 6, k = 6;
    double *X = rnd(&r, dt, m * n, -1, 1), *Z = rnd(&r, dt, 15 * 15, 0, 0);
    double *PX = padded(X, m, n), *PU = padded(Z, m, k), *PT = padded(Z, k, n), s[12], sd[6];
    OK(be->svd(st, dt, m, n, PX, m + PAD, PU, m + PAD, s, 2, PT, k + PAD));
    for (size_t i = 0; i < k; i++) sd[i] = s[2 * i];
    cr_assert_leq(fc_svd(eps, m, n, PX, m + PAD, PU, m + PAD, sd, PT, k + PAD), 1.0, "svd wide=%d", wide);
    pad_intact(PU, m, k, "U"), pad_intact(PT, k, n, "Vt"), pad_intact(PX, m, n, "X");
    free(X), free(Z), free(PX), free(PU), free(PT);
  }
  tdm_ctx_destroy(c);
  fake_assert_clean();
}

Test(cuda_fit, singular_rank_deficient_and_solver_failures) {
  fake_install();
  ts_rng r;
  ts_seed(&r, 23);
  tdm_ctx *c = cuda_ctx();
  const tdm_dtype dt = TDM_F64;
  size_t n = 12;
  double *R = factor(&r, dt, n), *B0 = rnd(&r, dt, n, -1, 1);
  R[4 + 4 * n] = 0;
  tdm_buf *bR = ts_buf(c, dt, n, n, R), *bB = ts_buf(c, dt, n, 1, B0), *bA = ts_buf(c, dt, n, n, NULL);
  cr_assert_eq(tdm_solve_tri(c, TDM_NOTRANS, bR, bB), TDM_ERR_NUMERIC);
  cr_assert(strstr(tdm_last_error(), "tdm_solve_tri: R: singular: diagonal element 5"), "%s", tdm_last_error());
  double *b = rdb(bB);
  cr_assert_arr_eq(b, B0, n * sizeof *b, "B unchanged");
  cr_assert_eq(tdm_chol_inverse(c, bR, bA), TDM_ERR_NUMERIC);
  cr_assert(strstr(tdm_last_error(), "tdm_chol_inverse: R: singular: diagonal element 5"), "%s", tdm_last_error());
  /* rank deficiency */
  size_t m = 200, p = 5;
  double *X = rnd(&r, dt, m * p, -1, 1), *Y = rnd(&r, dt, m, -1, 1);
  for (size_t i = 0; i < m; i++) X[i + 3 * m] = 3 * X[i] + X[i + m];
  tdm_buf *bX = ts_buf(c, dt, m, p, X), *bY = ts_buf(c, dt, m, 1, Y), *bP = ts_buf(c, dt, p, 1, NULL);
  cr_assert_eq(tdm_lstsq(c, bX, bY, bP), TDM_ERR_NUMERIC);
  cr_assert(strstr(tdm_last_error(), "tdm_lstsq: X: numerically rank-deficient: column 3"), "%s",
            tdm_last_error());
  /* devInfo > 0 from syevd and gesvd; a failed solver status */
  tdm_buf *bS = ts_buf(c, dt, n, n, R), *bw = ts_buf(c, dt, n, 1, NULL);
  fkl.devinfo = 3;
  cr_assert_eq(tdm_eigh(c, bS, bw, NULL), TDM_ERR_NUMERIC);
  cr_assert(strstr(tdm_last_error(), "did not converge"), "%s", tdm_last_error());
  fkl.devinfo = 2;
  cr_assert_eq(tdm_svd(c, bS, NULL, bw, NULL), TDM_ERR_NUMERIC);
  fkl.solver_status = CUSOLVER_STATUS_EXECUTION_FAILED;
  cr_assert_eq(tdm_svd(c, bS, NULL, bw, NULL), TDM_ERR_BACKEND);
  cr_assert(strstr(tdm_last_error(), "gesvd"), "%s", tdm_last_error());
  fkl.solver_status = CUSOLVER_STATUS_EXECUTION_FAILED;
  cr_assert_eq(tdm_lstsq(c, bS, bw, bw), TDM_ERR_INVALID); /* B aliases Y: caught first */
  fkl.solver_status = 0;
  fk.kernel_err = cudaErrorLaunchFailure;
  cr_assert_eq(tdm_crossprod_w(c, bX, bY, bA), TDM_ERR_INVALID); /* C 12x12, X has 5 columns */
  tdm_buf *bC = ts_buf(c, dt, p, p, NULL);
  cr_assert_eq(tdm_crossprod_w(c, bX, bY, bC), TDM_ERR_BACKEND);
  cr_assert(strstr(tdm_last_error(), "tdmk_fit_mirror"), "%s", tdm_last_error());
  fk.kernel_err = 0;
  free(R), free(B0), free(b), free(X), free(Y);
  tdm_buf_destroy(bR), tdm_buf_destroy(bB), tdm_buf_destroy(bA), tdm_buf_destroy(bX);
  tdm_buf_destroy(bY), tdm_buf_destroy(bP), tdm_buf_destroy(bS), tdm_buf_destroy(bw), tdm_buf_destroy(bC);
  tdm_ctx_destroy(c);
  fake_assert_clean();
}

/* Every allocation of a sequence of the calls fails in turn: device pool
 * allocations (fk.malloc_fail_at) and host ones (the countdown). */
static tdm_status seq(const double *x, const double *w, size_t n) {
  enum { P = 4 };
  tdm_ctx *c = NULL;
  tdm_config cfg = {TDM_CUDA, 1, 0};
  tdm_buf *X = NULL, *W = NULL, *C = NULL, *v = NULL, *A = NULL, *e = NULL, *V = NULL, *s = NULL;
  tdm_buf *U = NULL, *Vt = NULL, *B = NULL, *big = NULL, *rhs = NULL;
  double out[P * P];
  tdm_status st;
  if ((st = tdm_ctx_create(&cfg, &c))) goto done;
  if ((st = tdm_buf_create(c, TDM_F64, n, P, &X)) || (st = tdm_buf_write(X, x))) goto done;
  if ((st = tdm_buf_create(c, TDM_F64, n, 1, &W)) || (st = tdm_buf_write(W, w))) goto done;
  if ((st = tdm_buf_create(c, TDM_F64, P, P, &C)) || (st = tdm_buf_create(c, TDM_F64, P, 1, &v))) goto done;
  if ((st = tdm_crossprod_w(c, X, W, C)) || (st = tdm_gemv(c, TDM_TRANS, 1, X, W, 0, v))) goto done;
  if ((st = tdm_buf_create(c, TDM_F64, P, P, &A)) || (st = tdm_buf_create(c, TDM_F64, P, 1, &e)) ||
      (st = tdm_buf_create(c, TDM_F64, P, P, &V)) || (st = tdm_buf_create(c, TDM_F64, P, 1, &s)) ||
      (st = tdm_buf_create(c, TDM_F64, n, P, &U)) || (st = tdm_buf_create(c, TDM_F64, P, P, &Vt)) ||
      (st = tdm_buf_create(c, TDM_F64, P, 1, &B)))
    goto done;
  if ((st = tdm_eigh(c, C, e, V)) || (st = tdm_svd(c, X, U, s, Vt)) || (st = tdm_svd(c, Vt, NULL, s, NULL)))
    goto done;
  if ((st = tdm_crossprod(c, X, C)) || (st = tdm_cholesky(c, C)) || (st = tdm_chol_inverse(c, C, A)) ||
      (st = tdm_solve_tri(c, TDM_TRANS, C, v)) || (st = tdm_lstsq(c, X, W, B)))
    goto done;
  /* a factor too large for the pinned small block: R's diagonal via host memory */
  if ((st = tdm_buf_create(c, TDM_F64, 600, 600, &big))) goto done;
  {
    double *d = calloc(600 * 600, sizeof *d);
    for (int i = 0; i < 600; i++) d[i + 600 * i] = 2;
    st = tdm_buf_write(big, d);
    free(d);
    if (st) goto done;
  }
  if ((st = tdm_buf_create(c, TDM_F64, 600, 1, &rhs))) goto done;
  if ((st = tdm_solve_tri(c, TDM_NOTRANS, big, rhs))) goto done;
  st = tdm_buf_read(A, out);
done:
  tdm_buf_destroy(X), tdm_buf_destroy(W), tdm_buf_destroy(C), tdm_buf_destroy(v), tdm_buf_destroy(A);
  tdm_buf_destroy(e), tdm_buf_destroy(V), tdm_buf_destroy(s), tdm_buf_destroy(U), tdm_buf_destroy(Vt);
  tdm_buf_destroy(B), tdm_buf_destroy(big), tdm_buf_destroy(rhs);
  tdm_ctx_destroy(c);
  return st;
}

Test(cuda_fit, every_allocation_fails_in_turn) {
  fake_install();
  ts_rng r;
  ts_seed(&r, 24);
  size_t n = 64;
  double *x = rnd(&r, TDM_F64, n * 4, -1, 1), *w = rnd(&r, TDM_F64, n, 0.5, 1);
  long k, host = 0, dev = 0;
  /* The countdown covers host memory and the module's pool scratch (a
   * single failed pool allocation is retried, so the fake's own knob
   * would only test the retry). */
  for (k = 1; k < 3000; k++) {
    long live = tdm__alloc_live();
    tdm__alloc_fail_after(k);
    tdm_status s = seq(x, w, n);
    tdm__alloc_fail_after(0);
    cr_assert_eq(tdm__alloc_live(), live, "k=%ld leaked %ld host allocations", k, tdm__alloc_live() - live);
    fake_assert_clean();
    if (s == TDM_OK) break;
    cr_assert(s == TDM_ERR_NOMEM || s == TDM_ERR_DEVICE_NOMEM, "k=%ld: %s: %s", k, tdm_status_name(s),
              tdm_last_error());
    cr_assert(strncmp(tdm_last_error(), "tdm_", 4) == 0, "%s", tdm_last_error());
    if (s == TDM_ERR_NOMEM) host++;
    else dev++;
  }
  cr_assert(k < 3000 && host > 5 && dev > 10, "%ld host, %ld device failures", host, dev);
  cr_log_info("%ld host and %ld device allocation sites failed in turn", host, dev);
  free(x), free(w);
}
#endif
