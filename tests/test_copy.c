/* test_copy.c -- tdm_copy: every dtype pair against a plain C-cast loop,
 * strided views on both sides (ld honoured, the rest of dst untouched),
 * long vectors on several threads, the refusals (NaN, inf, out of range,
 * integer narrowing) with dst unchanged and the element named, F64 to F32
 * overflow to inf, and argument errors; on the CPU and the sim device. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/support.h"

static const tdm_dtype dts[] = {TDM_F32, TDM_F64, TDM_I32, TDM_I64, TDM_U32};
static const tdm_backend bes[] = {TDM_CPU, TDM_SIM};

/* A value for element k that fits every dtype (0..999, some halves). */
static double val(size_t k) { return (double)((k * 37) % 1000) + ((k % 3 == 0) ? 0.5 : 0.0); }

static void put(tdm_dtype dt, void *p, size_t k, double v) {
  switch (dt) {
  case TDM_F32: ((float *)p)[k] = (float)v; break;
  case TDM_F64: ((double *)p)[k] = v; break;
  case TDM_I32: ((int32_t *)p)[k] = (int32_t)v; break;
  case TDM_I64: ((int64_t *)p)[k] = (int64_t)v; break;
  case TDM_U32: ((uint32_t *)p)[k] = (uint32_t)v; break;
  }
}

static double get(tdm_dtype dt, const void *p, size_t k) {
  switch (dt) {
  case TDM_F32: return ((const float *)p)[k];
  case TDM_F64: return ((const double *)p)[k];
  case TDM_I32: return ((const int32_t *)p)[k];
  case TDM_I64: return (double)((const int64_t *)p)[k];
  default: return ((const uint32_t *)p)[k];
  }
}

/* The reference: C's conversion of the source element's own value. */
static double conv(tdm_dtype s, tdm_dtype d, double v) {
  unsigned char a[8] = {0}, b[8] = {0};
  put(s, a, 0, v);
  double sv = get(s, a, 0);
  put(d, b, 0, sv);
  return get(d, b, 0);
}

static tdm_buf *mk(tdm_ctx *ctx, tdm_dtype dt, size_t r, size_t c, double (*f)(size_t)) {
  tdm_buf *b;
  cr_assert_eq(tdm_buf_create(ctx, dt, r, c, &b), TDM_OK, "%s", tdm_last_error());
  unsigned char *h = malloc(r * c * 8);
  for (size_t k = 0; k < r * c; k++) put(dt, h, k, f ? f(k) : 0.0);
  cr_assert_eq(tdm_buf_write(b, h), TDM_OK);
  free(h);
  return b;
}

static double minus1(size_t k) { return -1.0 - (double)(k % 5); }
static double hundred(size_t k) { return 100.0 + (double)(k % 5); }

Test(copy, every_pair_whole_buffers) {
  for (int e = 0; e < 2; e++) {
    tdm_ctx *ctx = ts_ctx(bes[e], 2);
    for (int s = 0; s < 5; s++)
      for (int d = 0; d < 5; d++) {
        size_t r = 13, c = 5;
        tdm_buf *src = mk(ctx, dts[s], r, c, val), *dst = mk(ctx, dts[d], r, c, NULL);
        cr_assert_eq(tdm_copy(ctx, src, dst), TDM_OK, "%s -> %s: %s", tdm_dtype_name(dts[s]),
                     tdm_dtype_name(dts[d]), tdm_last_error());
        unsigned char out[13 * 5 * 8];
        cr_assert_eq(tdm_buf_read(dst, out), TDM_OK);
        for (size_t k = 0; k < r * c; k++)
          cr_assert_eq(get(dts[d], out, k), conv(dts[s], dts[d], val(k)), "%s -> %s at %zu",
                       tdm_dtype_name(dts[s]), tdm_dtype_name(dts[d]), k);
        tdm_buf_destroy(src);
        tdm_buf_destroy(dst);
      }
    tdm_ctx_destroy(ctx);
  }
}

/* A 4 x 3 window of a 10 x 6 f64 source into a 4 x 3 window of a 7 x 5
 * i64 destination: the window converted, every other element kept. */
