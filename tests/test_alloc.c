/* test_alloc.c -- fault injection: the allocator's fail-the-Nth hook, then a
 * walk N = 1, 2, 3, ... over a representative sequence of calls on the CPU
 * and on the sim device until it succeeds. Every failure must be
 * TDM_ERR_NOMEM (or TDM_ERR_DEVICE_NOMEM for sim device memory) with a
 * message naming the function, and leave no allocation behind. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "sim/sim.h"
#include "support/support.h"

Test(alloc, fail_the_nth_allocation_once) {
  long live = tdm__alloc_live();
  tdm__alloc_fail_after(1);
  cr_assert_null(tdm__malloc(8));
  void *p = tdm__malloc(8);
  cr_assert_not_null(p, "only the one allocation fails");
  tdm__alloc_fail_after(3);
  void *a = tdm__malloc(1), *b = tdm__calloc(2, 4), *c = tdm__malloc(1), *d = tdm__malloc(1);
  cr_assert(a && b && !c && d);
  cr_assert_eq(((char *)b)[7], 0, "calloc zeroes");
  cr_assert_eq((uintptr_t)a % 64, 0, "64-byte aligned");
  cr_assert_eq(tdm__alloc_live(), live + 4);
  tdm__free(p), tdm__free(a), tdm__free(b), tdm__free(d);
  tdm__free(NULL);
  cr_assert_eq(tdm__alloc_live(), live);
  cr_assert_null(tdm__calloc(SIZE_MAX / 2, 4), "an overflowing calloc fails");
  tdm__alloc_fail_after(0);
}

/* The sequence: context, buffers, every op, a read, teardown. Returns the
 * first failure's status. */
#define N_ROWS 40
#define P 12
#define BIG 140000 /* more than one reduce work item: partials are allocated */
static tdm_status sequence(tdm_backend be, const double *x, const double *big,
                           const int32_t *ids) {
  tdm_ctx *ctx = NULL;
  tdm_buf *X = NULL, *R = NULL, *G = NULL, *O = NULL, *C = NULL, *A = NULL, *B = NULL, *Q = NULL;
  tdm_config cfg = {be, 2, 0};
  tdm_status s;
  tdm_reduce_op ops[3] = {TDM_SUM, TDM_VAR, TDM_MAX};
  double out[5], b[P * 2];
  if ((s = tdm_ctx_create(&cfg, &ctx))) goto done;
  if ((s = tdm_buf_create(ctx, TDM_F64, N_ROWS, P, &X))) goto done;
  if ((s = tdm_buf_write(X, x))) goto done;
  if ((s = tdm_buf_create(ctx, TDM_F64, BIG, 1, &R))) goto done;
  if ((s = tdm_buf_write(R, big))) goto done;
  if ((s = tdm_reduce(ctx, R, 3, ops, out))) goto done;
  const double qs[2] = {0.5, 0.9}; /* a medium column: copied, then selected */
  if ((s = tdm_buf_create(ctx, TDM_F64, 2, 1, &Q))) goto done;
  if ((s = tdm_quantile(ctx, R, 2, qs, Q))) goto done;
  if ((s = tdm_buf_create(ctx, TDM_I32, N_ROWS, P, &G))) goto done;
  if ((s = tdm_buf_write(G, ids))) goto done;
  if ((s = tdm_buf_create(ctx, TDM_F64, 5, 1, &O))) goto done;
  if ((s = tdm_group_reduce(ctx, X, G, 5, TDM_MEAN, O))) goto done;
  if ((s = tdm_buf_create(ctx, TDM_F64, P, P, &C))) goto done;
  if ((s = tdm_gemm(ctx, TDM_TRANS, TDM_NOTRANS, 1.0, X, X, 0.0, C))) goto done;
  if ((s = tdm_buf_create(ctx, TDM_F64, P, P, &A))) goto done;
  if ((s = tdm_crossprod(ctx, X, A))) goto done;
  if ((s = tdm_cholesky(ctx, A))) goto done;
  if ((s = tdm_buf_create(ctx, TDM_F64, P, 2, &B))) goto done;
  for (int i = 0; i < P * 2; i++) b[i] = i;
  if ((s = tdm_buf_write(B, b))) goto done;
  if ((s = tdm_solve_spd(ctx, C, B))) goto done;
  if ((s = tdm_buf_read(B, b))) goto done;
  if ((s = tdm_buf_read(O, out))) goto done;
  s = tdm_ctx_sync(ctx);
done:
  tdm_buf_destroy(X), tdm_buf_destroy(R), tdm_buf_destroy(G), tdm_buf_destroy(O);
  tdm_buf_destroy(C), tdm_buf_destroy(A), tdm_buf_destroy(B), tdm_buf_destroy(Q);
  tdm_ctx_destroy(ctx);
  return s;
}

static void walk(tdm_backend be) {
  ts_rng r;
  ts_seed(&r, 10);
  double *x = malloc(N_ROWS * P * 8), *big = malloc(BIG * 8);
  int32_t ids[N_ROWS * P];
  ts_fill(&r, x, N_ROWS * P, -1, 1);
  ts_fill(&r, big, BIG, 0, 1);
  for (int i = 0; i < N_ROWS * P; i++) ids[i] = i % 5;
  int nomem = 0, devnomem = 0;
  long n;
  for (n = 1; n < 10000; n++) {
    long live = tdm__alloc_live(), before = tdm__alloc_count();
    tdm__alloc_fail_after(n);
    tdm_status s = sequence(be, x, big, ids);
    long used = tdm__alloc_count() - before;
    tdm__alloc_fail_after(0);
    cr_assert_eq(tdm__alloc_live(), live, "%s N=%ld: %ld allocations leaked (%s: %s)",
                 tdm_backend_name(be), n, tdm__alloc_live() - live, tdm_status_name(s),
                 tdm_last_error());
    if (s == TDM_OK) {
      cr_assert(used < n, "N=%ld: succeeded although allocation %ld was to fail", n, n);
      break;
    }
    cr_assert(used >= n, "N=%ld failed before the injected failure: %s", n, tdm_last_error());
    const char *m = tdm_last_error();
    if (s == TDM_ERR_DEVICE_NOMEM && be == TDM_SIM) {
      devnomem++;
      cr_assert(strstr(m, "device memory"), "N=%ld: %s", n, m);
    } else {
      cr_assert_eq(s, TDM_ERR_NOMEM, "N=%ld: %s: %s", n, tdm_status_name(s), m);
      nomem++;
      cr_assert(strstr(m, "memory"), "N=%ld: %s", n, m);
    }
    cr_assert(strncmp(m, "tdm_", 4) == 0, "N=%ld: the message names the function: %s", n, m);
  }
  cr_assert(n > 10 && n < 10000, "the walk covered %ld allocations", n - 1);
  cr_assert(nomem > 0);
  if (be == TDM_SIM) cr_assert(devnomem > 0, "device allocations were reached");
  cr_log_info("%s: %ld allocation sites failed in turn (%d host, %d device)",
              tdm_backend_name(be), n - 1, nomem, devnomem);
  free(x), free(big);
}

Test(alloc, walk_cpu) { walk(TDM_CPU); }
Test(alloc, walk_sim) { walk(TDM_SIM); }
