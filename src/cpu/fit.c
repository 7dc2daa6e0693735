/* fit.c -- gemv, the weighted cross product, triangular solves and the
 * inverse from a Cholesky factor on the CPU (OpenBLAS, LAPACK's Fortran
 * entries: no LAPACKE NaN scans, no allocations outside tdm__malloc).
 * X'WX runs over fixed parts of the rows, one per thread: each scales a
 * block of rows by sqrt|w| into its own cache-sized tile (positive and
 * negative weights apart) and syrk-accumulates it, +1 or -1, into its
 * part's p x p sum; the parts are added in order. No n x p temporary. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "cpu/fit.h"
#include "cpu/ktab.h"

void tdm__fit_copy(size_t es, size_t m, size_t n, const void *src, size_t lds, void *dst,
                   size_t ldd) {
  for (size_t j = 0; j < n; j++)
    memcpy((char *)dst + j * ldd * es, (const char *)src + j * lds * es, m * es);
}

#define TDM__FT 32
void tdm__fit_mirror(tdm_dtype dt, size_t n, void *A, size_t lda) {
  for (size_t j0 = 0; j0 < n; j0 += TDM__FT)
    for (size_t i0 = j0; i0 < n; i0 += TDM__FT)
      for (size_t j = j0; j < j0 + TDM__FT && j < n; j++)
        for (size_t i = i0 > j + 1 ? i0 : j + 1; i < i0 + TDM__FT && i < n; i++) {
          if (dt == TDM_F64) ((double *)A)[i + j * lda] = ((double *)A)[j + i * lda];
          else ((float *)A)[i + j * lda] = ((float *)A)[j + i * lda];
        }
}

static void tdm__gemv_blas(tdm_dtype dt, tdm_trans ta, size_t m, size_t n, double alpha,
                           const void *A, size_t lda, const void *x, size_t incx, double beta,
                           void *y, size_t incy) {
  enum CBLAS_TRANSPOSE t = ta ? CblasTrans : CblasNoTrans;
  if (dt == TDM_F64)
    cblas_dgemv(CblasColMajor, t, (int)m, (int)n, alpha, A, (int)lda, x, (int)incx, beta, y,
                (int)incy);
  else
    cblas_sgemv(CblasColMajor, t, (int)m, (int)n, (float)alpha, A, (int)lda, x, (int)incx,
                (float)beta, y, (int)incy);
}

/* Tall A (the model matrix of a fit): the rows in one fixed part per
 * thread, each a one-thread gemv on the pool (OpenBLAS's own threads,
 * spinning between calls, would compete with the pool's next op). op(A) x
 * with A' sums the parts' p-vectors in order afterwards. */
#define TDM__GEMV_TALL ((size_t)1 << 16)
typedef struct {
  tdm_dtype dt;
  tdm_trans ta;
  size_t m, n, lda, incx, incy, parts, rows_per;
  double alpha, beta;
  const void *A, *x;
  void *y;
  double *sums; /* A': parts x n partial results */
} tdm__gemv_job;

static void tdm__gemv_part(void *arg, size_t lo, size_t hi) {
  const tdm__gemv_job *j = arg;
  size_t es = j->dt == TDM_F64 ? 8 : 4;
  tdm__cpu one = {1};
  for (size_t part = lo; part < hi; part++) {
    size_t r0 = part * j->rows_per, r1 = r0 + j->rows_per < j->m ? r0 + j->rows_per : j->m;
    const char *A = (const char *)j->A + r0 * es;
    tdm__blas_threads(&one);
    if (!j->ta) /* y[r0..r1) = alpha A[r0..r1, :] x + beta y[r0..r1) */
      tdm__gemv_blas(j->dt, 0, r1 - r0, j->n, j->alpha, A, j->lda, j->x, j->incx, j->beta,
                     (char *)j->y + r0 * j->incy * es, j->incy);
    else { /* this part's A[r0..r1, :]' x[r0..r1), in double */
      double *s = j->sums + part * j->n;
      const char *x = (const char *)j->x + r0 * j->incx * es;
      if (j->dt == TDM_F64)
        tdm__gemv_blas(TDM_F64, 1, r1 - r0, j->n, 1.0, A, j->lda, x, j->incx, 0.0, s, 1);
      else {
        float *f = (float *)s; /* n floats, then widened in place from the back */
        tdm__gemv_blas(TDM_F32, 1, r1 - r0, j->n, 1.0, A, j->lda, x, j->incx, 0.0, f, 1);
        for (size_t c = j->n; c-- > 0;) s[c] = (double)f[c];
      }
    }
    tdm__blas_done();
  }
}

