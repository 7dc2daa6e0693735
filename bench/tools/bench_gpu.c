/* bench_gpu.c -- the CUDA backend against the card's own ceilings, all
 * measured in the same run: GEMM n = 10000 (F32, F64) through tandem vs
 * cuBLAS called directly; tdm_buf uploads and downloads vs cudaMemcpy from
 * pinned memory; a one-pass reduction of 1e9 F32 vs a device-to-device
 * copy (bytes read + written). Prints a markdown table; --md FILE also
 * writes it there. Medians of --reps runs after a warm-up. */
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"
#include "tandem/tandem.h"

#define CK(x)                                                                                      \
  do {                                                                                             \
    cudaError_t e_ = (x);                                                                          \
    if (e_ != cudaSuccess) {                                                                       \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_));          \
      exit(1);                                                                                     \
    }                                                                                              \
  } while (0)
#define TK(x)                                                                                      \
  do {                                                                                             \
    tdm_status s_ = (x);                                                                           \
    if (s_ != TDM_OK) {                                                                            \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, tdm_last_error());                \
      exit(1);                                                                                     \
    }                                                                                              \
  } while (0)
#define BK(x)                                                                                      \
  do {                                                                                             \
    if ((x) != CUBLAS_STATUS_SUCCESS) {                                                            \
      fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #x);                               \
      exit(1);                                                                                     \
    }                                                                                              \
  } while (0)

static int reps = 5;
static char table[8192];
static size_t tlen;

static void row(const char *what, const char *tandem, const char *ref, double ratio, double goal,
                const char *check) {
  tlen += (size_t)snprintf(table + tlen, sizeof table - tlen,
                           "| %s | %s | %s | %.3f | >= %.2f: %s | %s |\n", what, tandem, ref, ratio,
                           goal, ratio >= goal ? "met" : "NOT MET", check);
}

static void fill_rand(void *p, size_t n, int f32, uint64_t seed) {
  uint64_t u = seed * 0x9E3779B97F4A7C15ull + 7;
  for (size_t i = 0; i < n; i++) {
    u = u * 6364136223846793005ull + 1442695040888963407ull;
    double v = (double)(u >> 11) / 9007199254740992.0 - 0.5;
    if (f32) ((float *)p)[i] = (float)v;
    else ((double *)p)[i] = v;
  }
}

/* GEMM C = A B, n x n, through tandem (device-resident buffers) and cuBLAS. */
static void bench_gemm(tdm_ctx *ctx, size_t n, int f32) {
  tdm_dtype dt = f32 ? TDM_F32 : TDM_F64;
  size_t es = f32 ? 4 : 8, bytes = n * n * es;
  void *ha = malloc(bytes), *hb = malloc(bytes), *hc = malloc(bytes), *hr = malloc(bytes);
  fill_rand(ha, n * n, f32, 1), fill_rand(hb, n * n, f32, 2);
  tdm_buf *A, *B, *C;
  TK(tdm_buf_create(ctx, dt, n, n, &A));
  TK(tdm_buf_create(ctx, dt, n, n, &B));
  TK(tdm_buf_create(ctx, dt, n, n, &C));
  TK(tdm_buf_write(A, ha));
  TK(tdm_buf_write(B, hb));
  TK(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1.0, A, B, 0.0, C)); /* warm-up, uploads */
  TK(tdm_ctx_sync(ctx));
  tdm_stats s0, s1;
  TK(tdm_ctx_stats(ctx, &s0));
  double t[64];
  for (int r = 0; r < reps; r++) {
    double t0 = bench_now();
    TK(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1.0, A, B, 0.0, C));
    TK(tdm_ctx_sync(ctx));
    t[r] = bench_now() - t0;
  }
  double tt = bench_median(t, reps);
  TK(tdm_ctx_stats(ctx, &s1));
  TK(tdm_buf_read(C, hc));
  /* cuBLAS directly, same data, same math mode (default: full FP32) */
  cublasHandle_t h;
  BK(cublasCreate(&h));
  void *da, *db, *dc;
  CK(cudaMalloc(&da, bytes));
  CK(cudaMalloc(&db, bytes));
  CK(cudaMalloc(&dc, bytes));
  CK(cudaMemcpy(da, ha, bytes, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(db, hb, bytes, cudaMemcpyHostToDevice));
  float one = 1, zero = 0;
  double oned = 1, zerod = 0;
  for (int r = -1; r < reps; r++) {
    double t0 = bench_now();
    if (f32)
      BK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, (int)n, (int)n, (int)n, &one, da, (int)n, db, (int)n,
                     &zero, dc, (int)n));
    else
      BK(cublasDgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, (int)n, (int)n, (int)n, &oned, da, (int)n, db, (int)n,
                     &zerod, dc, (int)n));
    CK(cudaDeviceSynchronize());
    if (r >= 0) t[r] = bench_now() - t0;
  }
  double tc = bench_median(t, reps);
  CK(cudaMemcpy(hr, dc, bytes, cudaMemcpyDeviceToHost));
  long double d = 0, q = 0;
  for (size_t i = 0; i < n * n; i++) {
    double x = f32 ? ((float *)hc)[i] : ((double *)hc)[i], y = f32 ? ((float *)hr)[i] : ((double *)hr)[i];
    d += ((long double)x - y) * ((long double)x - y);
    q += (long double)y * y;
  }
  double rel = (double)sqrtl(d / q);
  char a[96], b[96], chk[128];
  double fl = 2.0 * (double)n * n * n;
  snprintf(a, sizeof a, "%.3f s, %.1f TFLOP/s", tt, fl / tt / 1e12);
  snprintf(b, sizeof b, "%.3f s, %.1f TFLOP/s", tc, fl / tc / 1e12);
  snprintf(chk, sizeof chk, "rel. diff %.1e; %llu transfers in timed runs", rel,
           (unsigned long long)(s1.h2d_count - s0.h2d_count + s1.d2h_count - s0.d2h_count));
  char what[64];
  snprintf(what, sizeof what, "GEMM n=%zu %s (tandem vs cuBLAS)", n, f32 ? "F32" : "F64");
  row(what, a, b, tc / tt, 0.9, chk);
  cublasDestroy(h);
  cudaFree(da), cudaFree(db), cudaFree(dc);
  tdm_buf_destroy(A), tdm_buf_destroy(B), tdm_buf_destroy(C);
  free(ha), free(hb), free(hc), free(hr);
}

