/* test_cuda_ops.c -- every op of the CUDA module's host code on the fake
 * GPU (tests/cuda_fake.h), checked against serial long-double references:
 * the module passes the right shapes, transposes, scalars and pointers,
 * copies back only results, stages large transfers in chunks, registers
 * large host ranges, orders task lanes, and caches its bandwidth figures. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/tandem.h"

#include "support/support.h"

#ifndef TDM_TEST_CUDA_MODULE
Test(cuda_ops, not_built) {
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

static void fill(double *x, size_t n, double lo, double hi, uint64_t seed) {
  uint64_t u = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; i++) {
    u = u * 6364136223846793005ull + 1442695040888963407ull;
    x[i] = lo + (hi - lo) * ((double)(u >> 11) / 9007199254740992.0);
  }
}


static void get(tdm_buf *b, double *out) {
  size_t n = tdm_buf_rows(b) * tdm_buf_cols(b);
  if (tdm_buf_dtype(b) == TDM_F64) {
    cr_assert_eq(tdm_buf_read(b, out), TDM_OK, "%s", tdm_last_error());
    return;
  }
  float *f = malloc(n * sizeof *f);
  cr_assert_eq(tdm_buf_read(b, f), TDM_OK, "%s", tdm_last_error());
  for (size_t i = 0; i < n; i++) out[i] = f[i];
  free(f);
}

Test(cuda_ops, reduce_copies_back_only_the_result) {
  fake_install();
  tdm_ctx *c = cuda_ctx();
  enum { N = 1001 };
  double x[N];
  fill(x, N, 1e6, 1e6 + 3, 1);
  for (int d = 0; d < 2; d++) {
    tdm_dtype dt = d ? TDM_F32 : TDM_F64;
    tdm_buf *X = ts_buf(c, dt, N, 1, x);
    double xs[N];
    get(X, xs); /* the values as stored (rounded for F32) */
    tdm_ctx_stats_reset(c);
    tdm_reduce_op ops[6] = {TDM_SUM, TDM_MEAN, TDM_MIN, TDM_MAX, TDM_VAR, TDM_SD};
    double out[6];
    cr_assert_eq(tdm_reduce(c, X, 6, ops, out), TDM_OK, "%s", tdm_last_error());
    long double s = 0, q = 0, mn = xs[0], mx = xs[0];
    for (int i = 0; i < N; i++) s += xs[i], mn = xs[i] < mn ? xs[i] : mn, mx = xs[i] > mx ? xs[i] : mx;
    for (int i = 0; i < N; i++) q += (xs[i] - s / N) * (xs[i] - s / N);
    double ref[6] = {(double)s, (double)(s / N), (double)mn, (double)mx, (double)(q / (N - 1)),
                     sqrt((double)(q / (N - 1)))};
    for (int i = 0; i < 6; i++) cr_assert_float_eq(out[i], ref[i], 1e-9 * fabs(ref[i]) + 1e-12, "op %d", i);
    tdm_stats st;
    tdm_ctx_stats(c, &st);
    cr_assert_eq(st.h2d_count, 1);
    cr_assert_eq(st.d2h_count, 1, "only the moments come back");
    cr_assert_eq(st.d2h_bytes, sizeof(tdm__moments));
    cr_assert_eq(st.device_ops, 1);
    tdm_buf_destroy(X);
  }
  tdm_ctx_destroy(c);
  fake_assert_clean();
}

Test(cuda_ops, group_reduce_and_bad_ids) {
  fake_install();
  tdm_ctx *c = cuda_ctx();
  enum { N = 300, G = 7 };
  double x[N], gd[N];
  int32_t g[N];
  fill(x, N, -5, 5, 2);
  fill(gd, N, 0, G - 1, 3); /* group 6 stays empty */
  for (int i = 0; i < N; i++) g[i] = (int32_t)gd[i];
  tdm_buf *X = ts_buf(c, TDM_F64, N, 1, x), *Gb, *O;
  cr_assert_eq(tdm_buf_create(c, TDM_I32, N, 1, &Gb), TDM_OK);
  cr_assert_eq(tdm_buf_write(Gb, g), TDM_OK);
  cr_assert_eq(tdm_buf_create(c, TDM_F64, G, 1, &O), TDM_OK);
  for (int op = TDM_SUM; op <= TDM_SD; op++) {
    cr_assert_eq(tdm_group_reduce(c, X, Gb, G, (tdm_reduce_op)op, O), TDM_OK, "%s", tdm_last_error());
    double out[G];
    get(O, out);
    for (int k = 0; k < G; k++) {
      long double n = 0, s = 0, q = 0, mn = INFINITY, mx = -INFINITY;
      for (int i = 0; i < N; i++)
        if (g[i] == k) n++, s += x[i], mn = x[i] < mn ? x[i] : mn, mx = x[i] > mx ? x[i] : mx;
      for (int i = 0; i < N; i++)
        if (g[i] == k) q += (x[i] - s / n) * (x[i] - s / n);
      double want[6] = {(double)s, (double)(s / n), (double)mn, (double)mx, (double)(q / (n - 1)),
                        sqrt((double)(q / (n - 1)))};
      if (n == 0) cr_assert(isnan(out[k]), "empty group %d gives NaN", k);
      else cr_assert_float_eq(out[k], want[op], 1e-12 * (1 + fabs(want[op])), "op %d group %d", op, k);
    }
  }
  g[17] = G + 2;
  cr_assert_eq(tdm_buf_write(Gb, g), TDM_OK);
  cr_assert_eq(tdm_group_reduce(c, X, Gb, G, TDM_SUM, O), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_group_reduce: groups: element 17 is 9, outside [0, 7)"), "%s",
            tdm_last_error());
  tdm_buf_destroy(X), tdm_buf_destroy(Gb), tdm_buf_destroy(O);
  tdm_ctx_destroy(c);
  fake_assert_clean();
}

