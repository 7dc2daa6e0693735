/* cuda_fake.h -- a fake GPU for the CUDA module's call table, so its host
 * code runs on machines without one (tests/test_cuda_*.c). "Device"
 * memory is host memory, every stream runs its work at once, cuBLAS and
 * cuSOLVER are OpenBLAS and LAPACKE, and tandem's kernels are plain loops.
 * Every object the module creates is counted so tests can check that
 * nothing leaks, and knobs make chosen calls fail. */
#ifndef TDM_TEST_CUDA_FAKE_H
#define TDM_TEST_CUDA_FAKE_H

#include <cblas.h>
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cuda/calls.h"

typedef struct fake_state {
  /* knobs */
  cudaError_t count_err;  /* cudaGetDeviceCount's result */
  int ndev, major, minor;
  long malloc_fail_at;     /* the Nth pool allocation fails (1 = next); 0 off */
  int malloc_fail_all;     /* every pool allocation fails */
  cublasStatus_t gemm_status, create_status;
  cudaError_t kernel_err;  /* returned by tandem's launchers */
  cublasMath_t math_mode;  /* the last cublasSetMathMode */
  float elapsed_ms;        /* what cudaEventElapsedTime reports */
  /* counters: live objects */
  long dev_live, pinned_live, streams_live, events_live, blas_live, sol_live, regs_live,
      mods_live;
  /* counters: calls */
  long mallocs, syncs, trims, waits, records, registers, h2d_copies, d2h_copies, pinned_allocs,
      compiles, launches, moment_launches;
} fake_state;

static fake_state fk;
static tdm__cuda_calls *fk_calls;

static void *fk_obj(long *live) { /* a distinct heap object per handle */
  (*live)++;
  return malloc(16);
}
static void fk_unobj(long *live, void *p) {
  if (!p) return;
  (*live)--;
  free(p);
}