/* The card's pinned bandwidth (cudaMemcpy from cudaMallocHost) against
 * tdm_buf uploads and downloads of wrapped memory. */
static void bench_transfer(tdm_ctx *ctx, size_t mib) {
  size_t bytes = mib << 20, n = bytes / sizeof(float);
  void *pin, *dev;
  CK(cudaMallocHost(&pin, bytes));
  CK(cudaMalloc(&dev, bytes));
  memset(pin, 1, bytes);
  double t[64], up, down;
  for (int r = -1; r < reps; r++) {
    double t0 = bench_now();
    CK(cudaMemcpy(dev, pin, bytes, cudaMemcpyHostToDevice));
    if (r >= 0) t[r] = bench_now() - t0;
  }
  up = (double)bytes / bench_median(t, reps);
  for (int r = -1; r < reps; r++) {
    double t0 = bench_now();
    CK(cudaMemcpy(pin, dev, bytes, cudaMemcpyDeviceToHost));
    if (r >= 0) t[r] = bench_now() - t0;
  }
  down = (double)bytes / bench_median(t, reps);
  CK(cudaFreeHost(pin));
  CK(cudaFree(dev));
  float *x = malloc(bytes), *y = malloc(bytes), s1 = 1;
  fill_rand(x, n, 1, 3);
  tdm_buf *X, *Y, *S;
  TK(tdm_buf_wrap(ctx, TDM_F32, n, 1, x, &X));
  TK(tdm_buf_wrap(ctx, TDM_F32, n, 1, y, &Y));
  TK(tdm_buf_create(ctx, TDM_F32, 1, 1, &S));
  TK(tdm_buf_write(S, &s1));
  tdm_reduce_op op = TDM_SUM;
  double sum;
  /* upload: tdm_reduce of host-current X = upload + one pass; the pass
   * alone is timed on the resident copy and subtracted */
  double tu[64], tr[64];
  for (int r = -1; r < reps; r++) {
    TK(tdm_buf_write(X, x)); /* host copy current again */
    double t0 = bench_now();
    TK(tdm_reduce(ctx, X, 1, &op, &sum));
    double t1 = bench_now();
    TK(tdm_reduce(ctx, X, 1, &op, &sum));
    if (r >= 0) tu[r] = t1 - t0, tr[r] = bench_now() - t1;
  }
  double tup = bench_median(tu, reps) - bench_median(tr, reps);
  /* download: Y = X * 1 on the device, then tdm_buf_read of Y */
  for (int r = -1; r < reps; r++) {
    TK(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1.0, X, S, 0.0, Y));
    TK(tdm_ctx_sync(ctx));
    double t0 = bench_now();
    TK(tdm_buf_read(Y, y));
    if (r >= 0) t[r] = bench_now() - t0;
  }
  double tdown = bench_median(t, reps);
  int same = memcmp(x, y, bytes) == 0;
  char a[96], b[96];
  snprintf(a, sizeof a, "%.1f GB/s", (double)bytes / tup / 1e9);
  snprintf(b, sizeof b, "%.1f GB/s (pinned cudaMemcpy)", up / 1e9);
  char what[64];
  snprintf(what, sizeof what, "h2d %zu MiB (tdm upload vs pinned)", mib);
  row(what, a, b, (double)bytes / tup / up, 0.8, "upload = reduce(host data) - reduce(resident)");
  snprintf(a, sizeof a, "%.1f GB/s", (double)bytes / tdown / 1e9);
  snprintf(b, sizeof b, "%.1f GB/s (pinned cudaMemcpy)", down / 1e9);
  snprintf(what, sizeof what, "d2h %zu MiB (tdm_buf_read vs pinned)", mib);
  row(what, a, b, (double)bytes / tdown / down, 0.8, same ? "round trip exact" : "ROUND TRIP DIFFERS");
  tdm_buf_destroy(X), tdm_buf_destroy(Y), tdm_buf_destroy(S);
  free(x), free(y);
}

