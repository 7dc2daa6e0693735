/* support.c -- the test helpers of support.h: random fills, long double
 * reference loops for statistics, GEMM, crossprod and Cholesky, and short
 * ways to make contexts and buffers that fail the test loudly. */
#include "support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void ts_seed(ts_rng *r, uint64_t seed) { r->s = seed * 2654435761u + 88172645463325252ull; }

double ts_uniform(ts_rng *r, double lo, double hi) {
  r->s ^= r->s >> 12, r->s ^= r->s << 25, r->s ^= r->s >> 27;
  uint64_t v = r->s * 2685821657736338717ull;
  return lo + (hi - lo) * ((double)(v >> 11) * 0x1.0p-53);
}

void ts_fill(ts_rng *r, double *x, size_t n, double lo, double hi) {
  for (size_t i = 0; i < n; i++) x[i] = ts_uniform(r, lo, hi);
}

void ts_fill_f32(ts_rng *r, float *x, size_t n, double lo, double hi) {
  for (size_t i = 0; i < n; i++) x[i] = (float)ts_uniform(r, lo, hi);
}

/* Neumaier-compensated sums: exact to about one rounding even where long
 * double is only double (valgrind runs x87 code in 64-bit precision). */
typedef struct { long double s, c; } ts_acc;
static void ts_add(ts_acc *a, long double v) {
  long double t = a->s + v;
  if (fabsl(a->s) >= fabsl(v)) a->c += (a->s - t) + v;
  else a->c += (v - t) + a->s;
  a->s = t;
}

#define TS_DEF_STATS(NAME, T)                                                  \
  ts_stats NAME(const T *x, size_t n) {                                        \
    ts_stats s = {0, 0, x[0], x[0], 0};                                        \
    ts_acc sum = {0, 0}, m2 = {0, 0}, dev = {0, 0};                            \
    int nan = 0;                                                               \
    for (size_t i = 0; i < n; i++) {                                           \
      long double v = x[i];                                                    \
      nan |= isnan(x[i]);                                                      \
      ts_add(&sum, v);                                                         \
      if (v < s.min) s.min = v;                                                \
      if (v > s.max) s.max = v;                                                \
    }                                                                          \
    s.sum = sum.s + sum.c;                                                     \
    s.mean = s.sum / n;                                                        \
    for (size_t i = 0; i < n; i++) ts_add(&dev, x[i] - s.mean);                \
    long double mean = s.mean + (dev.s + dev.c) / n; /* refined */             \
    for (size_t i = 0; i < n; i++) {                                           \
      long double d = x[i] - mean;                                             \
      ts_add(&m2, d * d);                                                      \
    }                                                                          \
    s.mean = mean;                                                             \
    s.var = n > 1 ? (m2.s + m2.c) / (n - 1) : NAN;                             \
    if (nan) s.sum = s.mean = s.min = s.max = s.var = NAN;                     \
    return s;                                                                  \
  }
TS_DEF_STATS(ts_stats_f64, double)
TS_DEF_STATS(ts_stats_f32, float)

void ts_gemm(int ta, int tb, size_t m, size_t n, size_t k, double alpha, const double *A,
             size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc,
             double *bound) {
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < m; i++) {
      long double acc = 0, mag = 0;
      for (size_t l = 0; l < k; l++) {
        double a = ta ? A[l + i * lda] : A[i + l * lda];
        double b = tb ? B[j + l * ldb] : B[l + j * ldb];
        acc += (long double)a * b;
        mag += fabsl((long double)a * b);
      }
      long double c = beta != 0 ? (long double)beta * C[i + j * ldc] : 0;
      if (bound) bound[i + j * ldc] = (double)(fabsl(alpha) * mag + fabsl(c));
      C[i + j * ldc] = (double)(alpha * acc + c);
    }
}

void ts_crossprod(size_t n, size_t p, const double *X, double *C) {
  for (size_t j = 0; j < p; j++)
    for (size_t i = 0; i < p; i++) {
      long double acc = 0;
      for (size_t l = 0; l < n; l++) acc += (long double)X[l + i * n] * X[l + j * n];
      C[i + j * p] = (double)acc;
    }
}

