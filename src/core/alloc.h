/* alloc.h -- the one host allocator of the library, with a fault hook.
 * Every host allocation goes through here so a test can make the Nth one
 * fail (SQLite's OOM countdown) and check each error path. */
#ifndef TDM_ALLOC_H
#define TDM_ALLOC_H

#include <stddef.h>
#include <string.h>

/* 64-byte aligned; NULL on failure (real or injected). Free with tdm__free.
 * libtandem defines them; the CUDA module and libtandem_dist forward them
 * to libtandem through the host api (src/module.h). */
void *tdm__malloc(size_t bytes);
void tdm__free(void *p);
/* Asks the kernel to back the 2 MiB pages inside [p, p+bytes) with huge
 * pages (Linux THP in madvise mode); a hint, silently ignored elsewhere.
 * For big scratch written in scattered order (TLB misses otherwise). */
void tdm__advise_huge(void *p, size_t bytes);

/* Test hook: the nth allocation from now fails (1 = the next); 0 turns it
 * off. It stays armed after firing only for that one allocation. Device
 * allocators of the sim backend consult tdm__alloc_inject() too. */
void tdm__alloc_fail_after(long n);
/* 1 if the countdown says this allocation must fail (and consumes it). */
int tdm__alloc_inject(void);
/* Number of allocations that went through the allocator so far. */
long tdm__alloc_count(void);
/* Allocations not yet freed (leak checks in tests). */
long tdm__alloc_live(void);

/* a*b into *out; 1 on overflow. */
static inline int tdm__mul_ovf(size_t a, size_t b, size_t *out) {
  return __builtin_mul_overflow(a, b, out);
}

/* Zeroed count*size bytes through tdm__malloc; NULL on overflow too. */
static inline void *tdm__calloc(size_t count, size_t size) {
  size_t bytes;
  if (tdm__mul_ovf(count, size, &bytes)) return NULL;
  void *p = tdm__malloc(bytes);
  if (p) memset(p, 0, bytes);
  return p;
}

#endif
