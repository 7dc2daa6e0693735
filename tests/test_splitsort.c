/* test_splitsort.c -- the long-column sort of F64, I64 and F32 words (the
 * sample-split path, src/cpu/splitsort.c) against qsort: F64 (and the same
 * cases narrowed to F32) with NaN,
 * -0/+0, infinities, subnormals and ties; inputs that defeat its sample
 * (clusters of distinct values between the sampled runs, sorted and
 * reversed input, one value, two values, a huge dynamic range); I64 near
 * both ends of the range; every kernel tier and 1, 2, 3, 8 and 40 threads
 * giving the same bits; and allocation failure at every allocation,
 * which must leave the column unchanged. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "cpu/cpu_int.h"
#include "cpu/isa.h"
#include "cpu/sort_int.h"
#include "cpu/split_int.h"
#include "support/support.h"

#define N ((size_t)300007) /* above TDM__SPLIT_MIN, not a multiple of anything */

static int cmp_f64(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  if (isnan(x) || isnan(y)) return isnan(x) - isnan(y);
  if (x == y) return (signbit(y) != 0) - (signbit(x) != 0); /* -0 first */
  return x < y ? -1 : 1;
}
static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* Sorts a copy of src with the split path on `threads` threads and checks
 * it against qsort bit for bit (every NaN comes back as the one quiet NaN). */
static void check(const uint64_t *src, size_t n, int kind, int threads, const char *what) {
  uint64_t *got = malloc(n * 8), *want = malloc(n * 8);
  memcpy(got, src, n * 8), memcpy(want, src, n * 8);
  qsort(want, n, 8, kind == TDM__SPLIT_F64 ? cmp_f64 : cmp_i64);
  cr_assert_eq(tdm__splitsort64(threads, kind, got, n), 0, "%s: failed", what);
  for (size_t i = 0; i < n; i++) {
    uint64_t w = want[i];
    if (kind == TDM__SPLIT_F64 && (w & ~((uint64_t)1 << 63)) > 0x7ff0000000000000ull)
      w = 0x7ff8000000000000ull;
    cr_assert_eq(got[i], w, "%s, %d threads, [%zu]: %#llx vs %#llx", what, threads, i,
                 (unsigned long long)got[i], (unsigned long long)w);
  }
  free(got), free(want);
}

static void as_bits(const double *x, uint64_t *u, size_t n) { memcpy(u, x, n * 8); }

/* The F64 inputs, one per case; returns the case's name (NULL: no more). */
static const char *f64_case(int c, double *x, size_t n) {
  ts_rng r;
  ts_seed(&r, 100 + (uint64_t)c);
  switch (c) {
  case 0: /* normal-like: a sum of uniforms, most mass in a few binades */
    for (size_t i = 0; i < n; i++) x[i] = ts_uniform(&r, -1, 1) + ts_uniform(&r, -1, 1) + ts_uniform(&r, -1, 1);
    return "bell";
  case 1: /* specials and ties sprinkled into a uniform */
    ts_fill(&r, x, n, -100, 100);
    for (size_t i = 0; i < n; i += 7) x[i] = floor(x[i]);
    for (size_t i = 3; i < n; i += 101) x[i] = (i / 101) % 3 == 0 ? NAN : (i / 101) % 3 == 1 ? -0.0 : 0.0;
    x[5] = INFINITY, x[n - 1] = -INFINITY, x[n / 2] = -NAN, x[11] = 5e-324, x[12] = -5e-324;
    return "specials";
  case 2: /* a cluster of distinct values the sample's runs miss */
    for (size_t i = 0; i < n; i++) x[i] = ts_uniform(&r, 0, 1);
    for (size_t i = 2000; i < 2000 + n / 3; i++) x[i] = 0.5 + ts_uniform(&r, 0, 1e-9);
    return "cluster over a bucket's size";
  case 3:
    for (size_t i = 0; i < n; i++) x[i] = (double)i * 0.25 - 3;
    return "sorted";
  case 4:
    for (size_t i = 0; i < n; i++) x[i] = (double)(n - i) * -1e-3;
    return "reversed";
  case 5:
    for (size_t i = 0; i < n; i++) x[i] = 2.5;
    return "one value";
  case 6:
    for (size_t i = 0; i < n; i++) x[i] = ts_uniform(&r, 0, 1) < 0.3 ? -1.0 : 7.0;
    return "two values";
  case 7: /* every binade */
    for (size_t i = 0; i < n; i++) x[i] = (ts_uniform(&r, 0, 1) < 0.5 ? -1 : 1) * exp(ts_uniform(&r, -700, 700));
    return "huge range";
  case 8: /* subnormals only: keys that differ in their low bits */
    for (size_t i = 0; i < n; i++) x[i] = ts_uniform(&r, -1, 1) * 1e-310;
    return "subnormal";
  case 9: /* mostly NaN */
    for (size_t i = 0; i < n; i++) x[i] = ts_uniform(&r, 0, 1) < 0.9 ? NAN : ts_uniform(&r, -1, 1);
    return "mostly NaN";
  case 10: /* a rounded bell: fine bins of 3 to 40 equal keys in every bucket */
    for (size_t i = 0; i < n; i++)
      x[i] = round((ts_uniform(&r, -1, 1) + ts_uniform(&r, -1, 1)) * (i % 2 ? 1e4 : 1e3)) * 1e-4;
    return "rounded";
  default: return NULL;
  }
}

