/* loop.c -- tdm__par_for, the CPU kernels' parallel loop, on the shared
 * workers. A loop is published on a small board; idle workers join it and
 * take chunks from an atomic counter while the caller works too. From the
 * main thread a loop may wake up to nthreads-1 workers; from inside a task
 * (or a loop) only workers that are idle at that moment join, so nested
 * parallelism never oversubscribes and a busy machine runs it serially. */
#include "sched/sched.h"

#define TDM__BOARD 64

typedef struct tdm__loop {
  tdm__range_fn fn;
  void *arg;
  size_t n, chunk;
  atomic_size_t next;
  int want;            /* helpers that may still join (under the board lock) */
  int active;          /* helpers inside (under the board lock) */
  tdm__parker *owner;  /* the caller, while it waits for helpers */
} tdm__loop;

static struct {
  pthread_mutex_t mu;
  tdm__loop *slot[TDM__BOARD];
  int n;
  atomic_int live; /* loops that still take helpers */
} tdm__b = {.mu = PTHREAD_MUTEX_INITIALIZER};

int tdm__loop_live(void) { return atomic_load(&tdm__b.live) > 0; }

void tdm__loop_atfork_child(void) {
  pthread_mutex_t init = PTHREAD_MUTEX_INITIALIZER;
  tdm__b.mu = init;
  tdm__b.n = 0; /* loops of the parent's other threads do not exist here */
  atomic_store(&tdm__b.live, 0);
}

static void tdm__chunks(tdm__loop *L) {
  tdm__self_depth(1);
  for (;;) {
    size_t lo = atomic_fetch_add_explicit(&L->next, L->chunk, memory_order_relaxed);
    if (lo >= L->n) break;
    size_t hi = L->n - lo > L->chunk ? lo + L->chunk : L->n;
    L->fn(L->arg, lo, hi);
  }
  tdm__self_depth(-1);
}

int tdm__loop_help(void) {
  if (!tdm__loop_live()) return 0;
  pthread_mutex_lock(&tdm__b.mu);
  tdm__loop *L = NULL;
  for (int i = 0; i < tdm__b.n && !L; i++) {
    tdm__loop *x = tdm__b.slot[i];
    if (x->want > 0 && atomic_load_explicit(&x->next, memory_order_relaxed) < x->n) L = x;
  }
  if (!L) {
    pthread_mutex_unlock(&tdm__b.mu);
    return 0;
  }
  if (--L->want == 0) atomic_fetch_sub(&tdm__b.live, 1);
  L->active++;
  pthread_mutex_unlock(&tdm__b.mu);
  tdm__chunks(L);
  pthread_mutex_lock(&tdm__b.mu);
  if (--L->active == 0 && L->owner) tdm__unpark(L->owner); /* under the lock: see below */
  pthread_mutex_unlock(&tdm__b.mu);
  return 1;
}

static void tdm__serial(size_t n, tdm__range_fn fn, void *arg) {
  tdm__self_depth(1);
  fn(arg, 0, n);
  tdm__self_depth(-1);
}

void tdm__par_for(int nthreads, size_t n, size_t grain, tdm__range_fn fn, void *arg) {
  if (n == 0) return;
  if (grain == 0) grain = 1;
  int want = n > grain ? nthreads - 1 : 0;
  if (want > 0) {
    int have;
    if (!tdm__in_worker()) have = tdm__sched_ensure(want, NULL);
    else have = tdm__sched_workers() ? tdm__sched_idle() : 0; /* nested: idle ones only */
    if (want > have) want = have;
  }
  if (want <= 0) {
    tdm__serial(n, fn, arg);
    return;
  }
  size_t parts = (size_t)(want + 1) * 4;
  size_t chunk = n / parts + (n % parts != 0);
  if (chunk < grain) chunk = grain;
  tdm__loop L = {.fn = fn, .arg = arg, .n = n, .chunk = chunk, .want = want};
  atomic_init(&L.next, 0);
  pthread_mutex_lock(&tdm__b.mu);
  if (tdm__b.n == TDM__BOARD) {
    pthread_mutex_unlock(&tdm__b.mu);
    tdm__serial(n, fn, arg);
    return;
  }
  tdm__b.slot[tdm__b.n++] = &L;
  atomic_fetch_add(&tdm__b.live, 1); /* seq_cst: before reading the idle set */
  pthread_mutex_unlock(&tdm__b.mu);
  tdm__sched_wake(want, TDM__MAX_WORKERS);
  tdm__chunks(&L);
  pthread_mutex_lock(&tdm__b.mu);
  for (int i = 0; i < tdm__b.n; i++)
    if (tdm__b.slot[i] == &L) {
      tdm__b.slot[i] = tdm__b.slot[--tdm__b.n];
      if (L.want > 0) atomic_fetch_sub(&tdm__b.live, 1);
      break;
    }
  L.want = 0;
  /* Helpers still inside finish their last chunk. The last one unparks us
   * while holding the lock, so once we see active == 0 under the lock no
   * helper touches L or our parker again. */
  if (L.active > 0) {
    tdm__parker *p = tdm__my_parker(); /* a GPU lane's is its lane's */
    while (L.active > 0) {
      L.owner = p;
      pthread_mutex_unlock(&tdm__b.mu);
      tdm__park(p);
      pthread_mutex_lock(&tdm__b.mu);
    }
  }
  pthread_mutex_unlock(&tdm__b.mu);
}
