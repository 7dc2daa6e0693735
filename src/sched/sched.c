/* sched.c -- the one process-wide set of CPU workers that every pool and
 * every parallel loop shares ("one pool owns the cores"). Each worker owns
 * a deque; an idle worker pops its own work, steals from the others, takes
 * from the inject queues (work queued by other threads), joins a
 * published parallel loop, spins briefly, then parks in the idle set until
 * a producer wakes it. Workers start on first use and live as long as the
 * process; they never run work of a queue whose limit <= their id. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "sched/deque.h"

#define TDM__SPIN_NS 50000L /* how long an idle worker searches before parking */
#define TDM__THROTTLE 64    /* queued jobs on a worker beyond which it runs new ones at once */

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
  tdm__squeue *inj_list; /* inject queues that are not empty */
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
void tdm__sched_inject(tdm__squeue *q, tdm__job *first, tdm__job *last, int n) {
  if (n <= 0) return;
  last->next = NULL;
  pthread_mutex_lock(&tdm__s.inj_mu);
  if (q->tail) q->tail->next = first;
  else q->head = first;
  q->tail = last;
  q->len += n;
  if (!q->linked) { /* append: queues are served in the order they queued */
    tdm__squeue **pp = &tdm__s.inj_list;
    while (*pp) pp = &(*pp)->next;
    q->next = NULL;
    *pp = q;
    q->linked = 1;
  }
  atomic_fetch_add(&tdm__s.inj_total, n); /* seq_cst: before reading the idle set */
  pthread_mutex_unlock(&tdm__s.inj_mu);
  tdm__sched_wake(n, q->limit);
}

static void tdm__unlink(tdm__squeue **pp, tdm__squeue *q) {
  *pp = q->next;
  q->next = NULL;
  q->linked = 0;
}

/* Takes a batch of the first queue this worker may serve: runs the first,
 * keeps the rest on its deque where others can steal them. */
static tdm__job *tdm__inject_take(int id) {
  pthread_mutex_lock(&tdm__s.inj_mu);
  tdm__squeue **pp = &tdm__s.inj_list, *q;
  while ((q = *pp) && q->limit <= id) pp = &q->next;
  if (!q) {
    pthread_mutex_unlock(&tdm__s.inj_mu);
    return NULL;
  }
  long k = q->len / (2L * q->limit);
  if (k < 1) k = 1;
  if (k > 32) k = 32;
  tdm__job *first = q->head, *last = first;
  for (long i = 1; i < k; i++) last = last->next;
  q->head = last->next;
  q->len -= k;
  if (!q->head) {
    q->tail = NULL;
    tdm__unlink(pp, q);
  } else if (q->next) { /* more queues waiting: this one goes to the back */
    tdm__unlink(pp, q);
    tdm__squeue **tail = pp;
    while (*tail) tail = &(*tail)->next;
    *tail = q;
    q->linked = 1;
  }
  atomic_fetch_sub(&tdm__s.inj_total, k);
  int limit = q->limit;
  pthread_mutex_unlock(&tdm__s.inj_mu);
  tdm__job *rest = first == last ? NULL : first->next;
  last->next = NULL;
  first->next = NULL;
  while (rest) {
    tdm__job *j = rest;
    rest = j->next;
    j->next = NULL;
    if (!tdm__deque_push(&tdm__wk[id]->dq, j, limit)) tdm__sched_inject(q, j, j, 1);
  }
  if (k > 1) tdm__sched_wake(1, limit);
  return first;
}

tdm__job *tdm__sched_forget(tdm__squeue *q) {
  pthread_mutex_lock(&tdm__s.inj_mu);
  tdm__job *left = q->head;
  if (q->linked) {
    tdm__squeue **pp = &tdm__s.inj_list;
    while (*pp != q) pp = &(*pp)->next;
    tdm__unlink(pp, q);
  }
  atomic_fetch_sub(&tdm__s.inj_total, q->len);
  q->head = q->tail = NULL;
  q->len = 0;
  pthread_mutex_unlock(&tdm__s.inj_mu);
  return left;
}

int tdm__sched_undeferred(int limit) {
  int id = tdm__sched_worker_id();
  if (id < 0 || id >= limit) return -1;
  tdm__worker *w = tdm__wk[id];
  if (w->ahead > 0) { /* the deque was full a moment ago: skip reading its top */
    w->ahead--;
    return id;
  }
  if (tdm__deque_size(&w->dq) < TDM__THROTTLE) return -1;
  w->ahead = 31;
  return id;
}

void tdm__sched_push(tdm__squeue *q, tdm__job *j) {
  int id = tdm__sched_worker_id();
  if (id >= 0 && id < q->limit && tdm__deque_push(&tdm__wk[id]->dq, j, q->limit)) {
    tdm__sched_wake(1, q->limit);
    return;
  }
  tdm__sched_inject(q, j, j, 1);
}

/* ---- the worker loop ------------------------------------------------------- */
static tdm__job *tdm__find(int id) {
  tdm__worker *w = tdm__wk[id];
  tdm__job *t = tdm__deque_pop(&w->dq);
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
  const int id = tdm__sched_worker_id();
  tdm__worker *w = tdm__wk[id];
  atomic_uint_least64_t *word = &tdm__s.mask[id >> 6];
  const uint64_t bit = ((uint64_t)1) << (id & 63);
  int searching = 0;
  unsigned spins = 0;
  long since = 0;
  for (;;) {
    if (tdm__is_fired(fired)) break;
    tdm__job *t = tdm__find(id);
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
      t->run(t, id);
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
      t->run(t, id);
    }
  }
  if (searching) atomic_fetch_sub(&tdm__s.nidle, 1);
}

int tdm__worker_help(void) {
  const int id = tdm__sched_worker_id();
  tdm__job *t = tdm__find(id);
  if (t) {
    t->run(t, id);
    return 1;
  }
  return tdm__loop_help();
}

static void *tdm__worker_main(void *arg) {
  int id = (int)(intptr_t)arg;
  tdm__self_set_worker(id);
  tdm__wk[id]->park = tdm__my_parker();
  tdm__wk[id]->seed = 2654435761u * (unsigned)(id + 1);
  tdm__worker_run(NULL);
  return NULL;
}

static void tdm__sched_atfork_child(void);
static pthread_once_t tdm__atfork_once = PTHREAD_ONCE_INIT;
static void tdm__atfork_init(void) { pthread_atfork(NULL, NULL, tdm__sched_atfork_child); }

static atomic_long tdm__thread_fail_n; /* test hook: the nth start from now fails */

void tdm__thread_fail_after(long n) { atomic_store(&tdm__thread_fail_n, n); }

int tdm__thread_start(pthread_t *t, void *(*fn)(void *), void *arg, int detached) {
  /* The thread keeps the signal mask of the thread starting it (normally
   * the program's): the pool needs no signal blocked, and a program run
   * from a task (fork + exec, system) must not inherit a mask it never set. */
  pthread_once(&tdm__atfork_once, tdm__atfork_init);
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
 * use (pools created before the fork are not usable in the child), and
 * its one thread is a program thread (self.c). Registered when the first
 * library thread starts: before that there is nothing to reset. */
static void tdm__sched_atfork_child(void) {
  tdm__self_atfork_child();
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


int tdm__sched_ensure(int want, int *err) {
  if (want > TDM__MAX_WORKERS) want = TDM__MAX_WORKERS;
  if (atomic_load(&tdm__s.n) >= want) return atomic_load(&tdm__s.n);
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
