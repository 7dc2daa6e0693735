/* test_sim.c -- the sim device: a chain of device ops on data written once
 * moves one copy up and, when read, one copy down; reading twice copies
 * once; a device reduction copies back only its moments; results equal the
 * CPU backend's; ops return before they run (an asynchronous queue); queue
 * errors reach the caller with their message; device memory starts as
 * garbage and has a capacity; lanes share the device. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx_int.h"
#include "sim/sim.h"
#include "support/support.h"

static tdm_stats stats(tdm_ctx *c) {
  tdm_stats s;
  cr_assert_eq(tdm_ctx_stats(c, &s), TDM_OK);
  return s;
}

/* X (n x n) written once; C1 = X X, C2 = C1 X', C3 = C2'C2. */
static void chain(tdm_ctx *ctx, tdm_buf *X, tdm_buf *C1, tdm_buf *C2, tdm_buf *C3) {
  cr_assert_eq(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1.0, X, X, 0.0, C1), TDM_OK, "%s",
               tdm_last_error());
  cr_assert_eq(tdm_gemm(ctx, TDM_NOTRANS, TDM_TRANS, 0.5, C1, X, 0.0, C2), TDM_OK, "%s",
               tdm_last_error());
  cr_assert_eq(tdm_crossprod(ctx, C2, C3), TDM_OK, "%s", tdm_last_error());
}

Test(sim, three_op_chain_moves_one_copy_each_way) {
  const size_t n = 64, bytes = n * n * sizeof(double);
  tdm_ctx *sim = ts_ctx(TDM_SIM, 2), *cpu = ts_ctx(TDM_CPU, 2);
  cr_assert_eq(tdm_ctx_device_backend(sim), TDM_SIM);
  ts_rng r;
  ts_seed(&r, 1);
  double *x = malloc(bytes), *got = malloc(bytes), *want = malloc(bytes);
  ts_fill(&r, x, n * n, -1, 1);
  tdm_buf *b[2][4];
  tdm_ctx *cs[2] = {sim, cpu};
  for (int i = 0; i < 2; i++) {
    b[i][0] = ts_buf(cs[i], TDM_F64, n, n, x);
    for (int k = 1; k < 4; k++) b[i][k] = ts_buf(cs[i], TDM_F64, n, n, NULL);
    chain(cs[i], b[i][0], b[i][1], b[i][2], b[i][3]);
  }
  tdm_stats s = stats(sim);
  cr_assert_eq(s.h2d_count, 1, "X goes up once (h2d %llu)", (unsigned long long)s.h2d_count);
  cr_assert_eq(s.h2d_bytes, bytes);
  cr_assert_eq(s.d2h_count, 0, "nothing comes back before a read");
  cr_assert_eq(s.device_ops, 3);
  cr_assert_eq(s.cpu_ops, 0);
  cr_assert_eq(tdm_buf_read(b[0][3], got), TDM_OK);
  s = stats(sim);
  cr_assert_eq(s.d2h_count, 1);
  cr_assert_eq(s.d2h_bytes, bytes);
  cr_assert_eq(tdm_buf_read(b[0][3], got), TDM_OK);
  cr_assert_eq(stats(sim).d2h_count, 1, "reading twice copies once");
  cr_assert_eq(tdm_buf_read(b[1][3], want), TDM_OK);
  for (size_t i = 0; i < n * n; i++)
    cr_assert(ts_same_bits(got[i], want[i]), "sim and cpu differ at %zu: %.17g vs %.17g", i,
              got[i], want[i]);
  tdm_stats c = stats(cpu);
  cr_assert_eq(c.h2d_count + c.d2h_count, 0);
  cr_assert_eq(c.cpu_ops, 3);
  /* an intermediate comes back only when asked for */
  cr_assert_eq(tdm_buf_read(b[0][1], got), TDM_OK);
  cr_assert_eq(stats(sim).d2h_count, 2);
  /* a host write makes the host copy the only current one: the next device
   * op copies it up again */
  cr_assert_eq(tdm_buf_write(b[0][0], x), TDM_OK);
  cr_assert_eq(tdm_crossprod(sim, b[0][0], b[0][3]), TDM_OK);
  cr_assert_eq(stats(sim).h2d_count, 2);
  for (int i = 0; i < 2; i++)
    for (int k = 0; k < 4; k++) tdm_buf_destroy(b[i][k]);
  size_t used;
  cr_assert_eq(tdm__sim_mem_used(sim, &used), TDM_OK);
  cr_assert_eq(used, 0, "every device byte was freed");
  free(x), free(got), free(want);
  tdm_ctx_destroy(sim);
  tdm_ctx_destroy(cpu);
}

