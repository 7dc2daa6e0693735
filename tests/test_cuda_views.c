/* test_cuda_views.c -- views on the CUDA module over the fake GPU
 * (tests/cuda_fake.h): GEMM, SYRK, potrf and potrs get the leading
 * dimensions of strided views (view_ops_check.h against packed
 * references), tdm_copy runs the check kernel only for pairs that can fail
 * and refuses before the copy kernel, and wrapped memory read in place. */
#include <criterion/criterion.h>

#include "tandem/tandem.h"

#include "support/support.h"

#ifndef TDM_TEST_CUDA_MODULE
Test(cuda_views, not_built) {
  cr_skip_test("the CUDA module is not built (no CUDA toolkit at configure time, or TDM_CUDA=OFF)");
}
#else
#include "core/ctx_int.h"
#include "cuda_fake.h"
#include "view_ops_check.h"

static tdm_ctx *cuda_ctx(void) {
  fake_install();
  tdm_config cfg = {TDM_CUDA, 1, 0};
  tdm_ctx *c = NULL;
  cr_assert_eq(tdm_ctx_create(&cfg, &c), TDM_OK, "%s", tdm_last_error());
  return c;
}

#define ON_GPU(fn)                                                             \
  do {                                                                         \
    tdm_ctx *ctx = cuda_ctx();                                                 \
    fn(ctx);                                                                   \
    tdm_ctx_destroy(ctx);                                                      \
  } while (0)

Test(cuda_views, gemm_on_views) { ON_GPU(vo_gemm); }
Test(cuda_views, crossprod_on_views) { ON_GPU(vo_crossprod); }
Test(cuda_views, cholesky_on_a_view) { ON_GPU(vo_cholesky); }
Test(cuda_views, solve_spd_on_views) { ON_GPU(vo_solve); }
Test(cuda_views, aliasing_is_by_storage) { ON_GPU(vo_alias); }

Test(cuda_views, copy_kernels) {
  tdm_ctx *ctx = cuda_ctx();
  double h[8 * 5];
  for (int i = 0; i < 40; i++) h[i] = i - 10.75;
  tdm_buf *S = ts_buf(ctx, TDM_F64, 8, 5, h), *D, *sv, *dv;
  cr_assert_eq(tdm_buf_create(ctx, TDM_I32, 6, 4, &D), TDM_OK);
  cr_assert_eq(tdm_buf_view(S, 1, 1, 3, 2, &sv), TDM_OK);
  cr_assert_eq(tdm_buf_view(D, 2, 1, 3, 2, &dv), TDM_OK);
  cr_assert_eq(tdm_copy(ctx, sv, sv), TDM_OK);
  long l0 = fk.launches;
  cr_assert_eq(tdm_copy(ctx, sv, dv), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(fk.launches - l0, 2, "f64 -> i32: the check kernel, then the copy kernel");
  int32_t o[24];
  cr_assert_eq(tdm_buf_read(D, o), TDM_OK);
  for (int j = 0; j < 4; j++)
    for (int i = 0; i < 6; i++) {
      int in = i >= 2 && i < 5 && j >= 1 && j < 3;
      int32_t want = in ? (int32_t)h[(i - 2 + 1) + (j - 1 + 1) * 8] : 0;
      cr_assert_eq(o[i + j * 6], want, "(%d, %d)", i, j);
    }
  /* same dtype: one kernel, no wait */
  tdm_buf *T;
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 3, 2, &T), TDM_OK);
  l0 = fk.launches;
  cr_assert_eq(tdm_copy(ctx, sv, T), TDM_OK);
  cr_assert_eq(fk.launches - l0, 1);
  double t[6];
  cr_assert_eq(tdm_buf_read(T, t), TDM_OK);
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 3; i++) cr_assert_eq(t[i + j * 3], h[1 + i + (1 + j) * 8]);
  /* a NaN: refused after the check kernel, the copy kernel never runs */
  h[2 + 2 * 8] = NAN;
  cr_assert_eq(tdm_buf_write(S, h), TDM_OK);
  l0 = fk.launches;
  cr_assert_eq(tdm_copy(ctx, sv, dv), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_copy: src: element (1, 1) does not fit dst's dtype i32"),
            "%s", tdm_last_error());
  cr_assert_eq(fk.launches - l0, 1);
  cr_assert_eq(tdm_buf_read(D, o), TDM_OK);
  cr_assert_eq(o[2 + 6], (int32_t)h[1 + 8], "dst unchanged");
  /* a kernel failure is a device error, not a refusal */
  fk.kernel_err = cudaErrorLaunchFailure;
  cr_assert_neq(tdm_copy(ctx, sv, T), TDM_OK);
  cr_assert_neq(tdm_copy(ctx, sv, T), TDM_ERR_INVALID);
  fk.kernel_err = 0;
  tdm_buf_destroy(T);
  tdm_buf_destroy(sv);
  tdm_buf_destroy(dv);
  tdm_buf_destroy(S);
  tdm_buf_destroy(D);
  tdm_ctx_destroy(ctx);
}

Test(cuda_views, wrapped_memory_read_in_place) {
  tdm_ctx *ctx = cuda_ctx();
  double x[10 * 3];
  for (int i = 0; i < 30; i++) x[i] = i;
  tdm_buf *b, *c;
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, 10, 3, x, &b), TDM_OK);
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 3, 3, &c), TDM_OK);
  cr_assert_eq(tdm_crossprod(ctx, b, c), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1, b, c, 0, b), TDM_ERR_INVALID);
  tdm_buf *t;
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 10, 3, &t), TDM_OK);
  cr_assert_eq(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1, b, c, 0, t), TDM_OK);
  cr_assert_eq(tdm_copy(ctx, t, b), TDM_OK);
  cr_assert_eq(tdm_ctx_stats_reset(ctx), TDM_OK);
  cr_assert_eq(tdm_buf_read(b, x), TDM_OK, "%s", tdm_last_error());
  tdm_stats st;
  cr_assert_eq(tdm_ctx_stats(ctx, &st), TDM_OK);
  cr_assert_eq(st.d2h_count, 1);
  cr_assert_eq(st.d2h_bytes, sizeof x);
  double xs[30], cc[9], ref[30];
  for (int i = 0; i < 30; i++) xs[i] = i;
  ts_crossprod(10, 3, xs, cc);
  ts_gemm(0, 0, 10, 3, 3, 1, xs, 10, cc, 3, 0, ref, 10, NULL);
  for (int i = 0; i < 30; i++) cr_assert(fabs(x[i] - ref[i]) <= 1e-12 * fabs(ref[i]), "%d", i);
  tdm_buf_destroy(t);
  tdm_buf_destroy(b);
  tdm_buf_destroy(c);
  tdm_ctx_destroy(ctx);
}
#endif
