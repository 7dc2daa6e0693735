/* sched.c -- the one process-wide set of CPU workers that every pool and
 * every parallel loop shares ("one pool owns the cores"). Each worker owns
 * a deque; an idle worker pops its own work, steals from the others, takes
 * from the pools' inject queues (work queued by other threads), joins a
 * published parallel loop, spins briefly, then parks in the idle set until
 * a producer wakes it. Workers start on first use and live as long as the
 * process; they never run work of a pool whose cpu_workers <= their id. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cpu/cpu_int.h"
#include "core/error.h"
#include "task/deque.h"

#define TDM__SPIN_NS 50000L /* how long an idle worker searches before parking */
#define TDM__THROTTLE 64    /* queued tasks on a worker beyond which it runs new ones at once */

typedef struct tdm__worker {
  tdm__deque dq;
  tdm__parker *park; /* the worker thread's own parker */
  unsigned seed;     /* victim choice */
  int ahead;         /* submits left to run at once before looking at the deque again */
} tdm__worker;

/* Worker k's state, allocated when worker k first starts (kept for the
 * process: a child of fork() reuses the blocks for its new workers). */
static tdm__worker *tdm__wk[TDM__MAX_WORKERS];

static struct {
  pthread_mutex_t mu; /* starting workers */
  atomic_int n;       /* workers started */
  atomic_int nparked; /* in the idle set */
  atomic_int nidle;   /* searching or parked */
  atomic_uint_least64_t mask[TDM__MAX_WORKERS / 64]; /* the idle set */
  pthread_mutex_t inj_mu;
  tdm_pool *inj_list; /* pools whose inject queue is not empty */
  atomic_long inj_total;
} tdm__s = {.mu = PTHREAD_MUTEX_INITIALIZER, .inj_mu = PTHREAD_MUTEX_INITIALIZER};

int tdm__ncores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

int tdm__sched_workers(void) { return atomic_load(&tdm__s.n); }

int tdm__sched_idle(void) {
  if (atomic_load(&tdm__s.n) == 0) return TDM__MAX_WORKERS; /* nothing started, nothing busy */
  return atomic_load(&tdm__s.nidle);
}

int tdm__idle_workers(void) { return tdm__sched_idle(); }

void tdm__task_run(tdm__task *t, const tdm__where *w) {
  if (t->claimable && !tdm__future_claim(t)) { /* ran or was cancelled elsewhere */
    tdm__future_unref_task(t);
    return;
  }
  tdm__self *me = tdm__me();
  me->nest++;
  t->exec(t, w);
  me->nest--;
}

tdm_status tdm__nest_check(const char *fn) {
  TDM__CHECK(tdm__me()->nest >= TDM_TASK_MAX_DEPTH, TDM_ERR_INVALID,
             "%s: tasks nested %d deep on this thread (the limit, TDM_TASK_MAX_DEPTH; see "
             "docs/tasks.md, \"Nesting\")", fn, tdm__me()->nest);
  return TDM_OK;
}

/* ---- idle set --------------------------------------------------------------- */
int tdm__sched_wake(int n, int limit) {
  if (n <= 0 || atomic_load(&tdm__s.nparked) == 0) return 0;
  int nw = atomic_load(&tdm__s.n);
  if (limit < nw) nw = limit;
  int woke = 0;
  for (int word = 0; word * 64 < nw && woke < n; word++) {
    uint64_t m = atomic_load(&tdm__s.mask[word]);
    int hi = nw - word * 64;
    if (hi < 64) m &= (((uint64_t)1) << hi) - 1;
    while (m && woke < n) {
      int b = __builtin_ctzll(m);
      uint64_t bit = ((uint64_t)1) << b;
      m &= ~bit;
      if (atomic_fetch_and(&tdm__s.mask[word], ~bit) & bit) {
        atomic_fetch_sub(&tdm__s.nparked, 1);
        tdm__unpark(tdm__wk[word * 64 + b]->park);
        woke++;
      }
    }
  }
  return woke;
}

