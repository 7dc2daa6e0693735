/* test_dist_mpi.c -- tdm_dist under `mpirun -np 1/2/4`: the handle, the
 * plan arithmetic, per-rank config, maps with n = 0 and n < ranks, every
 * index exactly once, argument errors that must fail on every rank, injected
 * allocation failures that must not desynchronise the ranks, then the
 * simulation and failure checks (dist_sim_check.c). Exit 0 iff all ranks
 * pass. --digest FILE: rank 0 writes the simulation digest; --adopt: the
 * program starts MPI itself (FUNNELED, so rank 0 only deals chunks);
 * --die: a rank exits mid-map (mpirun must abort the job, not hang). */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/alloc.h"
#include "dist/dist_int.h"
#include "dist_check.h"

int g_rank, g_size, g_checks, g_fails;
tdm_pool *g_pool;
const tdm_schedule g_scheds[NSCHED] = {
    {TDM_SCHED_STATIC, 0, TDM_LANE_ANY}, {TDM_SCHED_DYNAMIC, 0, TDM_LANE_ANY}, {TDM_SCHED_DYNAMIC, 7, TDM_LANE_ANY}, {TDM_SCHED_GUIDED, 2, TDM_LANE_ANY}};

const char *sched_name(tdm_schedule s) {
  static char buf[4][32];
  static int k;
  char *b = buf[k++ & 3];
  const char *kind = s.kind == TDM_SCHED_STATIC ? "STATIC" : s.kind == TDM_SCHED_DYNAMIC ? "DYNAMIC" : "GUIDED";
  snprintf(b, 32, "%s/%zu", kind, s.chunk);
  return b;
}

int same_on_all_ranks(long v) {
  long lo, hi;
  MPI_Allreduce(&v, &lo, 1, MPI_LONG, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&v, &hi, 1, MPI_LONG, MPI_MAX, MPI_COMM_WORLD);
  return lo == hi;
}

static void check_handle(tdm_dist *d) {
  int r, s, lr, ls;
  MPI_Comm node;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &lr);
  MPI_Comm_size(node, &ls);
  MPI_Comm_free(&node);
  CHECK(tdm_dist_rank(d) == r && tdm_dist_size(d) == s, "rank/size %d/%d", tdm_dist_rank(d), tdm_dist_size(d));
  CHECK(tdm_dist_local_rank(d) == lr && tdm_dist_local_size(d) == ls, "local rank/size");
  CHECK(tdm_dist_rank(NULL) == -1 && tdm_dist_size(NULL) == 0, "NULL handle");
  CHECK(tdm_dist_init(NULL, NULL, NULL) == TDM_ERR_INVALID && strstr(tdm_last_error(), "tdm_dist_init"),
        "out NULL: %s", tdm_last_error());
  int argc = 0;
  tdm_dist *d2 = NULL;
  CHECK(tdm_dist_init(&argc, NULL, &d2) == TDM_ERR_INVALID && d2 == NULL, "argc without argv");
  CHECK(tdm_dist_set_ctx(NULL, NULL) == TDM_ERR_INVALID, "set_ctx NULL");
  CHECK(tdm_dist_finalize(NULL) == TDM_OK, "finalize NULL");
}

/* Blocks tile [0, n) in rank order and differ in size by at most one. */
static void check_plan(void) {
  static const size_t ns[] = {0, 1, 3, 7, 100, 1001};
  for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
    for (int size = 1; size <= 5; size++) {
      size_t next = 0, mn = SIZE_MAX, mx = 0;
      int ok = 1;
      for (int r = 0; r < size; r++) {
        size_t lo, hi;
        tdm__dist_block(ns[a], size, r, &lo, &hi);
        ok &= (lo == next && hi >= lo);
        next = hi;
        if (hi - lo < mn) mn = hi - lo;
        if (hi - lo > mx) mx = hi - lo;
      }
      CHECK(ok && next == ns[a] && mx - mn <= 1, "blocks of n=%zu over %d", ns[a], size);
    }
  /* The dealer: contiguous chunks of the asked size; stops at a failure. */
  for (int g = 0; g < 2; g++) {
    tdm__dealer dl;
    tdm_schedule sc = {g ? TDM_SCHED_GUIDED : TDM_SCHED_DYNAMIC, 7, TDM_LANE_ANY};
    tdm__dealer_init(&dl, 100, sc, 2);
    size_t lo, hi, next = 0, last = SIZE_MAX;
    int ok = 1, calls = 0;
    for (;;) {
      uint64_t fail = calls++ == 3 ? tdm__dist_key(60, TDM_ERR_NUMERIC) : TDM__DIST_NONE;
      tdm__dealer_next(&dl, fail, &lo, &hi);
      if (lo == hi) break;
      size_t len = hi - lo;
      ok &= lo == next && (g ? (len >= 7 || hi == 60) && len <= last : len == 7 || hi == 60);
      next = hi;
      last = len;
    }
    CHECK(ok && next == 60, "%s dealer: ended at %zu", g ? "GUIDED" : "DYNAMIC", next);
    tdm__dealer_destroy(&dl);
  }
}

