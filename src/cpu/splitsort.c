/* splitsort.c -- tdm_sort of one long F64, I64 or F32 column (an F32
 * value's key is its F64 value's, so every key has 64 bits) on all
 * threads, in three steps that each cross memory once:
 *  1. a plan from a sample (split_plan.c): about n/16K buckets in key order;
 *  2. one parallel pass: each part (one worker's tables) takes pieces of
 *     the column in turn, makes their values keys and bucket ids (the
 *     classify kernel of the kernel table) and appends each key to its
 *     bucket through a 64-byte staging line per bucket, written out with
 *     non-temporal stores into blocks that chain per (part, bucket), so no
 *     counting pass is needed;
 *  3. groups of buckets taken in turn (split_bucket.c): each bucket is
 *     counted by a fine index of its key range on the first read of its
 *     blocks, placed by the counts into a cache-resident buffer on the
 *     second, finished there and written back as values at its place.
 * A bucket far larger than planned (many ties, or a cluster the sample
 * missed) is gathered into its place (an F32 one into scratch) and sorted
 * there by LSD passes on a fine index of its min..max range
 * (tdm__split_run). The column is only read until every allocation has
 * succeeded, so running out of memory leaves it unchanged; the result is
 * the one sorted order, whatever the thread count. */
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
#define BATCH 512                /* values classified per kernel call */
#define PARTS_MAX 16             /* parts: the workers' state slots, each with its own tables */
#define PIECE ((size_t)1 << 17)  /* values a part takes from the column at a time */
#define GROUPS 16                /* bucket groups per part */
#define NONE UINT32_MAX /* the end of a block chain */
#define CHUNK ((size_t)2 << 20) /* blocks a part takes at a time: a huge page */

/* ---- step 2: classify and move ----------------------------------------- */

/* A new block for b from its part's run of blocks at[0] .. at[1]; a part
 * takes CHUNK bytes of blocks at a time, so each thread faults in pages of
 * its own rather than queueing on the huge pages another is zeroing. */
