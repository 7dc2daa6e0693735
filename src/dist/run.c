/* run.c -- runs one rank's range of a distributed map: through tdm_map on
 * the rank's pool (task i sees env->index = i, the global index), or on
 * the calling thread when there is no pool. Records the lowest failing
 * index of the rank and that task's message. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "dist/dist_int.h"

void tdm__dist_run_init(tdm__dist_run *rn, tdm_dist *d, tdm_pool *pool, tdm_map_fn fn, void *arg,
                        tdm_sched_kind kind) {
  memset(rn, 0, sizeof *rn);
  rn->d = d;
  rn->pool = pool;
  rn->fn = fn;
  rn->arg = arg;
  rn->kind = kind;
  rn->fail = TDM__DIST_NONE;
  pthread_mutex_init(&rn->lock, NULL);
}

void tdm__dist_run_destroy(tdm__dist_run *rn) { pthread_mutex_destroy(&rn->lock); }

void tdm__dist_run_note(tdm__dist_run *rn, size_t i, tdm_status s) {
  uint64_t k = tdm__dist_key(i, s);
  pthread_mutex_lock(&rn->lock);
  if (k < rn->fail) {
    rn->fail = k;
    snprintf(rn->msg, sizeof rn->msg, "%s", tdm_last_error());
  }
  pthread_mutex_unlock(&rn->lock);
}

uint64_t tdm__dist_run_fail(tdm__dist_run *rn) {
  pthread_mutex_lock(&rn->lock);
  uint64_t k = rn->fail;
  pthread_mutex_unlock(&rn->lock);
  return k;
}

/* Runs index env->index; a status outside the enum is TDM_ERR_INVALID. */
static tdm_status tdm__dist_call(tdm__dist_run *rn, const tdm_task_env *env) {
  tdm_status s = rn->fn(env, env->index, rn->arg);
  if (!tdm__dist_status_valid(s))
    s = tdm__err(TDM_ERR_INVALID, "index %zu returned %d, which is not a tdm_status", env->index,
                 (int)s);
  return s;
}

typedef struct tdm__chunk_arg {
  tdm__dist_run *rn;
  size_t lo;
} tdm__chunk_arg;

/* The task tdm_map runs: local index j is global index lo + j. */
static tdm_status tdm__chunk_task(const tdm_task_env *env, size_t j, void *p) {
  tdm__chunk_arg *c = p;
  tdm_task_env e = *env;
  e.index = c->lo + j;
  tdm_status s = tdm__dist_call(c->rn, &e);
  if (s != TDM_OK) tdm__dist_run_note(c->rn, e.index, s);
  return s;
}

void tdm__dist_run_range(tdm__dist_run *rn, size_t lo, size_t hi) {
  if (lo >= hi) return;
  if (rn->pool) {
    tdm__chunk_arg c = {rn, lo};
    tdm_schedule local = {rn->kind, 0, TDM_LANE_ANY};
    tdm_status s = tdm_map(rn->pool, hi - lo, tdm__chunk_task, &c, local);
    /* A failure of the pool itself (no task failed): charge it to lo. */
    if (s != TDM_OK && tdm__dist_run_fail(rn) == TDM__DIST_NONE) tdm__dist_run_note(rn, lo, s);
    return;
  }
  tdm_task_env e = {rn->d->ctx, TDM_LANE_CPU, 0, 0};
  for (size_t i = lo; i < hi; i++) {
    e.index = i;
    tdm_status s = tdm__dist_call(rn, &e);
    if (s != TDM_OK) {
      tdm__dist_run_note(rn, i, s);
      return; /* later indices of the range cannot be the lowest failure */
    }
  }
}
