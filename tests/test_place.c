/* test_place.c -- TDM_AUTO's per-op placement, on a context backed by the
 * sim device with known speed figures: a small op on host data stays on the
 * CPU; a large GEMM chain runs on the device without moving intermediates;
 * data valid only on the device pulls a small op there; a slow device
 * loses a large op; with placement off everything runs on the device. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx_int.h"
#include "cpu/cpu_int.h"
#include "sim/sim.h"
#include "support/support.h"

/* Host figures are pinned (TDM_CPU_PERF: 16 GB/s, 30 GFLOP/s a core, so
 * 60 GFLOP/s for 2 threads, 2 us per op) instead of measured: a loaded or
 * sanitized build would measure a slow CPU and move the decisions. The
 * device is a PCIe-attached fast GPU. */
static void pin_cpu(void) { setenv("TDM_CPU_PERF", "16,30", 1); }
TestSuite(place, .init = pin_cpu);
static const tdm__perf fast_dev = {
    .h2d_bps = 12e9, .d2h_bps = 12e9, .mem_bps = 1e12, .flops = 1e13, .launch_s = 5e-6};

static tdm_ctx *auto_sim(const tdm__perf *p) {
  tdm_ctx *c = ts_ctx(TDM_SIM, 2);
  cr_assert_eq(tdm__ctx_set_auto(c, 1), TDM_OK);
  cr_assert_eq(tdm__sim_set_perf(c, p), TDM_OK, "%s", tdm_last_error());
  return c;
}

static tdm_stats stats(tdm_ctx *c) {
  tdm_stats s;
  cr_assert_eq(tdm_ctx_stats(c, &s), TDM_OK);
  return s;
}

Test(place, small_op_on_host_data_stays_on_the_cpu) {
  tdm_ctx *ctx = auto_sim(&fast_dev);
  double x[100];
  for (int i = 0; i < 100; i++) x[i] = i;
  tdm_buf *b = ts_buf(ctx, TDM_F64, 100, 1, x), *A = ts_buf(ctx, TDM_F64, 8, 8, x);
  tdm_buf *C = ts_buf(ctx, TDM_F64, 8, 8, NULL);
  tdm_reduce_op op = TDM_SUM;
  double sum;
  cr_assert_eq(tdm_reduce(ctx, b, 1, &op, &sum), TDM_OK);
  cr_assert_eq(sum, 4950.0);
  cr_assert_eq(tdm_gemm(ctx, TDM_TRANS, TDM_NOTRANS, 1, A, A, 0, C), TDM_OK);
  tdm_stats s = stats(ctx);
  cr_assert_eq(s.cpu_ops, 2);
  cr_assert_eq(s.device_ops, 0);
  cr_assert_eq(s.h2d_count + s.d2h_count, 0, "nothing moved");
  tdm_buf_destroy(b), tdm_buf_destroy(A), tdm_buf_destroy(C);
  tdm_ctx_destroy(ctx);
}

Test(place, large_gemm_chain_runs_on_the_device_without_moving_intermediates) {
  const size_t n = 256;
  tdm_ctx *ctx = auto_sim(&fast_dev), *cpu = ts_ctx(TDM_CPU, 2);
  ts_rng r;
  ts_seed(&r, 6);
  double *a = malloc(n * n * 8), *bm = malloc(n * n * 8), *got = malloc(n * n * 8),
         *want = malloc(n * n * 8);
  ts_fill(&r, a, n * n, -1, 1);
  ts_fill(&r, bm, n * n, -1, 1);
  tdm_ctx *cs[2] = {ctx, cpu};
  tdm_buf *bufs[2][5];
  for (int i = 0; i < 2; i++) {
    tdm_buf **B = bufs[i];
    B[0] = ts_buf(cs[i], TDM_F64, n, n, a);
    B[1] = ts_buf(cs[i], TDM_F64, n, n, bm);
    for (int k = 2; k < 5; k++) B[k] = ts_buf(cs[i], TDM_F64, n, n, NULL);
    cr_assert_eq(tdm_gemm(cs[i], TDM_NOTRANS, TDM_NOTRANS, 1, B[0], B[1], 0, B[2]), TDM_OK);
    cr_assert_eq(tdm_gemm(cs[i], TDM_NOTRANS, TDM_NOTRANS, 1, B[2], B[0], 0, B[3]), TDM_OK);
    cr_assert_eq(tdm_crossprod(cs[i], B[3], B[4]), TDM_OK);
  }
  tdm_stats s = stats(ctx);
  cr_assert_eq(s.device_ops, 3, "all three on the device (cpu_ops %llu)",
               (unsigned long long)s.cpu_ops);
  cr_assert_eq(s.cpu_ops, 0);
  cr_assert_eq(s.h2d_count, 2, "A and B went up, once each");
  cr_assert_eq(s.d2h_count, 0, "no intermediate came back");
  ts_read(bufs[0][4], got);
  ts_read(bufs[1][4], want);
  for (size_t i = 0; i < n * n; i++) cr_assert(ts_same_bits(got[i], want[i]), "at %zu", i);
  cr_assert_eq(stats(ctx).d2h_count, 1);
  for (int i = 0; i < 2; i++)
    for (int k = 0; k < 5; k++) tdm_buf_destroy(bufs[i][k]);
  free(a), free(bm), free(got), free(want);
  tdm_ctx_destroy(ctx);
  tdm_ctx_destroy(cpu);
}

