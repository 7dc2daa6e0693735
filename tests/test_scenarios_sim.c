/* test_scenarios_sim.c -- the cv-folds/nested fold loop (bench/scenarios/ridge.c,
 * compiled in here) on the sim device: after one upload of X, y and the
 * penalty pattern, ten folds copy back only their ten results, in a loop
 * and in a map (GPU lanes), with MSEs equal to the plain-loop reference;
 * and the same folds selected by a mask (tdm_eval, tdm_nonzero, a view of
 * the positions, tdm_take) bring back only the counts, the take checks and
 * the results. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../bench/scenarios/ridge.c"
#include "support/support.h"

#define FOLDS 10

static tdm_stats stats(tdm_ctx *c) {
  tdm_stats s;
  cr_assert_eq(tdm_ctx_stats(c, &s), TDM_OK);
  return s;
}

static void check_mse(const ridge_ref *ref, const ridge_data *d, const double *mse, double lambda) {
  for (size_t k = 0; k < FOLDS; k++) {
    double want = ridge_ref_mse(ref, d, k, lambda);
    cr_assert(fabs(mse[k] - want) <= 1e-9 * fabs(want), "fold %zu: MSE %.17g, reference %.17g", k,
              mse[k], want);
  }
}

Test(scenarios_sim, cv_fold_loop_copies_back_only_the_fold_results) {
  tdm_ctx *sim = ts_ctx(TDM_SIM, 2);
  const size_t n = 3000, features = 6, p = features + 1;
  ridge_data d;
  cr_assert_eq(ridge_data_make(sim, n, features, FOLDS, &d), TDM_OK, "%s", tdm_last_error());
  ridge_ref *ref = ridge_ref_make(&d);
  cr_assert_not_null(ref);
  double mse[FOLDS];
  tdm_ctx_stats_reset(sim);
  for (size_t k = 0; k < FOLDS; k++)
    cr_assert_eq(ridge_fold(sim, &d, k, 1.0, &mse[k]), TDM_OK, "fold %zu: %s", k, tdm_last_error());
  tdm_stats s = stats(sim);
  cr_assert_eq(s.h2d_count, 3, "X, y and the penalty pattern go up once (%llu)",
               (unsigned long long)s.h2d_count);
  cr_assert_eq(s.h2d_bytes, (n * p + n + p * p) * sizeof(double));
  cr_assert_eq(s.d2h_count, FOLDS, "one result per fold comes back (%llu)",
               (unsigned long long)s.d2h_count);
  cr_assert_eq(s.d2h_bytes, FOLDS * RIDGE_RESULT_BYTES);
  cr_assert_eq(s.cpu_ops, 0, "every op ran on the device");
  check_mse(ref, &d, mse, 1.0);
  /* again: the data are resident, nothing goes up */
  tdm_ctx_stats_reset(sim);
  for (size_t k = 0; k < FOLDS; k++) cr_assert_eq(ridge_fold(sim, &d, k, 10.0, &mse[k]), TDM_OK);
  s = stats(sim);
  cr_assert_eq(s.h2d_count, 0);
  cr_assert_eq(s.d2h_count, FOLDS);
  check_mse(ref, &d, mse, 10.0);
  ridge_ref_free(ref);
  ridge_data_free(&d);
  tdm_ctx_destroy(sim);
}

typedef struct map_arg {
  const ridge_data *d;
  double mse[FOLDS];
  int on_gpu[FOLDS];
} map_arg;

static tdm_status fold_task(const tdm_task_env *env, size_t k, void *arg) {
  map_arg *m = arg;
  m->on_gpu[k] = env->lane == TDM_LANE_GPU;
  return ridge_fold(env->ctx, m->d, k, 1.0, &m->mse[k]);
}

Test(scenarios_sim, cv_fold_map_on_gpu_lanes_copies_back_only_the_fold_results) {
  tdm_ctx *sim = ts_ctx(TDM_SIM, 2);
  ridge_data d;
  cr_assert_eq(ridge_data_make(sim, 2000, 5, FOLDS, &d), TDM_OK, "%s", tdm_last_error());
  ridge_ref *ref = ridge_ref_make(&d);
  tdm_pool *pool = NULL;
  tdm_pool_config pc = {1, 2};
  cr_assert_eq(tdm_pool_create(sim, &pc, &pool), TDM_OK, "%s", tdm_last_error());
  map_arg m = {&d, {0}, {0}};
  tdm_schedule sched = {TDM_SCHED_DYNAMIC, 1, TDM_LANE_GPU};
  tdm_ctx_stats_reset(sim);
  cr_assert_eq(tdm_map(pool, FOLDS, fold_task, &m, sched), TDM_OK, "%s", tdm_last_error());
  tdm_stats s = stats(sim);
  size_t gpu = 0;
  for (size_t k = 0; k < FOLDS; k++) gpu += (size_t)m.on_gpu[k];
  /* folds on GPU lanes copy back one result each; a fold a CPU lane ran
   * (where the pool does not yet honour TDM_LANE_GPU) reads the host copy
   * of the data, which stays current, and copies nothing */
  cr_assert_leq(s.h2d_count, 3, "at most X, y and the penalty pattern go up");
  cr_assert_eq(s.h2d_count, gpu ? 3 : 0);
  cr_assert_eq(s.d2h_count, gpu, "d2h %llu for %zu folds on GPU lanes", (unsigned long long)s.d2h_count, gpu);
  cr_assert_eq(s.d2h_bytes, gpu * RIDGE_RESULT_BYTES);
  check_mse(ref, &d, m.mse, 1.0);
  tdm_pool_destroy(pool);
  ridge_ref_free(ref);
  ridge_data_free(&d);
  tdm_ctx_destroy(sim);
}

