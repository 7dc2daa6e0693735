/* test_gpu_ops.c -- on a CUDA device, every op of the CUDA backend against
 * the CPU backend on the same fresh random inputs. Tolerances (relative,
 * Frobenius norm unless said): reductions 1e-12 for F64 and F32 data
 * (both accumulate in double; only the order differs), min/max exact;
 * F64 VAR of data offset by 1e9 within 1e-6 of a long-double reference;
 * GEMM F64 1e-12, F32 1e-5 (full FP32: TF32 would be ~1e-3); crossprod,
 * Cholesky and solve 1e-10 (F64) and 1e-4 (F32). Skips without a device. */
#include "gpu_common.h"

Test(gpu_ops, reduce_matches_cpu, .timeout = 120) {
  tdm_ctx *g = gpu_ctx(), *c = cpu_ctx();
  const size_t sizes[] = {1, 7, 4097, 1000003};
  tdm_reduce_op ops[6] = {TDM_SUM, TDM_MEAN, TDM_MIN, TDM_MAX, TDM_VAR, TDM_SD};
  for (int d = 0; d < 2; d++)
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
      size_t n = sizes[si];
      tdm_dtype dt = d ? TDM_F32 : TDM_F64;
      double *x = malloc(n * sizeof *x);
      gpu_fill(x, n, -3, 5);
      tdm_buf *xg = ts_buf(g, dt, n, 1, x), *xc = ts_buf(c, dt, n, 1, x);
      double og[6], oc[6];
      cr_assert_eq(tdm_reduce(g, xg, 6, ops, og), TDM_OK, "%s", tdm_last_error());
      cr_assert_eq(tdm_reduce(c, xc, 6, ops, oc), TDM_OK, "%s", tdm_last_error());
      for (int i = 0; i < 6; i++) {
        if (n == 1 && (ops[i] == TDM_VAR || ops[i] == TDM_SD)) {
          cr_assert(isnan(og[i]), "VAR of one value is NaN");
          continue;
        }
        if (ops[i] == TDM_MIN || ops[i] == TDM_MAX) cr_assert_eq(og[i], oc[i], "n %zu op %d", n, i);
        else cr_assert_float_eq(og[i], oc[i], 1e-12 * fabs(oc[i]) + 1e-300, "dt %d n %zu op %d", d, n, i);
      }
      /* each subset of statistics alone gives the same numbers */
      for (int i = 0; i < 6; i++) {
        double one;
        cr_assert_eq(tdm_reduce(g, xg, 1, &ops[i], &one), TDM_OK);
        if (!isnan(og[i])) cr_assert_eq(one, og[i], "op %d alone", i);
      }
      tdm_buf_destroy(xg), tdm_buf_destroy(xc), free(x);
    }
  tdm_ctx_destroy(g), tdm_ctx_destroy(c);
}

Test(gpu_ops, reduce_stable_and_nan) {
  tdm_ctx *g = gpu_ctx();
  size_t n = 1 << 20;
  double *x = malloc(n * sizeof *x);
  gpu_fill(x, n, -1, 1);
  for (size_t i = 0; i < n; i++) x[i] += 1e9;
  long double s = 0, q = 0;
  for (size_t i = 0; i < n; i++) s += x[i];
  long double mean = s / n;
  for (size_t i = 0; i < n; i++) q += (x[i] - mean) * (x[i] - mean);
  double ref = (double)(q / (n - 1)), var;
  tdm_buf *b = ts_buf(g, TDM_F64, n, 1, x);
  tdm_reduce_op op = TDM_VAR;
  cr_assert_eq(tdm_reduce(g, b, 1, &op, &var), TDM_OK, "%s", tdm_last_error());
  cr_assert_float_eq(var, ref, 1e-6 * ref, "VAR offset by 1e9: %.17g vs %.17g", var, ref);
  x[12345] = NAN;
  cr_assert_eq(tdm_buf_write(b, x), TDM_OK);
  tdm_reduce_op all[4] = {TDM_SUM, TDM_MIN, TDM_MAX, TDM_VAR};
  double o[4];
  cr_assert_eq(tdm_reduce(g, b, 4, all, o), TDM_OK);
  for (int i = 0; i < 4; i++) cr_assert(isnan(o[i]), "NaN propagates into op %d", i);
  tdm_buf_destroy(b), free(x);
  tdm_ctx_destroy(g);
}

