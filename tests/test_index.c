/* test_index.c -- tdm_take and tdm_nonzero on the CPU and the sim device
 * against plain loops: every dtype, I32 and I64 indices, repeated and
 * out-of-range indices (out unchanged), NaN and -0.0 masks, row and column
 * index vectors, shape/dtype/axis errors, the parallel paths, leading
 * dimensions (the CPU kernels on padded arrays), injected allocation
 * failures, and on sim the transfers: only the check's result or the count
 * comes back, never idx. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf_int.h"
#include "cpu/cpu_int.h"
#include "support/support.h"

static const tdm_dtype all_dt[5] = {TDM_F32, TDM_F64, TDM_I32, TDM_I64, TDM_U32};
static const tdm_backend backends[2] = {TDM_CPU, TDM_SIM};

static tdm_stats stats(tdm_ctx *c) {
  tdm_stats s;
  cr_assert_eq(tdm_ctx_stats(c, &s), TDM_OK);
  return s;
}

/* n elements of dt with distinct bit patterns (element i from i and seed). */
static void *pattern(tdm_dtype dt, size_t n, uint64_t seed) {
  size_t es = tdm_dtype_size(dt);
  unsigned char *p = malloc(n * es);
  for (size_t i = 0; i < n; i++) {
    uint64_t v = ts_mix(seed * 1000003u + i);
    memcpy(p + i * es, &v, es);
  }
  return p;
}

static tdm_buf *raw_buf(tdm_ctx *c, tdm_dtype dt, size_t r, size_t k, const void *src) {
  tdm_buf *b = NULL;
  cr_assert_eq(tdm_buf_create(c, dt, r, k, &b), TDM_OK, "%s", tdm_last_error());
  if (src) cr_assert_eq(tdm_buf_write(b, src), TDM_OK, "%s", tdm_last_error());
  return b;
}

/* An index buffer (I32 or I64, n x 1 or 1 x n) from int64 values. */
static tdm_buf *idx_buf(tdm_ctx *c, tdm_dtype idt, int row, const int64_t *v, size_t n) {
  tdm_buf *b = raw_buf(c, idt, row ? 1 : n, row ? n : 1, NULL);
  if (idt == TDM_I64) {
    cr_assert_eq(tdm_buf_write(b, v), TDM_OK);
  } else {
    int32_t *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++) w[i] = (int32_t)v[i];
    cr_assert_eq(tdm_buf_write(b, w), TDM_OK);
    free(w);
  }
  return b;
}

/* The reference gather: plain loops over bytes. */
static void ref_take(size_t es, int axis, const unsigned char *x, size_t r, size_t c,
                     const int64_t *idx, size_t m, unsigned char *out) {
  if (axis == 0) {
    for (size_t j = 0; j < c; j++)
      for (size_t i = 0; i < m; i++) memcpy(out + (i + j * m) * es, x + ((size_t)idx[i] + j * r) * es, es);
  } else {
    for (size_t j = 0; j < m; j++)
      for (size_t i = 0; i < r; i++) memcpy(out + (i + j * r) * es, x + (i + (size_t)idx[j] * r) * es, es);
  }
}

static void check_take(tdm_backend be, tdm_dtype dt, tdm_dtype idt, int axis, int row, size_t r,
                       size_t c, size_t m, uint64_t seed) {
  tdm_ctx *ctx = ts_ctx(be, 2);
  size_t es = tdm_dtype_size(dt), lim = axis == 0 ? r : c;
  void *x = pattern(dt, r * c, seed);
  int64_t *iv = malloc(m * sizeof *iv);
  for (size_t i = 0; i < m; i++) iv[i] = (int64_t)(ts_mix(seed + 7 * i) % lim); /* repeats */
  iv[0] = (int64_t)lim - 1, iv[m - 1] = 0;
  if (m > 2) iv[1] = iv[0]; /* a repeated index for sure */
  size_t orows = axis == 0 ? m : r, ocols = axis == 0 ? c : m;
  unsigned char *want = malloc(orows * ocols * es), *got = malloc(orows * ocols * es);
  ref_take(es, axis, x, r, c, iv, m, want);
  tdm_buf *X = raw_buf(ctx, dt, r, c, x), *I = idx_buf(ctx, idt, row, iv, m);
  tdm_buf *O = raw_buf(ctx, dt, orows, ocols, NULL);
  cr_assert_eq(tdm_take(ctx, X, axis, I, O), TDM_OK, "%s %s axis %d: %s", tdm_backend_name(be),
               tdm_dtype_name(dt), axis, tdm_last_error());
  cr_assert_eq(tdm_buf_read(O, got), TDM_OK);
  for (size_t e = 0; e < orows * ocols; e++)
    cr_assert(memcmp(got + e * es, want + e * es, es) == 0,
              "%s %s idx %s axis %d %zux%zu m=%zu: element %zu differs", tdm_backend_name(be),
              tdm_dtype_name(dt), tdm_dtype_name(idt), axis, r, c, m, e);
  tdm_buf_destroy(X), tdm_buf_destroy(I), tdm_buf_destroy(O);
  tdm_ctx_destroy(ctx);
  free(x), free(iv), free(want), free(got);
}