/* ---- runtime ---------------------------------------------------------- */
static cudaError_t f_GetDeviceCount(int *n) {
  *n = fk.count_err ? 0 : fk.ndev;
  return fk.count_err;
}
static cudaError_t f_SetDevice(int d) { return d < fk.ndev ? cudaSuccess : cudaErrorInvalidDevice; }
static cudaError_t f_DeviceGetAttribute(int *v, enum cudaDeviceAttr a, int d) {
  (void)d;
  switch (a) {
  case cudaDevAttrComputeCapabilityMajor: *v = fk.major; break;
  case cudaDevAttrComputeCapabilityMinor: *v = fk.minor; break;
  case cudaDevAttrMultiProcessorCount: *v = 4; break;
  case cudaDevAttrMemoryClockRate: *v = 1000000; break; /* kHz */
  case cudaDevAttrGlobalMemoryBusWidth: *v = 4096; break;
  case cudaDevAttrClockRate: *v = 1500000; break;
  default: *v = 0;
  }
  return cudaSuccess;
}
static cudaError_t f_DriverGetVersion(int *v) { *v = 13000; return cudaSuccess; }
static const char *f_GetErrorName(cudaError_t e) {
  switch (e) {
  case cudaSuccess: return "cudaSuccess";
  case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
  case cudaErrorInsufficientDriver: return "cudaErrorInsufficientDriver";
  case cudaErrorNoDevice: return "cudaErrorNoDevice";
  case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
  default: return "cudaErrorOther";
  }
}
static const char *f_GetErrorString(cudaError_t e) { return e ? "fake failure" : "no error"; }
static cudaError_t f_GetLastError(void) { return cudaSuccess; }
static cudaError_t f_MemGetInfo(size_t *f, size_t *t) {
  *f = (size_t)1 << 20;
  *t = (size_t)1 << 30;
  return cudaSuccess;
}
static cudaError_t f_StreamCreateWithFlags(cudaStream_t *s, unsigned fl) {
  (void)fl;
  *s = fk_obj(&fk.streams_live);
  return cudaSuccess;
}
static cudaError_t f_StreamDestroy(cudaStream_t s) { fk_unobj(&fk.streams_live, s); return cudaSuccess; }
static cudaError_t f_StreamSynchronize(cudaStream_t s) { (void)s; fk.syncs++; return cudaSuccess; }
static cudaError_t f_StreamWaitEvent(cudaStream_t s, cudaEvent_t e, unsigned f) {
  (void)s; (void)e; (void)f;
  fk.waits++;
  return cudaSuccess;
}
static cudaError_t f_EventCreateWithFlags(cudaEvent_t *e, unsigned fl) {
  (void)fl;
  *e = fk_obj(&fk.events_live);
  return cudaSuccess;
}
static cudaError_t f_EventDestroy(cudaEvent_t e) { fk_unobj(&fk.events_live, e); return cudaSuccess; }
static cudaError_t f_EventRecord(cudaEvent_t e, cudaStream_t s) { (void)e; (void)s; fk.records++; return cudaSuccess; }
static cudaError_t f_EventSynchronize(cudaEvent_t e) { (void)e; return cudaSuccess; }
static cudaError_t f_EventElapsedTime(float *ms, cudaEvent_t a, cudaEvent_t b) {
  (void)a; (void)b;
  *ms = fk.elapsed_ms;
  return cudaSuccess;
}
static cudaError_t f_MemPoolCreate(cudaMemPool_t *p, const struct cudaMemPoolProps *pr) {
  (void)pr;
  *p = fk_obj(&fk.events_live); /* counted with the events: one more live object */
  return cudaSuccess;
}
static cudaError_t f_MemPoolDestroy(cudaMemPool_t p) { fk_unobj(&fk.events_live, p); return cudaSuccess; }
static cudaError_t f_MemPoolSetAttribute(cudaMemPool_t p, enum cudaMemPoolAttr a, void *v) {
  (void)p; (void)a; (void)v;
  return cudaSuccess;
}
static cudaError_t f_MemPoolTrimTo(cudaMemPool_t p, size_t n) { (void)p; (void)n; fk.trims++; return cudaSuccess; }
static cudaError_t f_MallocFromPoolAsync(void **p, size_t n, cudaMemPool_t pool, cudaStream_t s) {
  (void)pool; (void)s;
  fk.mallocs++;
  if (fk.malloc_fail_all || (fk.malloc_fail_at > 0 && --fk.malloc_fail_at == 0)) {
    *p = NULL;
    return cudaErrorMemoryAllocation;
  }
  *p = malloc(n);
  if (!*p) return cudaErrorMemoryAllocation;
  memset(*p, 0xA5, n < (1u << 20) ? n : (1u << 20)); /* device memory starts as garbage */
  fk.dev_live++;
  return cudaSuccess;
}
static cudaError_t f_FreeAsync(void *p, cudaStream_t s) { (void)s; fk_unobj(&fk.dev_live, p); return cudaSuccess; }
static cudaError_t f_MemsetAsync(void *p, int v, size_t n, cudaStream_t s) { (void)s; memset(p, v, n); return cudaSuccess; }
static cudaError_t f_MemcpyAsync(void *d, const void *src, size_t n, enum cudaMemcpyKind k, cudaStream_t s) {
  (void)s;
  if (k == cudaMemcpyHostToDevice) fk.h2d_copies++;
  if (k == cudaMemcpyDeviceToHost) fk.d2h_copies++;
  memcpy(d, src, n);
  return cudaSuccess;
}
static cudaError_t f_MallocHost(void **p, size_t n) {
  fk.pinned_allocs++;
  *p = malloc(n);
  if (!*p) return cudaErrorMemoryAllocation;
  fk.pinned_live++;
  return cudaSuccess;
}
static cudaError_t f_FreeHost(void *p) { fk_unobj(&fk.pinned_live, p); return cudaSuccess; }
static cudaError_t f_HostRegister(void *p, size_t n, unsigned fl) {
  (void)p; (void)n; (void)fl;
  fk.registers++;
  fk.regs_live++;
  return cudaSuccess;
}
static cudaError_t f_HostUnregister(void *p) { (void)p; fk.regs_live--; return cudaSuccess; }

