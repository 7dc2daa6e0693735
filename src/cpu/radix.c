/* radix.c -- parallel radix sorts of 32- and 64-bit keys (8-bit digits):
 * LSD for short arrays (a digit every key shares is skipped), MSD first
 * for long ones (below). The array is cut into
 * parts; per pass each part counts its digits, the counts give every
 * (digit, part) its output offset, and each part scatters its keys in
 * order, so the sort is stable and its result does not depend on the
 * thread count (it is the one sorted order of the keys). */
#include <stdlib.h>

#include "core/alloc.h"
#include "cpu/cpu_int.h"
#include "cpu/sort_int.h"

#define RB 8
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
  size_t (*all)[8][RN];          /* parts x passes x RN (first read) */
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
  tdm__rjob2 j = {n, parts, n / parts + (n % parts != 0), 0, wide ? 8 : 4, k, tmp, idx, itmp, wide,
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

/* ---- MSD on top: long arrays ------------------------------------------------
 * One parallel scatter by the top digit, then each bucket on one thread:
 * a bucket that fits in cache is LSD sorted (its shared leading digits are
 * skipped); a larger one is scattered by its next digit first. So a long
 * array crosses memory a few times instead of once per digit. */
#define SMALL ((size_t)1 << 15)

typedef struct {
  int wide;
  char *k, *t;       /* keys, scratch (bytes) */
  uint64_t *ix, *it; /* payload, its scratch (or NULL) */
  size_t *start;     /* top-level buckets: RN + 1 */
  int shift, fail;
} tdm__msd;

#define KEY(w, p, i) ((w) ? ((const uint64_t *)(p))[i] : ((const uint32_t *)(p))[i])

/* A short stretch whose keys agree above bit `bits`: insertion sort when
 * tiny, else LSD on the low digits with tables on the stack. Returns 1
 * when the result is in b. */
static int tdm__lsd_small(int wide, char *a, char *b, uint64_t *ai, uint64_t *bi, size_t n, int bits) {
  if (n <= 24) {
    for (size_t i = 1; i < n; i++) {
      uint64_t key = KEY(wide, a, i), pay = ai ? ai[i] : 0;
      size_t j = i;
      for (; j > 0 && KEY(wide, a, j - 1) > key; j--) {
        if (wide) ((uint64_t *)a)[j] = ((uint64_t *)a)[j - 1];
        else ((uint32_t *)a)[j] = ((uint32_t *)a)[j - 1];
        if (ai) ai[j] = ai[j - 1];
      }
      if (wide) ((uint64_t *)a)[j] = key;
      else ((uint32_t *)a)[j] = (uint32_t)key;
      if (ai) ai[j] = pay;
    }
    return 0;
  }
  int npass = (bits + RB - 1) / RB;
  if (npass > 8) npass = 8;
  size_t h[8][RN];
  memset(h, 0, (size_t)npass * sizeof h[0]);
  for (size_t i = 0; i < n; i++) {
    uint64_t key = KEY(wide, a, i);
    for (int d = 0; d < npass; d++) h[d][(key >> (d * RB)) & (RN - 1)]++;
  }
  int flip = 0;
  for (int d = 0; d < npass; d++) {
    size_t run = 0;
    int trivial = 0;
    for (unsigned v = 0; v < RN; v++) {
      size_t c = h[d][v];
      trivial |= c == n;
      h[d][v] = run;
      run += c;
    }
    if (trivial) continue;
    char *src = flip ? b : a, *dst = flip ? a : b;
    uint64_t *si = flip ? bi : ai, *di = flip ? ai : bi;
    for (size_t i = 0; i < n; i++) {
      uint64_t key = KEY(wide, src, i);
      size_t at = h[d][(key >> (d * RB)) & (RN - 1)]++;
      if (wide) ((uint64_t *)dst)[at] = key;
      else ((uint32_t *)dst)[at] = (uint32_t)key;
      if (ai) di[at] = si[i];
    }
    flip = !flip;
  }
  return flip;
}

/* Sorts a[0..n) (payload ai), with b (bi) as scratch; returns 1 when the
 * result is in b, 0 when in a. Serial. */
static int tdm__sort_in(tdm__msd *m, char *a, char *b, uint64_t *ai, uint64_t *bi, size_t n, int shift) {
  size_t es = m->wide ? 8 : 4;
  if (n <= SMALL || shift < 0) return tdm__lsd_small(m->wide, a, b, ai, bi, n, shift + RB);
  size_t cnt[RN + 1] = {0};
  for (size_t i = 0; i < n; i++) cnt[((KEY(m->wide, a, i) >> shift) & (RN - 1)) + 1]++;
  for (unsigned d = 0; d < RN; d++) cnt[d + 1] += cnt[d];
  size_t pos[RN];
  memcpy(pos, cnt, sizeof pos);
  for (size_t i = 0; i < n; i++) {
    uint64_t key = KEY(m->wide, a, i);
    size_t at = pos[(key >> shift) & (RN - 1)]++;
    if (m->wide) ((uint64_t *)b)[at] = key;
    else ((uint32_t *)b)[at] = (uint32_t)key;
    if (ai) bi[at] = ai[i];
  }
  for (unsigned d = 0; d < RN; d++) {
    size_t o = cnt[d], len = cnt[d + 1] - o;
    if (len < 2) continue;
    if (tdm__sort_in(m, b + o * es, a + o * es, bi ? bi + o : NULL, ai ? ai + o : NULL, len, shift - RB)) {
      memcpy(b + o * es, a + o * es, len * es);
      if (ai) memcpy(bi + o, ai + o, len * 8);
    }
  }
  return 1;
}

static void tdm__msd_buckets(void *arg, size_t lo, size_t hi) {
  tdm__msd *m = arg;
  size_t es = m->wide ? 8 : 4;
  for (size_t d = lo; d < hi; d++) {
    size_t o = m->start[d], len = m->start[d + 1] - o;
    if (len == 0) continue;
    /* the bucket is in t (the top scatter's output); the result goes to k */
    if (!tdm__sort_in(m, m->t + o * es, m->k + o * es, m->it ? m->it + o : NULL,
                      m->ix ? m->ix + o : NULL, len, m->shift - RB)) {
      memcpy(m->k + o * es, m->t + o * es, len * es);
      if (m->ix) memcpy(m->ix + o, m->it + o, len * 8);
    }
  }
}

static int tdm__radix_long(int nthreads, int wide, void *k, void *tmp, uint64_t *idx, uint64_t *itmp,
                           size_t n) {
  if (n <= SMALL * 4) return tdm__radix(nthreads, wide, k, tmp, idx, itmp, n);
  size_t parts = (size_t)(nthreads * 2 < PARTS_MAX ? (nthreads > 0 ? nthreads * 2 : 1) : PARTS_MAX);
  int top = wide ? 64 - RB : 32 - RB;
  tdm__rjob2 j = {n, parts, n / parts + (n % parts != 0), top, wide ? 8 : 4, k, tmp, idx, itmp, wide,
                  NULL, NULL};
  j.cnt = tdm__malloc(parts * sizeof *j.cnt);
  size_t *start = tdm__malloc((RN + 1) * sizeof *start);
  if (!j.cnt || !start) {
    tdm__free(j.cnt);
    tdm__free(start);
    return 1;
  }
  tdm__par_for(nthreads, parts, 1, tdm__count, &j);
  size_t run = 0;
  for (unsigned b = 0; b < RN; b++) {
    start[b] = run;
    for (size_t p = 0; p < parts; p++) {
      size_t c = j.cnt[p][b];
      j.cnt[p][b] = run;
      run += c;
    }
  }
  start[RN] = n;
  tdm__par_for(nthreads, parts, 1, tdm__scatter, &j);
  tdm__msd m = {wide, k, tmp, idx, itmp, start, top, 0};
  tdm__par_for(nthreads, RN, 1, tdm__msd_buckets, &m);
  tdm__free(j.cnt);
  tdm__free(start);
  return m.fail;
}

int tdm__radix64(int nthreads, uint64_t *k, uint64_t *tmp, uint64_t *idx, uint64_t *itmp, size_t n) {
  return tdm__radix_long(nthreads, 1, k, tmp, idx, itmp, n);
}

int tdm__radix32(int nthreads, uint32_t *k, uint32_t *tmp, size_t n) {
  return tdm__radix_long(nthreads, 0, k, tmp, NULL, NULL, n);
}
