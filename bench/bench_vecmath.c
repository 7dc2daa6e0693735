/* bench_vecmath.c -- the vectorized-calculation scenario: z = exp(x) + 3*sin(x)
 * over n elements (default 1e8) in f64 and f32 with tdm_eval on the CPU,
 * against (1) the bandwidth floor: the time to copy the same bytes (read x,
 * write z) at the best measured copy bandwidth, and (2) numpy
 * (bench/peers/vecmath.py) run in the same process tree, same n.
 * Prints a table and one JSON line. Goal on the 2-core dev box: >= 3x
 * numpy and <= 1.5x the floor.
 * Usage: bench_vecmath [N] [--reps R] [--isa scalar|sse2|avx2|avx512] [--no-peer] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu_int.h"
#include "cpu/vexec.h"
#include "tandem/tandem.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct copy_arg {
  char *dst;
  const char *src;
  size_t chunk, bytes;
} copy_arg;

static void copy_range(void *p, size_t lo, size_t hi) {
  copy_arg *a = p;
  for (size_t c = lo; c < hi; c++) {
    size_t off = c * a->chunk, len = off + a->chunk < a->bytes ? a->chunk : a->bytes - off;
    memcpy(a->dst + off, a->src + off, len);
  }
}

/* Best time to copy bytes from src to dst, single-threaded memcpy or
 * chunks spread over the worker pool. */
static double copy_floor(char *dst, const char *src, size_t bytes, int threads, int reps) {
  double best = 1e30;
  copy_arg a = {dst, src, (size_t)4 << 20, bytes};
  size_t nchunk = (bytes + a.chunk - 1) / a.chunk;
  for (int r = 0; r < reps; r++) {
    double t = now();
    memcpy(dst, src, bytes);
    t = now() - t;
    if (t < best) best = t;
    t = now();
    tdm__par_for(threads, nchunk, 1, copy_range, &a);
    t = now() - t;
    if (t < best) best = t;
  }
  return best;
}

typedef struct row {
  double min_s, med_s, floor_s, numpy_s, maxerr;
} row;

static int run(tdm_ctx *ctx, tdm_dtype dt, size_t n, int reps, row *out) {
  size_t es = tdm_dtype_size(dt);
  char *x = malloc(n * es), *z = malloc(n * es);
  if (!x || !z) {
    fprintf(stderr, "bench_vecmath: out of memory for n = %zu\n", n);
    return 1;
  }
  uint64_t s = 1;
  for (size_t i = 0; i < n; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    double v = -5.0 + 10.0 * (double)(s >> 11) * 0x1.0p-53;
    if (dt == TDM_F64) ((double *)x)[i] = v;
    else ((float *)x)[i] = (float)v;
  }
  memset(z, 0, n * es); /* first touch outside the timing */
  tdm_buf *bx, *bz;
  if (tdm_buf_wrap(ctx, dt, n, 1, x, &bx) || tdm_buf_wrap(ctx, dt, n, 1, z, &bz)) {
    fprintf(stderr, "bench_vecmath: %s\n", tdm_last_error());
    return 1;
  }
  double *t = malloc((size_t)reps * sizeof *t);
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    tdm_status st = tdm_eval(ctx, "exp(x) + 3*sin(x)", "x", bz, &bx);
    t[r] = now() - t0;
    if (st != TDM_OK) {
      fprintf(stderr, "bench_vecmath: %s\n", tdm_last_error());
      return 1;
    }
  }
  qsort(t, (size_t)reps, sizeof *t, cmp_d);
  out->min_s = t[0];
  out->med_s = t[reps / 2];
  out->maxerr = 0;
  for (size_t i = 0; i < n; i += n / 1000 + 1) { /* spot check against libm */
    double v = dt == TDM_F64 ? ((double *)x)[i] : ((float *)x)[i];
    double g = dt == TDM_F64 ? ((double *)z)[i] : ((float *)z)[i];
    double e = fabs(g - (exp(v) + 3 * sin(v))) / (exp(v) + 3);
    if (e > out->maxerr) out->maxerr = e;
  }
  out->floor_s = copy_floor(z, x, n * es, tdm_ctx_threads(ctx), reps);
  tdm_buf_destroy(bx);
  tdm_buf_destroy(bz);
  free(x), free(z), free(t);
  return 0;
}

