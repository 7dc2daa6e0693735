/* test_cuda_index.c -- tdm_take and tdm_nonzero through the CUDA module's
 * host code on the fake GPU (tests/cuda_fake.h, cuda_fake_index.h),
 * against plain loops: the index check runs on the device and only its 16
 * bytes come back (never idx), a bad index stops the gather, nonzero sizes
 * CUB's temp storage first and reads back only the count, strided index
 * vectors go through the stage, and launch and allocation failures reach
 * the caller with nothing leaked. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/tandem.h"

#include "support/support.h"

#ifndef TDM_TEST_CUDA_MODULE
Test(cuda_index, not_built) {
  cr_skip_test("the CUDA module is not built (no CUDA toolkit at configure time, or TDM_CUDA=OFF)");
}
#else
#include "core/ctx_int.h"
#include "cuda_fake.h"

static tdm_ctx *cuda_ctx(void) {
  tdm_config cfg = {TDM_CUDA, 1, 0};
  tdm_ctx *c = NULL;
  cr_assert_eq(tdm_ctx_create(&cfg, &c), TDM_OK, "%s", tdm_last_error());
  return c;
}

static tdm_stats stats(tdm_ctx *c) {
  tdm_stats s;
  cr_assert_eq(tdm_ctx_stats(c, &s), TDM_OK);
  return s;
}

static tdm_buf *raw(tdm_ctx *c, tdm_dtype dt, size_t r, size_t k, const void *src) {
  tdm_buf *b = NULL;
  cr_assert_eq(tdm_buf_create(c, dt, r, k, &b), TDM_OK, "%s", tdm_last_error());
  if (src) cr_assert_eq(tdm_buf_write(b, src), TDM_OK, "%s", tdm_last_error());
  return b;
}

static const tdm_dtype all_dt[5] = {TDM_F32, TDM_F64, TDM_I32, TDM_I64, TDM_U32};

Test(cuda_index, take_gathers_on_the_device_and_brings_back_only_the_check) {
  fake_install();
  tdm_ctx *c = cuda_ctx();
  const size_t r = 40, k = 5, m = 77;
  for (int d = 0; d < 5; d++)
    for (int axis = 0; axis < 2; axis++) {
      tdm_dtype dt = all_dt[d], idt = (d + axis) & 1 ? TDM_I64 : TDM_I32;
      size_t es = tdm_dtype_size(dt), lim = axis ? k : r;
      unsigned char *x = malloc(r * k * es);
      for (size_t i = 0; i < r * k * es; i++) x[i] = (unsigned char)ts_mix(i + 100 * (size_t)d);
      int64_t iv[77];
      int32_t iw[77];
      for (size_t i = 0; i < m; i++) iv[i] = (int64_t)(ts_mix(i * 3 + (size_t)d) % lim), iw[i] = (int32_t)iv[i];
      tdm_buf *X = raw(c, dt, r, k, x);
      tdm_buf *Ib = raw(c, idt, axis ? 1 : m, axis ? m : 1, idt == TDM_I64 ? (void *)iv : (void *)iw);
      size_t orows = axis ? r : m, ocols = axis ? m : k;
      tdm_buf *O = raw(c, dt, orows, ocols, NULL);
      tdm_ctx_stats_reset(c);
      long d2h = fk.d2h_copies;
      cr_assert_eq(tdm_take(c, X, axis, Ib, O), TDM_OK, "%s", tdm_last_error());
      tdm_stats s = stats(c);
      cr_assert_eq(s.h2d_count, 2, "x and idx go up");
      cr_assert_eq(s.d2h_count, 1);
      cr_assert_eq(s.d2h_bytes, TDM__TAKE_CHECK_BYTES, "only the check's result comes back");
      cr_assert_eq(fk.d2h_copies - d2h, 1, "one device-to-host copy was made");
      cr_assert_eq(s.device_ops, 1);
      unsigned char *got = malloc(orows * ocols * es);
      cr_assert_eq(tdm_buf_read(O, got), TDM_OK);
      for (size_t j = 0; j < ocols; j++)
        for (size_t i = 0; i < orows; i++) {
          size_t src = axis ? i + (size_t)iv[j] * r : (size_t)iv[i] + j * r;
          cr_assert(memcmp(got + (i + j * orows) * es, x + src * es, es) == 0,
                    "%s axis %d: out(%zu, %zu)", tdm_dtype_name(dt), axis, i, j);
        }
      free(x), free(got);
      tdm_buf_destroy(X), tdm_buf_destroy(Ib), tdm_buf_destroy(O);
    }
  tdm_ctx_destroy(c);
  fake_assert_clean();
}

Test(cuda_index, bad_index_stops_before_the_gather) {
  fake_install();
  tdm_ctx *c = cuda_ctx();
  double x[12] = {0}, before[8] = {1, 2, 3, 4, 5, 6, 7, 8}, got[8];
  int64_t iv[4] = {0, 2, 3, 1};
  tdm_buf *X = ts_buf(c, TDM_F64, 3, 4, x), *Ib = raw(c, TDM_I64, 4, 1, iv);
  tdm_buf *O = ts_buf(c, TDM_F64, 2, 4, before), *O4 = ts_buf(c, TDM_F64, 4, 4, NULL);
  cr_assert_eq(tdm_take(c, X, 0, Ib, O4), TDM_ERR_INVALID, "row 3 of a 3-row x");
  cr_assert(strstr(tdm_last_error(), "tdm_take: idx: element 2 is 3, outside [0, 3) (the rows of x)"),
            "%s", tdm_last_error());
  cr_assert_eq(fki.checks, 1);
  cr_assert_eq(fki.gathers, 0, "nothing gathered");
  iv[1] = -9;
  cr_assert_eq(tdm_buf_write(Ib, iv), TDM_OK);
  tdm_buf *X2 = ts_buf(c, TDM_F64, 2, 4, x);
  cr_assert_eq(tdm_take(c, X2, 1, Ib, O), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "element 1 is -9, outside [0, 4) (the columns of x)"), "%s",
            tdm_last_error());
  cr_assert_eq(fki.gathers, 0);
  cr_assert_eq(tdm_buf_read(O, got), TDM_OK);
  cr_assert(memcmp(got, before, sizeof got) == 0, "out unchanged");
  /* launch failure and device memory exhaustion */
  iv[1] = 1;
  cr_assert_eq(tdm_buf_write(Ib, iv), TDM_OK);
  fk.kernel_err = cudaErrorLaunchFailure;
  cr_assert_eq(tdm_take(c, X2, 1, Ib, O), TDM_ERR_BACKEND);
  cr_assert(strstr(tdm_last_error(), "tdm_take: tdmk_take_check"), "%s", tdm_last_error());
  fk.kernel_err = 0;
  fk.malloc_fail_all = 1;
  cr_assert_eq(tdm_take(c, X2, 1, Ib, O), TDM_ERR_DEVICE_NOMEM, "%s", tdm_last_error());
  fk.malloc_fail_all = 0;
  cr_assert_eq(tdm_take(c, X2, 1, Ib, O), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(fki.gathers, 1);
  tdm_buf_destroy(X), tdm_buf_destroy(X2), tdm_buf_destroy(Ib), tdm_buf_destroy(O), tdm_buf_destroy(O4);
  tdm_ctx_destroy(c);
  fake_assert_clean();
}