tdm_status tdm__cpu_gemv(void *st, tdm_dtype dt, tdm_trans ta, size_t m, size_t n, double alpha,
                         const void *A, size_t lda, const void *x, size_t incx, double beta,
                         void *y, size_t incy) {
  const tdm__cpu *cpu = st;
  size_t threads = tdm__in_worker() ? 1 : (size_t)cpu->threads;
  size_t parts = m / TDM__GEMV_TALL < threads ? m / TDM__GEMV_TALL : threads;
  if (parts < 2 || n > 4096) { /* short or wide: one call, OpenBLAS's threads */
    tdm__blas_threads(cpu);
    tdm__gemv_blas(dt, ta, m, n, alpha, A, lda, x, incx, beta, y, incy);
    tdm__blas_done();
    return TDM_OK;
  }
  double *sums = NULL;
  if (ta) {
    sums = tdm__malloc(parts * n * sizeof *sums);
    TDM__CHECK(!sums, TDM_ERR_NOMEM, "out of host memory for %zu bytes of gemv partial sums",
               parts * n * sizeof *sums);
  }
  tdm__gemv_job j = {dt, ta, m, n, lda, incx, incy, parts, (m + parts - 1) / parts, alpha, beta,
                     A, x, y, sums};
  tdm__par_for((int)parts, parts, 1, tdm__gemv_part, &j);
  if (ta) /* y = alpha (sum of the parts, in order) + beta y; beta 0 reads no y */
    for (size_t c = 0; c < n; c++) {
      double t = 0;
      for (size_t part = 0; part < parts; part++) t += sums[part * n + c];
      if (dt == TDM_F64) {
        double *yc = (double *)y + c * incy;
        *yc = beta == 0 ? alpha * t : alpha * t + beta * *yc;
      } else {
        float *yc = (float *)y + c * incy;
        *yc = (float)(beta == 0 ? alpha * t : alpha * t + beta * (double)*yc);
      }
    }
  tdm__free(sums);
  return TDM_OK;
}

/* ---- X' diag(w) X ------------------------------------------------------- */
typedef struct {
  const tdm__cpu *cpu;
  tdm_dtype dt;
  size_t n, p, ldx, nb, parts;
  const void *X, *w;
  void *C;       /* part 0's sum (ld ldc) */
  size_t ldc;
  char *sums;    /* parts 1.. (p x p each) */
  char *tiles;   /* per part: two nb x p tiles, then nb row indices and scales */
  size_t tile;   /* bytes of that per part */
  const tdm__ktab *gram; /* narrow X: its gram kernels (fit_gram.c) instead of syrk */
} tdm__xw_job;

/* C_part += sign * T'T for the first r rows of T (nb x p), upper. */
static void tdm__xw_syrk(const tdm__xw_job *j, size_t r, double sign, const void *T, void *C,
                         size_t ldc) {
  if (r == 0) return;
  if (j->dt == TDM_F64)
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)j->p, (int)r, sign, T, (int)j->nb,
                1.0, C, (int)ldc);
  else
    cblas_ssyrk(CblasColMajor, CblasUpper, CblasTrans, (int)j->p, (int)r, (float)sign, T,
                (int)j->nb, 1.0f, C, (int)ldc);
}

