/* fit.h -- the CPU backend's model-fitting kernels (fit.c, fit_lstsq.c,
 * fit_eig.c), also run by the sim device on its memory, and the small
 * column-major helpers they share. Every matrix takes its ld. */
#ifndef TDM_CPU_FIT_H
#define TDM_CPU_FIT_H

#include "cpu/cpu_int.h"

tdm_status tdm__cpu_gemv(void *st, tdm_dtype dt, tdm_trans ta, size_t m, size_t n, double alpha,
                         const void *A, size_t lda, const void *x, size_t incx, double beta,
                         void *y, size_t incy);
tdm_status tdm__cpu_crossprod_w(void *st, tdm_dtype dt, size_t n, size_t p, const void *X,
                                size_t ldx, const void *w, void *C, size_t ldc);
tdm_status tdm__cpu_solve_tri(void *st, tdm_dtype dt, tdm_trans t, size_t n, size_t nrhs,
                              const void *R, size_t ldr, void *B, size_t ldb);
tdm_status tdm__cpu_chol_inverse(void *st, tdm_dtype dt, size_t n, const void *R, size_t ldr,
                                 void *A, size_t lda);
tdm_status tdm__cpu_lstsq(void *st, tdm_dtype dt, size_t n, size_t p, size_t k, const void *X,
                          size_t ldx, const void *Y, size_t ldy, void *B, size_t ldb);
tdm_status tdm__cpu_eigh(void *st, tdm_dtype dt, size_t n, const void *A, size_t lda, void *w,
                         size_t incw, void *V, size_t ldv);
tdm_status tdm__cpu_svd(void *st, tdm_dtype dt, size_t m, size_t n, const void *X, size_t ldx,
                        void *U, size_t ldu, void *s, size_t incs, void *Vt, size_t ldvt);

/* X'WX for p <= TDM__GRAM_PMAX with AVX2 and FMA (fit_gram.c, through the
 * kernel table): C (upper, ld ldc) += W'X over r rows (a multiple of 8) of
 * the tiles W and X (ld t); a fill makes one tile column, t[k] = x[k] and
 * wt[k] = w[k] x[k] for k < r. */
#define TDM__GRAM_PMAX 160
void tdm__gram_avx2_f64(size_t p, size_t r, const double *W, const double *X, size_t t, double *C,
                        size_t ldc);
void tdm__gram_avx2_f32(size_t p, size_t r, const float *W, const float *X, size_t t, float *C,
                        size_t ldc);
void tdm__gram_fill_avx2_f64(size_t r, const double *x, const double *w, double *t, double *wt);
void tdm__gram_fill_avx2_f32(size_t r, const float *x, const float *w, float *t, float *wt);

/* dst (ld ldd) := src (ld lds), m x n. */
void tdm__fit_copy(size_t es, size_t m, size_t n, const void *src, size_t lds, void *dst,
                   size_t ldd);
/* The strictly lower triangle of the n x n A := the upper one, mirrored. */
void tdm__fit_mirror(tdm_dtype dt, size_t n, void *A, size_t lda);
/* Element i of a dt array, as double. */
static inline double tdm__fit_get(tdm_dtype dt, const void *a, size_t i) {
  return dt == TDM_F64 ? ((const double *)a)[i] : (double)((const float *)a)[i];
}
/* The LAPACK workspace size an lwork = -1 query left in q (a dt). */
static inline size_t tdm__fit_lwork(tdm_dtype dt, const void *q) {
  double v = tdm__fit_get(dt, q, 0);
  return v > 1 ? (size_t)v + 1 : 1;
}

#endif
