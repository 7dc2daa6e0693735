/* split_int.h -- the sample-split sort of long 64-bit-key columns
 * (splitsort.c): its plan (split_plan.c), a map from a key's leading bits
 * to one of nb buckets of about equal expected size whose key ranges are
 * in order; the kernels that turn raw values into keys and bucket ids and
 * that scan a bucket's fine counts (plain C, AVX-512 in split_simd.c,
 * chosen by the kernel table); the sort's state, shared with the in-cache
 * sort of one bucket (split_bucket.c). */
#ifndef TDM_SPLIT_INT_H
#define TDM_SPLIT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cpu/sort_int.h"

#define TDM__SPLIT_BINS 65536u /* bins: 16 bits below the sample's common prefix */
#define TDM__SPLIT_SUB 256u    /* a heavy bin's cells: its next 8 bits */
#define TDM__SPLIT_MAXB 65536u /* buckets at most */

/* What a column's words are: F32 columns are sorted on the F64 key of
 * each value (exact, and in the same order), so every kind has 64-bit keys. */
enum { TDM__SPLIT_F64, TDM__SPLIT_I64, TDM__SPLIT_F32 };

static inline size_t tdm__split_width(int kind) { return kind == TDM__SPLIT_F32 ? 4 : 8; }

/* Word i of a column of `kind`, widened to 64 bits. */
static inline uint64_t tdm__split_word(int kind, const void *x, size_t i) {
  if (kind == TDM__SPLIT_F32) return ((const uint32_t *)x)[i];
  return ((const uint64_t *)x)[i];
}

/* A bin's entry: its first bucket << 9 | m, the buckets its 256 cells are
 * dealt over in equal runs (1: the whole bin is one bucket, or part of
 * one shared with its neighbours). */
typedef struct tdm__splan {
  int kind;      /* TDM__SPLIT_F64, _I64 or _F32 */
  int s1, s2;    /* bin = (key >> s1) - base + 1, clamped to [0, BINS-1]; cell bits at s2 */
  uint64_t base; /* the sample's smallest key >> s1 */
  uint32_t *lut; /* per bin, as above */
  size_t nb;     /* buckets (<= TDM__SPLIT_MAXB) */
} tdm__splan;

/* The order-preserving key of one raw word (sort_int.h's, on the bits;
 * an F32 word's is its value's F64 key), and back. */
static inline uint64_t tdm__split_key(int kind, uint64_t u) {
  if (kind == TDM__SPLIT_I64) return u ^ ((uint64_t)1 << 63);
  double v;
  if (kind == TDM__SPLIT_F32) {
    float f;
    uint32_t w = (uint32_t)u;
    memcpy(&f, &w, 4);
    v = f;
  } else {
    memcpy(&v, &u, 8);
  }
  return tdm__key_f64(v);
}
static inline uint64_t tdm__split_unkey(int kind, uint64_t k) {
  if (kind == TDM__SPLIT_I64) return k ^ ((uint64_t)1 << 63);
  double v = tdm__unkey_f64(k);
  if (kind == TDM__SPLIT_F32) {
    float f = (float)v;
    uint32_t w;
    memcpy(&w, &f, 4);
    return w;
  }
  memcpy(&k, &v, 8);
  return k;
}

static inline unsigned tdm__split_bucket(const tdm__splan *P, uint64_t k) {
  uint64_t t = k >> P->s1;
  if (t < P->base) t = 0;
  else t = t - P->base > TDM__SPLIT_BINS - 2 ? TDM__SPLIT_BINS - 1 : t - P->base + 1;
  uint32_t e = P->lut[t];
  unsigned cell = (unsigned)(k >> P->s2) & (TDM__SPLIT_SUB - 1);
  return (e >> 9) + ((cell * (e & 511u)) >> 8);
}

#define TDM__SPLIT_RUNS 4096 /* the sort's sample: this many evenly spaced runs ... */
#define TDM__SPLIT_RUN 64    /* ... of this many elements (all of a shorter column) */

/* s := the keys of `runs` evenly spaced runs of TDM__SPLIT_RUN raw words
 * of x[0..n) (cheap to read, and a sorted column is sampled evenly), or of
 * all of x when that is no more; returns how many. */
size_t tdm__split_sample(int kind, const void *x, size_t n, size_t runs, uint64_t *s);

/* Builds P from ns sample keys standing for n elements, aiming at buckets
 * of `target` elements. Nonzero: out of memory (P holds nothing). */
int tdm__splan_build(tdm__splan *P, int kind, const uint64_t *sample, size_t ns, size_t n,
                     size_t target);
void tdm__splan_free(tdm__splan *P);
/* lo[q], hi[q] := the least and greatest keys the plan maps to bucket q
 * (0, 0 for a bucket no key maps to). */
