/* test_task_nest.c -- nesting and volume: tasks that submit or map and wait,
 * three levels of 8 x 8 x 8 with a wait in every task, on 1, 2 and 4
 * workers (Criterion's timeout is the watchdog: a deadlock fails the test
 * instead of hanging it), and a million empty tasks through tdm_map and
 * through tdm_submit. */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <tandem/tandem.h>

#include "support/support.h"
#include <valgrind/valgrind.h>

/* ---- submit + wait, three levels deep ------------------------------------ */
typedef struct node {
  tdm_pool *pool;
  int depth;
  uint64_t path, result;
} node;

static uint64_t leaf_value(uint64_t path) { return path * path + 3 * path + 1; }

static tdm_status leaf_task(const tdm_task_env *env, void *arg) {
  (void)env;
  uint64_t *v = arg;
  *v = leaf_value(*v);
  return TDM_OK;
}

/* A leaf waits too: on a one-line task of its own. */
static tdm_status leaf_wait(tdm_pool *p, uint64_t path, uint64_t *out) {
  uint64_t v = path;
  tdm_future *f;
  tdm_status s = tdm_submit(p, TDM_LANE_ANY, leaf_task, &v, &f);
  if (s != TDM_OK) return s;
  s = tdm_future_wait(f);
  tdm_future_release(f);
  *out = v;
  return s;
}

static tdm_status node_task(const tdm_task_env *env, void *arg) {
  (void)env;
  node *n = arg;
  if (n->depth == 3) return leaf_wait(n->pool, n->path, &n->result);
  node kids[8];
  tdm_future *f[8];
  for (int k = 0; k < 8; k++) {
    kids[k] = (node){n->pool, n->depth + 1, n->path * 8 + (uint64_t)k, 0};
    tdm_status s = tdm_submit(n->pool, TDM_LANE_CPU, node_task, &kids[k], &f[k]);
    if (s != TDM_OK) return s;
  }
  uint64_t sum = 0;
  tdm_status st = TDM_OK;
  for (int k = 0; k < 8; k++) { /* every task waits: the worker helps meanwhile */
    tdm_status s = tdm_future_wait(f[k]);
    if (s != TDM_OK) st = s;
    sum += kids[k].result;
    tdm_future_release(f[k]);
  }
  n->result = sum;
  return st;
}

static uint64_t expected_sum(void) {
  uint64_t s = 0;
  for (uint64_t p = 0; p < 512; p++) s += leaf_value(p); /* 8^3 leaves, paths 0..511 */
  return s;
}

static void nest_submit(int workers) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  tdm_pool_config pc = {workers, 0};
  tdm_pool *p;
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_OK, "%s", tdm_last_error());
  /* Level 1: 8 tasks submitted from here; each submits 8 and waits; each
   * of those submits 8 leaves and waits; each leaf waits on a task. */
  node top[8];
  tdm_future *f[8];
  for (int k = 0; k < 8; k++) {
    top[k] = (node){p, 1, (uint64_t)k, 0};
    cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, node_task, &top[k], &f[k]), TDM_OK);
  }
  uint64_t sum = 0;
  for (int k = 0; k < 8; k++) {
    cr_assert_eq(tdm_future_wait(f[k]), TDM_OK, "%s", tdm_last_error());
    tdm_future_release(f[k]);
    sum += top[k].result;
  }
  cr_assert_eq(sum, expected_sum());
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

Test(task_nest, submit_depth3_1_worker, .timeout = 120) { nest_submit(1); }
Test(task_nest, submit_depth3_2_workers, .timeout = 120) { nest_submit(2); }
Test(task_nest, submit_depth3_4_workers, .timeout = 120) { nest_submit(4); }

/* ---- nested maps ---------------------------------------------------------------- */
typedef struct {
  tdm_pool *pool;
  uint64_t *leaves; /* 512 */
  tdm_sched_kind kind;
} mapctx;

typedef struct {
  const mapctx *m;
  int depth;
  uint64_t path;
} level;

static tdm_status map_level(const tdm_task_env *env, size_t i, void *arg) {
  const level *up = arg;
  level me = {up->m, up->depth + 1, up->path * 8 + i};
  (void)env;
  if (me.depth == 3) return leaf_wait(up->m->pool, me.path, &up->m->leaves[me.path]);
  return tdm_map(up->m->pool, 8, map_level, &me, (tdm_schedule){up->m->kind, 0, TDM_LANE_ANY}); /* map and wait */
}

