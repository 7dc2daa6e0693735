/* fit_decomp.c -- least squares (geqrf + ormqr + trsm, R read back for the
 * rank test), symmetric eigen-decomposition (syevd) and thin SVD (gesvd;
 * for a wide X the SVD of X' with the factors transposed back) on the GPU.
 * Inputs are copied into pool memory first, so they are never changed. */
#include <string.h>

#include "core/fit_rank.h"
#include "cuda/fit_int.h"

/* Pool scratch split into 256-byte aligned pieces. */
static size_t tdm__cf_up(size_t b) { return (b + 255) / 256 * 256; }

static tdm_status tdm__ls(tdm__cu *st, tdm_dtype dt, size_t n, size_t p, size_t k, const void *X,
                          size_t ldx, const void *Y, size_t ldy, void *B, size_t ldb) {
  cusolverDnHandle_t sh;
  cublasHandle_t bh;
  TDM__TRY(tdm__cu_sol_handle(st, &sh));
  TDM__TRY(tdm__cu_blas_handle(st, &bh));
  size_t es = tdm__cf_es(dt);
  int lw1 = 0, lw2 = 0;
  /* Sizes only: the bufferSize calls read no matrix. */
  TDM__TRY(tdm__cu_sol(CF_S(dt, geqrfBuf, sh, (int)n, (int)p, NULL, (int)n, &lw1),
                       "cusolverDn?geqrf_bufferSize"));
  TDM__TRY(tdm__cu_sol(CF_S(dt, ormqrBuf, sh, CUBLAS_SIDE_LEFT, CUBLAS_OP_T, (int)n, (int)k, (int)p,
                            NULL, (int)n, NULL, NULL, (int)n, &lw2),
                       "cusolverDn?ormqr_bufferSize"));
  int lwork = lw1 > lw2 ? lw1 : lw2;
  size_t oq = 0, oy = oq + tdm__cf_up(n * p * es), ot = oy + tdm__cf_up(n * k * es),
         ow = ot + tdm__cf_up(p * es), oi = ow + tdm__cf_up((size_t)(lwork > 0 ? lwork : 0) * es);
  char *ws;
  TDM__TRY(tdm__cu_scratch(st, oi + 16, (void **)&ws));
  char *QR = ws + oq, *QY = ws + oy, *tau = ws + ot, *work = ws + ow;
  int *info = (int *)(ws + oi), inf[2] = {0, 0};
  void *R = tdm__malloc(p * p * es);
  tdm_status s = R ? TDM_OK : tdm__err(TDM_ERR_NOMEM, "out of host memory for R (%zu bytes)", p * p * es);
  if (s == TDM_OK) s = tdm__cf_copy(st, dt, 0, n, p, X, ldx, QR, n);
  if (s == TDM_OK) s = tdm__cf_copy(st, dt, 0, n, k, Y, ldy, QY, n);
  if (s == TDM_OK)
    s = tdm__cu_sol(CF_S(dt, geqrf, sh, (int)n, (int)p, (void *)QR, (int)n, (void *)tau,
                         (void *)work, lwork, info),
                    "cusolverDn?geqrf");
  if (s == TDM_OK)
    s = tdm__cu_sol(CF_S(dt, ormqr, sh, CUBLAS_SIDE_LEFT, CUBLAS_OP_T, (int)n, (int)k, (int)p,
                         (const void *)QR, (int)n, (const void *)tau, (void *)QY, (int)n,
                         (void *)work, lwork, info + 1),
                    "cusolverDn?ormqr");
  if (s == TDM_OK)
    s = tdm__cu_blas(tdm__calls.blasGetMatrixAsync((int)p, (int)p, (int)es, QR, (int)n, R, (int)p,
                                                   st->stream),
                     "cublasGetMatrixAsync (R)");
  if (s == TDM_OK) s = tdm__cf_infos(st, info, 2, inf, "geqrf (cudaStreamSynchronize)");
  if (s == TDM_OK && (inf[0] || inf[1]))
    s = tdm__err(TDM_ERR_BACKEND, "cusolverDn?geqrf/ormqr: devInfo %d, %d", inf[0], inf[1]);
  if (s == TDM_OK) s = tdm__fit_rank_check(dt, n, p, R, p);
  if (s == TDM_OK) {
    tdm__cf_num one = tdm__cf_num_of(dt, 1);
    s = tdm__cu_blas(CF_B(dt, trsm, bh, CUBLAS_SIDE_LEFT, CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_N,
                          CUBLAS_DIAG_NON_UNIT, (int)p, (int)k, (void *)&one, (const void *)QR,
                          (int)n, (void *)QY, (int)n),
                     "cublas?trsm");
  }
  if (s == TDM_OK) s = tdm__cf_copy(st, dt, 0, p, k, QY, n, B, ldb);
  tdm__cu_release(st, ws);
  tdm__free(R);
  return s;
}

