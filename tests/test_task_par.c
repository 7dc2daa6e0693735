/* test_task_par.c -- the CPU kernels' parallel loop on the shared workers:
 * tdm__par_for from the main thread, from other program threads and from
 * inside tasks at the same time, nested loops; tdm_reduce giving the same
 * bits for 1, 2 and more threads and inside a task; GEMMs from tasks and
 * from the main thread at once (the BLAS gate) against a naive product. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <tandem/tandem.h>

#include "support/support.h"

#include "cpu/cpu_int.h"

/* ---- tdm__par_for everywhere at once --------------------------------------- */
typedef struct {
  uint64_t *out;
  atomic_uchar *hits;
  uint64_t salt;
} fill_job;

static void fill_range(void *arg, size_t lo, size_t hi) {
  fill_job *j = arg;
  for (size_t i = lo; i < hi; i++) {
    j->out[i] = ts_mix(i ^ j->salt);
    atomic_fetch_add_explicit(&j->hits[i], 1, memory_order_relaxed);
  }
}

/* Runs one loop of n over 2..3 threads and checks every index once. */
static int loop_ok(size_t n, uint64_t salt, int nthreads) {
  fill_job j = {malloc(n * sizeof(uint64_t)), calloc(n, 1), salt};
  tdm__par_for(nthreads, n, 64, fill_range, &j);
  int ok = 1;
  for (size_t i = 0; i < n; i++)
    if (atomic_load(&j.hits[i]) != 1 || j.out[i] != ts_mix(i ^ salt)) ok = 0;
  free(j.out);
  free(j.hits);
  return ok;
}

static tdm_status loop_task(const tdm_task_env *env, void *arg) {
  (void)env;
  atomic_int *bad = arg;
  if (!tdm__in_worker()) atomic_fetch_add(bad, 1);
  for (int r = 0; r < 20; r++)
    if (!loop_ok(50000, (uint64_t)r * 977, 3)) atomic_fetch_add(bad, 1);
  return TDM_OK;
}

static void *loop_thread(void *arg) {
  atomic_int *bad = arg;
  for (int r = 0; r < 20; r++)
    if (!loop_ok(70000, (uint64_t)r + 5, 2)) atomic_fetch_add(bad, 1);
  return NULL;
}

Test(task_par, par_for_from_tasks_threads_and_main_at_once, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 0);
  tdm_pool_config pc = {2, 0};
  tdm_pool *p;
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_OK);
  atomic_int bad;
  atomic_init(&bad, 0);
  cr_assert_eq(tdm__in_worker(), 0);
  tdm_future *f[6];
  for (int i = 0; i < 6; i++) cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, loop_task, &bad, &f[i]), TDM_OK);
  pthread_t t;
  cr_assert_eq(pthread_create(&t, NULL, loop_thread, &bad), 0);
  for (int r = 0; r < 20; r++) cr_assert(loop_ok(100000, (uint64_t)r, 4), "main loop %d", r);
  pthread_join(t, NULL);
  for (int i = 0; i < 6; i++) {
    cr_assert_eq(tdm_future_wait(f[i]), TDM_OK);
    tdm_future_release(f[i]);
  }
  cr_assert_eq(atomic_load(&bad), 0);
  cr_assert_eq(tdm__in_worker(), 0);
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

static void nested_range(void *arg, size_t lo, size_t hi) {
  atomic_int *bad = arg;
  for (size_t i = lo; i < hi; i++)
    if (!loop_ok(3000, i, 2)) atomic_fetch_add(bad, 1);
}

Test(task_par, nested_par_for_and_edge_sizes, .timeout = 120) {
  atomic_int bad;
  atomic_init(&bad, 0);
  tdm__par_for(2, 40, 1, nested_range, &bad);
  cr_assert_eq(atomic_load(&bad), 0);
  cr_assert(loop_ok(1, 1, 2));
  cr_assert(loop_ok(63, 1, 8)); /* below the grain: one chunk */
  cr_assert(loop_ok(65, 1, 8));
  cr_assert(loop_ok(100000, 1, 1));
  tdm__par_for(4, 0, 1, fill_range, NULL); /* n = 0: nothing runs */
}

/* ---- reductions: the same bits for every thread count ----------------------- */
typedef struct {
  tdm_buf *x;
  double out[5];
  tdm_status s;
} red_job;

static const tdm_reduce_op ops[5] = {TDM_SUM, TDM_MEAN, TDM_VAR, TDM_MIN, TDM_MAX};

static tdm_status reduce_task(const tdm_task_env *env, void *arg) {
  red_job *j = arg;
  return j->s = tdm_reduce(env->ctx, j->x, 5, ops, j->out);
}

