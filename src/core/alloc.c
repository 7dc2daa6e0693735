/* alloc.c -- aligned host allocation through one door, with a countdown
 * that fails the Nth call for fault-injection tests. The countdown is a
 * process-wide atomic, so it also fires inside worker threads. */
#include "core/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

static long tdm__countdown; /* 0 = off */
static long tdm__allocs;
static long tdm__live;

void tdm__alloc_fail_after(long n) { __atomic_store_n(&tdm__countdown, n, __ATOMIC_SEQ_CST); }

long tdm__alloc_count(void) { return __atomic_load_n(&tdm__allocs, __ATOMIC_RELAXED); }

long tdm__alloc_live(void) { return __atomic_load_n(&tdm__live, __ATOMIC_RELAXED); }

int tdm__alloc_inject(void) {
  __atomic_fetch_add(&tdm__allocs, 1, __ATOMIC_RELAXED);
  long c = __atomic_load_n(&tdm__countdown, __ATOMIC_SEQ_CST);
  while (c > 0) {
    if (__atomic_compare_exchange_n(&tdm__countdown, &c, c - 1, 0, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST))
      return c == 1;
  }
  return 0;
}

void *tdm__malloc(size_t bytes) {
  if (tdm__alloc_inject()) return NULL;
  void *p = NULL;
  if (posix_memalign(&p, 64, bytes ? bytes : 1) != 0) return NULL;
  __atomic_fetch_add(&tdm__live, 1, __ATOMIC_RELAXED);
  return p;
}


void tdm__free(void *p) {
  if (!p) return;
  __atomic_fetch_sub(&tdm__live, 1, __ATOMIC_RELAXED);
  free(p);
}

void tdm__advise_huge(void *p, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const uintptr_t huge = (uintptr_t)2 << 20;
  uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), e = ((uintptr_t)p + bytes) & ~(huge - 1);
  if (e > a) (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
  (void)p, (void)bytes;
#endif
}
