/* test_cuda_stats.c -- the CUDA module's statistics ops on the fake GPU
 * (tests/cuda_fake.h, cuda_fake_stats.h): group statistics (i32/i64 ids,
 * bad ids named from device memory), per-axis statistics, sort, argsort
 * and quantiles reach their launchers with the right operands and give
 * the reference values; a failed launch is reported. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/tandem.h"

#include "support/support.h"

#ifndef TDM_TEST_CUDA_MODULE
Test(cuda_stats, not_built) {
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

static const tdm_reduce_op ops7[7] = {TDM_SUM, TDM_MEAN, TDM_MIN, TDM_MAX, TDM_VAR, TDM_SD, TDM_COUNT};

Test(cuda_stats, group_stats_every_op_and_bad_ids) {
  fake_install();
  tdm_ctx *c = cuda_ctx(), *h = ts_ctx(TDM_CPU, 1);
  enum { N = 500, G = 9 };
  double x[N];
  int64_t g[N];
  ts_rng r;
  ts_seed(&r, 4);
  ts_fill(&r, x, N, -5, 5);
  for (int i = 0; i < N; i++) g[i] = (int64_t)ts_uniform(&r, 0, G - 1); /* group 8 empty */
  for (int gi = 0; gi < 2; gi++) {
    tdm_dtype gdt = gi ? TDM_I64 : TDM_I32;
    tdm_buf *X = ts_buf(c, TDM_F64, N, 1, x), *Xh = ts_buf(h, TDM_F64, N, 1, x), *Gb, *Gh;
    cr_assert_eq(tdm_buf_create(c, gdt, N, 1, &Gb), TDM_OK);
    cr_assert_eq(tdm_buf_create(h, gdt, N, 1, &Gh), TDM_OK);
    int32_t g32[N];
    for (int i = 0; i < N; i++) g32[i] = (int32_t)g[i];
    cr_assert_eq(tdm_buf_write(Gb, gi ? (void *)g : (void *)g32), TDM_OK);
    cr_assert_eq(tdm_buf_write(Gh, gi ? (void *)g : (void *)g32), TDM_OK);
    tdm_buf *O = ts_buf(c, TDM_F64, G, 7, NULL), *Oh = ts_buf(h, TDM_F64, G, 7, NULL);
    cr_assert_eq(tdm_group_stats(c, X, Gb, G, 7, ops7, O), TDM_OK, "%s", tdm_last_error());
    cr_assert_eq(tdm_group_stats(h, Xh, Gh, G, 7, ops7, Oh), TDM_OK, "%s", tdm_last_error());
    double a[G * 7], b[G * 7];
    ts_read(O, a);
    ts_read(Oh, b);
    for (int k = 0; k < G * 7; k++)
      cr_assert(ts_same_bits(a[k], b[k]) || ts_relerr(a[k], b[k]) < 1e-12 || (isnan(a[k]) && isnan(b[k])),
                "cell %d: %g vs CPU %g", k, a[k], b[k]);
    cr_assert_eq(a[8 + 6 * G], 0.0, "empty group COUNT 0");
    if (gi) g[77] = -3;
    else g32[77] = 12;
    cr_assert_eq(tdm_buf_write(Gb, gi ? (void *)g : (void *)g32), TDM_OK);
    cr_assert_eq(tdm_group_stats(c, X, Gb, G, 7, ops7, O), TDM_ERR_INVALID);
    cr_assert_str_eq(tdm_last_error(), gi ? "tdm_group_stats: groups: element 77 is -3, outside [0, 9)"
                                          : "tdm_group_stats: groups: element 77 is 12, outside [0, 9)");
    g[77] = 0;
    fk.kernel_err = cudaErrorLaunchFailure;
    cr_assert_neq(tdm_group_stats(c, X, Gb, G, 7, ops7, O), TDM_OK);
    cr_assert(strstr(tdm_last_error(), "tdmk_group_stats"), "%s", tdm_last_error());
    fk.kernel_err = 0;
    tdm_buf_destroy(X), tdm_buf_destroy(Xh), tdm_buf_destroy(Gb), tdm_buf_destroy(Gh);
    tdm_buf_destroy(O), tdm_buf_destroy(Oh);
  }
  tdm_ctx_destroy(c);
  tdm_ctx_destroy(h);
  fake_assert_clean();
}

Test(cuda_stats, many_groups_use_the_global_tables) {
  fake_install();
  tdm_ctx *c = cuda_ctx();
  enum { N = 3000, G = 2000 }; /* a table too large for shared memory */
  double x[N];
  int32_t g[N];
  for (int i = 0; i < N; i++) x[i] = i, g[i] = i % G;
  tdm_buf *X = ts_buf(c, TDM_F64, N, 1, x), *Gb, *O = ts_buf(c, TDM_F64, G, 2, NULL);
  cr_assert_eq(tdm_buf_create(c, TDM_I32, N, 1, &Gb), TDM_OK);
  cr_assert_eq(tdm_buf_write(Gb, g), TDM_OK);
  const tdm_reduce_op ops[2] = {TDM_COUNT, TDM_SUM};
  cr_assert_eq(tdm_group_stats(c, X, Gb, G, 2, ops, O), TDM_OK, "%s", tdm_last_error());
  double o[2 * G];
  ts_read(O, o);
  for (int k = 0; k < G; k++) {
    double cnt = k < N - G ? 2 : 1, sum = k < N - G ? 2.0 * k + G : k;
    cr_assert(o[k] == cnt && o[G + k] == sum, "group %d: %g %g", k, o[k], o[G + k]);
  }
  tdm_buf_destroy(X), tdm_buf_destroy(Gb), tdm_buf_destroy(O);
  tdm_ctx_destroy(c);
  fake_assert_clean();
}

