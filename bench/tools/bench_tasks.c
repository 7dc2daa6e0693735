/* bench_tasks.c -- what the task layer costs per task: empty tasks through
 * tdm_submit + wait (rounds of 1024 submits then 1024 waits, from the main
 * thread and from inside a task) and tdm_map DYNAMIC chunk 1, next to
 * OpenMP (`omp task`, `omp for dynamic`) and a plain pthread fan-out, all
 * on the same number of threads. (Uneven tasks under each schedule against
 * the LPT bound is the alloc scenario: `tandem bench alloc`.)
 * Usage: bench_tasks [--workers W] [--tasks N] [--reps R] */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tandem/tandem.h>

#include "suite.h"

#ifdef TDM_BENCH_OMP
double tdm_bench_omp_tasks(long n, int threads, void (*body)(long));
double tdm_bench_omp_for(long n, int threads, void (*body)(long));
#endif

static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void die(const char *what, tdm_status s) {
  fprintf(stderr, "bench_tasks: %s: %s (%s)\n", what, tdm_status_name(s), tdm_last_error());
  exit(1);
}

/* ---- empty work ------------------------------------------------------------------ */
static atomic_long sink;
__attribute__((noinline)) static void empty_body(long i) {
  __asm__ volatile("" ::"r"(i) : "memory");
}
static tdm_status empty_task(const tdm_task_env *env, void *arg) {
  (void)env;
  (void)arg;
  return TDM_OK;
}
static tdm_status empty_item(const tdm_task_env *env, size_t i, void *arg) {
  (void)env;
  (void)arg;
  empty_body((long)i);
  return TDM_OK;
}

typedef struct {
  tdm_pool *p;
  long n;
  tdm_future **f;
} submit_job;

/* n tasks in rounds of BATCH: submit a round, then wait for each future
 * of it and release it (few futures live at once, as in real use). */
enum { BATCH = 1024 };
static double submit_wait(tdm_pool *p, long n, tdm_future **f) {
  double t0 = bench_now();
  for (long done = 0; done < n; done += BATCH) {
    long b = n - done < BATCH ? n - done : BATCH;
    for (long i = 0; i < b; i++) {
      tdm_status s = tdm_submit(p, TDM_LANE_CPU, empty_task, NULL, &f[i]);
      if (s != TDM_OK) die("tdm_submit", s);
    }
    for (long i = 0; i < b; i++) {
      tdm_status s = tdm_future_wait(f[i]);
      if (s != TDM_OK) die("tdm_future_wait", s);
      tdm_future_release(f[i]);
    }
  }
  return bench_now() - t0;
}

static tdm_status submit_root(const tdm_task_env *env, void *arg) {
  (void)env;
  submit_job *j = arg;
  submit_wait(j->p, j->n, j->f);
  return TDM_OK;
}

/* ---- pthread fan-out: W threads take indices from one counter ------------- */
typedef struct {
  atomic_long next;
  long n;
  void (*body)(long);
} fan;

static void *fan_main(void *arg) {
  fan *f = arg;
  for (long i; (i = atomic_fetch_add_explicit(&f->next, 1, memory_order_relaxed)) < f->n;) f->body(i);
  return NULL;
}

static double pthread_fanout(long n, int threads) {
  fan f = {0, n, empty_body};
  pthread_t t[512];
  double t0 = bench_now();
  for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, fan_main, &f);
  for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
  return bench_now() - t0;
}

static void overhead(tdm_pool *p, int W, long n, int reps) {
  enum { M = 6 };
  const char *name[M] = {"tdm_map DYNAMIC chunk 1", "tdm_submit+wait (main thread)",
                         "tdm_submit+wait (inside a task)", "pthread fan-out (atomic counter)",
                         "OpenMP omp task (single producer)", "OpenMP omp for dynamic,1"};
  double *t[M];
  for (int m = 0; m < M; m++) t[m] = calloc((size_t)reps, sizeof(double));
  tdm_future **f = malloc(BATCH * sizeof *f);
  int have_omp = 0;
#ifdef TDM_BENCH_OMP
  have_omp = 1;
#endif
  for (int r = 0; r < reps; r++) { /* interleaved, so drift hits all alike */
    double t0 = bench_now();
    tdm_status s = tdm_map(p, (size_t)n, empty_item, NULL, (tdm_schedule){TDM_SCHED_DYNAMIC, 1, TDM_LANE_ANY});
    if (s != TDM_OK) die("tdm_map", s);
    t[0][r] = bench_now() - t0;
    t[1][r] = submit_wait(p, n, f);
    submit_job j = {p, n, f};
    tdm_future *root;
    t0 = bench_now();
    if ((s = tdm_submit(p, TDM_LANE_CPU, submit_root, &j, &root)) != TDM_OK) die("tdm_submit", s);
    tdm_future_wait(root);
    tdm_future_release(root);
    t[2][r] = bench_now() - t0;
    usleep(100000); /* let our workers park before other runtimes spin up */
    t[3][r] = pthread_fanout(n, W);
#ifdef TDM_BENCH_OMP
    t[4][r] = tdm_bench_omp_tasks(n, W, empty_body);
    t[5][r] = tdm_bench_omp_for(n, W, empty_body);
    usleep(100000);
#endif
  }
  printf("\noverhead: %ld empty tasks, %d threads, median (min) of %d runs\n", n, W, reps);
  printf("  %-36s %12s %12s\n", "method", "us/task", "min us/task");
  double med[M];
  for (int m = 0; m < M; m++) {
    if (m >= 4 && !have_omp) {
      printf("  %-36s %12s\n", name[m], "(no OpenMP)");
      continue;
    }
    qsort(t[m], (size_t)reps, sizeof(double), cmp_dbl);
    med[m] = t[m][reps / 2] / (double)n * 1e6;
    printf("  %-36s %12.3f %12.3f\n", name[m], med[m], t[m][0] / (double)n * 1e6);
  }
  printf("  goals: map <= 1 us/task: %s; submit+wait <= 2 us/task: %s", med[0] <= 1.0 ? "met" : "NOT met",
         med[1] <= 2.0 && med[2] <= 2.0 ? "met" : "NOT met");
  if (have_omp)
    printf("; vs OpenMP: map %.2fx omp-for, submit %.2fx / %.2fx omp-task (<= 1 is no worse)",
           med[0] / med[5], med[1] / med[4], med[2] / med[4]);
  printf("\n");
  for (int m = 0; m < M; m++) free(t[m]);
  free(f);
}

int main(int argc, char **argv) {
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  int W = ncpu > 0 ? (int)ncpu : 1, reps = 5;
  long n = 1000000;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--workers") && i + 1 < argc) W = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--tasks") && i + 1 < argc) n = atol(argv[++i]);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: %s [--workers W] [--tasks N] [--reps R]\n", argv[0]);
      return 2;
    }
  }
  if (W < 1 || W > 256 || n < 1 || reps < 1) {
    fprintf(stderr, "bench_tasks: bad argument\n");
    return 2;
  }
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = TDM_CPU;
  tdm_ctx *ctx;
  tdm_status s = tdm_ctx_create(&cfg, &ctx);
  if (s != TDM_OK) die("tdm_ctx_create", s);
  tdm_pool_config pc = {W, 0};
  tdm_pool *p;
  if ((s = tdm_pool_create(ctx, &pc, &p)) != TDM_OK) die("tdm_pool_create", s);
  printf("bench_tasks: tandem %s, %ld cores online, %d workers\n", tdm_version(), ncpu, W);
  overhead(p, W, n, reps);
  (void)sink;
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
  return 0;
}
