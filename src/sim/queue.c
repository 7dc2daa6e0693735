/* queue.c -- the sim device's work queue: one thread per context or lane
 * runs commands in order, like a CUDA stream. A caller either waits for a
 * command (its status and message come back to the caller's thread) or
 * hands over a heap copy and returns; an async failure is kept and reported
 * by the next wait or sync on that queue, as CUDA reports it later. A
 * command may own references (c->release): they are dropped once it ran,
 * so what a queued command reads outlives the caller's handle. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fork.h"
#include "sim/sim_int.h"

/* Every queue of the process, for the fork() handlers. */
static pthread_mutex_t tdm__simq_all_mu = PTHREAD_MUTEX_INITIALIZER;
static tdm__simq *tdm__simq_all;

static void tdm__simq_link(tdm__simq *q) {
  pthread_mutex_lock(&tdm__simq_all_mu);
  q->all_prev = NULL;
  q->all_next = tdm__simq_all;
  if (tdm__simq_all) tdm__simq_all->all_prev = q;
  tdm__simq_all = q;
  pthread_mutex_unlock(&tdm__simq_all_mu);
}

static void tdm__simq_unlink(tdm__simq *q) {
  pthread_mutex_lock(&tdm__simq_all_mu);
  if (q->all_prev) q->all_prev->all_next = q->all_next;
  else tdm__simq_all = q->all_next;
  if (q->all_next) q->all_next->all_prev = q->all_prev;
  pthread_mutex_unlock(&tdm__simq_all_mu);
}

void tdm__sim_atfork_prepare(void) {
  pthread_mutex_lock(&tdm__simq_all_mu);
  for (tdm__simq *q = tdm__simq_all; q; q = q->all_next) pthread_mutex_lock(&q->mu);
}

void tdm__sim_atfork_parent(void) {
  for (tdm__simq *q = tdm__simq_all; q; q = q->all_next) pthread_mutex_unlock(&q->mu);
  pthread_mutex_unlock(&tdm__simq_all_mu);
}

void tdm__sim_atfork_child(void) {
  for (tdm__simq *q = tdm__simq_all; q; q = q->all_next) {
    q->dead = 1;
    q->busy = 0;
    /* waiters of the parent's other threads do not exist here */
    pthread_cond_init(&q->work, NULL);
    pthread_cond_init(&q->idle, NULL);
    pthread_mutex_init(&q->dev->mu, NULL); /* its holder may have been another thread */
    pthread_mutex_unlock(&q->mu);
  }
  pthread_mutex_unlock(&tdm__simq_all_mu);
}

static tdm_status tdm__simq_dead(const tdm__simcmd *c) {
  if (c && c->release) c->release(c->obj);
  return tdm__err(TDM_ERR_BACKEND,
                  "sim device: this context was made before fork(); its queue thread is not in "
                  "this process (a child of fork() makes its own context)");
}

static void *tdm__simq_main(void *arg) {
  tdm__simq *q = arg;
  pthread_mutex_lock(&q->mu);
  for (;;) {
    while ((!q->head || q->hold) && !q->stop) pthread_cond_wait(&q->work, &q->mu);
    if (!q->head) break; /* stop, and nothing left */
    tdm__simcmd *c = q->head;
    q->head = c->next;
    if (!q->head) q->tail = NULL;
    q->busy = 1;
    pthread_mutex_unlock(&q->mu);
    tdm__err_clear();
    tdm_status s = c->run(q, c);
    if (c->release) c->release(c->obj);
    pthread_mutex_lock(&q->mu);
    if (c->async) {
      if (s != TDM_OK && q->err == TDM_OK) {
        q->err = s;
        snprintf(q->errmsg, sizeof q->errmsg, "%s", tdm_last_error());
      }
      tdm__free(c);
    } else {
      c->status = s;
      if (s != TDM_OK) snprintf(c->msg, sizeof c->msg, "%s", tdm_last_error());
      c->done = 1;
    }
    q->busy = 0;
    pthread_cond_broadcast(&q->idle);
  }
  pthread_mutex_unlock(&q->mu);
  return NULL;
}

tdm_status tdm__simq_start(tdm__simq *q, tdm__simdev *dev, int threads) {
  memset(q, 0, sizeof *q);
  q->cpu.threads = threads;
  q->dev = dev;
  pthread_mutex_init(&q->mu, NULL);
  pthread_cond_init(&q->work, NULL);
  pthread_cond_init(&q->idle, NULL);
  if (pthread_create(&q->thread, NULL, tdm__simq_main, q) != 0) {
    pthread_cond_destroy(&q->idle);
    pthread_cond_destroy(&q->work);
    pthread_mutex_destroy(&q->mu);
    return tdm__err(TDM_ERR_BACKEND, "sim device: could not start the queue thread");
  }
  pthread_mutex_lock(&dev->mu);
  q->next = dev->queues;
  dev->queues = q;
  pthread_mutex_unlock(&dev->mu);
  tdm__simq_link(q);
  return TDM_OK;
}

