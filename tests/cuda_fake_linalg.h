/* cuda_fake_linalg.h -- the fake GPU's cuBLAS/cuSOLVER entries for the
 * model-fitting calls (gemv, dgmm, trsm, geam, copy, Get{Vector,Matrix}Async,
 * potri, geqrf, ormqr, syevd, gesvd) on OpenBLAS/LAPACKE, and the mirror
 * kernel as a loop; part of cuda_fake.h. Each solver asserts it got the
 * workspace its bufferSize asked for, and gesvd that rows >= cols, as the
 * real ones require. fkl_status makes the next solver call fail. */
#ifndef TDM_TEST_CUDA_FAKE_LINALG_H
#define TDM_TEST_CUDA_FAKE_LINALG_H

static struct {
  cusolverStatus_t solver_status; /* returned by the next factorization, then cleared */
  int devinfo;                    /* written as devInfo by the next factorization, then cleared */
  long calls;                     /* factorizations run */
} fkl;

static cusolverStatus_t fkl_next(int *info) {
  fkl.calls++;
  cusolverStatus_t s = fkl.solver_status;
  fkl.solver_status = CUSOLVER_STATUS_SUCCESS;
  if (info && fkl.devinfo) {
    *info = fkl.devinfo;
    fkl.devinfo = 0;
    return s ? s : (cusolverStatus_t)-1; /* -1: devInfo already set */
  }
  return s;
}
#define FKL_RUN(info)                                                                              \
  do {                                                                                             \
    cusolverStatus_t s_ = fkl_next(info);                                                          \
    if (s_ == (cusolverStatus_t)-1) return CUSOLVER_STATUS_SUCCESS;                                \
    if (s_) return s_;                                                                             \
  } while (0)

static char fkl_ul(cublasFillMode_t u) { return u == CUBLAS_FILL_MODE_UPPER ? 'U' : 'L'; }

/* ---- cuBLAS ------------------------------------------------------------- */
#define FKL_BLAS(P, T, CB)                                                                         \
  static cublasStatus_t f_blas##P##gemv(cublasHandle_t h, cublasOperation_t t, int m, int n,        \
                                        const T *al, const T *A, int lda, const T *x, int ix,       \
                                        const T *be, T *y, int iy) {                                \
    (void)h;                                                                                       \
    cblas_##CB##gemv(CblasColMajor, fk_t(t), m, n, *al, A, lda, x, ix, *be, y, iy);                 \
    return CUBLAS_STATUS_SUCCESS;                                                                  \
  }                                                                                                \
  static cublasStatus_t f_blas##P##dgmm(cublasHandle_t h, cublasSideMode_t sd, int m, int n,        \
                                        const T *A, int lda, const T *x, int ix, T *C, int ldc) {   \
    (void)h;                                                                                       \
    for (int j = 0; j < n; j++)                                                                    \
      for (int i = 0; i < m; i++)                                                                  \
        C[i + (size_t)j * ldc] =                                                                   \
            A[i + (size_t)j * lda] * x[(sd == CUBLAS_SIDE_LEFT ? i : j) * (size_t)ix];             \
    return CUBLAS_STATUS_SUCCESS;                                                                  \
  }                                                                                                \
  static cublasStatus_t f_blas##P##trsm(cublasHandle_t h, cublasSideMode_t sd, cublasFillMode_t u,  \
                                        cublasOperation_t t, cublasDiagType_t dg, int m, int n,     \
                                        const T *al, const T *A, int lda, T *B, int ldb) {          \
    (void)h;                                                                                       \
    cblas_##CB##trsm(CblasColMajor, sd == CUBLAS_SIDE_LEFT ? CblasLeft : CblasRight,                \
                     u == CUBLAS_FILL_MODE_UPPER ? CblasUpper : CblasLower, fk_t(t),                \
                     dg == CUBLAS_DIAG_UNIT ? CblasUnit : CblasNonUnit, m, n, *al, A, lda, B, ldb); \
    return CUBLAS_STATUS_SUCCESS;                                                                  \
  }                                                                                                \
  static cublasStatus_t f_blas##P##geam(cublasHandle_t h, cublasOperation_t ta,                     \
                                        cublasOperation_t tb, int m, int n, const T *al,            \
                                        const T *A, int lda, const T *be, const T *B, int ldb,      \
                                        T *C, int ldc) {                                            \
    (void)h;                                                                                       \
    for (int j = 0; j < n; j++)                                                                    \
      for (int i = 0; i < m; i++) {                                                                \
        T a = ta == CUBLAS_OP_T ? A[j + (size_t)i * lda] : A[i + (size_t)j * lda];                 \
        T b = *be == 0 ? 0 : tb == CUBLAS_OP_T ? B[j + (size_t)i * ldb] : B[i + (size_t)j * ldb];  \
        C[i + (size_t)j * ldc] = *al * a + *be * b;                                                \
      }                                                                                            \
    return CUBLAS_STATUS_SUCCESS;                                                                  \
  }                                                                                                \
  static cublasStatus_t f_blas##P##copy(cublasHandle_t h, int n, const T *x, int ix, T *y,          \
                                        int iy) {                                                   \
    (void)h;                                                                                       \
    cblas_##CB##copy(n, x, ix, y, iy);                                                             \
    return CUBLAS_STATUS_SUCCESS;                                                                  \
  }