tdm_status tdm__cu_lstsq(void *state, tdm_dtype dt, size_t n, size_t p, size_t k, const void *X,
                         size_t ldx, const void *Y, size_t ldy, void *B, size_t ldb) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__ls(st, dt, n, p, k, X, ldx, Y, ldy, B, ldb);
  return tdm__cu_end(st, s);
}

static tdm_status tdm__eig(tdm__cu *st, tdm_dtype dt, size_t n, const void *A, size_t lda, void *w,
                           size_t incw, void *V, size_t ldv) {
  cusolverDnHandle_t sh;
  cublasHandle_t bh;
  TDM__TRY(tdm__cu_sol_handle(st, &sh));
  TDM__TRY(tdm__cu_blas_handle(st, &bh));
  size_t es = tdm__cf_es(dt);
  cusolverEigMode_t job = V ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
  int lwork = 0;
  TDM__TRY(tdm__cu_sol(CF_S(dt, syevdBuf, sh, job, CUBLAS_FILL_MODE_LOWER, (int)n, NULL, (int)n,
                            NULL, &lwork),
                       "cusolverDn?syevd_bufferSize"));
  size_t om = 0, ow = om + (V ? 0 : tdm__cf_up(n * n * es)), ok = ow + (incw != 1 ? tdm__cf_up(n * es) : 0),
         oi = ok + tdm__cf_up((size_t)(lwork > 0 ? lwork : 0) * es);
  char *ws;
  TDM__TRY(tdm__cu_scratch(st, oi + 16, (void **)&ws));
  void *M = V ? V : (void *)(ws + om), *W = incw != 1 ? (void *)(ws + ow) : w;
  size_t ldm = V ? ldv : n;
  int *info = (int *)(ws + oi), inf = 0;
  tdm_status s = tdm__cf_copy(st, dt, 0, n, n, A, lda, M, ldm);
  if (s == TDM_OK)
    s = tdm__cu_sol(CF_S(dt, syevd, sh, job, CUBLAS_FILL_MODE_LOWER, (int)n, M, (int)ldm, W,
                         (void *)(ws + ok), lwork, info),
                    "cusolverDn?syevd");
  if (s == TDM_OK && incw != 1)
    s = tdm__cu_blas(CF_B(dt, copy, bh, (int)n, (const void *)W, 1, w, (int)incw), "cublas?copy");
  if (s == TDM_OK) s = tdm__cf_infos(st, info, 1, &inf, "syevd (cudaStreamSynchronize)");
  tdm__cu_release(st, ws);
  TDM__TRY(s);
  TDM__CHECK(inf > 0, TDM_ERR_NUMERIC,
             "A: the eigenvalue iteration did not converge (syevd devInfo %d; NaN or inf in A?)", inf);
  TDM__CHECK(inf < 0, TDM_ERR_BACKEND, "cusolverDn?syevd: argument %d is invalid", -inf);
  return TDM_OK;
}

tdm_status tdm__cu_eigh(void *state, tdm_dtype dt, size_t n, const void *A, size_t lda, void *w,
                        size_t incw, void *V, size_t ldv) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__eig(st, dt, n, A, lda, w, incw, V, ldv);
  return tdm__cu_end(st, s);
}

/* gesvd wants rows >= cols: a wide X (m < n) is done as X' = U2 S Vt2,
 * so U = Vt2' and Vt = U2'. */
