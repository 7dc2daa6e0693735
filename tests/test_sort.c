/* test_sort.c -- tdm_sort, tdm_argsort and tdm_quantile against plain
 * references (qsort with NaN last; a stable insertion order; type-7
 * interpolation in long double): every dtype, NaN, -0, inf and ties, short
 * and long columns (the sort and the selection paths), q = 0 and 1 in any
 * order, x left unchanged, 1/2/8 threads and the sim device giving the
 * same bits, strided windows (the kernels on padded arrays), and the error
 * paths. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_int.h"
#include "cpu/stats_int.h"
#include "support/support.h"

static int cmp_nan_last(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  if (isnan(x) || isnan(y)) return isnan(x) - isnan(y);
  return x < y ? -1 : x > y;
}

/* n values: uniform, with ties, NaN, -0/+0 and infinities sprinkled in. */
static void mixed(double *x, size_t n, uint64_t seed, int specials) {
  ts_rng r;
  ts_seed(&r, seed);
  ts_fill(&r, x, n, -100, 100);
  for (size_t i = 0; i < n; i += 7) x[i] = floor(x[i]); /* ties */
  if (!specials || n < 16) return;
  x[1] = NAN, x[n / 2] = -0.0, x[n / 3] = 0.0, x[2] = INFINITY, x[n - 1] = -INFINITY, x[n - 2] = NAN;
}

static void check_sorted(const double *got, const double *src, size_t n, tdm_dtype dt, const char *what) {
  double *e = malloc(n * sizeof *e);
  memcpy(e, src, n * sizeof *e);
  qsort(e, n, sizeof *e, cmp_nan_last);
  for (size_t i = 0; i < n; i++) {
    if (isnan(e[i])) cr_assert(isnan(got[i]), "%s %s [%zu]: %g, expected NaN", what, tdm_dtype_name(dt), i, got[i]);
    else cr_assert(got[i] == e[i], "%s %s [%zu]: %.17g vs %.17g", what, tdm_dtype_name(dt), i, got[i], e[i]);
  }
  for (size_t i = 1; i < n; i++) /* -0 before +0 where both occur */
    if (got[i] == 0 && got[i - 1] == 0) cr_assert(!(signbit(got[i]) && !signbit(got[i - 1])), "%s: +0 before -0", what);
  free(e);
}

/* Sorts through the public API, n x cols of dt (values cast from src). */
static void sort_one(tdm_ctx *ctx, tdm_dtype dt, const double *src, size_t n, size_t cols, double *got) {
  size_t m = n * cols;
  tdm_buf *b;
  cr_assert_eq(tdm_buf_create(ctx, dt, n, cols, &b), TDM_OK);
  void *h = malloc(m * 8);
  for (size_t i = 0; i < m; i++) switch (dt) {
    case TDM_F64: ((double *)h)[i] = src[i]; break;
    case TDM_F32: ((float *)h)[i] = (float)src[i]; break;
    case TDM_I64: ((int64_t *)h)[i] = isfinite(src[i]) ? (int64_t)(src[i] * 1e15) : 7; break;
    case TDM_I32: ((int32_t *)h)[i] = isfinite(src[i]) ? (int32_t)(src[i] * 1e7) : 7; break;
    default: ((uint32_t *)h)[i] = isfinite(src[i]) ? (uint32_t)(int64_t)(src[i] * 1e7) : 7; break;
    }
  cr_assert_eq(tdm_buf_write(b, h), TDM_OK);
  double *in = malloc(m * sizeof *in);
  for (size_t i = 0; i < m; i++) switch (dt) {
    case TDM_F64: in[i] = ((double *)h)[i]; break;
    case TDM_F32: in[i] = ((float *)h)[i]; break;
    case TDM_I64: in[i] = (double)((int64_t *)h)[i]; break;
    case TDM_I32: in[i] = ((int32_t *)h)[i]; break;
    default: in[i] = ((uint32_t *)h)[i]; break;
    }
  cr_assert_eq(tdm_sort(ctx, b), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_read(b, h), TDM_OK);
  for (size_t i = 0; i < m; i++) switch (dt) {
    case TDM_F64: got[i] = ((double *)h)[i]; break;
    case TDM_F32: got[i] = ((float *)h)[i]; break;
    case TDM_I64: got[i] = (double)((int64_t *)h)[i]; break;
    case TDM_I32: got[i] = ((int32_t *)h)[i]; break;
    default: got[i] = ((uint32_t *)h)[i]; break;
    }
  for (size_t j = 0; j < cols; j++) check_sorted(got + j * n, in + j * n, n, dt, "sort");
  free(in);
  free(h);
  tdm_buf_destroy(b);
}

