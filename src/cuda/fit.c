/* fit.c -- gemv, X'WX, triangular solves and the inverse from a Cholesky
 * factor on the GPU (cuBLAS, cuSOLVER), each operand by its ld. X'WX runs
 * over blocks of rows: dgmm scales a block by w into a pool tile, gemm
 * adds X_blk' (W X_blk) into C, and the mirror kernel makes C exactly
 * symmetric; no n x p temporary. A zero pivot of R is found before any
 * solve (the diagonal is read back), so B stays as it was. */
#include <string.h>

#include "cuda/fit_int.h"

static cublasOperation_t tdm__cf_op(int t) { return t ? CUBLAS_OP_T : CUBLAS_OP_N; }

tdm_status tdm__cf_copy(tdm__cu *st, tdm_dtype dt, int t, size_t m, size_t n, const void *src,
                        size_t lds, void *dst, size_t ldd) {
  cublasHandle_t h;
  TDM__TRY(tdm__cu_blas_handle(st, &h));
  tdm__cf_num one = tdm__cf_num_of(dt, 1), zero = tdm__cf_num_of(dt, 0);
  /* beta = 0 with B = C (geam's in-place form): B is not read. */
  return tdm__cu_blas(CF_B(dt, geam, h, tdm__cf_op(t), CUBLAS_OP_N, (int)m, (int)n, (void *)&one,
                           src, (int)lds, (void *)&zero, dst, (int)ldd, dst, (int)ldd),
                      "cublas?geam (copy)");
}

tdm_status tdm__cf_infos(tdm__cu *st, const int *dev, int nint, int *out, const char *what) {
  TDM__TRY(tdm__cu_rt(tdm__calls.MemcpyAsync(st->small, dev, (size_t)nint * sizeof(int),
                                             cudaMemcpyDeviceToHost, st->stream),
                      "cudaMemcpyAsync (devInfo)"));
  TDM__TRY(tdm__cu_rt(tdm__calls.StreamSynchronize(st->stream), what));
  memcpy(out, st->small, (size_t)nint * sizeof(int));
  return TDM_OK;
}

tdm_status tdm__cf_mirror(tdm__cu *st, tdm_dtype dt, size_t n, void *A, size_t lda) {
  return tdm__cu_rt((cudaError_t)tdm__calls.kFitMirror(dt, n, A, lda, st->stream),
                    "tdmk_fit_mirror (kernel launch)");
}

tdm_status tdm__cu_gemv(void *state, tdm_dtype dt, tdm_trans ta, size_t m, size_t n, double alpha,
                        const void *A, size_t lda, const void *x, size_t incx, double beta,
                        void *y, size_t incy) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  cublasHandle_t h;
  if (s == TDM_OK) s = tdm__cu_blas_handle(st, &h);
  if (s == TDM_OK) {
    tdm__cf_num a = tdm__cf_num_of(dt, alpha), b = tdm__cf_num_of(dt, beta);
    s = tdm__cu_blas(CF_B(dt, gemv, h, tdm__cf_op(ta), (int)m, (int)n, (void *)&a, A, (int)lda, x,
                          (int)incx, (void *)&b, y, (int)incy),
                     "cublas?gemv");
  }
  return tdm__cu_end(st, s);
}

static tdm_status tdm__xw(tdm__cu *st, tdm_dtype dt, size_t n, size_t p, const void *X, size_t ldx,
                          const void *w, void *C, size_t ldc) {
  cublasHandle_t h;
  TDM__TRY(tdm__cu_blas_handle(st, &h));
  size_t es = tdm__cf_es(dt);
  size_t nb = ((size_t)32 << 20) / (es * p); /* a 32 MiB tile */
  nb = nb < 256 ? 256 : nb;
  if (nb > n) nb = n;
  void *T;
  TDM__TRY(tdm__cu_scratch(st, nb * p * es, &T));
  tdm__cf_num one = tdm__cf_num_of(dt, 1), zero = tdm__cf_num_of(dt, 0);
  tdm_status s = TDM_OK;
  for (size_t b = 0; b < n && s == TDM_OK; b += nb) {
    size_t r = n - b < nb ? n - b : nb;
    const char *Xb = (const char *)X + b * es;
    s = tdm__cu_blas(CF_B(dt, dgmm, h, CUBLAS_SIDE_LEFT, (int)r, (int)p, (const void *)Xb, (int)ldx,
                          (const void *)((const char *)w + b * es), 1, T, (int)nb),
                     "cublas?dgmm");
    if (s == TDM_OK)
      s = tdm__cu_blas(CF_B(dt, gemm, h, CUBLAS_OP_T, CUBLAS_OP_N, (int)p, (int)p, (int)r,
                            (void *)&one, (const void *)Xb, (int)ldx, T, (int)nb,
                            b ? (void *)&one : (void *)&zero, C, (int)ldc),
                       "cublas?gemm");
  }
  tdm__cu_release(st, T);
  if (s == TDM_OK) s = tdm__cf_mirror(st, dt, p, C, ldc);
  return s;
}

