/* test_quant_bracket.c -- the long-F64 quantile's one-pass path
 * (src/cpu/quant_bracket.c) against a sorted copy, bit for bit (the same
 * type-7 interpolation of the same two order statistics): a bell, ties,
 * sorted and reversed columns, q = 0 and 1 and near them, 1 to 3 threads
 * and several part counts; where it must give way to the histogram path
 * (NaN in the sample, a sample far off the column, far more equal keys
 * than it can keep) it says so and tdm_quantile still answers; a NaN the
 * sample does not see gives NaN; every allocation failed in turn. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "cpu/cpu_int.h"
#include "cpu/q7.h"
#include "cpu/qscan.h"
#include "cpu/sort_int.h"
#include "cpu/split_int.h"
#include "support/support.h"

#define N ((size_t)600011)

static const double Q[8] = {0.5, 0, 1, 0.025, 0.975, 0.3333, 1e-6, 1 - 1e-6};

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* type 7 from a sorted copy of the keys, computed as the path does. */
static void reference(const double *x, size_t n, const double *q, size_t nq, double *want) {
  uint64_t *k = malloc(n * 8);
  for (size_t i = 0; i < n; i++) k[i] = tdm__key_f64(x[i]);
  qsort(k, n, 8, cmp_u64);
  for (size_t j = 0; j < nq; j++) {
    size_t lo, hi;
    double g;
    tdm__q7(q[j], n, &lo, &hi, &g);
    want[j] = tdm__lerp(tdm__unkey_f64(k[lo]), tdm__unkey_f64(k[hi]), g);
  }
  free(k);
}

static void check(const double *x, size_t n, const char *what) {
  double want[8], got[8];
  reference(x, n, Q, 8, want);
  int th[3] = {1, 2, 3};
  size_t parts[3] = {1, 4, 7};
  for (int t = 0; t < 3; t++) {
    memset(got, 0, sizeof got);
    cr_assert_eq(tdm__quant_bracket(th[t], parts[t], x, n, 8, Q, got), 0,
                 "%s: the path gave way (%d threads)", what, th[t]);
    for (int j = 0; j < 8; j++)
      cr_assert(ts_same_bits(got[j], want[j]), "%s, %d threads, q=%g: %.17g vs %.17g", what, th[t],
                Q[j], got[j], want[j]);
  }
}

Test(quant_bracket, equals_the_sorted_copy_bit_for_bit) {
  double *x = malloc(N * 8);
  ts_rng r;
  ts_seed(&r, 7);
  for (size_t i = 0; i < N; i++)
    x[i] = ts_uniform(&r, -1, 1) + ts_uniform(&r, -1, 1) + ts_uniform(&r, -1, 1);
  check(x, N, "bell");
  for (size_t i = 0; i < N; i += 3) x[i] = 1e6 + (double)(i % 17); /* a third in 17 values */
  for (size_t i = 1; i < N; i += 101) x[i] = (i / 101) % 2 ? -0.0 : 0.0;
  check(x, N, "ties, both zeros");
  for (size_t i = 0; i < N; i++) x[i] = (double)i * 0.5 - 7;
  check(x, N, "sorted");
  for (size_t i = 0; i < N; i++) x[i] = -(double)i * 3;
  check(x, N, "reversed");
  for (size_t i = 0; i < N; i++)
    x[i] = (ts_uniform(&r, 0, 1) < 0.5 ? -1 : 1) * exp(ts_uniform(&r, -700, 700));
  x[5] = -INFINITY, x[N - 2] = INFINITY;
  check(x, N, "every binade, both infinities");
  free(x);
}

Test(quant_bracket, gives_way_where_it_must_and_tdm_quantile_still_answers) {
  double *x = malloc(N * 8), got[8], want[8];
  ts_rng r;
  ts_seed(&r, 8);
  tdm__cpu cpu = {2};
  tdm__sarg a = {x, TDM_F64, N, 1, N}, o = {got, TDM_F64, 8, 1, 8};
  /* a NaN at every element the sample could read first: no bracket */
  for (size_t i = 0; i < N; i++) x[i] = ts_uniform(&r, -1, 1);
  x[0] = NAN;
  cr_assert_neq(tdm__quant_bracket(2, 4, x, N, 8, Q, got), 0, "NaN in the sample");
  cr_assert_eq(tdm__cpu_quantile(&cpu, &a, 8, Q, &o), TDM_OK);
  for (int j = 0; j < 8; j++) cr_assert(isnan(got[j]), "NaN column: %g", got[j]);
  /* a NaN between the sampled runs (of R at multiples of gap): the pass counts it */
  const size_t R = TDM__SPLIT_RUN;
  size_t runs = N / (8 * R) < TDM__QSCAN_RUNS ? N / (8 * R) : TDM__QSCAN_RUNS;
  size_t gap = (N - R) / (runs - 1);
  cr_assert_gt(gap, R + 200);
  x[0] = 0.5, x[gap * (runs / 2) + 200] = NAN;
  cr_assert_eq(tdm__quant_bracket(2, 4, x, N, 8, Q, got), 0);
  for (int j = 0; j < 8; j++) cr_assert(isnan(got[j]), "unsampled NaN: %g", got[j]);
  /* the sampled runs hold 0, the rest 1: the median's bracket holds only 0 */
  for (size_t i = 0; i < N; i++) x[i] = 1;
  for (size_t c = 0; c < runs; c++)
    for (size_t i = 0; i < R; i++) x[c * gap + i] = 0;
  cr_assert_neq(tdm__quant_bracket(2, 4, x, N, 8, Q, got), 0, "the sample is far off");
  cr_assert_eq(tdm__cpu_quantile(&cpu, &a, 8, Q, &o), TDM_OK);
  reference(x, N, Q, 8, want);
  for (int j = 0; j < 8; j++)
    cr_assert(ts_same_bits(got[j], want[j]), "q=%g: %g vs %g", Q[j], got[j], want[j]);
  /* one value: every key is in the bracket, far more than it keeps */
  for (size_t i = 0; i < N; i++) x[i] = 2.5;
  cr_assert_neq(tdm__quant_bracket(2, 4, x, N, 8, Q, got), 0, "a constant column");
  cr_assert_eq(tdm__cpu_quantile(&cpu, &a, 8, Q, &o), TDM_OK);
  for (int j = 0; j < 8; j++) cr_assert_eq(got[j], 2.5);
  free(x);
}

Test(quant_bracket, out_of_memory_at_each_allocation) {
  double *x = malloc(N * 8), got[8], want[8];
  ts_rng r;
  ts_seed(&r, 9);
  for (size_t i = 0; i < N; i++) x[i] = ts_uniform(&r, -5, 5);
  reference(x, N, Q, 8, want);
  int failed = 0;
  for (long k = 1; k < 32; k++) {
    tdm__alloc_fail_after(k);
    int ret = tdm__quant_bracket(2, 4, x, N, 8, Q, got);
    tdm__alloc_fail_after(0);
    if (ret == 0) {
      for (int j = 0; j < 8; j++) cr_assert(ts_same_bits(got[j], want[j]));
      break; /* past the last allocation */
    }
    failed++;
  }
  cr_assert_gt(failed, 3, "only %d allocations were failed", failed);
  free(x);
}
