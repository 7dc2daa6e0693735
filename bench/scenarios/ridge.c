/* ridge.c -- the cross-validated ridge fit of cv-folds and nested, as a
 * user writes it: X (n x p) and y live in one buffer each; a fold's
 * training rows are at most two row windows (views, no copies), whose
 * Gram matrices tdm_crossprod forms and tdm_eval adds to the penalty;
 * tdm_solve_spd fits; the held-out rows' residuals (a view of y copied,
 * minus X_k beta) give the MSE in one tdm_reduce pass. On a device only
 * those moments come back. Also the plain-loop reference. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ridge.h"

tdm_status ridge_data_make(tdm_ctx *ctx, size_t n, size_t features, size_t folds, ridge_data *d) {
  memset(d, 0, sizeof *d);
  if (folds < 2 || folds > RIDGE_MAX_FOLDS || n < folds || features < 3) return TDM_ERR_INVALID;
  size_t p = features + 1;
  d->n = n;
  d->p = p;
  d->folds = folds;
  for (size_t k = 0; k <= folds; k++) d->start[k] = k * n / folds;
  d->x = malloc(n * p * sizeof(double));
  d->y = malloc(n * sizeof(double));
  double *pen = calloc(p * p, sizeof(double));
  tdm_status s = d->x && d->y && pen ? TDM_OK : TDM_ERR_NOMEM;
  tdm_rng *rng = NULL;
  if (s == TDM_OK) s = tdm_buf_create(ctx, TDM_F64, n, p, &d->X);
  if (s == TDM_OK) s = tdm_buf_create(ctx, TDM_F64, n, 1, &d->Y);
  if (s == TDM_OK) s = tdm_buf_create(ctx, TDM_F64, p, p, &d->D);
  if (s == TDM_OK) s = tdm_rng_create(ctx, 2024, 20, &rng);
  if (s == TDM_OK) s = tdm_rng_normal(rng, d->X, 0.0, 1.0);
  if (s == TDM_OK) s = tdm_rng_normal(rng, d->Y, 0.0, 1.0);
  if (s == TDM_OK) s = tdm_buf_read(d->X, d->x);
  if (s == TDM_OK) s = tdm_buf_read(d->Y, d->y);
  tdm_rng_destroy(rng);
  if (s == TDM_OK) {
    const double *x1 = d->x + n, *x2 = d->x + 2 * n, *x3 = d->x + 3 * n;
    for (size_t i = 0; i < n; i++) {
      d->x[i] = 1.0; /* the intercept column */
      d->y[i] += x1[i] + sqrt(fabs(x2[i] * x3[i])) + x2[i] - x3[i];
    }
    for (size_t j = 1; j < p; j++) pen[j + j * p] = 1.0; /* intercept not penalized */
    s = tdm_buf_write(d->X, d->x);
  }
  if (s == TDM_OK) s = tdm_buf_write(d->Y, d->y);
  if (s == TDM_OK) s = tdm_buf_write(d->D, pen);
  free(pen);
  if (s != TDM_OK) ridge_data_free(d);
  return s;
}

void ridge_data_free(ridge_data *d) {
  free(d->x);
  free(d->y);
  tdm_buf_destroy(d->X);
  tdm_buf_destroy(d->Y);
  tdm_buf_destroy(d->D);
  d->x = d->y = NULL;
  d->X = d->Y = d->D = NULL;
}

static size_t ridge_nk(const ridge_data *d, size_t k) { return d->start[k + 1] - d->start[k]; }

/* Rows [r0, r0 + len) of X and y as views. */
static tdm_status ridge_rows(const ridge_data *d, size_t r0, size_t len, tdm_buf **X, tdm_buf **y) {
  tdm_status s = tdm_buf_view(d->X, r0, 0, len, d->p, X);
  if (s == TDM_OK) s = tdm_buf_view(d->Y, r0, 0, len, 1, y);
  return s;
}

