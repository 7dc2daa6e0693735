/* wait.c -- how threads wait in the task layer: latches (a count whose
 * waiters are woken once it reaches zero, on the scheduler's parkers) and
 * help-first waiting: a CPU worker or GPU lane that waits runs other work
 * instead of blocking, so nested waits always finish. Also the thread's
 * task-layer identity (tdm__me). */
#include <sched.h>

#include "task/task_int.h"

static _Thread_local tdm__self tdm__self_tls;

tdm__self *tdm__me(void) { return &tdm__self_tls; }

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
  const int worker = tdm__sched_worker_id() >= 0;
  if (!worker && !me->gl && tdm__spin_for(l)) return;
  tdm__wnode n;
  n.p = tdm__my_parker(); /* a GPU lane's is its lane's (tdm__sched_adopt) */
  atomic_init(&n.fired, 0);
  atomic_init(&n.released, 0);
  tdm__wnode *head = atomic_load(&l->waiters);
  do {
    if (head == TDM__FIRED) return;
    n.next = head;
  } while (!atomic_compare_exchange_weak(&l->waiters, &head, &n));
  if (worker) tdm__worker_run(&n.fired);
  else if (me->gl) tdm__lane_run(me->gl, &n.fired);
  else
    while (!atomic_load(&n.fired)) tdm__park(n.p);
  /* The firer may still be inside unpark(n.p): wait for its last touch. */
  while (!atomic_load_explicit(&n.released, memory_order_acquire)) sched_yield();
}
