/* support.h -- shared helpers for the tests: deterministic random fills,
 * independent reference computations (serial long double loops), context
 * shortcuts and relative-error helpers. Linked into every test binary. */
#ifndef TDM_TEST_SUPPORT_H
#define TDM_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "tandem/tandem.h"

/* xorshift64*: the same numbers on every machine. */
typedef struct { uint64_t s; } ts_rng;
void ts_seed(ts_rng *r, uint64_t seed);
double ts_uniform(ts_rng *r, double lo, double hi);
void ts_fill(ts_rng *r, double *x, size_t n, double lo, double hi);
void ts_fill_f32(ts_rng *r, float *x, size_t n, double lo, double hi);

/* Reference statistics with compensated sums, two passes (mean, refined
 * mean, then squared deviations); var uses n - 1. NaN data: every field
 * NaN. Accurate to about one rounding of double even under valgrind. */
typedef struct { long double sum, mean, min, max, var; } ts_stats;
ts_stats ts_stats_f64(const double *x, size_t n);
ts_stats ts_stats_f32(const float *x, size_t n);

/* Column-major references in long double. C = alpha op(A) op(B) + beta C,
 * op(A) m x k. Also fills bound[i,j] = |alpha| sum |a||b| + |beta c| (the
 * scale against which rounding is judged); bound may be NULL. */
void ts_gemm(int ta, int tb, size_t m, size_t n, size_t k, double alpha, const double *A,
             size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc,
             double *bound);
/* C (p x p) = X'X, X n x p. */
void ts_crossprod(size_t n, size_t p, const double *X, double *C);
/* Upper R with A = R'R (A n x n, untouched); 0 if not positive definite. */
int ts_cholesky(size_t n, const double *A, double *R);
/* A random symmetric positive definite n x n matrix: X'X/n + I. */
void ts_spd(ts_rng *r, size_t n, double *A);

/* |a - b| / max(|b|, tiny); both NaN counts as 0, one NaN as infinity. */
double ts_relerr(double a, double b);
int ts_same_bits(double a, double b);

/* A context for backend b with a fixed thread count; aborts the test on failure. */
tdm_ctx *ts_ctx(tdm_backend b, int threads);
/* A task pool on ctx with that many CPU workers and no GPU lane; aborts the
 * test on failure. */
tdm_pool *ts_pool(tdm_ctx *ctx, int workers);
/* An independent 64-bit value per index (a splitmix-style finalizer). */
uint64_t ts_mix(uint64_t x);
/* A buffer of dt filled from doubles (converted), or zeros when src is NULL. */
tdm_buf *ts_buf(tdm_ctx *ctx, tdm_dtype dt, size_t rows, size_t cols, const double *src);
/* Reads b (f32 or f64) into doubles. */
void ts_read(tdm_buf *b, double *dst);

#endif
