/* ridge.c -- the cross-validated ridge fit of cv-folds and nested, as a
 * user writes it: the data is wrapped once and each fold is a view of it
 * (no copies on the CPU) and added to X'X and X'y with GEMM; tdm_solve_spd fits; the held-out
 * residuals' mean and variance give the MSE in one pass. Also the plain
 * loop reference the scenarios check against. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ridge.h"

tdm_status ridge_data_make(tdm_ctx *ctx, size_t n, size_t features, size_t folds, ridge_data *d) {
  memset(d, 0, sizeof *d);
  if (folds < 2 || folds > RIDGE_MAX_FOLDS || n < folds || features < 3) return TDM_ERR_INVALID;
  d->n = n;
  d->p = features + 1;
  d->folds = folds;
  for (size_t k = 0; k <= folds; k++) d->start[k] = k * n / folds;
  d->xt = malloc(n * d->p * sizeof(double));
  d->y = malloc(n * sizeof(double));
  if (!d->xt || !d->y) {
    ridge_data_free(d);
    return TDM_ERR_NOMEM;
  }
  tdm_rng *rng = NULL;
  tdm_buf *X = NULL, *e = NULL;
  tdm_status s = tdm_buf_wrap(ctx, TDM_F64, d->p, n, d->xt, &X);
  if (s == TDM_OK) s = tdm_buf_wrap(ctx, TDM_F64, n, 1, d->y, &e);
  if (s == TDM_OK) s = tdm_rng_create(ctx, 2024, 20, &rng);
  if (s == TDM_OK) s = tdm_rng_normal(rng, X, 0.0, 1.0);
  if (s == TDM_OK) s = tdm_rng_normal(rng, e, 0.0, 1.0);
  if (s == TDM_OK) s = tdm_buf_read(X, d->xt); /* the host copy is the wrapped memory */
  if (s == TDM_OK) s = tdm_buf_read(e, d->y);
  tdm_rng_destroy(rng);
  d->X = X;
  d->Y = e;
  if (s != TDM_OK) {
    ridge_data_free(d);
    return s;
  }
  for (size_t i = 0; i < n; i++) {
    double *xi = d->xt + i * d->p;
    xi[0] = 1.0;
    d->y[i] += xi[1] + sqrt(fabs(xi[2] * xi[3])) + xi[2] - xi[3];
  }
  s = tdm_buf_write(X, d->xt); /* the wrapped memory changed */
  if (s == TDM_OK) s = tdm_buf_write(e, d->y);
  if (s != TDM_OK) ridge_data_free(d);
  return s;
}

void ridge_data_free(ridge_data *d) {
  tdm_buf_destroy(d->X);
  tdm_buf_destroy(d->Y);
  d->X = d->Y = NULL;
  free(d->xt);
  free(d->y);
  d->xt = d->y = NULL;
}

static size_t ridge_nk(const ridge_data *d, size_t k) { return d->start[k + 1] - d->start[k]; }

static tdm_status ridge_wrap(tdm_ctx *ctx, const ridge_data *d, size_t k, tdm_buf **X,
                             tdm_buf **y) {
  (void)ctx;
  size_t a = d->start[k], nk = ridge_nk(d, k);
  tdm_status s = tdm_buf_view(d->X, 0, a, d->p, nk, X);
  if (s == TDM_OK) s = tdm_buf_view(d->Y, a, 0, nk, 1, y);
  return s;
}

tdm_status ridge_fold(tdm_ctx *ctx, const ridge_data *d, size_t k, double lambda, double *mse) {
  size_t p = d->p, nk = ridge_nk(d, k);
  tdm_buf *G = NULL, *b = NULL, *res = NULL;
  double *g = malloc(p * p * sizeof *g);
  tdm_status s = g ? TDM_OK : TDM_ERR_NOMEM;
  if (s == TDM_OK) s = tdm_buf_create(ctx, TDM_F64, p, p, &G);
  if (s == TDM_OK) s = tdm_buf_create(ctx, TDM_F64, p, 1, &b);
  for (size_t f = 0; f < d->folds && s == TDM_OK; f++) {
    if (f == k) continue;
    tdm_buf *Xf = NULL, *yf = NULL;
    s = ridge_wrap(ctx, d, f, &Xf, &yf);
    if (s == TDM_OK) s = tdm_gemm(ctx, TDM_NOTRANS, TDM_TRANS, 1.0, Xf, Xf, 1.0, G);
    if (s == TDM_OK) s = tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1.0, Xf, yf, 1.0, b);
    tdm_buf_destroy(Xf);
    tdm_buf_destroy(yf);
  }
  if (s == TDM_OK) s = tdm_buf_read(G, g);
  if (s == TDM_OK) {
    for (size_t j = 1; j < p; j++) g[j + j * p] += lambda; /* intercept not penalized */
    s = tdm_buf_write(G, g);
  }
  if (s == TDM_OK) s = tdm_solve_spd(ctx, G, b); /* b := beta */
  tdm_buf *Xk = NULL, *yk = NULL;
  if (s == TDM_OK) s = ridge_wrap(ctx, d, k, &Xk, &yk);
  if (s == TDM_OK) s = tdm_buf_create(ctx, TDM_F64, nk, 1, &res);
  if (s == TDM_OK) s = tdm_buf_write(res, d->y + d->start[k]);
  if (s == TDM_OK) s = tdm_gemm(ctx, TDM_TRANS, TDM_NOTRANS, -1.0, Xk, b, 1.0, res);
  double mv[2] = {0, 0};
  const tdm_reduce_op ops[2] = {TDM_MEAN, TDM_VAR};
  if (s == TDM_OK) s = tdm_reduce(ctx, res, 2, ops, mv);
  if (s == TDM_OK) *mse = mv[1] * (double)(nk - 1) / (double)nk + mv[0] * mv[0];
  tdm_buf_destroy(Xk);
  tdm_buf_destroy(yk);
  tdm_buf_destroy(res);
  tdm_buf_destroy(G);
  tdm_buf_destroy(b);
  free(g);
  return s;
}