/* ---- inject queues ---------------------------------------------------------- */
void tdm__sched_inject(tdm_pool *p, tdm__task *first, tdm__task *last, int n) {
  if (n <= 0) return;
  last->next = NULL;
  pthread_mutex_lock(&tdm__s.inj_mu);
  if (p->inj_tail) p->inj_tail->next = first;
  else p->inj_head = first;
  p->inj_tail = last;
  p->inj_len += n;
  if (!p->inj_linked) { /* append: pools are served in the order they queued */
    tdm_pool **pp = &tdm__s.inj_list;
    while (*pp) pp = &(*pp)->inj_next;
    p->inj_next = NULL;
    *pp = p;
    p->inj_linked = 1;
  }
  atomic_fetch_add(&tdm__s.inj_total, n); /* seq_cst: before reading the idle set */
  pthread_mutex_unlock(&tdm__s.inj_mu);
  tdm__sched_wake(n, p->W);
}

static void tdm__unlink(tdm_pool **pp, tdm_pool *p) {
  *pp = p->inj_next;
  p->inj_next = NULL;
  p->inj_linked = 0;
}

/* Takes a batch of the first pool this worker may serve: runs the first,
 * keeps the rest on its deque where others can steal them. */
static tdm__task *tdm__inject_take(int id) {
  pthread_mutex_lock(&tdm__s.inj_mu);
  tdm_pool **pp = &tdm__s.inj_list, *p;
  while ((p = *pp) && p->W <= id) pp = &p->inj_next;
  if (!p) {
    pthread_mutex_unlock(&tdm__s.inj_mu);
    return NULL;
  }
  long k = p->inj_len / (2L * p->W);
  if (k < 1) k = 1;
  if (k > 32) k = 32;
  tdm__task *first = p->inj_head, *last = first;
  for (long i = 1; i < k; i++) last = last->next;
  p->inj_head = last->next;
  p->inj_len -= k;
  if (!p->inj_head) {
    p->inj_tail = NULL;
    tdm__unlink(pp, p);
  } else if (p->inj_next) { /* more pools waiting: this one goes to the back */
    tdm__unlink(pp, p);
    tdm_pool **tail = pp;
    while (*tail) tail = &(*tail)->inj_next;
    *tail = p;
    p->inj_linked = 1;
  }
  atomic_fetch_sub(&tdm__s.inj_total, k);
  int limit = p->W;
  pthread_mutex_unlock(&tdm__s.inj_mu);
  tdm__task *rest = first == last ? NULL : first->next;
  last->next = NULL;
  first->next = NULL;
  while (rest) {
    tdm__task *t = rest;
    rest = t->next;
    t->next = NULL;
    if (!tdm__deque_push(&tdm__wk[id]->dq, t, limit)) tdm__sched_inject(t->pool, t, t, 1);
  }
  if (k > 1) tdm__sched_wake(1, limit);
  return first;
}

void tdm__sched_forget(tdm_pool *p) {
  pthread_mutex_lock(&tdm__s.inj_mu);
  tdm__task *t = p->inj_head;
  if (p->inj_linked) {
    tdm_pool **pp = &tdm__s.inj_list;
    while (*pp != p) pp = &(*pp)->inj_next;
    tdm__unlink(pp, p);
  }
  atomic_fetch_sub(&tdm__s.inj_total, p->inj_len);
  p->inj_head = p->inj_tail = NULL;
  p->inj_len = 0;
  pthread_mutex_unlock(&tdm__s.inj_mu);
  while (t) { /* only second entries of finished futures can be left */
    tdm__task *next = t->next;
    if (t->claimable && !tdm__future_claim(t)) tdm__future_unref_task(t);
    t = next;
  }
}

