/* copy.cu -- tdm_copy on the GPU: one kernel that copies a strided
 * rows x cols window into another, converting the dtype as C does, and
 * (for pairs that can fail) a check kernel run first that leaves the
 * lowest column-major index of a value that does not fit in *bad. Rules:
 * src/core/convert.h, shared with the CPU. */
#include <cuda_runtime.h>
#include <stdint.h>

#include "core/convert.h"
#include "tdmk.h"

namespace {

const int THREADS = 256;

template <typename S, typename D>
__global__ void copy2d(const S *src, size_t lds, D *dst, size_t ldd, size_t rows, size_t cols) {
  for (size_t j = blockIdx.y; j < cols; j += gridDim.y)
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < rows;
         i += (size_t)gridDim.x * blockDim.x)
      dst[i + j * ldd] = (D)src[i + j * lds];
}

template <typename S> __device__ int fits(tdm_dtype d, S v) { return tdm__cv_fits_i(d, (int64_t)v); }
template <> __device__ int fits<float>(tdm_dtype d, float v) { return tdm__cv_fits_f(d, v); }
template <> __device__ int fits<double>(tdm_dtype d, double v) { return tdm__cv_fits_f(d, v); }

template <typename S>
__global__ void check2d(const S *src, size_t lds, tdm_dtype ddt, size_t rows, size_t cols,
                        unsigned long long *bad) {
  for (size_t j = blockIdx.y; j < cols; j += gridDim.y)
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < rows;
         i += (size_t)gridDim.x * blockDim.x)
      if (!fits<S>(ddt, src[i + j * lds])) atomicMin(bad, (unsigned long long)(i + j * rows));
}

dim3 grid_of(size_t rows, size_t cols) {
  size_t bx = (rows + THREADS - 1) / THREADS;
  if (bx > 1024) bx = 1024;
  size_t by = cols > 65535 ? 65535 : cols;
  return dim3((unsigned)bx, (unsigned)by);
}

template <typename S>
void launch_to(tdm_dtype ddt, const S *src, size_t lds, void *dst, size_t ldd, size_t rows,
               size_t cols, cudaStream_t s) {
  dim3 g = grid_of(rows, cols);
  switch (ddt) {
  case TDM_F32: copy2d<<<g, THREADS, 0, s>>>(src, lds, (float *)dst, ldd, rows, cols); break;
  case TDM_F64: copy2d<<<g, THREADS, 0, s>>>(src, lds, (double *)dst, ldd, rows, cols); break;
  case TDM_I32: copy2d<<<g, THREADS, 0, s>>>(src, lds, (int32_t *)dst, ldd, rows, cols); break;
  case TDM_I64: copy2d<<<g, THREADS, 0, s>>>(src, lds, (int64_t *)dst, ldd, rows, cols); break;
  case TDM_U32: copy2d<<<g, THREADS, 0, s>>>(src, lds, (uint32_t *)dst, ldd, rows, cols); break;
  }
}

} // namespace

extern "C" int tdmk_copy(tdm_dtype sdt, const void *src, size_t lds, tdm_dtype ddt, void *dst,
                         size_t ldd, size_t rows, size_t cols, void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  switch (sdt) {
  case TDM_F32: launch_to(ddt, (const float *)src, lds, dst, ldd, rows, cols, s); break;
  case TDM_F64: launch_to(ddt, (const double *)src, lds, dst, ldd, rows, cols, s); break;
  case TDM_I32: launch_to(ddt, (const int32_t *)src, lds, dst, ldd, rows, cols, s); break;
  case TDM_I64: launch_to(ddt, (const int64_t *)src, lds, dst, ldd, rows, cols, s); break;
  case TDM_U32: launch_to(ddt, (const uint32_t *)src, lds, dst, ldd, rows, cols, s); break;
  }
  return (int)cudaGetLastError();
}

extern "C" int tdmk_copy_check(tdm_dtype sdt, const void *src, size_t lds, tdm_dtype ddt,
                               size_t rows, size_t cols, unsigned long long *bad, void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  dim3 g = grid_of(rows, cols);
  switch (sdt) {
  case TDM_F32: check2d<<<g, THREADS, 0, s>>>((const float *)src, lds, ddt, rows, cols, bad); break;
  case TDM_F64: check2d<<<g, THREADS, 0, s>>>((const double *)src, lds, ddt, rows, cols, bad); break;
  case TDM_I32: check2d<<<g, THREADS, 0, s>>>((const int32_t *)src, lds, ddt, rows, cols, bad); break;
  case TDM_I64: check2d<<<g, THREADS, 0, s>>>((const int64_t *)src, lds, ddt, rows, cols, bad); break;
  case TDM_U32: check2d<<<g, THREADS, 0, s>>>((const uint32_t *)src, lds, ddt, rows, cols, bad); break;
  }
  return (int)cudaGetLastError();
}
