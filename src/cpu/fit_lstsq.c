/* fit_lstsq.c -- least squares by Householder QR on the CPU. X and Y are
 * copied side by side into work tiles [X | Y] (never changed in place).
 * Short X: one geqrf + ormqr + trsm. Tall X (n well above p): a TSQR, each
 * thread walking its fixed share of rows block by block -- its current
 * [R | Q'Y] stacked on the next block of rows and factored again, all in
 * cache -- then the parts' [R | Q'Y] stacked and factored once more. Both
 * are Householder QR of X, so the backward error is the same; the tall
 * path reads X once instead of once per Householder panel. Then the pivots
 * are checked: |R_jj| at or under tol * ||x_j|| is rank deficiency. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fit_rank.h"
#include "cpu/fit.h"

static lapack_int tdm__geqrf(tdm_dtype dt, size_t m, size_t n, void *A, size_t lda, void *tau,
                             void *work, size_t lwork) {
  lapack_int mm = (lapack_int)m, nn = (lapack_int)n, la = (lapack_int)lda, lw = (lapack_int)lwork,
             info = 0;
  if (dt == TDM_F64) LAPACK_dgeqrf(&mm, &nn, A, &la, tau, work, &lw, &info);
  else LAPACK_sgeqrf(&mm, &nn, A, &la, tau, work, &lw, &info);
  return info;
}

/* C (m x n) := Q' C, Q from the k reflectors in A. */
static lapack_int tdm__ormqr(tdm_dtype dt, size_t m, size_t n, size_t k, const void *A, size_t lda,
                             const void *tau, void *C, size_t ldc, void *work, size_t lwork) {
  const char l = 'L', t = 'T';
  lapack_int mm = (lapack_int)m, nn = (lapack_int)n, kk = (lapack_int)k, la = (lapack_int)lda,
             lc = (lapack_int)ldc, lw = (lapack_int)lwork, info = 0;
  if (dt == TDM_F64) LAPACK_dormqr(&l, &t, &mm, &nn, &kk, A, &la, tau, C, &lc, work, &lw, &info);
  else LAPACK_sormqr(&l, &t, &mm, &nn, &kk, A, &la, tau, C, &lc, work, &lw, &info);
  return info;
}

/* Workspace (elements) for geqrf and ormqr on an m x (p + k) tile. */
static size_t tdm__qr_lwork(tdm_dtype dt, size_t m, size_t p, size_t k) {
  double q[2] = {0, 0};
  size_t a, b;
  tdm__geqrf(dt, m, p, NULL, m, NULL, q, (size_t)-1);
  a = tdm__fit_lwork(dt, q);
  tdm__ormqr(dt, m, k, p < m ? p : m, NULL, m, NULL, NULL, m, q, (size_t)-1);
  b = tdm__fit_lwork(dt, q);
  return a > b ? a : b;
}

/* Factors the m x (p + k) tile T (ld ldt): R into its top, Q'Y beside it;
 * with zero = 1 the reflectors under R's diagonal are cleared, so the top
 * rows can take more rows below them. */
static tdm_status tdm__qr_tile(tdm_dtype dt, size_t m, size_t p, size_t k, void *T, size_t ldt,
                               void *tau, void *work, size_t lwork, int zero) {
  size_t es = dt == TDM_F64 ? 8 : 4, r = m < p ? m : p;
  lapack_int info = tdm__geqrf(dt, m, p, T, ldt, tau, work, lwork);
  TDM__CHECK(info != 0, TDM_ERR_BACKEND, "?geqrf: info = %d", (int)info);
  info = tdm__ormqr(dt, m, k, r, T, ldt, tau, (char *)T + p * ldt * es, ldt, work, lwork);
  TDM__CHECK(info != 0, TDM_ERR_BACKEND, "?ormqr: info = %d", (int)info);
  if (zero)
    for (size_t j = 0; j < p && j + 1 < m; j++) {
      size_t hi = r < m ? r : m; /* rows kept: 0..r-1 */
      if (j + 1 < hi) memset((char *)T + (j * ldt + j + 1) * es, 0, (hi - j - 1) * es);
    }
  return TDM_OK;
}

typedef struct {
  const tdm__cpu *cpu;
  tdm_dtype dt;
  size_t n, p, k, nb, parts, ldt, lwork;
  const void *X, *Y;
  size_t ldx, ldy;
  char *tiles;         /* per part: ldt x (p + k) tile, tau (p), work (lwork) */
  size_t part_bytes;
  size_t *kept;        /* rows of [R | Q'Y] each part ends with */
  tdm_status *status;
} tdm__ls_job;

static void tdm__ls_part(void *arg, size_t lo, size_t hi) {
  const tdm__ls_job *j = arg;
  size_t es = j->dt == TDM_F64 ? 8 : 4, per = (j->n + j->parts - 1) / j->parts;
  tdm__blas_threads(j->cpu);
  for (size_t part = lo; part < hi; part++) {
    char *T = j->tiles + part * j->part_bytes, *tau = T + j->ldt * (j->p + j->k) * es,
         *work = tau + j->p * es;
    size_t r0 = part * per, r1 = r0 + per < j->n ? r0 + per : j->n, have = 0;
    tdm_status s = TDM_OK;
    for (size_t b = r0; b < r1 && s == TDM_OK; b += j->nb) {
      size_t e = b + j->nb < r1 ? b + j->nb : r1, r = e - b;
      tdm__fit_copy(es, r, j->p, (const char *)j->X + b * es, j->ldx, T + have * es, j->ldt);
      tdm__fit_copy(es, r, j->k, (const char *)j->Y + b * es, j->ldy,
                    T + (have + j->p * j->ldt) * es, j->ldt);
      s = tdm__qr_tile(j->dt, have + r, j->p, j->k, T, j->ldt, tau, work, j->lwork, 1);
      have = have + r < j->p ? have + r : j->p;
    }
    j->kept[part] = have;
    j->status[part] = s;
  }
  tdm__blas_done();
}