Test(splitsort, f64_cases_every_tier_and_thread_count) {
  double *x = malloc(N * 8);
  uint64_t *u = malloc(N * 8);
  const char *what;
  for (int c = 0; (what = f64_case(c, x, N)) != NULL; c++) {
    as_bits(x, u, N);
    check(u, N, TDM__SPLIT_F64, 2, what);
    check(u, N, TDM__SPLIT_F64, c % 2 ? 1 : 3, what);
  }
  /* the plain-C classify kernel (below AVX-512) and 8 threads */
  f64_case(0, x, N), as_bits(x, u, N);
  int best = tdm__isa_best();
  tdm__isa_force(TDM__ISA_SCALAR);
  check(u, N, TDM__SPLIT_F64, 8, "bell, scalar tier");
  check(u, N, TDM__SPLIT_F64, 40, "bell, more threads than parts"); /* 16 parts, 64 groups */
  f64_case(7, x, N), as_bits(x, u, N);
  check(u, N, TDM__SPLIT_F64, 2, "huge range, scalar tier");
  tdm__isa_force(best);
  free(x), free(u);
}

static int cmp_f32(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  if (isnan(x) || isnan(y)) return isnan(x) - isnan(y);
  if (x == y) return (signbit(y) != 0) - (signbit(x) != 0); /* -0 first */
  return x < y ? -1 : 1;
}

/* check's F32 twin: the words are 32 bits, NaN comes back as 0x7fc00000. */
static void check32(const float *src, size_t n, int threads, const char *what) {
  float *got = malloc(n * 4), *want = malloc(n * 4);
  memcpy(got, src, n * 4), memcpy(want, src, n * 4);
  qsort(want, n, 4, cmp_f32);
  cr_assert_eq(tdm__splitsort64(threads, TDM__SPLIT_F32, got, n), 0, "%s: failed", what);
  for (size_t i = 0; i < n; i++) {
    uint32_t g, w;
    memcpy(&g, &got[i], 4), memcpy(&w, &want[i], 4);
    if (isnan(want[i])) w = 0x7fc00000u;
    cr_assert_eq(g, w, "f32 %s, %d threads, [%zu]: %#x vs %#x", what, threads, i, g, w);
  }
  free(got), free(want);
}

/* F32 columns take the same path on their values' F64 keys: the F64 cases
 * narrowed (the huge range becomes infinities and zeros, the cluster one
 * value: a big bucket sorted in scratch), and F32's own specials. */