Test(task_par, reduce_identical_for_1_and_2_threads_and_in_tasks, .timeout = 120) {
  enum { M = 1000003 };
  double *h = malloc(M * sizeof *h);
  for (size_t i = 0; i < M; i++) h[i] = 1e6 + (double)(ts_mix(i) >> 11) * 0x1p-53 * 10.0 - 5.0;
  long double s = 0, mn = h[0], mx = h[0];
  for (size_t i = 0; i < M; i++) {
    s += h[i];
    mn = h[i] < mn ? h[i] : mn;
    mx = h[i] > mx ? h[i] : mx;
  }
  long double mean = s / M, q = 0;
  for (size_t i = 0; i < M; i++) q += (h[i] - mean) * (h[i] - mean);
  double ref[5] = {(double)s, (double)mean, (double)(q / (M - 1)), (double)mn, (double)mx};
  double first[5];
  int threads[] = {1, 2, 3, 8};
  for (int t = 0; t < 4; t++) {
    tdm_ctx *ctx = ts_ctx(TDM_CPU, threads[t]);
    tdm_buf *x;
    cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, M, 1, h, &x), TDM_OK);
    double out[5];
    cr_assert_eq(tdm_reduce(ctx, x, 5, ops, out), TDM_OK, "%s", tdm_last_error());
    if (t == 0) memcpy(first, out, sizeof out);
    cr_assert_eq(memcmp(first, out, sizeof out), 0, "threads %d differ from 1 thread", threads[t]);
    for (int k = 0; k < 5; k++)
      cr_assert(fabs(out[k] - ref[k]) <= 1e-12 * fabs(ref[k]), "op %d: %.17g vs %.17g", k, out[k], ref[k]);
    /* Inside tasks (lane contexts, busy or idle workers): the same bits. */
    tdm_pool_config pc = {2, 0};
    tdm_pool *p;
    cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_OK);
    red_job j[3];
    tdm_future *f[3];
    for (int i = 0; i < 3; i++) {
      j[i].x = x;
      cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, reduce_task, &j[i], &f[i]), TDM_OK);
    }
    for (int i = 0; i < 3; i++) {
      cr_assert_eq(tdm_future_wait(f[i]), TDM_OK, "%s", tdm_last_error());
      cr_assert_eq(memcmp(first, j[i].out, sizeof first), 0, "in a task, threads %d", threads[t]);
      tdm_future_release(f[i]);
    }
    tdm_pool_destroy(p);
    tdm_buf_destroy(x);
    tdm_ctx_destroy(ctx);
  }
  free(h);
}

/* ---- BLAS from tasks and from the main thread at once ------------------------- */
typedef struct {
  tdm_ctx *root;
  int n;
  double *a, *b, *c;
  tdm_status s;
} gemm_job;

static void naive(int n, const double *a, const double *b, double *c) {
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int k = 0; k < n; k++) s += a[i + k * n] * b[k + j * n];
      c[i + j * n] = s;
    }
}

static tdm_status run_gemm(tdm_ctx *ctx, gemm_job *g) {
  tdm_buf *A, *B, *C;
  tdm_status s = tdm_buf_wrap(ctx, TDM_F64, g->n, g->n, g->a, &A);
  if (s) return s;
  tdm_buf_wrap(ctx, TDM_F64, g->n, g->n, g->b, &B);
  tdm_buf_create(ctx, TDM_F64, g->n, g->n, &C);
  s = tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1.0, A, B, 0.0, C);
  if (s == TDM_OK) s = tdm_buf_read(C, g->c);
  tdm_buf_destroy(A);
  tdm_buf_destroy(B);
  tdm_buf_destroy(C);
  return s;
}

static tdm_status gemm_task(const tdm_task_env *env, void *arg) {
  gemm_job *g = arg;
  return g->s = run_gemm(env->ctx, g);
}

static void rand_fill(double *x, int n, uint64_t seed) {
  for (int i = 0; i < n; i++) x[i] = (double)(ts_mix((uint64_t)i + seed) >> 12) * 0x1p-52 - 0.5;
}

static void check_gemm(const gemm_job *g) {
  int n = g->n;
  double *ref = malloc((size_t)n * n * sizeof *ref);
  naive(n, g->a, g->b, ref);
  for (int i = 0; i < n * n; i++)
    cr_assert(fabs(g->c[i] - ref[i]) <= 1e-12 * n, "n %d elem %d: %g vs %g", n, i, g->c[i], ref[i]);
  free(ref);
}

Test(task_par, gemm_in_tasks_and_main_at_once, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  tdm_pool_config pc = {2, 0};
  tdm_pool *p;
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_OK);
  enum { T = 6 };
  gemm_job g[T + 1];
  tdm_future *f[T];
  for (int i = 0; i <= T; i++) {
    int n = i == T ? 160 : 40 + 8 * i;
    g[i] = (gemm_job){ctx, n, malloc((size_t)n * n * 8), malloc((size_t)n * n * 8), malloc((size_t)n * n * 8), 0};
    rand_fill(g[i].a, n * n, (uint64_t)i * 1000);
    rand_fill(g[i].b, n * n, (uint64_t)i * 1000 + 7);
  }
  for (int i = 0; i < T; i++) cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, gemm_task, &g[i], &f[i]), TDM_OK);
  for (int r = 0; r < 3; r++) cr_assert_eq(run_gemm(ctx, &g[T]), TDM_OK, "%s", tdm_last_error());
  for (int i = 0; i < T; i++) {
    cr_assert_eq(tdm_future_wait(f[i]), TDM_OK, "%s", tdm_last_error());
    tdm_future_release(f[i]);
  }
  for (int i = 0; i <= T; i++) {
    check_gemm(&g[i]);
    free(g[i].a);
    free(g[i].b);
    free(g[i].c);
  }
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}