Test(sort, every_dtype_short_and_long_columns_cpu_and_sim) {
  static const tdm_dtype dts[5] = {TDM_F64, TDM_F32, TDM_I64, TDM_I32, TDM_U32};
  static const size_t ns[4] = {1, 9, 1001, 200003};
  tdm_ctx *ctx[2] = {ts_ctx(TDM_CPU, 2), ts_ctx(TDM_SIM, 2)};
  double *x = malloc(200003 * 3 * sizeof *x), *got = malloc(200003 * 3 * sizeof *got);
  for (int c = 0; c < 2; c++)
    for (int d = 0; d < 5; d++)
      for (int s = 0; s < 4; s++) {
        size_t cols = ns[s] > 100000 ? 2 : 3;
        mixed(x, ns[s] * cols, 3 + s, 1);
        sort_one(ctx[c], dts[d], x, ns[s], cols, got);
      }
  free(x), free(got);
  /* columns long enough for the sample-split path (F64, I64), on both */
  enum { L = 300007 };
  x = malloc(L * 2 * sizeof *x), got = malloc(L * 2 * sizeof *got);
  mixed(x, L * 2, 9, 1);
  for (int c = 0; c < 2; c++) {
    sort_one(ctx[c], TDM_F64, x, L, 2, got);
    sort_one(ctx[c], TDM_I64, x, L, 1, got);
  }
  free(x), free(got);
  tdm_ctx_destroy(ctx[0]), tdm_ctx_destroy(ctx[1]);
}

Test(sort, strided_window_sorts_only_its_columns) {
  enum { R = 70001, C = 3, LD = 70011 };
  double *p = malloc((size_t)LD * C * sizeof *p), *src = malloc((size_t)R * C * sizeof *src);
  mixed(src, (size_t)R * C, 5, 1);
  for (size_t i = 0; i < (size_t)LD * C; i++) p[i] = 12345.0;
  for (size_t j = 0; j < C; j++) memcpy(p + j * LD, src + j * R, R * sizeof *p);
  tdm__cpu cpu = {2};
  tdm__sarg a = {p, TDM_F64, R, C, LD};
  cr_assert_eq(tdm__cpu_sort(&cpu, &a), TDM_OK);
  for (size_t j = 0; j < C; j++) {
    check_sorted(p + j * LD, src + j * R, R, TDM_F64, "window");
    for (size_t i = R; i < LD; i++) cr_assert_eq(p[j * LD + i], 12345.0, "padding written");
  }
  /* a short-column window (one column per thread) */
  enum { R2 = 50, C2 = 9, LD2 = 57 };
  double q[LD2 * C2], s2[R2 * C2];
  mixed(s2, R2 * C2, 6, 0);
  for (size_t i = 0; i < LD2 * C2; i++) q[i] = -1;
  for (size_t j = 0; j < C2; j++) memcpy(q + j * LD2, s2 + j * R2, R2 * sizeof *q);
  tdm__sarg b = {q, TDM_F64, R2, C2, LD2};
  cr_assert_eq(tdm__cpu_sort(&cpu, &b), TDM_OK);
  for (size_t j = 0; j < C2; j++) {
    check_sorted(q + j * LD2, s2 + j * R2, R2, TDM_F64, "short window");
    for (size_t i = R2; i < LD2; i++) cr_assert_eq(q[j * LD2 + i], -1.0);
  }
  free(p), free(src);
}