static void nest_map(int workers, tdm_sched_kind kind) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  tdm_pool_config pc = {workers, 0};
  tdm_pool *p;
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_OK, "%s", tdm_last_error());
  uint64_t leaves[512] = {0};
  mapctx m = {p, leaves, kind};
  level top = {&m, 0, 0};
  cr_assert_eq(tdm_map(p, 8, map_level, &top, (tdm_schedule){kind, 0, TDM_LANE_ANY}), TDM_OK, "%s",
               tdm_last_error());
  for (uint64_t i = 0; i < 512; i++) cr_assert_eq(leaves[i], leaf_value(i), "leaf %d", (int)i);
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

Test(task_nest, map_depth3_every_schedule, .timeout = 120) {
  int workers[] = {1, 2, 3};
  for (int w = 0; w < 3; w++)
    for (int k = TDM_SCHED_STATIC; k <= TDM_SCHED_GUIDED; k++) nest_map(workers[w], (tdm_sched_kind)k);
}

/* A map item that submits and waits, inside a task that maps. */

static tdm_status mixed_item(const tdm_task_env *env, size_t i, void *arg) {
  (void)env;
  tdm_pool *p = arg;
  uint64_t v = i;
  tdm_future *f;
  tdm_status s = tdm_submit(p, TDM_LANE_ANY, leaf_task, &v, &f);
  if (s != TDM_OK) return s;
  s = tdm_future_wait(f);
  tdm_future_release(f);
  return s == TDM_OK && v == leaf_value(i) ? TDM_OK : TDM_ERR_INTERNAL;
}

static tdm_status mixed_root(const tdm_task_env *env, void *arg) {
  (void)env;
  return tdm_map(arg, 64, mixed_item, arg, (tdm_schedule){TDM_SCHED_DYNAMIC, 0, TDM_LANE_ANY});
}

Test(task_nest, submit_inside_map_inside_task, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  tdm_pool_config pc = {2, 0};
  tdm_pool *p;
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_OK);
  tdm_future *f[4];
  for (int i = 0; i < 4; i++) cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, mixed_root, p, &f[i]), TDM_OK);
  for (int i = 0; i < 4; i++) {
    cr_assert_eq(tdm_future_wait(f[i]), TDM_OK, "%s", tdm_last_error());
    tdm_future_release(f[i]);
  }
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* ---- a million empty tasks ------------------------------------------------------ */
/* Under valgrind (serialised threads, ~50x slower) the counts are cut to a
 * tenth; natively and under ThreadSanitizer they are the full 10^6. */
static size_t million(void) { return RUNNING_ON_VALGRIND ? 100000 : 1000000; }

static tdm_status empty_item(const tdm_task_env *env, size_t i, void *arg) {
  (void)env;
  ((unsigned char *)arg)[i] = 1;
  return TDM_OK;
}

Test(task_nest, million_empty_map_tasks, .timeout = 300) {
  const size_t n = million();
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  tdm_pool *p;
  cr_assert_eq(tdm_pool_create(ctx, NULL, &p), TDM_OK);
  unsigned char *seen = calloc(n, 1);
  cr_assert_eq(tdm_map(p, n, empty_item, seen, (tdm_schedule){TDM_SCHED_DYNAMIC, 1, TDM_LANE_ANY}), TDM_OK);
  size_t count = 0;
  for (size_t i = 0; i < n; i++) count += seen[i];
  cr_assert_eq(count, n);
  free(seen);
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

static atomic_long empties;

static tdm_status empty_task(const tdm_task_env *env, void *arg) {
  (void)env;
  (void)arg;
  atomic_fetch_add_explicit(&empties, 1, memory_order_relaxed);
  return TDM_OK;
}

Test(task_nest, million_empty_submitted_tasks, .timeout = 300) {
  const long n = (long)million();
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  tdm_pool *p;
  cr_assert_eq(tdm_pool_create(ctx, NULL, &p), TDM_OK);
  atomic_store(&empties, 0);
  enum { BATCH = 1000 };
  tdm_future *f[BATCH];
  for (long done = 0; done < n; done += BATCH) { /* submit a batch, wait for it */
    for (int i = 0; i < BATCH; i++)
      cr_assert_eq(tdm_submit(p, i % 3 ? TDM_LANE_CPU : TDM_LANE_ANY, empty_task, NULL, &f[i]), TDM_OK);
    for (int i = 0; i < BATCH; i++) {
      cr_assert_eq(tdm_future_wait(f[i]), TDM_OK);
      tdm_future_release(f[i]);
    }
  }
  cr_assert_eq(atomic_load(&empties), n);
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}
