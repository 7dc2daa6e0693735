/* linalg.c -- dense linear algebra on the GPU: GEMM and SYRK through
 * cuBLAS (F32 in full FP32 unless TDM_TF32=1), Cholesky and SPD solves
 * through cuSOLVER's potrf/potrs, plus the small kernels that mirror and
 * zero triangles. A factorization that finds the matrix not positive
 * definite (devInfo > 0) is TDM_ERR_NUMERIC, as on the CPU. */
#include <string.h>

#include "cuda/cuda_int.h"

static cublasOperation_t tdm__op(tdm_trans t) { return t == TDM_TRANS ? CUBLAS_OP_T : CUBLAS_OP_N; }

static tdm_status tdm__gemm(tdm__cu *st, tdm_dtype dt, tdm_trans ta, tdm_trans tb, size_t m,
                            size_t n, size_t k, double alpha, const void *A, size_t lda,
                            const void *B, size_t ldb, double beta, void *C, size_t ldc) {
  cublasHandle_t h;
  TDM__TRY(tdm__cu_blas_handle(st, &h));
  if (dt == TDM_F64)
    return tdm__cu_blas(tdm__calls.blasDgemm(h, tdm__op(ta), tdm__op(tb), (int)m, (int)n, (int)k,
                                          &alpha, A, (int)lda, B, (int)ldb, &beta, C, (int)ldc),
                        "cublasDgemm");
  float fa = (float)alpha, fb = (float)beta;
  return tdm__cu_blas(tdm__calls.blasSgemm(h, tdm__op(ta), tdm__op(tb), (int)m, (int)n, (int)k, &fa,
                                        A, (int)lda, B, (int)ldb, &fb, C, (int)ldc),
                      "cublasSgemm");
}

tdm_status tdm__cu_gemm(void *state, tdm_dtype dt, tdm_trans ta, tdm_trans tb, size_t m, size_t n,
                        size_t k, double alpha, const void *A, size_t lda, const void *B,
                        size_t ldb, double beta, void *C, size_t ldc) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__gemm(st, dt, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
  return tdm__cu_end(st, s);
}

static tdm_status tdm__crossprod(tdm__cu *st, tdm_dtype dt, size_t n, size_t p, const void *X,
                                 size_t ldx, void *C, size_t ldc) {
  cublasHandle_t h;
  TDM__TRY(tdm__cu_blas_handle(st, &h));
  if (dt == TDM_F64) {
    double one = 1, zero = 0;
    TDM__TRY(tdm__cu_blas(tdm__calls.blasDsyrk(h, CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_T, (int)p, (int)n,
                                            &one, X, (int)ldx, &zero, C, (int)ldc),
                          "cublasDsyrk"));
  } else {
    float one = 1, zero = 0;
    TDM__TRY(tdm__cu_blas(tdm__calls.blasSsyrk(h, CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_T, (int)p, (int)n,
                                            &one, X, (int)ldx, &zero, C, (int)ldc),
                          "cublasSsyrk"));
  }
  return tdm__cu_rt((cudaError_t)tdm__calls.kFillLower(dt, p, C, ldc, st->stream),
                    "tdmk_fill_lower (kernel launch)");
}

tdm_status tdm__cu_crossprod(void *state, tdm_dtype dt, size_t n, size_t p, const void *X,
                             size_t ldx, void *C, size_t ldc) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__crossprod(st, dt, n, p, X, ldx, C, ldc);
  return tdm__cu_end(st, s);
}

/* potrf of the upper triangle, waited for; TDM_ERR_NUMERIC when devInfo
 * says a leading minor is not positive. The lower part is left as is. */