/* B := R^-1 z from the tile's top p rows. */
static void tdm__ls_finish(tdm_dtype dt, size_t p, size_t k, void *T, size_t ldt, void *B,
                           size_t ldb) {
  size_t es = dt == TDM_F64 ? 8 : 4;
  void *z = (char *)T + p * ldt * es;
  if (dt == TDM_F64)
    cblas_dtrsm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, (int)p, (int)k,
                1.0, T, (int)ldt, z, (int)ldt);
  else
    cblas_strsm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, (int)p, (int)k,
                1.0f, T, (int)ldt, z, (int)ldt);
  tdm__fit_copy(es, p, k, z, ldt, B, ldb);
}

/* tiles bytes, overflow-checked */
static int tdm__ls_bytes(size_t rows, size_t cols, size_t extra, size_t es, size_t *out) {
  size_t a;
  return tdm__mul_ovf(rows, cols, &a) || __builtin_add_overflow(a, extra, &a) ||
         tdm__mul_ovf(a, es, &a) || (*out = (a + 63) / 64 * 64, 0);
}

tdm_status tdm__cpu_lstsq(void *st, tdm_dtype dt, size_t n, size_t p, size_t k, const void *X,
                          size_t ldx, const void *Y, size_t ldy, void *B, size_t ldb) {
  const tdm__cpu *cpu = st;
  size_t es = dt == TDM_F64 ? 8 : 4, K = p + k;
  /* Rows per block: the (p + nb) x (p + k) tile near 512 KiB, at least p. */
  size_t nb = ((size_t)512 << 10) / (es * K);
  nb = nb > p ? nb - p : 0;
  if (nb < p) nb = p;
  if (nb < 64) nb = 64;
  tdm_status s = TDM_OK;
  if (n <= 2 * nb) { /* one factorization of [X | Y], BLAS threaded */
    size_t lwork = tdm__qr_lwork(dt, n, p, k), bytes;
    TDM__CHECK(tdm__ls_bytes(n, K, p + lwork, es, &bytes), TDM_ERR_INVALID,
               "X: %zu x %zu: the work space overflows", n, p);
    char *T = tdm__malloc(bytes);
    TDM__CHECK(!T, TDM_ERR_NOMEM, "out of host memory for %zu bytes of QR work space", bytes);
    char *tau = T + n * K * es, *work = tau + p * es;
    tdm__fit_copy(es, n, p, X, ldx, T, n);
    tdm__fit_copy(es, n, k, Y, ldy, T + n * p * es, n);
    tdm__blas_threads(cpu);
    s = tdm__qr_tile(dt, n, p, k, T, n, tau, work, lwork, 0);
    if (s == TDM_OK) s = tdm__fit_rank_check(dt, n, p, T, n);
    if (s == TDM_OK) tdm__ls_finish(dt, p, k, T, n, B, ldb);
    tdm__blas_done();
    tdm__free(T);
    return s;
  }
  size_t threads = tdm__in_worker() ? 1 : (size_t)cpu->threads;
  size_t parts = n / (2 * nb) < threads ? n / (2 * nb) : threads;
  if (parts < 1) parts = 1;
  size_t ldt = p + nb, ldS = parts * p;
  size_t lw_t = tdm__qr_lwork(dt, ldt, p, k), lw_s = tdm__qr_lwork(dt, ldS, p, k);
  size_t part_bytes, stack_bytes, bytes;
  TDM__CHECK(tdm__ls_bytes(ldt, K, p + lw_t, es, &part_bytes) ||
                 tdm__ls_bytes(ldS, K, p + lw_s, es, &stack_bytes) ||
                 tdm__mul_ovf(part_bytes, parts, &bytes) ||
                 __builtin_add_overflow(bytes, stack_bytes + parts * (sizeof(size_t) + sizeof(s)),
                                        &bytes),
             TDM_ERR_INVALID, "X: %zu x %zu: the work space overflows", n, p);
  char *work = tdm__malloc(bytes);
  TDM__CHECK(!work, TDM_ERR_NOMEM, "out of host memory for %zu bytes of QR work space", bytes);
  char *S = work + parts * part_bytes;
  size_t *kept = (size_t *)(S + stack_bytes);
  tdm_status *status = (tdm_status *)(kept + parts);
  tdm__ls_job j = {cpu, dt, n, p, k, nb, parts, ldt, lw_t, X, Y, ldx, ldy, work, part_bytes,
                   kept, status};
  if (parts == 1) tdm__ls_part(&j, 0, 1); /* here, BLAS may use the context's threads */
  else tdm__par_for((int)parts, parts, 1, tdm__ls_part, &j);
  size_t m = 0;
  for (size_t q = 0; q < parts && s == TDM_OK; q++) {
    s = status[q];
    const char *T = work + q * part_bytes;
    tdm__fit_copy(es, kept[q], K, T, ldt, S + m * es, ldS);
    m += kept[q];
  }
  if (s == TDM_OK) {
    char *tau = S + ldS * K * es;
    tdm__blas_threads(cpu);
    s = tdm__qr_tile(dt, m, p, k, S, ldS, tau, tau + p * es, lw_s, 0);
    if (s == TDM_OK) s = tdm__fit_rank_check(dt, n, p, S, ldS);
    if (s == TDM_OK) tdm__ls_finish(dt, p, k, S, ldS, B, ldb);
    tdm__blas_done();
  }
  tdm__free(work);
  return s;
}
