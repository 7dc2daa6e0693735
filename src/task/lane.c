/* lane.c -- GPU lanes: one thread per lane, each bound to its own lane
 * context (its own stream; the sim device's own queue). They take
 * TDM_LANE_GPU tasks (and TDM_LANE_ANY ones, which sit on the CPU side as
 * well and run wherever they are claimed first) from the pool's GPU queue.
 * A lane that waits runs other GPU work meanwhile and never takes a CPU
 * worker, so a GPU task waiting on CPU tasks blocks no CPU worker. */
#include <string.h>

#include "core/error.h"
#include "task/task_int.h"

void tdm__lanes_push(tdm_pool *p, tdm__task *t) {
  tdm__glane *wake = NULL;
  t->job.next = NULL;
  pthread_mutex_lock(&p->gmu);
  if (p->gq_tail) p->gq_tail->job.next = &t->job;
  else p->gq_head = t;
  p->gq_tail = t;
  for (int g = 0; g < p->G && !wake; g++)
    if (p->lanes[g].idle) {
      wake = &p->lanes[g];
      wake->idle = 0;
    }
  pthread_mutex_unlock(&p->gmu);
  if (wake) tdm__unpark(&wake->park);
}

int tdm__lanes_remove(tdm_pool *p, tdm__task *t) {
  int found = 0;
  pthread_mutex_lock(&p->gmu);
  for (tdm__task *prev = NULL, *q = p->gq_head; q; prev = q, q = tdm__task_next(q)) {
    if (q != t) continue;
    if (prev) prev->job.next = t->job.next;
    else p->gq_head = tdm__task_next(t);
    if (p->gq_tail == t) p->gq_tail = prev;
    t->job.next = NULL;
    found = 1;
    break;
  }
  pthread_mutex_unlock(&p->gmu);
  return found;
}

static tdm__task *tdm__lanes_pop(tdm_pool *p) {
  tdm__task *t = p->gq_head;
  if (t) {
    p->gq_head = tdm__task_next(t);
    if (!p->gq_head) p->gq_tail = NULL;
    t->job.next = NULL;
  }
  return t;
}

void tdm__lane_run(tdm__glane *gl, atomic_int *fired) {
  tdm_pool *p = gl->pool;
  const tdm__where at = {1, gl->g};
  for (;;) {
    if (fired && atomic_load_explicit(fired, memory_order_acquire)) return;
    pthread_mutex_lock(&p->gmu);
    tdm__task *t = tdm__lanes_pop(p);
    if (!t) {
      if (!fired && p->stopping) {
        pthread_mutex_unlock(&p->gmu);
        return;
      }
      gl->idle = 1;
    }
    pthread_mutex_unlock(&p->gmu);
    if (t) {
      tdm__task_run(t, &at);
      continue;
    }
    tdm__park(&gl->park); /* a push, a fired latch or the pool stopping */
    pthread_mutex_lock(&p->gmu);
    gl->idle = 0;
    pthread_mutex_unlock(&p->gmu);
  }
}

static void *tdm__lane_main(void *arg) {
  tdm__glane *gl = arg;
  tdm__me()->gl = gl;
  tdm__sched_adopt(&gl->park); /* its loops are nested; it parks on its lane's parker */
  tdm__lane_run(gl, NULL);
  return NULL;
}

tdm_status tdm__lanes_start(tdm_pool *p) {
  for (int g = 0; g < p->G; g++) {
    tdm__glane *gl = &p->lanes[g];
    gl->pool = p;
    gl->g = g;
    tdm__parker_init(&gl->park);
  }
  for (int g = 0; g < p->G; g++) {
    int rc = tdm__thread_start(&p->lanes[g].thr, tdm__lane_main, &p->lanes[g], 0);
    if (rc != 0)
      return tdm__err(TDM_ERR_NOMEM, "tdm_pool_create: cannot start the thread of GPU lane %d: "
                      "pthread_create: %s", g, strerror(rc));
    p->lanes[g].started = 1;
  }
  return TDM_OK;
}

void tdm__lanes_stop(tdm_pool *p) {
  if (!p->lanes) return;
  pthread_mutex_lock(&p->gmu);
  p->stopping = 1;
  pthread_mutex_unlock(&p->gmu);
  for (int g = 0; g < p->G; g++) {
    if (!p->lanes[g].started) continue;
    tdm__unpark(&p->lanes[g].park);
    pthread_join(p->lanes[g].thr, NULL);
  }
  tdm__task *t = p->gq_head; /* second entries of futures already run on the CPU */
  p->gq_head = p->gq_tail = NULL;
  if (t) tdm__task_drop_left(&t->job);
  for (int g = 0; g < p->G; g++)
    if (p->lanes[g].pool) tdm__parker_fini(&p->lanes[g].park);
}
