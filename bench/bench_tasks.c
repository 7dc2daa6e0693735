/* bench_tasks.c -- what the task layer costs, measured in one run:
 *  overhead  per-task time of empty tasks through tdm_submit + wait (rounds
 *            of 1024 submits then 1024 waits, from the main thread and from
 *            inside a task) and tdm_map DYNAMIC chunk 1, next to
 *            OpenMP (`omp task`, `omp for dynamic`) and a plain pthread
 *            fan-out, all on the same number of threads;
 *  alloc     4 slow tasks (n = 5e7) then 12 fast ones (n = 1e6), each
 *            mean(lgamma(exp(z))), z ~ N(0,1), as a plain C loop, mapped with
 *            each schedule; makespan against LPT on the tasks' own times.
 * Usage: bench_tasks [--workers W] [--tasks N] [--reps R] [--scale S]
 *                    [--skip-alloc] [--skip-overhead]
 * (--scale multiplies the alloc sizes: 0.1 for a quick run.) */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <tandem/tandem.h>

#ifdef TDM_BENCH_OMP
double tdm_bench_omp_tasks(long n, int threads, void (*body)(long));
double tdm_bench_omp_for(long n, int threads, void (*body)(long));
#endif

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

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
  double t0 = now();
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
  return now() - t0;
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
  double t0 = now();
  for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, fan_main, &f);
  for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
  return now() - t0;
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
    double t0 = now();
    tdm_status s = tdm_map(p, (size_t)n, empty_item, NULL, (tdm_schedule){TDM_SCHED_DYNAMIC, 1, TDM_LANE_ANY});
    if (s != TDM_OK) die("tdm_map", s);
    t[0][r] = now() - t0;
    t[1][r] = submit_wait(p, n, f);
    submit_job j = {p, n, f};
    tdm_future *root;
    t0 = now();
    if ((s = tdm_submit(p, TDM_LANE_CPU, submit_root, &j, &root)) != TDM_OK) die("tdm_submit", s);
    tdm_future_wait(root);
    tdm_future_release(root);
    t[2][r] = now() - t0;
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

/* ---- alloc: uneven tasks ----------------------------------------------------------- */
enum { AL_TASKS = 16, AL_SLOW = 4 };

typedef struct {
  size_t n[AL_TASKS];
  double mean[AL_TASKS], m2[AL_TASKS], secs[AL_TASKS];
} al_run;

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* mean and sum of squared deviations of lgamma(exp(z)) over n normals
 * (Box-Muller on a splitmix64 stream seeded by the task index). */
static tdm_status al_task(const tdm_task_env *env, size_t i, void *arg) {
  (void)env;
  al_run *run = arg;
  double t0 = now();
  uint64_t st = 0x5eed0000ULL + i;
  double mean = 0, m2 = 0;
  size_t n = run->n[i];
  for (size_t k = 0; k < n; k += 2) {
    double u1 = ((double)(splitmix(&st) >> 11) + 0.5) * 0x1p-53;
    double u2 = (double)(splitmix(&st) >> 11) * 0x1p-53;
    double r = sqrt(-2.0 * log(u1)), a = 6.283185307179586 * u2;
    double z[2] = {r * cos(a), r * sin(a)};
    for (int h = 0; h < 2 && k + (size_t)h < n; h++) {
      double v = lgamma(exp(z[h]));
      double d = v - mean;
      mean += d / (double)(k + (size_t)h + 1);
      m2 += d * (v - mean);
    }
  }
  run->mean[i] = mean;
  run->m2[i] = m2;
  run->secs[i] = now() - t0;
  return TDM_OK;
}

/* E[lgamma(exp(Z))] by Simpson's rule on [-12, 12]. */
static double al_reference(void) {
  const int m = 24000;
  const double a = -12, h = 24.0 / m;
  double s = 0;
  for (int k = 0; k <= m; k++) {
    double z = a + k * h, w = (k == 0 || k == m) ? 1 : (k % 2 ? 4 : 2);
    s += w * lgamma(exp(z)) * exp(-0.5 * z * z);
  }
  return s * h / 3 / sqrt(2 * 3.141592653589793);
}

/* Longest processing time first onto W machines: its makespan. */
static double lpt(const double *t, int n, int W) {
  double s[AL_TASKS], load[512] = {0};
  memcpy(s, t, (size_t)n * sizeof *s);
  qsort(s, (size_t)n, sizeof *s, cmp_dbl);
  for (int i = n - 1; i >= 0; i--) {
    int best = 0;
    for (int w = 1; w < W; w++)
      if (load[w] < load[best]) best = w;
    load[best] += s[i];
  }
  double mk = 0;
  for (int w = 0; w < W; w++) mk = load[w] > mk ? load[w] : mk;
  return mk;
}