Test(cuda_ops, gemm_every_transpose_and_dtype) {
  fake_install();
  tdm_ctx *c = cuda_ctx();
  enum { M = 5, K = 7, N = 3 };
  double a[M * K], b[K * N], c0[M * N], out[M * N];
  fill(a, M * K, -1, 1, 4), fill(b, K * N, -1, 1, 5), fill(c0, M * N, -1, 1, 6);
  for (int d = 0; d < 2; d++)
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++) {
        tdm_dtype dt = d ? TDM_F32 : TDM_F64;
        tdm_buf *A = ta ? ts_buf(c, dt, K, M, a) : ts_buf(c, dt, M, K, a);
        tdm_buf *B = tb ? ts_buf(c, dt, N, K, b) : ts_buf(c, dt, K, N, b);
        tdm_buf *C = ts_buf(c, dt, M, N, c0);
        cr_assert_eq(tdm_gemm(c, ta, tb, 0.5, A, B, 2.0, C), TDM_OK, "%s", tdm_last_error());
        get(C, out);
        for (int i = 0; i < M; i++)
          for (int j = 0; j < N; j++) {
            long double r = 0;
            for (int k = 0; k < K; k++)
              r += (long double)(ta ? a[k + i * K] : a[i + k * M]) * (tb ? b[j + k * N] : b[k + j * K]);
            double want = (double)(0.5L * r + 2.0L * c0[i + j * M]);
            cr_assert_float_eq(out[i + j * M], want, d ? 1e-5 : 1e-13, "dt %d ta %d tb %d (%d,%d)", d, ta, tb, i, j);
          }
        tdm_buf_destroy(A), tdm_buf_destroy(B), tdm_buf_destroy(C);
      }
  cr_assert_eq(fk.math_mode, CUBLAS_DEFAULT_MATH, "F32 GEMM in full FP32 by default");
  tdm_ctx_destroy(c);
  fake_assert_clean();
}

/* X'X, its Cholesky factor and a solve, as a chain on the device: only
 * X and B go up, only the solution comes back. */
Test(cuda_ops, crossprod_cholesky_solve_chain) {
  fake_install();
  tdm_ctx *c = cuda_ctx();
  enum { N = 40, P = 6, R = 2 };
  double x[N * P], b[P * R], xtx[P * P], r[P * P], sol[P * R];
  fill(x, N * P, -1, 1, 7), fill(b, P * R, -1, 1, 8);
  tdm_buf *X = ts_buf(c, TDM_F64, N, P, x), *C, *Rb, *B = ts_buf(c, TDM_F64, P, R, b);
  cr_assert_eq(tdm_buf_create(c, TDM_F64, P, P, &C), TDM_OK);
  cr_assert_eq(tdm_buf_create(c, TDM_F64, P, P, &Rb), TDM_OK);
  tdm_ctx_stats_reset(c);
  cr_assert_eq(tdm_crossprod(c, X, C), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_gemm(c, TDM_TRANS, TDM_NOTRANS, 1.0, X, X, 0.0, Rb), TDM_OK); /* a copy of X'X */
  cr_assert_eq(tdm_cholesky(c, Rb), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_solve_spd(c, C, B), TDM_OK, "%s", tdm_last_error());
  get(B, sol);
  tdm_stats st;
  tdm_ctx_stats(c, &st);
  cr_assert_eq(st.h2d_count, 2, "X and B go up once each");
  cr_assert_eq(st.d2h_count, 1, "only the solution comes back");
  cr_assert_eq(st.device_ops, 4);
  get(C, xtx); /* now R, from solve_spd */
  get(Rb, r);
  for (int j = 0; j < P; j++)
    for (int i = 0; i < P; i++) {
      cr_assert_float_eq(r[i + j * P], xtx[i + j * P], 1e-12, "cholesky and solve_spd give one R");
      if (i > j) cr_assert_eq(r[i + j * P], 0.0, "below the diagonal is zeroed");
      long double g = 0, rr = 0; /* (X'X)_ij and (R'R)_ij */
      for (int k = 0; k < N; k++) g += (long double)x[k + i * N] * x[k + j * N];
      for (int k = 0; k < P; k++) rr += (long double)r[k + i * P] * r[k + j * P];
      cr_assert_float_eq((double)rr, (double)g, 1e-11 * (1 + fabsl(g)), "R'R = X'X at (%d,%d)", i, j);
    }
  for (int k = 0; k < R; k++) /* X'X sol = b */
    for (int i = 0; i < P; i++) {
      long double acc = 0;
      for (int j = 0; j < P; j++) {
        long double g = 0;
        for (int t = 0; t < N; t++) g += (long double)x[t + i * N] * x[t + j * N];
        acc += g * sol[j + k * P];
      }
      cr_assert_float_eq((double)acc, b[i + k * P], 1e-10, "residual row %d rhs %d", i, k);
    }
  tdm_buf_destroy(X), tdm_buf_destroy(C), tdm_buf_destroy(Rb), tdm_buf_destroy(B);
  tdm_ctx_destroy(c);
  fake_assert_clean();
}

