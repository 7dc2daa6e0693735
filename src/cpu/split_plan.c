/* split_plan.c -- the sample-split sort's plan (split_int.h): bins are 16
 * bits of the key just below the sample's common leading bits; a bin
 * holding 1.5 buckets' worth of the sample or more gets m buckets of its
 * own, over which its 256 cells (its next 8 bits) are dealt in equal runs,
 * so a key's bucket is one table entry and a multiply away; the other bins
 * are dealt, in key order, into buckets of about `target` elements. Keys
 * outside the sample's range fall into the end bins 0 and BINS-1, which are
 * never cut, so the map stays monotone for every key. */
#include <string.h>

#include "core/alloc.h"
#include "cpu/split_int.h"

void tdm__split_cls_c(const tdm__splan *P, const void *x, size_t n, uint64_t *keys, uint32_t *ids) {
  for (size_t i = 0; i < n; i++) {
    uint64_t k = tdm__split_key(P->kind, tdm__split_word(P->kind, x, i));
    keys[i] = k;
    ids[i] = tdm__split_bucket(P, k);
  }
}

void tdm__splan_free(tdm__splan *P) {
  tdm__free(P->lut);
  P->lut = NULL;
}

size_t tdm__split_sample(int kind, const void *x, size_t n, size_t runs, uint64_t *s) {
  const size_t R = TDM__SPLIT_RUN;
  if (runs < 2 || runs * R >= n) {
    for (size_t i = 0; i < n; i++) s[i] = tdm__split_key(kind, tdm__split_word(kind, x, i));
    return n;
  }
  for (size_t c = 0; c < runs; c++) {
    size_t o = (n - R) / (runs - 1) * c;
    for (size_t i = 0; i < R; i++)
      s[c * R + i] = tdm__split_key(kind, tdm__split_word(kind, x, o + i));
  }
  return runs * R;
}

void tdm__splan_ranges(const tdm__splan *P, uint64_t *lo, uint64_t *hi) {
  const size_t B = TDM__SPLIT_BINS;
  const uint64_t tmax = UINT64_MAX >> P->s1; /* the largest key >> s1 */
  memset(lo, 0, P->nb * sizeof *lo);
  memset(hi, 0, P->nb * sizeof *hi);
  size_t prev = SIZE_MAX;
  for (size_t b = 0; b < B; b++) { /* bins in key order, as tdm__split_bucket maps them */
    uint64_t blo, bhi;
    if (b == 0) {
      if (P->base == 0) continue; /* no key is below the sample's bins */
      blo = 0, bhi = (P->base << P->s1) - 1;
    } else {
      uint64_t t = P->base + b - 1;
      if (t > tmax) break;
      blo = t << P->s1;
      bhi = b == B - 1 || t == tmax ? UINT64_MAX : ((t + 1) << P->s1) - 1;
    }
    uint32_t e = P->lut[b], m = e & 511u;
    size_t cells = m > 1 ? TDM__SPLIT_SUB : 1;
    for (size_t c = 0; c < cells; c++) {
      uint64_t clo = blo, chi = bhi;
      if (cells > 1) clo = blo + ((uint64_t)c << P->s2), chi = clo + (((uint64_t)1 << P->s2) - 1);
      size_t q = (e >> 9) + ((c * m) >> 8);
      if (q != prev) lo[q] = clo, prev = q;
      hi[q] = chi;
    }
  }
}

int tdm__splan_build(tdm__splan *P, int kind, const uint64_t *s, size_t ns, size_t n,
                     size_t target) {
  const size_t B = TDM__SPLIT_BINS;
  uint64_t mn = UINT64_MAX, mx = 0;
  for (size_t i = 0; i < ns; i++) {
    mn = s[i] < mn ? s[i] : mn;
    mx = s[i] > mx ? s[i] : mx;
  }
  int hb = mn == mx ? 0 : 63 - __builtin_clzll(mn ^ mx);
  int s1 = hb + 1 - 16;
  if (s1 < 0) s1 = 0;
  while ((mx >> s1) - (mn >> s1) > B - 3) s1++; /* the sample's bins are 1 .. B-2 */
  *P = (tdm__splan){kind, s1, s1 >= 8 ? s1 - 8 : 0, mn >> s1, NULL, 0};
  uint32_t *h = tdm__calloc(B, sizeof *h);
  P->lut = tdm__malloc(B * sizeof *P->lut);
  if (!h || !P->lut) {
    tdm__free(h);
    tdm__splan_free(P);
    return 1;
  }
  for (size_t i = 0; i < ns; i++) h[(s[i] >> s1) - P->base + 1]++;
  /* Deal the bins into buckets in key order: a bin of 1.5 targets or more
   * (by the sample) gets m of them of its own, its cells dealt over them in
   * equal runs (a bin is a narrow slice of the key range, so its density
   * is nearly flat); the others share buckets of up to about target. A
   * bin has cells only where 8 more bits exist below it. The target is at
   * least n / 32768 (splitsort.c), so the count stays near 2^16; the
   * cap is a backstop. */
  const size_t maxb = TDM__SPLIT_MAXB;
  double scale = (double)n / (double)ns, acc = 0;
  size_t bk = 0; /* the bucket being filled */
  for (size_t b = 0; b < B; b++) {
    double c = h[b] * scale;
    size_t m = b > 0 && b < B - 1 && s1 >= 8 ? (size_t)(c / (double)target + 0.5) : 1;
    if (m < 1) m = 1;
    if (m > TDM__SPLIT_SUB) m = TDM__SPLIT_SUB;
    if (m > 1 && bk + 1 < maxb) {
      if (acc > 0) bk++;
      if (m > maxb - bk) m = maxb - bk;
      P->lut[b] = (uint32_t)(bk << 9 | m);
      bk += m - 1;
      acc = (double)target + 1; /* full: the next bin opens a new bucket */
      continue;
    }
    if (acc > 0 && acc + c > (double)target && bk + 1 < maxb) bk++, acc = 0;
    P->lut[b] = (uint32_t)(bk << 9 | 1);
    acc += c;
  }
  P->nb = bk + 1;
  tdm__free(h);
  return 0;
}
