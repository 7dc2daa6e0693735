/* status.c -- CUDA, cuBLAS, cuSOLVER, driver and NVRTC status codes to
 * tdm_status plus a message naming the call and the library's own name
 * for the code. Allocation failures are TDM_ERR_DEVICE_NOMEM; every other
 * failure of a library call is TDM_ERR_BACKEND. */
#include <stdio.h>

#include "cuda/cuda_int.h"

void tdm__cu_rt_describe(cudaError_t e, char *buf, size_t len) {
  const char *name = tdm__calls.GetErrorName ? tdm__calls.GetErrorName(e) : NULL;
  const char *text = tdm__calls.GetErrorString ? tdm__calls.GetErrorString(e) : NULL;
  snprintf(buf, len, "%s (%s)", name ? name : "cudaError", text ? text : "no description");
}

tdm_status tdm__cu_rt(cudaError_t e, const char *call) {
  if (e == cudaSuccess) return TDM_OK;
  if (tdm__calls.GetLastError) (void)tdm__calls.GetLastError(); /* clear the sticky slot */
  char d[256];
  tdm__cu_rt_describe(e, d, sizeof d);
  if (e == cudaErrorMemoryAllocation)
    return tdm__err(TDM_ERR_DEVICE_NOMEM, "%s: out of device memory: %s", call, d);
  return tdm__err(TDM_ERR_BACKEND, "%s: %s", call, d);
}

static const char *tdm__blas_name(cublasStatus_t s) {
  switch (s) {
  case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
  case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
  case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
  case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
  case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
  case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
  case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
  case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
  case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
  case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
  }
  return "CUBLAS_STATUS_UNKNOWN";
}

tdm_status tdm__cu_blas(cublasStatus_t s, const char *call) {
  if (s == CUBLAS_STATUS_SUCCESS) return TDM_OK;
  if (s == CUBLAS_STATUS_ALLOC_FAILED)
    return tdm__err(TDM_ERR_DEVICE_NOMEM, "%s: out of device memory (%s)", call,
                    tdm__blas_name(s));
  return tdm__err(TDM_ERR_BACKEND, "%s: %s (status %d)", call, tdm__blas_name(s), (int)s);
}

static const char *tdm__sol_name(cusolverStatus_t s) {
  switch (s) {
  case CUSOLVER_STATUS_SUCCESS: return "CUSOLVER_STATUS_SUCCESS";
  case CUSOLVER_STATUS_NOT_INITIALIZED: return "CUSOLVER_STATUS_NOT_INITIALIZED";
  case CUSOLVER_STATUS_ALLOC_FAILED: return "CUSOLVER_STATUS_ALLOC_FAILED";
  case CUSOLVER_STATUS_INVALID_VALUE: return "CUSOLVER_STATUS_INVALID_VALUE";
  case CUSOLVER_STATUS_ARCH_MISMATCH: return "CUSOLVER_STATUS_ARCH_MISMATCH";
  case CUSOLVER_STATUS_EXECUTION_FAILED: return "CUSOLVER_STATUS_EXECUTION_FAILED";
  case CUSOLVER_STATUS_INTERNAL_ERROR: return "CUSOLVER_STATUS_INTERNAL_ERROR";
  case CUSOLVER_STATUS_NOT_SUPPORTED: return "CUSOLVER_STATUS_NOT_SUPPORTED";
  default: return "CUSOLVER_STATUS_OTHER";
  }
}

tdm_status tdm__cu_sol(cusolverStatus_t s, const char *call) {
  if (s == CUSOLVER_STATUS_SUCCESS) return TDM_OK;
  if (s == CUSOLVER_STATUS_ALLOC_FAILED)
    return tdm__err(TDM_ERR_DEVICE_NOMEM, "%s: out of device memory (%s)", call,
                    tdm__sol_name(s));
  return tdm__err(TDM_ERR_BACKEND, "%s: %s (status %d)", call, tdm__sol_name(s), (int)s);
}

tdm_status tdm__cu_drv(CUresult r, const char *call) {
  if (r == CUDA_SUCCESS) return TDM_OK;
  const char *name = NULL;
  if (tdm__calls.cuGetErrorName) tdm__calls.cuGetErrorName(r, &name);
  if (r == CUDA_ERROR_OUT_OF_MEMORY)
    return tdm__err(TDM_ERR_DEVICE_NOMEM, "%s: out of device memory (%s)", call,
                    name ? name : "CUDA_ERROR_OUT_OF_MEMORY");
  return tdm__err(TDM_ERR_BACKEND, "%s: %s (CUresult %d)", call, name ? name : "CUDA_ERROR",
                  (int)r);
}

tdm_status tdm__cu_rtc(nvrtcResult r, const char *call) {
  if (r == NVRTC_SUCCESS) return TDM_OK;
  const char *text = tdm__calls.rtcGetErrorString ? tdm__calls.rtcGetErrorString(r) : NULL;
  if (r == NVRTC_ERROR_OUT_OF_MEMORY)
    return tdm__err(TDM_ERR_NOMEM, "%s: out of host memory (%s)", call, text ? text : "NVRTC");
  return tdm__err(TDM_ERR_BACKEND, "%s: %s (nvrtcResult %d)", call, text ? text : "NVRTC error",
                  (int)r);
}