Test(index, take_rows_and_columns_every_dtype_and_index_type) {
  for (int b = 0; b < 2; b++)
    for (int d = 0; d < 5; d++)
      for (int it = 0; it < 2; it++)
        for (int axis = 0; axis < 2; axis++)
          check_take(backends[b], all_dt[d], it ? TDM_I64 : TDM_I32, axis, (d + it) & 1, 13, 7,
                     axis == 0 ? 29 : 11, (uint64_t)(d * 4 + it * 2 + axis + 1));
}

Test(index, take_large_runs_the_parallel_paths) {
  for (int b = 0; b < 2; b++) {
    check_take(backends[b], TDM_F64, TDM_I64, 0, 0, 50000, 8, 120001, 3); /* many row blocks */
    check_take(backends[b], TDM_F32, TDM_I32, 0, 1, 3000, 3, 70001, 4);
    check_take(backends[b], TDM_F64, TDM_I32, 1, 0, 150000, 3, 5, 5); /* column segments */
    check_take(backends[b], TDM_I32, TDM_I64, 1, 1, 200, 400, 900, 6);
  }
}

Test(index, take_single_index_and_single_row) {
  for (int b = 0; b < 2; b++) {
    check_take(backends[b], TDM_F64, TDM_I32, 0, 0, 1, 5, 1, 9);
    check_take(backends[b], TDM_F64, TDM_I64, 1, 0, 5, 1, 3, 10);
    check_take(backends[b], TDM_U32, TDM_I64, 0, 1, 9, 1, 4, 11);
  }
}

static void expect_refused(tdm_ctx *ctx, tdm_buf *X, int axis, tdm_buf *I, tdm_buf *O,
                           const char *msg) {
  tdm_status s = tdm_take(ctx, X, axis, I, O);
  cr_assert_eq(s, TDM_ERR_INVALID, "expected TDM_ERR_INVALID, got %s (%s)", tdm_status_name(s),
               tdm_last_error());
  cr_assert(strstr(tdm_last_error(), msg), "message '%s' lacks '%s'", tdm_last_error(), msg);
}

Test(index, out_of_range_index_leaves_out_unchanged) {
  for (int b = 0; b < 2; b++)
    for (int it = 0; it < 2; it++) {
      tdm_dtype idt = it ? TDM_I64 : TDM_I32;
      tdm_ctx *ctx = ts_ctx(backends[b], 2);
      const size_t r = 6, c = 4, m = 200000; /* large: the check runs in parallel */
      double x[24], sentinel[4 * 6];
      for (int i = 0; i < 24; i++) x[i] = i + 0.5, sentinel[i] = -1 - i;
      int64_t *iv = malloc(m * sizeof *iv);
      const int64_t bad[4] = {-1, (int64_t)r, INT32_MAX, (int64_t)-2147483648LL};
      for (int k = 0; k < 4; k++) {
        for (size_t i = 0; i < m; i++) iv[i] = (int64_t)(i % r);
        size_t at = k == 0 ? m - 1 : (size_t)(37 + 1000 * k);
        iv[at] = bad[k];
        iv[at + (k == 0 ? 0 : 5000)] = bad[k]; /* and a later one: the lowest is named */
        tdm_buf *X = ts_buf(ctx, TDM_F64, r, c, x), *I = idx_buf(ctx, idt, k & 1, iv, m);
        tdm_buf *O = ts_buf(ctx, TDM_F64, m, c, NULL);
        double *o = malloc(m * c * sizeof *o);
        for (size_t i = 0; i < m * c; i++) o[i] = sentinel[i % 24];
        cr_assert_eq(tdm_buf_write(O, o), TDM_OK);
        char msg[96];
        snprintf(msg, sizeof msg, "tdm_take: idx: element %zu is %lld, outside [0, %zu)", at,
                 (long long)bad[k], r);
        expect_refused(ctx, X, 0, I, O, msg);
        double *got = malloc(m * c * sizeof *got);
        cr_assert_eq(tdm_buf_read(O, got), TDM_OK);
        cr_assert(memcmp(got, o, m * c * sizeof *got) == 0, "out unchanged after a refusal");
        free(o), free(got);
        tdm_buf_destroy(X), tdm_buf_destroy(I), tdm_buf_destroy(O);
      }
      /* axis 1: columns of x are the limit */
      const int64_t cv[4] = {0, 3, 4, 1};
      tdm_buf *X = ts_buf(ctx, TDM_F64, r, c, x), *I = idx_buf(ctx, idt, it, cv, 4);
      tdm_buf *O = ts_buf(ctx, TDM_F64, r, 4, sentinel);
      expect_refused(ctx, X, 1, I, O, "tdm_take: idx: element 2 is 4, outside [0, 4) (the columns of x)");
      double got[24];
      cr_assert_eq(tdm_buf_read(O, got), TDM_OK);
      cr_assert(memcmp(got, sentinel, sizeof got) == 0, "out unchanged after a refusal");
      tdm_buf_destroy(X), tdm_buf_destroy(I), tdm_buf_destroy(O);
      free(iv);
      tdm_ctx_destroy(ctx);
    }
}

