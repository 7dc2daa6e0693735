/* radix.c -- parallel LSD radix sorts of 32- and 64-bit keys (11-bit
 * digits; a digit every key shares is skipped). The array is cut into
 * parts; per pass each part counts its digits, the counts give every
 * (digit, part) its output offset, and each part scatters its keys in
 * order, so the sort is stable and its result does not depend on the
 * thread count (it is the one sorted order of the keys). */
#include <stdlib.h>

#include "core/alloc.h"
#include "cpu/cpu_int.h"
#include "cpu/sort_int.h"

#define RB 11
#define RN (1u << RB)
#define PARTS_MAX 16
#define SERIAL_N ((size_t)1 << 16)

typedef struct {
  size_t n, parts, span;
  int shift, npass;
  const void *src;
  void *dst;
  const uint64_t *isrc;
  uint64_t *idst;
  int wide;                      /* 64-bit keys */
  size_t (*cnt)[RN];             /* parts x RN */
  size_t (*all)[6][RN];          /* parts x passes x RN (first read) */
} tdm__rjob2;

static inline unsigned tdm__dig(const tdm__rjob2 *j, size_t i, int shift) {
  uint64_t k = j->wide ? ((const uint64_t *)j->src)[i] : ((const uint32_t *)j->src)[i];
  return (unsigned)(k >> shift) & (RN - 1);
}

static void tdm__count_all(void *arg, size_t lo, size_t hi) {
  const tdm__rjob2 *j = arg;
  for (size_t p = lo; p < hi; p++) {
    size_t b = p * j->span, e = b + j->span < j->n ? b + j->span : j->n;
    memset(j->all[p], 0, sizeof j->all[p]);
    for (size_t i = b; i < e; i++) {
      uint64_t k = j->wide ? ((const uint64_t *)j->src)[i] : ((const uint32_t *)j->src)[i];
      for (int d = 0; d < j->npass; d++) j->all[p][d][(k >> (d * RB)) & (RN - 1)]++;
    }
  }
}

static void tdm__count(void *arg, size_t lo, size_t hi) {
  const tdm__rjob2 *j = arg;
  for (size_t p = lo; p < hi; p++) {
    size_t b = p * j->span, e = b + j->span < j->n ? b + j->span : j->n;
    memset(j->cnt[p], 0, sizeof j->cnt[p]);
    for (size_t i = b; i < e; i++) j->cnt[p][tdm__dig(j, i, j->shift)]++;
  }
}

static void tdm__scatter(void *arg, size_t lo, size_t hi) {
  const tdm__rjob2 *j = arg;
  for (size_t p = lo; p < hi; p++) {
    size_t b = p * j->span, e = b + j->span < j->n ? b + j->span : j->n;
    size_t *off = j->cnt[p];
    const int sh = j->shift;
    if (j->wide) {
      const uint64_t *s = j->src;
      uint64_t *d = j->dst;
      if (j->isrc) {
        for (size_t i = b; i < e; i++) {
          size_t at = off[(s[i] >> sh) & (RN - 1)]++;
          d[at] = s[i];
          j->idst[at] = j->isrc[i];
        }
      } else {
        for (size_t i = b; i < e; i++) d[off[(s[i] >> sh) & (RN - 1)]++] = s[i];
      }
    } else {
      const uint32_t *s = j->src;
      uint32_t *d = j->dst;
      for (size_t i = b; i < e; i++) d[off[(s[i] >> sh) & (RN - 1)]++] = s[i];
    }
  }
}

/* The sort; keys of width 8 (wide) or 4 bytes. Returns nonzero only if a
 * work table could not be allocated (then the data is unchanged). */
static int tdm__radix(int nthreads, int wide, void *k, void *tmp, uint64_t *idx, uint64_t *itmp,
                      size_t n) {
  if (n < 2) return 0;
  size_t parts = n < SERIAL_N || nthreads < 2 ? 1 : (size_t)(nthreads * 2 < PARTS_MAX ? nthreads * 2 : PARTS_MAX);
  tdm__rjob2 j = {n, parts, n / parts + (n % parts != 0), 0, wide ? 6 : 3, k, tmp, idx, itmp, wide,
                  NULL, NULL};
  j.cnt = tdm__malloc(parts * sizeof *j.cnt);
  j.all = tdm__malloc(parts * sizeof *j.all);
  if (!j.cnt || !j.all) {
    tdm__free(j.cnt);
    tdm__free(j.all);
    return 1;
  }
  tdm__par_for(nthreads, parts, 1, tdm__count_all, &j);
  int in_tmp = 0, moved = 0; /* where the keys are now; a pass has run */
  for (int d = 0; d < j.npass; d++) {
    size_t tot[RN] = {0};
    int trivial = 0;
    for (unsigned b = 0; b < RN && !trivial; b++) {
      for (size_t p = 0; p < parts; p++) tot[b] += j.all[p][d][b];
      trivial = tot[b] == n;
    }
    if (trivial) continue;
    j.shift = d * RB;
    j.src = in_tmp ? tmp : k;
    j.dst = in_tmp ? k : tmp;
    j.isrc = idx ? (in_tmp ? itmp : idx) : NULL;
    j.idst = in_tmp ? idx : itmp;
    if (!moved || parts == 1) { /* the parts still hold what the first read counted */
      for (size_t p = 0; p < parts; p++) memcpy(j.cnt[p], j.all[p][d], sizeof j.cnt[p]);
    } else {
      tdm__par_for(nthreads, parts, 1, tdm__count, &j);
    }
    size_t run = 0;
    for (unsigned b = 0; b < RN; b++)
      for (size_t p = 0; p < parts; p++) {
        size_t c = j.cnt[p][b];
        j.cnt[p][b] = run;
        run += c;
      }
    tdm__par_for(nthreads, parts, 1, tdm__scatter, &j);
    in_tmp = !in_tmp;
    moved = 1;
  }
  if (in_tmp) {
    memcpy(k, tmp, n * (wide ? 8 : 4));
    if (idx) memcpy(idx, itmp, n * 8);
  }
  tdm__free(j.cnt);
  tdm__free(j.all);
  return 0;
}

int tdm__radix64(int nthreads, uint64_t *k, uint64_t *tmp, uint64_t *idx, uint64_t *itmp, size_t n) {
  return tdm__radix(nthreads, 1, k, tmp, idx, itmp, n);
}

int tdm__radix32(int nthreads, uint32_t *k, uint32_t *tmp, size_t n) {
  return tdm__radix(nthreads, 0, k, tmp, NULL, NULL, n);
}
