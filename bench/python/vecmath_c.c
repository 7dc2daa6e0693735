/* vecmath_c.c -- the C side of bench/python/bench_python.py: the same
 * tdm_eval("exp(x) + 3*sin(x)") over n F64 elements the Python benchmark
 * times, on the same libtandem (the installed package's), so the ratio is
 * the binding's cost alone. Prints {"min_s": ..., "median_s": ...}.
 * usage: vecmath_c N REPS THREADS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tandem/tandem.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)atof(argv[1]) : 100000000;
  int reps = argc > 2 ? atoi(argv[2]) : 5, threads = argc > 3 ? atoi(argv[3]) : 0;
  if (reps < 1 || reps > 100) reps = 5;
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = TDM_CPU;
  cfg.threads = threads;
  tdm_ctx *ctx = NULL;
  tdm_buf *x = NULL, *z = NULL;
  tdm_rng *r = NULL;
  double *hx = malloc(n * sizeof *hx), *hz = malloc(n * sizeof *hz), t[100];
  tdm_status s = hx && hz ? tdm_ctx_create(&cfg, &ctx) : TDM_ERR_NOMEM;
  if (s == TDM_OK) memset(hz, 0, n * sizeof *hz);
  if (s == TDM_OK) s = tdm_buf_wrap(ctx, TDM_F64, n, 1, hx, &x);
  if (s == TDM_OK) s = tdm_buf_wrap(ctx, TDM_F64, n, 1, hz, &z);
  if (s == TDM_OK) s = tdm_rng_create(ctx, 2024, 2, &r);
  if (s == TDM_OK) s = tdm_rng_normal(r, x, 0.0, 1.0);
  tdm_buf *in[1] = {x};
  if (s == TDM_OK) s = tdm_eval(ctx, "exp(x) + 3*sin(x)", "x", z, in); /* warm: compile */
  for (int k = 0; s == TDM_OK && k < reps; k++) {
    double t0 = now();
    s = tdm_eval(ctx, "exp(x) + 3*sin(x)", "x", z, in);
    t[k] = now() - t0;
  }
  if (s != TDM_OK) {
    fprintf(stderr, "vecmath_c: %s\n", tdm_last_error());
    return 1;
  }
  qsort(t, (size_t)reps, sizeof t[0], cmp);
  printf("{\"min_s\": %.6f, \"median_s\": %.6f}\n", t[0], t[reps / 2]);
  tdm_rng_destroy(r);
  tdm_buf_destroy(x);
  tdm_buf_destroy(z);
  tdm_ctx_destroy(ctx);
  free(hx);
  free(hz);
  return 0;
}
