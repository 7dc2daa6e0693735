/* bench_fit.c -- the model-fitting calls' own benchmark (not a test):
 * (a) each call at n = 2000 next to the same OpenBLAS/LAPACK work called
 * directly (same data, same thread count, runs interleaved, best of reps):
 * the overhead tandem adds should stay within 5%; (b) tdm_lstsq of a
 * 1e6 x 50 X against numpy.linalg.lstsq run in a python3 child.
 *   bench_fit [--n 2000] [--reps 5] [--threads T] [--ls-n 1000000] [--no-numpy] */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tandem/tandem.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fill(double *x, size_t n, unsigned long long seed) {
  unsigned long long u = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; i++) {
    u = u * 6364136223846793005ull + 1442695040888963407ull;
    x[i] = (double)(u >> 11) / 9007199254740992.0 - 0.5;
  }
}

typedef struct {
  size_t n;
  double *A, *R, *X, *B, *w, *x, *y, *work, *s, *U, *Vt, *tau;
  lapack_int *iwork;
  size_t lwork, liwork;
  tdm_ctx *ctx;
  tdm_buf *bA, *bR, *bX, *bB, *bw, *bx, *by, *bC, *bs, *bU, *bVt, *bY;
} fit_data;

#define NCALLS 7
static const char *names[NCALLS] = {"gemv", "crossprod_w", "solve_tri", "chol_inverse", "lstsq",
                                    "eigh", "svd"};

/* Both triangles from the upper one, in 32 x 32 tiles: the contract's
 * output for X'WX and the inverse is the full symmetric matrix, so the
 * direct calls make it too. */
static void mirror(double *A, size_t n) {
  for (size_t j0 = 0; j0 < n; j0 += 32)
    for (size_t i0 = j0; i0 < n; i0 += 32)
      for (size_t j = j0; j < j0 + 32 && j < n; j++)
        for (size_t i = i0 > j + 1 ? i0 : j + 1; i < i0 + 32 && i < n; i++) A[i + j * n] = A[j + i * n];
}

/* The direct calls: what the tandem call does, written against LAPACK,
 * down to the same output (both triangles where the contract gives both). */
static void direct(fit_data *d, int c) {
  size_t n = d->n;
  int nn = (int)n, info;
  switch (c) {
  case 0: cblas_dgemv(CblasColMajor, CblasNoTrans, nn, nn, 1.0, d->A, nn, d->x, 1, 0.0, d->y, 1); break;
  case 1: /* scale rows by sqrt(w) into a copy, then syrk */
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < n; i++) d->work[i + j * n] = sqrt(d->w[i]) * d->X[i + j * n];
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, nn, nn, 1.0, d->work, nn, 0.0, d->U, nn);
    mirror(d->U, n);
    break;
  case 2:
    memcpy(d->work, d->B, n * n * 8);
    LAPACKE_dtrtrs_work(LAPACK_COL_MAJOR, 'U', 'N', 'N', nn, nn, d->R, nn, d->work, nn);
    break;
  case 3:
    for (size_t j = 0; j < n; j++) memcpy(d->U + j * n, d->R + j * n, (j + 1) * 8); /* R's triangle */
    LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', nn, d->U, nn);
    mirror(d->U, n);
    break;
  case 4: /* copy, geqrf, ormqr, trsm */
    memcpy(d->U, d->X, n * n * 8);
    memcpy(d->Vt, d->B, n * 8);
    LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, nn, nn, d->U, nn, d->tau, d->work, (int)d->lwork);
    LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', 'T', nn, 1, nn, d->U, nn, d->tau, d->Vt, nn, d->work,
                        (int)d->lwork);
    cblas_dtrsm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, nn, 1, 1.0, d->U,
                nn, d->Vt, nn);
    break;
  case 5:
    memcpy(d->U, d->A, n * n * 8);
    info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'L', nn, d->U, nn, d->s, d->work,
                               (int)d->lwork, d->iwork, (int)d->liwork);
    (void)info;
    break;
  case 6:
    memcpy(d->work, d->X, n * n * 8);
    LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', nn, nn, d->work, nn, d->s, d->U, nn, d->Vt, nn,
                        d->work + n * n, (int)d->lwork, d->iwork);
    break;
  }
}