static void check_argsort(const double *x, size_t n, const int64_t *idx, const char *what) {
  char *seen = calloc(n, 1);
  for (size_t i = 0; i < n; i++) {
    cr_assert(idx[i] >= 0 && (size_t)idx[i] < n && !seen[idx[i]], "%s: not a permutation at %zu", what, i);
    seen[idx[i]] = 1;
    if (i == 0) continue;
    double a = x[idx[i - 1]], b = x[idx[i]];
    int tie = (isnan(a) && isnan(b)) || a == b;
    if (tie) cr_assert(idx[i - 1] < idx[i], "%s: ties out of input order at %zu", what, i);
    else cr_assert(cmp_nan_last(&a, &b) < 0, "%s: not ascending at %zu (%g, %g)", what, i, a, b);
  }
  free(seen);
}

Test(argsort, stable_with_ties_nan_and_signed_zero_i32_i64_cpu_sim) {
  static const size_t ns[3] = {5, 3001, 150001};
  tdm_ctx *ctx[3] = {ts_ctx(TDM_CPU, 1), ts_ctx(TDM_CPU, 8), ts_ctx(TDM_SIM, 2)};
  for (int s = 0; s < 3; s++) {
    size_t n = ns[s];
    double *x = malloc(n * sizeof *x);
    ts_rng r;
    ts_seed(&r, 77);
    for (size_t i = 0; i < n; i++) x[i] = floor(ts_uniform(&r, 0, 50)); /* many ties */
    if (n > 10) x[3] = NAN, x[8] = NAN, x[4] = -0.0, x[9] = 0.0, x[10] = -0.0;
    int64_t *first = NULL;
    for (int c = 0; c < 3; c++)
      for (int d = 0; d < 2; d++)
        for (int it = 0; it < 2; it++) {
          tdm_dtype dt = d ? TDM_F64 : TDM_F32, idt = it ? TDM_I64 : TDM_I32;
          tdm_buf *bx = ts_buf(ctx[c], dt, n, 1, x), *bi;
          cr_assert_eq(tdm_buf_create(ctx[c], idt, n, 1, &bi), TDM_OK);
          cr_assert_eq(tdm_argsort(ctx[c], bx, bi), TDM_OK, "%s", tdm_last_error());
          int64_t *idx = malloc(n * sizeof *idx);
          if (it) {
            cr_assert_eq(tdm_buf_read(bi, idx), TDM_OK);
          } else {
            int32_t *i32 = malloc(n * sizeof *i32);
            cr_assert_eq(tdm_buf_read(bi, i32), TDM_OK);
            for (size_t i = 0; i < n; i++) idx[i] = i32[i];
            free(i32);
          }
          check_argsort(x, n, idx, "argsort");
          if (!first) first = idx;
          else {
            cr_assert(memcmp(first, idx, n * sizeof *idx) == 0, "the order depends on backend/threads/dtype");
            free(idx);
          }
          tdm_buf_destroy(bx), tdm_buf_destroy(bi);
        }
    free(first);
    free(x);
  }
  for (int c = 0; c < 3; c++) tdm_ctx_destroy(ctx[c]);
}

/* type 7 in long double from a sorted copy. */
static double q7_ref(const double *sorted, size_t n, double q) {
  long double h = (long double)(n - 1) * q;
  size_t lo = (size_t)floorl(h);
  if (lo >= n - 1) return sorted[n - 1];
  long double g = h - lo;
  return (double)(sorted[lo] + g * ((long double)sorted[lo + 1] - sorted[lo]));
}

