/* test_cuda_calls.c -- the CUDA module without a GPU: loading it where no
 * driver is gives TDM_ERR_NO_DEVICE with the reason, and failures injected
 * through its call table (device out of memory, cuBLAS execution failure,
 * a missing driver, a failed launch, host OOM) come back as the right
 * status and message, leaving buffers usable and nothing leaked. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/tandem.h"

#ifndef TDM_TEST_CUDA_MODULE
Test(cuda_calls, not_built) {
  cr_skip_test("the CUDA module is not built (no CUDA toolkit at configure time, or TDM_CUDA=OFF)");
}
#else
#include "core/alloc.h"
#include "cuda_fake.h"

static tdm_ctx *cuda_ctx(void) {
  tdm_config cfg = {TDM_CUDA, 1, 0};
  tdm_ctx *c = NULL;
  tdm_status s = tdm_ctx_create(&cfg, &c);
  cr_assert_eq(s, TDM_OK, "TDM_CUDA context on the fake device: %s", tdm_last_error());
  cr_assert_eq(tdm_ctx_device_backend(c), TDM_CUDA);
  return c;
}

static tdm_status cuda_create(tdm_backend b, tdm_ctx **c) {
  tdm_config cfg = {b, 1, 0};
  *c = NULL;
  return tdm_ctx_create(&cfg, c);
}

/* The real table on this machine: with no driver, TDM_CUDA says why. */
Test(cuda_calls, no_driver_real) {
  void *h = dlopen(TDM_TEST_CUDA_MODULE, RTLD_NOW | RTLD_LOCAL);
  cr_assert(h, "%s", dlerror());
  tdm__cuda_calls *(*get)(void);
  *(void **)&get = dlsym(h, "tdm_cuda_test_calls");
  int n = 0;
  if (get()->GetDeviceCount(&n) == cudaSuccess && n > 0)
    cr_skip_test("a CUDA device is present; the no-driver path is not reachable here");
  setenv("TDM_CUDA_MODULE", TDM_TEST_CUDA_MODULE, 1);
  setenv("TDM_BACKEND", "cuda", 1);
  tdm_ctx *c = (tdm_ctx *)1;
  tdm_status s = tdm_ctx_create(NULL, &c);
  cr_assert_eq(s, TDM_ERR_NO_DEVICE, "got %s", tdm_status_name(s));
  cr_assert_null(c);
  const char *m = tdm_last_error();
  cr_assert(strstr(m, "tdm_ctx_create: TDM_CUDA:") && strstr(m, "driver"), "message: %s", m);
  /* auto falls back to the CPU and keeps the reason */
  setenv("TDM_BACKEND", "auto", 1);
  cr_assert_eq(tdm_ctx_create(NULL, &c), TDM_OK);
  cr_assert_eq(tdm_ctx_device_backend(c), TDM_CPU);
  cr_assert(strstr(tdm_ctx_device_note(c), "driver"), "note: %s", tdm_ctx_device_note(c));
  tdm_ctx_destroy(c);
  unsetenv("TDM_BACKEND");
}

Test(cuda_calls, missing_driver_injected) {
  fake_install();
  fk.count_err = cudaErrorInsufficientDriver;
  tdm_ctx *c;
  cr_assert_eq(cuda_create(TDM_CUDA, &c), TDM_ERR_NO_DEVICE);
  cr_assert_null(c);
  cr_assert(strstr(tdm_last_error(), "cudaErrorInsufficientDriver"), "%s", tdm_last_error());
  cr_assert_eq(cuda_create(TDM_AUTO, &c), TDM_OK);
  cr_assert_eq(tdm_ctx_device_backend(c), TDM_CPU);
  cr_assert(strstr(tdm_ctx_device_note(c), "cudaErrorInsufficientDriver"));
  tdm_ctx_destroy(c);
  fake_assert_clean();
}