static tdm_status viatdm(fit_data *d, int c) {
  switch (c) {
  case 0: return tdm_gemv(d->ctx, TDM_NOTRANS, 1.0, d->bA, d->bx, 0.0, d->by);
  case 1: return tdm_crossprod_w(d->ctx, d->bX, d->bw, d->bC);
  case 2: {
    tdm_status s = tdm_buf_write(d->bU, d->B); /* the rhs is overwritten, as in the direct call */
    return s ? s : tdm_solve_tri(d->ctx, TDM_NOTRANS, d->bR, d->bU);
  }
  case 3: return tdm_chol_inverse(d->ctx, d->bR, d->bC);
  case 4: return tdm_lstsq(d->ctx, d->bX, d->bY, d->bx);
  case 5: return tdm_eigh(d->ctx, d->bA, d->bs, d->bC);
  default: return tdm_svd(d->ctx, d->bX, d->bU, d->bs, d->bVt);
  }
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  size_t n = 2000, lsn = 1000000;
  int reps = 5, threads = 0, numpy = 1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--n") && i + 1 < argc) n = (size_t)atof(argv[++i]);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--ls-n") && i + 1 < argc) lsn = (size_t)atof(argv[++i]);
    else if (!strcmp(argv[i], "--no-numpy")) numpy = 0;
    else {
      fprintf(stderr, "usage: %s [--n N] [--reps R] [--threads T] [--ls-n N] [--no-numpy]\n", argv[0]);
      return 2;
    }
  }
  if (reps < 1 || reps > 50) reps = 5;
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = TDM_CPU;
  cfg.threads = threads;
  fit_data d = {.n = n};
  if (tdm_ctx_create(&cfg, &d.ctx) != TDM_OK) {
    fprintf(stderr, "tdm_ctx_create: %s\n", tdm_last_error());
    return 1;
  }
  threads = tdm_ctx_threads(d.ctx);
  size_t nn = n * n;
  d.A = malloc(nn * 8), d.R = calloc(nn, 8), d.X = malloc(nn * 8), d.B = malloc(nn * 8);
  d.w = malloc(n * 8), d.x = malloc(n * 8), d.y = malloc(n * 8), d.s = malloc(n * 8);
  d.U = malloc(nn * 8), d.Vt = malloc(nn * 8), d.tau = malloc(n * 8);
  d.lwork = 8 * nn + 8 * n + 1000, d.liwork = 10 * n + 10;
  d.work = malloc((nn + d.lwork) * 8), d.iwork = malloc(d.liwork * sizeof(lapack_int));
  fill(d.X, nn, 1), fill(d.B, nn, 2), fill(d.x, n, 3);
  for (size_t i = 0; i < n; i++) d.w[i] = d.x[i] + 1.0;
  /* A = X'X/n + I (SPD), R its factor */
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)n, (int)n, 1.0 / (double)n, d.X, (int)n, 0.0, d.A, (int)n);
  for (size_t j = 0; j < n; j++) {
    d.A[j + j * n] += 1.0;
    for (size_t i = j + 1; i < n; i++) d.A[i + j * n] = d.A[j + i * n];
  }
  memcpy(d.R, d.A, nn * 8);
  LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', (int)n, d.R, (int)n);
  for (size_t j = 0; j < n; j++)
    for (size_t i = j + 1; i < n; i++) d.R[i + j * n] = 0;
  tdm_ctx *c = d.ctx;
  tdm_buf_wrap(c, TDM_F64, n, n, d.A, &d.bA), tdm_buf_wrap(c, TDM_F64, n, n, d.R, &d.bR);
  tdm_buf_wrap(c, TDM_F64, n, n, d.X, &d.bX), tdm_buf_wrap(c, TDM_F64, n, 1, d.w, &d.bw);
  tdm_buf_wrap(c, TDM_F64, n, 1, d.x, &d.bx), tdm_buf_wrap(c, TDM_F64, n, 1, d.B, &d.bY);
  tdm_buf_create(c, TDM_F64, n, 1, &d.by), tdm_buf_create(c, TDM_F64, n, n, &d.bC);
  tdm_buf_create(c, TDM_F64, n, 1, &d.bs), tdm_buf_create(c, TDM_F64, n, n, &d.bU);
  tdm_buf_create(c, TDM_F64, n, n, &d.bVt);
  printf("bench_fit: n = %zu, %d threads, best of %d interleaved runs (OpenBLAS %s)\n", n, threads,
         reps, openblas_get_config());
  printf("  %-13s %11s %11s %9s\n", "call", "direct", "tandem", "overhead");
  for (int k = 0; k < NCALLS; k++) {
    double td[50], tt[50];
    for (int r = 0; r <= reps; r++) { /* run 0 warms up */
      openblas_set_num_threads(threads);
      double t = now();
      direct(&d, k);
      double t1 = now();
      tdm_status s = viatdm(&d, k);
      if (s == TDM_OK) s = tdm_ctx_sync(c);
      double t2 = now();
      if (s != TDM_OK) {
        fprintf(stderr, "%s: %s\n", names[k], tdm_last_error());
        return 1;
      }
      if (r) td[r - 1] = t1 - t, tt[r - 1] = t2 - t1;
    }
    qsort(td, (size_t)reps, sizeof *td, cmp_d);
    qsort(tt, (size_t)reps, sizeof *tt, cmp_d);
    printf("  %-13s %9.2f ms %9.2f ms %+8.1f%%\n", names[k], td[0] * 1e3, tt[0] * 1e3,
           100.0 * (tt[0] / td[0] - 1.0));
    fflush(stdout);
  }
  tdm_buf_destroy(d.bA), tdm_buf_destroy(d.bR), tdm_buf_destroy(d.bX), tdm_buf_destroy(d.bw);
  tdm_buf_destroy(d.bx), tdm_buf_destroy(d.bY), tdm_buf_destroy(d.by), tdm_buf_destroy(d.bC);
  tdm_buf_destroy(d.bs), tdm_buf_destroy(d.bU), tdm_buf_destroy(d.bVt);
  free(d.A), free(d.R), free(d.X), free(d.B), free(d.w), free(d.x), free(d.y), free(d.s);
  free(d.U), free(d.Vt), free(d.tau), free(d.work), free(d.iwork);

  /* (b) lstsq of lsn x 50 against numpy in a child */
  size_t p = 50;
  double *X = malloc(lsn * p * 8), *Y = malloc(lsn * 8), b[50];
  fill(X, lsn * p, 11), fill(Y, lsn, 12);
  tdm_buf *bX, *bY, *bB;
  tdm_buf_wrap(c, TDM_F64, lsn, p, X, &bX), tdm_buf_wrap(c, TDM_F64, lsn, 1, Y, &bY);
  tdm_buf_create(c, TDM_F64, p, 1, &bB);
  double tl[50];
  for (int r = 0; r < reps; r++) {
    double t = now();
    if (tdm_lstsq(c, bX, bY, bB) != TDM_OK) {
      fprintf(stderr, "lstsq: %s\n", tdm_last_error());
      return 1;
    }
    tl[r] = now() - t;
  }
  tdm_buf_read(bB, b);
  qsort(tl, (size_t)reps, sizeof *tl, cmp_d);
  printf("lstsq %zu x %zu: tandem best %.3f s, median %.3f s (b0 %.12f)\n", lsn, p, tl[0],
         tl[reps / 2], b[0]);
  fflush(stdout);
  if (numpy) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "OPENBLAS_NUM_THREADS=%d python3 -c \"\n"
             "import numpy as np, time\n"
             "n, p = %zu, %zu\n"
             "X = np.random.default_rng(1).random((n, p)) - 0.5; y = X[:, 0] * 0 + np.random.default_rng(2).random(n) - 0.5\n"
             "ts = []\n"
             "for r in range(%d):\n"
             "  t = time.perf_counter(); np.linalg.lstsq(X, y, rcond=None); ts.append(time.perf_counter() - t)\n"
             "ts.sort(); print('lstsq %%d x %%d: numpy  best %%.3f s, median %%.3f s' %% (n, p, ts[0], ts[len(ts) // 2]))\n"
             "\"",
             threads, lsn, p, reps < 3 ? reps : 3);
    if (system(cmd) != 0) printf("numpy: the python3 child failed (is numpy installed?)\n");
  }
  tdm_buf_destroy(bX), tdm_buf_destroy(bY), tdm_buf_destroy(bB);
  free(X), free(Y);
  tdm_ctx_destroy(c);
  return 0;
}