Test(cuda_index, nonzero_brings_back_only_the_count) {
  fake_install();
  tdm_ctx *c = cuda_ctx();
  const size_t r = 30, k = 7, n = r * k;
  for (int d = 0; d < 5; d++)
    for (int it = 0; it < 2; it++) {
      tdm_dtype dt = all_dt[d], idt = it ? TDM_I64 : TDM_I32;
      double v[210];
      for (size_t i = 0; i < n; i++) {
        uint64_t h = ts_mix(i + 7 * (size_t)d) % 4;
        v[i] = h == 0 ? 0.0 : h == 1 ? -0.0 : h == 2 ? (dt <= TDM_F64 ? NAN : 3.0) : 1.0;
      }
      tdm_buf *Mt = raw(c, dt, r, k, NULL);
      if (dt != TDM_F64) { /* the mask in its dtype, from the same values */
        unsigned char tmp[210 * 8];
        for (size_t i = 0; i < n; i++) {
          double w = v[i];
          switch (dt) {
          case TDM_F32: ((float *)tmp)[i] = (float)w; break;
          case TDM_I32: ((int32_t *)tmp)[i] = (int32_t)w; break;
          case TDM_I64: ((int64_t *)tmp)[i] = (int64_t)w; break;
          default: ((uint32_t *)tmp)[i] = (uint32_t)w; break;
          }
        }
        cr_assert_eq(tdm_buf_write(Mt, tmp), TDM_OK);
      } else {
        cr_assert_eq(tdm_buf_write(Mt, v), TDM_OK);
      }
      tdm_buf *Ib = raw(c, idt, 1, n + 3, NULL);
      tdm_ctx_stats_reset(c);
      size_t count = 0;
      cr_assert_eq(tdm_nonzero(c, Mt, Ib, &count), TDM_OK, "%s", tdm_last_error());
      tdm_stats s = stats(c);
      cr_assert_eq(s.h2d_count, 1, "the mask goes up; idx is zeroed there");
      cr_assert_eq(s.d2h_count, 1);
      cr_assert_eq(s.d2h_bytes, 8, "only the count comes back");
      int64_t got[213];
      int32_t g32[213];
      cr_assert_eq(tdm_buf_read(Ib, it ? (void *)got : (void *)g32), TDM_OK);
      size_t q = 0;
      for (size_t i = 0; i < n; i++)
        if (v[i] != 0) {
          int64_t p = it ? got[q] : g32[q];
          cr_assert_eq(p, (int64_t)i, "%s: position %zu", tdm_dtype_name(dt), q);
          q++;
        }
      cr_assert_eq(count, q, "%s: count %zu, expected %zu", tdm_dtype_name(dt), count, q);
      for (size_t i = q; i < n + 3; i++) cr_assert_eq(it ? got[i] : g32[i], 0, "tail unchanged");
      tdm_buf_destroy(Mt), tdm_buf_destroy(Ib);
    }
  cr_assert(fki.temps >= 10 && fki.selects == 10, "temp sized before each select");
  tdm_ctx_destroy(c);
  fake_assert_clean();
}

