/* pool.c -- tdm_pool_create / tdm_pool_destroy. A pool is a view of the
 * shared workers (its tasks run on workers 0..cpu_workers-1) plus its own
 * GPU lane threads, with one lane context made per worker and per GPU lane
 * at creation and reused by every task that runs there. Destroy waits for
 * every submitted task, then stops the lanes. */
#include <sched.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "task/task_int.h"

void tdm__pool_task_done(tdm_pool *p) {
  long v = atomic_load(&p->outstanding);
  while (v > 1)
    if (atomic_compare_exchange_weak(&p->outstanding, &v, v - 1)) return;
  /* Possibly the last one: decrement under the lock destroy waits on, so
   * destroy cannot free p before this unlock. */
  pthread_mutex_lock(&p->dmu);
  atomic_fetch_sub(&p->outstanding, 1);
  pthread_cond_broadcast(&p->dcv);
  pthread_mutex_unlock(&p->dmu);
}

static int tdm__drained(tdm_pool *p) {
  pthread_mutex_lock(&p->dmu);
  int z = atomic_load(&p->outstanding) == 0;
  pthread_mutex_unlock(&p->dmu);
  return z;
}

static void tdm__pool_drain(tdm_pool *p) {
  if (tdm__sched_worker_id() >= 0) { /* a worker keeps working meanwhile */
    while (!tdm__drained(p))
      if (!tdm__worker_help()) sched_yield();
    return;
  }
  pthread_mutex_lock(&p->dmu);
  while (atomic_load(&p->outstanding) > 0) pthread_cond_wait(&p->dcv, &p->dmu);
  pthread_mutex_unlock(&p->dmu);
}

static void tdm__pool_free(tdm_pool *p) {
  tdm__lanes_stop(p);
  tdm__task_drop_left(tdm__sched_forget(&p->inj));
  for (int i = 0; p->cpu_ctx && i < p->W; i++) tdm_ctx_destroy(p->cpu_ctx[i]);
  for (int g = 0; p->gpu_ctx && g < p->G; g++) tdm_ctx_destroy(p->gpu_ctx[g]);
  tdm__free(p->cpu_ctx);
  tdm__free(p->gpu_ctx);
  tdm__free(p->lanes);
  pthread_mutex_destroy(&p->gmu);
  pthread_mutex_destroy(&p->dmu);
  pthread_cond_destroy(&p->dcv);
  tdm__free(p);
}

static tdm_status tdm__pool_lanes(tdm_pool *p) {
  p->cpu_ctx = tdm__calloc((size_t)p->W, sizeof *p->cpu_ctx);
  p->gpu_ctx = tdm__calloc((size_t)p->G + 1, sizeof *p->gpu_ctx);
  p->lanes = tdm__calloc((size_t)p->G + 1, sizeof *p->lanes);
  TDM__CHECK(!p->cpu_ctx || !p->gpu_ctx || !p->lanes, TDM_ERR_NOMEM,
             "tdm_pool_create: out of host memory for the lanes");
  for (int i = 0; i < p->W; i++) TDM__TRY(tdm__ctx_lane(p->ctx, TDM_LANE_CPU, &p->cpu_ctx[i]));
  for (int g = 0; g < p->G; g++) TDM__TRY(tdm__ctx_lane(p->ctx, TDM_LANE_GPU, &p->gpu_ctx[g]));
  return tdm__lanes_start(p);
}

tdm_status tdm_pool_create(tdm_ctx *ctx, const tdm_pool_config *cfg, tdm_pool **out) {
  static const char fn[] = "tdm_pool_create";
  TDM__CHECK(!out, TDM_ERR_INVALID, "%s: out: is NULL", fn);
  *out = NULL;
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  tdm_ctx *root = ctx->root;
  tdm_pool_config c = {0, 0};
  if (cfg) c = *cfg;
  TDM__CHECK(c.cpu_workers < 0 || c.cpu_workers > TDM__MAX_WORKERS, TDM_ERR_INVALID,
             "%s: cfg->cpu_workers: %d is not in 0..%d", fn, c.cpu_workers, TDM__MAX_WORKERS);
  TDM__CHECK(c.gpu_lanes < 0 || c.gpu_lanes > TDM__MAX_GPU_LANES, TDM_ERR_INVALID,
             "%s: cfg->gpu_lanes: %d is not in 0..%d", fn, c.gpu_lanes, TDM__MAX_GPU_LANES);
  TDM__CHECK(c.gpu_lanes > 0 && !root->dev, TDM_ERR_NO_DEVICE,
             "%s: cfg->gpu_lanes: %d asked for, but the context has no device (%s)", fn,
             c.gpu_lanes, root->note);
  int W = c.cpu_workers ? c.cpu_workers : root->threads;
  TDM__CHECK(W > TDM__MAX_WORKERS, TDM_ERR_INVALID, "%s: ctx: %d threads, more than %d workers",
             fn, W, TDM__MAX_WORKERS); /* cannot happen: tdm_ctx_create has the same limit */
  int G = c.gpu_lanes ? c.gpu_lanes : (root->dev ? 1 : 0);
  int err = 0, have = tdm__sched_ensure(W, &err);
  TDM__CHECK(have < W, TDM_ERR_NOMEM,
             "%s: cannot start %d worker threads (%d running): pthread_create: %s", fn, W, have,
             strerror(err));
  tdm_pool *p = tdm__calloc(1, sizeof *p);
  TDM__CHECK(!p, TDM_ERR_NOMEM, "%s: out of host memory for the pool", fn);
  tdm__task_atfork_install();
  p->ctx = root;
  p->W = W;
  p->inj.limit = W;
  p->G = G;
  pthread_mutex_init(&p->gmu, NULL);
  pthread_mutex_init(&p->dmu, NULL);
  pthread_cond_init(&p->dcv, NULL);
  atomic_init(&p->outstanding, 0);
  tdm_status s = tdm__pool_lanes(p);
  if (s != TDM_OK) {
    tdm__err_prefix(s, fn);
    tdm__pool_free(p);
    return s;
  }
  *out = p;
  return TDM_OK;
}

void tdm_pool_destroy(tdm_pool *p) {
  if (!p) return;
  tdm__pool_drain(p);
  tdm__pool_free(p);
}

int tdm_pool_workers(const tdm_pool *p, tdm_lane lane) {
  if (!p) return 0;
  if (lane == TDM_LANE_CPU) return p->W;
  if (lane == TDM_LANE_GPU) return p->G;
  if (lane == TDM_LANE_ANY) return p->W + p->G;
  return 0;
}
