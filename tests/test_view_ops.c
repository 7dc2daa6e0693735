/* test_view_ops.c -- every op that takes a leading dimension run on
 * strided views equals the op on a copy of the window (view_ops_check.h),
 * on the CPU and the sim device; random fills into a view give the values
 * of a fresh buffer of its shape from the same stream position. */
#include <criterion/criterion.h>

#include "view_ops_check.h"

static const tdm_backend bes[] = {TDM_CPU, TDM_SIM};

#define EACH(...)                                                              \
  for (int e_ = 0; e_ < 2; e_++) {                                             \
    tdm_ctx *ctx = ts_ctx(bes[e_], 2);                                         \
    __VA_ARGS__;                                                               \
    tdm_ctx_destroy(ctx);                                                      \
  }

Test(view_ops, gemm_on_views) { EACH(vo_gemm(ctx)) }
Test(view_ops, crossprod_on_views) { EACH(vo_crossprod(ctx)) }
Test(view_ops, cholesky_on_a_view) { EACH(vo_cholesky(ctx)) }
Test(view_ops, solve_spd_on_views) { EACH(vo_solve(ctx)) }
Test(view_ops, ops_without_ld_take_contiguous_views_only) { EACH(vo_contig_only(ctx)) }
Test(view_ops, aliasing_is_by_storage) { EACH(vo_alias(ctx)) }

/* Fills of strided and contiguous views against a fresh buffer. */
static void rng_view(tdm_ctx *ctx, int dist) {
  size_t R = 17, C = 9, r = 6, c = 4;
  tdm_dtype dt = dist == 2 ? TDM_I64 : TDM_F64;
  tdm_buf *big, *fresh, *v;
  cr_assert_eq(tdm_buf_create(ctx, dt, R, C, &big), TDM_OK);
  cr_assert_eq(tdm_buf_create(ctx, dt, r, c, &fresh), TDM_OK);
  cr_assert_eq(tdm_buf_view(big, 3, 2, r, c, &v), TDM_OK);
  tdm_rng *g1, *g2;
  cr_assert_eq(tdm_rng_create(ctx, 42, 7, &g1), TDM_OK);
  cr_assert_eq(tdm_rng_create(ctx, 42, 7, &g2), TDM_OK);
  for (int rep = 0; rep < 2; rep++) { /* the second from a later position */
    tdm_status s1, s2;
    if (dist == 0) {
      s1 = tdm_rng_normal(g1, v, 1, 2);
      s2 = tdm_rng_normal(g2, fresh, 1, 2);
    } else if (dist == 1) {
      s1 = tdm_rng_uniform(g1, v, -1, 3);
      s2 = tdm_rng_uniform(g2, fresh, -1, 3);
    } else {
      s1 = tdm_rng_integers(g1, v, -5, 50);
      s2 = tdm_rng_integers(g2, fresh, -5, 50);
    }
    cr_assert_eq(s1, TDM_OK, "%s", tdm_last_error());
    cr_assert_eq(s2, TDM_OK, "%s", tdm_last_error());
    cr_assert_eq(tdm_rng_offset(g1), tdm_rng_offset(g2), "a view consumes what a fresh buffer does");
    int64_t want[24], got[24], all[17 * 9];
    cr_assert_eq(tdm_buf_read(fresh, want), TDM_OK);
    cr_assert_eq(tdm_buf_read(v, got), TDM_OK);
    cr_assert(memcmp(want, got, sizeof want) == 0, "dist %d rep %d: the same bits", dist, rep);
    cr_assert_eq(tdm_buf_read(big, all), TDM_OK);
    for (size_t j = 0; j < C; j++)
      for (size_t i = 0; i < R; i++)
        if (!(i >= 3 && i < 3 + r && j >= 2 && j < 2 + c))
          cr_assert_eq(all[i + j * R], 0, "(%zu, %zu) outside the view stays zero", i, j);
  }
  tdm_rng_destroy(g1);
  tdm_rng_destroy(g2);
  tdm_buf_destroy(v);
  tdm_buf_destroy(fresh);
  tdm_buf_destroy(big);
}

Test(view_ops, rng_into_views) {
  EACH(for (int d = 0; d < 3; d++) rng_view(ctx, d))
}

/* A contiguous view (whole columns) fills in place. */
Test(view_ops, rng_into_a_column_block) {
  EACH({
    tdm_buf *big, *fresh, *v;
    cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 10, 5, &big), TDM_OK);
    cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 10, 2, &fresh), TDM_OK);
    cr_assert_eq(tdm_buf_view(big, 0, 3, 10, 2, &v), TDM_OK);
    tdm_rng *g1, *g2;
    cr_assert_eq(tdm_rng_create(ctx, 1, 2, &g1), TDM_OK);
    cr_assert_eq(tdm_rng_create(ctx, 1, 2, &g2), TDM_OK);
    cr_assert_eq(tdm_rng_gamma(g1, v, 2, 1), TDM_OK);
    cr_assert_eq(tdm_rng_gamma(g2, fresh, 2, 1), TDM_OK);
    double a[20], b[20];
    cr_assert_eq(tdm_buf_read(v, a), TDM_OK);
    cr_assert_eq(tdm_buf_read(fresh, b), TDM_OK);
    cr_assert(memcmp(a, b, sizeof a) == 0);
    tdm_rng_destroy(g1);
    tdm_rng_destroy(g2);
    tdm_buf_destroy(v);
    tdm_buf_destroy(fresh);
    tdm_buf_destroy(big);
  })
}