double ridge_fold_flops(const ridge_data *d, size_t k) {
  double p = (double)d->p, nk = (double)ridge_nk(d, k), nt = (double)d->n - nk;
  return 2.0 * nt * p * p + 2.0 * nt * p + p * p * p / 3.0 + 2.0 * nk * p;
}

/* ---- reference ------------------------------------------------------------ */
struct ridge_ref {
  size_t p, folds;
  double *g; /* folds x (p x p) */
  double *b; /* folds x p */
};

ridge_ref *ridge_ref_make(const ridge_data *d) {
  size_t p = d->p;
  ridge_ref *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->p = p;
  r->folds = d->folds;
  r->g = calloc(d->folds * p * p, sizeof(double));
  r->b = calloc(d->folds * p, sizeof(double));
  if (!r->g || !r->b) {
    ridge_ref_free(r);
    return NULL;
  }
  for (size_t f = 0; f < d->folds; f++) {
    double *g = r->g + f * p * p, *b = r->b + f * p;
    for (size_t i = d->start[f]; i < d->start[f + 1]; i++) {
      const double *x = d->xt + i * p;
      for (size_t a = 0; a < p; a++) {
        b[a] += x[a] * d->y[i];
        for (size_t c = a; c < p; c++) g[a + c * p] += x[a] * x[c];
      }
    }
  }
  return r;
}

double ridge_ref_mse(const ridge_ref *ref, const ridge_data *d, size_t k, double lambda) {
  size_t p = ref->p;
  long double *L = calloc(p * p, sizeof *L), *beta = calloc(p, sizeof *beta);
  double mse = NAN;
  if (!L || !beta) goto done;
  for (size_t f = 0; f < ref->folds; f++) { /* upper triangle of sum over training folds */
    if (f == k) continue;
    for (size_t c = 0; c < p; c++) {
      beta[c] += ref->b[f * p + c];
      for (size_t a = 0; a <= c; a++) L[a + c * p] += ref->g[f * p * p + a + c * p];
    }
  }
  for (size_t j = 1; j < p; j++) L[j + j * p] += lambda;
  for (size_t j = 0; j < p; j++) { /* upper Cholesky: L holds R, A = R'R */
    for (size_t i = 0; i < j; i++) {
      long double s = L[i + j * p];
      for (size_t m = 0; m < i; m++) s -= L[m + i * p] * L[m + j * p];
      L[i + j * p] = s / L[i + i * p];
    }
    long double s = L[j + j * p];
    for (size_t m = 0; m < j; m++) s -= L[m + j * p] * L[m + j * p];
    if (s <= 0) goto done;
    L[j + j * p] = sqrtl(s);
  }
  for (size_t i = 0; i < p; i++) { /* R' z = b */
    for (size_t m = 0; m < i; m++) beta[i] -= L[m + i * p] * beta[m];
    beta[i] /= L[i + i * p];
  }
  for (size_t i = p; i-- > 0;) { /* R beta = z */
    for (size_t m = i + 1; m < p; m++) beta[i] -= L[i + m * p] * beta[m];
    beta[i] /= L[i + i * p];
  }
  long double sse = 0;
  for (size_t i = d->start[k]; i < d->start[k + 1]; i++) {
    long double r = d->y[i];
    for (size_t a = 0; a < p; a++) r -= beta[a] * d->xt[i * p + a];
    sse += r * r;
  }
  mse = (double)(sse / (long double)(d->start[k + 1] - d->start[k]));
done:
  free(L);
  free(beta);
  return mse;
}

void ridge_ref_free(ridge_ref *ref) {
  if (!ref) return;
  free(ref->g);
  free(ref->b);
  free(ref);
}
