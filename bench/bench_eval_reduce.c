/* bench_eval_reduce.c -- a reduction of an expression without storing it:
 * s = sum((y - a*x)^2) over n F64 elements (default 1e8) with
 * tdm_eval_reduce on the CPU, against (1) the memory read ceiling: the
 * best time to read the same bytes (x and y) with the widest vector loads
 * on all threads, and (2) numpy's ((y - a*x)**2).sum()
 * (bench/peers/eval_reduce.py, same n, run by this program). Prints a
 * table and one JSON line. Goal: >= 80% of the read ceiling, >= 5x numpy.
 * Usage: bench_eval_reduce [N] [--reps R] [--no-peer] */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu_int.h"
#include "tandem/tandem.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct read_arg {
  const double *const *src;
  int nsrc;
  size_t n, chunk;
  double sink[64];
} read_arg;

typedef double v8d __attribute__((vector_size(64)));

/* XOR-free read stream: 8-wide loads summed into 4 accumulators (the
 * compiler uses the widest vectors the target attribute allows). */
__attribute__((target("avx512f"))) static double read512(const double *p, size_t n) {
  v8d a = {0}, b = {0}, c = {0}, d = {0};
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    v8d t0, t1, t2, t3;
    memcpy(&t0, p + i, 64), memcpy(&t1, p + i + 8, 64), memcpy(&t2, p + i + 16, 64),
        memcpy(&t3, p + i + 24, 64);
    a += t0, b += t1, c += t2, d += t3;
  }
  double s = 0;
  for (; i < n; i++) s += p[i];
  a += b + c + d;
  for (int k = 0; k < 8; k++) s += a[k];
  return s;
}
static double read_plain(const double *p, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += p[i];
  return s;
}

static void read_range(void *p, size_t lo, size_t hi) {
  read_arg *a = p;
  int wide = __builtin_cpu_supports("avx512f");
  for (size_t c = lo; c < hi; c++) {
    size_t off = c * a->chunk, len = off + a->chunk < a->n ? a->chunk : a->n - off;
    for (int k = 0; k < a->nsrc; k++) {
      double s = wide ? read512(a->src[k] + off, len) : read_plain(a->src[k] + off, len);
      a->sink[c % 64] += s;
    }
  }
}

/* Best time to read every source once on all threads. */
static double read_ceiling(const double *const *src, int nsrc, size_t n, int threads, int reps) {
  read_arg a = {src, nsrc, n, (size_t)1 << 19, {0}};
  size_t nchunk = (n + a.chunk - 1) / a.chunk;
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    double t = now();
    tdm__par_for(threads, nchunk, 1, read_range, &a);
    t = now() - t;
    if (t < best) best = t;
  }
  return best;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double json_num(const char *js, const char *key) {
  const char *p = strstr(js, key);
  return p ? atof(p + strlen(key) + 2) : -1;
}

int main(int argc, char **argv) {
  size_t n = 100000000;
  int reps = 5, peer = 1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--no-peer")) peer = 0;
    else n = (size_t)atof(argv[i]);
  }
  if (reps < 1) reps = 1;
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = TDM_CPU;
  tdm_ctx *ctx;
  if (tdm_ctx_create(&cfg, &ctx) != TDM_OK) {
    fprintf(stderr, "bench_eval_reduce: %s\n", tdm_last_error());
    return 1;
  }
  double *x = malloc(n * 8), *y = malloc(n * 8), a = 0.75;
  if (!x || !y) {
    fprintf(stderr, "bench_eval_reduce: out of memory for n = %zu\n", n);
    return 1;
  }
  uint64_t s = 1;
  for (size_t i = 0; i < n; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x[i] = -1.0 + 2.0 * (double)(s >> 11) * 0x1.0p-53;
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    y[i] = -1.0 + 2.0 * (double)(s >> 11) * 0x1.0p-53;
  }
  tdm_buf *in[3];
  if (tdm_buf_wrap(ctx, TDM_F64, n, 1, y, &in[0]) || tdm_buf_wrap(ctx, TDM_F64, 1, 1, &a, &in[1]) ||
      tdm_buf_wrap(ctx, TDM_F64, n, 1, x, &in[2])) {
    fprintf(stderr, "bench_eval_reduce: %s\n", tdm_last_error());
    return 1;
  }
  const tdm_reduce_op op = TDM_SUM;
  double *t = malloc((size_t)reps * sizeof *t), sum = 0;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    tdm_status st = tdm_eval_reduce(ctx, "(y - a*x)^2", "y, a, x", in, 1, &op, &sum);
    t[r] = now() - t0;
    if (st != TDM_OK) {
      fprintf(stderr, "bench_eval_reduce: %s\n", tdm_last_error());
      return 1;
    }
  }
  qsort(t, (size_t)reps, sizeof *t, cmp_d);
  long double ref = 0; /* check on a sample */
  for (size_t i = 0; i < n; i++) {
    double d = y[i] - a * x[i];
    ref += (long double)(d * d);
  }
  const double *srcs[2] = {x, y};
  double ceil_s = read_ceiling(srcs, 2, n, tdm_ctx_threads(ctx), reps);
  double np_s = -1;
  if (peer) {
    char cmd[1024], js[1024] = "";
    snprintf(cmd, sizeof cmd, "python3 %s/eval_reduce.py %zu %d", TDM_BENCH_PEERS, n, reps < 3 ? reps : 3);
    FILE *f = popen(cmd, "r");
    if (f && fgets(js, sizeof js, f)) np_s = json_num(js, "\"min_s\"");
    if (f) pclose(f);
    if (np_s < 0) fprintf(stderr, "bench_eval_reduce: numpy peer gave no result (%s)\n", cmd);
  }
  double gbs = 16.0 * (double)n / t[0] / 1e9, cgbs = 16.0 * (double)n / ceil_s / 1e9;
  double rel = fabs((double)(sum - ref) / (double)ref);
  printf("eval_reduce: sum((y - a*x)^2), n = %zu f64, %d threads, %d reps\n", n, tdm_ctx_threads(ctx), reps);
  printf("%12s %12s %10s %12s %10s %12s %10s %9s\n", "tandem_min", "tandem_med", "GB/s", "read_ceil",
         "ceil_GB/s", "numpy", "x_numpy", "rel_err");
  printf("%11.4fs %11.4fs %10.2f %11.4fs %10.2f %11.4fs %9.2fx %9.1e\n", t[0], t[reps / 2], gbs,
         ceil_s, cgbs, np_s, np_s > 0 ? np_s / t[0] : 0, rel);
  printf("of the read ceiling: %.0f%%\n", 100 * ceil_s / t[0]);
  printf("{\"bench\":\"eval_reduce\",\"n\":%zu,\"threads\":%d,\"reps\":%d,\"tandem_min_s\":%.6f,"
         "\"tandem_median_s\":%.6f,\"read_ceiling_s\":%.6f,\"of_ceiling\":%.3f,\"numpy_s\":%.6f,"
         "\"speedup_vs_numpy\":%.3f,\"rel_err\":%.2e}\n",
         n, tdm_ctx_threads(ctx), reps, t[0], t[reps / 2], ceil_s, ceil_s / t[0], np_s,
         np_s > 0 ? np_s / t[0] : 0, rel);
  for (int k = 0; k < 3; k++) tdm_buf_destroy(in[k]);
  free(x), free(y), free(t);
  tdm_ctx_destroy(ctx);
  return 0;
}
