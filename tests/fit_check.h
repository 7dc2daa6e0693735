/* fit_check.h -- the defining properties of the model-fitting calls,
 * checked in long double on column-major double arrays with any ld, for
 * test_fit.c and test_cuda_fit.c. Tolerances come from backward-error
 * bounds: a small constant times the dimension, eps of the dtype and the
 * norms involved. Each returns the worst ratio error / bound (<= 1 passes). */
#ifndef TDM_TEST_FIT_CHECK_H
#define TDM_TEST_FIT_CHECK_H

#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "tandem/tandem.h"

#define FC(A, i, j, ld) ((long double)(A)[(size_t)(i) + (size_t)(j) * (ld)])

static double fc_eps(tdm_dtype dt) { return dt == TDM_F64 ? DBL_EPSILON : FLT_EPSILON; }

static long double fc_fro(size_t m, size_t n, const double *A, size_t lda) {
  long double s = 0;
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < m; i++) s += FC(A, i, j, lda) * FC(A, i, j, lda);
  return sqrtl(s);
}

/* y = alpha op(A) x + beta y0, each entry within n eps (|alpha| |A||x| + |beta y0|). */
static double fc_gemv(double eps, int ta, size_t m, size_t n, double alpha, const double *A,
                      size_t lda, const double *x, size_t incx, double beta, const double *y0,
                      const double *y, size_t incy) {
  size_t rows = ta ? n : m, len = ta ? m : n;
  double worst = 0;
  for (size_t i = 0; i < rows; i++) {
    long double s = 0, b = 0;
    for (size_t k = 0; k < len; k++) {
      long double a = ta ? FC(A, k, i, lda) : FC(A, i, k, lda);
      s += a * x[k * incx];
      b += fabsl(a * x[k * incx]);
    }
    long double ref = alpha * s + (beta != 0 ? beta * (long double)y0[i * incy] : 0);
    long double bound = (len + 2) * eps * (fabs(alpha) * b + fabs(beta * y0[i * incy])) + 1e-300;
    double r = (double)(fabsl(y[i * incy] - ref) / bound);
    worst = r > worst ? r : worst;
  }
  return worst;
}

/* C = X' diag(w) X, both triangles exactly symmetric. */
static double fc_xw(double eps, size_t n, size_t p, const double *X, size_t ldx, const double *w,
                    const double *C, size_t ldc) {
  double worst = 0;
  for (size_t a = 0; a < p; a++)
    for (size_t b = 0; b < p; b++) {
      long double s = 0, m = 0;
      for (size_t i = 0; i < n; i++) {
        long double t = FC(X, i, a, ldx) * w[i] * FC(X, i, b, ldx);
        s += t, m += fabsl(t);
      }
      long double bound = (n + 4) * eps * m + 1e-300;
      double r = (double)(fabsl(C[a + b * ldc] - s) / bound);
      worst = r > worst ? r : worst;
      cr_assert_eq(C[a + b * ldc], C[b + a * ldc], "C[%zu,%zu] symmetric", a, b);
    }
  return worst;
}

/* op(R) X = B0 (R upper): residual within n eps |R||X| row by row. */
static double fc_tri(double eps, int t, size_t n, size_t nrhs, const double *R, size_t ldr,
                     const double *B0, size_t ldb0, const double *X, size_t ldx) {
  double worst = 0;
  for (size_t c = 0; c < nrhs; c++)
    for (size_t i = 0; i < n; i++) {
      long double s = 0, m = 0;
      for (size_t k = 0; k < n; k++) {
        long double r = t ? (k <= i ? FC(R, k, i, ldr) : 0) : (i <= k ? FC(R, i, k, ldr) : 0);
        s += r * FC(X, k, c, ldx), m += fabsl(r * FC(X, k, c, ldx));
      }
      long double bound = 4 * (n + 1) * eps * (m + fabsl(FC(B0, i, c, ldb0))) + 1e-300;
      double q = (double)(fabsl(s - FC(B0, i, c, ldb0)) / bound);
      worst = q > worst ? q : worst;
    }
  return worst;
}

/* (R'R) Ainv = I within n eps ||R'R|| ||Ainv|| (F norms), Ainv symmetric. */
static double fc_inv(double eps, size_t n, const double *R, size_t ldr, const double *Ai,
                     size_t lda) {
  long double *A = calloc(n * n, sizeof *A);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++)
      for (size_t k = 0; k <= i && k <= j; k++) A[i + j * n] += FC(R, k, i, ldr) * FC(R, k, j, ldr);
  long double na = 0, err = 0;
  for (size_t i = 0; i < n * n; i++) na += A[i] * A[i];
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      long double s = 0;
      for (size_t k = 0; k < n; k++) s += A[i + k * n] * FC(Ai, k, j, lda);
      s -= i == j;
      err = fmaxl(err, fabsl(s));
      cr_assert_eq(Ai[i + j * lda], Ai[j + i * lda], "Ainv[%zu,%zu] symmetric", i, j);
    }
  free(A);
  return (double)(err / (8 * n * eps * sqrtl(na) * fc_fro(n, n, Ai, lda)));
}