void tdm__splan_ranges(const tdm__splan *P, uint64_t *lo, uint64_t *hi);

/* keys[i], ids[i] := the key and bucket of raw word i of x (P->kind's
 * words), i < n. */
typedef void (*tdm__split_cls_fn)(const tdm__splan *P, const void *x, size_t n, uint64_t *keys,
                                  uint32_t *ids);
void tdm__split_cls_c(const tdm__splan *P, const void *x, size_t n, uint64_t *keys, uint32_t *ids);
void tdm__split_cls_avx512(const tdm__splan *P, const void *x, size_t n, uint64_t *keys,
                           uint32_t *ids);

/* h[0..nbin) := its exclusive prefix sums (nbin a multiple of 16); list
 * gets, in order, the bins that counted more than 2 (room for one more
 * entry than it returns); returns how many. */
typedef uint32_t (*tdm__split_scan_fn)(uint32_t *h, size_t nbin, uint32_t *list);
uint32_t tdm__split_scan_c(uint32_t *h, size_t nbin, uint32_t *list);
uint32_t tdm__split_scan_avx512(uint32_t *h, size_t nbin, uint32_t *list);

/* o[0..n) := the values (kind's words) of keys a[0..n), which are in
 * order but for disjoint neighbouring pairs that may be swapped (the bins
 * of two keys of the in-cache step); _part does keys [i, e) only, for the
 * vector kernel's ends. The vector kernel streams o out, the C one stores
 * it. */
typedef void (*tdm__split_out_fn)(int kind, const uint64_t *a, void *o, size_t n);
void tdm__split_out_c(int kind, const uint64_t *a, void *o, size_t n);
void tdm__split_out_avx512(int kind, const uint64_t *a, void *o, size_t n);
void tdm__split_out_part(int kind, const uint64_t *a, void *o, size_t n, size_t i, size_t e);

/* ---- the sort's state (splitsort.c) ----------------------------------- */

#define TDM__SPLIT_FINE 16 /* at most 2^16 fine bins per bucket */

typedef struct { /* one (part, bucket) */
  uint64_t *pos, *end; /* the free part of its current block */
  uint32_t head, cur;  /* first and current block of its chain */
  size_t count;
} tdm__sbk;

typedef struct {
  const tdm__splan *P;
  tdm__split_cls_fn cls;
  tdm__split_scan_fn scan;
  tdm__split_out_fn out;
  void *x; /* the column: P->kind's words */
  size_t n, es, parts, nb, bs;
  size_t pnext, gnext, bnext_big; /* atomic: the next piece, bucket group, big bucket to take */
  uint64_t *tmp;           /* blocks of bs keys */
  uint32_t *bnext, *bfill; /* per block: next in its chain (UINT32_MAX: none), keys held */
  uint32_t nblk;           /* blocks handed out (atomic) */
  tdm__sbk *st;            /* parts x nb */
  uint64_t (*stage)[8];    /* parts x nb staging lines */
  uint8_t *fill;           /* parts x nb: keys in each staging line */
  size_t *start;           /* nb + 1: each bucket's place in the column */
  uint64_t *lo, *hi;       /* nb: each bucket's key range (tdm__splan_ranges) */
  size_t ngroups, *gfirst; /* bucket groups [gfirst[g], gfirst[g+1]) */
  uint64_t *work;          /* per part: 2 x cap keys */
  uint32_t *hist;          /* per part: TDM__SPLIT_HIST counts */
  uint32_t *list;          /* per part: cap / 3 + 2 bins */
  size_t cap;              /* the longest bucket sorted in cache */
  size_t nbig, *bigs;      /* the buckets longer than that */
  size_t bigmax, nbw;      /* the longest, and the workers that sort them */
  size_t bigper;           /* scratch keys per such worker: bigmax (twice that for F32) */
  uint64_t *bigwork;       /* per such worker: bigper keys */
} tdm__ssort;

#define TDM__SPLIT_HIST ((1u << TDM__SPLIT_FINE) + 4096u) /* fine bins, then tdm__split_run's */

/* Sorts keys a[0..n) in [mn, mx] with b[0..n) as scratch and h as 4096
 * counts (split_bucket.c). */
void tdm__split_run(uint64_t *a, uint64_t *b, size_t n, uint64_t mn, uint64_t mx, uint32_t *h);
/* Sorts bucket j (1 .. cap keys) with a, b (cap keys each), h
 * (TDM__SPLIT_HIST counts) and list (cap / 3 + 2) and writes its values at
 * its place in the column. */
void tdm__split_sort_bucket(const tdm__ssort *s, size_t j, uint64_t *a, uint64_t *b,
                            uint32_t *h, uint32_t *list);

#endif