#define TDM__DEF_XW_BLOCK(NAME, T)                                                                 \
  /* Rows lo..hi of X scaled by sqrt|w| into P (w > 0) and N (w < 0):                              \
   * first which rows go where, then column by column (X is read down its                         \
   * columns, as it lies in memory). */                                                            \
  static void NAME(const tdm__xw_job *j, size_t lo, size_t hi, T *P, T *N, uint32_t *idx,          \
                   size_t *np, size_t *nn) {                                                       \
    const T *X = j->X, *w = j->w;                                                                  \
    size_t ip = 0, in = 0, nb = j->nb, r = hi - lo;                                                \
    T *sc = (T *)(idx + ((nb + 1) & ~(size_t)1)); /* 8-byte aligned */                           \
    for (size_t i = lo; i < hi; i++) { /* positive rows from the front, negative from the back */  \
      T wi = w[i];                                                                                 \
      if (wi == 0) continue;                                                                       \
      size_t k = wi > 0 ? ip++ : r - 1 - in++;                                                     \
      idx[k] = (uint32_t)(i - lo);                                                                 \
      sc[k] = (T)sqrt(fabs((double)wi));                                                           \
    }                                                                                              \
    if (ip == r) /* every weight positive (IRLS's): no gather, a vector loop */                   \
      for (size_t c = 0; c < j->p; c++) {                                                          \
        const T *xc = X + lo + c * j->ldx;                                                         \
        T *pc = P + c * nb;                                                                        \
        for (size_t k = 0; k < r; k++) pc[k] = sc[k] * xc[k];                                      \
      }                                                                                            \
    else                                                                                           \
      for (size_t c = 0; c < j->p; c++) {                                                          \
        const T *xc = X + lo + c * j->ldx;                                                         \
        T *pc = P + c * nb, *ncol = N + c * nb;                                                    \
        for (size_t k = 0; k < ip; k++) pc[k] = sc[k] * xc[idx[k]];                                \
        for (size_t k = 0; k < in; k++) ncol[k] = sc[r - 1 - k] * xc[idx[r - 1 - k]];              \
      }                                                                                            \
    *np = ip, *nn = in;                                                                            \
  }
TDM__DEF_XW_BLOCK(tdm__xw_block_f64, double)
TDM__DEF_XW_BLOCK(tdm__xw_block_f32, float)

#define TDM__DEF_GRAM_TILE(NAME, T, FILL)                                                          \
  /* Rows lo..hi of X with a nonzero weight (a zero weight drops its row,                         \
   * inf or NaN in it included) into Xt and w x into Wt, zero rows to a                           \
   * multiple of 8 after them; returns the padded row count. */                                   \
  static size_t NAME(const tdm__xw_job *j, size_t lo, size_t hi, T *Wt, T *Xt, uint32_t *idx) {    \
    const T *X = j->X, *w = j->w;                                                                  \
    size_t r = 0, nb = j->nb;                                                                      \
    for (size_t i = lo; i < hi; i++)                                                               \
      if (w[i] != 0) idx[r++] = (uint32_t)(i - lo);                                                \
    size_t rp = (r + 7) & ~(size_t)7;                                                              \
    for (size_t c = 0; c < j->p; c++) {                                                            \
      const T *xc = X + lo + c * j->ldx, *wl = w + lo;                                             \
      T *wc = Wt + c * nb, *tc = Xt + c * nb;                                                      \
      if (r == hi - lo)                                                                            \
        j->gram->FILL(r, xc, wl, tc, wc);                                                          \
      else                                                                                         \
        for (size_t k = 0; k < r; k++) tc[k] = xc[idx[k]], wc[k] = wl[idx[k]] * xc[idx[k]];        \
      for (size_t k = r; k < rp; k++) tc[k] = wc[k] = 0;                                           \
    }                                                                                              \
    return rp;                                                                                     \
  }
TDM__DEF_GRAM_TILE(tdm__gram_tile_f64, double, gram_fill_f64)
TDM__DEF_GRAM_TILE(tdm__gram_tile_f32, float, gram_fill_f32)