Test(cuda_calls, no_device_old_device_bad_ordinal_missing_entry) {
  fake_install();
  tdm_ctx *c;
  fk.ndev = 0;
  cr_assert_eq(cuda_create(TDM_CUDA, &c), TDM_ERR_NO_DEVICE);
  cr_assert(strstr(tdm_last_error(), "no CUDA device"), "%s", tdm_last_error());
  fk.ndev = 1;
  fk.major = 7, fk.minor = 5;
  cr_assert_eq(cuda_create(TDM_CUDA, &c), TDM_ERR_NO_DEVICE);
  cr_assert(strstr(tdm_last_error(), "compute capability 7.5"), "%s", tdm_last_error());
  fk.major = 9, fk.minor = 0;
  tdm_config cfg = {TDM_CUDA, 1, 3};
  cr_assert_eq(tdm_ctx_create(&cfg, &c), TDM_ERR_NO_DEVICE);
  cr_assert(strstr(tdm_last_error(), "device 3"), "%s", tdm_last_error());
  fk_calls->blasSgemm = NULL;
  cr_assert_eq(cuda_create(TDM_CUDA, &c), TDM_ERR_NO_DEVICE);
  cr_assert(strstr(tdm_last_error(), "blasSgemm is not set"), "%s", tdm_last_error());
  fake_assert_clean();
}

/* Deterministic values in [-scale/2, scale/2) (a 64-bit LCG's top bits). */
static void fill(double *x, size_t n, double scale) {
  uint64_t u = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < n; i++) {
    u = u * 6364136223846793005ull + 1442695040888963407ull;
    x[i] = scale * ((double)(u >> 11) / 9007199254740992.0 - 0.5);
  }
}

Test(cuda_calls, device_oom_keeps_buffer_on_host) {
  fake_install();
  tdm_ctx *c = cuda_ctx();
  enum { N = 24 };
  double a[N * N], b[N * N], back[N * N];
  fill(a, N * N, 1), fill(b, N * N, 2);
  tdm_buf *A, *B, *C;
  cr_assert_eq(tdm_buf_create(c, TDM_F64, N, N, &A), TDM_OK);
  cr_assert_eq(tdm_buf_create(c, TDM_F64, N, N, &B), TDM_OK);
  cr_assert_eq(tdm_buf_create(c, TDM_F64, N, N, &C), TDM_OK);
  cr_assert_eq(tdm_buf_write(A, a), TDM_OK);
  cr_assert_eq(tdm_buf_write(B, b), TDM_OK);
  fk.malloc_fail_all = 1;
  long syncs = fk.syncs, trims = fk.trims;
  tdm_status s = tdm_gemm(c, TDM_NOTRANS, TDM_NOTRANS, 1.0, A, B, 0.0, C);
  cr_assert_eq(s, TDM_ERR_DEVICE_NOMEM, "got %s: %s", tdm_status_name(s), tdm_last_error());
  cr_assert(strstr(tdm_last_error(), "tdm_gemm") && strstr(tdm_last_error(), "out of device memory"),
            "%s", tdm_last_error());
  cr_assert_gt(fk.syncs, syncs, "waited for pending frees before giving up");
  cr_assert_gt(fk.trims, trims, "trimmed the pool before giving up");
  cr_assert_eq(tdm_buf_read(A, back), TDM_OK, "A is still usable: %s", tdm_last_error());
  cr_assert_arr_eq(back, a, sizeof a);
  /* one failure only: the retry after waiting succeeds */
  fk.malloc_fail_all = 0;
  fk.malloc_fail_at = 1;
  cr_assert_eq(tdm_gemm(c, TDM_NOTRANS, TDM_NOTRANS, 1.0, A, B, 0.0, C), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_read(C, back), TDM_OK);
  for (int j = 0; j < N; j++)
    for (int i = 0; i < N; i++) {
      double r = 0;
      for (int k = 0; k < N; k++) r += a[i + k * N] * b[k + j * N];
      cr_assert_float_eq(back[i + j * N], r, 1e-12);
    }
  tdm_buf_destroy(A), tdm_buf_destroy(B), tdm_buf_destroy(C);
  tdm_ctx_destroy(c);
  fake_assert_clean();
}