Test(copy, strided_views_both_sides) {
  for (int e = 0; e < 2; e++) {
    tdm_ctx *ctx = ts_ctx(bes[e], 2);
    tdm_buf *S = mk(ctx, TDM_F64, 10, 6, val), *D = mk(ctx, TDM_I64, 7, 5, minus1), *sv, *dv;
    cr_assert_eq(tdm_buf_view(S, 3, 2, 4, 3, &sv), TDM_OK);
    cr_assert_eq(tdm_buf_view(D, 2, 1, 4, 3, &dv), TDM_OK);
    cr_assert_eq(tdm_copy(ctx, sv, dv), TDM_OK, "%s", tdm_last_error());
    int64_t out[35];
    cr_assert_eq(tdm_buf_read(D, out), TDM_OK);
    for (size_t j = 0; j < 5; j++)
      for (size_t i = 0; i < 7; i++) {
        int in = i >= 2 && i < 6 && j >= 1 && j < 4;
        double want = in ? (double)(int64_t)val((i - 2 + 3) + (j - 1 + 2) * 10) : minus1(i + j * 7);
        cr_assert_eq((double)out[i + j * 7], want, "(%zu, %zu) backend %d", i, j, e);
      }
    /* same dtype, strided into contiguous and back: the packed window */
    tdm_buf *P = mk(ctx, TDM_F64, 4, 3, NULL);
    cr_assert_eq(tdm_copy(ctx, sv, P), TDM_OK);
    double p[12];
    cr_assert_eq(tdm_buf_read(P, p), TDM_OK);
    for (size_t j = 0; j < 3; j++)
      for (size_t i = 0; i < 4; i++) cr_assert_eq(p[i + j * 4], val(3 + i + (2 + j) * 10));
    /* two disjoint views of one storage */
    tdm_buf *a, *b;
    cr_assert_eq(tdm_buf_view(S, 0, 0, 2, 2, &a), TDM_OK);
    cr_assert_eq(tdm_buf_view(S, 8, 4, 2, 2, &b), TDM_OK);
    cr_assert_eq(tdm_copy(ctx, a, b), TDM_OK, "%s", tdm_last_error());
    double s[60];
    cr_assert_eq(tdm_buf_read(S, s), TDM_OK);
    for (size_t j = 0; j < 6; j++)
      for (size_t i = 0; i < 10; i++) {
        double want = (i >= 8 && j >= 4) ? val((i - 8) + (j - 4) * 10) : val(i + j * 10);
        cr_assert_eq(s[i + j * 10], want, "(%zu, %zu)", i, j);
      }
    tdm_buf_destroy(a);
    tdm_buf_destroy(b);
    tdm_buf_destroy(P);
    tdm_buf_destroy(sv);
    tdm_buf_destroy(dv);
    tdm_buf_destroy(S);
    tdm_buf_destroy(D);
    tdm_ctx_destroy(ctx);
  }
}

/* Each bad value at element (r, c) of a 6 x 4 source: refused, named, dst unchanged. */
static void refuse(tdm_ctx *ctx, tdm_dtype s, tdm_dtype d, double bad, const char *what) {
  unsigned char h[6 * 4 * 8];
  for (size_t k = 0; k < 24; k++) put(s, h, k, (double)(k % 7));
  if (s == TDM_F32) ((float *)h)[2 + 3 * 6] = (float)bad;
  else if (s == TDM_F64) ((double *)h)[2 + 3 * 6] = bad;
  else if (s == TDM_I64) ((int64_t *)h)[2 + 3 * 6] = (int64_t)bad;
  else if (s == TDM_U32) ((uint32_t *)h)[2 + 3 * 6] = (uint32_t)bad;
  else ((int32_t *)h)[2 + 3 * 6] = (int32_t)bad;
  if (s == TDM_F64) ((double *)h)[5 + 3 * 6] = bad; /* a later one too: the first is named */
  tdm_buf *src, *dst = mk(ctx, d, 6, 4, hundred);
  cr_assert_eq(tdm_buf_create(ctx, s, 6, 4, &src), TDM_OK);
  cr_assert_eq(tdm_buf_write(src, h), TDM_OK);
  cr_assert_eq(tdm_copy(ctx, src, dst), TDM_ERR_INVALID, "%s", what);
  char want[160];
  snprintf(want, sizeof want, "tdm_copy: src: element (2, 3) does not fit dst's dtype %s",
           tdm_dtype_name(d));
  cr_assert(strstr(tdm_last_error(), want) == tdm_last_error(), "%s: %s", what, tdm_last_error());
  unsigned char out[6 * 4 * 8];
  cr_assert_eq(tdm_buf_read(dst, out), TDM_OK);
  for (size_t k = 0; k < 24; k++) cr_assert_eq(get(d, out, k), hundred(k), "%s: dst changed", what);
  tdm_buf_destroy(src);
  tdm_buf_destroy(dst);
}