static void tdm__xw_part(void *arg, size_t lo, size_t hi) {
  const tdm__xw_job *j = arg;
  size_t es = j->dt == TDM_F64 ? 8 : 4, rows_per = (j->n + j->parts - 1) / j->parts;
  for (size_t part = lo; part < hi; part++) {
    void *C = part == 0 ? j->C : j->sums + (part - 1) * j->p * j->p * es;
    size_t ldc = part == 0 ? j->ldc : j->p;
    char *P = j->tiles + part * j->tile, *N = P + j->nb * j->p * es;
    uint32_t *idx = (uint32_t *)(N + j->nb * j->p * es);
    for (size_t c = 0; c < j->p; c++) memset((char *)C + c * ldc * es, 0, (c + 1) * es);
    size_t r0 = part * rows_per, r1 = r0 + rows_per < j->n ? r0 + rows_per : j->n;
    if (j->gram) {
      for (size_t b = r0; b < r1; b += j->nb) {
        size_t e = b + j->nb < r1 ? b + j->nb : r1, rp, rn = e + j->nb < r1 ? j->nb : r1 - e;
        const void *next = rn ? (const char *)j->X + e * es : NULL;
        if (j->dt == TDM_F64) {
          rp = tdm__gram_tile_f64(j, b, e, (double *)P, (double *)N, idx);
          j->gram->gram_f64(j->p, rp, (const double *)P, (const double *)N, j->nb, C, ldc, next,
                            j->ldx, rn);
        } else {
          rp = tdm__gram_tile_f32(j, b, e, (float *)P, (float *)N, idx);
          j->gram->gram_f32(j->p, rp, (const float *)P, (const float *)N, j->nb, C, ldc, next,
                            j->ldx, rn);
        }
      }
      continue;
    }
    tdm__blas_threads(j->cpu); /* in a part of several: one thread */
    for (size_t b = r0; b < r1; b += j->nb) {
      size_t e = b + j->nb < r1 ? b + j->nb : r1, np, nn;
      if (j->dt == TDM_F64) tdm__xw_block_f64(j, b, e, (double *)P, (double *)N, idx, &np, &nn);
      else tdm__xw_block_f32(j, b, e, (float *)P, (float *)N, idx, &np, &nn);
      tdm__xw_syrk(j, np, 1.0, P, C, ldc);
      tdm__xw_syrk(j, nn, -1.0, N, C, ldc);
    }
    tdm__blas_done();
  }
}

tdm_status tdm__cpu_crossprod_w(void *st, tdm_dtype dt, size_t n, size_t p, const void *X,
                                size_t ldx, const void *w, void *C, size_t ldc) {
  const tdm__cpu *cpu = st;
  size_t es = dt == TDM_F64 ? 8 : 4;
  const tdm__ktab *kt = tdm__ktab_get(), *gram = p <= TDM__GRAM_PMAX && kt->gram_f64 ? kt : NULL;
  size_t nb;
  if (gram) { /* W and X tiles, 256 KiB each, in L2; a multiple of 8 rows */
    nb = ((size_t)256 << 10) / (es * p) & ~(size_t)7;
    nb = nb > 2048 ? 2048 : nb;
    if (nb > ((n + 7) & ~(size_t)7)) nb = (n + 7) & ~(size_t)7;
  } else { /* a tile of about 128 KiB per sign stays in L2 while syrk reads it */
    nb = ((size_t)128 << 10) / (es * p);
    nb = nb < 64 ? 64 : nb > 4096 ? 4096 : nb;
    if (nb < p && nb < 1024) /* wide X: syrk needs depth more than cache */
      nb = p < 1024 ? p : 1024;
    if (nb > n) nb = n;
  }
  size_t threads = tdm__in_worker() ? 1 : (size_t)cpu->threads;
  /* Enough rows per part that the merge (p^2 each) stays small. */
  size_t parts = n / (4 * nb) < threads ? n / (4 * nb) : threads;
  if (parts < 1) parts = 1;
  size_t tile, tiles, sums, bytes;
  if (tdm__mul_ovf(2 * nb * es, p, &tile) ||
      __builtin_add_overflow(tile, ((nb + 1) * sizeof(uint32_t) + nb * es + 63) / 64 * 64, &tile) ||
      tdm__mul_ovf(tile, parts, &tiles) || tdm__mul_ovf((parts - 1) * es * p, p, &sums) ||
      __builtin_add_overflow(tiles, sums, &bytes))
    return tdm__err(TDM_ERR_INVALID, "X: %zu columns: the work tiles overflow", p);
  char *work = tdm__malloc(bytes);
  TDM__CHECK(!work, TDM_ERR_NOMEM, "out of host memory for %zu bytes of X'WX tiles", bytes);
  tdm__xw_job j = {cpu, dt, n, p, ldx, nb, parts, X, w, C, ldc, work + tiles, work, tile, gram};
  if (parts == 1) tdm__xw_part(&j, 0, 1); /* here, BLAS may use the context's threads */
  else tdm__par_for((int)parts, parts, 1, tdm__xw_part, &j);
  for (size_t part = 1; part < parts; part++) { /* in order: the same bits every run */
    const char *S = j.sums + (part - 1) * p * p * es;
    for (size_t c = 0; c < p; c++)
      for (size_t r = 0; r <= c; r++) {
        if (dt == TDM_F64) ((double *)C)[r + c * ldc] += ((const double *)S)[r + c * p];
        else ((float *)C)[r + c * ldc] += ((const float *)S)[r + c * p];
      }
  }
  tdm__free(work);
  tdm__fit_mirror(dt, p, C, ldc);
  return TDM_OK;
}

