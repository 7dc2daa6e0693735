/* test_lifetime.c -- queued work owns what it uses: an expression destroyed,
 * or evicted from the tdm_eval cache, while its evaluation still waits on
 * the sim device's queue runs to the right values; a buffer destroyed
 * right after an asynchronous op reads it is safe; the queue's release
 * hook runs once per command, after it ran, whether waited or not. Run
 * under ASan, these are use-after-free checks. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/ctx_int.h"
#include "sim/sim.h"
#include "sim/sim_int.h"
#include "support/support.h"

/* x made current on the device (an upload waits for the queue, so it must
 * happen before the queue is held). */
static tdm_buf *dev_input(tdm_ctx *sim, const double *x, size_t n) {
  tdm_buf *X = ts_buf(sim, TDM_F64, n, 1, x), *T = ts_buf(sim, TDM_F64, n, 1, NULL);
  tdm_buf *in[] = {X};
  cr_assert_eq(tdm_eval(sim, "x", "x", T, in), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_ctx_sync(sim), TDM_OK);
  tdm_buf_destroy(T);
  return X;
}

Test(lifetime, expression_destroyed_while_its_eval_is_queued) {
  const size_t n = 1000;
  tdm_ctx *sim = ts_ctx(TDM_SIM, 1);
  double *x = malloc(n * 8), *got = malloc(n * 8);
  for (size_t i = 0; i < n; i++) x[i] = (double)i / 7.0 - 20.0;
  tdm_buf *X = dev_input(sim, x, n), *Y = ts_buf(sim, TDM_F64, n, 1, NULL);
  tdm_buf *in[] = {X};
  cr_assert_eq(tdm__sim_hold(sim, 1), TDM_OK);
  tdm_expr *e, *f;
  cr_assert_eq(tdm_expr_compile(sim, "x*x+1", "x", &e), TDM_OK);
  cr_assert_eq(tdm_expr_eval(e, Y, in), TDM_OK, "%s", tdm_last_error());
  size_t pending;
  cr_assert_eq(tdm__sim_pending(sim, &pending), TDM_OK);
  cr_assert_eq(pending, 1, "the eval is queued, not run");
  tdm_expr_destroy(e); /* right after the async call */
  /* another program takes the freed memory if the queue does not own e's */
  cr_assert_eq(tdm_expr_compile(sim, "sin(x)-cos(x)*x/3", "x", &f), TDM_OK);
  cr_assert_eq(tdm__sim_hold(sim, 0), TDM_OK);
  cr_assert_eq(tdm_buf_read(Y, got), TDM_OK, "%s", tdm_last_error());
  for (size_t i = 0; i < n; i++)
    cr_assert_eq(got[i], x[i] * x[i] + 1, "at %zu: %.17g, want %.17g", i, got[i],
                 x[i] * x[i] + 1);
  tdm_expr_destroy(f);
  tdm_buf_destroy(X), tdm_buf_destroy(Y);
  free(x), free(got);
  tdm_ctx_destroy(sim);
}

/* More distinct tdm_eval sources than the cache holds, none synced: the
 * cache evicts programs whose evaluations are still queued. */
Test(lifetime, cache_evicts_programs_still_queued) {
  enum { K = 100 }; /* the cache holds 64 */
  const size_t n = 257;
  tdm_ctx *sim = ts_ctx(TDM_SIM, 1);
  double *x = malloc(n * 8), *got = malloc(n * 8);
  for (size_t i = 0; i < n; i++) x[i] = (double)i * 0.5;
  tdm_buf *X = dev_input(sim, x, n), *Y[K];
  tdm_buf *in[] = {X};
  cr_assert_eq(tdm__sim_hold(sim, 1), TDM_OK);
  for (int k = 0; k < K; k++) {
    char src[32];
    snprintf(src, sizeof src, "x*2+%d", k);
    Y[k] = ts_buf(sim, TDM_F64, n, 1, NULL);
    cr_assert_eq(tdm_eval(sim, src, "x", Y[k], in), TDM_OK, "%s", tdm_last_error());
  }
  size_t pending;
  cr_assert_eq(tdm__sim_pending(sim, &pending), TDM_OK);
  cr_assert_eq(pending, K);
  cr_assert_eq(tdm__sim_hold(sim, 0), TDM_OK);
  for (int k = 0; k < K; k++) {
    cr_assert_eq(tdm_buf_read(Y[k], got), TDM_OK, "%s", tdm_last_error());
    for (size_t i = 0; i < n; i++)
      cr_assert_eq(got[i], x[i] * 2 + k, "source %d at %zu: %.17g", k, i, got[i]);
    tdm_buf_destroy(Y[k]);
  }
  tdm_buf_destroy(X);
  free(x), free(got);
  tdm_ctx_destroy(sim);
}

