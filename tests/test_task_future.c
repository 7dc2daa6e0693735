/* test_task_future.c -- tdm_submit and futures: wait, errors with the
 * task's message, release of unfinished tasks and destroy waiting for them,
 * cancellation, a burst of children (some run at once by their submitter),
 * argument errors naming the function, and allocation failures. */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <tandem/tandem.h>

#include "support/support.h"

#include "core/alloc.h"

/* ---- futures ------------------------------------------------------------------- */
typedef struct {
  uint64_t in, out;
  atomic_int done;
} job;

static tdm_status square_task(const tdm_task_env *env, void *arg) {
  job *j = arg;
  if (env->lane != TDM_LANE_CPU || env->index != 0 || !env->ctx) return TDM_ERR_INTERNAL;
  j->out = ts_mix(j->in);
  return TDM_OK;
}

Test(task_future, submit_and_wait_futures, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  tdm_pool *p = ts_pool(ctx, 2);
  enum { N = 500 };
  static job jobs[N];
  tdm_future *f[N];
  for (int i = 0; i < N; i++) {
    jobs[i].in = (uint64_t)i * 7 + 1;
    tdm_lane lane = i % 2 ? TDM_LANE_ANY : TDM_LANE_CPU;
    cr_assert_eq(tdm_submit(p, lane, square_task, &jobs[i], &f[i]), TDM_OK, "%s", tdm_last_error());
  }
  for (int i = N - 1; i >= 0; i--) {
    cr_assert_eq(tdm_future_wait(f[i]), TDM_OK, "%s", tdm_last_error());
    cr_assert_eq(tdm_future_wait(f[i]), TDM_OK); /* waiting twice is fine */
    cr_assert_eq(jobs[i].out, ts_mix(jobs[i].in));
    tdm_future_release(f[i]);
  }
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

static tdm_status failing_task(const tdm_task_env *env, void *arg) {
  (void)env;
  (void)arg;
  tdm_buf *b;
  return tdm_buf_create(NULL, TDM_F64, 1, 1, &b);
}

static tdm_status plain_fail(const tdm_task_env *env, void *arg) {
  (void)env;
  (void)arg;
  return TDM_ERR_NUMERIC;
}

Test(task_future, future_reports_the_task_error, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  tdm_pool *p = ts_pool(ctx, 2);
  tdm_future *f, *g;
  cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, failing_task, NULL, &f), TDM_OK);
  cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, plain_fail, NULL, &g), TDM_OK);
  cr_assert_eq(tdm_future_wait(f), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_future_wait") && strstr(tdm_last_error(), "tdm_buf_create: ctx"),
            "%s", tdm_last_error());
  cr_assert_eq(tdm_future_wait(g), TDM_ERR_NUMERIC);
  cr_assert(strstr(tdm_last_error(), "numerical failure"), "%s", tdm_last_error());
  tdm_future_release(f);
  tdm_future_release(g);
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

static atomic_int gate, counter, started;

static tdm_status wait_gate(const tdm_task_env *env, void *arg) {
  (void)env;
  (void)arg;
  atomic_store(&started, 1);
  while (!atomic_load(&gate)) usleep(100);
  usleep(2000);
  atomic_fetch_add(&counter, 1);
  return TDM_OK;
}

static tdm_status count_task(const tdm_task_env *env, void *arg) {
  (void)env;
  (void)arg;
  atomic_fetch_add(&counter, 1);
  return TDM_OK;
}

Test(task_future, release_unfinished_and_destroy_waits, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  tdm_pool *p = ts_pool(ctx, 2);
  atomic_store(&gate, 0);
  atomic_store(&counter, 0);
  for (int i = 0; i < 20; i++) {
    tdm_future *f;
    cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, wait_gate, NULL, &f), TDM_OK);
    tdm_future_release(f); /* not finished: it still runs */
  }
  for (int i = 0; i < 20; i++) cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, count_task, NULL, NULL), TDM_OK);
  cr_assert_lt(atomic_load(&counter), 40);
  atomic_store(&gate, 1);
  tdm_pool_destroy(p); /* waits for all 40 */
  cr_assert_eq(atomic_load(&counter), 40);
  tdm_ctx_destroy(ctx);
}