static void quant_case(tdm_ctx *ctx, tdm_dtype dt, size_t n, size_t cols, int nan_col, double *bits) {
  static const double q[7] = {0.5, 0, 1, 0.025, 0.975, 0.3333, 0.75};
  size_t m = n * cols;
  double *x = malloc(m * sizeof *x), *s = malloc(n * sizeof *s);
  mixed(x, m, 8, 0);
  for (size_t i = 0; i < n; i += 3) x[i] = 1e6 + (double)(i % 17); /* an offset, ties */
  if (dt == TDM_F32)
    for (size_t i = 0; i < m; i++) x[i] = (double)(float)x[i];
  if (nan_col >= 0) x[nan_col * n + n / 2] = NAN;
  tdm_buf *bx = ts_buf(ctx, dt, n, cols, x), *o = ts_buf(ctx, TDM_F64, 7, cols, NULL);
  cr_assert_eq(tdm_quantile(ctx, bx, 7, q, o), TDM_OK, "%s", tdm_last_error());
  double *got = malloc(7 * cols * sizeof *got), *back = malloc(m * sizeof *back);
  ts_read(o, got);
  ts_read(bx, back);
  cr_assert(memcmp(back, x, m * sizeof *x) == 0 || nan_col >= 0, "x changed");
  for (size_t j = 0; j < cols; j++) {
    memcpy(s, x + j * n, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_nan_last);
    for (int k = 0; k < 7; k++) {
      double g = got[k + 7 * j];
      if ((int)j == nan_col) {
        cr_assert(isnan(g), "a NaN column gives NaN");
        continue;
      }
      double e = q7_ref(s, n, q[k]);
      if (q[k] == 0) cr_assert_eq(g, s[0], "q = 0 is the minimum");
      if (q[k] == 1) cr_assert_eq(g, s[n - 1], "q = 1 is the maximum");
      double scale = fabs(s[n - 1]) + fabs(s[0]);
      cr_assert(fabs(g - e) <= 4e-16 * scale, "%s n=%zu col %zu q=%g: %.17g vs %.17g", tdm_dtype_name(dt), n, j, q[k], g, e);
    }
  }
  if (bits) memcpy(bits, got, 7 * cols * sizeof *got);
  free(x), free(s), free(got), free(back);
  tdm_buf_destroy(bx), tdm_buf_destroy(o);
}

Test(quantile, type7_short_and_long_columns_f32_f64_nan_columns) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  static const size_t ns[6] = {1, 2, 11, 1000, 70001, 300007}; /* sorted, copied, histogram */
  for (int d = 0; d < 2; d++)
    for (int s = 0; s < 6; s++) quant_case(ctx, d ? TDM_F64 : TDM_F32, ns[s], ns[s] > 1000 ? 2 : 4, ns[s] > 2 ? 1 : -1, NULL);
  tdm_ctx_destroy(ctx);
}

Test(quantile, same_bits_for_1_2_8_threads_and_sim) {
  double a[21], b[21];
  for (size_t n = 70001; n < 400000; n += 230006) { /* the copied and the histogram path */
    tdm_ctx *c1 = ts_ctx(TDM_CPU, 1);
    quant_case(c1, TDM_F64, n, 3, -1, a);
    tdm_ctx_destroy(c1);
    int th[3] = {2, 8, 0};
    for (int t = 0; t < 3; t++) {
      tdm_ctx *c = th[t] ? ts_ctx(TDM_CPU, th[t]) : ts_ctx(TDM_SIM, 2);
      quant_case(c, TDM_F64, n, 3, -1, b);
      cr_assert(memcmp(a, b, sizeof a) == 0, "n=%zu: %d threads (0 = sim) differ", n, th[t]);
      tdm_ctx_destroy(c);
    }
  }
}