Test(gpu_ops, group_reduce_matches_cpu, .timeout = 120) {
  tdm_ctx *g = gpu_ctx(), *c = cpu_ctx();
  size_t n = 200003, G = 1000;
  double *x = malloc(n * sizeof *x), *gd = malloc(n * sizeof *gd);
  int32_t *id = malloc(n * sizeof *id);
  gpu_fill(x, n, -2, 2), gpu_fill(gd, n, 0, G - 1); /* group G-1 stays empty */
  for (size_t i = 0; i < n; i++) id[i] = (int32_t)gd[i];
  for (int d = 0; d < 2; d++) {
    tdm_dtype dt = d ? TDM_F32 : TDM_F64;
    tdm_buf *xg = ts_buf(g, dt, n, 1, x), *xc = ts_buf(c, dt, n, 1, x), *ig, *ic;
    tdm_buf *og = ts_buf(g, TDM_F64, G, 1, NULL), *oc = ts_buf(c, TDM_F64, G, 1, NULL);
    cr_assert_eq(tdm_buf_create(g, TDM_I32, n, 1, &ig), TDM_OK);
    cr_assert_eq(tdm_buf_create(c, TDM_I32, n, 1, &ic), TDM_OK);
    cr_assert_eq(tdm_buf_write(ig, id), TDM_OK);
    cr_assert_eq(tdm_buf_write(ic, id), TDM_OK);
    for (int op = TDM_SUM; op <= TDM_SD; op++) {
      cr_assert_eq(tdm_group_reduce(g, xg, ig, G, op, og), TDM_OK, "%s", tdm_last_error());
      cr_assert_eq(tdm_group_reduce(c, xc, ic, G, op, oc), TDM_OK, "%s", tdm_last_error());
      double *rg = gpu_read(og), *rc = gpu_read(oc);
      for (size_t k = 0; k < G; k++) {
        if (isnan(rc[k])) cr_assert(isnan(rg[k]), "group %zu: NaN on both", k);
        else cr_assert_float_eq(rg[k], rc[k], 1e-11 * (1 + fabs(rc[k])), "dt %d op %d group %zu", d, op, k);
      }
      free(rg), free(rc);
    }
    tdm_buf_destroy(xg), tdm_buf_destroy(xc), tdm_buf_destroy(ig), tdm_buf_destroy(ic);
    tdm_buf_destroy(og), tdm_buf_destroy(oc);
  }
  id[777] = -1;
  tdm_buf *xg = ts_buf(g, TDM_F64, n, 1, x), *ig, *og = ts_buf(g, TDM_F64, G, 1, NULL);
  cr_assert_eq(tdm_buf_create(g, TDM_I32, n, 1, &ig), TDM_OK);
  cr_assert_eq(tdm_buf_write(ig, id), TDM_OK);
  cr_assert_eq(tdm_group_reduce(g, xg, ig, G, TDM_MEAN, og), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "element 777 is -1"), "%s", tdm_last_error());
  tdm_buf_destroy(xg), tdm_buf_destroy(ig), tdm_buf_destroy(og);
  free(x), free(gd), free(id);
  tdm_ctx_destroy(g), tdm_ctx_destroy(c);
}

Test(gpu_ops, gemm_matches_cpu_full_fp32, .timeout = 120) {
  tdm_ctx *g = gpu_ctx(), *c = cpu_ctx();
  size_t M = 301, K = 257, N = 129;
  double *a = malloc(M * K * sizeof *a), *b = malloc(K * N * sizeof *b), *c0 = malloc(M * N * sizeof *c0);
  for (int d = 0; d < 2; d++)
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++) {
        tdm_dtype dt = d ? TDM_F32 : TDM_F64;
        gpu_fill(a, M * K, -1, 1), gpu_fill(b, K * N, -1, 1), gpu_fill(c0, M * N, -1, 1);
        tdm_buf *A[2], *B[2], *C[2];
        tdm_ctx *cx[2] = {g, c};
        for (int s = 0; s < 2; s++) {
          A[s] = ta ? ts_buf(cx[s], dt, K, M, a) : ts_buf(cx[s], dt, M, K, a);
          B[s] = tb ? ts_buf(cx[s], dt, N, K, b) : ts_buf(cx[s], dt, K, N, b);
          C[s] = ts_buf(cx[s], dt, M, N, c0);
          cr_assert_eq(tdm_gemm(cx[s], ta, tb, -0.75, A[s], B[s], 0.5, C[s]), TDM_OK, "%s", tdm_last_error());
        }
        double *rg = gpu_read(C[0]), *rc = gpu_read(C[1]);
        double e = gpu_relerr(rg, rc, M * N);
        cr_assert_lt(e, d ? 1e-5 : 1e-12, "dt %d ta %d tb %d: relative error %g", d, ta, tb, e);
        free(rg), free(rc);
        for (int s = 0; s < 2; s++) tdm_buf_destroy(A[s]), tdm_buf_destroy(B[s]), tdm_buf_destroy(C[s]);
      }
  free(a), free(b), free(c0);
  tdm_ctx_destroy(g), tdm_ctx_destroy(c);
}

