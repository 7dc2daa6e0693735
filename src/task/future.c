/* future.c -- tdm_submit and futures. A future is its task: one block
 * (cached per thread, fcache.c) holding the function, a latch its waiters
 * sleep on, the status and, on failure, the task's message. It is reference
 * counted (the caller's handle and each queue entry) and claimed exactly
 * once (by the lane that runs it, or by tdm_future_cancel), so a
 * TDM_LANE_ANY task can wait on both the CPU and the GPU side and run
 * wherever a lane is free first. A worker far ahead of the others runs
 * what it submits at once, as OpenMP does with undeferred tasks. */
#include <stddef.h>
#include <stdio.h>

#include "core/alloc.h"
#include "core/error.h"
#include "task/task_int.h"

enum { TDM__PRIMARY = 1, TDM__GPU_ENTRY = 2 }; /* tdm__task.claimable */

struct tdm_future {
  tdm__task task;  /* the entry on the CPU side (or the only entry) */
  tdm__task gpu;   /* second entry of a TDM_LANE_ANY task, on the GPU queue */
  tdm__latch done;
  atomic_int refs;
  atomic_int claimed;
  tdm_task_fn fn;
  void *arg;
  tdm_status status;
  char *msg; /* the task's error message, kept only when it failed */
};

static tdm_future *tdm__fut(tdm__task *t) {
  if (t->claimable == TDM__GPU_ENTRY)
    return (tdm_future *)(void *)((char *)t - offsetof(tdm_future, gpu));
  return (tdm_future *)(void *)t;
}

int tdm__future_claim(tdm__task *t) { return atomic_exchange(&tdm__fut(t)->claimed, 1) == 0; }

static void tdm__future_unref(tdm_future *f) {
  /* The last holder need not write: references are never added back. */
  if (atomic_load_explicit(&f->refs, memory_order_acquire) == 1 ||
      atomic_fetch_sub(&f->refs, 1) == 1) {
    tdm__free(f->msg);
    tdm__fcache_give(f);
  }
}

void tdm__future_unref_task(tdm__task *t) { tdm__future_unref(tdm__fut(t)); }

/* Publishes the status, wakes the waiters, then lets the pool drain. */
static void tdm__future_finish(tdm_future *f, tdm_status s) {
  tdm_pool *p = f->task.pool;
  f->status = s;
  tdm__latch_arrive(&f->done);
  tdm__pool_task_done(p);
}

/* Runs the task's function on lane w; keeps its message when it fails. */
static tdm_status tdm__future_call(tdm_future *f, const tdm__where *w) {
  tdm_pool *p = f->task.pool;
  tdm_task_env env;
  if (w->gpu) {
    env.ctx = p->gpu_ctx[w->id];
    env.lane = TDM_LANE_GPU;
    env.worker = p->W + w->id;
  } else {
    env.ctx = p->cpu_ctx[w->id];
    env.lane = TDM_LANE_CPU;
    env.worker = w->id;
  }
  env.index = 0;
  tdm__err_clear();
  tdm_status s = f->fn(&env, f->arg);
  if (!tdm__status_valid(s))
    s = tdm__err(TDM_ERR_INVALID, "the task returned %d, which is not a tdm_status", (int)s);
  if (w->gpu) { /* the future completes when the lane's device work has */
    tdm_status s2 = tdm_ctx_sync(env.ctx);
    if (s == TDM_OK) s = s2;
  }
  if (s != TDM_OK && tdm_last_error()[0]) { /* without memory the status text stands in */
    f->msg = tdm__malloc(TDM__MSG);
    if (f->msg) snprintf(f->msg, TDM__MSG, "%s", tdm_last_error());
  }
  return s;
}

static void tdm__future_exec(tdm__task *t, const tdm__where *w) {
  tdm_future *f = tdm__fut(t);
  tdm__future_finish(f, tdm__future_call(f, w));
  tdm__future_unref(f); /* the reference of the entry that ran */
}