Test(cuda_calls, cublas_execution_failed) {
  fake_install();
  tdm_ctx *c = cuda_ctx();
  tdm_buf *A, *C;
  cr_assert_eq(tdm_buf_create(c, TDM_F32, 8, 8, &A), TDM_OK);
  cr_assert_eq(tdm_buf_create(c, TDM_F32, 8, 8, &C), TDM_OK);
  fk.gemm_status = CUBLAS_STATUS_EXECUTION_FAILED;
  tdm_status s = tdm_gemm(c, TDM_TRANS, TDM_NOTRANS, 1.0, A, A, 0.0, C);
  cr_assert_eq(s, TDM_ERR_BACKEND, "got %s", tdm_status_name(s));
  cr_assert(strstr(tdm_last_error(), "tdm_gemm: cublasSgemm: CUBLAS_STATUS_EXECUTION_FAILED"), "%s",
            tdm_last_error());
  fk.gemm_status = 0;
  fk.create_status = CUBLAS_STATUS_ALLOC_FAILED; /* a fresh context's lazy cuBLAS handle */
  tdm_ctx *c2 = cuda_ctx();
  tdm_buf *A2, *C2;
  cr_assert_eq(tdm_buf_create(c2, TDM_F64, 4, 4, &A2), TDM_OK);
  cr_assert_eq(tdm_buf_create(c2, TDM_F64, 4, 4, &C2), TDM_OK);
  cr_assert_eq(tdm_crossprod(c2, A2, C2), TDM_ERR_DEVICE_NOMEM);
  cr_assert(strstr(tdm_last_error(), "cublasCreate"), "%s", tdm_last_error());
  tdm_buf_destroy(A2), tdm_buf_destroy(C2), tdm_ctx_destroy(c2);
  tdm_buf_destroy(A), tdm_buf_destroy(C);
  tdm_ctx_destroy(c);
  fake_assert_clean();
}

Test(cuda_calls, launch_failure_and_not_pd) {
  fake_install();
  tdm_ctx *c = cuda_ctx();
  double x[100];
  fill(x, 100, 1);
  tdm_buf *X;
  cr_assert_eq(tdm_buf_wrap(c, TDM_F64, 100, 1, x, &X), TDM_OK);
  fk.kernel_err = cudaErrorLaunchFailure;
  double out[1];
  tdm_reduce_op op = TDM_SUM;
  cr_assert_eq(tdm_reduce(c, X, 1, &op, out), TDM_ERR_BACKEND);
  cr_assert(strstr(tdm_last_error(), "tdm_reduce: tdmk_moments") &&
                strstr(tdm_last_error(), "cudaErrorLaunchFailure"),
            "%s", tdm_last_error());
  fk.kernel_err = 0;
  double m[9] = {1, 2, 3, 2, 1, 4, 3, 4, 1}; /* symmetric, indefinite */
  tdm_buf *M;
  cr_assert_eq(tdm_buf_wrap(c, TDM_F64, 3, 3, m, &M), TDM_OK);
  cr_assert_eq(tdm_cholesky(c, M), TDM_ERR_NUMERIC);
  cr_assert(strstr(tdm_last_error(), "tdm_cholesky: A: not positive definite"), "%s", tdm_last_error());
  tdm_buf_destroy(X), tdm_buf_destroy(M);
  tdm_ctx_destroy(c);
  fake_assert_clean();
}

/* Every host allocation on the way (module states, staging, kernel cache,
 * device allocations through the same countdown) fails in turn. */
Test(cuda_calls, host_oom_everywhere) {
  fake_install();
  double a[64], back[64];
  fill(a, 64, 1);
  int saw_fail = 0;
  for (long k = 1; k < 60; k++) {
    tdm__alloc_fail_after(k);
    tdm_ctx *c = NULL;
    tdm_buf *A = NULL, *C = NULL;
    tdm_status s = cuda_create(TDM_CUDA, &c);
    if (s == TDM_OK) s = tdm_buf_create(c, TDM_F64, 8, 8, &A);
    if (s == TDM_OK) s = tdm_buf_create(c, TDM_F64, 8, 8, &C);
    if (s == TDM_OK) s = tdm_buf_write(A, a);
    if (s == TDM_OK) s = tdm_crossprod(c, A, C);
    if (s == TDM_OK) s = tdm_cholesky(c, C);
    if (s == TDM_OK) s = tdm_buf_read(A, back);
    tdm__alloc_fail_after(0);
    cr_assert(s == TDM_OK || s == TDM_ERR_NOMEM || s == TDM_ERR_DEVICE_NOMEM,
              "k=%ld: %s: %s", k, tdm_status_name(s), tdm_last_error());
    if (s != TDM_OK) {
      saw_fail = 1;
      cr_assert(tdm_last_error()[0], "k=%ld: a failure leaves a message", k);
    } else {
      cr_assert_arr_eq(back, a, sizeof a);
    }
    tdm_buf_destroy(A), tdm_buf_destroy(C);
    tdm_ctx_destroy(c);
    fake_assert_clean();
  }
  cr_assert(saw_fail);
}
#endif
