/* fcache.c -- a small per-thread cache of future-sized blocks. A program
 * that submits and waits in rounds frees its futures on the thread that
 * makes the next ones, so most submits reuse a block instead of going
 * through the allocator (64-byte aligned allocations are slow in glibc).
 * Every take still consults the fault-injection countdown, so allocation
 * failures stay testable; blocks are freed when a thread exits. */
#include <pthread.h>

#include "core/alloc.h"
#include "task/task_int.h"

#define TDM__FCACHE_MAX 1024

typedef struct tdm__fblock {
  struct tdm__fblock *next;
} tdm__fblock;

static _Thread_local tdm__fblock *tdm__fc_head;
static _Thread_local int tdm__fc_len;
static pthread_key_t tdm__fc_key;
static pthread_once_t tdm__fc_once = PTHREAD_ONCE_INIT;

static void tdm__fc_drain(void *unused) {
  (void)unused;
  while (tdm__fc_head) {
    tdm__fblock *b = tdm__fc_head;
    tdm__fc_head = b->next;
    tdm__free(b);
  }
  tdm__fc_len = 0;
}

static void tdm__fc_init(void) { pthread_key_create(&tdm__fc_key, tdm__fc_drain); }

void *tdm__fcache_take(size_t bytes) {
  if (!tdm__fc_head) return tdm__malloc(bytes);
  if (tdm__alloc_inject()) return NULL; /* the countdown sees cached takes too */
  tdm__fblock *b = tdm__fc_head;
  tdm__fc_head = b->next;
  tdm__fc_len--;
  return b;
}

void tdm__fcache_give(void *p) {
  if (!p) return;
  if (tdm__fc_len >= TDM__FCACHE_MAX) {
    tdm__free(p);
    return;
  }
  if (!tdm__fc_head) { /* first block of this thread: arrange the exit hook */
    pthread_once(&tdm__fc_once, tdm__fc_init);
    pthread_setspecific(tdm__fc_key, (void *)1);
  }
  tdm__fblock *b = p;
  b->next = tdm__fc_head;
  tdm__fc_head = b;
  tdm__fc_len++;
}
