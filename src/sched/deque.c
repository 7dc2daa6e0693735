/* deque.c -- a worker's work-stealing deque (Chase-Lev, fixed capacity).
 * The owner pushes and pops at the bottom; thieves take from the top. Each
 * slot also holds the job's worker limit, so a thief that may not run the
 * job (its id >= limit) leaves it without touching the job. The indices
 * use sequentially consistent operations in place of fences, which keeps
 * the algorithm visible to ThreadSanitizer. */
#include "sched/deque.h"

void tdm__deque_init(tdm__deque *d) {
  atomic_init(&d->top, 0);
  atomic_init(&d->bottom, 0);
}

int tdm__deque_push(tdm__deque *d, tdm__job *t, int limit) {
  long b = atomic_load_explicit(&d->bottom, memory_order_relaxed);
  long top = atomic_load_explicit(&d->top, memory_order_acquire);
  if (b - top >= TDM__DEQUE_CAP) return 0;
  atomic_store_explicit(&d->buf[b & (TDM__DEQUE_CAP - 1)], t, memory_order_relaxed);
  atomic_store_explicit(&d->lim[b & (TDM__DEQUE_CAP - 1)], (uint16_t)limit, memory_order_relaxed);
  atomic_store(&d->bottom, b + 1); /* seq_cst: publishes, and orders before reading the idle set */
  return 1;
}

tdm__job *tdm__deque_pop(tdm__deque *d) {
  long b = atomic_load_explicit(&d->bottom, memory_order_relaxed) - 1;
  atomic_store(&d->bottom, b);
  long top = atomic_load(&d->top);
  if (top > b) {
    atomic_store_explicit(&d->bottom, b + 1, memory_order_relaxed);
    return NULL;
  }
  tdm__job *t = atomic_load_explicit(&d->buf[b & (TDM__DEQUE_CAP - 1)], memory_order_relaxed);
  if (top == b) { /* the last one: race the thieves for it */
    if (!atomic_compare_exchange_strong(&d->top, &top, top + 1)) t = NULL;
    atomic_store_explicit(&d->bottom, b + 1, memory_order_relaxed);
  }
  return t;
}

tdm__job *tdm__deque_steal(tdm__deque *d, int thief) {
  long top = atomic_load(&d->top);
  long b = atomic_load(&d->bottom);
  if (top >= b) return NULL;
  /* Slot `top` cannot be reused while top is unchanged; the values read
   * are trusted only when the CAS below confirms that. */
  tdm__job *t = atomic_load_explicit(&d->buf[top & (TDM__DEQUE_CAP - 1)], memory_order_relaxed);
  int lim = atomic_load_explicit(&d->lim[top & (TDM__DEQUE_CAP - 1)], memory_order_relaxed);
  if (thief >= lim) return NULL;
  if (!atomic_compare_exchange_strong(&d->top, &top, top + 1)) return NULL;
  return t;
}

long tdm__deque_size(tdm__deque *d) {
  long n = atomic_load_explicit(&d->bottom, memory_order_relaxed) -
           atomic_load_explicit(&d->top, memory_order_relaxed);
  return n > 0 ? n : 0;
}

int tdm__deque_empty(tdm__deque *d) {
  return atomic_load(&d->top) >= atomic_load(&d->bottom);
}
