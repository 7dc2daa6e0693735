/* bench_rng.c -- random-number throughput on the CPU: uniform and normal,
 * f64 and f32, n values (default 1e8) into a resident buffer, against numpy's
 * Generator (PCG64, Philox; bench/peers/rng.py) run from the same program,
 * and against the copy-bandwidth floor (memcpy of n f64, on one thread and
 * on the pool). Usage: bench_rng [n] [threads] [reps]. Medians of reps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu_int.h"
#include "cpu/rng_int.h"
#include "tandem/tandem.h"

#ifndef TDM_BENCH_PEERS
#define TDM_BENCH_PEERS "bench/peers"
#endif

static double clock_s(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
static double now(void) { return clock_s(CLOCK_MONOTONIC); }
static double cpu_now(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef struct {
  const char *src;
  char *dst;
  size_t bytes, chunk;
} copy_job;

static void copy_part(void *arg, size_t lo, size_t hi) {
  const copy_job *j = arg;
  for (size_t c = lo; c < hi; c++) {
    size_t a = c * j->chunk, b = a + j->chunk < j->bytes ? a + j->chunk : j->bytes;
    if (j->src)
      memcpy(j->dst + a, j->src + a, b - a);
    else
      memset(j->dst + a, 0x5a, b - a);
  }
}

#define MAXREPS 32
typedef struct {
  const char *what;
  double t, cpu; /* median wall seconds; median CPU seconds of all threads */
} row;

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)strtod(argv[1], NULL) : 100000000;
  int threads = argc > 2 ? atoi(argv[2]) : 0;
  int reps = argc > 3 ? atoi(argv[3]) : 3;
  if (n == 0 || reps < 1 || reps > MAXREPS) {
    fprintf(stderr, "usage: bench_rng [n] [threads] [reps <= %d]\n", MAXREPS);
    return 2;
  }
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = TDM_CPU;
  cfg.threads = threads;
  tdm_ctx *ctx;
  if (tdm_ctx_create(&cfg, &ctx) != TDM_OK) {
    fprintf(stderr, "bench_rng: %s\n", tdm_last_error());
    return 1;
  }
  threads = tdm_ctx_threads(ctx);
  char *a = malloc(n * 8), *b = malloc(n * 8);
  if (!a || !b) {
    fprintf(stderr, "bench_rng: cannot allocate 2 x %zu bytes\n", n * 8);
    return 1;
  }
  memset(a, 1, n * 8); /* touch every page before timing */
  memset(b, 2, n * 8);
  tdm_buf *f64, *f32;
  tdm_rng *r;
  if (tdm_buf_wrap(ctx, TDM_F64, n, 1, a, &f64) || tdm_buf_wrap(ctx, TDM_F32, n, 1, b, &f32) ||
      tdm_rng_create(ctx, 12345, 0, &r)) {
    fprintf(stderr, "bench_rng: %s\n", tdm_last_error());
    return 1;
  }
  printf("# bench_rng: n = %zu, %d threads, %d reps, simd level %d (0 none, 1 AVX2, 2 AVX-512), "
         "medians\n",
         n, threads, reps, tdm__rng_simd_level());
  FILE *la = fopen("/proc/loadavg", "r"); /* a shared machine skews every row */
  char load[64];
  if (la && fgets(load, sizeof load, la)) printf("# load average at start: %s", load);
  if (la) fclose(la);
  double ts[MAXREPS], cs[MAXREPS];
  row rows[16];
  int nr = 0;