Test(copy, refusals_leave_dst_unchanged) {
  for (int e = 0; e < 2; e++) {
    tdm_ctx *ctx = ts_ctx(bes[e], 2);
    refuse(ctx, TDM_F64, TDM_I32, NAN, "NaN f64 -> i32");
    refuse(ctx, TDM_F32, TDM_I64, NAN, "NaN f32 -> i64");
    refuse(ctx, TDM_F64, TDM_I64, INFINITY, "inf -> i64");
    refuse(ctx, TDM_F64, TDM_U32, -INFINITY, "-inf -> u32");
    refuse(ctx, TDM_F64, TDM_I32, 2147483648.0, "2^31 -> i32");
    refuse(ctx, TDM_F64, TDM_I32, -2147483649.0, "-2^31-1 -> i32");
    refuse(ctx, TDM_F64, TDM_U32, -1.0, "-1 -> u32");
    refuse(ctx, TDM_F64, TDM_U32, 4294967296.0, "2^32 -> u32");
    refuse(ctx, TDM_F64, TDM_I64, 9223372036854775808.0, "2^63 -> i64");
    refuse(ctx, TDM_I64, TDM_I32, 3e9, "i64 3e9 -> i32");
    refuse(ctx, TDM_I64, TDM_U32, -5, "i64 -5 -> u32");
    refuse(ctx, TDM_I32, TDM_U32, -1, "i32 -1 -> u32");
    refuse(ctx, TDM_U32, TDM_I32, 3e9, "u32 3e9 -> i32");
    tdm_ctx_destroy(ctx);
  }
}

/* What does fit at the edges: truncation toward zero, the extremes. */
Test(copy, edges_that_fit) {
  for (int e = 0; e < 2; e++) {
    tdm_ctx *ctx = ts_ctx(bes[e], 1);
    double in[6] = {-2147483648.9, 2147483647.9, -0.9, 0.9, -7.5, 7.5};
    tdm_buf *s = ts_buf(ctx, TDM_F64, 6, 1, in), *d;
    cr_assert_eq(tdm_buf_create(ctx, TDM_I32, 6, 1, &d), TDM_OK);
    cr_assert_eq(tdm_copy(ctx, s, d), TDM_OK, "%s", tdm_last_error());
    int32_t o[6];
    cr_assert_eq(tdm_buf_read(d, o), TDM_OK);
    int32_t want[6] = {INT32_MIN, INT32_MAX, 0, 0, -7, 7};
    for (int i = 0; i < 6; i++) cr_assert_eq(o[i], want[i]);
    tdm_buf_destroy(d);
    double big[3] = {1e300, -1e300, 3.0000000001};
    tdm_buf *s2 = ts_buf(ctx, TDM_F64, 3, 1, big), *f;
    cr_assert_eq(tdm_buf_create(ctx, TDM_F32, 3, 1, &f), TDM_OK);
    cr_assert_eq(tdm_copy(ctx, s2, f), TDM_OK, "f64 -> f32 overflows to inf, not refused");
    float fo[3];
    cr_assert_eq(tdm_buf_read(f, fo), TDM_OK);
    cr_assert(isinf(fo[0]) && fo[0] > 0 && isinf(fo[1]) && fo[1] < 0);
    cr_assert_eq(fo[2], 3.0f);
    tdm_buf_destroy(f);
    tdm_buf_destroy(s2);
    tdm_buf_destroy(s);
    tdm_ctx_destroy(ctx);
  }
}

/* Long vectors take the blocked path over several threads: values, and
 * the first bad index whichever block holds it. */
Test(copy, long_vectors_threads) {
  size_t n = 1000003;
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 4);
  double *x = malloc(n * sizeof *x);
  for (size_t k = 0; k < n; k++) x[k] = val(k) - 500;
  tdm_buf *s = ts_buf(ctx, TDM_F64, n, 1, x), *d;
  cr_assert_eq(tdm_buf_create(ctx, TDM_I32, n, 1, &d), TDM_OK);
  cr_assert_eq(tdm_copy(ctx, s, d), TDM_OK);
  int32_t *o = malloc(n * sizeof *o);
  cr_assert_eq(tdm_buf_read(d, o), TDM_OK);
  for (size_t k = 0; k < n; k++) cr_assert_eq(o[k], (int32_t)x[k], "%zu", k);
  size_t bads[3] = {n - 1, 700001, 40000};
  for (int b = 0; b < 3; b++) {
    x[bads[b]] = NAN;
    if (b == 2) x[900000] = 1e20; /* later than the first */
    cr_assert_eq(tdm_buf_write(s, x), TDM_OK);
    cr_assert_eq(tdm_copy(ctx, s, d), TDM_ERR_INVALID);
    char want[64];
    snprintf(want, sizeof want, "element (%zu, 0)", bads[b]);
    cr_assert(strstr(tdm_last_error(), want), "%s", tdm_last_error());
  }
  /* a matrix as one run: the index is column-major */
  tdm_buf *m, *mi;
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 1000, 1000, &m), TDM_OK);
  cr_assert_eq(tdm_buf_create(ctx, TDM_U32, 1000, 1000, &mi), TDM_OK);
  double *y = calloc(1000000, sizeof *y);
  y[5 + 321 * 1000] = -3;
  cr_assert_eq(tdm_buf_write(m, y), TDM_OK);
  cr_assert_eq(tdm_copy(ctx, m, mi), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "element (5, 321)"), "%s", tdm_last_error());
  free(y);
  tdm_buf_destroy(m);
  tdm_buf_destroy(mi);
  free(o);
  free(x);
  tdm_buf_destroy(s);
  tdm_buf_destroy(d);
  tdm_ctx_destroy(ctx);
}

