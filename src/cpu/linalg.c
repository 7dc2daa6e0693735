/* linalg.c -- dense linear algebra on the CPU through OpenBLAS (CBLAS) and
 * LAPACKE, column-major, F32 and F64. Each call goes through the BLAS gate
 * (blas.c), which sets OpenBLAS's thread count for it: 1 inside workers and
 * tasks, so tandem and BLAS never oversubscribe. */
#include <cblas.h>
#include <lapacke.h>
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

/* Copies the upper triangle into the lower one. */
#define TDM__DEF_SYMM(NAME, T)                                                 \
  static void NAME(T *C, size_t p) {                                           \
    for (size_t j = 0; j < p; j++)                                             \
      for (size_t i = j + 1; i < p; i++) C[i + j * p] = C[j + i * p];          \
  }
TDM__DEF_SYMM(tdm__symm_f64, double)
TDM__DEF_SYMM(tdm__symm_f32, float)

tdm_status tdm__cpu_crossprod(void *st, tdm_dtype dt, size_t n, size_t p, const void *X, void *C) {
  tdm__blas_threads(st);
  if (dt == TDM_F64)
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)p, (int)n, 1.0, X, (int)n, 0.0, C,
                (int)p);
  else
    cblas_ssyrk(CblasColMajor, CblasUpper, CblasTrans, (int)p, (int)n, 1.0f, X, (int)n, 0.0f, C,
                (int)p);
  tdm__blas_done();
  if (dt == TDM_F64) tdm__symm_f64(C, p);
  else tdm__symm_f32(C, p);
  return TDM_OK;
}

static void tdm__zero_lower(tdm_dtype dt, size_t n, void *A) {
  size_t es = dt == TDM_F64 ? 8 : 4;
  for (size_t j = 0; j + 1 < n; j++)
    memset((char *)A + (j * n + j + 1) * es, 0, (n - j - 1) * es);
}

static tdm_status tdm__potrf(void *st, tdm_dtype dt, size_t n, void *A) {
  tdm__blas_threads(st);
  lapack_int info = dt == TDM_F64 ? LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', (int)n, A, (int)n)
                                  : LAPACKE_spotrf(LAPACK_COL_MAJOR, 'U', (int)n, A, (int)n);
  tdm__blas_done();
  TDM__CHECK(info > 0, TDM_ERR_NUMERIC,
             "A: not positive definite (the leading minor of order %d is not positive)", (int)info);
  TDM__CHECK(info < 0, TDM_ERR_BACKEND, "LAPACKE_?potrf: argument %d is invalid", (int)-info);
  tdm__zero_lower(dt, n, A);
  return TDM_OK;
}

tdm_status tdm__cpu_cholesky(void *st, tdm_dtype dt, size_t n, void *A) {
  return tdm__potrf(st, dt, n, A);
}

tdm_status tdm__cpu_solve_spd(void *st, tdm_dtype dt, size_t n, size_t nrhs, void *A, void *B) {
  TDM__TRY(tdm__potrf(st, dt, n, A));
  tdm__blas_threads(st);
  lapack_int info =
      dt == TDM_F64
          ? LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', (int)n, (int)nrhs, A, (int)n, B, (int)n)
          : LAPACKE_spotrs(LAPACK_COL_MAJOR, 'U', (int)n, (int)nrhs, A, (int)n, B, (int)n);
  tdm__blas_done();
  TDM__CHECK(info != 0, TDM_ERR_BACKEND, "LAPACKE_?potrs: info = %d", (int)info);
  return TDM_OK;
}