Test(task_future, cancel_a_task_that_has_not_started, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  tdm_pool *p = ts_pool(ctx, 1);
  atomic_store(&gate, 0);
  atomic_store(&counter, 0);
  tdm_future *blocker, *victim;
  atomic_store(&started, 0);
  cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, wait_gate, NULL, &blocker), TDM_OK);
  while (!atomic_load(&started)) usleep(100); /* the only worker holds the blocker */
  cr_assert_eq(tdm_future_cancel(blocker), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_future_cancel"), "%s", tdm_last_error());
  cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, count_task, NULL, &victim), TDM_OK);
  cr_assert_eq(tdm_future_cancel(victim), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_future_wait(victim), TDM_ERR_CANCELLED);
  cr_assert(strstr(tdm_last_error(), "cancelled"), "%s", tdm_last_error());
  cr_assert_eq(tdm_future_cancel(victim), TDM_ERR_INVALID);
  atomic_store(&gate, 1);
  cr_assert_eq(tdm_future_wait(blocker), TDM_OK);
  tdm_pool_destroy(p);
  cr_assert_eq(atomic_load(&counter), 1, "the cancelled task ran");
  tdm_future_release(blocker);
  tdm_future_release(victim);
  tdm_ctx_destroy(ctx);
}

/* ---- argument errors ---------------------------------------------------------- */
static tdm_status nop_item(const tdm_task_env *env, size_t i, void *arg) {
  (void)env;
  (void)i;
  (void)arg;
  return TDM_OK;
}

