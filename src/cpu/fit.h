/* fit.h -- the CPU backend's model-fitting kernels (fit.c, fit_lstsq.c,
 * fit_eig.c), also run by the sim device on its memory, and the small
 * column-major helpers they share. Every matrix takes its ld. */
#ifndef TDM_CPU_FIT_H
#define TDM_CPU_FIT_H

#include "cpu/cpu_int.h"

/* tdm__cpu_gemv, _crossprod_w, _solve_tri, _chol_inverse, _lstsq, _eigh and
 * _svd are declared with the other ops in cpu_int.h. */

/* X'WX for p <= TDM__GRAM_PMAX with AVX2 and FMA (fit_gram.c, through the
 * kernel table): C (upper, ld ldc) += W'X over r rows (a multiple of 8) of
 * the tiles W and X (ld t), prefetching the next tile's rn rows of X at
 * next (ld ldn; NULL: none); a fill makes one tile column, t[k] = x[k] and
 * wt[k] = w[k] x[k] for k < r. */
#define TDM__GRAM_PMAX 160
void tdm__gram_avx2_f64(size_t p, size_t r, const double *W, const double *X, size_t t, double *C,
                        size_t ldc, const void *next, size_t ldn, size_t rn);
void tdm__gram_avx2_f32(size_t p, size_t r, const float *W, const float *X, size_t t, float *C,
                        size_t ldc, const void *next, size_t ldn, size_t rn);
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