tdm_status ridge_fold(tdm_ctx *ctx, const ridge_data *d, size_t k, double lambda, double *mse) {
  size_t p = d->p, a = d->start[k], nk = ridge_nk(d, k);
  /* the training rows: [0, a) and [a + nk, n), either may be empty */
  size_t seg0[2] = {0, a + nk}, seglen[2] = {a, d->n - a - nk};
  tdm_buf *G = NULL, *b = NULL, *res = NULL, *C[2] = {NULL, NULL}, *Xk = NULL, *yk = NULL;
  tdm_status s = tdm_buf_create(ctx, TDM_F64, p, p, &G);
  if (s == TDM_OK) s = tdm_buf_create(ctx, TDM_F64, p, 1, &b);
  int nseg = 0;
  for (int t = 0; t < 2 && s == TDM_OK; t++) {
    if (seglen[t] == 0) continue;
    tdm_buf *Xs = NULL, *ys = NULL;
    s = ridge_rows(d, seg0[t], seglen[t], &Xs, &ys);
    if (s == TDM_OK) s = tdm_buf_create(ctx, TDM_F64, p, p, &C[nseg]);
    if (s == TDM_OK) s = tdm_crossprod(ctx, Xs, C[nseg]); /* Xs'Xs */
    if (s == TDM_OK) /* b += Xs'ys */
      s = tdm_gemm(ctx, TDM_TRANS, TDM_NOTRANS, 1.0, Xs, ys, nseg ? 1.0 : 0.0, b);
    nseg++;
    tdm_buf_destroy(Xs);
    tdm_buf_destroy(ys);
  }
  if (s == TDM_OK) { /* G = lambda D + the training Gram */
    char src[64];
    snprintf(src, sizeof src, nseg == 2 ? "%.17g*d + a + c" : "%.17g*d + a", lambda);
    tdm_buf *in[3] = {d->D, C[0], C[1]};
    s = tdm_eval(ctx, src, nseg == 2 ? "d,a,c" : "d,a", G, in);
  }
  if (s == TDM_OK) s = tdm_solve_spd(ctx, G, b); /* b := beta */
  if (s == TDM_OK) s = ridge_rows(d, a, nk, &Xk, &yk);
  if (s == TDM_OK) s = tdm_buf_create(ctx, TDM_F64, nk, 1, &res);
  if (s == TDM_OK) s = tdm_copy(ctx, yk, res);
  if (s == TDM_OK) s = tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, -1.0, Xk, b, 1.0, res);
  double mv[2] = {0, 0};
  const tdm_reduce_op ops[2] = {TDM_MEAN, TDM_VAR};
  if (s == TDM_OK) s = tdm_reduce(ctx, res, 2, ops, mv);
  if (s == TDM_OK) *mse = mv[1] * (double)(nk - 1) / (double)nk + mv[0] * mv[0];
  tdm_buf_destroy(Xk);
  tdm_buf_destroy(yk);
  tdm_buf_destroy(res);
  tdm_buf_destroy(C[0]);
  tdm_buf_destroy(C[1]);
  tdm_buf_destroy(G);
  tdm_buf_destroy(b);
  return s;
}

double ridge_fold_flops(const ridge_data *d, size_t k) {
  double p = (double)d->p, nk = (double)ridge_nk(d, k), nt = (double)d->n - nk;
  return nt * p * (p + 1) + 2.0 * nt * p + p * p * p / 3.0 + 2.0 * nk * p; /* syrk, gemv, chol, gemv */
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
    for (size_t i = d->start[f]; i < d->start[f + 1]; i++)
      for (size_t a = 0; a < p; a++) {
        double xa = d->x[i + a * d->n];
        b[a] += xa * d->y[i];
        for (size_t c = a; c < p; c++) g[a + c * p] += xa * d->x[i + c * d->n];
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
    for (size_t a = 0; a < p; a++) r -= beta[a] * d->x[i + a * d->n];
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
