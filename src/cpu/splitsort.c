/* splitsort.c -- tdm_sort of one long column of 64-bit words (F64, I64)
 * on all threads, in three steps that each cross memory once:
 *  1. a plan from a sample (split_plan.c): about n/16K buckets in key order;
 *  2. one parallel pass: each part of the column turns its values into keys
 *     and bucket ids (the classify kernel of the kernel table) and appends
 *     each key to its bucket through a 64-byte staging line per bucket,
 *     written out with non-temporal stores into blocks that chain per
 *     (part, bucket), so no counting pass is needed;
 *  3. buckets in parallel: each is gathered into a cache-resident buffer,
 *     sorted there (two LSD passes on a fine index of its min..max range,
 *     then runs of one index finished by insertion or, when long, by the
 *     same step on the run), and written back as values at its place.
 * A bucket far larger than planned (many ties, or a cluster the sample
 * missed) is gathered into its place and sorted there the same way. The
 * column is only read until every allocation has succeeded, so running out
 * of memory leaves it unchanged; the result is the one sorted order,
 * whatever the thread count. */
#include <string.h>

#include "core/alloc.h"
#include "cpu/cpu_int.h"
#include "cpu/isa.h"
#include "cpu/ktab.h"
#include "cpu/sort_int.h"
#include "cpu/split_int.h"

#ifdef TDM__ISA_X86
#include <immintrin.h>
#endif

#define TARGET ((size_t)1 << 14) /* bucket size aimed at: two copies and tables in L2 */
#define BIG 4                    /* buckets over BIG x target are sorted in place */
#define SMALL 32                 /* insertion sort below this */
#define BATCH 512                /* values classified per kernel call */
#define PARTS_MAX 16             /* parts of the move, and a quarter of the bucket groups */
#define SAMPLE_CHUNKS 256
#define SAMPLE_CHUNK 1024
#define NONE UINT32_MAX

typedef struct { /* one (part, bucket) */
  uint64_t *pos, *end; /* the free part of its current block */
  uint32_t head, cur;  /* first and current block of its chain */
  size_t count;
} tdm__sbk;

typedef struct {
  const tdm__splan *P;
  tdm__split_cls_fn cls;
  uint64_t *x;
  size_t n, parts, span, nb, bs;
  uint64_t *tmp;          /* blocks of bs keys */
  uint32_t *bnext, *bfill; /* per block: next in its chain, keys held */
  uint32_t nblk;          /* blocks handed out (atomic) */
  tdm__sbk *st;           /* parts x nb */
  uint64_t (*stage)[8];   /* parts x nb staging lines */
  uint8_t *fill;          /* parts x nb: keys in each staging line */
  size_t *start;          /* nb + 1: each bucket's place in the column */
  size_t ngroups, *gfirst; /* bucket groups [gfirst[g], gfirst[g+1]) */
  uint64_t *work;         /* per group: 2 x cap keys */
  uint32_t *hist;         /* per group: 2 x 2048 counts */
  size_t cap;
} tdm__ssort;

/* ---- step 2: classify and move ----------------------------------------- */

static void tdm__sblock(tdm__ssort *s, tdm__sbk *b) {
  uint32_t q = __atomic_fetch_add(&s->nblk, 1, __ATOMIC_RELAXED);
  s->bnext[q] = NONE;
  if (b->cur != NONE) {
    s->bnext[b->cur] = q;
    s->bfill[b->cur] = (uint32_t)s->bs;
    b->count += s->bs;
  } else {
    b->head = q;
  }
  b->cur = q;
  b->pos = s->tmp + (size_t)q * s->bs;
  b->end = b->pos + s->bs;
}

static inline void tdm__sflush(tdm__ssort *s, tdm__sbk *b, const uint64_t *line) {
  if (b->pos == b->end) tdm__sblock(s, b);
#ifdef TDM__ISA_X86
  const __m128i *l = (const __m128i *)line;
  __m128i *d = (__m128i *)b->pos;
  _mm_stream_si128(d, _mm_load_si128(l));
  _mm_stream_si128(d + 1, _mm_load_si128(l + 1));
  _mm_stream_si128(d + 2, _mm_load_si128(l + 2));
  _mm_stream_si128(d + 3, _mm_load_si128(l + 3));
#else
  memcpy(b->pos, line, 64);
#endif
  b->pos += 8;
}