static tdm_status tdm__sv(tdm__cu *st, tdm_dtype dt, size_t m, size_t n, const void *X, size_t ldx,
                          void *U, size_t ldu, void *s, size_t incs, void *Vt, size_t ldvt) {
  cusolverDnHandle_t sh;
  cublasHandle_t bh;
  TDM__TRY(tdm__cu_sol_handle(st, &sh));
  TDM__TRY(tdm__cu_blas_handle(st, &bh));
  size_t es = tdm__cf_es(dt);
  int wide = m < n, vecs = U || Vt;
  size_t M = wide ? n : m, N = wide ? m : n, k = N; /* the tall problem: M x N, M >= N */
  /* Factors of the tall problem go straight to U and Vt when X is tall and
   * both are given; else to scratch. */
  int direct_u = !wide && U, direct_v = !wide && Vt;
  int lwork = 0;
  TDM__TRY(tdm__cu_sol(CF_S(dt, gesvdBuf, sh, (int)M, (int)N, &lwork), "cusolverDn?gesvd_bufferSize"));
  size_t oa = 0, ou = oa + tdm__cf_up(M * N * es),
         ov = ou + (vecs && !direct_u ? tdm__cf_up(M * k * es) : 0),
         os = ov + (vecs && !direct_v ? tdm__cf_up(k * N * es) : 0),
         orw = os + (incs != 1 ? tdm__cf_up(k * es) : 0), ow = orw + tdm__cf_up(k * es),
         oi = ow + tdm__cf_up((size_t)(lwork > 0 ? lwork : 0) * es);
  char *ws;
  TDM__TRY(tdm__cu_scratch(st, oi + 16, (void **)&ws));
  void *A = ws + oa, *S = incs != 1 ? (void *)(ws + os) : s;
  void *Ut = !vecs ? NULL : direct_u ? U : (void *)(ws + ou);
  void *VTt = !vecs ? NULL : direct_v ? Vt : (void *)(ws + ov);
  size_t ldut = direct_u ? ldu : M, ldvtt = direct_v ? ldvt : k;
  int *info = (int *)(ws + oi), inf = 0;
  signed char job = vecs ? 'S' : 'N';
  tdm_status r = tdm__cf_copy(st, dt, wide, M, N, X, ldx, A, M);
  if (r == TDM_OK)
    r = tdm__cu_sol(CF_S(dt, gesvd, sh, job, job, (int)M, (int)N, A, (int)M, S, Ut,
                         (int)(vecs ? ldut : 1), VTt, (int)(vecs ? ldvtt : 1), (void *)(ws + ow),
                         lwork, (void *)(ws + orw), info),
                    "cusolverDn?gesvd");
  if (r == TDM_OK && incs != 1)
    r = tdm__cu_blas(CF_B(dt, copy, bh, (int)k, (const void *)S, 1, s, (int)incs), "cublas?copy");
  if (r == TDM_OK && vecs && !direct_u && U) /* U (m x k): tall U2, or Vt2' (Vt2 k x m) */
    r = wide ? tdm__cf_copy(st, dt, 1, m, k, VTt, ldvtt, U, ldu)
             : tdm__cf_copy(st, dt, 0, m, k, Ut, ldut, U, ldu);
  if (r == TDM_OK && vecs && !direct_v && Vt) /* Vt (k x n): tall VT2, or U2' (U2 n x k) */
    r = wide ? tdm__cf_copy(st, dt, 1, k, n, Ut, ldut, Vt, ldvt)
             : tdm__cf_copy(st, dt, 0, k, n, VTt, ldvtt, Vt, ldvt);
  if (r == TDM_OK) r = tdm__cf_infos(st, info, 1, &inf, "gesvd (cudaStreamSynchronize)");
  tdm__cu_release(st, ws);
  TDM__TRY(r);
  TDM__CHECK(inf > 0, TDM_ERR_NUMERIC,
             "X: the SVD iteration did not converge (gesvd devInfo %d; NaN or inf in X?)", inf);
  TDM__CHECK(inf < 0, TDM_ERR_BACKEND, "cusolverDn?gesvd: argument %d is invalid", -inf);
  return TDM_OK;
}

tdm_status tdm__cu_svd(void *state, tdm_dtype dt, size_t m, size_t n, const void *X, size_t ldx,
                       void *U, size_t ldu, void *s, size_t incs, void *Vt, size_t ldvt) {
  tdm__cu *st = state;
  tdm_status r = tdm__cu_begin(st);
  if (r == TDM_OK) r = tdm__sv(st, dt, m, n, X, ldx, U, ldu, s, incs, Vt, ldvt);
  return tdm__cu_end(st, r);
}
