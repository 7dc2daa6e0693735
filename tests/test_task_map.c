/* test_task_map.c -- tdm_map: every schedule against a serial loop for
 * n = 0, 1, workers-1, workers and 1e5 (each index once, the right env, one
 * lane context per worker); STATIC's contiguous blocks; the lowest-index
 * failure returned and the indices above it cancelled; a forked child
 * starting its own workers. */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tandem/tandem.h>

#include "support/support.h"

typedef struct {
  uint64_t *out;
  atomic_int *calls;
  tdm_ctx *seen[64]; /* lane context seen by each worker */
  int workers;
  atomic_int bad;
} map_check;

static tdm_status fill(const tdm_task_env *env, size_t i, void *arg) {
  map_check *c = arg;
  if (env->index != i || env->lane != TDM_LANE_CPU || env->worker < 0 ||
      env->worker >= c->workers || !env->ctx || tdm_ctx_threads(env->ctx) != 1)
    atomic_fetch_add(&c->bad, 1);
  else if (env->worker < 64) {
    tdm_ctx *prev = NULL;
    tdm_ctx **slot = &c->seen[env->worker];
    if (!__atomic_compare_exchange_n(slot, &prev, env->ctx, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED) &&
        prev != env->ctx)
      atomic_fetch_add(&c->bad, 1); /* one context per worker, reused */
  }
  c->out[i] = ts_mix(i);
  atomic_fetch_add(&c->calls[i], 1);
  return TDM_OK;
}

static void check_map(tdm_pool *p, int workers, size_t n, tdm_schedule s) {
  map_check c;
  memset(&c, 0, sizeof c);
  c.out = calloc(n + 1, sizeof *c.out);
  c.calls = calloc(n + 1, sizeof *c.calls);
  c.workers = workers;
  tdm_status st = tdm_map(p, n, fill, &c, s);
  cr_assert_eq(st, TDM_OK, "kind %d chunk %zu n %zu: %s", s.kind, s.chunk, n, tdm_last_error());
  cr_assert_eq(atomic_load(&c.bad), 0, "kind %d n %zu: bad env", s.kind, n);
  for (size_t i = 0; i < n; i++) {
    cr_assert_eq(atomic_load(&c.calls[i]), 1, "kind %d chunk %zu n %zu: index %zu ran %d times",
                 s.kind, s.chunk, n, i, atomic_load(&c.calls[i]));
    cr_assert_eq(c.out[i], ts_mix(i));
  }
  free(c.out);
  free(c.calls);
}