static double json_num(const char *js, const char *key) {
  const char *p = strstr(js, key);
  return p ? atof(p + strlen(key) + 2) : -1; /* skips `": ` */
}

int main(int argc, char **argv) {
  size_t n = 100000000;
  int reps = 5, peer = 1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--no-peer")) peer = 0;
    else if (!strcmp(argv[i], "--isa") && i + 1 < argc) {
      const char *want = argv[++i];
      int found = -1;
      for (int k = 0; k < TDM__ISA_COUNT; k++)
        if (tdm__cpu_eval_isa(k) == k && !strcmp(want, (const char *[]){"scalar", "sse2", "avx2", "avx512"}[k]))
          found = k;
      if (found < 0) {
        fprintf(stderr, "bench_vecmath: --isa %s is not available here\n", want);
        return 2;
      }
      tdm__cpu_eval_isa(found);
    } else n = (size_t)atof(argv[i]);
  }
  if (reps < 1) reps = 1;
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = TDM_CPU;
  tdm_ctx *ctx;
  if (tdm_ctx_create(&cfg, &ctx) != TDM_OK) {
    fprintf(stderr, "bench_vecmath: %s\n", tdm_last_error());
    return 1;
  }
  const char *isa;
  tdm__cpu_eval_isa_current(&isa);
  row r[2];
  const tdm_dtype dts[2] = {TDM_F64, TDM_F32};
  for (int k = 0; k < 2; k++)
    if (run(ctx, dts[k], n, reps, &r[k])) return 1;
  r[0].numpy_s = r[1].numpy_s = -1;
  char js[1024] = "";
  if (peer) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "python3 %s/vecmath.py %zu %d", TDM_BENCH_PEERS, n, reps < 3 ? reps : 3);
    FILE *f = popen(cmd, "r");
    if (f && fgets(js, sizeof js, f)) {
      r[0].numpy_s = json_num(js, "\"f64_min_s\"");
      r[1].numpy_s = json_num(js, "\"f32_min_s\"");
    }
    if (f) pclose(f);
    if (r[0].numpy_s < 0) fprintf(stderr, "bench_vecmath: numpy peer gave no result (%s)\n", cmd);
  }
  printf("vecmath: z = exp(x) + 3*sin(x), n = %zu, %d threads, SIMD tier %s, %d reps\n", n,
         tdm_ctx_threads(ctx), isa, reps);
  printf("%-5s %12s %12s %12s %12s %10s %10s %10s\n", "dtype", "tandem_min", "tandem_med",
         "copy_floor", "numpy", "x_numpy", "x_floor", "max_rel");
  for (int k = 0; k < 2; k++)
    printf("%-5s %11.4fs %11.4fs %11.4fs %11.4fs %9.2fx %9.2fx %10.1e\n", k ? "f32" : "f64",
           r[k].min_s, r[k].med_s, r[k].floor_s, r[k].numpy_s,
           r[k].numpy_s > 0 ? r[k].numpy_s / r[k].min_s : 0, r[k].min_s / r[k].floor_s, r[k].maxerr);
  printf("{\"scenario\":\"vecmath\",\"n\":%zu,\"threads\":%d,\"isa\":\"%s\",\"reps\":%d", n,
         tdm_ctx_threads(ctx), isa, reps);
  for (int k = 0; k < 2; k++)
    printf(",\"%s\":{\"tandem_min_s\":%.6f,\"tandem_median_s\":%.6f,\"floor_s\":%.6f,"
           "\"numpy_s\":%.6f,\"speedup_vs_numpy\":%.3f,\"x_floor\":%.3f,\"max_rel_err\":%.2e}",
           k ? "f32" : "f64", r[k].min_s, r[k].med_s, r[k].floor_s, r[k].numpy_s,
           r[k].numpy_s > 0 ? r[k].numpy_s / r[k].min_s : 0, r[k].min_s / r[k].floor_s, r[k].maxerr);
  printf("}\n");
  tdm_ctx_destroy(ctx);
  return 0;
}