Test(cuda_ops, large_transfers_staged_in_chunks) {
  fake_install();
  tdm_ctx *c = cuda_ctx();
  size_t n = 3u << 20; /* 24 MiB of F64: three 8 MiB staging chunks */
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
  for (size_t i = 0; i < n; i++) x[i] = (double)i;
  tdm_buf *X, *Y;
  cr_assert_eq(tdm_buf_wrap(c, TDM_F64, n, 1, x, &X), TDM_OK);
  cr_assert_eq(tdm_buf_create(c, TDM_F64, n, 1, &Y), TDM_OK);
  long h0 = fk.h2d_copies, d0 = fk.d2h_copies, p0 = fk.pinned_allocs;
  double one = 1;
  tdm_buf *S = ts_buf(c, TDM_F64, 1, 1, &one);
  /* Y = X * 1 (an n x 1 by 1 x 1 product): X up, Y down */
  cr_assert_eq(tdm_gemm(c, TDM_NOTRANS, TDM_NOTRANS, 1.0, X, S, 0.0, Y), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_read(Y, y), TDM_OK);
  cr_assert_arr_eq(x, y, n * sizeof *x);
  cr_assert_eq(fk.h2d_copies - h0, 3 + 1, "X in three chunks, then S");
  cr_assert_eq(fk.d2h_copies - d0, 3, "Y in three chunks");
  cr_assert_eq(fk.pinned_allocs - p0, 2, "two staging buffers, allocated once");
  cr_assert_eq(fk.registers, 0, "below TDM_CUDA_PIN_MIN (64 MiB): no registration");
  tdm_buf_destroy(X), tdm_buf_destroy(Y), tdm_buf_destroy(S);
  tdm_ctx_destroy(c);
  free(x), free(y);
  fake_assert_clean();
}

Test(cuda_ops, large_host_ranges_registered_once) {
  fake_install();
  setenv("TDM_CUDA_PIN_MIN", "1048576", 1);
  tdm_ctx *c = cuda_ctx();
  size_t n = 1u << 18; /* 2 MiB */
  double *x = malloc(n * sizeof *x);
  fill(x, n, 0, 1, 9);
  tdm_buf *X;
  cr_assert_eq(tdm_buf_wrap(c, TDM_F64, n, 1, x, &X), TDM_OK);
  tdm_reduce_op op = TDM_SUM;
  double s1, s2;
  long h0 = fk.h2d_copies;
  cr_assert_eq(tdm_reduce(c, X, 1, &op, &s1), TDM_OK);
  cr_assert_eq(tdm_buf_write(X, x), TDM_OK); /* host copy current again: next op uploads */
  cr_assert_eq(tdm_reduce(c, X, 1, &op, &s2), TDM_OK);
  cr_assert_eq(fk.h2d_copies - h0, 2, "one direct copy each time");
  cr_assert_eq(fk.registers, 1, "registered at the first transfer only");
  cr_assert_eq(fk.regs_live, 1);
  cr_assert_eq(s1, s2);
  tdm_buf_destroy(X);
  cr_assert_eq(fk.regs_live, 0, "unregistered with its device allocation");
  tdm_ctx_destroy(c);
  free(x);
  unsetenv("TDM_CUDA_PIN_MIN");
  fake_assert_clean();
}

