/* test_gpu_views.c -- views on a real GPU (skipped without one;
 * TDM_GPU_TEST_SIM=1 runs them on sim): cuBLAS/cuSOLVER on strided views
 * against packed references (view_ops_check.h), tdm_copy's kernels on
 * strided windows with conversion and refusal, and a random fill of a view
 * equal to the CPU's fill of a fresh buffer. */
#include "gpu_common.h"
#include "view_ops_check.h"

#define ON_GPU(fn)                                                             \
  do {                                                                         \
    tdm_ctx *ctx = gpu_ctx();                                                  \
    fn(ctx);                                                                   \
    tdm_ctx_destroy(ctx);                                                      \
  } while (0)

Test(gpu_views, gemm_on_views) { ON_GPU(vo_gemm); }
Test(gpu_views, crossprod_on_views) { ON_GPU(vo_crossprod); }
Test(gpu_views, cholesky_on_a_view) { ON_GPU(vo_cholesky); }
Test(gpu_views, solve_spd_on_views) { ON_GPU(vo_solve); }
Test(gpu_views, aliasing_is_by_storage) { ON_GPU(vo_alias); }

Test(gpu_views, copy_strided_convert_and_refuse) {
  tdm_ctx *ctx = gpu_ctx();
  size_t R = 1000, C = 300;
  double *h = malloc(R * C * sizeof *h);
  gpu_fill(h, R * C, -1e6, 1e6);
  tdm_buf *S = ts_buf(ctx, TDM_F64, R, C, h), *D, *sv, *dv;
  cr_assert_eq(tdm_buf_create(ctx, TDM_I32, 900, 250, &D), TDM_OK);
  cr_assert_eq(tdm_buf_view(S, 17, 9, 700, 200, &sv), TDM_OK);
  cr_assert_eq(tdm_buf_view(D, 100, 30, 700, 200, &dv), TDM_OK);
  cr_assert_eq(tdm_copy(ctx, sv, dv), TDM_OK, "%s", tdm_last_error());
  int32_t *o = malloc(900 * 250 * sizeof *o);
  cr_assert_eq(tdm_buf_read(D, o), TDM_OK);
  for (size_t j = 0; j < 250; j++)
    for (size_t i = 0; i < 900; i++) {
      int in = i >= 100 && i < 800 && j >= 30 && j < 230;
      int32_t want = in ? (int32_t)h[(i - 100 + 17) + (j - 30 + 9) * R] : 0;
      cr_assert_eq(o[i + j * 900], want, "(%zu, %zu)", i, j);
    }
  h[(17 + 5) + (9 + 123) * R] = NAN;
  h[(17 + 600) + (9 + 150) * R] = 1e12;
  cr_assert_eq(tdm_buf_write(S, h), TDM_OK);
  cr_assert_eq(tdm_copy(ctx, sv, dv), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "element (5, 123)"), "%s", tdm_last_error());
  tdm_buf_destroy(sv);
  tdm_buf_destroy(dv);
  tdm_buf_destroy(S);
  tdm_buf_destroy(D);
  free(o);
  free(h);
  tdm_ctx_destroy(ctx);
}

Test(gpu_views, rng_into_a_view_matches_cpu) {
  tdm_ctx *ctx = gpu_ctx(), *cpu = cpu_ctx();
  tdm_buf *big, *v, *fresh;
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 500, 40, &big), TDM_OK);
  cr_assert_eq(tdm_buf_view(big, 33, 5, 400, 30, &v), TDM_OK);
  cr_assert_eq(tdm_buf_create(cpu, TDM_F64, 400, 30, &fresh), TDM_OK);
  tdm_rng *g, *gc;
  cr_assert_eq(tdm_rng_create(ctx, 5, 3, &g), TDM_OK);
  cr_assert_eq(tdm_rng_create(cpu, 5, 3, &gc), TDM_OK);
  tdm_status s = tdm_rng_uniform(g, v, 0, 1);
  if (s == TDM_ERR_UNSUPPORTED) cr_skip_test("no device RNG in this build: %s", tdm_last_error());
  cr_assert_eq(s, TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_rng_uniform(gc, fresh, 0, 1), TDM_OK);
  double *a = gpu_read(v), *b = gpu_read(fresh);
  for (size_t i = 0; i < 400 * 30; i++) cr_assert_eq(a[i], b[i], "%zu", i);
  free(a);
  free(b);
  tdm_rng_destroy(g);
  tdm_rng_destroy(gc);
  tdm_buf_destroy(v);
  tdm_buf_destroy(big);
  tdm_buf_destroy(fresh);
  tdm_ctx_destroy(cpu);
  tdm_ctx_destroy(ctx);
}