Test(gpu_ops, crossprod_cholesky_solve_match_cpu, .timeout = 120) {
  tdm_ctx *g = gpu_ctx(), *c = cpu_ctx();
  size_t n = 1000, p = 67, r = 3; /* p not a multiple of the 32-wide tiles */
  double *x = malloc(n * p * sizeof *x), *b = malloc(p * r * sizeof *b);
  for (int d = 0; d < 2; d++) {
    tdm_dtype dt = d ? TDM_F32 : TDM_F64;
    double tol = d ? 1e-4 : 1e-10;
    gpu_fill(x, n * p, -1, 1), gpu_fill(b, p * r, -1, 1);
    tdm_buf *X[2], *C[2], *R[2], *B[2];
    tdm_ctx *cx[2] = {g, c};
    for (int s = 0; s < 2; s++) {
      X[s] = ts_buf(cx[s], dt, n, p, x);
      C[s] = ts_buf(cx[s], dt, p, p, NULL);
      R[s] = ts_buf(cx[s], dt, p, p, NULL);
      B[s] = ts_buf(cx[s], dt, p, r, b);
      cr_assert_eq(tdm_crossprod(cx[s], X[s], C[s]), TDM_OK, "%s", tdm_last_error());
      cr_assert_eq(tdm_crossprod(cx[s], X[s], R[s]), TDM_OK);
    }
    double *cg = gpu_read(C[0]), *cc = gpu_read(C[1]);
    cr_assert_lt(gpu_relerr(cg, cc, p * p), tol, "crossprod dt %d", d);
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) cr_assert_eq(cg[i + j * p], cg[j + i * p], "symmetric at %zu,%zu", i, j);
    for (int s = 0; s < 2; s++) {
      cr_assert_eq(tdm_cholesky(cx[s], R[s]), TDM_OK, "%s", tdm_last_error());
      cr_assert_eq(tdm_solve_spd(cx[s], C[s], B[s]), TDM_OK, "%s", tdm_last_error());
    }
    double *rg = gpu_read(R[0]), *rc = gpu_read(R[1]), *bg = gpu_read(B[0]), *bc = gpu_read(B[1]);
    cr_assert_lt(gpu_relerr(rg, rc, p * p), tol, "cholesky dt %d", d);
    cr_assert_lt(gpu_relerr(bg, bc, p * r), 100 * tol, "solve dt %d", d);
    for (size_t j = 0; j < p; j++)
      for (size_t i = j + 1; i < p; i++) cr_assert_eq(rg[i + j * p], 0.0, "lower part zeroed");
    free(cg), free(cc), free(rg), free(rc), free(bg), free(bc);
    for (int s = 0; s < 2; s++)
      tdm_buf_destroy(X[s]), tdm_buf_destroy(C[s]), tdm_buf_destroy(R[s]), tdm_buf_destroy(B[s]);
  }
  double m[9] = {1, 2, 3, 2, 1, 4, 3, 4, 1};
  tdm_buf *M = ts_buf(g, TDM_F64, 3, 3, m);
  cr_assert_eq(tdm_cholesky(g, M), TDM_ERR_NUMERIC);
  cr_assert(strstr(tdm_last_error(), "not positive definite"), "%s", tdm_last_error());
  tdm_buf_destroy(M);
  free(x), free(b);
  tdm_ctx_destroy(g), tdm_ctx_destroy(c);
}