Test(cuda_ops, lanes_wait_for_root_and_finish_each_op) {
  fake_install();
  tdm_ctx *c = cuda_ctx(), *lane;
  cr_assert_eq(tdm__ctx_lane(c, TDM_LANE_GPU, &lane), TDM_OK, "%s", tdm_last_error());
  double a[16], out[16];
  fill(a, 16, -1, 1, 10);
  tdm_buf *A = ts_buf(c, TDM_F64, 4, 4, a), *C;
  cr_assert_eq(tdm_buf_create(c, TDM_F64, 4, 4, &C), TDM_OK);
  long w0 = fk.waits, s0 = fk.syncs;
  cr_assert_eq(tdm_gemm(lane, TDM_TRANS, TDM_NOTRANS, 1.0, A, A, 0.0, C), TDM_OK, "%s", tdm_last_error());
  cr_assert_geq(fk.waits - w0, 1, "the lane's stream waited on the root's tail");
  cr_assert_geq(fk.syncs - s0, 1, "the lane finished its op before returning");
  get(C, out);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      double r = 0;
      for (int k = 0; k < 4; k++) r += a[k + i * 4] * a[k + j * 4];
      cr_assert_float_eq(out[i + j * 4], r, 1e-14);
    }
  cr_assert_eq(fk.blas_live, 1, "handles are made at first use, per state");
  tdm_ctx_destroy(lane);
  cr_assert_eq(fk.blas_live, 0);
  tdm_buf_destroy(A), tdm_buf_destroy(C);
  tdm_ctx_destroy(c);
  fake_assert_clean();
}

Test(cuda_ops, perf_measured_once_and_tf32_opt_in) {
  fake_install();
  setenv("TDM_TF32", "1", 1);
  tdm_ctx *c = cuda_ctx();
  tdm__perf p1, p2;
  cr_assert_eq(c->dev->perf(c->dev_st, &p1), TDM_OK);
  long pinned = fk.pinned_allocs;
  cr_assert_eq(c->dev->perf(c->dev_st, &p2), TDM_OK);
  cr_assert_eq(fk.pinned_allocs, pinned, "bandwidth calibrated once per process");
  double bw = 3.0 * (64 << 20) / 5e-3; /* three 64 MiB copies in the fake's 5 ms */
  cr_assert_float_eq(p1.h2d_bps, bw, 1e-6 * bw);
  cr_assert_float_eq(p1.d2h_bps, bw, 1e-6 * bw);
  cr_assert_float_eq(p1.mem_bps, 2.0 * 1e9 * 4096 / 8, 1.0, "2 x memory clock x bus width");
  cr_assert_float_eq(p1.flops, 4 * 1.5e9 * 256, 1.0, "SMs x clock x F64 rate of sm_90");
  cr_assert_eq(memcmp(&p1, &p2, sizeof p1), 0);
  tdm_buf *A, *C;
  cr_assert_eq(tdm_buf_create(c, TDM_F32, 2, 2, &A), TDM_OK);
  cr_assert_eq(tdm_buf_create(c, TDM_F32, 2, 2, &C), TDM_OK);
  cr_assert_eq(tdm_gemm(c, TDM_NOTRANS, TDM_NOTRANS, 1.0, A, A, 0.0, C), TDM_OK);
  cr_assert_eq(fk.math_mode, CUBLAS_TF32_TENSOR_OP_MATH, "TDM_TF32=1 allows TF32");
  tdm_buf_destroy(A), tdm_buf_destroy(C);
  tdm_ctx_destroy(c);
  unsetenv("TDM_TF32");
  fake_assert_clean();
}

static const tdm__rng_req *seen_req;
static int fake_rng(const tdm__rng_req *req, void *out, void *stream) {
  (void)stream;
  seen_req = req;
  memset(out, 0, req->n * sizeof(uint32_t));
  return req->n == 13 ? cudaErrorLaunchFailure : 0;
}

Test(cuda_ops, rng_launcher_plugged_in) {
  fake_install();
  tdm_ctx *c = cuda_ctx();
  void *d;
  cr_assert_eq(c->dev->alloc(c->dev_st, 64, &d), TDM_OK);
  tdm__rng_req req = {TDM__RNG_BITS, TDM_U32, 16, 1, 2, 0, {0}};
  fk_calls->kRngFill = fake_rng;
  cr_assert_eq(c->dev->rng_fill(c->dev_st, &req, d), TDM_OK);
  cr_assert_eq(seen_req, &req);
  req.n = 13;
  cr_assert_eq(c->dev->rng_fill(c->dev_st, &req, d), TDM_ERR_BACKEND);
  cr_assert(strstr(tdm_last_error(), "tdmk_rng_fill"), "%s", tdm_last_error());
  c->dev->free(c->dev_st, d);
  tdm_ctx_destroy(c);
  fake_assert_clean();
}
#endif