static void check_config(tdm_dist *d) {
  tdm_config cfg;
  unsetenv("TDM_DEVICE");
  unsetenv("TDM_NUM_THREADS");
  CHECK(tdm__dist_config_with(d, &cfg, 2, 3) == TDM_OK, "%s", tdm_last_error());
  CHECK(cfg.device == tdm_dist_local_rank(d) % 2 && cfg.threads == 3, "device %d threads %d",
        cfg.device, cfg.threads);
  CHECK(tdm__dist_config_with(d, &cfg, 0, 1) == TDM_OK && cfg.device == 0, "no devices");
  setenv("TDM_DEVICE", "1", 1);
  setenv("TDM_NUM_THREADS", "5", 1);
  CHECK(tdm__dist_config_with(d, &cfg, 4, 3) == TDM_OK && cfg.device == 1 && cfg.threads == 5,
        "the environment wins: device %d threads %d", cfg.device, cfg.threads);
  setenv("TDM_DEVICE", "gpu0", 1);
  CHECK(tdm_dist_config(d, &cfg) == TDM_ERR_INVALID && strstr(tdm_last_error(), "tdm_dist_config") &&
            strstr(tdm_last_error(), "TDM_DEVICE"), "bad TDM_DEVICE: %s", tdm_last_error());
  unsetenv("TDM_DEVICE");
  unsetenv("TDM_NUM_THREADS");
  CHECK(tdm_dist_config(NULL, &cfg) == TDM_ERR_INVALID, "d NULL");
  CHECK(tdm_dist_config(d, NULL) == TDM_ERR_INVALID, "cfg NULL");
  CHECK(tdm_dist_config(d, &cfg) == TDM_OK && cfg.threads >= 1 && cfg.device >= 0, "%s", tdm_last_error());
}

/* ---- small maps: each index once, results everywhere ----------------------- */
typedef struct sq {
  double *res;
  int *count; /* per index, on this rank */
} sq;
static tdm_status sq_task(const tdm_task_env *env, size_t i, void *p) {
  sq *s = p;
  (void)env;
  __atomic_add_fetch(&s->count[i], 1, __ATOMIC_RELAXED);
  s->res[i] = (double)i * (double)i + 0.5;
  return TDM_OK;
}