Test(index, take_argument_errors) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1), *other = ts_ctx(TDM_CPU, 1);
  int64_t iv[3] = {0, 1, 0};
  tdm_buf *X = ts_buf(ctx, TDM_F64, 4, 2, NULL), *I = idx_buf(ctx, TDM_I64, 0, iv, 3);
  tdm_buf *O = ts_buf(ctx, TDM_F64, 3, 2, NULL), *Of = ts_buf(ctx, TDM_F32, 3, 2, NULL);
  tdm_buf *If = ts_buf(ctx, TDM_F64, 3, 1, NULL), *Im = raw_buf(ctx, TDM_I32, 2, 2, NULL);
  tdm_buf *Ox = ts_buf(other, TDM_F64, 3, 2, NULL), *Obad = ts_buf(ctx, TDM_F64, 2, 3, NULL);
  cr_assert_eq(tdm_take(NULL, X, 0, I, O), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_take: ctx: is NULL"));
  expect_refused(ctx, NULL, 0, I, O, "tdm_take: x: is NULL");
  expect_refused(ctx, X, 0, NULL, O, "tdm_take: idx: is NULL");
  expect_refused(ctx, X, 0, I, NULL, "tdm_take: out: is NULL");
  expect_refused(ctx, X, 2, I, O, "tdm_take: axis: 2, expected 0 (rows) or 1 (columns)");
  expect_refused(ctx, X, -1, I, O, "tdm_take: axis: -1");
  expect_refused(ctx, X, 0, If, O, "tdm_take: idx: dtype f64, expected i32 or i64");
  expect_refused(ctx, X, 0, Im, O, "tdm_take: idx: 2 x 2, expected a vector");
  expect_refused(ctx, X, 0, I, Of, "tdm_take: out: dtype f32, expected x's dtype f64");
  expect_refused(ctx, X, 0, I, Obad, "tdm_take: out: 2 x 3, expected 3 x 2 (len(idx) x cols(x))");
  expect_refused(ctx, X, 1, I, O, "tdm_take: out: 3 x 2, expected 4 x 3 (rows(x) x len(idx))");
  expect_refused(ctx, X, 0, I, Ox, "tdm_take: out: belongs to another context");
  tdm_buf *sq = ts_buf(ctx, TDM_F64, 3, 3, NULL), *i3 = idx_buf(ctx, TDM_I64, 0, iv, 3);
  expect_refused(ctx, sq, 0, i3, sq, "tdm_take: out: overlaps x or idx");
  tdm_stats s = stats(ctx);
  cr_assert_eq(s.cpu_ops, 0, "a refused call counts no op");
  tdm_buf *bufs[] = {X, I, O, Of, If, Im, Ox, Obad, sq, i3};
  for (size_t k = 0; k < sizeof bufs / sizeof *bufs; k++) tdm_buf_destroy(bufs[k]);
  tdm_ctx_destroy(ctx), tdm_ctx_destroy(other);
}

