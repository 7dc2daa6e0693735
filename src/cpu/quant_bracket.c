/* quant_bracket.c -- tdm_quantile of a long F64 column in one read: a
 * sorted sample of evenly spaced runs brackets each wanted rank by two
 * keys, wide enough that the rank falls between them unless the sample is
 * far off; one parallel pass (the scan kernel of the kernel table) counts
 * the keys below and not above each bracket and keeps the few inside; the
 * ranks are then selected among those. When a rank is not inside its
 * bracket, the kept keys overflow their room, or memory runs short, the
 * caller takes the histogram path instead, which gives the same bits:
 * both select in the exact key order. */
#include <math.h>

#include "core/alloc.h"
#include "cpu/cpu_int.h"
#include "cpu/ktab.h"
#include "cpu/q7.h"
#include "cpu/qscan.h"
#include "cpu/select.h"
#include "cpu/sort_int.h"
#include "cpu/split_int.h"

TDM__SELECT_DEFINE(u64, uint64_t)

#define RUN TDM__SPLIT_RUN /* the sample's runs (split_int.h): an eighth of the column at most */
#define WIDE 5.0  /* bracket half-width in standard deviations of a sample rank */
#define PAD 8     /* and this many sample elements more */

#define CH 4096 /* kept keys: room is handed out this many at a time */

size_t tdm__qscan_c(const double *x, size_t n, const uint64_t *lo, const uint64_t *hi,
                    size_t nbr, uint64_t *below, uint64_t *le, uint64_t *nan, uint64_t *buf,
                    size_t cap, size_t *fill) {
  size_t at = *fill, i = 0;
  for (; i < n; i++) {
    if (i % 8 == 0 && cap - at < 8) break;
    uint64_t k = tdm__key_f64(x[i]);
    int in = 0;
    *nan += k == UINT64_MAX;
    for (size_t b = 0; b < nbr; b++) {
      below[b] += k < lo[b];
      le[b] += k <= hi[b];
      in |= k >= lo[b] && k <= hi[b];
    }
    if (in) buf[at++] = k;
  }
  *fill = at;
  return i;
}

typedef struct {
  const double *col;
  size_t n, span, nbr;
  uint64_t lo[TDM__QSCAN_MAX], hi[TDM__QSCAN_MAX];
  uint64_t (*cnt)[2 * TDM__QSCAN_MAX + 1]; /* per part: below, le, NaN */
  uint64_t *buf;                           /* nch chunks of CH kept keys */
  uint32_t *chfill;                        /* per chunk: keys in it */
  size_t nch, used;                        /* chunks handed out (atomic) */
  int full;                                /* no chunk was left (atomic) */
  tdm__qscan_fn scan;
} tdm__qbr;

static void tdm__qbr_part(void *arg, size_t lo, size_t hi) {
  tdm__qbr *j = arg;
  for (size_t p = lo; p < hi; p++) {
    size_t i = p * j->span, e = i + j->span < j->n ? i + j->span : j->n, c = SIZE_MAX, fill = 0;
    uint64_t *cnt = j->cnt[p];
    memset(cnt, 0, sizeof j->cnt[p]);
    while (i < e) {
      if (c == SIZE_MAX || CH - fill < 8) { /* a new chunk of room */
        if (c != SIZE_MAX) j->chfill[c] = (uint32_t)fill;
        c = __atomic_fetch_add(&j->used, 1, __ATOMIC_RELAXED);
        if (c >= j->nch) {
          __atomic_store_n(&j->full, 1, __ATOMIC_RELAXED);
          return;
        }
        fill = 0;
      }
      i += j->scan(j->col + i, e - i, j->lo, j->hi, j->nbr, cnt, cnt + TDM__QSCAN_MAX,
                   cnt + 2 * TDM__QSCAN_MAX, j->buf + c * CH, CH, &fill);
    }
    if (c != SIZE_MAX) j->chfill[c] = (uint32_t)fill;
  }
}

/* The brackets of the sorted distinct ranks r[0..nr) from the sorted
 * sample s[0..ns), merged where they overlap; returns how many (0: more
 * than TDM__QSCAN_MAX) and sets *kept to the keys expected inside. */
static size_t tdm__qbr_brackets(tdm__qbr *j, const uint64_t *s, size_t ns, const size_t *r,
                                size_t nr, double *kept) {
  size_t nbr = 0;
  double n = (double)j->n, span = 0;
  for (size_t i = 0; i < nr; i++) {
    double p = (double)r[i] / (n - 1), at = p * (double)(ns - 1);
    double w = WIDE * sqrt((double)ns * p * (1 - p)) + PAD;
    double a = floor(at - w), b = ceil(at + w);
    uint64_t lo = a <= 0 ? 0 : s[(size_t)a];
    uint64_t hi = b >= (double)(ns - 1) ? UINT64_MAX - 1 : s[(size_t)b]; /* NaN is never in */
    span += (b < (double)ns ? b : (double)ns) - (a > 0 ? a : 0);
    if (nbr && lo <= j->hi[nbr - 1]) {
      if (hi > j->hi[nbr - 1]) j->hi[nbr - 1] = hi;
      continue;
    }
    if (nbr == TDM__QSCAN_MAX) return 0;
    j->lo[nbr] = lo, j->hi[nbr] = hi, nbr++;
  }
  *kept = span / (double)ns * n;
  return nbr;
}