/* Rows where the fold id g (n x 1) satisfies src ("g != k" or "g == k"),
 * gathered from X and y with tdm_nonzero and tdm_take. */
static void select_rows(tdm_ctx *c, const ridge_data *d, tdm_buf *g, const char *src, tdm_buf *pos,
                        tdm_buf **Xs, tdm_buf **ys) {
  tdm_buf *mask = ts_buf(c, TDM_F64, d->n, 1, NULL), *in[1] = {g};
  cr_assert_eq(tdm_eval(c, src, "g", mask, in), TDM_OK, "%s", tdm_last_error());
  size_t cnt = 0;
  cr_assert_eq(tdm_nonzero(c, mask, pos, &cnt), TDM_OK, "%s", tdm_last_error());
  tdm_buf *pv = NULL;
  cr_assert_eq(tdm_buf_view(pos, 0, 0, cnt, 1, &pv), TDM_OK, "%s", tdm_last_error());
  *Xs = ts_buf(c, TDM_F64, cnt, d->p, NULL);
  *ys = ts_buf(c, TDM_F64, cnt, 1, NULL);
  cr_assert_eq(tdm_take(c, d->X, 0, pv, *Xs), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_take(c, d->Y, 0, pv, *ys), TDM_OK, "%s", tdm_last_error());
  tdm_buf_destroy(pv);
  tdm_buf_destroy(mask);
}

Test(scenarios_sim, folds_selected_by_mask_nonzero_and_take_stay_on_the_device) {
  tdm_ctx *sim = ts_ctx(TDM_SIM, 2);
  const size_t n = 2500, p = 6;
  ridge_data d;
  cr_assert_eq(ridge_data_make(sim, n, p - 1, FOLDS, &d), TDM_OK, "%s", tdm_last_error());
  ridge_ref *ref = ridge_ref_make(&d);
  double *gid = malloc(n * sizeof *gid);
  for (size_t k = 0; k < FOLDS; k++)
    for (size_t i = d.start[k]; i < d.start[k + 1]; i++) gid[i] = (double)k;
  tdm_buf *g = ts_buf(sim, TDM_F64, n, 1, gid), *pos = NULL;
  cr_assert_eq(tdm_buf_create(sim, TDM_I64, n, 1, &pos), TDM_OK);
  double mse[FOLDS];
  tdm_ctx_stats_reset(sim);
  for (size_t k = 0; k < FOLDS; k++) {
    char train[32], test[32];
    snprintf(train, sizeof train, "g != %zu", k);
    snprintf(test, sizeof test, "g == %zu", k);
    tdm_buf *Xt, *yt, *Xk, *yk;
    select_rows(sim, &d, g, train, pos, &Xt, &yt);
    tdm_buf *C = ts_buf(sim, TDM_F64, p, p, NULL), *G = ts_buf(sim, TDM_F64, p, p, NULL);
    tdm_buf *b = ts_buf(sim, TDM_F64, p, 1, NULL), *in[2] = {d.D, C};
    cr_assert_eq(tdm_crossprod(sim, Xt, C), TDM_OK, "%s", tdm_last_error());
    cr_assert_eq(tdm_gemm(sim, TDM_TRANS, TDM_NOTRANS, 1.0, Xt, yt, 0.0, b), TDM_OK);
    cr_assert_eq(tdm_eval(sim, "1.0*d + c", "d,c", G, in), TDM_OK, "%s", tdm_last_error());
    cr_assert_eq(tdm_solve_spd(sim, G, b), TDM_OK, "%s", tdm_last_error());
    select_rows(sim, &d, g, test, pos, &Xk, &yk);
    size_t nk = tdm_buf_rows(Xk);
    cr_assert_eq(nk, d.start[k + 1] - d.start[k]);
    cr_assert_eq(tdm_gemm(sim, TDM_NOTRANS, TDM_NOTRANS, -1.0, Xk, b, 1.0, yk), TDM_OK);
    const tdm_reduce_op ops[2] = {TDM_MEAN, TDM_VAR};
    double mv[2];
    cr_assert_eq(tdm_reduce(sim, yk, 2, ops, mv), TDM_OK);
    mse[k] = mv[1] * (double)(nk - 1) / (double)nk + mv[0] * mv[0];
    tdm_buf *bufs[] = {Xt, yt, Xk, yk, C, G, b};
    for (size_t i = 0; i < 7; i++) tdm_buf_destroy(bufs[i]);
  }
  tdm_stats s = stats(sim);
  cr_assert_eq(s.h2d_count, 4, "X, y, the penalty pattern and the fold ids go up once");
  /* per fold: two counts (8 bytes), four take checks (16 bytes), one result */
  cr_assert_eq(s.d2h_count, FOLDS * 7, "%llu", (unsigned long long)s.d2h_count);
  cr_assert_eq(s.d2h_bytes, FOLDS * (2 * 8 + 4 * 16 + RIDGE_RESULT_BYTES));
  cr_assert_eq(s.cpu_ops, 0);
  check_mse(ref, &d, mse, 1.0);
  tdm_buf_destroy(g), tdm_buf_destroy(pos);
  free(gid);
  ridge_ref_free(ref);
  ridge_data_free(&d);
  tdm_ctx_destroy(sim);
}