Test(cuda_stats, axis_sort_argsort_quantile_match_the_cpu) {
  fake_install();
  tdm_ctx *c = cuda_ctx(), *h = ts_ctx(TDM_CPU, 1);
  enum { R = 301, C = 3 };
  double x[R * C];
  ts_rng r;
  ts_seed(&r, 6);
  ts_fill(&r, x, R * C, -2, 2);
  for (int i = 0; i < R * C; i += 5) x[i] = floor(x[i]);
  x[4] = NAN;
  tdm_buf *X = ts_buf(c, TDM_F64, R, C, x), *Xh = ts_buf(h, TDM_F64, R, C, x);
  for (int axis = 0; axis < 2; axis++) {
    tdm_buf *O = ts_buf(c, TDM_F64, axis ? R : 1, axis ? 1 : C, NULL);
    tdm_buf *Oh = ts_buf(h, TDM_F64, axis ? R : 1, axis ? 1 : C, NULL);
    for (int k = 0; k < 7; k++) {
      cr_assert_eq(tdm_reduce_axis(c, X, axis, ops7[k], O), TDM_OK, "%s", tdm_last_error());
      cr_assert_eq(tdm_reduce_axis(h, Xh, axis, ops7[k], Oh), TDM_OK);
      double a[R], b[R];
      ts_read(O, a);
      ts_read(Oh, b);
      for (int i = 0; i < (axis ? R : C); i++)
        cr_assert((isnan(a[i]) && isnan(b[i])) || ts_relerr(a[i], b[i]) < 1e-12, "axis %d op %d [%d]: %g vs %g", axis, k, i, a[i], b[i]);
    }
    tdm_buf_destroy(O), tdm_buf_destroy(Oh);
  }
  double q[3] = {0.975, 0, 0.5};
  tdm_buf *Q = ts_buf(c, TDM_F64, 3, C, NULL), *Qh = ts_buf(h, TDM_F64, 3, C, NULL);
  cr_assert_eq(tdm_quantile(c, X, 3, q, Q), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_quantile(h, Xh, 3, q, Qh), TDM_OK);
  double qa[3 * C], qb[3 * C];
  ts_read(Q, qa);
  ts_read(Qh, qb);
  for (int k = 0; k < 3 * C; k++) cr_assert((isnan(qa[k]) && isnan(qb[k])) || qa[k] == qb[k], "quantile %d: %g vs %g", k, qa[k], qb[k]);
  cr_assert(isnan(qa[0]) && !isnan(qa[3]), "the NaN column only");
  tdm_buf *Ib, *Ih, *V = ts_buf(c, TDM_F64, R, 1, x + R), *Vh = ts_buf(h, TDM_F64, R, 1, x + R);
  cr_assert_eq(tdm_buf_create(c, TDM_I64, R, 1, &Ib), TDM_OK);
  cr_assert_eq(tdm_buf_create(h, TDM_I64, R, 1, &Ih), TDM_OK);
  cr_assert_eq(tdm_argsort(c, V, Ib), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_argsort(h, Vh, Ih), TDM_OK);
  int64_t ia[R], ib[R];
  cr_assert_eq(tdm_buf_read(Ib, ia), TDM_OK);
  cr_assert_eq(tdm_buf_read(Ih, ib), TDM_OK);
  cr_assert(memcmp(ia, ib, sizeof ia) == 0, "argsort differs from the CPU's");
  cr_assert_eq(tdm_sort(c, X), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_sort(h, Xh), TDM_OK);
  double sa[R * C], sb[R * C];
  ts_read(X, sa);
  ts_read(Xh, sb);
  for (int i = 0; i < R * C; i++) cr_assert((isnan(sa[i]) && isnan(sb[i])) || sa[i] == sb[i], "sort [%d]", i);
  fk.kernel_err = cudaErrorLaunchFailure;
  cr_assert_neq(tdm_sort(c, X), TDM_OK);
  cr_assert(strstr(tdm_last_error(), "tdm_sort: tdmk_sort"), "%s", tdm_last_error());
  fk.kernel_err = 0;
  tdm_buf *list[] = {X, Xh, Q, Qh, Ib, Ih, V, Vh};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) tdm_buf_destroy(list[i]);
  tdm_ctx_destroy(c);
  tdm_ctx_destroy(h);
  fake_assert_clean();
}
#endif