static void tdm__smove(void *arg, size_t lo, size_t hi) {
  tdm__ssort *s = arg;
  uint64_t keys[BATCH];
  uint32_t ids[BATCH];
  for (size_t p = lo; p < hi; p++) {
    size_t b = p * s->span, e = b + s->span < s->n ? b + s->span : s->n;
    tdm__sbk *st = s->st + p * s->nb;
    uint64_t(*stage)[8] = s->stage + p * s->nb;
    uint8_t *fill = s->fill + p * s->nb;
    for (size_t j = 0; j < s->nb; j++) st[j] = (tdm__sbk){NULL, NULL, NONE, NONE, 0};
    memset(fill, 0, s->nb);
    for (size_t i0 = b; i0 < e; i0 += BATCH) {
      size_t len = e - i0 < BATCH ? e - i0 : BATCH;
      s->cls(s->P, s->x + i0, len, keys, ids);
      for (size_t i = 0; i < len; i++) {
        uint32_t c = ids[i];
        unsigned f = fill[c];
        stage[c][f] = keys[i];
        if (++f == 8) tdm__sflush(s, st + c, stage[c]), f = 0;
        fill[c] = (uint8_t)f;
      }
    }
    for (size_t j = 0; j < s->nb; j++) {
      tdm__sbk *k = st + j;
      if (fill[j]) {
        if (k->pos == k->end) tdm__sblock(s, k);
        memcpy(k->pos, stage[j], fill[j] * sizeof(uint64_t));
        k->pos += fill[j];
      }
      if (k->cur != NONE) {
        uint32_t last = (uint32_t)(s->bs - (size_t)(k->end - k->pos));
        s->bfill[k->cur] = last;
        k->count += last;
      }
    }
#ifdef TDM__ISA_X86
    _mm_sfence(); /* the streamed lines before the loop's join */
#endif
  }
}

/* ---- step 3: sort each bucket ------------------------------------------ */

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

/* Sorts keys a[0..n) in [mn, mx] with b[0..n) as scratch and h as
 * 2 x 2048 counts: two LSD passes on a fine index, the top F bits of
 * key - mn (F about log2 n + 3, so runs of one index are short), then each
 * run of one index on its own. Each level drops at least 9 bits of range,
 * so the recursion is shallow. */
static void tdm__srun(uint64_t *a, uint64_t *b, size_t n, uint64_t mn, uint64_t mx, uint32_t *h) {
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
      tdm__srun(a + i, b, j - i, lo, hi, h);
    } else if (j - i > 1) {
      tdm__sins(a + i, j - i);
    }
    i = j;
  }
}

/* Bucket j's keys into a (its length), with their min and max. */
static size_t tdm__sgather(const tdm__ssort *s, size_t j, uint64_t *a, uint64_t *mn, uint64_t *mx) {
  size_t at = 0;
  uint64_t lo = UINT64_MAX, hi = 0;
  for (size_t p = 0; p < s->parts; p++)
    for (uint32_t q = s->st[p * s->nb + j].head; q != NONE; q = s->bnext[q]) {
      const uint64_t *src = s->tmp + (size_t)q * s->bs;
      if (s->bnext[q] != NONE) __builtin_prefetch(s->tmp + (size_t)s->bnext[q] * s->bs);
      for (uint32_t i = 0, c = s->bfill[q]; i < c; i++) {
        uint64_t k = src[i];
        a[at + i] = k;
        lo = k < lo ? k : lo;
        hi = k > hi ? k : hi;
      }
      at += s->bfill[q];
    }
  *mn = lo, *mx = hi;
  return at;
}

/* Keys a[0..n) back to values at o (streamed: o is not read again soon). */
static void tdm__sout(int kind, const uint64_t *a, uint64_t *o, size_t n) {
  size_t i = 0;
#ifdef TDM__ISA_X86
  for (; i < n && ((uintptr_t)(o + i) & 15); i++) o[i] = tdm__split_unkey(kind, a[i]);
  for (; i + 2 <= n; i += 2)
    _mm_stream_si128((__m128i *)(o + i), _mm_set_epi64x((long long)tdm__split_unkey(kind, a[i + 1]),
                                                       (long long)tdm__split_unkey(kind, a[i])));
#endif
  for (; i < n; i++) o[i] = tdm__split_unkey(kind, a[i]);
}

static size_t tdm__slen(const tdm__ssort *s, size_t j) { return s->start[j + 1] - s->start[j]; }

static void tdm__sgroups(void *arg, size_t lo, size_t hi) {
  tdm__ssort *s = arg;
  for (size_t g = lo; g < hi; g++) {
    uint64_t *a = s->work + g * 2 * s->cap, *b = a + s->cap, mn, mx;
    uint32_t *h = s->hist + g * 4096;
    for (size_t j = s->gfirst[g]; j < s->gfirst[g + 1]; j++) {
      size_t len = tdm__slen(s, j);
      if (len == 0 || len > s->cap) continue; /* the big ones are done */
      tdm__sgather(s, j, a, &mn, &mx);
      tdm__srun(a, b, len, mn, mx, h);
      tdm__sout(s->P->kind, a, s->x + s->start[j], len);
    }
#ifdef TDM__ISA_X86
    _mm_sfence();
#endif
  }
}

/* ---- the sort ---------------------------------------------------------- */