/* ---- triangular solves and the inverse ------------------------------------ */
tdm_status tdm__cpu_solve_tri(void *st, tdm_dtype dt, tdm_trans t, size_t n, size_t nrhs,
                              const void *R, size_t ldr, void *B, size_t ldb) {
  const char up = 'U', tr = t ? 'T' : 'N', nd = 'N';
  lapack_int nn = (lapack_int)n, nr = (lapack_int)nrhs, lr = (lapack_int)ldr,
             lb = (lapack_int)ldb, info = 0;
  tdm__blas_threads(st);
  /* ?trtrs checks the diagonal for an exact zero before it touches B. */
  if (dt == TDM_F64) LAPACK_dtrtrs(&up, &tr, &nd, &nn, &nr, R, &lr, B, &lb, &info);
  else LAPACK_strtrs(&up, &tr, &nd, &nn, &nr, R, &lr, B, &lb, &info);
  tdm__blas_done();
  TDM__CHECK(info > 0, TDM_ERR_NUMERIC, "R: singular: diagonal element %d (1-based) is zero",
             (int)info);
  TDM__CHECK(info < 0, TDM_ERR_BACKEND, "?trtrs: argument %d is invalid", (int)-info);
  return TDM_OK;
}

tdm_status tdm__cpu_chol_inverse(void *st, tdm_dtype dt, size_t n, const void *R, size_t ldr,
                                 void *A, size_t lda) {
  size_t es = dt == TDM_F64 ? 8 : 4;
  for (size_t j = 0; j < n; j++) /* the upper triangle of R; potri reads no more */
    memcpy((char *)A + j * lda * es, (const char *)R + j * ldr * es, (j + 1) * es);
  const char up = 'U';
  lapack_int nn = (lapack_int)n, la = (lapack_int)lda, info = 0;
  tdm__blas_threads(st);
  if (dt == TDM_F64) LAPACK_dpotri(&up, &nn, A, &la, &info);
  else LAPACK_spotri(&up, &nn, A, &la, &info);
  tdm__blas_done();
  TDM__CHECK(info > 0, TDM_ERR_NUMERIC, "R: singular: diagonal element %d (1-based) is zero",
             (int)info);
  TDM__CHECK(info < 0, TDM_ERR_BACKEND, "?potri: argument %d is invalid", (int)-info);
  tdm__fit_mirror(dt, n, A, lda);
  return TDM_OK;
}