/* ---- cuBLAS / cuSOLVER on OpenBLAS / LAPACKE -------------------------- */
static cublasStatus_t f_blasCreate(cublasHandle_t *h) {
  if (fk.create_status) return fk.create_status;
  *h = fk_obj(&fk.blas_live);
  return CUBLAS_STATUS_SUCCESS;
}
static cublasStatus_t f_blasDestroy(cublasHandle_t h) { fk_unobj(&fk.blas_live, h); return CUBLAS_STATUS_SUCCESS; }
static cublasStatus_t f_blasSetStream(cublasHandle_t h, cudaStream_t s) { (void)h; (void)s; return CUBLAS_STATUS_SUCCESS; }
static cublasStatus_t f_blasSetMathMode(cublasHandle_t h, cublasMath_t m) {
  (void)h;
  fk.math_mode = m;
  return m == CUBLAS_DEFAULT_MATH || m == CUBLAS_TF32_TENSOR_OP_MATH ? CUBLAS_STATUS_SUCCESS
                                                                    : CUBLAS_STATUS_INVALID_VALUE;
}
static enum CBLAS_TRANSPOSE fk_t(cublasOperation_t o) { return o == CUBLAS_OP_T ? CblasTrans : CblasNoTrans; }
static cublasStatus_t f_blasSgemm(cublasHandle_t h, cublasOperation_t a, cublasOperation_t b, int m, int n, int k,
                                  const float *al, const float *A, int lda, const float *B, int ldb,
                                  const float *be, float *C, int ldc) {
  (void)h;
  if (fk.gemm_status) return fk.gemm_status;
  cblas_sgemm(CblasColMajor, fk_t(a), fk_t(b), m, n, k, *al, A, lda, B, ldb, *be, C, ldc);
  return CUBLAS_STATUS_SUCCESS;
}
static cublasStatus_t f_blasDgemm(cublasHandle_t h, cublasOperation_t a, cublasOperation_t b, int m, int n, int k,
                                  const double *al, const double *A, int lda, const double *B, int ldb,
                                  const double *be, double *C, int ldc) {
  (void)h;
  if (fk.gemm_status) return fk.gemm_status;
  cblas_dgemm(CblasColMajor, fk_t(a), fk_t(b), m, n, k, *al, A, lda, B, ldb, *be, C, ldc);
  return CUBLAS_STATUS_SUCCESS;
}
static cublasStatus_t f_blasSsyrk(cublasHandle_t h, cublasFillMode_t u, cublasOperation_t t, int n, int k,
                                  const float *al, const float *A, int lda, const float *be, float *C, int ldc) {
  (void)h;
  cblas_ssyrk(CblasColMajor, u == CUBLAS_FILL_MODE_UPPER ? CblasUpper : CblasLower, fk_t(t), n, k, *al, A, lda,
              *be, C, ldc);
  return CUBLAS_STATUS_SUCCESS;
}
static cublasStatus_t f_blasDsyrk(cublasHandle_t h, cublasFillMode_t u, cublasOperation_t t, int n, int k,
                                  const double *al, const double *A, int lda, const double *be, double *C,
                                  int ldc) {
  (void)h;
  cblas_dsyrk(CblasColMajor, u == CUBLAS_FILL_MODE_UPPER ? CblasUpper : CblasLower, fk_t(t), n, k, *al, A, lda,
              *be, C, ldc);
  return CUBLAS_STATUS_SUCCESS;
}
static cusolverStatus_t f_solCreate(cusolverDnHandle_t *h) { *h = fk_obj(&fk.sol_live); return CUSOLVER_STATUS_SUCCESS; }
static cusolverStatus_t f_solDestroy(cusolverDnHandle_t h) { fk_unobj(&fk.sol_live, h); return CUSOLVER_STATUS_SUCCESS; }
static cusolverStatus_t f_solSetStream(cusolverDnHandle_t h, cudaStream_t s) { (void)h; (void)s; return CUSOLVER_STATUS_SUCCESS; }
static cusolverStatus_t f_solSpotrfBuf(cusolverDnHandle_t h, cublasFillMode_t u, int n, float *A, int lda, int *lw) {
  (void)h; (void)u; (void)A; (void)lda;
  *lw = n;
  return CUSOLVER_STATUS_SUCCESS;
}
static cusolverStatus_t f_solDpotrfBuf(cusolverDnHandle_t h, cublasFillMode_t u, int n, double *A, int lda, int *lw) {
  (void)h; (void)u; (void)A; (void)lda;
  *lw = n;
  return CUSOLVER_STATUS_SUCCESS;
}
static cusolverStatus_t f_solSpotrf(cusolverDnHandle_t h, cublasFillMode_t u, int n, float *A, int lda, float *w,
                                    int lw, int *info) {
  (void)h; (void)w;
  cr_assert_geq(lw, n, "potrf was given the workspace size bufferSize asked for");
  *info = LAPACKE_spotrf(LAPACK_COL_MAJOR, u == CUBLAS_FILL_MODE_UPPER ? 'U' : 'L', n, A, lda);
  return CUSOLVER_STATUS_SUCCESS;
}
static cusolverStatus_t f_solDpotrf(cusolverDnHandle_t h, cublasFillMode_t u, int n, double *A, int lda, double *w,
                                    int lw, int *info) {
  (void)h; (void)w;
  cr_assert_geq(lw, n, "potrf was given the workspace size bufferSize asked for");
  *info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, u == CUBLAS_FILL_MODE_UPPER ? 'U' : 'L', n, A, lda);
  return CUSOLVER_STATUS_SUCCESS;
}
static cusolverStatus_t f_solSpotrs(cusolverDnHandle_t h, cublasFillMode_t u, int n, int r, const float *A, int lda,
                                    float *B, int ldb, int *info) {
  (void)h;
  *info = LAPACKE_spotrs(LAPACK_COL_MAJOR, u == CUBLAS_FILL_MODE_UPPER ? 'U' : 'L', n, r, A, lda, B, ldb);
  return CUSOLVER_STATUS_SUCCESS;
}
static cusolverStatus_t f_solDpotrs(cusolverDnHandle_t h, cublasFillMode_t u, int n, int r, const double *A,
                                    int lda, double *B, int ldb, int *info) {
  (void)h;
  *info = LAPACKE_dpotrs(LAPACK_COL_MAJOR, u == CUBLAS_FILL_MODE_UPPER ? 'U' : 'L', n, r, A, lda, B, ldb);
  return CUSOLVER_STATUS_SUCCESS;
}

