/* self.c -- each thread's identity as the scheduler sees it (CPU worker k,
 * another library thread such as a GPU lane, or a program thread; how deep
 * in parallel loops) and its parker, plus their reset in a child of
 * fork(): the child's one thread is the forking thread, which may have
 * been a worker or lane in the parent (a fork from inside a task). In the
 * child it becomes an ordinary program thread, so the fresh workers a new
 * pool starts do not share its identity or deque, and its parker is
 * re-made since another thread may have held its lock. */
#include "sched/sched.h"

enum { TDM__ROLE_EXT = 0, TDM__ROLE_CPU = 1, TDM__ROLE_ADOPTED = 2 };

typedef struct tdm__sself {
  int role;           /* TDM__ROLE_* */
  int id;             /* worker id (TDM__ROLE_CPU) */
  int depth;          /* > 0 while running chunks of a parallel loop */
  int own_ready;
  tdm__parker *park;  /* adopted parker, or NULL: own */
} tdm__sself;

/* The parker is written by other threads (whoever unparks this one): on
 * its own cache lines, away from the identity this thread reads on every
 * submit and wait. */
typedef struct tdm__own_parker {
  _Alignas(64) tdm__parker p;
  char pad[64];
} tdm__own_parker;

static _Thread_local tdm__sself tdm__ss;
static _Thread_local tdm__own_parker tdm__own;

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
 * threads) park on a thread-local parker. The task layer's latches keep
 * every wake-up finished before the waiter returns, so the parker never
 * outlives a waker's use of it. */
tdm__parker *tdm__my_parker(void) {
  tdm__sself *s = &tdm__ss;
  if (s->park) return s->park;
  if (!s->own_ready) {
    tdm__parker_init(&tdm__own.p);
    s->own_ready = 1;
  }
  return &tdm__own.p;
}

int tdm__sched_worker_id(void) { return tdm__ss.role == TDM__ROLE_CPU ? tdm__ss.id : -1; }

void tdm__sched_adopt(tdm__parker *p) {
  tdm__ss.role = TDM__ROLE_ADOPTED;
  tdm__ss.park = p;
}

void tdm__self_set_worker(int id) {
  tdm__ss.role = TDM__ROLE_CPU;
  tdm__ss.id = id;
}

int tdm__in_worker(void) { return tdm__ss.role != TDM__ROLE_EXT || tdm__ss.depth > 0; }

void tdm__self_depth(int delta) { tdm__ss.depth += delta; }

void tdm__self_atfork_child(void) {
  tdm__sself *s = &tdm__ss;
  s->role = TDM__ROLE_EXT;
  s->id = 0;
  s->depth = 0;
  s->park = NULL;
  tdm__parker_init(&tdm__own.p);
  s->own_ready = 1;
}