int tdm__splitsort64(int nthreads, int kind, uint64_t *x, size_t n) {
  if (nthreads < 1) nthreads = 1;
  tdm__splan P = {0};
  /* more parts than PARTS_MAX add staging tables, not speed (the move is
   * bound by memory) */
  tdm__ssort s = {.P = &P, .x = x, .n = n};
  s.parts = nthreads < PARTS_MAX ? (size_t)nthreads : PARTS_MAX;
  size_t ns = n < SAMPLE_CHUNKS * SAMPLE_CHUNK ? n : SAMPLE_CHUNKS * SAMPLE_CHUNK;
  uint64_t *smp = tdm__malloc(ns * sizeof *smp), *big = NULL;
  if (!smp) return 1;
  if (ns == n) {
    for (size_t i = 0; i < n; i++) smp[i] = tdm__split_key(kind, x[i]);
  } else { /* evenly spaced runs: cheap to read, and sorted input is sampled evenly */
    for (size_t c = 0; c < SAMPLE_CHUNKS; c++) {
      size_t o = (n - SAMPLE_CHUNK) / (SAMPLE_CHUNKS - 1) * c;
      for (size_t i = 0; i < SAMPLE_CHUNK; i++)
        smp[c * SAMPLE_CHUNK + i] = tdm__split_key(kind, x[o + i]);
    }
  }
  size_t target = n / 32768 + 1 > TARGET ? n / 32768 + 1 : TARGET;
  int bad = tdm__splan_build(&P, kind, smp, ns, n, target);
  tdm__free(smp);
  if (bad) return 1;
  s.nb = P.nb;
  s.span = n / s.parts + (n % s.parts != 0);
  s.bs = 512; /* blocks of 4 KiB, smaller where the partial blocks would be over n/8 */
  while (s.bs > 64 && s.parts * s.nb * s.bs > n / 8) s.bs /= 2;
  size_t nblocks = n / s.bs + s.parts * s.nb + 1; /* all full but one per (part, bucket) */
  s.cls = tdm__ktab_get()->split_cls;
  s.tmp = tdm__malloc(nblocks * s.bs * sizeof *s.tmp);
  s.bnext = tdm__malloc(nblocks * sizeof *s.bnext);
  s.bfill = tdm__malloc(nblocks * sizeof *s.bfill);
  s.st = tdm__malloc(s.parts * s.nb * sizeof *s.st);
  s.stage = tdm__malloc(s.parts * s.nb * sizeof *s.stage);
  s.fill = tdm__malloc(s.parts * s.nb);
  s.start = tdm__malloc((s.nb + 1) * sizeof *s.start);
  s.ngroups = s.nb < s.parts * 4 ? s.nb : s.parts * 4; /* each with its own scratch */
  s.gfirst = tdm__malloc((s.ngroups + 1) * sizeof *s.gfirst);
  s.hist = tdm__malloc(s.ngroups * 4096 * sizeof *s.hist);
  bad = !s.tmp || !s.bnext || !s.bfill || !s.st || !s.stage || !s.fill || !s.start || !s.gfirst ||
        !s.hist;
  if (!bad) {
    tdm__advise_huge(s.tmp, nblocks * s.bs * sizeof *s.tmp);
    tdm__par_for(nthreads, s.parts, 1, tdm__smove, &s);
    size_t run = 0, bigmax = 0;
    for (size_t j = 0; j < s.nb; j++) {
      s.start[j] = run;
      for (size_t p = 0; p < s.parts; p++) run += s.st[p * s.nb + j].count;
      size_t len = run - s.start[j];
      if (len > BIG * target) bigmax = len > bigmax ? len : bigmax;
      else s.cap = len > s.cap ? len : s.cap;
    }
    s.start[s.nb] = run;
    s.work = tdm__malloc(s.ngroups * 2 * (s.cap ? s.cap : 1) * sizeof *s.work);
    big = bigmax ? tdm__malloc(bigmax * sizeof *big) : NULL;
    bad = !s.work || (bigmax && !big);
  }
  if (!bad) { /* from here on the column is written */
    for (size_t j = 0; j < s.nb; j++) {
      size_t len = tdm__slen(&s, j);
      if (len <= s.cap) continue;
      uint64_t *o = x + s.start[j], mn, mx;
      tdm__sgather(&s, j, o, &mn, &mx);
      tdm__srun(o, big, len, mn, mx, s.hist);
      for (size_t i = 0; i < len; i++) o[i] = tdm__split_unkey(kind, o[i]);
    }
    size_t per = n / s.ngroups + 1, g = 0; /* groups of about equal element counts */
    s.gfirst[0] = 0;
    for (size_t j = 0; j < s.nb && g + 1 < s.ngroups; j++)
      if (s.start[j + 1] >= per * (g + 1)) s.gfirst[++g] = j + 1;
    while (g < s.ngroups) s.gfirst[++g] = s.nb;
    tdm__par_for(nthreads, s.ngroups, 1, tdm__sgroups, &s);
  }
  tdm__free(big);
  tdm__free(s.work);
  tdm__free(s.hist);
  tdm__free(s.gfirst);
  tdm__free(s.start);
  tdm__free(s.fill);
  tdm__free(s.stage);
  tdm__free(s.st);
  tdm__free(s.bfill);
  tdm__free(s.bnext);
  tdm__free(s.tmp);
  tdm__splan_free(&P);
  return bad;
}
