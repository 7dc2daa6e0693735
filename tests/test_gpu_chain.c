/* test_gpu_chain.c -- on a CUDA device: a chain of device ops moves only
 * its inputs and its result (tdm_ctx_stats); transfers round-trip exactly
 * through the staged and the registered paths; device out-of-memory is
 * TDM_ERR_DEVICE_NOMEM with inputs still readable; a task lane reads what
 * the root wrote and the root reads what the lane wrote. Skips without a
 * device. */
#include <pthread.h>

#include "core/ctx_int.h"
#include "gpu_common.h"

Test(gpu_chain, moves_only_input_and_result, .timeout = 120) {
  tdm_ctx *g = gpu_ctx();
  size_t n = 20000, p = 100;
  double *x = malloc(n * p * sizeof *x), *y = malloc(n * sizeof *y);
  gpu_fill(x, n * p, -1, 1), gpu_fill(y, n, -1, 1);
  tdm_buf *X = ts_buf(g, TDM_F64, n, p, x), *Y = ts_buf(g, TDM_F64, n, 1, y);
  tdm_buf *XtX = ts_buf(g, TDM_F64, p, p, NULL), *Xty = ts_buf(g, TDM_F64, p, 1, NULL);
  tdm_buf *Fit = ts_buf(g, TDM_F64, n, 1, NULL);
  tdm_ctx_stats_reset(g);
  cr_assert_eq(tdm_crossprod(g, X, XtX), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_gemm(g, TDM_TRANS, TDM_NOTRANS, 1.0, X, Y, 0.0, Xty), TDM_OK);
  cr_assert_eq(tdm_solve_spd(g, XtX, Xty), TDM_OK, "%s", tdm_last_error()); /* beta in Xty */
  cr_assert_eq(tdm_gemm(g, TDM_NOTRANS, TDM_NOTRANS, 1.0, X, Xty, 0.0, Fit), TDM_OK);
  tdm_reduce_op op = TDM_VAR;
  double v;
  cr_assert_eq(tdm_reduce(g, Fit, 1, &op, &v), TDM_OK);
  double *beta = gpu_read(Xty);
  tdm_stats st;
  cr_assert_eq(tdm_ctx_stats(g, &st), TDM_OK);
  cr_assert_eq(st.h2d_count, 2, "X and y go up once each");
  cr_assert_eq(st.h2d_bytes, (n * p + n) * sizeof(double));
  cr_assert_eq(st.d2h_count, 2, "the reduction's moments and beta come back, nothing else");
  cr_assert_eq(st.d2h_bytes, sizeof(double) * p + 48);
  cr_assert_eq(st.device_ops, 5);
  cr_assert_eq(st.cpu_ops, 0);
  /* beta solves the normal equations: X'(y - X beta) ~ 0 */
  for (size_t j = 0; j < p; j += 17) {
    long double r = 0, s = 0;
    for (size_t i = 0; i < n; i++) {
      long double f = 0;
      for (size_t k = 0; k < p; k++) f += (long double)x[i + k * n] * beta[k];
      r += x[i + j * n] * (y[i] - f);
      s += fabsl(x[i + j * n] * y[i]);
    }
    cr_assert_lt(fabsl(r), 1e-9 * s, "normal equation %zu", j);
  }
  free(beta), free(x), free(y);
  tdm_buf_destroy(X), tdm_buf_destroy(Y), tdm_buf_destroy(XtX), tdm_buf_destroy(Xty), tdm_buf_destroy(Fit);
  tdm_ctx_destroy(g);
}

/* 10 MiB goes through pinned staging; 96 MiB (over TDM_CUDA_PIN_MIN's
 * 64 MiB default) is registered and copied directly. */
Test(gpu_chain, transfers_round_trip, .timeout = 120) {
  tdm_ctx *g = gpu_ctx();
  const size_t sizes[] = {(size_t)10 << 17, (size_t)12 << 20, 1, 3};
  for (size_t si = 0; si < 4; si++) {
    size_t n = sizes[si];
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), one = 1;
    gpu_fill(x, n, -1e3, 1e3);
    tdm_buf *X, *Y = ts_buf(g, TDM_F64, n, 1, NULL), *S = ts_buf(g, TDM_F64, 1, 1, &one);
    cr_assert_eq(tdm_buf_wrap(g, TDM_F64, n, 1, x, &X), TDM_OK);
    for (int rep = 0; rep < 2; rep++) {
      cr_assert_eq(tdm_gemm(g, TDM_NOTRANS, TDM_NOTRANS, 1.0, X, S, 0.0, Y), TDM_OK, "%s", tdm_last_error());
      memset(y, 0, n * sizeof *y);
      cr_assert_eq(tdm_buf_read(Y, y), TDM_OK, "%s", tdm_last_error());
      cr_assert_arr_eq(y, x, n * sizeof *x, "n %zu rep %d", n, rep);
      gpu_fill(x, n, -1e3, 1e3);
      cr_assert_eq(tdm_buf_write(X, x), TDM_OK); /* new host data: uploaded again */
    }
    tdm_buf_destroy(X), tdm_buf_destroy(Y), tdm_buf_destroy(S);
    free(x), free(y);
  }
  tdm_ctx_destroy(g);
}