Test(task_future, argument_errors_name_the_function, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  tdm_pool *p = NULL;
  tdm_pool_config bad = {-1, 0};
  cr_assert_eq(tdm_pool_create(ctx, NULL, NULL), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_pool_create: out"));
  cr_assert_eq(tdm_pool_create(NULL, NULL, &p), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_pool_create: ctx"));
  cr_assert_eq(tdm_pool_create(ctx, &bad, &p), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "cfg->cpu_workers"));
  bad = (tdm_pool_config){0, -2};
  cr_assert_eq(tdm_pool_create(ctx, &bad, &p), TDM_ERR_INVALID);
  bad = (tdm_pool_config){100000, 0};
  cr_assert_eq(tdm_pool_create(ctx, &bad, &p), TDM_ERR_INVALID);
  bad = (tdm_pool_config){1, 1};
  cr_assert_eq(tdm_pool_create(ctx, &bad, &p), TDM_ERR_NO_DEVICE);
  cr_assert(strstr(tdm_last_error(), "tdm_pool_create: cfg->gpu_lanes"), "%s", tdm_last_error());
  cr_assert_null(p);
  p = ts_pool(ctx, 2);
  tdm_future *f = (tdm_future *)1;
  cr_assert_eq(tdm_submit(NULL, TDM_LANE_CPU, count_task, NULL, &f), TDM_ERR_INVALID);
  cr_assert_null(f);
  cr_assert(strstr(tdm_last_error(), "tdm_submit: p"));
  cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, NULL, NULL, &f), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_submit: fn"));
  cr_assert_eq(tdm_submit(p, (tdm_lane)7, count_task, NULL, &f), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_submit: lane"));
  cr_assert_eq(tdm_submit(p, TDM_LANE_GPU, count_task, NULL, &f), TDM_ERR_NO_DEVICE);
  cr_assert(strstr(tdm_last_error(), "tdm_submit: lane"));
  cr_assert_eq(tdm_future_wait(NULL), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_future_wait: f"));
  cr_assert_eq(tdm_future_cancel(NULL), TDM_ERR_INVALID);
  tdm_future_release(NULL);
  tdm_pool_destroy(NULL);
  tdm_schedule s = {TDM_SCHED_DYNAMIC, 0, TDM_LANE_ANY};
  cr_assert_eq(tdm_map(NULL, 4, nop_item, NULL, s), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_map: p"));
  cr_assert_eq(tdm_map(p, 4, NULL, NULL, s), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_map: fn"));
  cr_assert_eq(tdm_map(p, 4, nop_item, NULL, (tdm_schedule){(tdm_sched_kind)9, 0, TDM_LANE_ANY}), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_map: sched.kind"));
  cr_assert_eq(tdm_map(p, SIZE_MAX, nop_item, NULL, s), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_map: n"));
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* ---- allocation failures: every one is TDM_ERR_NOMEM, nothing leaks ----------- */
static tdm_status sum_item(const tdm_task_env *env, size_t i, void *arg) {
  (void)env;
  atomic_fetch_add((atomic_long *)arg, (long)i);
  return TDM_OK;
}

Test(task_future, allocation_failures, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  int finished = 0;
  for (long k = 1; k < 200 && !finished; k++) {
    tdm_pool *p = NULL;
    tdm_future *f = NULL;
    atomic_long sum;
    atomic_init(&sum, 0);
    tdm__alloc_fail_after(k);
    tdm_pool_config pc = {2, 0};
    tdm_status s = tdm_pool_create(ctx, &pc, &p);
    if (s == TDM_OK) s = tdm_submit(p, TDM_LANE_CPU, count_task, NULL, &f);
    if (s == TDM_OK) s = tdm_map(p, 1000, sum_item, &sum, (tdm_schedule){TDM_SCHED_DYNAMIC, 4, TDM_LANE_ANY});
    tdm__alloc_fail_after(0);
    cr_assert(s == TDM_OK || s == TDM_ERR_NOMEM, "k=%ld: %s", k, tdm_status_name(s));
    if (s == TDM_ERR_NOMEM) cr_assert(strstr(tdm_last_error(), "tdm_"), "k=%ld: %s", k, tdm_last_error());
    if (s == TDM_OK) {
      cr_assert_eq(atomic_load(&sum), 1000L * 999 / 2);
      finished = 1;
    }
    if (f) {
      cr_assert_eq(tdm_future_wait(f), TDM_OK);
      tdm_future_release(f);
    }
    tdm_pool_destroy(p);
  }
  cr_assert(finished, "never succeeded");
  tdm_ctx_destroy(ctx);
}

/* ---- a task that submits far more than the workers take: some children run
 * at once inside tdm_submit (undeferred); all report like queued ones ------ */
typedef struct {
  tdm_pool *p;
  uint64_t out[3000];
  tdm_status got[3000];
  atomic_int bad;
} burst;

typedef struct {
  burst *b;
  size_t i;
} child_arg;

static tdm_status child(const tdm_task_env *env, void *arg) {
  child_arg *c = arg;
  if (env->lane != TDM_LANE_CPU || env->worker < 0 || env->worker >= 2) atomic_fetch_add(&c->b->bad, 1);
  c->b->out[c->i] = ts_mix(c->i);
  if (c->i % 97 == 5) return tdm_buf_create(NULL, TDM_F32, 1, 1, NULL); /* fails, with a message */
  return TDM_OK;
}

static tdm_status burst_root(const tdm_task_env *env, void *arg) {
  (void)env;
  burst *b = arg;
  static child_arg args[3000];
  tdm_future *f[3000];
  for (size_t i = 0; i < 3000; i++) {
    args[i] = (child_arg){b, i};
    tdm_status s = tdm_submit(b->p, TDM_LANE_CPU, child, &args[i], i % 2 ? &f[i] : NULL);
    if (s != TDM_OK) return s;
  }
  for (size_t i = 1; i < 3000; i += 2) {
    b->got[i] = tdm_future_wait(f[i]);
    if (b->got[i] != TDM_OK && !strstr(tdm_last_error(), "tdm_buf_create")) atomic_fetch_add(&b->bad, 1);
    tdm_future_release(f[i]);
  }
  return TDM_OK;
}

Test(task_future, a_burst_of_children_runs_queued_or_at_once, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  tdm_pool *p = ts_pool(ctx, 2);
  static burst b;
  b.p = p;
  atomic_init(&b.bad, 0);
  tdm_future *f;
  cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, burst_root, &b, &f), TDM_OK);
  cr_assert_eq(tdm_future_wait(f), TDM_OK, "%s", tdm_last_error());
  tdm_future_release(f);
  tdm_pool_destroy(p); /* the children without a future have finished too */
  cr_assert_eq(atomic_load(&b.bad), 0);
  for (size_t i = 0; i < 3000; i++) {
    cr_assert_eq(b.out[i], ts_mix(i), "child %zu", i);
    if (i % 2) cr_assert_eq(b.got[i], i % 97 == 5 ? TDM_ERR_INVALID : TDM_OK, "child %zu", i);
  }
  tdm_ctx_destroy(ctx);
}

