/* ridge.h -- what the cv-folds and nested scenarios share: the regression
 * dataset (y = x1 + sqrt(|x2 x3|) + x2 - x3 + e, p features + intercept),
 * stored once as an n x p buffer X and an n-vector y, the ridge fit on all
 * folds but one (rows selected with views: no copies, and on a device no
 * transfers but the held-out MSE's moments), and a plain-loop reference. */
#ifndef TDM_BENCH_RIDGE_H
#define TDM_BENCH_RIDGE_H

#include <tandem/tandem.h>

#define RIDGE_MAX_FOLDS 16

typedef struct ridge_data {
  size_t n, p, folds; /* p counts the intercept */
  double *x;          /* host copy for the reference: n x p column-major, column 0 = 1 */
  double *y;          /* n */
  tdm_buf *X, *Y;     /* the same, written once (uploaded by the first op on a device) */
  tdm_buf *D;         /* p x p: diag(0, 1, ..., 1), the penalty's pattern */
  size_t start[RIDGE_MAX_FOLDS + 1]; /* fold k holds observations [start[k], start[k+1]) */
} ridge_data;

/* Draws the data with ctx's generator (stream 20, 21). */
tdm_status ridge_data_make(tdm_ctx *ctx, size_t n, size_t features, size_t folds, ridge_data *d);
void ridge_data_free(ridge_data *d);

/* Ridge (intercept not penalized) on every fold but k; MSE on fold k. */
tdm_status ridge_fold(tdm_ctx *ctx, const ridge_data *d, size_t k, double lambda, double *mse);

/* The reference: per-fold Gram matrices summed in plain loops, a long
 * double Cholesky, the held-out MSE in a plain loop. */
typedef struct ridge_ref ridge_ref;
ridge_ref *ridge_ref_make(const ridge_data *d);
double ridge_ref_mse(const ridge_ref *ref, const ridge_data *d, size_t k, double lambda);
void ridge_ref_free(ridge_ref *ref);

/* What one ridge_fold call on a device brings back to the host: the
 * held-out residuals' moments (tdm_reduce's one result copy). */
#define RIDGE_RESULT_BYTES 48

/* Floating-point operations of one ridge_fold call. */
double ridge_fold_flops(const ridge_data *d, size_t k);

#endif