Test(sim, device_reduce_copies_back_only_its_moments) {
  const size_t n = 100003;
  tdm_ctx *sim = ts_ctx(TDM_SIM, 2), *cpu = ts_ctx(TDM_CPU, 1);
  ts_rng r;
  ts_seed(&r, 2);
  double *x = malloc(n * 8);
  ts_fill(&r, x, n, 5, 6);
  tdm_buf *bs = ts_buf(sim, TDM_F64, n, 1, x), *bc = ts_buf(cpu, TDM_F64, n, 1, x);
  tdm_reduce_op ops[6] = {TDM_SUM, TDM_MEAN, TDM_MIN, TDM_MAX, TDM_VAR, TDM_SD};
  double os[6], oc[6];
  for (int rep = 1; rep <= 2; rep++) {
    cr_assert_eq(tdm_reduce(sim, bs, 6, ops, os), TDM_OK, "%s", tdm_last_error());
    tdm_stats s = stats(sim);
    cr_assert_eq(s.h2d_count, 1, "x goes up once, then stays");
    cr_assert_eq(s.d2h_count, (uint64_t)rep);
    cr_assert_eq(s.d2h_bytes, rep * sizeof(tdm__moments), "only the results come back");
    cr_assert_eq(s.device_ops, (uint64_t)rep);
  }
  cr_assert_eq(tdm_reduce(cpu, bc, 6, ops, oc), TDM_OK);
  cr_assert(memcmp(os, oc, sizeof os) == 0, "same bits as the CPU backend");
  ts_stats ref = ts_stats_f64(x, n);
  cr_assert(ts_relerr(os[4], (double)ref.var) < 1e-12);
  tdm_buf_destroy(bs), tdm_buf_destroy(bc);
  free(x);
  tdm_ctx_destroy(sim);
  tdm_ctx_destroy(cpu);
}