tdm_status tdm_submit(tdm_pool *p, tdm_lane lane, tdm_task_fn fn, void *arg, tdm_future **out) {
  static const char fn_name[] = "tdm_submit";
  if (out) *out = NULL;
  TDM__CHECK(!p, TDM_ERR_INVALID, "%s: p: is NULL", fn_name);
  TDM__CHECK(!fn, TDM_ERR_INVALID, "%s: fn: is NULL", fn_name);
  TDM__CHECK((int)lane < (int)TDM_LANE_ANY || (int)lane > (int)TDM_LANE_GPU, TDM_ERR_INVALID,
             "%s: lane: %d is not TDM_LANE_ANY, TDM_LANE_CPU or TDM_LANE_GPU", fn_name, (int)lane);
  TDM__CHECK(lane == TDM_LANE_GPU && p->G == 0, TDM_ERR_NO_DEVICE,
             "%s: lane: TDM_LANE_GPU, but the pool has no GPU lane (the context has no device: %s)",
             fn_name, tdm_ctx_device_note(p->ctx));
  TDM__TRY(tdm__nest_check(fn_name));
  tdm_future *f = tdm__fcache_take(sizeof *f);
  TDM__CHECK(!f, TDM_ERR_NOMEM, "%s: out of host memory for the task", fn_name);
  int dual = lane == TDM_LANE_ANY && p->G > 0;
  f->task = tdm__task_make(tdm__future_exec, NULL, p, TDM__PRIMARY);
  f->gpu = tdm__task_make(tdm__future_exec, NULL, p, TDM__GPU_ENTRY);
  f->fn = fn;
  f->arg = arg;
  f->status = TDM_ERR_INTERNAL;
  f->msg = NULL;
  int self = lane == TDM_LANE_GPU || dual ? -1 : tdm__sched_undeferred(p->W);
  if (self >= 0) { /* this worker is far ahead of the others: run it now, unseen by them */
    const tdm__where at = {0, self};
    atomic_init(&f->claimed, 1);
    atomic_init(&f->refs, 1);
    tdm__self *me = tdm__me();
    me->nest++;
    f->status = tdm__future_call(f, &at);
    me->nest--;
    tdm__latch_init(&f->done, 0);
    if (out) *out = f;
    else tdm__future_unref(f);
    return TDM_OK;
  }
  tdm__latch_init(&f->done, 1);
  atomic_init(&f->refs, (out ? 1 : 0) + 1 + dual);
  atomic_init(&f->claimed, 0);
  if (out) *out = f; /* before queuing: the task may finish at once */
  atomic_fetch_add(&p->outstanding, 1);
  if (lane == TDM_LANE_GPU) {
    tdm__lanes_push(p, &f->task);
  } else {
    if (dual) tdm__lanes_push(p, &f->gpu);
    tdm__sched_push(&p->inj, &f->task.job);
  }
  return TDM_OK;
}

tdm_status tdm_future_wait(tdm_future *f) {
  TDM__CHECK(!f, TDM_ERR_INVALID, "tdm_future_wait: f: is NULL");
  tdm__latch_wait(&f->done);
  tdm_status s = f->status;
  if (s == TDM_ERR_CANCELLED) return tdm__err(s, "tdm_future_wait: the task was cancelled");
  if (s != TDM_OK)
    return tdm__err(s, "tdm_future_wait: the task failed: %s",
                    f->msg ? f->msg : tdm_status_text(s));
  return TDM_OK;
}

tdm_status tdm_future_cancel(tdm_future *f) {
  TDM__CHECK(!f, TDM_ERR_INVALID, "tdm_future_cancel: f: is NULL");
  if (!tdm__future_claim(&f->task))
    return tdm__err(TDM_ERR_INVALID,
                    "tdm_future_cancel: f: the task has already started, finished or been cancelled");
  tdm__future_finish(f, TDM_ERR_CANCELLED); /* queue entries are dropped when popped */
  return TDM_OK;
}

void tdm_future_release(tdm_future *f) {
  if (f) tdm__future_unref(f);
}
