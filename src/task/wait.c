/* wait.c -- how threads sleep and wake in the task layer: parkers (a binary
 * semaphore per thread), latches (a count whose waiters are woken once it
 * reaches zero) and help-first waiting: a CPU worker or GPU lane that waits
 * runs other work instead of blocking, so nested waits always finish. */
#include <sched.h>

#include "task/task_int.h"

static _Thread_local tdm__self tdm__self_tls;
static _Thread_local tdm__parker tdm__park_tls;
static _Thread_local int tdm__park_tls_ready;

tdm__self *tdm__me(void) { return &tdm__self_tls; }

void tdm__parker_init(tdm__parker *p) {
  pthread_mutex_init(&p->m, NULL);
  pthread_cond_init(&p->c, NULL);
  p->token = 0;
}

void tdm__parker_fini(tdm__parker *p) {
  pthread_cond_destroy(&p->c);
  pthread_mutex_destroy(&p->m);
}

void tdm__park(tdm__parker *p) {
  pthread_mutex_lock(&p->m);
  while (!p->token) pthread_cond_wait(&p->c, &p->m);
  p->token = 0;
  pthread_mutex_unlock(&p->m);
}

void tdm__unpark(tdm__parker *p) {
  pthread_mutex_lock(&p->m);
  p->token = 1;
  pthread_cond_signal(&p->c);
  pthread_mutex_unlock(&p->m);
}

/* Threads that are not workers or lanes (the main thread, a user's
 * threads) park on a thread-local parker. The latch protocol below keeps
 * every wake-up finished before the waiter returns, so the parker never
 * outlives a waker's use of it. */
tdm__parker *tdm__my_parker(void) {
  if (!tdm__park_tls_ready) {
    tdm__parker_init(&tdm__park_tls);
    tdm__park_tls_ready = 1;
  }
  return &tdm__park_tls;
}

void tdm__latch_init(tdm__latch *l, long count) {
  atomic_init(&l->count, count);
  atomic_init(&l->waiters, count > 0 ? NULL : TDM__FIRED);
}

int tdm__latch_fired(tdm__latch *l) { return atomic_load(&l->waiters) == TDM__FIRED; }

static void tdm__latch_fire(tdm__latch *l) {
  tdm__wnode *n = atomic_exchange(&l->waiters, TDM__FIRED);
  /* From here on l may be freed by a waiter that saw TDM__FIRED. */
  while (n) {
    tdm__wnode *next = n->next;
    tdm__parker *p = n->p;
    atomic_store(&n->fired, 1);
    tdm__unpark(p);
    atomic_store_explicit(&n->released, 1, memory_order_release); /* last touch of n */
    n = next;
  }
}

void tdm__latch_arrive(tdm__latch *l) {
  if (atomic_fetch_sub(&l->count, 1) == 1) tdm__latch_fire(l);
}

/* A thread that cannot help spins briefly first: short tasks finish in
 * less time than a sleep and a wake-up take. */
static int tdm__spin_for(tdm__latch *l) {
  for (int i = 0; i < 4096; i++) {
    if (tdm__latch_fired(l)) return 1;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    if ((i & 255) == 255) sched_yield();
  }
  return tdm__latch_fired(l);
}

void tdm__latch_wait(tdm__latch *l) {
  if (tdm__latch_fired(l)) return;
  tdm__self *me = tdm__me();
  if (me->kind == TDM__SELF_EXT && tdm__spin_for(l)) return;
  tdm__wnode n;
  n.p = me->kind == TDM__SELF_GPU ? &me->gl->park : tdm__my_parker();
  atomic_init(&n.fired, 0);
  atomic_init(&n.released, 0);
  tdm__wnode *head = atomic_load(&l->waiters);
  do {
    if (head == TDM__FIRED) return;
    n.next = head;
  } while (!atomic_compare_exchange_weak(&l->waiters, &head, &n));
  if (me->kind == TDM__SELF_CPU) tdm__worker_run(&n.fired);
  else if (me->kind == TDM__SELF_GPU) tdm__lane_run(me->gl, &n.fired);
  else
    while (!atomic_load(&n.fired)) tdm__park(n.p);
  /* The firer may still be inside unpark(n.p): wait for its last touch. */
  while (!atomic_load_explicit(&n.released, memory_order_acquire)) sched_yield();
}