tdm_status tdm__cu_crossprod_w(void *state, tdm_dtype dt, size_t n, size_t p, const void *X,
                               size_t ldx, const void *w, void *C, size_t ldc) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__xw(st, dt, n, p, X, ldx, w, C, ldc);
  return tdm__cu_end(st, s);
}

/* TDM_ERR_NUMERIC when R (n x n) has an exact zero on its diagonal. */
static tdm_status tdm__cf_diag_check(tdm__cu *st, tdm_dtype dt, size_t n, const void *R,
                                     size_t ldr) {
  size_t es = tdm__cf_es(dt), bytes = n * es;
  void *host = bytes <= TDM__CU_SMALL ? st->small : tdm__malloc(bytes);
  TDM__CHECK(!host, TDM_ERR_NOMEM, "out of host memory for R's diagonal (%zu bytes)", bytes);
  tdm_status s = tdm__cu_blas(tdm__calls.blasGetVectorAsync((int)n, (int)es, R, (int)ldr + 1, host,
                                                            1, st->stream),
                              "cublasGetVectorAsync (R's diagonal)");
  if (s == TDM_OK)
    s = tdm__cu_rt(tdm__calls.StreamSynchronize(st->stream), "cudaStreamSynchronize (diagonal)");
  for (size_t i = 0; s == TDM_OK && i < n; i++) {
    double d = dt == TDM_F64 ? ((const double *)host)[i] : (double)((const float *)host)[i];
    if (d == 0)
      s = tdm__err(TDM_ERR_NUMERIC, "R: singular: diagonal element %zu (1-based) is zero", i + 1);
  }
  if (host != st->small) tdm__free(host);
  return s;
}

tdm_status tdm__cu_solve_tri(void *state, tdm_dtype dt, tdm_trans t, size_t n, size_t nrhs,
                             const void *R, size_t ldr, void *B, size_t ldb) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  cublasHandle_t h;
  if (s == TDM_OK) s = tdm__cf_diag_check(st, dt, n, R, ldr);
  if (s == TDM_OK) s = tdm__cu_blas_handle(st, &h);
  if (s == TDM_OK) {
    tdm__cf_num one = tdm__cf_num_of(dt, 1);
    s = tdm__cu_blas(CF_B(dt, trsm, h, CUBLAS_SIDE_LEFT, CUBLAS_FILL_MODE_UPPER, tdm__cf_op(t),
                          CUBLAS_DIAG_NON_UNIT, (int)n, (int)nrhs, (void *)&one, R, (int)ldr, B,
                          (int)ldb),
                     "cublas?trsm");
  }
  return tdm__cu_end(st, s);
}

static tdm_status tdm__cinv(tdm__cu *st, tdm_dtype dt, size_t n, const void *R, size_t ldr,
                            void *A, size_t lda) {
  cusolverDnHandle_t h;
  TDM__TRY(tdm__cu_sol_handle(st, &h));
  TDM__TRY(tdm__cf_copy(st, dt, 0, n, n, R, ldr, A, lda)); /* potri reads the upper part */
  int lwork = 0;
  TDM__TRY(tdm__cu_sol(CF_S(dt, potriBuf, h, CUBLAS_FILL_MODE_UPPER, (int)n, A, (int)lda, &lwork),
                       "cusolverDn?potri_bufferSize"));
  size_t es = tdm__cf_es(dt), wbytes = ((size_t)(lwork > 0 ? lwork : 0) * es + 15) / 16 * 16;
  void *ws;
  TDM__TRY(tdm__cu_scratch(st, wbytes + 16, &ws));
  int *info = (int *)((char *)ws + wbytes), inf = 0;
  tdm_status s = tdm__cu_sol(CF_S(dt, potri, h, CUBLAS_FILL_MODE_UPPER, (int)n, A, (int)lda, ws,
                                  lwork, info),
                             "cusolverDn?potri");
  if (s == TDM_OK) s = tdm__cf_infos(st, info, 1, &inf, "potri (cudaStreamSynchronize)");
  tdm__cu_release(st, ws);
  TDM__TRY(s);
  TDM__CHECK(inf > 0, TDM_ERR_NUMERIC, "R: singular: diagonal element %d (1-based) is zero", inf);
  TDM__CHECK(inf < 0, TDM_ERR_BACKEND, "cusolverDn?potri: argument %d is invalid", -inf);
  return tdm__cf_mirror(st, dt, n, A, lda);
}

tdm_status tdm__cu_chol_inverse(void *state, tdm_dtype dt, size_t n, const void *R, size_t ldr,
                                void *A, size_t lda) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__cinv(st, dt, n, R, ldr, A, lda);
  return tdm__cu_end(st, s);
}
