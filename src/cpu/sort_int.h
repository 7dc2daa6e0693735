/* sort_int.h -- order-preserving integer keys of the sortable dtypes and
 * the LSD radix sorts on them (src/cpu/radix.c), shared by tdm_sort,
 * tdm_argsort and tdm_quantile on the CPU. A float's key orders -inf <
 * ... < -0 < +0 < ... < +inf < NaN (every NaN the same largest key). */
#ifndef TDM_SORT_INT_H
#define TDM_SORT_INT_H

#include <stdint.h>
#include <string.h>

#include "backend.h"

static inline uint64_t tdm__key_f64(double v) {
  uint64_t u;
  memcpy(&u, &v, 8);
  if (v != v) return UINT64_MAX;
  return (u >> 63) ? ~u : u ^ ((uint64_t)1 << 63);
}
static inline double tdm__unkey_f64(uint64_t k) {
  if (k == UINT64_MAX) return __builtin_nan("");
  uint64_t u = (k >> 63) ? k ^ ((uint64_t)1 << 63) : ~k;
  double v;
  memcpy(&v, &u, 8);
  return v;
}
static inline uint32_t tdm__key_f32(float v) {
  uint32_t u;
  memcpy(&u, &v, 4);
  if (v != v) return UINT32_MAX;
  return (u >> 31) ? ~u : u ^ 0x80000000u;
}
static inline float tdm__unkey_f32(uint32_t k) {
  if (k == UINT32_MAX) return __builtin_nanf("");
  uint32_t u = (k >> 31) ? k ^ 0x80000000u : ~k;
  float v;
  memcpy(&v, &u, 4);
  return v;
}

/* Sorts keys k[0..n) ascending using tmp[0..n) (and, when idx is not
 * NULL, carries idx[] along using itmp[], stably), on up to nthreads
 * threads. The result is in k (and idx). Nonzero: out of memory for
 * the count tables (nothing changed). */
int tdm__radix64(int nthreads, uint64_t *k, uint64_t *tmp, uint64_t *idx, uint64_t *itmp, size_t n);
int tdm__radix32(int nthreads, uint32_t *k, uint32_t *tmp, size_t n);

/* F64, I64 and F32 columns at least this long go to the sample-split sort. */
#define TDM__SPLIT_MIN ((size_t)1 << 18)
/* Sorts n < 2^32 raw words x (kind: TDM__SPLIT_F64, _I64 or _F32, split_int.h)
 * in place on up to nthreads threads (splitsort.c). Nonzero: out of
 * memory, x unchanged. */
int tdm__splitsort64(int nthreads, int kind, void *x, size_t n);

#endif
