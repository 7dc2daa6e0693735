/* split_plan.c -- the sample-split sort's plan (split_int.h): level-1 bins
 * are 16 bits of the key just below the sample's common leading bits; a
 * bin holding more than half a bucket's worth of the sample is cut into
 * 256 cells by its next 8 bits; bins and cells are then dealt, in key
 * order, into buckets of about `target` elements. Keys outside the
 * sample's range fall into the end bins 0 and BINS-1, which are never cut,
 * so the map stays monotone for every key. */
#include <string.h>

#include "core/alloc.h"
#include "cpu/split_int.h"

void tdm__split_cls_c(const tdm__splan *P, const uint64_t *x, size_t n, uint64_t *keys,
                      uint32_t *ids) {
  for (size_t i = 0; i < n; i++) {
    uint64_t k = tdm__split_key(P->kind, x[i]);
    keys[i] = k;
    ids[i] = tdm__split_bucket(P, k);
  }
}

void tdm__splan_free(tdm__splan *P) {
  tdm__free(P->lut1);
  tdm__free(P->lut2);
  P->lut1 = NULL, P->lut2 = NULL;
}

size_t tdm__split_sample(int kind, const uint64_t *x, size_t n, size_t runs, uint64_t *s) {
  const size_t R = TDM__SPLIT_RUN;
  if (runs < 2 || runs * R >= n) {
    for (size_t i = 0; i < n; i++) s[i] = tdm__split_key(kind, x[i]);
    return n;
  }
  for (size_t c = 0; c < runs; c++) {
    size_t o = (n - R) / (runs - 1) * c;
    for (size_t i = 0; i < R; i++) s[c * R + i] = tdm__split_key(kind, x[o + i]);
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
    uint32_t e = P->lut1[b];
    size_t cells = e & 1 ? TDM__SPLIT_SUB : 1;
    for (size_t c = 0; c < cells; c++) {
      uint64_t clo = blo, chi = bhi;
      if (cells > 1) clo = blo + ((uint64_t)c << P->s2), chi = clo + (((uint64_t)1 << P->s2) - 1);
      size_t q = P->lut2[(e >> 1) + c];
      if (q != prev) lo[q] = clo, prev = q;
      hi[q] = chi;
    }
  }
}

int tdm__splan_build(tdm__splan *P, int kind, const uint64_t *s, size_t ns, size_t n,
                     size_t target) {
  const size_t B = TDM__SPLIT_BINS, C = TDM__SPLIT_SUB;
  uint64_t mn = UINT64_MAX, mx = 0;
  for (size_t i = 0; i < ns; i++) {
    mn = s[i] < mn ? s[i] : mn;
    mx = s[i] > mx ? s[i] : mx;
  }
  int hb = mn == mx ? 0 : 63 - __builtin_clzll(mn ^ mx);
  int s1 = hb + 1 - 16;
  if (s1 < 0) s1 = 0;
  while ((mx >> s1) - (mn >> s1) > B - 3) s1++; /* the sample's bins are 1 .. B-2 */
  *P = (tdm__splan){kind, s1, s1 >= 8 ? s1 - 8 : 0, mn >> s1, NULL, NULL, 0};
  uint32_t *h1 = tdm__calloc(B, sizeof *h1), *hid = tdm__malloc(B * sizeof *hid);
  if (!h1 || !hid) goto oom;
  for (size_t i = 0; i < ns; i++) h1[(s[i] >> s1) - P->base + 1]++;
  double scale = (double)n / (double)ns, half = (double)target / 2;
  size_t nh = 0;
  for (size_t b = 0; b < B; b++) /* cells only where 8 more bits exist below the bin */
    hid[b] = b > 0 && b < B - 1 && s1 >= 8 && h1[b] * scale > half ? (uint32_t)nh++ : UINT32_MAX;
  uint32_t *h2 = tdm__calloc(nh * C + 1, sizeof *h2);
  P->lut1 = tdm__malloc(B * sizeof *P->lut1);
  P->lut2 = tdm__malloc((B + nh * C + 4) * sizeof *P->lut2);
  if (!h2 || !P->lut1 || !P->lut2) {
    tdm__free(h2);
    goto oom;
  }
  for (size_t i = 0; i < ns && nh; i++) {
    uint32_t id = hid[(s[i] >> s1) - P->base + 1];
    if (id != UINT32_MAX) h2[(size_t)id * C + ((s[i] >> P->s2) & (C - 1))]++;
  }
  /* Deal bins and cells into buckets. Any two neighbouring buckets hold
   * more than target of the estimate and the target is at least n / 32768
   * (splitsort.c), so the count stays near 2^16; the cap is a backstop. */
  size_t at = 0, bk = 0;
  double acc = 0;
  for (size_t b = 0; b < B; b++) {
    size_t cells = hid[b] == UINT32_MAX ? 1 : C;
    P->lut1[b] = (uint32_t)(at << 1) | (cells > 1);
    for (size_t j = 0; j < cells; j++) {
      double c = (cells > 1 ? h2[(size_t)hid[b] * C + j] : h1[b]) * scale;
      if (acc > 0 && acc + c > (double)target && bk < 65535) bk++, acc = 0;
      P->lut2[at++] = (uint16_t)bk;
      acc += c;
    }
  }
  memset(P->lut2 + at, 0, 4 * sizeof *P->lut2); /* a 32-bit gather of the last entry overreads */
  P->nb = bk + 1;
  tdm__free(h1);
  tdm__free(hid);
  tdm__free(h2);
  return 0;
oom:
  tdm__free(h1);
  tdm__free(hid);
  tdm__splan_free(P);
  return 1;
}