/* ---- nonzero ----------------------------------------------------------------- */
/* The mask value for position k: zero, a nonzero, and for floats -0.0 and NaN. */
static void set_mask(tdm_dtype dt, void *m, size_t k, int kind) {
  switch (dt) {
  case TDM_F32: ((float *)m)[k] = kind == 0 ? 0.0f : kind == 1 ? -0.0f : kind == 2 ? NAN : -2.5f; break;
  case TDM_F64: ((double *)m)[k] = kind == 0 ? 0.0 : kind == 1 ? -0.0 : kind == 2 ? NAN : 1e-300; break;
  case TDM_I32: ((int32_t *)m)[k] = kind <= 1 ? 0 : kind == 2 ? INT32_MIN : 7; break;
  case TDM_I64: ((int64_t *)m)[k] = kind <= 1 ? 0 : kind == 2 ? INT64_MIN : -1; break;
  case TDM_U32: ((uint32_t *)m)[k] = kind <= 1 ? 0 : kind == 2 ? 0x80000000u : 1; break;
  }
}
static int kind_nonzero(int kind) { return kind >= 2; } /* 0, -0.0: zero; NaN or value: not */

static void check_nonzero(tdm_backend be, tdm_dtype dt, tdm_dtype idt, size_t r, size_t c,
                          size_t extra, uint64_t seed, int density) {
  tdm_ctx *ctx = ts_ctx(be, 2);
  size_t n = r * c, ni = n + extra, es = tdm_dtype_size(idt);
  void *m = malloc(n * tdm_dtype_size(dt));
  int64_t *want = malloc(n * sizeof *want), *pre = malloc(ni * sizeof *pre);
  size_t nw = 0;
  for (size_t k = 0; k < n; k++) {
    uint64_t h = ts_mix(seed * 31 + k);
    int kind = density == 0 ? (int)(h % 2) : (h % 100 < (uint64_t)density ? 2 + (int)(h >> 40) % 2 : (int)(h >> 40) % 2);
    set_mask(dt, m, k, kind);
    if (kind_nonzero(kind)) want[nw++] = (int64_t)k;
  }
  for (size_t k = 0; k < ni; k++) pre[k] = -1000 - (int64_t)k;
  tdm_buf *M = raw_buf(ctx, dt, r, c, m), *I = idx_buf(ctx, idt, (int)(seed & 1), pre, ni);
  size_t count = 12345;
  cr_assert_eq(tdm_nonzero(ctx, M, I, &count), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(count, nw, "%s %s: %zu non-zero, expected %zu", tdm_backend_name(be),
               tdm_dtype_name(dt), count, nw);
  unsigned char *got = malloc(ni * es);
  cr_assert_eq(tdm_buf_read(I, got), TDM_OK);
  for (size_t k = 0; k < ni; k++) {
    int64_t v = idt == TDM_I64 ? ((int64_t *)got)[k] : ((int32_t *)got)[k];
    int64_t w = k < nw ? want[k] : pre[k];
    cr_assert_eq(v, w, "%s %s idx %s %zux%zu: idx[%zu] = %lld, expected %lld%s",
                 tdm_backend_name(be), tdm_dtype_name(dt), tdm_dtype_name(idt), r, c, k,
                 (long long)v, (long long)w, k < nw ? "" : " (past the count: unchanged)");
  }
  tdm_buf_destroy(M), tdm_buf_destroy(I);
  tdm_ctx_destroy(ctx);
  free(m), free(want), free(pre), free(got);
}

Test(index, nonzero_every_dtype_nan_and_negative_zero) {
  for (int b = 0; b < 2; b++)
    for (int d = 0; d < 5; d++)
      for (int it = 0; it < 2; it++)
        check_nonzero(backends[b], all_dt[d], it ? TDM_I64 : TDM_I32, 9, 7, (size_t)(it * 5),
                      (uint64_t)(d * 2 + it + 1), 50);
}

Test(index, nonzero_large_runs_the_parallel_path) {
  for (int b = 0; b < 2; b++) {
    check_nonzero(backends[b], TDM_F64, TDM_I64, 1000, 300, 0, 21, 30);
    check_nonzero(backends[b], TDM_F32, TDM_I32, 700001, 1, 3, 22, 2);
    check_nonzero(backends[b], TDM_U32, TDM_I32, 1, 200003, 0, 23, 97);
    check_nonzero(backends[b], TDM_F64, TDM_I64, 300, 700, 0, 24, 0); /* all zero (+-0.0) */
  }
}

Test(index, nonzero_argument_errors) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  tdm_buf *M = ts_buf(ctx, TDM_F64, 3, 2, NULL), *I = raw_buf(ctx, TDM_I64, 6, 1, NULL);
  tdm_buf *small = raw_buf(ctx, TDM_I32, 5, 1, NULL), *If = ts_buf(ctx, TDM_F32, 6, 1, NULL);
  size_t count = 77;
  cr_assert_eq(tdm_nonzero(NULL, M, I, &count), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_nonzero: ctx: is NULL"));
  struct { tdm_buf *m, *i; size_t *c; const char *msg; } cases[] = {
      {NULL, I, &count, "tdm_nonzero: mask: is NULL"},
      {M, NULL, &count, "tdm_nonzero: idx: is NULL"},
      {M, I, NULL, "tdm_nonzero: count: is NULL"},
      {M, small, &count, "tdm_nonzero: idx: 5 elements, expected at least mask's 6"},
      {M, If, &count, "tdm_nonzero: idx: dtype f32, expected i32 or i64"},
      {I, I, &count, "tdm_nonzero: idx: overlaps mask"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    cr_assert_eq(tdm_nonzero(ctx, cases[k].m, cases[k].i, cases[k].c), TDM_ERR_INVALID, "case %zu", k);
    cr_assert(strstr(tdm_last_error(), cases[k].msg), "case %zu: '%s' lacks '%s'", k,
              tdm_last_error(), cases[k].msg);
  }
  cr_assert_eq(count, 77, "count unchanged on refusal");
  cr_assert_eq(stats(ctx).cpu_ops, 0);
  tdm_buf_destroy(M), tdm_buf_destroy(I), tdm_buf_destroy(small), tdm_buf_destroy(If);
  tdm_ctx_destroy(ctx);
}

/* ---- leading dimensions: the CPU kernels on padded arrays ---------------------- */
Test(index, cpu_kernels_honour_leading_dimensions) {
  tdm__cpu cpu = {2};
  const size_t r = 70000, c = 3, ldx = r + 5, m = 90001, ldo = m + 3, ild = 4;
  double *x = malloc(ldx * c * sizeof *x), *out = malloc(ldo * c * sizeof *out);
  int64_t *idx = malloc(m * ild * sizeof *idx);
  for (size_t k = 0; k < ldx * c; k++) x[k] = (double)k + 0.25;
  for (size_t k = 0; k < m * ild; k++) idx[k] = k % ild ? -99 : (int64_t)(ts_mix(k) % r); /* 1 x m, stride 4 */
  for (size_t k = 0; k < ldo * c; k++) out[k] = -7;
  tdm__take_args a = {TDM_F64, 0, x, r, c, ldx, TDM_I64, idx, m, 1, ild, out, ldo};
  cr_assert_eq(tdm__cpu_take(&cpu, &a), TDM_OK, "%s", tdm_last_error());
  for (size_t j = 0; j < c; j++)
    for (size_t i = 0; i < ldo; i++) {
      double want = i < m ? x[(size_t)idx[i * ild] + j * ldx] : -7;
      cr_assert_eq(out[i + j * ldo], want, "rows: out(%zu, %zu)%s", i, j, i < m ? "" : " (padding)");
    }
  /* columns: x r2 x c2 with ld, idx n x 1 of 4 columns */
  const size_t r2 = 5, c2 = 6, ld2 = 9, m2 = 4, ldo2 = 7;
  int32_t idc[4] = {5, 0, 5, 2};
  double *o2 = malloc(ldo2 * m2 * sizeof *o2);
  for (size_t k = 0; k < ldo2 * m2; k++) o2[k] = -7;
  tdm__take_args b = {TDM_F64, 1, x, r2, c2, ld2, TDM_I32, idc, m2, m2, m2, o2, ldo2};
  cr_assert_eq(tdm__cpu_take(&cpu, &b), TDM_OK, "%s", tdm_last_error());
  for (size_t j = 0; j < m2; j++)
    for (size_t i = 0; i < ldo2; i++)
      cr_assert_eq(o2[i + j * ldo2], i < r2 ? x[i + (size_t)idc[j] * ld2] : -7, "cols: (%zu, %zu)", i, j);
  /* a bad index in a padded view is named by its position, and nothing is written */
  idx[5 * ild] = (int64_t)r;
  for (size_t k = 0; k < ldo * c; k++) out[k] = -7;
  cr_assert_eq(tdm__cpu_take(&cpu, &a), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "element 5 is 70000"), "%s", tdm_last_error());
  for (size_t k = 0; k < ldo * c; k++) cr_assert_eq(out[k], -7);
  /* nonzero: mask r3 x c3 with ld 11 (padding non-zero, must be skipped), idx 2 x 10 with ld 3 */
  const size_t r3 = 200, c3 = 900, ld3 = 211, n3 = r3 * c3;
  float *mk = malloc(ld3 * c3 * sizeof *mk);
  for (size_t k = 0; k < ld3 * c3; k++) mk[k] = k % ld3 >= r3 ? 1.0f : (ts_mix(k) % 3 == 0 ? 2.0f : -0.0f);
  const size_t irows = 2, icols = n3 / 2, ild3 = 3;
  int64_t *po = malloc(ild3 * icols * sizeof *po);
  for (size_t k = 0; k < ild3 * icols; k++) po[k] = -5;
  tdm__nonzero_args z = {TDM_F32, mk, r3, c3, ld3, TDM_I64, po, irows, ild3};
  size_t count = 0;
  cr_assert_eq(tdm__cpu_nonzero(&cpu, &z, &count), TDM_OK, "%s", tdm_last_error());
  size_t q = 0;
  for (size_t j = 0; j < c3; j++)
    for (size_t i = 0; i < r3; i++)
      if (mk[i + j * ld3] != 0) {
        size_t off = q % irows + q / irows * ild3;
        cr_assert_eq(po[off], (int64_t)(i + j * r3), "position %zu", q);
        q++;
      }
  cr_assert_eq(count, q);
  for (size_t k = 0; k < ild3 * icols; k++)
    if (k % ild3 >= irows || k / ild3 * irows + k % ild3 >= q) cr_assert_eq(po[k], -5, "slot %zu untouched", k);
  free(x), free(out), free(idx), free(o2), free(mk), free(po);
}

/* ---- allocation failures ------------------------------------------------------ */
Test(index, allocation_failures_are_reported_and_leave_outputs) {
  /* CPU: nonzero's block counts (a mask of several blocks, 2 threads). */
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  const size_t n = 300000;
  double *m = calloc(n, sizeof *m);
  m[5] = 1, m[n - 1] = 2;
  tdm_buf *M = ts_buf(ctx, TDM_F64, n, 1, m), *I = raw_buf(ctx, TDM_I64, n, 1, NULL);
  size_t count = 99;
  long live = tdm__alloc_live();
  tdm__alloc_fail_after(1);
  tdm_status s = tdm_nonzero(ctx, M, I, &count);
  tdm__alloc_fail_after(0);
  cr_assert_eq(s, TDM_ERR_NOMEM, "%s", tdm_status_name(s));
  cr_assert(strstr(tdm_last_error(), "tdm_nonzero: out of host memory"), "%s", tdm_last_error());
  cr_assert_eq(count, 99);
  cr_assert_eq(tdm__alloc_live(), live, "nothing leaked");
  cr_assert_eq(tdm_nonzero(ctx, M, I, &count), TDM_OK);
  cr_assert_eq(count, 2);
  tdm_buf_destroy(M), tdm_buf_destroy(I);
  tdm_ctx_destroy(ctx);
  /* sim: the output's device memory. */
  tdm_ctx *sim = ts_ctx(TDM_SIM, 1);
  double x[6] = {1, 2, 3, 4, 5, 6};
  int64_t iv[2] = {2, 0};
  tdm_buf *X = ts_buf(sim, TDM_F64, 3, 2, x), *Ix = idx_buf(sim, TDM_I64, 0, iv, 2);
  tdm_buf *O = ts_buf(sim, TDM_F64, 2, 2, NULL), *O2 = ts_buf(sim, TDM_F64, 2, 2, NULL);
  double got[4], want[4] = {3, 1, 6, 4};
  cr_assert_eq(tdm_take(sim, X, 0, Ix, O), TDM_OK); /* X and idx now on the device */
  tdm__alloc_fail_after(1);
  s = tdm_take(sim, X, 0, Ix, O2); /* O2's device memory fails */
  tdm__alloc_fail_after(0);
  cr_assert_eq(s, TDM_ERR_DEVICE_NOMEM, "%s: %s", tdm_status_name(s), tdm_last_error());
  cr_assert(strstr(tdm_last_error(), "tdm_take: "), "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_read(O2, got), TDM_OK);
  for (int k = 0; k < 4; k++) cr_assert_eq(got[k], 0, "O2 still reads as never written");
  cr_assert_eq(tdm_take(sim, X, 0, Ix, O2), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_read(O2, got), TDM_OK);
  for (int k = 0; k < 4; k++) cr_assert_eq(got[k], want[k]);
  tdm_buf_destroy(X), tdm_buf_destroy(Ix), tdm_buf_destroy(O), tdm_buf_destroy(O2);
  tdm_ctx_destroy(sim);
  free(m);
}

/* ---- sim: what moves ------------------------------------------------------------ */
Test(index, sim_take_and_nonzero_copy_back_only_their_small_results) {
  tdm_ctx *sim = ts_ctx(TDM_SIM, 2);
  const size_t r = 1000, c = 8, m = 3000;
  double *x = malloc(r * c * sizeof *x);
  for (size_t k = 0; k < r * c; k++) x[k] = (double)(k % 17) - 8; /* zeros too */
  int64_t *iv = malloc(m * sizeof *iv);
  for (size_t i = 0; i < m; i++) iv[i] = (int64_t)(ts_mix(i) % r);
  tdm_buf *X = ts_buf(sim, TDM_F64, r, c, x), *I = idx_buf(sim, TDM_I64, 0, iv, m);
  tdm_buf *O = ts_buf(sim, TDM_F64, m, c, NULL), *P = raw_buf(sim, TDM_I32, m * c, 1, NULL);
  tdm_ctx_stats_reset(sim);
  cr_assert_eq(tdm_take(sim, X, 0, I, O), TDM_OK, "%s", tdm_last_error());
  tdm_stats s = stats(sim);
  cr_assert_eq(s.h2d_count, 2, "x and idx go up once each");
  cr_assert_eq(s.h2d_bytes, r * c * 8 + m * 8);
  cr_assert_eq(s.d2h_count, 1, "only the check's result comes back");
  cr_assert_eq(s.d2h_bytes, TDM__TAKE_CHECK_BYTES);
  cr_assert_eq(s.device_ops, 1);
  size_t count = 0;
  cr_assert_eq(tdm_nonzero(sim, O, P, &count), TDM_OK, "%s", tdm_last_error());
  cr_assert_lt(count, m * c);
  s = stats(sim);
  cr_assert_eq(s.h2d_count, 2, "a fresh idx is zeroed on the device, not copied");
  cr_assert_eq(s.d2h_count, 2);
  cr_assert_eq(s.d2h_bytes, TDM__TAKE_CHECK_BYTES + 8, "only the count comes back");
  /* a refused take brings nothing else back either */
  iv[17] = -3;
  cr_assert_eq(tdm_buf_write(I, iv), TDM_OK);
  cr_assert_eq(tdm_take(sim, X, 0, I, O), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "element 17 is -3"), "%s", tdm_last_error());
  s = stats(sim);
  cr_assert_eq(s.h2d_count, 3);
  cr_assert_eq(s.d2h_count, 3);
  cr_assert_eq(s.d2h_bytes, 2 * TDM__TAKE_CHECK_BYTES + 8);
  double *o = malloc(m * c * sizeof *o);
  cr_assert_eq(tdm_buf_read(O, o), TDM_OK);
  iv[17] = (int64_t)(ts_mix(17) % r);
  for (size_t j = 0; j < c; j++)
    for (size_t i = 0; i < m; i++) cr_assert_eq(o[i + j * m], x[(size_t)iv[i] + j * r]);
  int32_t *p = malloc(m * c * sizeof *p);
  cr_assert_eq(tdm_buf_read(P, p), TDM_OK);
  size_t q = 0;
  for (size_t k = 0; k < m * c; k++)
    if (o[k] != 0) cr_assert_eq(p[q++], (int32_t)k);
  cr_assert_eq(q, count);
  for (size_t k = count; k < m * c; k++) cr_assert_eq(p[k], 0, "the tail reads as the zeros it held");
  tdm_buf_destroy(X), tdm_buf_destroy(I), tdm_buf_destroy(O), tdm_buf_destroy(P);
  tdm_ctx_destroy(sim);
  free(x), free(iv), free(o), free(p);
}

/* ---- real views: every operand a window of a larger buffer ---------------------- */
Test(index, take_and_nonzero_on_views_equal_the_ops_on_packed_copies) {
  for (int b = 0; b < 2; b++) {
    tdm_ctx *ctx = ts_ctx(backends[b], 2);
    const size_t R = 50, C = 9, r0 = 7, c0 = 2, r = 30, c = 5; /* x = rows 7..36, cols 2..6 */
    double *big = malloc(R * C * sizeof *big);
    for (size_t k = 0; k < R * C; k++) big[k] = (double)k + 0.5;
    tdm_buf *B = ts_buf(ctx, TDM_F64, R, C, big), *X = NULL;
    cr_assert_eq(tdm_buf_view(B, r0, c0, r, c, &X), TDM_OK, "%s", tdm_last_error());
    /* idx: row 1 of a 3 x 40 I64 matrix (stride 3), first 25 entries */
    const size_t m = 25;
    int64_t *im = malloc(3 * 40 * sizeof *im);
    for (size_t k = 0; k < 3 * 40; k++) im[k] = k % 3 == 1 ? (int64_t)(ts_mix(k) % r) : -1;
    tdm_buf *IM = raw_buf(ctx, TDM_I64, 3, 40, im), *Iv = NULL;
    cr_assert_eq(tdm_buf_view(IM, 1, 0, 1, m, &Iv), TDM_OK);
    /* out: a window of a larger buffer whose other elements must survive */
    double *ob = malloc(40 * 8 * sizeof *ob);
    for (size_t k = 0; k < 40 * 8; k++) ob[k] = -1.0 - (double)k;
    tdm_buf *OB = ts_buf(ctx, TDM_F64, 40, 8, ob), *Ov = NULL;
    cr_assert_eq(tdm_buf_view(OB, 3, 1, m, c, &Ov), TDM_OK);
    cr_assert_eq(tdm_take(ctx, X, 0, Iv, Ov), TDM_OK, "%s: %s", tdm_backend_name(backends[b]),
                 tdm_last_error());
    double *got = malloc(40 * 8 * sizeof *got);
    cr_assert_eq(tdm_buf_read(OB, got), TDM_OK);
    for (size_t j = 0; j < 8; j++)
      for (size_t i = 0; i < 40; i++) {
        int in = i >= 3 && i < 3 + m && j >= 1 && j < 1 + c;
        double want = in ? big[r0 + (size_t)im[1 + 3 * (i - 3)] + (c0 + j - 1) * R] : ob[i + j * 40];
        cr_assert_eq(got[i + j * 40], want, "%s: OB(%zu, %zu)%s", tdm_backend_name(backends[b]), i, j,
                     in ? "" : " outside the window");
      }
    /* columns of the view by a 1 x 3 index view */
    tdm_buf *I3 = NULL, *O3 = ts_buf(ctx, TDM_F64, r, 3, NULL);
    im[1] = 4, im[4] = 0, im[7] = 4;
    cr_assert_eq(tdm_buf_write(IM, im), TDM_OK);
    cr_assert_eq(tdm_buf_view(IM, 1, 0, 1, 3, &I3), TDM_OK);
    cr_assert_eq(tdm_take(ctx, X, 1, I3, O3), TDM_OK, "%s", tdm_last_error());
    double o3[30 * 3];
    cr_assert_eq(tdm_buf_read(O3, o3), TDM_OK);
    const size_t cols3[3] = {4, 0, 4};
    for (size_t j = 0; j < 3; j++)
      for (size_t i = 0; i < r; i++) cr_assert_eq(o3[i + j * r], big[r0 + i + (c0 + cols3[j]) * R]);
    /* nonzero of the view (values k % 4 == 0 are zero), into a row view */
    for (size_t k = 0; k < R * C; k++) big[k] = k % 4 ? (double)k : -0.0;
    cr_assert_eq(tdm_buf_write(B, big), TDM_OK);
    tdm_buf *PB = raw_buf(ctx, TDM_I32, 2, r * c, NULL), *Pv = NULL;
    cr_assert_eq(tdm_buf_view(PB, 1, 0, 1, r * c, &Pv), TDM_OK);
    size_t count = 0;
    cr_assert_eq(tdm_nonzero(ctx, X, Pv, &count), TDM_OK, "%s", tdm_last_error());
    int32_t *pg = malloc(2 * r * c * sizeof *pg);
    cr_assert_eq(tdm_buf_read(PB, pg), TDM_OK);
    size_t q = 0;
    for (size_t j = 0; j < c; j++)
      for (size_t i = 0; i < r; i++)
        if (big[r0 + i + (c0 + j) * R] != 0) {
          cr_assert_eq(pg[1 + 2 * q], (int32_t)(i + j * r), "position %zu", q);
          q++;
        }
    cr_assert_eq(count, q);
    for (size_t k = 0; k < r * c; k++) cr_assert_eq(pg[2 * k], 0, "row 0 of the positions' buffer untouched");
    /* a view overlapping its operand is refused */
    tdm_buf *Xo = NULL;
    cr_assert_eq(tdm_buf_view(B, r0, c0, m, c, &Xo), TDM_OK);
    expect_refused(ctx, X, 0, Iv, Xo, "tdm_take: out: overlaps x or idx");
    tdm_buf *bufs[] = {B, X, IM, Iv, OB, Ov, I3, O3, PB, Pv, Xo};
    for (size_t k = 0; k < sizeof bufs / sizeof *bufs; k++) tdm_buf_destroy(bufs[k]);
    tdm_ctx_destroy(ctx);
    free(big), free(im), free(ob), free(got), free(pg);
  }
}