Test(splitsort, f32_cases_every_tier_and_thread_count) {
  double *x = malloc(N * 8);
  float *f = malloc(N * 4);
  const char *what;
  for (int c = 0; (what = f64_case(c, x, N)) != NULL; c++) {
    for (size_t i = 0; i < N; i++) f[i] = (float)x[i];
    check32(f, N, 2, what);
    check32(f, N, c % 2 ? 1 : 3, what);
  }
  ts_rng r;
  ts_seed(&r, 55);
  for (size_t i = 0; i < N; i++) f[i] = (float)ts_uniform(&r, -2, 2);
  float sp[8] = {NAN, -NAN, -0.0f, 0.0f, INFINITY, -INFINITY, 1e-45f, -3e-39f};
  for (size_t i = 0; i < N; i += 97) f[i] = sp[(i / 97) % 8];
  check32(f, N, 2, "f32 specials");
  int best = tdm__isa_best();
  tdm__isa_force(TDM__ISA_SCALAR);
  check32(f, N, 3, "f32 specials, scalar tier");
  check32(f + 1, N - 1, 2, "f32 specials, odd start, scalar tier");
  tdm__isa_force(best);
  check32(f + 1, N - 1, 2, "f32 specials, odd start"); /* the out kernel's head */
  free(x), free(f);
}

Test(splitsort, clusters_between_the_sampled_runs) {
  /* the sample reads TDM__SPLIT_RUNS evenly spaced runs of TDM__SPLIT_RUN;
   * two clusters of distinct values lie only between runs (odd gaps one,
   * even gaps the other), each far over a bucket's size: two big buckets,
   * sorted in place by two workers */
  size_t n = ((size_t)1 << 20) + 3, gap = (n - TDM__SPLIT_RUN) / (TDM__SPLIT_RUNS - 1);
  cr_assert_gt(gap, TDM__SPLIT_RUN + 16);
  double *x = malloc(n * 8);
  uint64_t *u = malloc(n * 8);
  ts_rng r;
  ts_seed(&r, 11);
  for (size_t i = 0; i < n; i++) x[i] = ts_uniform(&r, -1, 1);
  for (size_t c = 0; c + 1 < TDM__SPLIT_RUNS; c++)
    for (size_t i = c * gap + TDM__SPLIT_RUN + 8; i < (c + 1) * gap - 8; i += 2)
      x[i] = c % 2 ? 0.25 + ts_uniform(&r, 0, 1e-12) : -1e300 * ts_uniform(&r, 1, 2);
  as_bits(x, u, n);
  check(u, n, TDM__SPLIT_F64, 2, "unsampled clusters");
  check(u, n, TDM__SPLIT_F64, 3, "unsampled clusters");
  free(x), free(u);
}

/* The plan's bucket ranges partition the key space in order: each
 * nonempty range starts one past the last one's end, its ends map to its
 * bucket, and sampled and random keys fall in their bucket's range. */
static void check_ranges(int kind, const uint64_t *smp, size_t ns, const char *what) {
  tdm__splan P;
  cr_assert_eq(tdm__splan_build(&P, kind, smp, ns, (size_t)1 << 27, 1 << 14), 0);
  uint64_t *lo = malloc(P.nb * 8), *hi = malloc(P.nb * 8), next = 0;
  tdm__splan_ranges(&P, lo, hi);
  for (size_t q = 0; q < P.nb; q++) {
    if (lo[q] == 0 && hi[q] == 0 && tdm__split_bucket(&P, 0) != q) continue; /* no key maps here */
    cr_assert_eq(lo[q], next, "%s: bucket %zu starts at %#llx, not %#llx", what, q,
                 (unsigned long long)lo[q], (unsigned long long)next);
    cr_assert_leq(lo[q], hi[q], "%s: bucket %zu", what, q);
    cr_assert_eq(tdm__split_bucket(&P, lo[q]), q, "%s: bucket %zu's low end", what, q);
    cr_assert_eq(tdm__split_bucket(&P, hi[q]), q, "%s: bucket %zu's high end", what, q);
    next = hi[q] + 1;
    if (hi[q] == UINT64_MAX) break;
  }
  cr_assert_eq(next, 0, "%s: the ranges end at %#llx, not at the top", what,
               (unsigned long long)(next - 1));
  for (size_t i = 0; i < ns + 20000; i++) {
    uint64_t k = i < ns ? smp[i] : ts_mix(i);
    unsigned q = tdm__split_bucket(&P, k);
    cr_assert(lo[q] <= k && k <= hi[q], "%s: key %#llx outside bucket %u", what,
              (unsigned long long)k, q);
  }
  free(lo), free(hi);
  tdm__splan_free(&P);
}

