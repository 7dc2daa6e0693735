/* membw.c -- the host memory ceilings: copy (threads each memcpy a slice,
 * counting bytes read + written) and a read-only stream (threads each XOR
 * a slice with the widest vectors the CPU has), best of 5 over a buffer
 * far larger than the caches. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CLI_MAX_THREADS 64

typedef struct cli_slice {
  const char *src;
  char *dst; /* NULL: read only */
  size_t bytes;
  uint64_t x;
} cli_slice;

typedef uint64_t cli_v2 __attribute__((vector_size(16)));
typedef uint64_t cli_v4 __attribute__((vector_size(32)));
typedef uint64_t cli_v8 __attribute__((vector_size(64)));

/* XOR of n words with four independent vector accumulators. */
#define CLI_READ_BODY(V)                                                       \
  {                                                                            \
    const size_t w = sizeof(V) / sizeof(uint64_t);                             \
    V a = {0}, b = {0}, c = {0}, d = {0}, v;                                   \
    size_t i = 0;                                                              \
    for (; i + 4 * w <= n; i += 4 * w) {                                       \
      memcpy(&v, p + i, sizeof v), a ^= v;                                     \
      memcpy(&v, p + i + w, sizeof v), b ^= v;                                 \
      memcpy(&v, p + i + 2 * w, sizeof v), c ^= v;                             \
      memcpy(&v, p + i + 3 * w, sizeof v), d ^= v;                             \
    }                                                                          \
    a ^= b ^ c ^ d;                                                            \
    uint64_t x = 0;                                                            \
    for (size_t k = 0; k < w; k++) x ^= a[k];                                  \
    for (; i < n; i++) x ^= p[i];                                              \
    return x;                                                                  \
  }

static uint64_t cli_read_v2(const uint64_t *p, size_t n) CLI_READ_BODY(cli_v2)
#if defined(__x86_64__)
__attribute__((target("avx2"))) static uint64_t cli_read_v4(const uint64_t *p, size_t n)
    CLI_READ_BODY(cli_v4)
__attribute__((target("avx512f"))) static uint64_t cli_read_v8(const uint64_t *p, size_t n)
    CLI_READ_BODY(cli_v8)
#endif

static uint64_t (*cli_read_fn(void))(const uint64_t *, size_t) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return cli_read_v8;
  if (__builtin_cpu_supports("avx2")) return cli_read_v4;
#endif
  return cli_read_v2;
}

static void *cli_slice_main(void *arg) {
  cli_slice *s = arg;
  if (s->dst) memcpy(s->dst, s->src, s->bytes);
  else s->x = cli_read_fn()((const uint64_t *)(const void *)s->src, s->bytes / sizeof(uint64_t));
  return NULL;
}

/* Best time of 5 passes over [src, src+bytes) split in `threads` slices. */
static double cli_best(const char *src, char *dst, size_t bytes, int threads) {
  if (threads > CLI_MAX_THREADS) threads = CLI_MAX_THREADS;
  size_t words = bytes / sizeof(uint64_t);
  pthread_t th[CLI_MAX_THREADS];
  cli_slice job[CLI_MAX_THREADS];
  double best = INFINITY;
  volatile uint64_t sink = 0;
  for (int rep = 0; rep < 5; rep++) {
    int started[CLI_MAX_THREADS] = {0};
    double t = bench_now();
    for (int i = 0; i < threads; i++) { /* slices of whole words */
      size_t lo = words / (size_t)threads * (size_t)i * sizeof(uint64_t);
      size_t hi = i == threads - 1 ? bytes : words / (size_t)threads * (size_t)(i + 1) * sizeof(uint64_t);
      job[i] = (cli_slice){src + lo, dst ? dst + lo : NULL, hi - lo, 0};
      if (i > 0) started[i] = pthread_create(&th[i], NULL, cli_slice_main, &job[i]) == 0;
      if (i > 0 && !started[i]) cli_slice_main(&job[i]);
    }
    cli_slice_main(&job[0]);
    for (int i = 1; i < threads; i++)
      if (started[i]) pthread_join(th[i], NULL);
    t = bench_now() - t;
    for (int i = 0; i < threads; i++) sink ^= job[i].x;
    if (t < best) best = t;
  }
  (void)sink;
  return best;
}

double cli_copy_gbs(size_t bytes, int threads) {
  char *a = malloc(bytes), *b = malloc(bytes);
  double gbs = 0;
  if (a && b && threads > 0) {
    memset(a, 1, bytes);
    memset(b, 2, bytes);
    gbs = 2.0 * (double)bytes / cli_best(a, b, bytes, threads) / 1e9;
  }
  free(a);
  free(b);
  return gbs;
}

double cli_read_gbs(size_t bytes, int threads) {
  char *a = malloc(bytes);
  double gbs = 0;
  if (a && threads > 0) {
    memset(a, 3, bytes);
    gbs = (double)bytes / cli_best(a, NULL, bytes, threads) / 1e9;
  }
  free(a);
  return gbs;
}
