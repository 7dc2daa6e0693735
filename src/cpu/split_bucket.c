/* split_bucket.c -- the sample-split sort's in-cache step (splitsort.c):
 * one bucket's keys are counted by a fine index of the bucket's key range
 * (the plan's, so the count rides on the first read of its blocks), placed
 * by those counts, the few fine bins holding more than two keys finished
 * here, and the pairs of bins of two are ordered on the way out to the
 * column (the out kernel). Also
 * the run sort that long bins and oversized buckets use. */
#include <string.h>

#include "cpu/split_int.h"

#ifdef TDM__ISA_X86
#include <immintrin.h>
#endif

#define SMALL 32 /* insertion sort up to this */

static void tdm__sins(uint64_t *a, size_t n) {
  for (size_t i = 1; i < n; i++) {
    uint64_t k = a[i];
    if (k >= a[i - 1]) continue;
    size_t j = i;
    do a[j] = a[j - 1], j--;
    while (j > 0 && a[j - 1] > k);
    a[j] = k;
  }
}

/* Two LSD passes on a fine index, the top F bits of key - mn (F about
 * log2 n + 3, so runs of one index are short), then each run of one index
 * on its own. Each level drops at least 9 bits of range, so the recursion
 * is shallow. */
void tdm__split_run(uint64_t *a, uint64_t *b, size_t n, uint64_t mn, uint64_t mx, uint32_t *h) {
  if (n <= SMALL) {
    tdm__sins(a, n);
    return;
  }
  if (mn == mx) return;
  int F = 64 - __builtin_clzll((uint64_t)n - 1) + 3;
  if (F > 22) F = 22;
  int rb = 64 - __builtin_clzll(mx - mn), sh = rb - F;
  if (sh < 0) sh = 0, F = rb;
  int w0 = F / 2, w1 = F - w0;
  uint32_t m0 = (1u << w0) - 1, *h0 = h, *h1 = h + 2048, r0 = 0, r1 = 0;
  memset(h0, 0, sizeof *h0 << w0);
  memset(h1, 0, sizeof *h1 << w1);
  for (size_t i = 0; i < n; i++) {
    uint64_t x = (a[i] - mn) >> sh;
    h0[x & m0]++;
    h1[x >> w0]++;
  }
  for (uint32_t v = 0; v <= m0; v++) {
    uint32_t c = h0[v];
    h0[v] = r0, r0 += c;
  }
  for (uint32_t v = 0; v < (1u << w1); v++) {
    uint32_t c = h1[v];
    h1[v] = r1, r1 += c;
  }
  for (size_t i = 0; i < n; i++) {
    uint64_t k = a[i];
    b[h0[((k - mn) >> sh) & m0]++] = k;
  }
  for (size_t i = 0; i < n; i++) {
    uint64_t k = b[i];
    a[h1[((k - mn) >> sh) >> w0]++] = k;
  }
  if (sh == 0) return; /* the index was the whole key */
  for (size_t i = 0; i < n;) {
    uint64_t x = (a[i] - mn) >> sh;
    size_t j = i + 1;
    while (j < n && (a[j] - mn) >> sh == x) j++;
    if (j - i > SMALL) {
      uint64_t lo = UINT64_MAX, hi = 0;
      for (size_t t = i; t < j; t++) lo = a[t] < lo ? a[t] : lo, hi = a[t] > hi ? a[t] : hi;
      tdm__split_run(a + i, b, j - i, lo, hi, h);
    } else if (j - i > 1) {
      tdm__sins(a + i, j - i);
    }
    i = j;
  }
}

uint32_t tdm__split_scan_c(uint32_t *h, size_t nbin, uint32_t *list) {
  uint32_t run = 0, nl = 0;
  for (size_t v = 0; v < nbin; v++) {
    uint32_t c = h[v];
    h[v] = run, run += c;
    list[nl] = (uint32_t)v; /* kept only when the bin counted over 2 */
    nl += c > 2;
  }
  return nl;
}

/* Key i of a run whose only disorder is disjoint swapped neighbours:
 * the lesser of a swapped pair's first, the greater of its second. */