#define TIME(label, stmt)                                                      \
  do {                                                                         \
    for (int k = 0; k < reps; k++) {                                           \
      double t0 = now(), c0 = cpu_now();                                       \
      stmt;                                                                    \
      ts[k] = now() - t0;                                                      \
      cs[k] = cpu_now() - c0;                                                  \
    }                                                                          \
    qsort(ts, (size_t)reps, sizeof ts[0], cmp_d);                              \
    qsort(cs, (size_t)reps, sizeof cs[0], cmp_d);                              \
    rows[nr].what = label;                                                     \
    rows[nr].cpu = cs[reps / 2];                                               \
    rows[nr++].t = ts[reps / 2];                                               \
  } while (0)
  copy_job cj = {b, a, n * 8, 1 << 20};
  size_t nchunks = (n * 8 + cj.chunk - 1) / cj.chunk;
  TIME("memcpy f64, 1 thread", memcpy(a, b, n * 8));
  TIME("memcpy f64, pool", tdm__par_for(threads, nchunks, 1, copy_part, &cj));
  copy_job wj = {NULL, a, n * 8, 1 << 20};
  TIME("memset f64, pool", tdm__par_for(threads, nchunks, 1, copy_part, &wj));
  tdm_status s = TDM_OK;
  TIME("tandem uniform f64", s |= tdm_rng_uniform(r, f64, 0, 1));
  TIME("tandem normal f64", s |= tdm_rng_normal(r, f64, 0, 1));
  TIME("tandem uniform f32", s |= tdm_rng_uniform(r, f32, 0, 1));
  TIME("tandem normal f32", s |= tdm_rng_normal(r, f32, 0, 1));
  if (s != TDM_OK) {
    fprintf(stderr, "bench_rng: %s\n", tdm_last_error());
    return 1;
  }
  tdm_buf_destroy(f64);
  tdm_buf_destroy(f32);
  tdm_rng_destroy(r);
  tdm_ctx_destroy(ctx);
  free(a);
  free(b); /* numpy needs the memory next */

  /* numpy in the same run (its own process, after ours, not concurrently) */
  static char peer[64][96];
  static double peer_t[64], peer_c[64];
  int np = 0;
  char cmd[512];
  snprintf(cmd, sizeof cmd, "python3 %s/rng.py %zu %d", TDM_BENCH_PEERS, n, reps);
  FILE *p = popen(cmd, "r");
  char line[256];
  while (p && np < 64 && fgets(line, sizeof line, p)) {
    char g[32], d[32], t[16];
    double sec, cpu;
    if (sscanf(line, "%31s %31s %15s %lf %lf", g, d, t, &sec, &cpu) == 5) {
      snprintf(peer[np], sizeof peer[np], "%s %s %s", g, d, t);
      peer_c[np] = cpu;
      peer_t[np++] = sec;
    } else {
      printf("# peer: %s", line);
    }
  }
  if (p) pclose(p);

  double floor_t = rows[0].t < rows[1].t ? rows[0].t : rows[1].t;
  /* cpu ns/value: CPU time of all threads per value, which a busy shared
   * machine inflates far less than wall time */
  printf("%-28s %10s %9s %9s %13s\n", "row", "median_s", "ns/value", "GB/s out", "cpu ns/value");
  for (int i = 0; i < nr; i++) {
    size_t es = strstr(rows[i].what, "f32") ? 4 : 8;
    printf("%-28s %10.4f %9.3f %9.2f %13.3f\n", rows[i].what, rows[i].t,
           rows[i].t / (double)n * 1e9, (double)(n * es) / rows[i].t / 1e9,
           rows[i].cpu / (double)n * 1e9);
  }
  for (int i = 0; i < np; i++) {
    size_t es = strstr(peer[i], "f32") ? 4 : 8;
    printf("%-28s %10.4f %9.3f %9.2f %13.3f\n", peer[i], peer_t[i], peer_t[i] / (double)n * 1e9,
           (double)(n * es) / peer_t[i] / 1e9, peer_c[i] / (double)n * 1e9);
  }
  /* the goals of issue 6 */
  printf("# uniform f64 / copy floor (fastest memcpy row): %.2f (goal <= 1.2)\n",
         rows[3].t / floor_t);
  static const char *draws[4][2] = {{"uniform", "f64"}, {"normal", "f64"}, {"uniform", "f32"},
                                    {"normal", "f32"}};
  for (int d = 0; d < 4; d++)
    for (int i = 0; i < np; i++) {
      char key[64];
      snprintf(key, sizeof key, " %s %s", draws[d][0], draws[d][1]);
      if (strstr(peer[i], key))
        printf("# %s %s: tandem is %.2fx faster than %s%s\n", draws[d][0], draws[d][1],
               peer_t[i] / rows[3 + d].t, peer[i],
               d == 1 && strstr(peer[i], "pcg64") ? " (goal >= 3)" : "");
    }
  return 0;
}