/* One pass of all six statistics over n F32 vs a device copy of the
 * same bytes (read + written). */
static void bench_reduce(tdm_ctx *ctx, size_t n) {
  size_t bytes = n * sizeof(float);
  void *d1, *d2;
  CK(cudaMalloc(&d1, bytes));
  CK(cudaMalloc(&d2, bytes));
  CK(cudaMemset(d1, 0, bytes));
  double t[64];
  for (int r = -1; r < reps; r++) {
    double t0 = bench_now();
    CK(cudaMemcpy(d2, d1, bytes, cudaMemcpyDeviceToDevice));
    CK(cudaDeviceSynchronize());
    if (r >= 0) t[r] = bench_now() - t0;
  }
  double copy = 2.0 * (double)bytes / bench_median(t, reps);
  CK(cudaFree(d1));
  CK(cudaFree(d2));
  float *x = malloc(bytes);
  fill_rand(x, n, 1, 4);
  long double ref = 0;
  for (size_t i = 0; i < n; i++) ref += x[i];
  tdm_buf *X;
  TK(tdm_buf_create(ctx, TDM_F32, n, 1, &X));
  TK(tdm_buf_write(X, x));
  free(x);
  tdm_reduce_op ops[6] = {TDM_SUM, TDM_MEAN, TDM_MIN, TDM_MAX, TDM_VAR, TDM_SD};
  double out[6];
  for (int r = -1; r < reps; r++) {
    double t0 = bench_now();
    TK(tdm_reduce(ctx, X, 6, ops, out));
    if (r >= 0) t[r] = bench_now() - t0;
  }
  double tr = bench_median(t, reps), bw = (double)bytes / tr;
  char a[96], b[96], chk[128], what[64];
  snprintf(a, sizeof a, "%.3f ms, %.0f GB/s read", tr * 1e3, bw / 1e9);
  snprintf(b, sizeof b, "%.0f GB/s (D2D copy, read+write)", copy / 1e9);
  snprintf(chk, sizeof chk, "sum %.6g vs host %.6g; var %.4f (1/12 = 0.0833)", out[0], (double)ref, out[4]);
  snprintf(what, sizeof what, "reduce %.0e F32, 6 stats, one pass", (double)n);
  row(what, a, b, bw / copy, 0.8, chk);
  tdm_buf_destroy(X);
}

int main(int argc, char **argv) {
  size_t gemm_n = 10000, red_n = 1000000000, mib = 1024;
  const char *md = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--n") && i + 1 < argc) gemm_n = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--reduce-n") && i + 1 < argc) red_n = (size_t)strtod(argv[++i], NULL);
    else if (!strcmp(argv[i], "--mib") && i + 1 < argc) mib = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--md") && i + 1 < argc) md = argv[++i];
    else {
      fprintf(stderr, "usage: bench_gpu [--n N] [--reduce-n N] [--mib MiB] [--reps R] [--md FILE]\n");
      return 2;
    }
  }
  if (reps < 1 || reps > 64) reps = 5;
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = TDM_CUDA;
  tdm_ctx *ctx;
  if (tdm_ctx_create(&cfg, &ctx) != TDM_OK) {
    printf("bench_gpu: no CUDA device: %s\n", tdm_last_error());
    return 3;
  }
  struct cudaDeviceProp p;
  int drv = 0, rt = 0;
  CK(cudaGetDeviceProperties(&p, cfg.device));
  CK(cudaDriverGetVersion(&drv));
  CK(cudaRuntimeGetVersion(&rt));
  char head[512];
  snprintf(head, sizeof head,
           "Device: %s (sm_%d%d, %d SMs, %.1f GiB), driver %d.%d, runtime %d.%d; medians of %d runs.\n\n"
           "| measurement | tandem | reference (same run) | ratio | goal | check |\n|---|---|---|---|---|---|\n",
           p.name, p.major, p.minor, p.multiProcessorCount, (double)p.totalGlobalMem / (1 << 30),
           drv / 1000, drv % 1000 / 10, rt / 1000, rt % 1000 / 10, reps);
  tlen = (size_t)snprintf(table, sizeof table, "%s", head);
  if (gemm_n) bench_gemm(ctx, gemm_n, 1), bench_gemm(ctx, gemm_n, 0);
  if (mib) bench_transfer(ctx, mib);
  if (red_n) bench_reduce(ctx, red_n);
  fputs(table, stdout);
  if (md) {
    FILE *f = fopen(md, "w");
    if (f) fputs(table, f), fclose(f);
  }
  tdm_ctx_destroy(ctx);
  return 0;
}