int tdm__sched_undeferred(tdm_pool *p) {
  const tdm__self *me = tdm__me();
  if (me->kind != TDM__SELF_CPU || me->id >= p->W) return -1;
  tdm__worker *w = tdm__wk[me->id];
  if (w->ahead > 0) { /* the deque was full a moment ago: skip reading its top */
    w->ahead--;
    return me->id;
  }
  if (tdm__deque_size(&w->dq) < TDM__THROTTLE) return -1;
  w->ahead = 31;
  return me->id;
}

void tdm__sched_push(tdm_pool *p, tdm__task *t) {
  tdm__self *me = tdm__me();
  if (me->kind == TDM__SELF_CPU && me->id < p->W && tdm__deque_push(&tdm__wk[me->id]->dq, t, p->W)) {
    tdm__sched_wake(1, p->W);
    return;
  }
  tdm__sched_inject(p, t, t, 1);
}

/* ---- the worker loop ------------------------------------------------------- */
static tdm__task *tdm__find(int id) {
  tdm__worker *w = tdm__wk[id];
  tdm__task *t = tdm__deque_pop(&w->dq);
  if (t) return t;
  int n = atomic_load(&tdm__s.n);
  if (n > 1) {
    w->seed = w->seed * 1103515245u + 12345u;
    int v = (int)((w->seed >> 16) % (unsigned)n);
    for (int k = 0; k < n; k++, v = v + 1 == n ? 0 : v + 1) {
      if (v == id) continue;
      t = tdm__deque_steal(&tdm__wk[v]->dq, id);
      if (t) return t;
    }
  }
  if (atomic_load(&tdm__s.inj_total) > 0) return tdm__inject_take(id);
  return NULL;
}

static long tdm__now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void tdm__relax(unsigned spins) {
#if defined(__x86_64__) || defined(__i386__)
  for (int i = 0; i < 16; i++) __builtin_ia32_pause();
#endif
  if ((spins & 7) == 7) sched_yield();
}

static int tdm__is_fired(atomic_int *fired) {
  return fired && atomic_load_explicit(fired, memory_order_acquire);
}

void tdm__worker_run(atomic_int *fired) {
  const int id = tdm__me()->id;
  tdm__worker *w = tdm__wk[id];
  const tdm__where at = {0, id};
  atomic_uint_least64_t *word = &tdm__s.mask[id >> 6];
  const uint64_t bit = ((uint64_t)1) << (id & 63);
  int searching = 0;
  unsigned spins = 0;
  long since = 0;
  for (;;) {
    if (tdm__is_fired(fired)) break;
    tdm__task *t = tdm__find(id);
    if (!t && tdm__loop_live()) {
      if (searching) atomic_fetch_sub(&tdm__s.nidle, 1); /* busy while it helps */
      searching = 0;
      if (tdm__loop_help()) {
        spins = 0;
        continue;
      }
    }
    if (t) {
      if (searching) atomic_fetch_sub(&tdm__s.nidle, 1);
      searching = 0;
      spins = 0;
      tdm__task_run(t, &at);
      continue;
    }
    if (!searching) {
      atomic_fetch_add(&tdm__s.nidle, 1);
      searching = 1;
    }
    if (spins++ == 0) since = tdm__now_ns();
    if ((spins & 15) != 0 || tdm__now_ns() - since < TDM__SPIN_NS) {
      tdm__relax(spins);
      continue;
    }
    /* Park: join the idle set, then look once more (a producer that
     * published before seeing us there is found by this look). */
    atomic_fetch_add(&tdm__s.nparked, 1);
    atomic_fetch_or(word, bit);
    if (!tdm__is_fired(fired)) {
      t = tdm__find(id);
      if (!t && !tdm__loop_live()) tdm__park(w->park);
    }
    if (atomic_fetch_and(word, ~bit) & bit) atomic_fetch_sub(&tdm__s.nparked, 1);
    spins = 0;
    if (t) {
      atomic_fetch_sub(&tdm__s.nidle, 1);
      searching = 0;
      tdm__task_run(t, &at);
    }
  }
  if (searching) atomic_fetch_sub(&tdm__s.nidle, 1);
}

