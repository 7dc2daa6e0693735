/* fit_eig.c -- symmetric eigen-decomposition (?syevd, divide and conquer)
 * and thin SVD (?gesdd) on the CPU. The input is copied first: into V when
 * eigenvectors are asked for (syevd overwrites it with them), else into
 * work space; gesdd always gets a copy of X. Work space, workspace queries
 * and strided vectors (a 1 x n view) go through tdm__malloc. */
#include <lapacke.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "cpu/fit.h"

static void tdm__vec_out(tdm_dtype dt, size_t n, const void *src, void *dst, size_t inc) {
  for (size_t i = 0; i < n; i++) {
    if (dt == TDM_F64) ((double *)dst)[i * inc] = ((const double *)src)[i];
    else ((float *)dst)[i * inc] = ((const float *)src)[i];
  }
}

static lapack_int tdm__syevd(tdm_dtype dt, char jobz, size_t n, void *A, size_t lda, void *w,
                             void *work, lapack_int lwork, lapack_int *iwork, lapack_int liwork) {
  const char lo = 'L';
  lapack_int nn = (lapack_int)n, la = (lapack_int)lda, info = 0;
  if (dt == TDM_F64) LAPACK_dsyevd(&jobz, &lo, &nn, A, &la, w, work, &lwork, iwork, &liwork, &info);
  else LAPACK_ssyevd(&jobz, &lo, &nn, A, &la, w, work, &lwork, iwork, &liwork, &info);
  return info;
}

tdm_status tdm__cpu_eigh(void *st, tdm_dtype dt, size_t n, const void *A, size_t lda, void *w,
                         size_t incw, void *V, size_t ldv) {
  size_t es = dt == TDM_F64 ? 8 : 4;
  char jobz = V ? 'V' : 'N';
  double q[2] = {0, 0};
  lapack_int iq = 0;
  tdm__syevd(dt, jobz, n, NULL, n, NULL, q, -1, &iq, -1);
  size_t lwork = tdm__fit_lwork(dt, q), liwork = iq > 1 ? (size_t)iq : 1;
  size_t acopy = V ? 0 : n * n, wcopy = incw != 1 ? n : 0;
  size_t bytes = (acopy + wcopy + lwork) * es + liwork * sizeof(lapack_int);
  char *work = tdm__malloc(bytes);
  TDM__CHECK(!work, TDM_ERR_NOMEM, "out of host memory for %zu bytes of eigen work space", bytes);
  void *M = V ? V : work;
  size_t ldm = V ? ldv : n;
  void *wv = incw != 1 ? work + acopy * es : w;
  char *lw = work + (acopy + wcopy) * es;
  lapack_int *iw = (lapack_int *)(lw + lwork * es);
  tdm__fit_copy(es, n, n, A, lda, M, ldm);
  tdm__blas_threads(st);
  lapack_int info = tdm__syevd(dt, jobz, n, M, ldm, wv, lw, (lapack_int)lwork, iw,
                               (lapack_int)liwork);
  tdm__blas_done();
  if (info == 0 && incw != 1) tdm__vec_out(dt, n, wv, w, incw);
  tdm__free(work);
  TDM__CHECK(info > 0, TDM_ERR_NUMERIC,
             "A: the eigenvalue iteration did not converge (?syevd info %d; NaN or inf in A?)",
             (int)info);
  TDM__CHECK(info < 0, TDM_ERR_BACKEND, "?syevd: argument %d is invalid", (int)-info);
  return TDM_OK;
}

static lapack_int tdm__gesdd(tdm_dtype dt, char jobz, size_t m, size_t n, void *A, size_t lda,
                             void *s, void *U, size_t ldu, void *Vt, size_t ldvt, void *work,
                             lapack_int lwork, lapack_int *iwork) {
  lapack_int mm = (lapack_int)m, nn = (lapack_int)n, la = (lapack_int)lda, lu = (lapack_int)ldu,
             lv = (lapack_int)ldvt, info = 0;
  if (dt == TDM_F64)
    LAPACK_dgesdd(&jobz, &mm, &nn, A, &la, s, U, &lu, Vt, &lv, work, &lwork, iwork, &info);
  else LAPACK_sgesdd(&jobz, &mm, &nn, A, &la, s, U, &lu, Vt, &lv, work, &lwork, iwork, &info);
  return info;
}

tdm_status tdm__cpu_svd(void *st, tdm_dtype dt, size_t m, size_t n, const void *X, size_t ldx,
                        void *U, size_t ldu, void *s, size_t incs, void *Vt, size_t ldvt) {
  size_t es = dt == TDM_F64 ? 8 : 4, k = m < n ? m : n;
  int vecs = U || Vt;
  char jobz = vecs ? 'S' : 'N';
  /* Vectors asked for only on one side: the other goes to work space. */
  size_t ucopy = vecs && !U ? m * k : 0, vcopy = vecs && !Vt ? k * n : 0;
  size_t lu = U ? ldu : m, lv = Vt ? ldvt : k;
  double q[2] = {0, 0};
  lapack_int iq = 0;
  tdm__gesdd(dt, jobz, m, n, NULL, m, NULL, NULL, lu, NULL, lv, q, -1, &iq);
  size_t lwork = tdm__fit_lwork(dt, q), scopy = incs != 1 ? k : 0, elems, bytes;
  if (tdm__mul_ovf(m, n, &elems) || __builtin_add_overflow(elems, ucopy + vcopy + scopy + lwork, &elems) ||
      tdm__mul_ovf(elems, es, &bytes) || __builtin_add_overflow(bytes, 8 * k * sizeof(lapack_int), &bytes))
    return tdm__err(TDM_ERR_INVALID, "X: %zu x %zu: the SVD work space overflows", m, n);
  char *work = tdm__malloc(bytes);
  TDM__CHECK(!work, TDM_ERR_NOMEM, "out of host memory for %zu bytes of SVD work space", bytes);
  char *A = work, *uw = A + m * n * es, *vw = uw + ucopy * es, *sw = vw + vcopy * es,
       *lw = sw + scopy * es;
  lapack_int *iw = (lapack_int *)(lw + lwork * es);
  tdm__fit_copy(es, m, n, X, ldx, A, m);
  void *pu = U ? U : (vecs ? (void *)uw : NULL), *pv = Vt ? Vt : (vecs ? (void *)vw : NULL);
  void *ps = incs != 1 ? (void *)sw : s;
  tdm__blas_threads(st);
  lapack_int info = tdm__gesdd(dt, jobz, m, n, A, m, ps, pu, lu, pv, lv, lw, (lapack_int)lwork, iw);
  tdm__blas_done();
  if (info == 0 && incs != 1) tdm__vec_out(dt, k, ps, s, incs);
  tdm__free(work);
  TDM__CHECK(info > 0, TDM_ERR_NUMERIC,
             "X: the SVD iteration did not converge (?gesdd info %d; NaN or inf in X?)", (int)info);
  TDM__CHECK(info < 0, TDM_ERR_BACKEND, "?gesdd: argument %d is invalid", (int)-info);
  return TDM_OK;
}
