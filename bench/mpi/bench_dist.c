/* bench_dist.c -- scale-out benchmark of tdm_dist_map (not a test):
 *   simulation: 1000 replicates, each draws its own normals (counter-based,
 *               keyed by replicate) and fits mean (tdm_reduce) and median;
 *   alloc:      4 slow + 12 fast tasks of mean(lgamma(exp(z))), slow first.
 * In one run, round after round: rank 0 times the whole job serially (and
 * each task), then all ranks run it through tdm_dist_map, STATIC and DYNAMIC.
 * Reports the speed-up against the serial run and against the ideal (the
 * serial time over the LPT makespan of the measured task times on the
 * ranks); for STATIC also the best its fixed blocks allow. Each rank works
 * on one thread, so ranks = cores used. Recipe (docs/guide.md, "From one machine to a cluster"):
 *   mpirun -np 1 build/bench/bench_dist ; mpirun -np 2 build/bench/bench_dist
 * Options: --size small|default  --reps N  --json FILE */
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tandem/dist.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- counter-based normals: value k of task i depends on (seed, i, k) ---- */
static uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static double unif(uint64_t key, uint64_t k) { return (double)(mix64(key + k) >> 11) * 0x1p-53; }
static void normals(uint64_t seed, size_t i, double *x, size_t m) {
  uint64_t key = mix64(seed ^ (i * 0xd1b54a32d192ed03ull));
  for (size_t k = 0; k < m; k += 2) {
    double r = sqrt(-2.0 * log(1.0 - unif(key, k))), t = 6.283185307179586 * unif(key, k + 1);
    x[k] = r * cos(t);
    if (k + 1 < m) x[k + 1] = r * sin(t);
  }
}

/* ---- the two scenarios ---------------------------------------------------- */
typedef struct job {
  const char *name;
  size_t n;         /* tasks */
  size_t rb;        /* result bytes per task */
  size_t m;         /* simulation: draws per replicate */
  size_t slow, fast; /* alloc: elements per slow / fast task */
  double *res;
} job;

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static tdm_status sim_task(const tdm_task_env *env, size_t i, void *p) {
  job *j = p;
  double *x = malloc(j->m * sizeof *x);
  if (!x) return TDM_ERR_NOMEM;
  normals(7, i, x, j->m);
  tdm_buf *b = NULL;
  tdm_reduce_op op = TDM_MEAN;
  tdm_status s = tdm_buf_wrap(env->ctx, TDM_F64, j->m, 1, x, &b);
  if (s == TDM_OK) s = tdm_reduce(env->ctx, b, 1, &op, &j->res[2 * i]);
  tdm_buf_destroy(b);
  qsort(x, j->m, sizeof *x, cmp_double);
  j->res[2 * i + 1] = x[j->m / 2];
  free(x);
  return s;
}

static tdm_status alloc_task(const tdm_task_env *env, size_t i, void *p) {
  job *j = p;
  (void)env;
  size_t n = i < 4 ? j->slow : j->fast, blk = 4096;
  double x[4096], acc = 0;
  for (size_t lo = 0; lo < n; lo += blk) {
    size_t len = n - lo < blk ? n - lo : blk;
    normals(11, i * 1000003 + lo / blk, x, len);
    for (size_t k = 0; k < len; k++) acc += lgamma(exp(x[k]));
  }
  j->res[i] = acc / (double)n;
  return TDM_OK;
}

/* ---- timing ----------------------------------------------------------------- */
static double lpt(const double *t, size_t n, int p) {
  double *s = malloc(n * sizeof *s), load[256] = {0}, mk = 0;
  memcpy(s, t, n * sizeof *s);
  qsort(s, n, sizeof *s, cmp_double);
  for (size_t k = n; k-- > 0;) { /* longest first, onto the least loaded */
    int best = 0;
    for (int r = 1; r < p; r++)
      if (load[r] < load[best]) best = r;
    load[best] += s[k];
  }
  for (int r = 0; r < p; r++)
    if (load[r] > mk) mk = load[r];
  free(s);
  return mk;
}