Test(sim, group_reduce_and_queue_errors_reach_the_caller) {
  tdm_ctx *sim = ts_ctx(TDM_SIM, 1);
  double x[6] = {1, 2, 3, 4, 5, 6}, got[3];
  int32_t g[6] = {0, 1, 2, 0, 1, 2}, bad[6] = {0, 1, 2, 3, 1, 2};
  tdm_buf *bx = ts_buf(sim, TDM_F64, 6, 1, x), *bg, *bb, *o = ts_buf(sim, TDM_F64, 3, 1, NULL);
  cr_assert_eq(tdm_buf_create(sim, TDM_I32, 6, 1, &bg), TDM_OK);
  cr_assert_eq(tdm_buf_create(sim, TDM_I32, 6, 1, &bb), TDM_OK);
  cr_assert_eq(tdm_buf_write(bg, g), TDM_OK);
  cr_assert_eq(tdm_buf_write(bb, bad), TDM_OK);
  cr_assert_eq(tdm_group_reduce(sim, bx, bg, 3, TDM_SUM, o), TDM_OK, "%s", tdm_last_error());
  ts_read(o, got);
  cr_assert_eq(got[0], 5.0);
  cr_assert_eq(got[1], 7.0);
  cr_assert_eq(got[2], 9.0);
  tdm_stats s = stats(sim);
  cr_assert_eq(s.h2d_count, 2);
  cr_assert_eq(s.d2h_count, 1);
  cr_assert_eq(s.d2h_bytes, 3 * sizeof(double));
  /* the bad id is found on the queue thread; its message comes back here */
  cr_assert_eq(tdm_group_reduce(sim, bx, bb, 3, TDM_SUM, o), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_group_reduce: groups: element 3 is 3, outside [0, 3)");
  double np[4] = {1, 2, 2, 1};
  tdm_buf *A = ts_buf(sim, TDM_F64, 2, 2, np);
  cr_assert_eq(tdm_cholesky(sim, A), TDM_ERR_NUMERIC);
  cr_assert(strstr(tdm_last_error(), "tdm_cholesky: A: not positive definite") == tdm_last_error(),
            "%s", tdm_last_error());
  cr_assert_eq(tdm_ctx_sync(sim), TDM_OK, "no error left behind");
  tdm_buf_destroy(bx), tdm_buf_destroy(bg), tdm_buf_destroy(bb), tdm_buf_destroy(o);
  tdm_buf_destroy(A);
  tdm_ctx_destroy(sim);
}

/* With the queue held, ops still return: they are queued, not run. */
Test(sim, ops_are_asynchronous_sync_drains) {
  const size_t n = 48;
  tdm_ctx *sim = ts_ctx(TDM_SIM, 1), *cpu = ts_ctx(TDM_CPU, 1);
  ts_rng r;
  ts_seed(&r, 3);
  double *x = malloc(n * n * 8), *got = malloc(n * n * 8), *want = malloc(n * n * 8);
  ts_fill(&r, x, n * n, -0.2, 0.2);
  tdm_buf *X = ts_buf(sim, TDM_F64, n, n, x), *C = ts_buf(sim, TDM_F64, n, n, NULL);
  tdm_buf *Xc = ts_buf(cpu, TDM_F64, n, n, x), *Cc = ts_buf(cpu, TDM_F64, n, n, NULL);
  /* make X current on the device first (an upload waits for the queue) */
  cr_assert_eq(tdm_gemm(sim, TDM_NOTRANS, TDM_NOTRANS, 1, X, X, 0, C), TDM_OK);
  cr_assert_eq(tdm_gemm(cpu, TDM_NOTRANS, TDM_NOTRANS, 1, Xc, Xc, 0, Cc), TDM_OK);
  cr_assert_eq(tdm_ctx_sync(sim), TDM_OK);
  cr_assert_eq(tdm__sim_hold(sim, 1), TDM_OK);
  /* ten dependent ops, queued in order: C = C X + C */
  for (int i = 0; i < 10; i++) {
    cr_assert_eq(tdm_gemm(sim, TDM_NOTRANS, TDM_NOTRANS, 1, C, X, 1, C), TDM_ERR_INVALID,
                 "C aliases A");
    cr_assert_eq(tdm_gemm(sim, TDM_NOTRANS, TDM_TRANS, 1, X, X, 1, C), TDM_OK);
    cr_assert_eq(tdm_gemm(cpu, TDM_NOTRANS, TDM_TRANS, 1, Xc, Xc, 1, Cc), TDM_OK);
  }
  size_t pending;
  cr_assert_eq(tdm__sim_pending(sim, &pending), TDM_OK);
  cr_assert_eq(pending, 10, "all ten are still queued");
  cr_assert_eq(tdm__sim_hold(sim, 0), TDM_OK);
  cr_assert_eq(tdm_ctx_sync(sim), TDM_OK);
  cr_assert_eq(tdm__sim_pending(sim, &pending), TDM_OK);
  cr_assert_eq(pending, 0, "sync drained the queue");
  ts_read(C, got);
  ts_read(Cc, want);
  for (size_t i = 0; i < n * n; i++) cr_assert(ts_same_bits(got[i], want[i]), "at %zu", i);
  tdm_buf_destroy(X), tdm_buf_destroy(C), tdm_buf_destroy(Xc), tdm_buf_destroy(Cc);
  free(x), free(got), free(want);
  tdm_ctx_destroy(sim);
  tdm_ctx_destroy(cpu);
}

Test(sim, device_memory_starts_as_garbage_and_has_a_capacity) {
  tdm_ctx *sim = ts_ctx(TDM_SIM, 1);
  void *p;
  cr_assert_eq(sim->dev->alloc(sim->dev_st, 4 * sizeof(double), &p), TDM_OK);
  double d[4] = {0};
  cr_assert_eq(sim->dev->d2h(sim->dev_st, d, p, sizeof d), TDM_OK);
  for (int i = 0; i < 4; i++) cr_assert(isnan(d[i]), "fresh device memory is NaN, not zeros");
  sim->dev->free(sim->dev_st, p);
  /* capacity */
  cr_assert_eq(tdm__sim_set_mem_limit(sim, 10000), TDM_OK);
  tdm_buf *X = ts_buf(sim, TDM_F64, 40, 40, NULL), *C = ts_buf(sim, TDM_F64, 40, 40, NULL);
  cr_assert_eq(tdm_crossprod(sim, X, C), TDM_ERR_DEVICE_NOMEM);
  cr_assert(strstr(tdm_last_error(), "tdm_crossprod: sim device: out of device memory for 12800 bytes") ==
                tdm_last_error(), "%s", tdm_last_error());
  cr_assert_eq(tdm__sim_set_mem_limit(sim, 0), TDM_OK);
  cr_assert_eq(tdm_crossprod(sim, X, C), TDM_OK, "works once there is room");
  size_t used;
  cr_assert_eq(tdm__sim_mem_used(sim, &used), TDM_OK);
  cr_assert_eq(used, 2 * 12800);
  tdm_buf_destroy(X), tdm_buf_destroy(C);
  cr_assert_eq(tdm__sim_mem_used(sim, &used), TDM_OK);
  cr_assert_eq(used, 0);
  tdm_ctx_destroy(sim);
  /* the hooks refuse a context without the sim device */
  tdm_ctx *cpu = ts_ctx(TDM_CPU, 1);
  cr_assert_eq(tdm__sim_set_mem_limit(cpu, 1), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "not the sim device"), "%s", tdm_last_error());
  cr_assert_eq(tdm__sim_mem_used(cpu, &used), TDM_ERR_INVALID);
  cr_assert_eq(tdm__sim_hold(cpu, 1), TDM_ERR_INVALID);
  tdm_ctx_destroy(cpu);
}

