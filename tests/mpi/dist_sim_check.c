/* dist_sim_check.c -- the `simulation` scenario across ranks: 1000
 * replicates, each draws its own data (tdm_rng stream i, and a small
 * counter-based generator keyed by i that the test can recompute) and fits
 * two estimators (mean via tdm_reduce, median). Every rank count and
 * schedule must give the serial loop's bytes. Also: a map whose index 17
 * fails reports that on every rank. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/error.h"
#include "dist_check.h"

enum { NREP = 1000, M = 101 };

typedef struct sim {
  double *res; /* NREP x 2: mean, median */
  uint64_t seed;
  int bad_index; /* replicates that saw env->index != i */
  int rng;       /* draw from tdm_rng stream i, not the test's generator */
} sim;

/* Counter-based draws: value k of replicate i depends on (seed, i, k) only. */
static uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static double unif(uint64_t seed, uint64_t i, uint64_t k) {
  return (double)(mix64(mix64(seed ^ (i * 0xd1b54a32d192ed03ull)) + k) >> 11) * 0x1p-53;
}
static void draw_normal(uint64_t seed, size_t i, double *x, size_t m) {
  for (size_t k = 0; k < m; k += 2) {
    double u1 = 1.0 - unif(seed, i, k), u2 = unif(seed, i, k + 1);
    double r = sqrt(-2.0 * log(u1)), t = 6.283185307179586 * u2;
    x[k] = 1.0 + r * cos(t);
    if (k + 1 < m) x[k + 1] = 1.0 + r * sin(t);
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static tdm_status sim_task(const tdm_task_env *env, size_t i, void *p) {
  sim *s = p;
  if (env->index != i) __atomic_add_fetch(&s->bad_index, 1, __ATOMIC_RELAXED);
  double x[M];
  tdm_buf *b = NULL;
  tdm_reduce_op op = TDM_MEAN;
  tdm_status st;
  if (s->rng) {
    tdm_rng *r = NULL;
    st = tdm_rng_create(env->ctx, s->seed, i, &r);
    if (st == TDM_OK) st = tdm_buf_create(env->ctx, TDM_F64, M, 1, &b);
    if (st == TDM_OK) st = tdm_rng_normal(r, b, 1.0, 1.0);
    if (st == TDM_OK) st = tdm_buf_read(b, x);
    tdm_rng_destroy(r);
  } else {
    draw_normal(s->seed, i, x, M);
    st = tdm_buf_wrap(env->ctx, TDM_F64, M, 1, x, &b);
  }
  if (st == TDM_OK) st = tdm_reduce(env->ctx, b, 1, &op, &s->res[2 * i]);
  tdm_buf_destroy(b);
  if (st != TDM_OK) return st;
  qsort(x, M, sizeof x[0], cmp_double);
  s->res[2 * i + 1] = x[M / 2];
  return TDM_OK;
}

static uint64_t fnv1a(const void *p, size_t n) {
  const unsigned char *c = p;
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t k = 0; k < n; k++) h = (h ^ c[k]) * 0x100000001b3ull;
  return h;
}

/* The estimators against independent references, on the serial results. */
static void check_estimators(const sim *ref) {
  double x[M], sm = 0, smd = 0, vm = 0, vmd = 0;
  int mean_ok = 1, med_ok = 1;
  for (size_t i = 0; i < NREP; i++) {
    if (ref->rng) { /* the draws are tdm_rng's: only the moments below apply */
      sm += ref->res[2 * i];
      smd += ref->res[2 * i + 1];
      continue;
    }
    draw_normal(ref->seed, i, x, M);
    long double acc = 0;
    for (int k = 0; k < M; k++) acc += x[k];
    double mean = (double)(acc / M), med = ref->res[2 * i + 1];
    if (fabs(ref->res[2 * i] - mean) > 1e-13 * fabs(mean) + 1e-15) mean_ok = 0;
    int below = 0, above = 0, equal = 0;
    for (int k = 0; k < M; k++) below += x[k] < med, above += x[k] > med, equal += x[k] == med;
    if (below != M / 2 || above != M / 2 || equal != 1) med_ok = 0;
    sm += ref->res[2 * i];
    smd += med;
  }
  CHECK(mean_ok, "tdm_reduce's mean differs from a long double loop");
  CHECK(med_ok, "a median is not the middle order statistic");
  sm /= NREP;
  smd /= NREP;
  for (size_t i = 0; i < NREP; i++) {
    vm += (ref->res[2 * i] - sm) * (ref->res[2 * i] - sm);
    vmd += (ref->res[2 * i + 1] - smd) * (ref->res[2 * i + 1] - smd);
  }
  /* E[mean] = 1, sd of the average 1/sqrt(NREP*M) = 0.0031: 5 sd. The
   * median's variance is about pi/2 times the mean's for normal data. */
  CHECK(fabs(sm - 1.0) < 0.016, "average of the means %g, expected 1", sm);
  CHECK(fabs(smd - 1.0) < 0.02, "average of the medians %g, expected 1", smd);
  CHECK(vmd / vm > 1.3 && vmd / vm < 1.9, "var(median)/var(mean) = %g, expected ~ pi/2", vmd / vm);
}

/* One generator: 0 the test's, 1 tdm_rng. Returns the digest of the
 * results (0 when tdm_rng is not built). */
static uint64_t simulate(tdm_dist *d, int rng) {
  size_t bytes = NREP * 2 * sizeof(double);
  sim ref = {malloc(bytes), 20240611, 0, rng}, s = {malloc(bytes), 20240611, 0, rng};
  tdm_task_env env = {0};
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = TDM_CPU;
  tdm_status st = tdm_ctx_create(&cfg, &env.ctx);
  CHECK(st == TDM_OK, "ctx: %s", tdm_last_error());
  env.lane = TDM_LANE_CPU;
  uint64_t digest = 0;
  for (size_t i = 0; i < NREP && st == TDM_OK; i++) {
    env.index = i;
    st = sim_task(&env, i, &ref);
  }
  if (rng && st == TDM_ERR_INTERNAL && strstr(tdm_last_error(), "not built")) {
    if (g_rank == 0) printf("simulation with tdm_rng skipped: %s\n", tdm_last_error());
    goto done;
  }
  CHECK(st == TDM_OK, "serial reference: %s", tdm_last_error());
  check_estimators(&ref);
  for (int pm = 0; pm < 2; pm++) {
    tdm_pool *pool = pm ? g_pool : NULL;
    if (pm && !pool) continue;
    for (int k = 0; k < NSCHED; k++) {
      memset(s.res, 0xff, bytes);
      s.bad_index = 0;
      st = tdm_dist_map(d, pool, NREP, sim_task, &s, g_scheds[k], s.res, 2 * sizeof(double));
      CHECK(st == TDM_OK, "simulation rng=%d %s pool=%d: %s", rng, sched_name(g_scheds[k]), pm,
            tdm_last_error());
      CHECK(memcmp(s.res, ref.res, bytes) == 0, "simulation rng=%d %s pool=%d: bytes differ from the serial loop",
            rng, sched_name(g_scheds[k]), pm);
      CHECK(s.bad_index == 0, "env->index != i in %d tasks", s.bad_index);
      CHECK(same_on_all_ranks((long)(fnv1a(s.res, bytes) & 0x7fffffff)), "ranks hold different results");
      if (pm == 0 && k == 2) digest = fnv1a(s.res, bytes);
    }
  }
done:
  tdm_ctx_destroy(env.ctx);
  free(ref.res);
  free(s.res);
  return digest;
}

void check_simulation(tdm_dist *d, const char *digest_path) {
  uint64_t own = simulate(d, 0), rng = simulate(d, 1);
  if (g_rank == 0 && digest_path) {
    FILE *f = fopen(digest_path, "w");
    CHECK(f != NULL, "cannot write %s", digest_path);
    if (f) {
      fprintf(f, "simulation %d replicates x (mean, median), test generator: fnv1a %016llx\n", NREP,
              (unsigned long long)own);
      fprintf(f, "simulation %d replicates x (mean, median), tdm_rng streams: fnv1a %016llx\n", NREP,
              (unsigned long long)rng);
      fclose(f);
    }
    printf("simulation digests %016llx %016llx (%d ranks)\n", (unsigned long long)own,
           (unsigned long long)rng, g_size);
  }
}

/* ---- failure: index 17 fails (and 40 with another status) ---------------- */
typedef struct failing {
  size_t n;
  double *res;
  unsigned char *ran; /* per index, this rank */
} failing;

static tdm_status fail_task(const tdm_task_env *env, size_t i, void *p) {
  failing *f = p;
  (void)env;
  f->ran[i]++;
  if (i == 17) return tdm__err(TDM_ERR_NUMERIC, "task17: boom at %zu", i);
  if (i == 40) return tdm__err(TDM_ERR_BACKEND, "task40: other failure");
  f->res[i] = (double)i;
  return TDM_OK;
}

void check_failures(tdm_dist *d) {
  static const size_t ns[2] = {100, 41};
  for (int a = 0; a < 2; a++) {
    size_t n = ns[a];
    failing f = {n, calloc(n, sizeof(double)), calloc(n, 1)};
    int *sum = calloc(n, sizeof(int)), *mine = calloc(n, sizeof(int));
    for (int pm = 0; pm < 2; pm++) {
      tdm_pool *pool = pm ? g_pool : NULL;
      if (pm && !pool) continue;
      for (int k = 0; k < NSCHED; k++) {
        memset(f.ran, 0, n);
        tdm_status st = tdm_dist_map(d, pool, n, fail_task, &f, g_scheds[k], f.res, sizeof(double));
        const char *msg = tdm_last_error();
        CHECK(st == TDM_ERR_NUMERIC, "n=%zu %s pool=%d: got %s", n, sched_name(g_scheds[k]), pm,
              tdm_status_name(st));
        CHECK(strstr(msg, "tdm_dist_map: index 17") && strstr(msg, "task17: boom at 17"),
              "message: %s", msg);
        for (size_t i = 0; i < n; i++) mine[i] = f.ran[i];
        MPI_Allreduce(mine, sum, (int)n, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        int below = 1, once = 1;
        for (size_t i = 0; i < n; i++) {
          if (i <= 17 && sum[i] != 1) below = 0;
          if (sum[i] > 1) once = 0;
        }
        CHECK(below, "n=%zu %s pool=%d: an index <= 17 did not run exactly once", n,
              sched_name(g_scheds[k]), pm);
        CHECK(once, "an index ran twice");
      }
    }
    free(f.res);
    free(f.ran);
    free(sum);
    free(mine);
  }
}