#include "cuda_fake_k.h" /* kernels, NVRTC and driver fakes */

/* Fills the module's table with the fakes: a device of compute
 * capability 9.0 that works. */
static void fake_install(void) {
  void *h = dlopen(TDM_TEST_CUDA_MODULE, RTLD_NOW | RTLD_LOCAL);
  cr_assert(h, "load %s: %s", TDM_TEST_CUDA_MODULE, dlerror());
  tdm__cuda_calls *(*get)(void);
  *(void **)&get = dlsym(h, "tdm_cuda_test_calls");
  cr_assert(get, "the module exports tdm_cuda_test_calls");
  fk_calls = get();
  memset(&fk, 0, sizeof fk);
  fk.ndev = 1;
  fk.major = 9;
  fk.elapsed_ms = 5.0f;
  tdm__cuda_calls *c = fk_calls;
  c->fake = 1;
#define FK(field) c->field = f_##field;
  FK(GetDeviceCount) FK(SetDevice) FK(DeviceGetAttribute) FK(DriverGetVersion) FK(GetErrorName)
  FK(GetErrorString) FK(GetLastError) FK(MemGetInfo) FK(StreamCreateWithFlags) FK(StreamDestroy)
  FK(StreamSynchronize) FK(StreamWaitEvent) FK(EventCreateWithFlags) FK(EventDestroy) FK(EventRecord)
  FK(EventSynchronize) FK(EventElapsedTime) FK(MemPoolCreate) FK(MemPoolDestroy) FK(MemPoolSetAttribute)
  FK(MemPoolTrimTo) FK(MallocFromPoolAsync) FK(FreeAsync) FK(MemsetAsync) FK(MemcpyAsync) FK(MallocHost)
  FK(FreeHost) FK(HostRegister) FK(HostUnregister) FK(blasCreate) FK(blasDestroy) FK(blasSetStream)
  FK(blasSetMathMode) FK(blasSgemm) FK(blasDgemm) FK(blasSsyrk) FK(blasDsyrk) FK(solCreate) FK(solDestroy)
  FK(solSetStream) FK(solSpotrfBuf) FK(solDpotrfBuf) FK(solSpotrf) FK(solDpotrf) FK(solSpotrs)
  FK(solDpotrs)
  fake_install_k(c);
#undef FK
  setenv("TDM_CUDA_MODULE", TDM_TEST_CUDA_MODULE, 1);
}

/* Nothing the module created is still alive. */
static void fake_assert_clean(void) {
  cr_expect_eq(fk.dev_live, 0, "device allocations leaked: %ld", fk.dev_live);
  cr_expect_eq(fk.pinned_live, 0, "pinned host allocations leaked: %ld", fk.pinned_live);
  cr_expect_eq(fk.streams_live, 0, "streams leaked: %ld", fk.streams_live);
  cr_expect_eq(fk.events_live, 0, "events or pools leaked: %ld", fk.events_live);
  cr_expect_eq(fk.blas_live, 0, "cuBLAS handles leaked: %ld", fk.blas_live);
  cr_expect_eq(fk.sol_live, 0, "cuSOLVER handles leaked: %ld", fk.sol_live);
  cr_expect_eq(fk.regs_live, 0, "host registrations leaked: %ld", fk.regs_live);
  cr_expect_eq(fk.mods_live, 0, "kernel modules leaked: %ld", fk.mods_live);
}

#endif