Test(splitsort, plan_ranges_partition_the_keys) {
  enum { NS = 1 << 16 };
  uint64_t *s = malloc(NS * 8);
  ts_rng r;
  ts_seed(&r, 21);
  for (size_t i = 0; i < NS; i++) { /* a bell: heavy bins cut into cells */
    double v = ts_uniform(&r, -1, 1) + ts_uniform(&r, -1, 1);
    memcpy(&s[i], &v, 8);
    s[i] = tdm__split_key(TDM__SPLIT_F64, s[i]);
  }
  check_ranges(TDM__SPLIT_F64, s, NS, "bell");
  for (size_t i = 0; i < NS; i++) s[i] = ts_mix(i) >> 50; /* keys at the bottom: base 0 */
  check_ranges(TDM__SPLIT_I64, s, NS, "bottom");
  for (size_t i = 0; i < NS; i++) s[i] = UINT64_MAX - (ts_mix(i) >> 44); /* bins past the top */
  check_ranges(TDM__SPLIT_I64, s, NS, "top");
  for (size_t i = 0; i < NS; i++) s[i] = ts_mix(i + 7);
  check_ranges(TDM__SPLIT_I64, s, NS, "uniform");
  free(s);
}

/* The plan's buckets hold about `target` each: a sample of 2^16 keys plans
 * 2^24 elements in buckets of 2^14; 2^21 fresh keys of the same
 * distribution, scaled, give every bucket's share. Heavy bins' cells are
 * dealt over their buckets in equal runs, light bins shared: no bucket
 * over 2 targets (a light bin holds up to 1.5, and sampling noise is
 * about 1/8 here; cells dealt over half the buckets give 2.5), about
 * n/target buckets in all. */
static uint64_t draw(int kind, int dist, ts_rng *r, size_t i) {
  if (dist == 1) return tdm__split_key(kind, ts_mix(i + 99) >> 3); /* flat over 61 bits */
  double v = ts_uniform(r, -1, 1) + ts_uniform(r, -1, 1); /* a bell */
  uint64_t k;
  memcpy(&k, &v, 8);
  return tdm__split_key(kind, k);
}

static void check_sizes(int kind, int dist, const char *what) {
  enum { NS = 1 << 16, NF = 1 << 21 };
  const size_t n = (size_t)1 << 24, target = 1 << 14;
  uint64_t *s = malloc(NS * 8);
  ts_rng r;
  ts_seed(&r, 33);
  for (size_t i = 0; i < NS; i++) s[i] = draw(kind, dist, &r, i);
  tdm__splan P;
  cr_assert_eq(tdm__splan_build(&P, kind, s, NS, n, target), 0);
  cr_assert(P.nb > n / target / 2 && P.nb < 2 * n / target, "%s: %zu buckets", what, P.nb);
  size_t *cnt = calloc(P.nb, sizeof *cnt), big = 0;
  for (size_t i = NS; i < NS + NF; i++) cnt[tdm__split_bucket(&P, draw(kind, dist, &r, i))]++;
  for (size_t q = 0; q < P.nb; q++) big = cnt[q] > big ? cnt[q] : big;
  double share = (double)big * (double)(n / NF) / (double)target;
  cr_log_info("%s: %zu buckets, the largest %.2f targets", what, P.nb, share);
  cr_assert_lt(share, 2.0, "%s: a bucket holds %.2f targets", what, share);
  free(cnt), free(s);
  tdm__splan_free(&P);
}