int ts_cholesky(size_t n, const double *A, double *R) {
  memset(R, 0, n * n * sizeof *R);
  for (size_t j = 0; j < n; j++) {
    for (size_t i = 0; i < j; i++) { /* R[i,j] = (A[i,j] - sum_k R[k,i] R[k,j]) / R[i,i] */
      long double s = A[i + j * n];
      for (size_t k = 0; k < i; k++) s -= (long double)R[k + i * n] * R[k + j * n];
      R[i + j * n] = (double)(s / R[i + i * n]);
    }
    long double d = A[j + j * n];
    for (size_t k = 0; k < j; k++) d -= (long double)R[k + j * n] * R[k + j * n];
    if (!(d > 0)) return 0;
    R[j + j * n] = (double)sqrtl(d);
  }
  return 1;
}

void ts_spd(ts_rng *r, size_t n, double *A) {
  double *X = calloc(n * n, sizeof *X);
  cr_assert(X);
  ts_fill(r, X, n * n, -1, 1);
  ts_crossprod(n, n, X, A);
  for (size_t i = 0; i < n * n; i++) A[i] /= (double)n;
  for (size_t i = 0; i < n; i++) A[i + i * n] += 1.0;
  free(X);
}

double ts_relerr(double a, double b) {
  if (isnan(a) && isnan(b)) return 0;
  if (isnan(a) || isnan(b)) return INFINITY;
  if (a == b) return 0;
  double d = fabs(b) > 1e-300 ? fabs(b) : 1e-300;
  return fabs(a - b) / d;
}

int ts_same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

tdm_ctx *ts_ctx(tdm_backend b, int threads) {
  tdm_config cfg = {b, threads, 0};
  tdm_ctx *c = NULL;
  tdm_status s = tdm_ctx_create(&cfg, &c);
  cr_assert_eq(s, TDM_OK, "tdm_ctx_create(%s): %s: %s", tdm_backend_name(b), tdm_status_name(s),
               tdm_last_error());
  return c;
}

tdm_pool *ts_pool(tdm_ctx *ctx, int workers) {
  tdm_pool_config pc = {workers, 0};
  tdm_pool *p = NULL;
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_OK, "tdm_pool_create: %s", tdm_last_error());
  return p;
}

uint64_t ts_mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

tdm_buf *ts_buf(tdm_ctx *ctx, tdm_dtype dt, size_t rows, size_t cols, const double *src) {
  tdm_buf *b = NULL;
  tdm_status s = tdm_buf_create(ctx, dt, rows, cols, &b);
  cr_assert_eq(s, TDM_OK, "tdm_buf_create: %s", tdm_last_error());
  if (!src) return b;
  size_t n = rows * cols;
  if (dt == TDM_F64) {
    s = tdm_buf_write(b, src);
  } else {
    cr_assert_eq(dt, TDM_F32, "ts_buf: f32 or f64 only");
    float *f = malloc(n * sizeof *f);
    cr_assert(f);
    for (size_t i = 0; i < n; i++) f[i] = (float)src[i];
    s = tdm_buf_write(b, f);
    free(f);
  }
  cr_assert_eq(s, TDM_OK, "tdm_buf_write: %s", tdm_last_error());
  return b;
}

void ts_read(tdm_buf *b, double *dst) {
  size_t n = tdm_buf_rows(b) * tdm_buf_cols(b);
  tdm_status s;
  if (tdm_buf_dtype(b) == TDM_F64) {
    s = tdm_buf_read(b, dst);
  } else {
    float *f = malloc(n * sizeof *f);
    cr_assert(f);
    s = tdm_buf_read(b, f);
    for (size_t i = 0; i < n; i++) dst[i] = f[i];
    free(f);
  }
  cr_assert_eq(s, TDM_OK, "tdm_buf_read: %s", tdm_last_error());
}