Test(copy, argument_errors) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1), *other = ts_ctx(TDM_CPU, 1);
  tdm_buf *a = mk(ctx, TDM_F64, 4, 4, val), *b = mk(ctx, TDM_F64, 4, 3, NULL), *o = mk(other, TDM_F64, 4, 4, NULL);
  cr_assert_eq(tdm_copy(NULL, a, a), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_copy: ctx: is NULL");
  cr_assert_eq(tdm_copy(ctx, NULL, a), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_copy: src: is NULL");
  cr_assert_eq(tdm_copy(ctx, a, NULL), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_copy: dst: is NULL");
  cr_assert_eq(tdm_copy(ctx, a, b), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_copy: dst: 4 x 3, src is 4 x 4 (same shape needed)");
  cr_assert_eq(tdm_copy(ctx, a, o), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_copy: dst: belongs to another context"), "%s",
            tdm_last_error());
  tdm_buf *v1, *v2, *v3;
  cr_assert_eq(tdm_buf_view(a, 0, 0, 3, 3, &v1), TDM_OK);
  cr_assert_eq(tdm_buf_view(a, 1, 1, 3, 3, &v2), TDM_OK);
  cr_assert_eq(tdm_copy(ctx, v1, v2), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(),
                   "tdm_copy: dst: shares elements with src (copy through a separate buffer)");
  cr_assert_eq(tdm_buf_view(a, 0, 0, 3, 3, &v3), TDM_OK);
  cr_assert_eq(tdm_copy(ctx, v1, v3), TDM_OK, "the same window: nothing to do");
  cr_assert_eq(tdm_copy(ctx, a, a), TDM_OK);
  double h[16];
  cr_assert_eq(tdm_buf_read(a, h), TDM_OK);
  for (size_t k = 0; k < 16; k++) cr_assert_eq(h[k], val(k));
  tdm_buf_destroy(v1);
  tdm_buf_destroy(v2);
  tdm_buf_destroy(v3);
  tdm_buf_destroy(a);
  tdm_buf_destroy(b);
  tdm_buf_destroy(o);
  tdm_ctx_destroy(other);
  tdm_ctx_destroy(ctx);
}

/* On sim, a copy between device-resident buffers moves nothing. */
Test(copy, sim_stays_on_device) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 1);
  tdm_buf *a = mk(ctx, TDM_F64, 50, 4, val), *b, *v;
  cr_assert_eq(tdm_buf_create(ctx, TDM_F32, 50, 4, &b), TDM_OK);
  cr_assert_eq(tdm_copy(ctx, a, b), TDM_OK); /* uploads a once */
  cr_assert_eq(tdm_ctx_stats_reset(ctx), TDM_OK);
  cr_assert_eq(tdm_buf_view(a, 10, 1, 20, 2, &v), TDM_OK);
  tdm_buf *c;
  cr_assert_eq(tdm_buf_create(ctx, TDM_I32, 20, 2, &c), TDM_OK);
  cr_assert_eq(tdm_copy(ctx, v, c), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_copy(ctx, b, a), TDM_OK);
  tdm_stats st;
  cr_assert_eq(tdm_ctx_stats(ctx, &st), TDM_OK);
  cr_assert_eq(st.h2d_count + st.d2h_count, 0);
  cr_assert_eq(st.device_ops, 2);
  int32_t o[40];
  cr_assert_eq(tdm_buf_read(c, o), TDM_OK);
  for (size_t j = 0; j < 2; j++)
    for (size_t i = 0; i < 20; i++) cr_assert_eq(o[i + j * 20], (int32_t)val(10 + i + (1 + j) * 50));
  tdm_buf_destroy(c);
  tdm_buf_destroy(v);
  tdm_buf_destroy(a);
  tdm_buf_destroy(b);
  tdm_ctx_destroy(ctx);
}