Test(gpu_chain, device_oom_is_a_status, .timeout = 120) {
  if (gpu_sim_mode()) cr_skip_test("the sim device has no memory limit");
  tdm_ctx *g = gpu_ctx();
  /* Fill the device with a never-written buffer (zeroed there, no host copy). */
  size_t big = (size_t)1 << 37; /* 128 GiB of F64 in chunks until the device says no */
  tdm_buf *hog[64] = {0};
  int nh = 0;
  tdm_reduce_op op = TDM_SUM;
  double s;
  tdm_status st = TDM_OK;
  for (size_t chunk = big / 8; nh < 64 && chunk >= ((size_t)1 << 24);) {
    cr_assert_eq(tdm_buf_create(g, TDM_F64, chunk, 1, &hog[nh]), TDM_OK);
    st = tdm_reduce(g, hog[nh], 1, &op, &s);
    if (st == TDM_OK) {
      nh++;
    } else {
      cr_assert_eq(st, TDM_ERR_DEVICE_NOMEM, "%s: %s", tdm_status_name(st), tdm_last_error());
      cr_assert(strstr(tdm_last_error(), "out of device memory"), "%s", tdm_last_error());
      tdm_buf_destroy(hog[nh]);
      hog[nh] = NULL;
      chunk /= 2;
    }
  }
  /* a small input, then an output that does not fit */
  double a[1024];
  gpu_fill(a, 1024, 0, 1);
  tdm_buf *A = ts_buf(g, TDM_F64, 1024, 1, a), *At = ts_buf(g, TDM_F64, 1, 1024, a);
  tdm_buf *C = ts_buf(g, TDM_F64, 1024, 1 << 20, NULL); /* 8 GiB */
  st = tdm_gemm(g, TDM_NOTRANS, TDM_NOTRANS, 1.0, A, At, 0.0, C);
  if (st == TDM_OK) cr_skip_test("8 GiB still fit: memory freed by others meanwhile");
  cr_assert_eq(st, TDM_ERR_DEVICE_NOMEM, "%s", tdm_last_error());
  double back[1024];
  cr_assert_eq(tdm_buf_read(A, back), TDM_OK, "the input stays usable: %s", tdm_last_error());
  cr_assert_arr_eq(back, a, sizeof a);
  for (int i = 0; i < nh; i++) tdm_buf_destroy(hog[i]);
  tdm_buf_destroy(C);
  tdm_buf *C2 = ts_buf(g, TDM_F64, 1024, 1024, NULL);
  cr_assert_eq(tdm_gemm(g, TDM_NOTRANS, TDM_NOTRANS, 1.0, A, At, 0.0, C2), TDM_OK,
               "works again once memory is freed: %s", tdm_last_error());
  tdm_buf_destroy(A), tdm_buf_destroy(At), tdm_buf_destroy(C2);
  tdm_ctx_destroy(g);
}

typedef struct {
  tdm_ctx *lane;
  tdm_buf *A, *C;
  tdm_status s;
} lane_job;

static void *lane_main(void *arg) {
  lane_job *j = arg;
  j->s = tdm_gemm(j->lane, TDM_TRANS, TDM_NOTRANS, 1.0, j->A, j->A, 0.0, j->C);
  return NULL;
}

Test(gpu_chain, lanes_see_each_others_writes, .timeout = 120) {
  tdm_ctx *g = gpu_ctx();
  enum { L = 2 };
  size_t n = 8000, p = 256;
  double *a = malloc(n * p * sizeof *a), *eye = calloc(p * p, sizeof *eye);
  gpu_fill(a, n * p, -1, 1);
  for (size_t i = 0; i < p; i++) eye[i + i * p] = 1;
  tdm_buf *A = ts_buf(g, TDM_F64, n, p, a), *I = ts_buf(g, TDM_F64, p, p, eye);
  tdm_buf *B = ts_buf(g, TDM_F64, n, p, NULL);
  /* B = A I on the root's stream, not waited for; lane 0 reads B at once */
  cr_assert_eq(tdm_gemm(g, TDM_NOTRANS, TDM_NOTRANS, 1.0, A, I, 0.0, B), TDM_OK, "%s", tdm_last_error());
  lane_job jobs[L];
  pthread_t th[L];
  for (int i = 0; i < L; i++) {
    cr_assert_eq(tdm__ctx_lane(g, TDM_LANE_GPU, &jobs[i].lane), TDM_OK, "%s", tdm_last_error());
    jobs[i].A = i ? A : B;
    jobs[i].C = ts_buf(g, TDM_F64, p, p, NULL);
  }
  for (int i = 0; i < L; i++) pthread_create(&th[i], NULL, lane_main, &jobs[i]);
  for (int i = 0; i < L; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < L; i++) cr_assert_eq(jobs[i].s, TDM_OK, "lane %d", i);
  /* the root reads what the lanes wrote */
  double *c0 = gpu_read(jobs[0].C), *c1 = gpu_read(jobs[1].C);
  for (size_t i = 0; i < p; i += 37)
    for (size_t j = 0; j < p; j += 41) {
      long double r = 0;
      for (size_t k = 0; k < n; k++) r += (long double)a[k + i * n] * a[k + j * n];
      cr_assert_float_eq(c1[i + j * p], (double)r, 1e-10 * (1 + fabsl(r)), "A'A at %zu,%zu", i, j);
      cr_assert_float_eq(c0[i + j * p], (double)r, 1e-10 * (1 + fabsl(r)), "B'B at %zu,%zu", i, j);
    }
  free(c0), free(c1), free(a), free(eye);
  for (int i = 0; i < L; i++) tdm_buf_destroy(jobs[i].C), tdm_ctx_destroy(jobs[i].lane);
  tdm_buf_destroy(A), tdm_buf_destroy(B), tdm_buf_destroy(I);
  tdm_ctx_destroy(g);
}