Test(splitsort, plan_buckets_hold_about_target) {
  check_sizes(TDM__SPLIT_F64, 0, "bell");
  check_sizes(TDM__SPLIT_I64, 1, "flat");
}

Test(splitsort, i64_both_ends_of_the_range) {
  uint64_t *u = malloc(N * 8);
  int64_t *v = (int64_t *)u;
  ts_rng r;
  ts_seed(&r, 7);
  for (size_t i = 0; i < N; i++) u[i] = (uint64_t)(ts_uniform(&r, 0, 1) * 0x1p53) * 2048 ^ (uint64_t)i;
  check(u, N, TDM__SPLIT_I64, 2, "full range");
  /* keys near 0 and near the top: a sample span under 2^16 at the bottom
   * with a few elements at INT64_MAX (the end bin's edge) */
  for (size_t i = 0; i < N; i++) v[i] = INT64_MIN + (int64_t)(ts_uniform(&r, 0, 1) * 60000);
  v[N / 3] = INT64_MAX, v[N / 3 + 1] = INT64_MAX - 1, v[17] = 0;
  check(u, N, TDM__SPLIT_I64, 2, "bottom of the range");
  for (size_t i = 0; i < N; i++) v[i] = INT64_MAX - (int64_t)(ts_uniform(&r, 0, 1) * 1e6);
  v[9] = INT64_MIN;
  check(u, N, TDM__SPLIT_I64, 3, "top of the range");
  free(u);
}

Test(splitsort, out_of_memory_at_each_allocation_leaves_the_column) {
  double *x = malloc(N * 8);
  uint64_t *u = malloc(N * 8), *w = malloc(N * 8);
  f64_case(1, x, N), as_bits(x, u, N);
  int failed = 0;
  for (long k = 1; k < 64; k++) {
    memcpy(w, u, N * 8);
    tdm__alloc_fail_after(k);
    int bad = tdm__splitsort64(2, TDM__SPLIT_F64, w, N);
    tdm__alloc_fail_after(0);
    if (!bad) break; /* past the last allocation */
    failed++;
    cr_assert_eq(memcmp(w, u, N * 8), 0, "allocation %ld failed and the column changed", k);
  }
  cr_assert_gt(failed, 5, "only %d allocations were failed", failed);
  free(x), free(u), free(w);
}

Test(splitsort, tdm_sort_takes_it_for_long_f64_and_i64_columns) {
  /* through the backend: two long columns of a window (ld > rows) */
  enum { R = 270001, C = 2, LD = 270013 };
  double *p = malloc((size_t)LD * C * 8), *src = malloc((size_t)R * C * 8);
  for (int c = 0; c < C; c++) f64_case(c, src + (size_t)c * R, R);
  for (size_t i = 0; i < (size_t)LD * C; i++) p[i] = 12345.0;
  for (size_t j = 0; j < C; j++) memcpy(p + j * LD, src + j * R, R * 8);
  tdm__cpu cpu = {2};
  tdm__sarg a = {p, TDM_F64, R, C, LD};
  cr_assert_eq(tdm__cpu_sort(&cpu, &a), TDM_OK);
  for (size_t j = 0; j < C; j++) {
    qsort(src + j * R, R, 8, cmp_f64);
    for (size_t i = 0; i < R; i++) {
      double e = src[j * R + i], g = p[j * LD + i];
      cr_assert(isnan(e) ? isnan(g) : memcmp(&e, &g, 8) == 0, "column %zu [%zu]: %g vs %g", j, i, g, e);
    }
    for (size_t i = R; i < LD; i++) cr_assert_eq(p[j * LD + i], 12345.0, "padding written");
  }
  free(p), free(src);
}
