/* glm.h -- logistic regression by IRLS on the public API, shared by the
 * `glm` scenario (bench/glm.c) and its transfer test (tests/test_glm.c).
 * The data are a pure function of the index (splitmix64), so the numpy
 * peer (bench/peers/scenarios.py) builds the same X and y bit for bit.
 * Each iteration runs where X lives: eta = X b (gemv), the weights and the
 * working response by tdm_eval, H = X'WX and g = X'Wz in one crossprod_w
 * of [X z] (no n x p temporary), H b = g (solve_spd); only b (p numbers)
 * and the deviance (a reduction) come back to the host. */
#ifndef TDM_BENCH_GLM_H
#define TDM_BENCH_GLM_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/tandem.h>

static inline uint64_t glm_mix(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static inline double glm_u(uint64_t x) { return (double)(glm_mix(x) >> 11) * 0x1p-53; }

/* The true coefficients the data are drawn from. */
static inline double glm_beta_true(size_t j) { return 0.1 * (double)((int)(j % 5) - 2); }

/* X (n x p, column-major, column 0 = 1, the rest U(-1, 1)) and y in {0, 1}
 * with P(y = 1) = 1 / (1 + exp(-X beta_true)). */
static inline void glm_data(size_t n, size_t p, double *X, double *y) {
  const uint64_t sx = 0x5EED0000ull, sy = 0xBEEF000000000000ull;
  for (size_t i = 0; i < n; i++) X[i] = 1.0;
  for (size_t j = 1; j < p; j++)
    for (size_t i = 0; i < n; i++) X[i + j * n] = 2.0 * glm_u(sx + i + j * (uint64_t)n) - 1.0;
  double *eta = calloc(n, sizeof *eta);
  for (size_t j = 0; j < p; j++) /* column by column, as the peer adds them */
    for (size_t i = 0; i < n; i++) eta[i] += glm_beta_true(j) * X[i + j * n];
  for (size_t i = 0; i < n; i++) y[i] = glm_u(sy + i) < 1.0 / (1.0 + exp(-eta[i])) ? 1.0 : 0.0;
  free(eta);
}

typedef struct glm_fit {
  int iters;      /* IRLS steps taken */
  double dev;     /* deviance at the returned b */
  double step;    /* max |b_new - b| / max |b| of the last step */
} glm_fit;

#define GLM_MAXIT 30
#define GLM_TOL 1e-11 /* on the last step, relative: Newton doubles the digits, so b is good to ~1e-15 */

/* Fits b (p host doubles, start 0) to X and y (n x 1) on ctx. Xz is
 * n x (p+1): X in its first p columns, the last one work space for the
 * working response z = eta + (y - mu)/w. One X'WX of [X z] then gives
 * H = X'WX and g = X'Wz = X'(w eta + y - mu) in one pass over X, instead
 * of a crossprod and a transposed gemv (two passes). */
static inline tdm_status glm_irls(tdm_ctx *ctx, tdm_buf *Xz, tdm_buf *y, double *b, glm_fit *fit) {
  size_t n = tdm_buf_rows(Xz), p = tdm_buf_cols(Xz) - 1;
  tdm_buf *X = NULL, *z = NULL, *eta = NULL, *w = NULL, *d = NULL, *C = NULL, *H = NULL, *g = NULL,
          *b0 = NULL;
  tdm_status s = tdm_buf_view(Xz, 0, 0, n, p, &X);
  if (s == TDM_OK) s = tdm_buf_view(Xz, 0, p, n, 1, &z);
  if (s == TDM_OK) s = tdm_buf_create(ctx, TDM_F64, n, 1, &eta);
  if (s == TDM_OK) s = tdm_buf_create(ctx, TDM_F64, n, 1, &w);
  if (s == TDM_OK) s = tdm_buf_create(ctx, TDM_F64, n, 1, &d);
  if (s == TDM_OK) s = tdm_buf_create(ctx, TDM_F64, p + 1, p + 1, &C);
  if (s == TDM_OK) s = tdm_buf_view(C, 0, 0, p, p, &H);
  if (s == TDM_OK) s = tdm_buf_view(C, 0, p, p, 1, &g);
  if (s == TDM_OK) s = tdm_buf_create(ctx, TDM_F64, p, 1, &b0);
  double *nb = malloc(p * sizeof *nb);
  if (s == TDM_OK && !nb) s = TDM_ERR_NOMEM;
  memset(b, 0, p * sizeof *b);
  if (s == TDM_OK) s = tdm_buf_write(b0, b); /* b = 0 */
  fit->iters = 0;
  fit->step = INFINITY;
  const tdm_reduce_op sum = TDM_SUM;
  tdm_buf *bcur = b0; /* where b lies on ctx's side: b0, then g (solved in place) */
  /* Each pass: eta and the deviance at b; stop when the last step was
   * small; else one Newton step. */
  for (int it = 0; s == TDM_OK; it++) {
    tdm_buf *in[3] = {eta, y, NULL};
    double dv = NAN;
    s = tdm_gemv(ctx, TDM_NOTRANS, 1.0, X, bcur, 0.0, eta);
    /* 2 sum(log(1 + exp(eta)) - y eta), written so exp cannot overflow */
    if (s == TDM_OK) s = tdm_eval(ctx, "max(e, 0) + log1p(exp(-abs(e))) - y*e", "e,y", d, in);
    if (s == TDM_OK) s = tdm_reduce(ctx, d, 1, &sum, &dv);
    fit->dev = 2.0 * dv;
    if (s != TDM_OK || fit->step <= GLM_TOL || it == GLM_MAXIT) break;
    if (s == TDM_OK) s = tdm_eval(ctx, "1/(1+exp(-e)) * (1 - 1/(1+exp(-e)))", "e", w, in);
    in[2] = w; /* in[0] and in[1] are still eta and y */
    if (s == TDM_OK) s = tdm_eval(ctx, "e + (y - 1/(1+exp(-e))) / w", "e,y,w", z, in);
    if (s == TDM_OK) s = tdm_crossprod_w(ctx, Xz, w, C); /* [X'WX X'Wz; z'WX z'Wz] */
    if (s == TDM_OK) s = tdm_solve_spd(ctx, H, g);       /* g := H^-1 X'Wz, the new b */
    if (s == TDM_OK) s = tdm_buf_read(g, nb);
    if (s != TDM_OK) break;
    double dmax = 0, bmax = 0;
    for (size_t j = 0; j < p; j++) {
      dmax = fmax(dmax, fabs(nb[j] - b[j]));
      bmax = fmax(bmax, fabs(nb[j]));
    }
    memcpy(b, nb, p * sizeof *b);
    bcur = g;
    fit->iters = it + 1;
    fit->step = bmax > 0 ? dmax / bmax : dmax;
  }
  free(nb);
  tdm_buf_destroy(X), tdm_buf_destroy(z), tdm_buf_destroy(eta), tdm_buf_destroy(w);
  tdm_buf_destroy(d), tdm_buf_destroy(H), tdm_buf_destroy(g), tdm_buf_destroy(C);
  tdm_buf_destroy(b0);
  return s;
}
#endif