Test(sim, lanes_have_their_own_queue_and_share_the_device) {
  const size_t n = 32;
  tdm_ctx *sim = ts_ctx(TDM_SIM, 2), *cpu = ts_ctx(TDM_CPU, 1), *gl, *cl;
  cr_assert_eq(tdm__ctx_lane(sim, TDM_LANE_GPU, &gl), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm__ctx_lane(sim, TDM_LANE_CPU, &cl), TDM_OK);
  cr_assert_eq(tdm_ctx_device_backend(gl), TDM_SIM);
  cr_assert_eq(tdm_ctx_device_backend(cl), TDM_CPU);
  ts_rng r;
  ts_seed(&r, 4);
  double *x = malloc(n * n * 8), *got = malloc(n * n * 8), *want = malloc(n * n * 8);
  ts_fill(&r, x, n * n, -1, 1);
  tdm_buf *X = ts_buf(sim, TDM_F64, n, n, x), *C = ts_buf(sim, TDM_F64, n, n, NULL);
  tdm_buf *D = ts_buf(sim, TDM_F64, n, n, NULL);
  tdm_buf *Xc = ts_buf(cpu, TDM_F64, n, n, x), *Cc = ts_buf(cpu, TDM_F64, n, n, NULL);
  cr_assert_eq(tdm__sim_hold(sim, 1), TDM_OK); /* the root queue is held... */
  cr_assert_eq(tdm_crossprod(gl, X, C), TDM_OK);  /* ...the lane's runs */
  cr_assert_eq(tdm_ctx_sync(gl), TDM_OK);
  cr_assert_eq(tdm__sim_hold(sim, 0), TDM_OK);
  ts_read(C, got); /* read through the root: the lane's result is there */
  cr_assert_eq(tdm_crossprod(cpu, Xc, Cc), TDM_OK);
  ts_read(Cc, want);
  cr_assert(memcmp(got, want, n * n * 8) == 0);
  cr_assert_eq(tdm_crossprod(cl, X, D), TDM_OK, "a CPU lane runs on the host");
  tdm_stats s = stats(sim);
  cr_assert_eq(s.device_ops, 1);
  cr_assert_eq(s.cpu_ops, 1, "lanes count into the root's stats");
  cr_assert_eq(s.h2d_count, 1);
  ts_read(D, got);
  cr_assert(memcmp(got, want, n * n * 8) == 0);
  tdm_buf_destroy(X), tdm_buf_destroy(C), tdm_buf_destroy(D);
  tdm_buf_destroy(Xc), tdm_buf_destroy(Cc);
  tdm_ctx_destroy(gl);
  tdm_ctx_destroy(cl);
  cr_assert_eq(tdm_ctx_stats_reset(sim), TDM_OK);
  s = stats(sim);
  cr_assert_eq(s.h2d_count + s.d2h_count + s.cpu_ops + s.device_ops + s.h2d_bytes + s.d2h_bytes, 0);
  free(x), free(got), free(want);
  tdm_ctx_destroy(sim);
  tdm_ctx_destroy(cpu);
}