void tdm__simq_stop(tdm__simq *q) {
  tdm__simq_unlink(q);
  pthread_mutex_lock(&q->mu);
  q->stop = 1;
  q->hold = 0;
  pthread_cond_signal(&q->work);
  pthread_mutex_unlock(&q->mu);
  if (!q->dead) {
    pthread_join(q->thread, NULL);
  } else { /* commands the parent queued never run here: drop them */
    while (q->head) {
      tdm__simcmd *c = q->head;
      q->head = c->next;
      if (c->release) c->release(c->obj);
      if (c->async) tdm__free(c);
    }
    q->tail = NULL;
  }
  tdm__simdev *dev = q->dev;
  pthread_mutex_lock(&dev->mu);
  for (tdm__simq **pp = &dev->queues; *pp; pp = &(*pp)->next)
    if (*pp == q) {
      *pp = q->next;
      break;
    }
  pthread_mutex_unlock(&dev->mu);
  pthread_cond_destroy(&q->idle);
  pthread_cond_destroy(&q->work);
  pthread_mutex_destroy(&q->mu);
}

static void tdm__simq_push(tdm__simq *q, tdm__simcmd *c) {
  c->next = NULL;
  if (q->tail) q->tail->next = c;
  else q->head = c;
  q->tail = c;
  pthread_cond_signal(&q->work);
}

/* Called with q->mu held: reports and clears a kept async failure. */
static tdm_status tdm__simq_take_err(tdm__simq *q) {
  tdm_status s = q->err;
  if (s != TDM_OK) {
    tdm__err(s, "sim device: an earlier queued op failed: %s", q->errmsg);
    q->err = TDM_OK;
  }
  return s;
}

tdm_status tdm__simq_wait(tdm__simq *q, tdm__simcmd *c) {
  c->async = 0;
  c->done = 0;
  c->status = TDM_OK;
  c->msg[0] = '\0';
  pthread_mutex_lock(&q->mu);
  if (q->dead) {
    pthread_mutex_unlock(&q->mu);
    return tdm__simq_dead(c);
  }
  tdm__simq_push(q, c);
  while (!c->done) pthread_cond_wait(&q->idle, &q->mu);
  tdm_status s = c->status;
  if (s != TDM_OK) tdm__err(s, "%s", c->msg);
  else s = tdm__simq_take_err(q);
  pthread_mutex_unlock(&q->mu);
  return s;
}

tdm_status tdm__simq_async(tdm__simq *q, const tdm__simcmd *c) {
  /* Only the header and arguments travel; the message buffer is not used. */
  if (q->dead) return tdm__simq_dead(c);
  tdm__simcmd *h = tdm__malloc(sizeof *h);
  if (!h) {
    if (c->release) c->release(c->obj);
    return tdm__err(TDM_ERR_NOMEM, "sim device: out of host memory to queue an op");
  }
  memcpy(h, c, offsetof(tdm__simcmd, msg));
  memcpy(&h->a, &c->a, sizeof h->a);
  h->async = 1;
  h->done = 0;
  pthread_mutex_lock(&q->mu);
  tdm__simq_push(q, h);
  pthread_mutex_unlock(&q->mu);
  return TDM_OK;
}

static void tdm__simq_drain_locked(tdm__simq *q) {
  while (!q->dead && (q->head || q->busy)) pthread_cond_wait(&q->idle, &q->mu);
}

tdm_status tdm__simq_sync(tdm__simq *q) {
  if (q->dead) return tdm__simq_dead(NULL);
  if (!q->lane) tdm__simdev_drain(q->dev); /* like cudaDeviceSynchronize */
  pthread_mutex_lock(&q->mu);
  tdm__simq_drain_locked(q);
  tdm_status s = tdm__simq_take_err(q);
  pthread_mutex_unlock(&q->mu);
  return s;
}

void tdm__simdev_drain(tdm__simdev *dev) {
  pthread_mutex_lock(&dev->mu);
  for (tdm__simq *q = dev->queues; q; q = q->next) {
    pthread_mutex_lock(&q->mu);
    tdm__simq_drain_locked(q);
    pthread_mutex_unlock(&q->mu);
  }
  pthread_mutex_unlock(&dev->mu);
}

static tdm_status tdm__run_call(tdm__simq *q, tdm__simcmd *c) {
  return c->a.call.fn(&q->cpu, c->a.call.args);
}

tdm_status tdm__simq_call_owned(void *st, tdm_status (*fn)(tdm__cpu *cpu, void *args),
                                const void *args, size_t size, int wait,
                                void (*release)(void *obj), void *obj) {
  tdm__simcmd c = {.run = tdm__run_call, .release = release, .obj = obj};
  if (size > sizeof c.a.call.args) {
    if (release) release(obj);
    return tdm__err(TDM_ERR_INTERNAL, "sim device: %zu bytes of arguments exceed a command's %zu",
                    size, sizeof c.a.call.args);
  }
  c.a.call.fn = fn;
  memcpy(c.a.call.args, args, size);
  return wait ? tdm__simq_wait(st, &c) : tdm__simq_async(st, &c);
}

tdm_status tdm__simq_call(void *st, tdm_status (*fn)(tdm__cpu *cpu, void *args), const void *args,
                          size_t size, int wait) {
  return tdm__simq_call_owned(st, fn, args, size, wait, NULL, NULL);
}
