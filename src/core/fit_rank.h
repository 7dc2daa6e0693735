/* fit_rank.h -- the rank test of tdm_lstsq, shared by the CPU and the CUDA
 * module: on the R of a Householder QR of X (p x p upper, ld ldr), column
 * j depends on the earlier ones when |R_jj| <= tol ||x_j||, ||x_j|| being
 * R's column norm (Q keeps norms). tol = eps * max(8 sqrt(n), p): above
 * QR's rounding of a truly dependent column (about sqrt(n) eps ||x_j||). */
#ifndef TDM_FIT_RANK_H
#define TDM_FIT_RANK_H

#include <float.h>
#include <math.h>

#include "core/error.h"

static inline tdm_status tdm__fit_rank_check(tdm_dtype dt, size_t n, size_t p, const void *R,
                                             size_t ldr) {
  double eps = dt == TDM_F64 ? DBL_EPSILON : FLT_EPSILON;
  double tol = eps * fmax(8.0 * sqrt((double)n), (double)p);
  for (size_t j = 0; j < p; j++) {
    double nrm = 0, d = 0;
    for (size_t i = 0; i <= j; i++) {
      size_t at = i + j * ldr;
      double v = dt == TDM_F64 ? ((const double *)R)[at] : (double)((const float *)R)[at];
      nrm += v * v;
      if (i == j) d = fabs(v);
    }
    nrm = sqrt(nrm);
    TDM__CHECK(!(d > tol * nrm), TDM_ERR_NUMERIC,
               "X: numerically rank-deficient: column %zu (0-based) has pivot |R[%zu,%zu]| = %.3g, "
               "%.3g of the column's norm %.3g (tolerance %.3g)",
               j, j, j, d, nrm > 0 ? d / nrm : 0.0, nrm, tol);
  }
  return TDM_OK;
}

#endif