static tdm_status tdm__potrf(tdm__cu *st, tdm_dtype dt, size_t n, void *A, size_t lda) {
  cusolverDnHandle_t h;
  TDM__TRY(tdm__cu_sol_handle(st, &h));
  int lwork = 0;
  if (dt == TDM_F64)
    TDM__TRY(tdm__cu_sol(tdm__calls.solDpotrfBuf(h, CUBLAS_FILL_MODE_UPPER, (int)n, A, (int)lda, &lwork),
                         "cusolverDnDpotrf_bufferSize"));
  else
    TDM__TRY(tdm__cu_sol(tdm__calls.solSpotrfBuf(h, CUBLAS_FILL_MODE_UPPER, (int)n, A, (int)lda, &lwork),
                         "cusolverDnSpotrf_bufferSize"));
  size_t es = dt == TDM_F64 ? 8 : 4;
  size_t wbytes = ((size_t)(lwork > 0 ? lwork : 0) * es + 15) / 16 * 16;
  void *ws;
  TDM__TRY(tdm__cu_scratch(st, wbytes + 16, &ws));
  int *info = (int *)((char *)ws + wbytes);
  tdm_status s;
  if (dt == TDM_F64)
    s = tdm__cu_sol(tdm__calls.solDpotrf(h, CUBLAS_FILL_MODE_UPPER, (int)n, A, (int)lda, ws, lwork, info),
                    "cusolverDnDpotrf");
  else
    s = tdm__cu_sol(tdm__calls.solSpotrf(h, CUBLAS_FILL_MODE_UPPER, (int)n, A, (int)lda, ws, lwork, info),
                    "cusolverDnSpotrf");
  if (s == TDM_OK)
    s = tdm__cu_rt(tdm__calls.MemcpyAsync(st->small, info, sizeof(int), cudaMemcpyDeviceToHost,
                                       st->stream),
                   "cudaMemcpyAsync");
  tdm__cu_release(st, ws);
  if (s == TDM_OK)
    s = tdm__cu_rt(tdm__calls.StreamSynchronize(st->stream), "potrf (cudaStreamSynchronize)");
  if (s != TDM_OK) return s;
  int inf;
  memcpy(&inf, st->small, sizeof inf);
  TDM__CHECK(inf > 0, TDM_ERR_NUMERIC,
             "A: not positive definite (the leading minor of order %d is not positive)", inf);
  TDM__CHECK(inf < 0, TDM_ERR_BACKEND, "cusolverDn?potrf: argument %d is invalid", -inf);
  return TDM_OK;
}

static tdm_status tdm__zero_lower(tdm__cu *st, tdm_dtype dt, size_t n, void *A, size_t lda) {
  return tdm__cu_rt((cudaError_t)tdm__calls.kZeroLower(dt, n, A, lda, st->stream),
                    "tdmk_zero_lower (kernel launch)");
}

tdm_status tdm__cu_cholesky(void *state, tdm_dtype dt, size_t n, void *A, size_t lda) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__potrf(st, dt, n, A, lda);
  if (s == TDM_OK) s = tdm__zero_lower(st, dt, n, A, lda);
  /* Not positive definite: potrf has already waited for its writes to A. */
  return tdm__cu_end(st, s);
}

tdm_status tdm__cu_solve_spd(void *state, tdm_dtype dt, size_t n, size_t nrhs, void *A, size_t lda,
                             void *B, size_t ldb) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__potrf(st, dt, n, A, lda);
  if (s == TDM_OK) {
    cusolverDnHandle_t h;
    void *info = NULL;
    s = tdm__cu_sol_handle(st, &h);
    /* potrs reports only invalid arguments in devInfo, which the core's
     * checks rule out; its status return covers the rest. */
    if (s == TDM_OK) s = tdm__cu_scratch(st, sizeof(int), &info);
    if (s == TDM_OK && dt == TDM_F64)
      s = tdm__cu_sol(tdm__calls.solDpotrs(h, CUBLAS_FILL_MODE_UPPER, (int)n, (int)nrhs, A, (int)lda, B,
                                        (int)ldb, info),
                      "cusolverDnDpotrs");
    else if (s == TDM_OK)
      s = tdm__cu_sol(tdm__calls.solSpotrs(h, CUBLAS_FILL_MODE_UPPER, (int)n, (int)nrhs, A, (int)lda, B,
                                        (int)ldb, info),
                      "cusolverDnSpotrs");
    tdm__cu_release(st, info);
  }
  if (s == TDM_OK) s = tdm__zero_lower(st, dt, n, A, lda);
  return tdm__cu_end(st, s);
}
