/* linalg.c -- dense linear algebra on the CPU through OpenBLAS (CBLAS) and
 * LAPACKE, column-major, F32 and F64. Each call goes through the BLAS gate
 * (blas.c), which sets OpenBLAS's thread count for it: 1 inside workers and
 * tasks, so tandem and BLAS never oversubscribe. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "cpu/cpu_int.h"

tdm_status tdm__cpu_gemm(void *st, tdm_dtype dt, tdm_trans ta, tdm_trans tb, size_t m, size_t n,
                         size_t k, double alpha, const void *A, size_t lda, const void *B,
                         size_t ldb, double beta, void *C, size_t ldc) {
  tdm__blas_threads(st);
  enum CBLAS_TRANSPOSE a = ta ? CblasTrans : CblasNoTrans, b = tb ? CblasTrans : CblasNoTrans;
  if (dt == TDM_F64)
    cblas_dgemm(CblasColMajor, a, b, (int)m, (int)n, (int)k, alpha, A, (int)lda, B, (int)ldb, beta,
                C, (int)ldc);
  else
    cblas_sgemm(CblasColMajor, a, b, (int)m, (int)n, (int)k, (float)alpha, A, (int)lda, B,
                (int)ldb, (float)beta, C, (int)ldc);
  tdm__blas_done();
  return TDM_OK;
}

/* Copies the upper triangle into the lower one, tile by tile (a plain
 * transpose loop misses the cache on every read for large p), tile columns
 * spread over the context's threads. C's columns are ld apart. */
#define TDM__TILE 64
typedef struct {
  void *C;
  size_t p, ld;
  int f64;
} tdm__symm_job;

#define TDM__DEF_SYMM(NAME, T)                                                 \
  static void NAME(T *C, size_t p, size_t ld, size_t jlo, size_t jhi) {       \
    for (size_t i0 = jlo; i0 < p; i0 += TDM__TILE) {                           \
      size_t ihi = i0 + TDM__TILE < p ? i0 + TDM__TILE : p;                    \
      for (size_t j = jlo; j < jhi; j++)                                       \
        for (size_t i = i0 > j + 1 ? i0 : j + 1; i < ihi; i++)                 \
          C[i + j * ld] = C[j + i * ld];                                       \
    }                                                                          \
  }
TDM__DEF_SYMM(tdm__symm_f64, double)
TDM__DEF_SYMM(tdm__symm_f32, float)

static void tdm__symm_cols(void *arg, size_t lo, size_t hi) {
  const tdm__symm_job *j = arg;
  for (size_t t = lo; t < hi; t++) {
    size_t jlo = t * TDM__TILE, jhi = jlo + TDM__TILE < j->p ? jlo + TDM__TILE : j->p;
    if (j->f64) tdm__symm_f64(j->C, j->p, j->ld, jlo, jhi);
    else tdm__symm_f32(j->C, j->p, j->ld, jlo, jhi);
  }
}

static void tdm__symm(const tdm__cpu *c, int f64, void *C, size_t p, size_t ld) {
  tdm__symm_job j = {C, p, ld, f64};
  size_t tiles = (p + TDM__TILE - 1) / TDM__TILE;
  tdm__par_for(tdm__in_worker() ? 1 : c->threads, tiles, 4, tdm__symm_cols, &j);
}

tdm_status tdm__cpu_crossprod(void *st, tdm_dtype dt, size_t n, size_t p, const void *X,
                              size_t ldx, void *C, size_t ldc) {
  tdm__blas_threads(st);
  if (dt == TDM_F64) {
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)p, (int)n, 1.0, X, (int)ldx, 0.0, C,
                (int)ldc);
  } else {
    cblas_ssyrk(CblasColMajor, CblasUpper, CblasTrans, (int)p, (int)n, 1.0f, X, (int)ldx, 0.0f, C,
                (int)ldc);
  }
  tdm__blas_done();
  tdm__symm(st, dt == TDM_F64, C, p, ldc);
  return TDM_OK;
}

static void tdm__zero_lower(tdm_dtype dt, size_t n, void *A, size_t lda) {
  size_t es = dt == TDM_F64 ? 8 : 4;
  for (size_t j = 0; j + 1 < n; j++)
    memset((char *)A + (j * lda + j + 1) * es, 0, (n - j - 1) * es);
}

/* The Fortran entry points: LAPACKE's wrappers would first scan A (and B)
 * for NaN and call that an invalid argument. OpenBLAS's potrf does not
 * stop at a NaN pivot, so the factor's diagonal is checked afterwards: a
 * NaN or inf anywhere in the upper triangle of A reaches it. */
static size_t tdm__bad_diag(tdm_dtype dt, size_t n, const void *A, size_t lda) {
  for (size_t j = 0; j < n; j++) {
    double v = dt == TDM_F64 ? ((const double *)A)[j * lda + j] : ((const float *)A)[j * lda + j];
    if (!isfinite(v)) return j + 1;
  }
  return 0;
}

static tdm_status tdm__potrf(void *st, tdm_dtype dt, size_t n, void *A, size_t lda) {
  tdm__blas_threads(st);
  const char up = 'U';
  lapack_int nn = (lapack_int)n, la = (lapack_int)lda, info = 0;
  if (dt == TDM_F64) LAPACK_dpotrf(&up, &nn, A, &la, &info);
  else LAPACK_spotrf(&up, &nn, A, &la, &info);
  tdm__blas_done();
  TDM__CHECK(info > 0, TDM_ERR_NUMERIC,
             "A: not positive definite (the leading minor of order %d is not positive)", (int)info);
  TDM__CHECK(info < 0, TDM_ERR_BACKEND, "?potrf: argument %d is invalid", (int)-info);
  size_t bad = tdm__bad_diag(dt, n, A, lda);
  TDM__CHECK(bad, TDM_ERR_NUMERIC,
             "A: not positive definite (NaN or inf: the factor's diagonal element %zu is not finite)",
             bad);
  tdm__zero_lower(dt, n, A, lda);
  return TDM_OK;
}

tdm_status tdm__cpu_cholesky(void *st, tdm_dtype dt, size_t n, void *A, size_t lda) {
  return tdm__potrf(st, dt, n, A, lda);
}

tdm_status tdm__cpu_solve_spd(void *st, tdm_dtype dt, size_t n, size_t nrhs, void *A, size_t lda,
                              void *B, size_t ldb) {
  TDM__TRY(tdm__potrf(st, dt, n, A, lda));
  const char up = 'U';
  lapack_int nn = (lapack_int)n, nr = (lapack_int)nrhs, la = (lapack_int)lda,
             lb = (lapack_int)ldb, info = 0;
  tdm__blas_threads(st);
  if (dt == TDM_F64) LAPACK_dpotrs(&up, &nn, &nr, A, &la, B, &lb, &info);
  else LAPACK_spotrs(&up, &nn, &nr, A, &la, B, &lb, &info);
  tdm__blas_done();
  TDM__CHECK(info != 0, TDM_ERR_BACKEND, "?potrs: info = %d", (int)info);
  return TDM_OK;
}