Test(place, device_only_data_pulls_a_small_op_to_the_device) {
  const size_t n = 256;
  tdm_ctx *ctx = auto_sim(&fast_dev);
  ts_rng r;
  ts_seed(&r, 7);
  double *x = malloc(n * n * 8);
  ts_fill(&r, x, n * n, -1, 1);
  tdm_buf *X = ts_buf(ctx, TDM_F64, n, n, x), *C = ts_buf(ctx, TDM_F64, n, n, NULL);
  cr_assert_eq(tdm_crossprod(ctx, X, C), TDM_OK); /* large: device; C lives there */
  tdm_stats s0 = stats(ctx);
  cr_assert_eq(s0.device_ops, 1);
  /* on host data this reduction would stay on the CPU; C is on the device only */
  tdm_reduce_op op = TDM_MAX;
  double mx;
  cr_assert_eq(tdm_reduce(ctx, C, 1, &op, &mx), TDM_OK);
  tdm_stats s = stats(ctx);
  cr_assert_eq(s.device_ops, 2, "the reduction followed the data");
  cr_assert_eq(s.cpu_ops, 0);
  cr_assert_eq(s.d2h_count, 1);
  cr_assert_eq(s.d2h_bytes, sizeof(tdm__moments), "only the moments came back, not C");
  /* the same reduction on a host-resident copy stays on the host */
  double *c = malloc(n * n * 8);
  ts_read(C, c);
  tdm_buf *H = ts_buf(ctx, TDM_F64, n, n, c);
  double mx2;
  cr_assert_eq(tdm_reduce(ctx, H, 1, &op, &mx2), TDM_OK);
  cr_assert_eq(stats(ctx).cpu_ops, 1);
  cr_assert_eq(mx, mx2);
  tdm_buf_destroy(X), tdm_buf_destroy(C), tdm_buf_destroy(H);
  free(x), free(c);
  tdm_ctx_destroy(ctx);
}

Test(place, a_slow_device_loses_and_placement_off_means_device) {
  const size_t n = 128;
  const tdm__perf slow = {.h2d_bps = 1e8, .d2h_bps = 1e8, .mem_bps = 1e9, .flops = 1e9,
                          .launch_s = 1e-4};
  tdm_ctx *ctx = auto_sim(&slow);
  tdm_buf *A = ts_buf(ctx, TDM_F64, n, n, NULL), *C = ts_buf(ctx, TDM_F64, n, n, NULL);
  cr_assert_eq(tdm_gemm(ctx, TDM_NOTRANS, TDM_NOTRANS, 1, A, A, 0, C), TDM_OK);
  cr_assert_eq(stats(ctx).cpu_ops, 1, "the slow device loses a 128^3 GEMM");
  cr_assert_eq(tdm__ctx_set_auto(ctx, 0), TDM_OK);
  tdm_reduce_op op = TDM_SUM;
  double s;
  cr_assert_eq(tdm_reduce(ctx, C, 1, &op, &s), TDM_OK);
  cr_assert_eq(stats(ctx).device_ops, 1, "placement off: the plan's device runs everything");
  cr_assert_eq(tdm__sim_set_perf(ctx, NULL), TDM_ERR_INVALID);
  tdm__perf bad = slow;
  bad.flops = 0;
  cr_assert_eq(tdm__sim_set_perf(ctx, &bad), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm__sim_set_perf: p: rates must be > 0"), "%s",
            tdm_last_error());
  cr_assert_eq(tdm__ctx_set_auto(NULL, 1), TDM_ERR_INVALID);
  tdm_buf_destroy(A), tdm_buf_destroy(C);
  tdm_ctx_destroy(ctx);
}

/* The CPU's figures are measured (once per process, each Criterion test is
 * its own process): positive, finite, more threads never slower; and
 * TDM_CPU_PERF sets them exactly. */
Test(place, cpu_figures_are_measured_or_set) {
  unsetenv("TDM_CPU_PERF"); /* measured this time */
  double m1, f1, m2, f2;
  tdm__cpu_rates(1, &m1, &f1);
  tdm__cpu_rates(2, &m2, &f2);
  /* plausible on anything from valgrind (~100x slow) to a large server */
  cr_assert(m1 > 1e6 && m1 < 1e13, "1-thread read bandwidth %g B/s", m1);
  cr_assert(f1 > 1e6 && f1 < 1e13, "1-core DGEMM rate %g flop/s", f1);
  cr_assert(m2 >= m1 && f2 == 2 * f1, "2 threads: %g B/s, %g flop/s", m2, f2);
}

Test(place, cpu_figures_from_the_environment) {
  setenv("TDM_CPU_PERF", "12.5,40", 1);
  double m, f;
  tdm__cpu_rates(4, &m, &f);
  cr_assert_eq(m, 12.5e9, "TDM_CPU_PERF's bandwidth caps the read rate: %g", m);
  cr_assert_eq(f, 160e9, "4 cores x 40 GFLOP/s: %g", f);
}
