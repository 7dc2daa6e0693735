/* fit.cu -- the triangle kernel of the model-fitting calls: mirror the
 * upper triangle of an n x n column-major matrix with leading dimension
 * lda into its lower one (after potri, and so X'WX comes out exactly
 * symmetric), through a shared-memory tile so reads and writes coalesce. */
#include <cuda_runtime.h>
#include <stdint.h>

#include "tdmk.h"

namespace {

const int TILE = 32, ROWS = 8;

/* Block (bx, by), bx >= by, writes the lower tile at rows bx*32.., columns
 * by*32.. from the upper tile at rows by*32.., columns bx*32... */
template <typename T> __global__ void mirror(T *A, size_t n, size_t lda) {
  __shared__ T tile[TILE][TILE + 1];
  size_t tr = blockIdx.x, tc = blockIdx.y;
  if (tr < tc) return;
  size_t r0 = tc * TILE, c0 = tr * TILE;
  for (int k = threadIdx.y; k < TILE; k += ROWS) {
    size_t r = r0 + threadIdx.x, c = c0 + k;
    if (r < n && c < n) tile[k][threadIdx.x] = A[r + c * lda];
  }
  __syncthreads();
  for (int k = threadIdx.y; k < TILE; k += ROWS) {
    size_t i = tr * TILE + threadIdx.x, j = tc * TILE + k;
    if (i < n && j < n && i > j) A[i + j * lda] = tile[threadIdx.x][k];
  }
}

} // namespace

extern "C" int tdmk_fit_mirror(tdm_dtype dt, size_t n, void *A, size_t lda, void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  size_t nt = (n + TILE - 1) / TILE;
  if (nt > 65535) return (int)cudaErrorInvalidValue;
  dim3 grid((unsigned)nt, (unsigned)nt), block(TILE, ROWS);
  if (dt == TDM_F64) mirror<double><<<grid, block, 0, s>>>(static_cast<double *>(A), n, lda);
  else mirror<float><<<grid, block, 0, s>>>(static_cast<float *>(A), n, lda);
  return (int)cudaGetLastError();
}