FKL_BLAS(S, float, s)
FKL_BLAS(D, double, d)

static cublasStatus_t f_blasGetVectorAsync(int n, int es, const void *x, int ix, void *y, int iy,
                                           cudaStream_t s) {
  (void)s;
  fk.d2h_copies++;
  for (int i = 0; i < n; i++)
    memcpy((char *)y + (size_t)i * iy * es, (const char *)x + (size_t)i * ix * es, (size_t)es);
  return CUBLAS_STATUS_SUCCESS;
}
static cublasStatus_t f_blasGetMatrixAsync(int r, int c, int es, const void *A, int lda, void *B,
                                           int ldb, cudaStream_t s) {
  (void)s;
  fk.d2h_copies++;
  for (int j = 0; j < c; j++)
    memcpy((char *)B + (size_t)j * ldb * es, (const char *)A + (size_t)j * lda * es, (size_t)r * es);
  return CUBLAS_STATUS_SUCCESS;
}

/* ---- cuSOLVER ------------------------------------------------------------ */
#define FKL_SOL(P, T, LC)                                                                          \
  static cusolverStatus_t f_sol##P##potriBuf(cusolverDnHandle_t h, cublasFillMode_t u, int n,      \
                                             T *A, int lda, int *lw) {                             \
    (void)h, (void)u, (void)A, (void)lda;                                                         \
    *lw = 2 * n;                                                                                   \
    return CUSOLVER_STATUS_SUCCESS;                                                                \
  }                                                                                                \
  static cusolverStatus_t f_sol##P##potri(cusolverDnHandle_t h, cublasFillMode_t u, int n, T *A,   \
                                          int lda, T *w, int lw, int *info) {                      \
    (void)h, (void)w;                                                                              \
    cr_assert_geq(lw, 2 * n, "potri got its workspace");                                           \
    FKL_RUN(info);                                                                                 \
    *info = LAPACKE_##LC##potri(LAPACK_COL_MAJOR, fkl_ul(u), n, A, lda);                          \
    return CUSOLVER_STATUS_SUCCESS;                                                                \
  }                                                                                                \
  static cusolverStatus_t f_sol##P##geqrfBuf(cusolverDnHandle_t h, int m, int n, T *A, int lda,    \
                                             int *lw) {                                            \
    (void)h, (void)m, (void)A, (void)lda;                                                         \
    *lw = 3 * n;                                                                                   \
    return CUSOLVER_STATUS_SUCCESS;                                                                \
  }                                                                                                \
  static cusolverStatus_t f_sol##P##geqrf(cusolverDnHandle_t h, int m, int n, T *A, int lda,       \
                                          T *tau, T *w, int lw, int *info) {                       \
    (void)h, (void)w;                                                                              \
    cr_assert_geq(lw, 3 * n, "geqrf got its workspace");                                           \
    FKL_RUN(info);                                                                                 \
    *info = LAPACKE_##LC##geqrf(LAPACK_COL_MAJOR, m, n, A, lda, tau);                             \
    return CUSOLVER_STATUS_SUCCESS;                                                                \
  }                                                                                                \
  static cusolverStatus_t f_sol##P##ormqrBuf(cusolverDnHandle_t h, cublasSideMode_t sd,            \
                                             cublasOperation_t t, int m, int n, int k, const T *A, \
                                             int lda, const T *tau, const T *C, int ldc,           \
                                             int *lw) {                                            \
    (void)h, (void)sd, (void)t, (void)m, (void)k, (void)A, (void)lda, (void)tau, (void)C,         \
        (void)ldc;                                                                                 \
    *lw = 5 * n;                                                                                   \
    return CUSOLVER_STATUS_SUCCESS;                                                                \
  }                                                                                                \
  static cusolverStatus_t f_sol##P##ormqr(cusolverDnHandle_t h, cublasSideMode_t sd,               \
                                          cublasOperation_t t, int m, int n, int k, const T *A,    \
                                          int lda, const T *tau, T *C, int ldc, T *w, int lw,      \
                                          int *info) {                                             \
    (void)h, (void)w;                                                                              \
    cr_assert_geq(lw, 5 * n, "ormqr got its workspace");                                           \
    FKL_RUN(info);                                                                                 \
    *info = LAPACKE_##LC##ormqr(LAPACK_COL_MAJOR, sd == CUBLAS_SIDE_LEFT ? 'L' : 'R',             \
                                t == CUBLAS_OP_T ? 'T' : 'N', m, n, k, A, lda, tau, C, ldc);      \
    return CUSOLVER_STATUS_SUCCESS;                                                                \
  }                                                                                                \
  static cusolverStatus_t f_sol##P##syevdBuf(cusolverDnHandle_t h, cusolverEigMode_t j,            \
                                             cublasFillMode_t u, int n, const T *A, int lda,       \
                                             const T *W, int *lw) {                                \
    (void)h, (void)j, (void)u, (void)A, (void)lda, (void)W;                                       \
    *lw = 7 * n;                                                                                   \
    return CUSOLVER_STATUS_SUCCESS;                                                                \
  }                                                                                                \
  static cusolverStatus_t f_sol##P##syevd(cusolverDnHandle_t h, cusolverEigMode_t j,               \
                                          cublasFillMode_t u, int n, T *A, int lda, T *W, T *w,    \
                                          int lw, int *info) {                                     \
    (void)h, (void)w;                                                                              \
    cr_assert_geq(lw, 7 * n, "syevd got its workspace");                                           \
    FKL_RUN(info);                                                                                 \
    *info = LAPACKE_##LC##syevd(LAPACK_COL_MAJOR, j == CUSOLVER_EIG_MODE_VECTOR ? 'V' : 'N',      \
                                fkl_ul(u), n, A, lda, W);                                          \
    return CUSOLVER_STATUS_SUCCESS;                                                                \
  }                                                                                                \
  static cusolverStatus_t f_sol##P##gesvdBuf(cusolverDnHandle_t h, int m, int n, int *lw) {        \
    (void)h;                                                                                       \
    *lw = 4 * (m + n);                                                                             \
    return CUSOLVER_STATUS_SUCCESS;                                                                \
  }                                                                                                \
  static cusolverStatus_t f_sol##P##gesvd(cusolverDnHandle_t h, signed char ju, signed char jv,    \
                                          int m, int n, T *A, int lda, T *S, T *U, int ldu, T *VT, \
                                          int ldvt, T *w, int lw, T *rw, int *info) {              \
    (void)h, (void)w;                                                                              \
    cr_assert_geq(m, n, "cusolverDn?gesvd supports m >= n only");                                  \
    cr_assert_geq(lw, 4 * (m + n), "gesvd got its workspace");                                     \
    cr_assert(rw, "gesvd got rwork");                                                              \
    FKL_RUN(info);                                                                                 \
    *info = LAPACKE_##LC##gesvd(LAPACK_COL_MAJOR, (char)ju, (char)jv, m, n, A, lda, S, U, ldu, VT, \
                                ldvt, rw);                                                         \
    return CUSOLVER_STATUS_SUCCESS;                                                                \
  }