/* The makespan STATIC's contiguous blocks give (as tdm_dist_map splits). */
static double block_bound(const double *t, size_t n, int p) {
  double mk = 0;
  size_t base = n / (size_t)p, rem = n % (size_t)p, lo = 0;
  for (int r = 0; r < p; r++) {
    size_t len = base + ((size_t)r < rem), hi = lo + len;
    double sum = 0;
    for (size_t i = lo; i < hi; i++) sum += t[i];
    if (sum > mk) mk = sum;
    lo = hi;
  }
  return mk;
}

typedef struct stat3 { double med, min, max; } stat3;
static stat3 summarize(double *t, int reps) {
  qsort(t, (size_t)reps, sizeof *t, cmp_double);
  stat3 s = {reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]), t[0], t[reps - 1]};
  return s;
}

static FILE *g_json;
static int g_first = 1;

/* A barrier that sleeps while it waits, so a waiting rank leaves its core
 * to the others (MPI_Barrier spins). */
static void quiet_barrier(void) {
  MPI_Request rq;
  int done = 0;
  MPI_Ibarrier(MPI_COMM_WORLD, &rq);
  while (MPI_Test(&rq, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done) {
    struct timespec ts = {0, 200000};
    nanosleep(&ts, NULL);
  }
}

/* Rank 0 runs all tasks on one thread; task_t gets each task's time. */
static double run_serial(tdm_task_env *env, job *j, tdm_map_fn fn, double *task_t) {
  double t0 = now();
  for (size_t i = 0; i < j->n; i++) {
    double a = now();
    env->index = i;
    fn(env, i, j);
    double e = now() - a;
    if (task_t[i] == 0 || e < task_t[i]) task_t[i] = e;
  }
  return now() - t0;
}

static void run_job(tdm_dist *d, job *j, tdm_map_fn fn, int reps, const char *size) {
  enum { NV = 3 }; /* serial, STATIC, DYNAMIC: interleaved, round after round */
  int rank = tdm_dist_rank(d), P = tdm_dist_size(d);
  size_t bytes = j->n * j->rb;
  double *serial = calloc(1, bytes), *res = malloc(bytes), *task_t = calloc(j->n, sizeof(double));
  double *t = malloc((size_t)NV * (size_t)(reps + 1) * sizeof *t);
  tdm_task_env env = {NULL, TDM_LANE_CPU, 0, 0};
  tdm_config cfg;
  tdm_dist_config(d, &cfg);
  cfg.backend = TDM_CPU;
  cfg.threads = 1;
  tdm_ctx_create(&cfg, &env.ctx);
  tdm_dist_set_ctx(d, env.ctx);
  const tdm_schedule scheds[2] = {{TDM_SCHED_STATIC, 0, TDM_LANE_ANY}, {TDM_SCHED_DYNAMIC, j->n < 100 ? 1 : 0, TDM_LANE_ANY}};
  int ok[2] = {1, 1};
  for (int r = 0; r <= reps; r++) { /* round 0 warms up and is not counted */
    quiet_barrier();
    double ts = 0;
    j->res = serial;
    if (rank == 0) ts = run_serial(&env, j, fn, task_t);
    quiet_barrier(); /* the other ranks sleep meanwhile; a Bcast would spin */
    MPI_Bcast(&ts, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    t[r * NV] = ts;
    if (r == 0) MPI_Bcast(serial, (int)bytes, MPI_BYTE, 0, MPI_COMM_WORLD);
    j->res = res;
    for (int k = 0; k < 2; k++) {
      memset(res, 0, bytes);
      quiet_barrier();
      double t0 = now();
      tdm_status s = tdm_dist_map(d, NULL, j->n, fn, j, scheds[k], res, j->rb);
      double mine = now() - t0;
      MPI_Allreduce(&mine, &t[r * NV + 1 + k], 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
      ok[k] &= s == TDM_OK && memcmp(res, serial, bytes) == 0;
    }
  }
  MPI_Bcast(task_t, (int)j->n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  double ideal_1 = lpt(task_t, j->n, 1), ideal = lpt(task_t, j->n, P);
  double *col = malloc((size_t)reps * sizeof *col);
  stat3 st[NV];
  for (int v = 0; v < NV; v++) {
    for (int r = 0; r < reps; r++) col[r] = t[(r + 1) * NV + v];
    st[v] = summarize(col, reps);
  }
  for (int k = 0; k < 2; k++) {
    int all_ok = 0;
    MPI_Allreduce(&ok[k], &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    const char *kind = k ? "DYNAMIC" : "STATIC";
    double t1 = st[0].med, tp = st[1 + k].med;
    /* ideal speed-up: the serial time over the LPT makespan of the tasks */
    double sp_ideal = ideal_1 / ideal;
    if (rank == 0) {
      /* On a shared machine the fastest runs are the least disturbed ones:
       * the speed-up of the minima is printed next to that of the medians. */
      printf("%-10s %-7s ranks %d  serial %6.3f s (min %6.3f)  dist %6.3f s (min %6.3f)"
             "  speed-up %4.2fx (of minima %4.2fx)  ideal %4.2fx  %s\n",
             j->name, kind, P, t1, st[0].min, tp, st[1 + k].min, t1 / tp, st[0].min / st[1 + k].min,
             sp_ideal, all_ok ? "same bytes as serial" : "RESULTS DIFFER");
      if (k == 0 && P > 1)
        printf("%-10s %-7s          STATIC's fixed blocks allow at best %4.2fx (its slowest block)\n",
               "", "", ideal_1 / block_bound(task_t, j->n, P));
      if (g_json)
        fprintf(g_json,
                "%s{\"scenario\": \"%s\", \"backend\": \"cpu\", \"size\": \"%s\", \"dtype\": \"f64\","
                " \"schedule\": \"%s\", \"ranks\": %d, \"median_s\": %.6f, \"min_s\": %.6f,"
                " \"max_s\": %.6f, \"reps\": %d, \"rate\": %.4f, \"rate_unit\": \"speed-up vs 1 rank\","
                " \"ideal\": %.4f, \"serial_s\": %.6f, \"serial_min_s\": %.6f, \"check\": \"%s\"}",
                g_first ? "" : ",\n", j->name, size, kind, P, tp, st[1 + k].min, st[1 + k].max, reps,
                t1 / tp, sp_ideal, t1, st[0].min, all_ok ? "ok" : "results differ from the serial run");
      g_first = 0;
    }
  }
  tdm_ctx_destroy(env.ctx);
  free(serial);
  free(res);
  free(task_t);
  free(t);
  free(col);
}

int main(int argc, char **argv) {
  tdm_dist *d;
  if (tdm_dist_init(&argc, &argv, &d) != TDM_OK) {
    fprintf(stderr, "bench_dist: %s\n", tdm_last_error());
    return 1;
  }
  const char *size = "default", *json = NULL;
  int reps = 3;
  for (int k = 1; k < argc; k++) {
    if (!strcmp(argv[k], "--size") && k + 1 < argc) size = argv[++k];
    else if (!strcmp(argv[k], "--reps") && k + 1 < argc) reps = atoi(argv[++k]);
    else if (!strcmp(argv[k], "--json") && k + 1 < argc) json = argv[++k];
  }
  if (reps < 1) reps = 1;
  int small = !strcmp(size, "small");
  if (tdm_dist_rank(d) == 0) {
    printf("bench_dist: %d ranks, one thread each; size %s, %d reps; times are the slowest rank's\n",
           tdm_dist_size(d), size, reps);
    if (json) g_json = fopen(json, "w");
    if (g_json) fputs("[\n", g_json);
  }
  job sim = {"simulation", 1000, 2 * sizeof(double), small ? 500 : 4000, 0, 0, NULL};
  job alloc = {"alloc", 16, sizeof(double), 0, small ? 1000000 : 5000000, small ? 20000 : 100000, NULL};
  run_job(d, &sim, sim_task, reps, size);
  run_job(d, &alloc, alloc_task, reps, size);
  if (g_json) {
    fputs("\n]\n", g_json);
    fclose(g_json);
  }
  tdm_dist_finalize(d);
  return 0;
}