int tdm__worker_help(void) {
  const int id = tdm__me()->id;
  const tdm__where at = {0, id};
  tdm__task *t = tdm__find(id);
  if (t) {
    tdm__task_run(t, &at);
    return 1;
  }
  return tdm__loop_help();
}

static void *tdm__worker_main(void *arg) {
  tdm__self *me = tdm__me();
  me->kind = TDM__SELF_CPU;
  me->id = (int)(intptr_t)arg;
  tdm__wk[me->id]->park = tdm__my_parker();
  tdm__wk[me->id]->seed = 2654435761u * (unsigned)(me->id + 1);
  tdm__worker_run(NULL);
  return NULL;
}

static atomic_long tdm__thread_fail_n; /* test hook: the nth start from now fails */

void tdm__thread_fail_after(long n) { atomic_store(&tdm__thread_fail_n, n); }

int tdm__thread_start(pthread_t *t, void *(*fn)(void *), void *arg, int detached) {
  /* The thread keeps the signal mask of the thread starting it (normally
   * the program's): the pool needs no signal blocked, and a program run
   * from a task (fork + exec, system) must not inherit a mask it never set. */
  long k = atomic_load(&tdm__thread_fail_n);
  if (k > 0 && atomic_fetch_sub(&tdm__thread_fail_n, 1) == 1) return EAGAIN;
  pthread_attr_t a;
  if (pthread_attr_init(&a) != 0) return EAGAIN;
  if (detached) pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&a, TDM__STACK_BYTES); /* nesting depth is bounded against this */
  int rc = pthread_create(t, &a, fn, arg);
  pthread_attr_destroy(&a);
  return rc;
}

/* A child of fork() has none of the workers: it starts afresh on first
 * use (pools created before the fork are not usable in the child). */
static void tdm__sched_atfork_child(void) {
  pthread_mutex_t init = PTHREAD_MUTEX_INITIALIZER;
  tdm__s.mu = init;
  tdm__s.inj_mu = init;
  atomic_store(&tdm__s.n, 0);
  atomic_store(&tdm__s.nparked, 0);
  atomic_store(&tdm__s.nidle, 0);
  for (int i = 0; i < TDM__MAX_WORKERS / 64; i++) atomic_store(&tdm__s.mask[i], 0);
  tdm__s.inj_list = NULL;
  atomic_store(&tdm__s.inj_total, 0);
  tdm__loop_atfork_child();
}

static pthread_once_t tdm__atfork_once = PTHREAD_ONCE_INIT;
static void tdm__atfork_init(void) { pthread_atfork(NULL, NULL, tdm__sched_atfork_child); }

int tdm__sched_ensure(int want, int *err) {
  if (want > TDM__MAX_WORKERS) want = TDM__MAX_WORKERS;
  if (atomic_load(&tdm__s.n) >= want) return atomic_load(&tdm__s.n);
  pthread_once(&tdm__atfork_once, tdm__atfork_init);
  pthread_mutex_lock(&tdm__s.mu);
  int n = atomic_load(&tdm__s.n);
  while (n < want) {
    /* Process-lifetime state, outside the library allocator (its fault
     * countdown and live count are for objects a caller owns). */
    void *blk = NULL;
    if (!tdm__wk[n] && posix_memalign(&blk, 64, sizeof *tdm__wk[n]) == 0) tdm__wk[n] = blk;
    if (!tdm__wk[n]) {
      if (err) *err = ENOMEM;
      break;
    }
    tdm__deque_init(&tdm__wk[n]->dq);
    tdm__wk[n]->ahead = 0;
    pthread_t t;
    int rc = tdm__thread_start(&t, tdm__worker_main, (void *)(intptr_t)n, 1);
    if (rc != 0) {
      if (err) *err = rc;
      break;
    }
    atomic_store(&tdm__s.n, ++n);
  }
  pthread_mutex_unlock(&tdm__s.mu);
  return n;
}