static void tdm__sblock(tdm__ssort *s, tdm__sbk *b, uint32_t at[2]) {
  if (at[0] == at[1]) {
    uint32_t per = (uint32_t)(CHUNK / (s->bs * sizeof *s->tmp));
    at[0] = __atomic_fetch_add(&s->nblk, per, __ATOMIC_RELAXED);
    at[1] = at[0] + per;
  }
  uint32_t q = at[0]++;
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

static inline void tdm__sflush(tdm__ssort *s, tdm__sbk *b, const uint64_t *line, uint32_t at[2]) {
  if (b->pos == b->end) tdm__sblock(s, b, at);
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

/* Part p takes pieces of the column from a shared counter, so a thread
 * that is held up (a busy machine) leaves its share to the others; which
 * part holds a key does not change the result. */
static void tdm__smove(void *arg, size_t lo, size_t hi) {
  tdm__ssort *s = arg;
  uint64_t keys[BATCH];
  uint32_t ids[BATCH];
  for (size_t p = lo; p < hi; p++) {
    tdm__sbk *st = s->st + p * s->nb;
    uint64_t(*stage)[8] = s->stage + p * s->nb;
    uint8_t *fill = s->fill + p * s->nb;
    uint32_t at[2] = {0, 0};
    for (size_t j = 0; j < s->nb; j++) st[j] = (tdm__sbk){NULL, NULL, NONE, NONE, 0};
    memset(fill, 0, s->nb);
    for (;;) {
      size_t b = __atomic_fetch_add(&s->pnext, PIECE, __ATOMIC_RELAXED);
      if (b >= s->n) break;
      size_t e = s->n - b > PIECE ? b + PIECE : s->n;
      for (size_t i0 = b; i0 < e; i0 += BATCH) {
        size_t len = e - i0 < BATCH ? e - i0 : BATCH;
        s->cls(s->P, (const char *)s->x + i0 * s->es, len, keys, ids);
        for (size_t i = 0; i < len; i++) {
          uint32_t c = ids[i];
          unsigned f = fill[c];
          stage[c][f] = keys[i];
          if (++f == 8) tdm__sflush(s, st + c, stage[c], at), f = 0;
          fill[c] = (uint8_t)f;
        }
      }
    }
    for (size_t j = 0; j < s->nb; j++) {
      tdm__sbk *k = st + j;
      if (fill[j]) {
        if (k->pos == k->end) tdm__sblock(s, k, at);
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

static size_t tdm__slen(const tdm__ssort *s, size_t j) { return s->start[j + 1] - s->start[j]; }

/* Part p takes groups of buckets from a shared counter and sorts them
 * with its own scratch. */
static void tdm__sgroups(void *arg, size_t lo, size_t hi) {
  tdm__ssort *s = arg;
  for (size_t p = lo; p < hi; p++) {
    uint64_t *a = s->work + p * 2 * s->cap, *b = a + s->cap;
    uint32_t *h = s->hist + p * TDM__SPLIT_HIST, *list = s->list + p * (s->cap / 3 + 2);
    for (;;) {
      size_t g = __atomic_fetch_add(&s->gnext, 1, __ATOMIC_RELAXED);
      if (g >= s->ngroups) break;
      for (size_t j = s->gfirst[g]; j < s->gfirst[g + 1]; j++) {
        size_t len = tdm__slen(s, j);
        if (len && len <= s->cap) /* the big ones are done */
          tdm__split_sort_bucket(s, j, a, b, h, list);
      }
    }
#ifdef TDM__ISA_X86
    _mm_sfence();
#endif
  }
}

/* The buckets over cap (many ties, or clusters the sample missed): worker
 * slot t takes big buckets from a shared counter and sorts each in its
 * place with a scratch of bigmax keys of its own (an F32 column's place
 * is too short for the keys: they are sorted in a second scratch and
 * written out as values). */
static void tdm__sbig(void *arg, size_t lo, size_t hi) {
  tdm__ssort *s = arg;
  const int kind = s->P->kind, narrow = kind == TDM__SPLIT_F32;
  for (size_t t = lo; t < hi; t++) {
    uint64_t *scratch = s->bigwork + t * s->bigper;
    uint32_t *h = s->hist + t * TDM__SPLIT_HIST;
    for (;;) {
      size_t b = __atomic_fetch_add(&s->bnext_big, 1, __ATOMIC_RELAXED);
      if (b >= s->nbig) break;
      size_t j = s->bigs[b], len = tdm__slen(s, j);
      void *place = (char *)s->x + s->start[j] * s->es;
      uint64_t *o = narrow ? scratch + s->bigmax : place, mn, mx;
      tdm__sgather(s, j, o, &mn, &mx);
      tdm__split_run(o, scratch, len, mn, mx, h);
      if (narrow) s->out(kind, o, place, len); /* sorted: nothing to fix */
      else for (size_t i = 0; i < len; i++) o[i] = tdm__split_unkey(kind, o[i]);
    }
  }
}

/* ---- the sort ---------------------------------------------------------- */

int tdm__splitsort64(int nthreads, int kind, void *x, size_t n) {
  if (nthreads < 1) nthreads = 1;
  tdm__splan P = {0};
  /* more parts than PARTS_MAX add staging tables, not speed (the move is
   * bound by memory) */
  tdm__ssort s = {.P = &P, .x = x, .n = n, .es = tdm__split_width(kind)};
  s.parts = nthreads < PARTS_MAX ? (size_t)nthreads : PARTS_MAX;
  size_t ns = n < TDM__SPLIT_RUNS * TDM__SPLIT_RUN ? n : TDM__SPLIT_RUNS * TDM__SPLIT_RUN;
  uint64_t *smp = tdm__malloc(ns * sizeof *smp);
  if (!smp) return 1;
  tdm__split_sample(kind, x, n, TDM__SPLIT_RUNS, smp);
  size_t target = n / 32768 + 1 > TARGET ? n / 32768 + 1 : TARGET;
  int bad = tdm__splan_build(&P, kind, smp, ns, n, target);
  tdm__free(smp);
  if (bad) return 1;
  s.nb = P.nb;
  /* Blocks of 16 KiB: the bucket step reads a bucket's blocks from memory,
   * and a core reads scattered 4 KiB blocks at half the rate of 16 KiB
   * ones here. Smaller where the partial blocks would be over n/4. */
  s.bs = 2048;
  while (s.bs > 64 && s.parts * s.nb * s.bs > n / 4) s.bs /= 2;
  /* all full but one per (part, bucket), and each part's last chunk */
  size_t nblocks = n / s.bs + s.parts * s.nb + 1 + s.parts * (CHUNK / (s.bs * sizeof *s.tmp));
  s.cls = tdm__ktab_get()->split_cls;
  s.scan = tdm__ktab_get()->split_scan;
  s.out = tdm__ktab_get()->split_out;
  s.tmp = tdm__malloc(nblocks * s.bs * sizeof *s.tmp);
  s.bnext = tdm__malloc(nblocks * sizeof *s.bnext);
  s.bfill = tdm__malloc(nblocks * sizeof *s.bfill);
  s.st = tdm__malloc(s.parts * s.nb * sizeof *s.st);
  s.stage = tdm__malloc(s.parts * s.nb * sizeof *s.stage);
  s.fill = tdm__malloc(s.parts * s.nb);
  s.start = tdm__malloc((s.nb + 1) * sizeof *s.start);
  s.ngroups = s.nb < s.parts * GROUPS ? s.nb : s.parts * GROUPS;
  s.gfirst = tdm__malloc((s.ngroups + 1) * sizeof *s.gfirst);
  s.hist = tdm__malloc(s.parts * TDM__SPLIT_HIST * sizeof *s.hist);
  s.lo = tdm__malloc(s.nb * sizeof *s.lo);
  s.hi = tdm__malloc(s.nb * sizeof *s.hi);
  bad = !s.tmp || !s.bnext || !s.bfill || !s.st || !s.stage || !s.fill || !s.start || !s.gfirst ||
        !s.hist || !s.lo || !s.hi;
  if (!bad) {
    tdm__advise_huge(s.tmp, nblocks * s.bs * sizeof *s.tmp);
    tdm__splan_ranges(&P, s.lo, s.hi);
    tdm__par_for(nthreads, s.parts, 1, tdm__smove, &s);
    size_t run = 0;
    for (size_t j = 0; j < s.nb; j++) {
      s.start[j] = run;
      for (size_t p = 0; p < s.parts; p++) run += s.st[p * s.nb + j].count;
      size_t len = run - s.start[j];
      if (len > BIG * target) s.bigmax = len > s.bigmax ? len : s.bigmax, s.nbig++;
      else s.cap = len > s.cap ? len : s.cap;
    }
    s.start[s.nb] = run;
    s.work = tdm__malloc(s.parts * 2 * (s.cap ? s.cap : 1) * sizeof *s.work);
    s.list = tdm__malloc(s.parts * (s.cap / 3 + 2) * sizeof *s.list);
    if (s.nbig) { /* workers for the big buckets: at most n keys of scratch in all */
      s.bigper = s.bigmax * (kind == TDM__SPLIT_F32 ? 2 : 1); /* (2n for one F32 worker) */
      s.nbw = s.nbig < s.parts ? s.nbig : s.parts;
      if (s.nbw > n / s.bigper) s.nbw = n / s.bigper ? n / s.bigper : 1;
      s.bigs = tdm__malloc(s.nbig * sizeof *s.bigs);
      s.bigwork = tdm__malloc(s.nbw * s.bigper * sizeof *s.bigwork);
    }
    bad = !s.work || !s.list || (s.nbig && (!s.bigs || !s.bigwork));
  }
  if (!bad) { /* from here on the column is written */
    for (size_t j = 0, b = 0; j < s.nb && s.nbig; j++)
      if (tdm__slen(&s, j) > s.cap) s.bigs[b++] = j;
    if (s.nbig) tdm__par_for(nthreads, s.nbw, 1, tdm__sbig, &s);
    size_t per = n / s.ngroups + 1, g = 0; /* groups of about equal element counts */
    s.gfirst[0] = 0;
    for (size_t j = 0; j < s.nb && g + 1 < s.ngroups; j++)
      if (s.start[j + 1] >= per * (g + 1)) s.gfirst[++g] = j + 1;
    while (g < s.ngroups) s.gfirst[++g] = s.nb;
    tdm__par_for(nthreads, s.parts, 1, tdm__sgroups, &s);
  }
  tdm__free(s.bigwork);
  tdm__free(s.bigs);
  tdm__free(s.list);
  tdm__free(s.work);
  tdm__free(s.hi);
  tdm__free(s.lo);
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