int tdm__quant_bracket(int threads, size_t parts, const double *col, size_t n, size_t nq,
                       const double *q, double *out) {
  size_t rank[2 * TDM__QSCAN_RANKS], sr[2 * TDM__QSCAN_RANKS], br[2 * TDM__QSCAN_RANKS], nr = 0;
  size_t runs = n / (8 * RUN) < TDM__QSCAN_RUNS ? n / (8 * RUN) : TDM__QSCAN_RUNS, ns = runs * RUN;
  double g[TDM__QSCAN_RANKS];
  if (nq > TDM__QSCAN_RANKS || runs < 2) return 1;
  for (size_t k = 0; k < nq; k++) tdm__q7(q[k], n, &rank[2 * k], &rank[2 * k + 1], &g[k]);
  for (size_t i = 0; i < 2 * nq; i++) { /* the distinct ranks, ascending */
    size_t v = rank[i], at = nr;
    while (at > 0 && sr[at - 1] > v) at--;
    if (at > 0 && sr[at - 1] == v) continue;
    memmove(sr + at + 1, sr + at, (nr - at) * sizeof *sr);
    sr[at] = v, nr++;
  }
  tdm__qbr j = {.col = col, .n = n, .scan = tdm__ktab_get()->quant_scan};
  j.span = n / parts + (n % parts != 0);
  uint64_t *s = tdm__malloc(2 * ns * sizeof *s);
  if (!s) return 1;
  tdm__split_sample(TDM__SPLIT_F64, (const uint64_t *)col, n, runs, s);
  int bad = tdm__radix64(1, s, s + ns, NULL, NULL, ns);
  double kept = 0;
  if (!bad && s[ns - 1] != UINT64_MAX) j.nbr = tdm__qbr_brackets(&j, s, ns, sr, nr, &kept);
  tdm__free(s);
  if (bad || j.nbr == 0 || kept > (double)n / 8) return 1; /* NaN in the sample, or too wide */
  j.nch = (size_t)(2 * kept) / CH + 2 * parts;
  j.cnt = tdm__malloc(parts * sizeof *j.cnt);
  j.chfill = tdm__malloc(j.nch * sizeof *j.chfill);
  j.buf = tdm__malloc(j.nch * CH * sizeof *j.buf);
  uint64_t *grp = NULL; /* the kept keys grouped by bracket */
  int ret = 1;
  if (!j.cnt || !j.chfill || !j.buf) goto done;
  tdm__par_for(threads, parts, 1, tdm__qbr_part, &j);
  if (__atomic_load_n(&j.full, __ATOMIC_RELAXED)) goto done;
  uint64_t B[TDM__QSCAN_MAX] = {0}, L[TDM__QSCAN_MAX] = {0}, nan = 0;
  for (size_t p = 0; p < parts; p++) {
    for (size_t b = 0; b < j.nbr; b++) B[b] += j.cnt[p][b], L[b] += j.cnt[p][TDM__QSCAN_MAX + b];
    nan += j.cnt[p][2 * TDM__QSCAN_MAX];
  }
  if (nan) {
    for (size_t k = 0; k < nq; k++) out[k] = NAN;
    ret = 0;
    goto done;
  }
  for (size_t i = 0; i < 2 * nq; i++) { /* each rank's bracket */
    size_t b = 0;
    while (b < j.nbr && !(B[b] <= rank[i] && rank[i] < L[b])) b++;
    if (b == j.nbr) goto done; /* the sample was far off */
    br[i] = b;
  }
  size_t at[TDM__QSCAN_MAX + 1] = {0}, fill[TDM__QSCAN_MAX];
  for (size_t b = 0; b < j.nbr; b++) at[b + 1] = at[b] + (size_t)(L[b] - B[b]);
  if (!(grp = tdm__malloc((at[j.nbr] ? at[j.nbr] : 1) * sizeof *grp))) goto done;
  memcpy(fill, at, sizeof fill);
  for (size_t c = 0; c < j.used; c++) /* kept keys in any order: a rank's key is the same */
    for (uint32_t i = 0; i < j.chfill[c]; i++) {
      uint64_t k = j.buf[c * CH + i];
      size_t b = 0;
      while (k > j.hi[b]) b++;
      grp[fill[b]++] = k;
    }
  for (size_t b = 0; b < j.nbr; b++)
    tdm__select_ranks_u64(grp + at[b], (long long)(L[b] - B[b]), rank, 2 * nq, (long long)B[b]);
  for (size_t k = 0; k < nq; k++) {
    size_t r0 = rank[2 * k], r1 = rank[2 * k + 1];
    double a = tdm__unkey_f64(grp[at[br[2 * k]] + (r0 - B[br[2 * k]])]);
    double b = tdm__unkey_f64(grp[at[br[2 * k + 1]] + (r1 - B[br[2 * k + 1]])]);
    out[k] = tdm__lerp(a, b, g[k]);
  }
  ret = 0;
done:
  tdm__free(grp);
  tdm__free(j.buf);
  tdm__free(j.chfill);
  tdm__free(j.cnt);
  return ret;
}