Test(task_map, map_every_schedule_and_size, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  const int W = 3;
  tdm_pool *p = ts_pool(ctx, W);
  size_t sizes[] = {0, 1, (size_t)W - 1, (size_t)W, 100000};
  size_t chunks[] = {0, 1, 7, 1000000};
  for (int k = TDM_SCHED_STATIC; k <= TDM_SCHED_GUIDED; k++)
    for (size_t a = 0; a < sizeof sizes / sizeof *sizes; a++)
      for (size_t b = 0; b < sizeof chunks / sizeof *chunks; b++)
        check_map(p, W, sizes[a], (tdm_schedule){(tdm_sched_kind)k, chunks[b], TDM_LANE_ANY});
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

Test(task_map, map_default_pool_uses_context_threads, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  tdm_pool *p = NULL;
  cr_assert_eq(tdm_pool_create(ctx, NULL, &p), TDM_OK, "%s", tdm_last_error());
  for (int k = TDM_SCHED_STATIC; k <= TDM_SCHED_GUIDED; k++) {
    check_map(p, 2, 1, (tdm_schedule){(tdm_sched_kind)k, 0, TDM_LANE_ANY});
    check_map(p, 2, 100000, (tdm_schedule){(tdm_sched_kind)k, 0, TDM_LANE_ANY});
  }
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* STATIC with the default chunk gives each worker one contiguous block. */
typedef struct {
  atomic_int first_worker[4];
  size_t n;
} block_check;

static tdm_status block_fn(const tdm_task_env *env, size_t i, void *arg) {
  block_check *b = arg;
  size_t blk = i / ((b->n + 3) / 4);
  int want = -1;
  if (!atomic_compare_exchange_strong(&b->first_worker[blk], &want, env->worker) &&
      want != env->worker)
    return TDM_ERR_INTERNAL; /* a block split across workers */
  return TDM_OK;
}

Test(task_map, static_default_chunks_are_contiguous, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  tdm_pool *p = ts_pool(ctx, 4);
  block_check b;
  b.n = 40000;
  for (int i = 0; i < 4; i++) atomic_init(&b.first_worker[i], -1);
  cr_assert_eq(tdm_map(p, b.n, block_fn, &b, (tdm_schedule){TDM_SCHED_STATIC, 0, TDM_LANE_ANY}), TDM_OK, "%s",
               tdm_last_error());
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* ---- failures and cancellation --------------------------------------------- */
typedef struct {
  atomic_int ran;
  atomic_int *calls;
} fail_check;

static atomic_int failed300;

/* Indices above 300 wait until 300 has failed, so cancellation is seen
 * whatever the timing: each worker finishes at most its current chunk. */
static tdm_status failing(const tdm_task_env *env, size_t i, void *arg) {
  fail_check *f = arg;
  atomic_fetch_add(&f->ran, 1);
  atomic_fetch_add(&f->calls[i], 1);
  tdm_buf *b;
  if (i == 300) {
    atomic_store(&failed300, 1);
    return tdm_buf_create(NULL, TDM_F64, 1, 1, &b); /* a real library error */
  }
  if (i > 300) {
    for (int t = 0; t < 5000 && !atomic_load(&failed300); t++) usleep(1000);
    usleep(2000);
  }
  if (i == 700) return TDM_ERR_NUMERIC;
  if (i == 900) return TDM_ERR_BACKEND;
  (void)env;
  return TDM_OK;
}

Test(task_map, map_returns_lowest_failure_and_cancels_the_rest, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  tdm_pool *p = ts_pool(ctx, 2);
  const size_t n = 20000;
  for (int k = TDM_SCHED_STATIC; k <= TDM_SCHED_GUIDED; k++) {
    size_t chunks[] = {0, 1, 64};
    for (int c = 0; c < 3; c++) {
      fail_check f;
      atomic_init(&f.ran, 0);
      f.calls = calloc(n, sizeof *f.calls);
      atomic_store(&failed300, 0);
      tdm_status *st = malloc(n * sizeof *st);
      tdm_status s = tdm_map_status(p, n, failing, &f, (tdm_schedule){(tdm_sched_kind)k, chunks[c], TDM_LANE_ANY}, st);
      cr_assert_eq(s, TDM_ERR_INVALID, "kind %d: got %s", k, tdm_status_name(s));
      cr_assert(strstr(tdm_last_error(), "tdm_map") && strstr(tdm_last_error(), "index 300") &&
                    strstr(tdm_last_error(), "tdm_buf_create"),
                "message: %s", tdm_last_error());
      int ran = 0, cancelled = 0;
      for (size_t i = 0; i < n; i++) {
        int calls = atomic_load(&f.calls[i]);
        cr_assert(calls <= 1, "index %zu ran twice", i);
        if (i < 300) cr_assert(calls == 1 && st[i] == TDM_OK, "index %zu below the failure", i);
        if (i == 300) cr_assert_eq(st[i], TDM_ERR_INVALID);
        if (calls) ran++;
        if (st[i] == TDM_ERR_CANCELLED) {
          cancelled++;
          cr_assert_eq(calls, 0, "cancelled index %zu ran", i);
        } else {
          cr_assert_eq(calls, 1, "index %zu has a status but did not run", i);
        }
      }
      cr_assert_eq(ran, atomic_load(&f.ran));
      cr_assert(cancelled > 0 && ran + cancelled == (int)n, "kind %d: ran %d cancelled %d", k, ran,
                cancelled);
      /* Each of the two workers ends its current chunk, at most 64 items. */
      if (!(k == TDM_SCHED_STATIC && chunks[c] == 0))
        cr_assert(ran <= 301 + 2 * 64 + 1, "kind %d chunk %zu: %d ran", k, chunks[c], ran);
      else
        cr_assert(ran <= 301 + 1, "static: %d ran", ran); /* worker 2 stops after its first */
      free(f.calls);
      free(st);
    }
  }
  /* Without a status array the result is the same. */
  fail_check f;
  atomic_init(&f.ran, 0);
  atomic_store(&failed300, 0);
  f.calls = calloc(n, sizeof *f.calls);
  cr_assert_eq(tdm_map(p, n, failing, &f, (tdm_schedule){TDM_SCHED_DYNAMIC, 0, TDM_LANE_ANY}), TDM_ERR_INVALID);
  free(f.calls);
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* ---- fork: the child starts its own workers ------------------------------------ */
__attribute__((unused)) static tdm_status sum_item(const tdm_task_env *env, size_t i, void *arg) {
  (void)env;
  atomic_fetch_add((atomic_long *)arg, (long)i);
  return TDM_OK;
}

tdm_pool *fork_parent_pool;
tdm_ctx *fork_parent_ctx;

Test(task_map, a_forked_child_starts_its_own_workers, .timeout = 60) {
#if defined(__SANITIZE_THREAD__)
  cr_skip_test("ThreadSanitizer does not support threads after a multi-threaded fork");
#else
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  tdm_pool *p = ts_pool(ctx, 2);
  check_map(p, 2, 1000, (tdm_schedule){TDM_SCHED_DYNAMIC, 0, TDM_LANE_ANY});
  fork_parent_pool = p; /* the child abandons them: reachable, not leaked */
  fork_parent_ctx = ctx;
  pid_t pid = fork();
  cr_assert_neq(pid, -1);
  if (pid == 0) { /* the parent's pool is not usable here; a new one is */
    alarm(30);      /* a hung child dies instead of lingering */
    tdm_ctx *c2 = NULL;
    tdm_pool *p2 = NULL;
    tdm_config cfg;
    tdm_config_default(&cfg);
    cfg.backend = TDM_CPU;
    atomic_long sum;
    atomic_init(&sum, 0);
    int ok = tdm_ctx_create(&cfg, &c2) == TDM_OK && tdm_pool_create(c2, NULL, &p2) == TDM_OK &&
             tdm_map(p2, 5000, sum_item, &sum, (tdm_schedule){TDM_SCHED_DYNAMIC, 0, TDM_LANE_ANY}) == TDM_OK &&
             atomic_load(&sum) == 5000L * 4999 / 2;
    tdm_pool_destroy(p2);
    tdm_ctx_destroy(c2);
    _exit(ok ? 0 : 1);
  }
  int st = 0;
  cr_assert_eq(waitpid(pid, &st, 0), pid);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed (status %d)", st);
  check_map(p, 2, 1000, (tdm_schedule){TDM_SCHED_GUIDED, 0, TDM_LANE_ANY});
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
#endif
}