FKL_SOL(S, float, s)
FKL_SOL(D, double, d)

static int f_kFitMirror(tdm_dtype dt, size_t n, void *A, size_t lda, void *stream) {
  (void)stream;
  if (fk.kernel_err) return fk.kernel_err;
  for (size_t j = 0; j < n; j++)
    for (size_t i = j + 1; i < n; i++) {
      if (dt == TDM_F64) ((double *)A)[i + j * lda] = ((double *)A)[j + i * lda];
      else ((float *)A)[i + j * lda] = ((float *)A)[j + i * lda];
    }
  return 0;
}

static void fake_install_linalg(tdm__cuda_calls *c) {
  memset(&fkl, 0, sizeof fkl);
#define FKL(field) c->field = f_##field;
  FKL(blasSgemv) FKL(blasDgemv) FKL(blasSdgmm) FKL(blasDdgmm) FKL(blasStrsm) FKL(blasDtrsm)
  FKL(blasSgeam) FKL(blasDgeam) FKL(blasScopy) FKL(blasDcopy) FKL(blasGetVectorAsync)
  FKL(blasGetMatrixAsync) FKL(solSpotriBuf) FKL(solDpotriBuf) FKL(solSpotri) FKL(solDpotri)
  FKL(solSgeqrfBuf) FKL(solDgeqrfBuf) FKL(solSgeqrf) FKL(solDgeqrf) FKL(solSormqrBuf)
  FKL(solDormqrBuf) FKL(solSormqr) FKL(solDormqr) FKL(solSsyevdBuf) FKL(solDsyevdBuf)
  FKL(solSsyevd) FKL(solDsyevd) FKL(solSgesvdBuf) FKL(solDgesvdBuf) FKL(solSgesvd)
  FKL(solDgesvd) FKL(kFitMirror)
#undef FKL
}

#endif