/* Buffers destroyed right after asynchronous ops that read them: device
 * memory is freed only once no queue can still use it. */
Test(lifetime, buffers_destroyed_right_after_async_ops) {
  const size_t n = 96;
  tdm_ctx *sim = ts_ctx(TDM_SIM, 1);
  ts_rng r;
  ts_seed(&r, 17);
  double *a = malloc(n * n * 8), *got = malloc(n * n * 8), *want = malloc(n * n * 8);
  ts_fill(&r, a, n * n, -1, 1);
  ts_gemm(0, 0, n, n, n, 1.0, a, n, a, n, 0.0, want, n, NULL);
  tdm_buf *C = ts_buf(sim, TDM_F64, n, n, NULL);
  for (int rep = 0; rep < 20; rep++) {
    tdm_buf *A = ts_buf(sim, TDM_F64, n, n, a), *B = ts_buf(sim, TDM_F64, n, n, a);
    cr_assert_eq(tdm_gemm(sim, TDM_NOTRANS, TDM_NOTRANS, 1.0, A, B, 0.0, C), TDM_OK, "%s",
                 tdm_last_error());
    tdm_buf_destroy(A); /* the GEMM may not have run yet */
    tdm_buf_destroy(B);
  }
  ts_read(C, got);
  for (size_t i = 0; i < n * n; i++)
    cr_assert(ts_relerr(got[i], want[i]) < 1e-12 || fabs(got[i] - want[i]) < 1e-12, "at %zu", i);
  tdm_buf_destroy(C);
  free(a), free(got), free(want);
  tdm_ctx_destroy(sim);
}

/* The release hook: each command's runs once, after the command ran. */
typedef struct {
  int ran, released, order_ok;
} probe;

static tdm_status probe_run(tdm__cpu *cpu, void *args) {
  (void)cpu;
  probe *p = *(probe **)args;
  __atomic_add_fetch(&p->ran, 1, __ATOMIC_SEQ_CST);
  return TDM_OK;
}

static void probe_release(void *obj) {
  probe *p = obj;
  if (__atomic_load_n(&p->ran, __ATOMIC_SEQ_CST) > p->released) p->order_ok++;
  __atomic_add_fetch(&p->released, 1, __ATOMIC_SEQ_CST);
}

Test(lifetime, release_hook_runs_once_after_each_command) {
  tdm_ctx *sim = ts_ctx(TDM_SIM, 1);
  probe p = {0, 0, 0};
  probe *pp = &p;
  cr_assert_eq(tdm__sim_hold(sim, 1), TDM_OK);
  for (int i = 0; i < 5; i++)
    cr_assert_eq(tdm__simq_call_owned(sim->dev_st, probe_run, &pp, sizeof pp, 0, probe_release, &p),
                 TDM_OK);
  cr_assert_eq(__atomic_load_n(&p.released, __ATOMIC_SEQ_CST), 0, "nothing released before it ran");
  cr_assert_eq(tdm__sim_hold(sim, 0), TDM_OK);
  cr_assert_eq(tdm__simq_call_owned(sim->dev_st, probe_run, &pp, sizeof pp, 1, probe_release, &p),
               TDM_OK, "a waited command releases too");
  cr_assert_eq(tdm_ctx_sync(sim), TDM_OK);
  cr_assert_eq(p.ran, 6);
  cr_assert_eq(p.released, 6);
  cr_assert_eq(p.order_ok, 6, "each release came after its command ran");
  /* a command that cannot be queued still releases what it was given */
  tdm__alloc_fail_after(1);
  cr_assert_eq(tdm__simq_call_owned(sim->dev_st, probe_run, &pp, sizeof pp, 0, probe_release, &p),
               TDM_ERR_NOMEM);
  tdm__alloc_fail_after(0);
  cr_assert_eq(p.released, 7);
  cr_assert_eq(p.ran, 6);
  tdm_ctx_destroy(sim);
}
