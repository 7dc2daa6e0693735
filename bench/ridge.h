/* ridge.h -- what the cv-folds and nested scenarios share: the regression
 * dataset (y = x1 + sqrt(|x2 x3|) + x2 - x3 + e, p features + intercept),
 * the ridge fit on all folds but one scored on the held-out fold (public
 * API only, folds read in place), and a plain-loop reference of the same. */
#ifndef TDM_BENCH_RIDGE_H
#define TDM_BENCH_RIDGE_H

#include <tandem/tandem.h>

#define RIDGE_MAX_FOLDS 16

typedef struct ridge_data {
  size_t n, p, folds; /* p counts the intercept */
  double *xt;         /* p x n: column i is observation i, (1, x_i1, ..., x_i,p-1) */
  double *y;          /* n */
  tdm_buf *X, *Y;     /* xt and y wrapped once; folds are views of them */
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

/* Floating-point operations of one ridge_fold call. */
double ridge_fold_flops(const ridge_data *d, size_t k);

#endif
