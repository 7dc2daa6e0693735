/* calls.h -- every CUDA runtime, driver, cuBLAS, cuSOLVER and NVRTC call of
 * the CUDA module, and the launchers of its own kernels, go through one
 * table of function pointers (SQLite's overridable system calls). Tests
 * replace entries to fake a device or inject failures; see calls.c for how
 * the real entries are found. */
#ifndef TDM_CUDA_CALLS_H
#define TDM_CUDA_CALLS_H

#include <cublas_v2.h>
#include <cuda.h>
#include <cuda_runtime_api.h>
#include <cusolverDn.h>
#include <nvrtc.h>

#include "backend.h"

/* X(lib, field, symbol, return type, parameters). lib says where the real
 * function comes from: RT (the CUDA runtime, linked statically into the
 * module), K (tandem's kernel launchers and the expression code generator,
 * src/expr/codegen.c, linked), and BLAS, SOLVER, NVRTC, DRV (found with
 * dlopen/dlsym at module init, so a node without them still loads the
 * module and says what is missing). */
#define TDM__CUDA_CALLS(X)                                                                         \
  X(RT, GetDeviceCount, cudaGetDeviceCount, cudaError_t, (int *))                                   \
  X(RT, SetDevice, cudaSetDevice, cudaError_t, (int))                                               \
  X(RT, DeviceGetAttribute, cudaDeviceGetAttribute, cudaError_t, (int *, enum cudaDeviceAttr, int)) \
  X(RT, DriverGetVersion, cudaDriverGetVersion, cudaError_t, (int *))                               \
  X(RT, GetErrorName, cudaGetErrorName, const char *, (cudaError_t))                                \
  X(RT, GetErrorString, cudaGetErrorString, const char *, (cudaError_t))                            \
  X(RT, GetLastError, cudaGetLastError, cudaError_t, (void))                                        \
  X(RT, MemGetInfo, cudaMemGetInfo, cudaError_t, (size_t *, size_t *))                              \
  X(RT, StreamCreateWithFlags, cudaStreamCreateWithFlags, cudaError_t, (cudaStream_t *, unsigned))  \
  X(RT, StreamDestroy, cudaStreamDestroy, cudaError_t, (cudaStream_t))                              \
  X(RT, StreamSynchronize, cudaStreamSynchronize, cudaError_t, (cudaStream_t))                      \
  X(RT, StreamWaitEvent, cudaStreamWaitEvent, cudaError_t, (cudaStream_t, cudaEvent_t, unsigned))   \
  X(RT, EventCreateWithFlags, cudaEventCreateWithFlags, cudaError_t, (cudaEvent_t *, unsigned))     \
  X(RT, EventDestroy, cudaEventDestroy, cudaError_t, (cudaEvent_t))                                 \
  X(RT, EventRecord, cudaEventRecord, cudaError_t, (cudaEvent_t, cudaStream_t))                     \
  X(RT, EventSynchronize, cudaEventSynchronize, cudaError_t, (cudaEvent_t))                         \
  X(RT, EventElapsedTime, cudaEventElapsedTime, cudaError_t, (float *, cudaEvent_t, cudaEvent_t))   \
  X(RT, MemPoolCreate, cudaMemPoolCreate, cudaError_t,                                              \
    (cudaMemPool_t *, const struct cudaMemPoolProps *))                                             \
  X(RT, MemPoolDestroy, cudaMemPoolDestroy, cudaError_t, (cudaMemPool_t))                           \
  X(RT, MemPoolSetAttribute, cudaMemPoolSetAttribute, cudaError_t,                                  \
    (cudaMemPool_t, enum cudaMemPoolAttr, void *))                                                  \
  X(RT, MemPoolTrimTo, cudaMemPoolTrimTo, cudaError_t, (cudaMemPool_t, size_t))                     \
  X(RT, MallocFromPoolAsync, cudaMallocFromPoolAsync, cudaError_t,                                  \
    (void **, size_t, cudaMemPool_t, cudaStream_t))                                                 \
  X(RT, FreeAsync, cudaFreeAsync, cudaError_t, (void *, cudaStream_t))                              \
  X(RT, MemsetAsync, cudaMemsetAsync, cudaError_t, (void *, int, size_t, cudaStream_t))             \
  X(RT, MemcpyAsync, cudaMemcpyAsync, cudaError_t,                                                  \
    (void *, const void *, size_t, enum cudaMemcpyKind, cudaStream_t))                              \
  X(RT, MallocHost, cudaMallocHost, cudaError_t, (void **, size_t))                                 \
  X(RT, FreeHost, cudaFreeHost, cudaError_t, (void *))                                              \
  X(RT, HostRegister, cudaHostRegister, cudaError_t, (void *, size_t, unsigned))                    \
  X(RT, HostUnregister, cudaHostUnregister, cudaError_t, (void *))                                  \
  X(BLAS, blasCreate, cublasCreate, cublasStatus_t, (cublasHandle_t *))                             \
  X(BLAS, blasDestroy, cublasDestroy, cublasStatus_t, (cublasHandle_t))                             \
  X(BLAS, blasSetStream, cublasSetStream, cublasStatus_t, (cublasHandle_t, cudaStream_t))           \
  X(BLAS, blasSetMathMode, cublasSetMathMode, cublasStatus_t, (cublasHandle_t, cublasMath_t))       \
  X(BLAS, blasSgemm, cublasSgemm, cublasStatus_t,                                                   \
    (cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int, const float *,            \
     const float *, int, const float *, int, const float *, float *, int))                          \
  X(BLAS, blasDgemm, cublasDgemm, cublasStatus_t,                                                   \
    (cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int, const double *,           \
     const double *, int, const double *, int, const double *, double *, int))                      \
  X(BLAS, blasSsyrk, cublasSsyrk, cublasStatus_t,                                                   \
    (cublasHandle_t, cublasFillMode_t, cublasOperation_t, int, int, const float *, const float *,   \
     int, const float *, float *, int))                                                             \
  X(BLAS, blasDsyrk, cublasDsyrk, cublasStatus_t,                                                   \
    (cublasHandle_t, cublasFillMode_t, cublasOperation_t, int, int, const double *,                 \
     const double *, int, const double *, double *, int))                                           \
  X(SOLVER, solCreate, cusolverDnCreate, cusolverStatus_t, (cusolverDnHandle_t *))                  \
  X(SOLVER, solDestroy, cusolverDnDestroy, cusolverStatus_t, (cusolverDnHandle_t))                  \
  X(SOLVER, solSetStream, cusolverDnSetStream, cusolverStatus_t, (cusolverDnHandle_t, cudaStream_t)) \
  X(SOLVER, solSpotrfBuf, cusolverDnSpotrf_bufferSize, cusolverStatus_t,                            \
    (cusolverDnHandle_t, cublasFillMode_t, int, float *, int, int *))                               \
  X(SOLVER, solDpotrfBuf, cusolverDnDpotrf_bufferSize, cusolverStatus_t,                            \
    (cusolverDnHandle_t, cublasFillMode_t, int, double *, int, int *))                              \
  X(SOLVER, solSpotrf, cusolverDnSpotrf, cusolverStatus_t,                                          \
    (cusolverDnHandle_t, cublasFillMode_t, int, float *, int, float *, int, int *))                 \
  X(SOLVER, solDpotrf, cusolverDnDpotrf, cusolverStatus_t,                                          \
    (cusolverDnHandle_t, cublasFillMode_t, int, double *, int, double *, int, int *))               \
  X(SOLVER, solSpotrs, cusolverDnSpotrs, cusolverStatus_t,                                          \
    (cusolverDnHandle_t, cublasFillMode_t, int, int, const float *, int, float *, int, int *))      \
  X(SOLVER, solDpotrs, cusolverDnDpotrs, cusolverStatus_t,                                          \
    (cusolverDnHandle_t, cublasFillMode_t, int, int, const double *, int, double *, int, int *))    \
  X(NVRTC, rtcVersion, nvrtcVersion, nvrtcResult, (int *, int *))                                   \
  X(NVRTC, rtcGetErrorString, nvrtcGetErrorString, const char *, (nvrtcResult))                     \
  X(NVRTC, rtcGetNumSupportedArchs, nvrtcGetNumSupportedArchs, nvrtcResult, (int *))                \
  X(NVRTC, rtcGetSupportedArchs, nvrtcGetSupportedArchs, nvrtcResult, (int *))                      \
  X(NVRTC, rtcCreateProgram, nvrtcCreateProgram, nvrtcResult,                                       \
    (nvrtcProgram *, const char *, const char *, int, const char *const *, const char *const *))    \
  X(NVRTC, rtcDestroyProgram, nvrtcDestroyProgram, nvrtcResult, (nvrtcProgram *))                   \
  X(NVRTC, rtcCompileProgram, nvrtcCompileProgram, nvrtcResult,                                     \
    (nvrtcProgram, int, const char *const *))                                                       \
  X(NVRTC, rtcGetProgramLogSize, nvrtcGetProgramLogSize, nvrtcResult, (nvrtcProgram, size_t *))     \
  X(NVRTC, rtcGetProgramLog, nvrtcGetProgramLog, nvrtcResult, (nvrtcProgram, char *))               \
  X(NVRTC, rtcGetCUBINSize, nvrtcGetCUBINSize, nvrtcResult, (nvrtcProgram, size_t *))               \
  X(NVRTC, rtcGetCUBIN, nvrtcGetCUBIN, nvrtcResult, (nvrtcProgram, char *))                         \
  X(NVRTC, rtcGetPTXSize, nvrtcGetPTXSize, nvrtcResult, (nvrtcProgram, size_t *))                   \
  X(NVRTC, rtcGetPTX, nvrtcGetPTX, nvrtcResult, (nvrtcProgram, char *))                             \
  X(DRV, cuGetErrorName, cuGetErrorName, CUresult, (CUresult, const char **))                       \
  X(DRV, cuModuleLoadData, cuModuleLoadData, CUresult, (CUmodule *, const void *))                  \
  X(DRV, cuModuleUnload, cuModuleUnload, CUresult, (CUmodule))                                      \
  X(DRV, cuModuleGetFunction, cuModuleGetFunction, CUresult, (CUfunction *, CUmodule, const char *)) \
  X(DRV, cuLaunchKernel, cuLaunchKernel, CUresult,                                                  \
    (CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream,    \
     void **, void **))                                                                             \
  X(K, kMoments, tdmk_moments, int,                                                                 \
    (tdm_dtype, const void *, size_t, unsigned, int, tdm__moments *, tdm__moments *, void *))       \
  X(K, kGroupReduce, tdmk_group_reduce, int,                                                        \
    (tdm_dtype, const void *, const int32_t *, size_t, size_t, int, void *, double *, int, void *)) \
  X(K, kFillLower, tdmk_fill_lower, int, (tdm_dtype, size_t, void *, size_t, void *))               \
  X(K, kZeroLower, tdmk_zero_lower, int, (tdm_dtype, size_t, void *, size_t, void *))               \
  X(K, kCopy, tdmk_copy, int,                                                                       \
    (tdm_dtype, const void *, size_t, tdm_dtype, void *, size_t, size_t, size_t, void *))           \
  X(K, kCopyCheck, tdmk_copy_check, int,                                                            \
    (tdm_dtype, const void *, size_t, tdm_dtype, size_t, size_t, unsigned long long *, void *))     \
  X(K, kRngFill, tdmk_rng_fill, int, (const tdm__rng_req *, void *, void *))                   \
  X(K, exprSource, tdm__expr_cuda_source, char *,                                                   \
    (const tdm__prog *, tdm_dtype, int, const tdm_dtype *, const int *))

typedef struct tdm__cuda_calls {
  /* Set by a test that filled the table with fakes: module init then
   * loads no library and uses the entries as they are. */
  int fake;
#define TDM__CALL_FIELD(lib, field, sym, ret, params) ret(*field) params;
  TDM__CUDA_CALLS(TDM__CALL_FIELD)
#undef TDM__CALL_FIELD
} tdm__cuda_calls;

/* The table in use (module-global). */
extern tdm__cuda_calls tdm__calls;

/* Fills the entries that come from shared libraries, once per process,
 * and checks that every required entry is set. On failure: why says
 * which library or symbol is missing; returns nonzero. */
int tdm__cuda_calls_load(char *why, size_t whylen);

/* The module's exported test hook: the live table (tests/test_cuda_*.c). */
__attribute__((visibility("default"))) tdm__cuda_calls *tdm_cuda_test_calls(void);

#endif