/* The backend entries on device memory laid out as views would be: a
 * strided index vector (stage + scatter) and padded matrices. */
Test(cuda_index, strided_operands_through_the_backend) {
  fake_install();
  tdm_ctx *c = cuda_ctx();
  const size_t r = 9, k = 4, ldm = 12, n = r * k, ild = 3;
  void *dm, *di, *dx, *dout;
  cr_assert_eq(c->dev->alloc(c->dev_st, ldm * k * sizeof(double), &dm), TDM_OK);
  cr_assert_eq(c->dev->alloc(c->dev_st, n * ild * sizeof(int64_t), &di), TDM_OK);
  double *m = dm; /* the fake's device memory is host memory */
  int64_t *ix = di;
  for (size_t i = 0; i < ldm * k; i++) m[i] = i % ldm >= r ? 5.0 : (ts_mix(i) % 3 ? 0.0 : -1.5);
  for (size_t i = 0; i < n * ild; i++) ix[i] = -1;
  tdm__nonzero_args a = {TDM_F64, dm, r, k, ldm, TDM_I64, di, 1, ild};
  size_t count = 0;
  cr_assert_eq(c->dev->nonzero(c->dev_st, &a, &count), TDM_OK, "%s", tdm_last_error());
  size_t q = 0;
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i < r; i++)
      if (m[i + j * ldm] != 0) cr_assert_eq(ix[q++ * ild], (int64_t)(i + j * r));
  cr_assert_eq(count, q);
  for (size_t i = 0; i < n * ild; i++)
    if (i % ild || i / ild >= q) cr_assert_eq(ix[i], -1, "slot %zu untouched", i);
  /* take through a strided idx and padded x, out */
  const size_t ldo = 5, mm = 4;
  cr_assert_eq(c->dev->alloc(c->dev_st, ldm * k * sizeof(double), &dx), TDM_OK);
  cr_assert_eq(c->dev->alloc(c->dev_st, ldo * k * sizeof(double), &dout), TDM_OK);
  double *x = dx, *o = dout;
  for (size_t i = 0; i < ldm * k; i++) x[i] = (double)i;
  for (size_t i = 0; i < ldo * k; i++) o[i] = -3;
  for (size_t i = 0; i < mm; i++) ix[i * ild] = (int64_t)((i * 5) % r);
  tdm__take_args t = {TDM_F64, 0, dx, r, k, ldm, TDM_I64, di, mm, 1, ild, dout, ldo};
  cr_assert_eq(c->dev->take(c->dev_st, &t), TDM_OK, "%s", tdm_last_error());
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i < ldo; i++)
      cr_assert_eq(o[i + j * ldo], i < mm ? x[(size_t)ix[i * ild] + j * ldm] : -3, "(%zu, %zu)", i, j);
  /* nonzero: temp allocation failure, and a failed select */
  fk.malloc_fail_all = 1;
  cr_assert_eq(c->dev->nonzero(c->dev_st, &a, &count), TDM_ERR_DEVICE_NOMEM);
  fk.malloc_fail_all = 0;
  fk.kernel_err = cudaErrorLaunchFailure;
  cr_assert_eq(c->dev->nonzero(c->dev_st, &a, &count), TDM_ERR_BACKEND);
  cr_assert(strstr(tdm_last_error(), "tdmk_nonzero"), "%s", tdm_last_error());
  fk.kernel_err = 0;
  c->dev->free(c->dev_st, dm), c->dev->free(c->dev_st, di);
  c->dev->free(c->dev_st, dx), c->dev->free(c->dev_st, dout);
  tdm_ctx_destroy(c);
  fake_assert_clean();
}
Test(cuda_index, take_and_nonzero_on_real_views) {
  fake_install();
  tdm_ctx *c = cuda_ctx();
  const size_t R = 20, C = 6;
  double big[120];
  for (size_t k = 0; k < R * C; k++) big[k] = k % 3 ? (double)k : 0.0;
  int64_t im[2 * 10];
  for (size_t k = 0; k < 20; k++) im[k] = k % 2 ? (int64_t)((k * 7) % 12) : -1;
  tdm_buf *B = ts_buf(c, TDM_F64, R, C, big), *X = NULL, *IM = raw(c, TDM_I64, 2, 10, im), *Iv = NULL;
  cr_assert_eq(tdm_buf_view(B, 4, 1, 12, 4, &X), TDM_OK);   /* rows 4..15, cols 1..4 */
  cr_assert_eq(tdm_buf_view(IM, 1, 0, 1, 10, &Iv), TDM_OK); /* row 1: stride 2 */
  tdm_buf *O = raw(c, TDM_F64, 10, 4, NULL);
  cr_assert_eq(tdm_take(c, X, 0, Iv, O), TDM_OK, "%s", tdm_last_error());
  double o[40];
  cr_assert_eq(tdm_buf_read(O, o), TDM_OK);
  for (size_t j = 0; j < 4; j++)
    for (size_t i = 0; i < 10; i++)
      cr_assert_eq(o[i + j * 10], big[4 + (size_t)im[1 + 2 * i] + (1 + j) * R], "(%zu, %zu)", i, j);
  /* nonzero of the view into a strided row of positions: the stage path */
  tdm_buf *PB = raw(c, TDM_I32, 3, 48, NULL), *Pv = NULL;
  cr_assert_eq(tdm_buf_view(PB, 2, 0, 1, 48, &Pv), TDM_OK);
  size_t count = 0;
  cr_assert_eq(tdm_nonzero(c, X, Pv, &count), TDM_OK, "%s", tdm_last_error());
  int32_t pg[3 * 48];
  cr_assert_eq(tdm_buf_read(PB, pg), TDM_OK);
  size_t q = 0;
  for (size_t j = 0; j < 4; j++)
    for (size_t i = 0; i < 12; i++)
      if (big[4 + i + (1 + j) * R] != 0) cr_assert_eq(pg[2 + 3 * q++], (int32_t)(i + j * 12));
  cr_assert_eq(count, q);
  tdm_buf *bufs[] = {B, X, IM, Iv, O, PB, Pv};
  for (size_t k = 0; k < 7; k++) tdm_buf_destroy(bufs[k]);
  tdm_ctx_destroy(c);
  fake_assert_clean();
}
#endif
