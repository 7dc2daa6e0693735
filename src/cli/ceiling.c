/* ceiling.c -- what this machine allows, measured once before the
 * scenarios: host memory copy and read bandwidth (membw.c),
 * F64 GEMM on one core and on all threads, F32 GEMM on all threads; and
 * on a device its read bandwidth, GEMM rates and h2d/d2h copy rates. The
 * GEMMs go through the public API (tdm_gemm), so they are tandem's peak. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Best of 3 tdm_gemm calls, n x n, on ctx; GFLOP/s. Also the device's d2h
 * rate when d2h is not NULL (C read back after the last call). */
static double cli_gemm_rate(tdm_ctx *ctx, tdm_dtype dt, size_t n, double *d2h) {
  size_t es = tdm_dtype_size(dt);
  void *h = malloc(n * n * es);
  tdm_buf *A = NULL, *B = NULL, *C = NULL;
  double best = INFINITY;
  tdm_status s = h ? TDM_OK : TDM_ERR_NOMEM;
  for (size_t i = 0; h && i < n * n; i++) { /* values in [-1, 1) */
    double v = (double)((i * 7919) % 2003) / 1001.5 - 1.0;
    if (dt == TDM_F64) ((double *)h)[i] = v;
    else ((float *)h)[i] = (float)v;
  }
  if (s == TDM_OK) s = tdm_buf_create(ctx, dt, n, n, &A);
  if (s == TDM_OK) s = tdm_buf_create(ctx, dt, n, n, &B);
  if (s == TDM_OK) s = tdm_buf_create(ctx, dt, n, n, &C);
  if (s == TDM_OK) s = tdm_buf_write(A, h);
  if (s == TDM_OK) s = tdm_buf_write(B, h);
  if (s == TDM_OK) s = tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1.0, A, B, 0.0, C); /* warm-up */
  if (s == TDM_OK) s = tdm_ctx_sync(ctx);
  for (int rep = 0; rep < 3 && s == TDM_OK; rep++) {
    double t = bench_now();
    s = tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1.0, A, B, 0.0, C);
    if (s == TDM_OK) s = tdm_ctx_sync(ctx);
    t = bench_now() - t;
    if (t < best) best = t;
  }
  if (s == TDM_OK && d2h) {
    double t = bench_now();
    s = tdm_buf_read(C, h);
    *d2h = s == TDM_OK ? (double)(n * n * es) / (bench_now() - t) / 1e9 : 0;
  }
  tdm_buf_destroy(A);
  tdm_buf_destroy(B);
  tdm_buf_destroy(C);
  free(h);
  return s == TDM_OK ? 2.0 * (double)n * n * n / best / 1e9 : 0;
}

static double cli_cpu_gemm(int threads, tdm_dtype dt, size_t n) {
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = TDM_CPU;
  cfg.threads = threads;
  tdm_ctx *ctx = NULL;
  if (tdm_ctx_create(&cfg, &ctx) != TDM_OK) return 0;
  double r = cli_gemm_rate(ctx, dt, n, NULL);
  tdm_ctx_destroy(ctx);
  return r;
}

/* Device read bandwidth (a resident reduction) and h2d (write + reduce,
 * less the resident reduction's time). */
static void cli_dev_bw(tdm_ctx *ctx, size_t n, bench_ceil *c) {
  double *h = malloc(n * sizeof *h);
  tdm_buf *x = NULL;
  tdm_status s = h ? TDM_OK : TDM_ERR_NOMEM;
  for (size_t i = 0; h && i < n; i++) h[i] = (double)(i % 1000);
  if (s == TDM_OK) s = tdm_buf_create(ctx, TDM_F64, n, 1, &x);
  if (s == TDM_OK) s = tdm_buf_write(x, h);
  tdm_reduce_op op = TDM_SUM;
  double out, tred = INFINITY, tcopy = INFINITY;
  if (s == TDM_OK) s = tdm_reduce(ctx, x, 1, &op, &out); /* moves x to the device */
  for (int rep = 0; rep < 5 && s == TDM_OK; rep++) {
    double t = bench_now();
    s = tdm_reduce(ctx, x, 1, &op, &out);
    t = bench_now() - t;
    if (t < tred) tred = t;
  }
  for (int rep = 0; rep < 3 && s == TDM_OK; rep++) {
    s = tdm_buf_write(x, h);
    double t = bench_now();
    if (s == TDM_OK) s = tdm_reduce(ctx, x, 1, &op, &out);
    t = bench_now() - t;
    if (t < tcopy) tcopy = t;
  }
  if (s == TDM_OK) {
    c->dev_gbs = 8.0 * (double)n / tred / 1e9;
    if (tcopy > tred) c->h2d_gbs = 8.0 * (double)n / (tcopy - tred) / 1e9;
  }
  tdm_buf_destroy(x);
  free(h);
}

void cli_ceilings(bench_size size, int threads, tdm_backend dev, double t0, bench_ceil *c) {
  memset(c, 0, sizeof *c);
  int small = size == BENCH_SMALL;
  fprintf(stderr, "[%7.1f s] ceilings: memory copy and read, GEMM on 1 and %d threads\n", bench_now() - t0,
          threads);
  c->copy_gbs = cli_copy_gbs(small ? (size_t)32 << 20 : (size_t)256 << 20, threads);
  c->read_gbs = cli_read_gbs(small ? (size_t)32 << 20 : (size_t)256 << 20, threads);
  c->dgemm1 = cli_cpu_gemm(1, TDM_F64, small ? 384 : 1000);
  c->dgemmN = cli_cpu_gemm(threads, TDM_F64, small ? 512 : 2000);
  c->sgemmN = cli_cpu_gemm(threads, TDM_F32, small ? 512 : 2000);
  if (dev == TDM_CPU) return;
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = dev;
  cfg.threads = threads;
  tdm_ctx *ctx = NULL;
  if (tdm_ctx_create(&cfg, &ctx) != TDM_OK) return; /* rows say why */
  fprintf(stderr, "[%7.1f s] ceilings: %s device memory, GEMM, h2d/d2h\n", bench_now() - t0,
          tdm_backend_name(dev));
  size_t gn = dev == TDM_CUDA && !small ? 4096 : 512;
  cli_dev_bw(ctx, small || dev != TDM_CUDA ? (size_t)4 << 20 : (size_t)32 << 20, c);
  c->dev_dgemm = cli_gemm_rate(ctx, TDM_F64, gn, &c->d2h_gbs);
  c->dev_sgemm = cli_gemm_rate(ctx, TDM_F32, gn, NULL);
  tdm_ctx_destroy(ctx);
}