Test(quantile, constant_column_and_window) {
  enum { R = 40000, C = 2, LD = 40003 };
  double *p = malloc((size_t)LD * C * sizeof *p), out[3 * C + 1];
  for (size_t i = 0; i < (size_t)LD * C; i++) p[i] = (i % LD) >= R ? NAN : 2.5; /* NaN padding */
  double q[3] = {0.1, 0.5, 1};
  tdm__cpu cpu = {2};
  tdm__sarg a = {p, TDM_F64, R, C, LD}, o = {out, TDM_F64, 3, C, 3};
  cr_assert_eq(tdm__cpu_quantile(&cpu, &a, 3, q, &o), TDM_OK);
  for (int k = 0; k < 3 * C; k++) cr_assert_eq(out[k], 2.5, "constant column: %g", out[k]);
  free(p);
}

Test(quantile, error_paths) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  double x[4] = {1, 2, 3, 4};
  tdm_buf *bx = ts_buf(ctx, TDM_F64, 4, 1, x), *o = ts_buf(ctx, TDM_F64, 2, 1, NULL), *o2 = ts_buf(ctx, TDM_F64, 3, 1, NULL);
  tdm_buf *xi, *of = ts_buf(ctx, TDM_F32, 2, 1, NULL);
  cr_assert_eq(tdm_buf_create(ctx, TDM_I32, 4, 1, &xi), TDM_OK);
  double q[2] = {0.5, NAN}, q2[2] = {0.5, 1.5}, q3[2] = {-0.1, 0.2}, ok[2] = {0.5, 1};
#define BAD(call, msg)                                                         \
  do {                                                                         \
    cr_assert_eq(call, TDM_ERR_INVALID, #call);                                \
    cr_assert_str_eq(tdm_last_error(), msg);                                   \
  } while (0)
  BAD(tdm_quantile(ctx, bx, 2, q, o), "tdm_quantile: q[1]: nan is not in [0, 1]");
  BAD(tdm_quantile(ctx, bx, 2, q2, o), "tdm_quantile: q[1]: 1.5 is not in [0, 1]");
  BAD(tdm_quantile(ctx, bx, 2, q3, o), "tdm_quantile: q[0]: -0.1 is not in [0, 1]");
  BAD(tdm_quantile(ctx, bx, 0, ok, o), "tdm_quantile: nq: must be > 0");
  BAD(tdm_quantile(ctx, bx, 2, NULL, o), "tdm_quantile: q: is NULL");
  BAD(tdm_quantile(ctx, xi, 2, ok, o), "tdm_quantile: x: dtype i32, expected f32 or f64");
  BAD(tdm_quantile(ctx, bx, 2, ok, of), "tdm_quantile: out: dtype f32, expected f64");
  BAD(tdm_quantile(ctx, bx, 2, ok, o2), "tdm_quantile: out: 3 x 1, expected nq x cols(x) = 2 x 1");
  BAD(tdm_quantile(NULL, bx, 2, ok, o), "tdm_quantile: ctx: is NULL");
  tdm_buf *bf;
  cr_assert_eq(tdm_buf_create(ctx, TDM_F32, 4, 1, &bf), TDM_OK);
  BAD(tdm_sort(ctx, NULL), "tdm_sort: x: is NULL");
  BAD(tdm_argsort(ctx, bx, bf), "tdm_argsort: idx: dtype f32, expected i32 or i64");
  tdm_buf *m, *i3;
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 2, 2, &m), TDM_OK);
  cr_assert_eq(tdm_buf_create(ctx, TDM_I32, 3, 1, &i3), TDM_OK);
  BAD(tdm_argsort(ctx, m, xi), "tdm_argsort: x: 2 x 2 is not a vector");
  BAD(tdm_argsort(ctx, bx, i3), "tdm_argsort: idx: 3 elements, x has 4");
#undef BAD
  tdm_buf *list[] = {bx, o, o2, xi, of, bf, m, i3};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) tdm_buf_destroy(list[i]);
  tdm_ctx_destroy(ctx);
}