static inline uint64_t tdm__sfix(const uint64_t *a, size_t n, size_t i) {
  uint64_t k = a[i];
  if (i + 1 < n && k > a[i + 1]) return a[i + 1];
  if (i > 0 && a[i - 1] > k) return a[i - 1];
  return k;
}

void tdm__split_out_c(int kind, const uint64_t *a, void *o, size_t n) {
  tdm__split_out_part(kind, a, o, n, 0, n);
}

/* The ends of tdm__split_out_avx512: keys [i, e) of a[0..n). */
void tdm__split_out_part(int kind, const uint64_t *a, void *o, size_t n, size_t i, size_t e) {
  if (kind == TDM__SPLIT_F32)
    for (uint32_t *w = o; i < e; i++) w[i] = (uint32_t)tdm__split_unkey(kind, tdm__sfix(a, n, i));
  else
    for (uint64_t *w = o; i < e; i++) w[i] = tdm__split_unkey(kind, tdm__sfix(a, n, i));
}

void tdm__split_sort_bucket(const tdm__ssort *s, size_t j, uint64_t *a, uint64_t *b,
                            uint32_t *h, uint32_t *list) {
  size_t len = s->start[j + 1] - s->start[j];
  uint64_t lo = s->lo[j], span = s->hi[j] - lo;
  /* about two fine bins per key: few bins hold over two keys */
  int F = (len > 1 ? 64 - __builtin_clzll((uint64_t)len - 1) : 0) + 1;
  if (F > TDM__SPLIT_FINE) F = TDM__SPLIT_FINE;
  int rb = span ? 64 - __builtin_clzll(span) : 0, sh = rb - F;
  if (sh < 0) sh = 0, F = rb;
  size_t nbin = (size_t)1 << F;
  if (nbin < 16) nbin = 16;
  const uint64_t mask = nbin - 1; /* a no-op for keys in range; keeps writes in a if not */
  memset(h, 0, nbin * sizeof *h);
  for (size_t p = 0; p < s->parts; p++)
    for (uint32_t q = s->st[p * s->nb + j].head; q != UINT32_MAX; q = s->bnext[q]) {
      const uint64_t *src = s->tmp + (size_t)q * s->bs;
      uint32_t c = s->bfill[q], i = 0;
      if (s->bnext[q] != UINT32_MAX) /* the next block a line at a time */
        for (const char *nx = (const char *)(s->tmp + (size_t)s->bnext[q] * s->bs); i + 8 <= c;
             i += 8) {
          __builtin_prefetch(nx + (size_t)i * 8);
          for (int t = 0; t < 8; t++) h[((src[i + t] - lo) >> sh) & mask]++;
        }
      for (; i < c; i++) h[((src[i] - lo) >> sh) & mask]++;
    }
  uint32_t nl = s->scan(h, nbin, list);
  for (size_t p = 0; p < s->parts; p++)
    for (uint32_t q = s->st[p * s->nb + j].head; q != UINT32_MAX; q = s->bnext[q]) {
      const uint64_t *src = s->tmp + (size_t)q * s->bs;
      for (uint32_t i = 0, c = s->bfill[q]; i < c; i++) {
        uint64_t k = src[i];
        a[h[((k - lo) >> sh) & mask]++] = k;
      }
    }
  /* h[v] is now the end of bin v; with sh = 0 a bin holds one key value */
  for (uint32_t t = 0; t < nl && sh; t++) {
    uint32_t v = list[t], e = h[v], b0 = v ? h[v - 1] : 0;
    if (e - b0 <= SMALL) {
      tdm__sins(a + b0, e - b0);
      continue;
    }
    uint64_t mn = UINT64_MAX, mx = 0;
    for (uint32_t i = b0; i < e; i++) mn = a[i] < mn ? a[i] : mn, mx = a[i] > mx ? a[i] : mx;
    tdm__split_run(a + b0, b, e - b0, mn, mx, h + ((size_t)1 << TDM__SPLIT_FINE));
  }
  s->out(s->P->kind, a, (char *)s->x + s->start[j] * s->es, len);
}