/* X'(Y - X B) ~ 0: within n p eps ||X|| (||r|| + ||X|| ||B||) per column. */
static double fc_lstsq(double eps, size_t n, size_t p, size_t k, const double *X, size_t ldx,
                       const double *Y, size_t ldy, const double *B, size_t ldb) {
  long double nx = fc_fro(n, p, X, ldx), nb = fc_fro(p, k, B, ldb);
  long double *r = malloc(n * sizeof *r);
  double worst = 0;
  for (size_t c = 0; c < k; c++) {
    long double nr = 0;
    for (size_t i = 0; i < n; i++) {
      long double s = FC(Y, i, c, ldy);
      for (size_t j = 0; j < p; j++) s -= FC(X, i, j, ldx) * FC(B, j, c, ldb);
      r[i] = s, nr += s * s;
    }
    nr = sqrtl(nr);
    for (size_t j = 0; j < p; j++) {
      long double g = 0;
      for (size_t i = 0; i < n; i++) g += FC(X, i, j, ldx) * r[i];
      double q = (double)(fabsl(g) / (n * p * eps * nx * (nr + nx * nb) + 1e-300));
      worst = q > worst ? q : worst;
    }
  }
  free(r);
  return worst;
}

/* A V = V diag(w) within n eps ||A||, V'V = I within n eps, w ascending.
 * Only A's lower triangle is read (the upper may hold anything). */
static double fc_eigh(double eps, size_t n, const double *A, size_t lda, const double *w,
                      const double *V, size_t ldv) {
  long double na = 0;
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) {
      long double a = i >= j ? FC(A, i, j, lda) : FC(A, j, i, lda);
      na += a * a;
    }
  na = sqrtl(na);
  double worst = 0;
  for (size_t i = 1; i < n; i++) cr_assert_leq(w[i - 1], w[i], "eigenvalues ascending at %zu", i);
  if (!V) return 0;
  for (size_t c = 0; c < n; c++)
    for (size_t i = 0; i < n; i++) {
      long double s = 0, o = 0;
      for (size_t k = 0; k < n; k++) {
        long double a = i >= k ? FC(A, i, k, lda) : FC(A, k, i, lda);
        s += a * FC(V, k, c, ldv);
        o += FC(V, k, i, ldv) * FC(V, k, c, ldv);
      }
      s -= FC(V, i, c, ldv) * w[c];
      o -= i == c;
      double q1 = (double)(fabsl(s) / (8 * n * eps * na + 1e-300));
      double q2 = (double)(fabsl(o) / (8 * n * eps));
      worst = fmax(worst, fmax(q1, q2));
    }
  return worst;
}

/* U diag(s) Vt = X within max(m,n) eps ||X||, U'U = I, Vt Vt' = I, s >= 0 descending. */
static double fc_svd(double eps, size_t m, size_t n, const double *X, size_t ldx, const double *U,
                     size_t ldu, const double *s, const double *Vt, size_t ldv) {
  size_t k = m < n ? m : n, mx = m > n ? m : n;
  for (size_t i = 0; i < k; i++) {
    cr_assert_geq(s[i], 0, "s[%zu] >= 0", i);
    if (i) cr_assert_geq(s[i - 1], s[i], "s descending at %zu", i);
  }
  long double nx = fc_fro(m, n, X, ldx);
  double worst = 0;
  if (U)
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < m; i++) {
        long double t = 0;
        for (size_t q = 0; q < k; q++) t += FC(U, i, q, ldu) * s[q] * FC(Vt, q, j, ldv);
        worst = fmax(worst, (double)(fabsl(t - FC(X, i, j, ldx)) / (8 * mx * eps * nx + 1e-300)));
      }
  if (U)
    for (size_t a = 0; a < k; a++)
      for (size_t b = 0; b < k; b++) {
        long double ou = 0, ov = 0;
        for (size_t i = 0; i < m; i++) ou += FC(U, i, a, ldu) * FC(U, i, b, ldu);
        for (size_t j = 0; j < n; j++) ov += FC(Vt, a, j, ldv) * FC(Vt, b, j, ldv);
        ou -= a == b, ov -= a == b;
        worst = fmax(worst, (double)(fmaxl(fabsl(ou), fabsl(ov)) / (8 * mx * eps)));
      }
  return worst;
}

#endif
