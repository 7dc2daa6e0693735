/* deque.h -- the per-worker work-stealing deque (deque.c), internal to src/sched. */
#ifndef TDM_DEQUE_H
#define TDM_DEQUE_H

#include "sched/sched.h"

#define TDM__DEQUE_CAP 2048 /* a power of two; a full deque sends work to the inject queue */

typedef struct tdm__deque {
  _Alignas(64) atomic_long top;
  _Alignas(64) atomic_long bottom;
  _Alignas(64) _Atomic(tdm__job *) buf[TDM__DEQUE_CAP];
  _Atomic uint16_t lim[TDM__DEQUE_CAP];
} tdm__deque;

void tdm__deque_init(tdm__deque *d);
int tdm__deque_push(tdm__deque *d, tdm__job *t, int limit); /* 0 when full */
tdm__job *tdm__deque_pop(tdm__deque *d);
tdm__job *tdm__deque_steal(tdm__deque *d, int thief);
int tdm__deque_empty(tdm__deque *d);
long tdm__deque_size(tdm__deque *d); /* the owner's estimate */

#endif