/* One map of n squares; 1 if every rank has every result and each index ran once. */
static int run_squares(tdm_dist *d, tdm_pool *pool, size_t n, tdm_schedule sc, tdm_status *st) {
  sq s = {calloc(n + 1, sizeof(double)), calloc(n + 1, sizeof(int))};
  int *sum = calloc(n + 1, sizeof(int)), ok = 1;
  *st = tdm_dist_map(d, pool, n, sq_task, &s, sc, n ? s.res : NULL, sizeof(double));
  MPI_Allreduce(s.count, sum, (int)n + 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  for (size_t i = 0; i < n && *st == TDM_OK; i++)
    ok &= sum[i] == 1 && s.res[i] == (double)i * (double)i + 0.5;
  free(s.res);
  free(s.count);
  free(sum);
  return ok;
}

static void check_small(tdm_dist *d) {
  size_t ns[] = {0, 1, 3, (size_t)g_size - 1, 1000};
  for (int pm = 0; pm < 2; pm++)
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
      for (int k = 0; k < NSCHED; k++) {
        if (pm && !g_pool) continue;
        tdm_status st;
        int ok = run_squares(d, pm ? g_pool : NULL, ns[a], g_scheds[k], &st);
        CHECK(st == TDM_OK && ok, "n=%zu %s pool=%d: %s", ns[a], sched_name(g_scheds[k]), pm,
              st == TDM_OK ? "wrong results" : tdm_last_error());
      }
}

/* Who works in DYNAMIC: rank 0 too, from its helper thread's dealer, unless
 * MPI gives less than MPI_THREAD_SERIALIZED; then rank 0 only deals. */
static void check_rank0_role(tdm_dist *d) {
  enum { N = 400 };
  sq s = {calloc(N, sizeof(double)), calloc(N, sizeof(int))};
  tdm_schedule sc = {TDM_SCHED_DYNAMIC, 1, TDM_LANE_ANY};
  tdm_status st = tdm_dist_map(d, NULL, N, sq_task, &s, sc, s.res, sizeof(double));
  long mine = 0;
  for (int i = 0; i < N; i++) mine += s.count[i];
  CHECK(st == TDM_OK, "%s", tdm_last_error());
  if (g_rank == 0 && g_size > 1) {
    if (d->thread_level >= MPI_THREAD_SERIALIZED) CHECK(mine > 0, "rank 0 ran nothing");
    else CHECK(mine == 0, "rank 0 ran %ld indices though it may only deal", mine);
  }
  free(s.res);
  free(s.count);
}

static void check_errors(tdm_dist *d) {
  double r[16];
  tdm_schedule dyn = {TDM_SCHED_DYNAMIC, 1, TDM_LANE_ANY};
  sq s = {r, calloc(64, sizeof(int))};
  CHECK(tdm_dist_map(NULL, NULL, 4, sq_task, &s, dyn, r, 8) == TDM_ERR_INVALID, "d NULL");
  CHECK(tdm_dist_map(d, NULL, 4, NULL, &s, dyn, r, 8) == TDM_ERR_INVALID &&
            strstr(tdm_last_error(), "tdm_dist_map: fn"), "fn NULL: %s", tdm_last_error());
  CHECK(tdm_dist_map(d, NULL, 4, sq_task, &s, dyn, NULL, 8) == TDM_ERR_INVALID &&
            strstr(tdm_last_error(), "results"), "results NULL: %s", tdm_last_error());
  tdm_schedule bad = {(tdm_sched_kind)99, 0, TDM_LANE_ANY};
  CHECK(tdm_dist_map(d, NULL, 4, sq_task, &s, bad, r, 8) == TDM_ERR_INVALID &&
            strstr(tdm_last_error(), "sched.kind"), "bad kind: %s", tdm_last_error());
  CHECK(tdm_dist_map(d, NULL, SIZE_MAX / 4, sq_task, &s, dyn, r, 8) == TDM_ERR_INVALID, "n huge");
  CHECK(tdm_dist_map(d, NULL, 4, sq_task, &s, dyn, r, (size_t)1 << 40) == TDM_ERR_INVALID &&
            strstr(tdm_last_error(), "result_bytes"), "result_bytes huge: %s", tdm_last_error());
  if (g_size > 1) {
    /* Only rank 0 is wrong: all ranks fail, none waits. */
    tdm_status st = tdm_dist_map(d, NULL, 4, g_rank == 0 ? NULL : sq_task, &s, dyn, r, 8);
    CHECK(st == TDM_ERR_INVALID, "one rank's bad fn: %s", tdm_status_name(st));
    CHECK(strstr(tdm_last_error(), g_rank == 0 ? "fn: is NULL" : "another rank rejected"), "%s",
          tdm_last_error());
    st = tdm_dist_map(d, NULL, 4 + (size_t)g_rank, sq_task, &s, dyn, r, 8);
    CHECK(st == TDM_ERR_INVALID && strstr(tdm_last_error(), "n differs between ranks"), "%s",
          tdm_last_error());
    tdm_schedule mixed = {g_rank ? TDM_SCHED_DYNAMIC : TDM_SCHED_STATIC, 1, TDM_LANE_ANY};
    st = tdm_dist_map(d, NULL, 4, sq_task, &s, mixed, r, 8);
    CHECK(st == TDM_ERR_INVALID && strstr(tdm_last_error(), "sched.kind differs"), "%s", tdm_last_error());
  }
  free(s.count);
  tdm_status st;
  CHECK(run_squares(d, NULL, 9, dyn, &st) && st == TDM_OK, "a map after the errors: %s", tdm_last_error());
}

/* A status outside the enum, returned by one index: every rank returns
 * TDM_ERR_INVALID naming that index (not a garbled status and index). */
static tdm_status odd_task(const tdm_task_env *env, size_t i, void *p) {
  (void)env;
  (void)p;
  return i == 13 ? (tdm_status)300 : i == 20 ? (tdm_status)-1 : TDM_OK;
}

static void check_hardening(tdm_dist *d) {
  MPI_Errhandler eh;
  CHECK(MPI_Comm_get_errhandler(d->comm, &eh) == MPI_SUCCESS && eh == MPI_ERRORS_RETURN,
        "tandem's communicator does not return MPI errors");
  MPI_Errhandler_free(&eh);
  for (int pm = 0; pm < 2; pm++)
    for (int sk = 0; sk < NSCHED; sk++) {
      tdm_status st = tdm_dist_map(d, pm ? g_pool : NULL, 40, odd_task, NULL, g_scheds[sk], NULL, 0);
      CHECK(st == TDM_ERR_INVALID && strstr(tdm_last_error(), "index 13") &&
                strstr(tdm_last_error(), "returned 300, which is not a tdm_status"),
            "%s pool %d: %s: %s", sched_name(g_scheds[sk]), pm, tdm_status_name(st), tdm_last_error());
      if (!g_pool) break;
    }
  if (g_size > 1) {
    /* A NULL handle on one rank: every rank returns, none waits. */
    double r[8];
    sq s = {r, calloc(64, sizeof(int))};
    tdm_schedule dyn = {TDM_SCHED_DYNAMIC, 1, TDM_LANE_ANY};
    tdm_status st = tdm_dist_map(g_rank == 1 ? NULL : d, NULL, 4, sq_task, &s, dyn, r, 8);
    CHECK(st == TDM_ERR_INVALID, "one rank's NULL handle: %s", tdm_status_name(st));
    CHECK(strstr(tdm_last_error(), g_rank == 1 ? "d: is NULL" : "another rank rejected"), "%s",
          tdm_last_error());
    free(s.count);
  }
}

/* The k-th allocation on one rank fails: every rank returns the same status. */
static void check_injection(tdm_dist *d) {
  int victim = g_size > 1 ? 1 : 0;
  for (int sk = 0; sk < NSCHED; sk++)
    for (long k = 1; k <= 6; k++) {
      if (g_rank == victim) tdm__alloc_fail_after(k);
      tdm_status st;
      int ok = run_squares(d, NULL, 50, g_scheds[sk], &st);
      if (g_rank == victim) tdm__alloc_fail_after(0);
      CHECK(same_on_all_ranks((long)st), "%s alloc %ld: ranks disagree (%s here)", sched_name(g_scheds[sk]),
            k, tdm_status_name(st));
      CHECK(st == TDM_OK ? ok : st == TDM_ERR_NOMEM, "%s alloc %ld: %s", sched_name(g_scheds[sk]), k,
            tdm_status_name(st));
    }
}

/* --die: the last rank exits inside a task mid-map. The others then wait in
 * tdm_dist_map for a rank that is gone; mpirun must end the job (the ctest
 * wrapper fails on a hang, i.e. a timeout, and on a clean exit). */
static tdm_status die_task(const tdm_task_env *env, size_t i, void *p) {
  (void)env;
  (void)p;
  (void)i;
  if (g_rank == g_size - 1) _exit(3);
  usleep(100); /* the others are slow, so the victim is sure to get an index
                  (with empty tasks rank 0 could finish all of them alone) */
  return TDM_OK;
}

static int run_die(tdm_dist *d) {
  tdm_schedule sc = {TDM_SCHED_DYNAMIC, 1, TDM_LANE_ANY};
  tdm_status st = tdm_dist_map(d, NULL, 100000, die_task, NULL, sc, NULL, 0);
  fprintf(stderr, "rank %d: tdm_dist_map returned %s after a rank died\n", g_rank, tdm_status_name(st));
  tdm_dist_finalize(d);
  return 0;
}

int main(int argc, char **argv) {
  const char *digest = NULL;
  int adopt = 0, provided = 0, die = 0;
  for (int k = 1; k < argc; k++) {
    if (!strcmp(argv[k], "--digest") && k + 1 < argc) digest = argv[++k];
    else if (!strcmp(argv[k], "--adopt")) adopt = 1;
    else if (!strcmp(argv[k], "--die")) die = 1;
  }
  if (adopt) MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  tdm_dist *d = NULL;
  tdm_status st = tdm_dist_init(&argc, &argv, &d);
  if (st != TDM_OK) {
    fprintf(stderr, "tdm_dist_init: %s\n", tdm_last_error());
    return 1;
  }
  g_rank = tdm_dist_rank(d);
  g_size = tdm_dist_size(d);
  if (die) return run_die(d);
  CHECK(d->owns_mpi == !adopt, "owns_mpi %d", d->owns_mpi);
  if (adopt) CHECK(d->thread_level == provided, "thread level %d, host got %d", d->thread_level, provided);
  else CHECK(d->thread_level == MPI_THREAD_MULTIPLE, "thread level %d", d->thread_level);

  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = TDM_CPU;
  cfg.threads = 2;
  tdm_ctx *ctx = NULL;
  CHECK(tdm_ctx_create(&cfg, &ctx) == TDM_OK, "%s", tdm_last_error());
  tdm_dist_set_ctx(d, ctx);
  tdm_pool_config pc = {2, 0};
  if (tdm_pool_create(ctx, &pc, &g_pool) != TDM_OK) {
    if (g_rank == 0) printf("pool mode skipped: %s\n", tdm_last_error());
    g_pool = NULL;
  }

  check_handle(d);
  check_plan();
  check_config(d);
  check_small(d);
  check_rank0_role(d);
  check_errors(d);
  check_injection(d);
  check_simulation(d, digest);
  check_failures(d);
  check_hardening(d);

  if (g_pool) tdm_pool_destroy(g_pool);
  tdm_ctx_destroy(ctx);
  int fails = 0, checks = 0;
  MPI_Allreduce(&g_fails, &fails, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  MPI_Allreduce(&g_checks, &checks, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (g_rank == 0)
    printf("%s: %d checks on %d ranks (%s), %d failed\n", fails ? "FAIL" : "PASS", checks, g_size,
           adopt ? "MPI started by the program" : "MPI started by tandem", fails);
  /* A second handle (it adopts the running MPI), finalized after the one
   * that started MPI: it still works, and MPI ends with the last handle. */
  tdm_dist *d2 = NULL;
  if (tdm_dist_init(NULL, NULL, &d2) != TDM_OK) {
    fprintf(stderr, "rank %d: FAIL second tdm_dist_init: %s\n", g_rank, tdm_last_error());
    fails++;
  }
  if (tdm_dist_finalize(d) != TDM_OK) {
    fprintf(stderr, "rank %d: FAIL finalize: %s\n", g_rank, tdm_last_error());
    fails++;
  }
  int fin = 1;
  MPI_Finalized(&fin);
  if (fin) fprintf(stderr, "rank %d: FAIL MPI finalized while a handle lives\n", g_rank);
  fails += fin;
  if (d2 && !adopt) {
    tdm_status s2 = tdm_dist_map(d2, NULL, 10, odd_task, NULL, g_scheds[1], NULL, 0);
    if (s2 != TDM_OK) {
      fprintf(stderr, "rank %d: FAIL a map on the second handle: %s\n", g_rank, tdm_last_error());
      fails++;
    }
    if (tdm_dist_finalize(d2) != TDM_OK) {
      fprintf(stderr, "rank %d: FAIL finalize of the second handle: %s\n", g_rank, tdm_last_error());
      fails++;
    }
    MPI_Finalized(&fin);
    if (!fin) fprintf(stderr, "rank %d: FAIL MPI not finalized with the last handle\n", g_rank);
    fails += !fin;
  }
  if (adopt) {
    MPI_Finalized(&fin);
    if (fin) fprintf(stderr, "rank %d: FAIL tdm_dist_finalize finalized an MPI it did not start\n", g_rank);
    MPI_Finalize();
    fails += fin;
    /* After the program's MPI_Finalize: statuses, no abort, nothing printed by MPI. */
    tdm_status s2 = tdm_dist_map(d2, NULL, 10, odd_task, NULL, g_scheds[1], NULL, 0);
    if (s2 != TDM_ERR_INVALID || !strstr(tdm_last_error(), "already finalized")) {
      fprintf(stderr, "rank %d: FAIL a map after MPI_Finalize: %s\n", g_rank, tdm_last_error());
      fails++;
    }
    s2 = tdm_dist_finalize(d2);
    if (s2 != TDM_ERR_INVALID || !strstr(tdm_last_error(), "already finalized")) {
      fprintf(stderr, "rank %d: FAIL finalize after MPI_Finalize: %s\n", g_rank, tdm_last_error());
      fails++;
    }
  }
  return fails ? 1 : 0;
}
