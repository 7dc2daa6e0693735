/* perf.c -- the CPU's speed figures for the placement model (TDM_AUTO with a
 * device), measured once per process the first time a placement needs them:
 * a read stream of 64 MiB on one thread and on every core, and a 384^3 DGEMM
 * on one thread (about 10 ms in all). TDM_CPU_PERF="READ_GBS,GFLOPS_PER_CORE"
 * sets them instead (e.g. from `tandem bench`'s ceilings). A probe that
 * cannot run leaves the conservative constants. */
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cpu/cpu_int.h"

static pthread_once_t tdm__perf_once = PTHREAD_ONCE_INIT;
static double tdm__bw1 = 8e9, tdm__bwN = 0, tdm__gemm1 = 3e10; /* bytes/s, flop/s */

static double tdm__now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static _Thread_local volatile double tdm__sink; /* keeps the loads */

static void tdm__rd_part(void *arg, size_t lo, size_t hi) {
  const double *x = arg;
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (size_t i = lo * 4096; i < hi * 4096; i += 4) {
    s0 += x[i], s1 += x[i + 1], s2 += x[i + 2], s3 += x[i + 3];
  }
  tdm__sink = s0 + s1 + s2 + s3;
}

/* Best of three reads of n doubles on `threads` threads, bytes/s. */
static double tdm__read_bps(const double *x, size_t n, int threads) {
  double best = INFINITY;
  for (int k = 0; k < 3; k++) {
    double t = tdm__now();
    tdm__par_for(threads, n / 4096, 64, tdm__rd_part, (void *)x);
    t = tdm__now() - t;
    if (t < best) best = t;
  }
  return best > 0 ? (double)n * sizeof(double) / best : 0;
}

static void tdm__perf_measure(void) {
  const char *env = getenv("TDM_CPU_PERF");
  double gbs, gf;
  if (env && sscanf(env, "%lf,%lf", &gbs, &gf) == 2 && gbs > 0 && gf > 0 && isfinite(gbs) &&
      isfinite(gf)) {
    tdm__bw1 = tdm__bwN = gbs * 1e9;
    tdm__gemm1 = gf * 1e9;
    return;
  }
  /* libc's allocator on purpose: a probe that finds no memory is not an
   * error of the op being placed, and must not shift the failure-injection
   * counts of the allocation tests. */
  size_t n = (size_t)8 << 20; /* 64 MiB */
  double *x = calloc(n, sizeof *x);
  if (x) {
    double b1 = tdm__read_bps(x, n, 1), bn = tdm__read_bps(x, n, tdm__ncores());
    if (b1 > 0) tdm__bw1 = b1;
    tdm__bwN = bn > tdm__bw1 ? bn : tdm__bw1;
    free(x);
  }
  const int m = 384;
  double *a = malloc(3 * (size_t)m * m * sizeof *a);
  if (a) {
    for (size_t i = 0; i < 3 * (size_t)m * m; i++) a[i] = 1.0 / (double)(1 + i % 7);
    tdm__cpu one = {1};
    double best = INFINITY;
    for (int k = 0; k < 3; k++) {
      tdm__blas_threads(&one);
      double t = tdm__now();
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, m, m, 1.0, a, m, a + m * m, m, 0.0,
                  a + 2 * m * m, m);
      t = tdm__now() - t;
      tdm__blas_done();
      if (t < best) best = t;
    }
    if (best > 0) tdm__gemm1 = 2.0 * m * m * m / best;
    free(a);
  }
}

void tdm__cpu_rates(int threads, double *mem_bps, double *flops) {
  pthread_once(&tdm__perf_once, tdm__perf_measure);
  int t = threads > 0 ? threads : 1;
  double bw = tdm__bw1 * t;
  double cap = tdm__bwN > 0 ? tdm__bwN : bw;
  *mem_bps = bw < cap ? bw : cap;
  *flops = tdm__gemm1 * t;
}
