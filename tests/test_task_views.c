/* test_task_views.c -- views and wraps from tasks (also run under
 * ThreadSanitizer): tasks make views of one shared buffer, write their own
 * column through them and destroy them concurrently (the storage's count
 * and coherence under contention), and wrap disjoint slices of one array
 * at the same time (the wrap registry), on the CPU and the sim device;
 * checked against a serial loop. */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <tandem/tandem.h>

#include "support/support.h"

#define R 64
#define C 96

typedef struct {
  tdm_buf *big;
  double *wrapmem;
  atomic_int bad;
} tv_job;

static double want(size_t i, size_t j) { return (double)(i + 1) * 0.5 + (double)j * 1000; }

static tdm_status tv_task(const tdm_task_env *env, size_t j, void *arg) {
  tv_job *t = arg;
  tdm_buf *col = NULL, *cell = NULL, *w = NULL;
  double v[R];
  for (size_t i = 0; i < R; i++) v[i] = want(i, j);
  tdm_status s = tdm_buf_view(t->big, 0, j, R, 1, &col);
  if (s == TDM_OK) s = tdm_buf_write(col, v);
  if (s == TDM_OK) s = tdm_buf_view(col, 3, 0, 1, 1, &cell); /* a view of the view */
  double x = 0;
  if (s == TDM_OK) s = tdm_buf_read(cell, &x);
  if (s == TDM_OK && x != want(3, j)) atomic_fetch_add(&t->bad, 1);
  tdm_buf_destroy(col);
  tdm_buf_destroy(cell);
  /* a wrap of this task's own slice */
  if (s == TDM_OK) s = tdm_buf_wrap(env->ctx, TDM_F64, R, 1, t->wrapmem + j * R, &w);
  if (s == TDM_OK) s = tdm_buf_write(w, v);
  tdm_buf_destroy(w);
  return s;
}

static void run(tdm_backend be) {
  tdm_ctx *ctx = ts_ctx(be, 4);
  tdm_pool *pool = ts_pool(ctx, 4);
  tv_job t = {NULL, calloc(R * C, sizeof(double)), 0};
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, R, C, &t.big), TDM_OK);
  tdm_schedule sch = {TDM_SCHED_DYNAMIC, 1, TDM_LANE_CPU};
  for (int rep = 0; rep < 3; rep++) {
    cr_assert_eq(tdm_map(pool, C, tv_task, &t, sch), TDM_OK, "%s", tdm_last_error());
    double *got = malloc(R * C * sizeof *got);
    cr_assert_eq(tdm_buf_read(t.big, got), TDM_OK);
    for (size_t j = 0; j < C; j++)
      for (size_t i = 0; i < R; i++) {
        cr_assert_eq(got[i + j * R], want(i, j), "(%zu, %zu)", i, j);
        cr_assert_eq(t.wrapmem[i + j * R], want(i, j));
      }
    free(got);
  }
  cr_assert_eq(atomic_load(&t.bad), 0);
  tdm_buf_destroy(t.big);
  free(t.wrapmem);
  tdm_pool_destroy(pool);
  tdm_ctx_destroy(ctx);
}

Test(task_views, cpu_tasks_share_one_storage) { run(TDM_CPU); }
Test(task_views, sim_tasks_share_one_storage) { run(TDM_SIM); }