static double cpu_secs(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
         (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static void alloc_scenario(tdm_pool *p, int W, double scale) {
  al_run run[3], alone;
  const char *names[3] = {"STATIC", "DYNAMIC", "GUIDED"};
  double mk[3], ref = al_reference();
  printf("\nalloc: %d slow tasks (n = %.3g) then %d fast (n = %.3g), mean(lgamma(exp(z))), "
         "%d workers\n", AL_SLOW, 5e7 * scale, AL_TASKS - AL_SLOW, 1e6 * scale, W);
  /* Each task alone on this thread: its time with the machine to itself. */
  for (int i = 0; i < AL_TASKS; i++) alone.n[i] = (size_t)((i < AL_SLOW ? 5e7 : 1e6) * scale);
  for (int i = 0; i < AL_TASKS; i++) al_task(NULL, (size_t)i, &alone);
  double sum1 = 0;
  for (int i = 0; i < AL_TASKS; i++) sum1 += alone.secs[i];
  double lpt1 = lpt(alone.secs, AL_TASKS, W);
  printf("  tasks run one at a time: %.3fs in all, slow %.3fs each, fast %.4fs each; LPT on %d "
         "workers from these times: %.3fs\n", sum1, alone.secs[0], alone.secs[AL_TASKS - 1], W, lpt1);
  printf("  %-8s %9s %9s %12s %10s %9s %9s\n", "schedule", "makespan", "/LPT", "LPT(own)",
         "/LPT(own)", "cpu/wall", "check");
  for (int k = 0; k < 3; k++) {
    for (int i = 0; i < AL_TASKS; i++) run[k].n[i] = (size_t)((i < AL_SLOW ? 5e7 : 1e6) * scale);
    double t0 = now(), c0 = cpu_secs();
    tdm_status s = tdm_map(p, AL_TASKS, al_task, &run[k], (tdm_schedule){(tdm_sched_kind)k, 0, TDM_LANE_ANY});
    if (s != TDM_OK) die("tdm_map", s);
    mk[k] = now() - t0;
    double busy = (cpu_secs() - c0) / mk[k];
    double l = lpt(run[k].secs, AL_TASKS, W);
    /* each slow task's mean within 6 standard errors of the quadrature */
    int ok = 1;
    for (int i = 0; i < AL_TASKS; i++) {
      double n = (double)run[k].n[i], se = sqrt(run[k].m2[i] / (n - 1) / n);
      if (fabs(run[k].mean[i] - ref) > 6 * se) ok = 0;
      if (k > 0 && run[k].mean[i] != run[0].mean[i]) ok = 0; /* same streams, same bits */
    }
    for (int i = 0; i < AL_TASKS; i++)
      if (run[k].mean[i] != alone.mean[i]) ok = 0;
    printf("  %-8s %8.3fs %9.3f %11.3fs %10.3f %9.2f %9s\n", names[k], mk[k], mk[k] / lpt1, l,
           mk[k] / l, busy, ok ? "ok" : "MISMATCH");
  }
  printf("  (LPT(own): LPT on the task times measured inside that run; cpu/wall: cores the\n"
         "  process kept busy; below %d means other load took cores and stretched the tasks)\n", W);
  /* Why STATIC loses: default chunk ceil(16/W) gives worker-blocks of
   * contiguous indices, and the slow tasks are the first indices. */
  int chunk = (AL_TASKS + W - 1) / W;
  double worst = 0;
  int slow_in_first = AL_SLOW < chunk ? AL_SLOW : chunk;
  for (int b = 0; b * chunk < AL_TASKS; b++) {
    double s = 0;
    for (int i = b * chunk; i < (b + 1) * chunk && i < AL_TASKS; i++) s += run[0].secs[i];
    worst = s > worst ? s : worst;
  }
  double l1 = lpt(run[1].secs, AL_TASKS, W);
  printf("  DYNAMIC: %.3fx LPT of its own task times, %.3fx LPT of the alone times (goal <= 1.10)\n",
         mk[1] / l1, mk[1] / lpt1);
  printf("  STATIC: chunk = ceil(16/%d) = %d contiguous tasks per worker; the first block holds %d of the\n"
         "  %d slow tasks, so one worker runs them in sequence while the others finish their fast\n"
         "  blocks and idle. Largest block from the task times: %.3fs (measured makespan %.3fs,\n"
         "  %.2fx LPT). DYNAMIC hands out one task at a time, so slow tasks spread over workers.\n",
         W, chunk, slow_in_first, AL_SLOW, worst, mk[0], mk[0] / lpt(run[0].secs, AL_TASKS, W));
  printf("  reference E[lgamma(e^Z)] = %.6f (quadrature)\n", ref);
}

int main(int argc, char **argv) {
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  int W = ncpu > 0 ? (int)ncpu : 1, reps = 5, do_alloc = 1, do_over = 1;
  long n = 1000000;
  double scale = 1.0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--workers") && i + 1 < argc) W = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--tasks") && i + 1 < argc) n = atol(argv[++i]);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--scale") && i + 1 < argc) scale = atof(argv[++i]);
    else if (!strcmp(argv[i], "--skip-alloc")) do_alloc = 0;
    else if (!strcmp(argv[i], "--skip-overhead")) do_over = 0;
    else {
      fprintf(stderr, "usage: %s [--workers W] [--tasks N] [--reps R] [--scale S] [--skip-alloc] "
                      "[--skip-overhead]\n", argv[0]);
      return 2;
    }
  }
  if (W < 1 || W > 256 || n < 1 || reps < 1 || !(scale > 0)) {
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
  if (do_over) overhead(p, W, n, reps);
  if (do_alloc) alloc_scenario(p, W, scale);
  (void)sink;
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
  return 0;
}
