/* linalg.cu -- triangle kernels for the dense linear algebra: mirror the
 * upper triangle of a p x p column-major matrix (columns ld apart) into the lower one (after
 * SYRK), through a shared-memory tile so reads and writes both coalesce,
 * and zero the strictly lower triangle (after potrf). */
#include <cuda_runtime.h>
#include <stdint.h>

#include "tdmk.h"

namespace {

const int TILE = 32, ROWS = 8;

/* Block (bx, by) writes the lower tile at rows bx*32.., cols by*32.. from
 * the mirrored upper tile at rows by*32.., cols bx*32... */
template <typename T> __global__ void fill_lower(T *C, size_t p, size_t ld) {
  __shared__ T tile[TILE][TILE + 1];
  size_t tr = blockIdx.x, tc = blockIdx.y;
  if (tr < tc) return;
  size_t r0 = tc * TILE, c0 = tr * TILE; /* source tile origin (upper part) */
  for (int k = threadIdx.y; k < TILE; k += ROWS) {
    size_t r = r0 + threadIdx.x, c = c0 + k;
    if (r < p && c < p) tile[k][threadIdx.x] = C[r + c * ld];
  }
  __syncthreads();
  for (int k = threadIdx.y; k < TILE; k += ROWS) {
    size_t i = tr * TILE + threadIdx.x, j = tc * TILE + k; /* destination (i, j), i > j */
    if (i < p && j < p && i > j) C[i + j * ld] = tile[threadIdx.x][k];
  }
}

template <typename T> __global__ void zero_lower(T *A, size_t n, size_t ld) {
  size_t tr = blockIdx.x, tc = blockIdx.y;
  if (tr < tc) return;
  for (int k = threadIdx.y; k < TILE; k += ROWS) {
    size_t i = tr * TILE + threadIdx.x, j = tc * TILE + k;
    if (i < n && j < n && i > j) A[i + j * ld] = 0;
  }
}

} // namespace

extern "C" int tdmk_fill_lower(tdm_dtype dt, size_t p, void *C, size_t ld, void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  size_t nt = (p + TILE - 1) / TILE;
  if (nt > 65535) return (int)cudaErrorInvalidValue;
  dim3 grid((unsigned)nt, (unsigned)nt), block(TILE, ROWS);
  if (dt == TDM_F64) fill_lower<double><<<grid, block, 0, s>>>(static_cast<double *>(C), p, ld);
  else fill_lower<float><<<grid, block, 0, s>>>(static_cast<float *>(C), p, ld);
  return (int)cudaGetLastError();
}

extern "C" int tdmk_zero_lower(tdm_dtype dt, size_t n, void *A, size_t ld, void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  size_t nt = (n + TILE - 1) / TILE;
  if (nt > 65535) return (int)cudaErrorInvalidValue;
  dim3 grid((unsigned)nt, (unsigned)nt), block(TILE, ROWS);
  if (dt == TDM_F64) zero_lower<double><<<grid, block, 0, s>>>(static_cast<double *>(A), n, ld);
  else zero_lower<float><<<grid, block, 0, s>>>(static_cast<float *>(A), n, ld);
  return (int)cudaGetLastError();
}
