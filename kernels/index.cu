/* index.cu -- gather and stream compaction. take: a check kernel keeps the
 * lowest index outside x (atomicMin) and its value, so the host reads back
 * 16 bytes and nothing else; then one thread per output element gathers
 * (consecutive threads write consecutive elements of an output column).
 * nonzero: CUB's DeviceSelect::If over the positions 0..n-1 with a
 * predicate that reads the mask's bits (sign bit ignored for floats: -0.0
 * is zero, NaN is not), writing positions straight into idx, or into a
 * contiguous stage then scattered when idx is strided. */
#include <cuda_runtime.h>
#include <stdint.h>

#include <cub/device/device_select.cuh>
#include <thrust/iterator/counting_iterator.h>

#include "tdmk.h"

namespace {

typedef unsigned long long u64;

__device__ __forceinline__ size_t ioff(size_t q, size_t irows, size_t ild) {
  if (ild == irows) return q;
  if (irows == 1) return q * ild;
  return q % irows + q / irows * ild;
}

__device__ __forceinline__ long long iget(bool i64, const void *idx, size_t off) {
  return i64 ? static_cast<const long long *>(idx)[off]
             : (long long)static_cast<const int32_t *>(idx)[off];
}

__global__ void check(bool i64, const void *idx, size_t m, size_t irows, size_t ild, size_t limit,
                      u64 *bad) {
  for (size_t q = blockIdx.x * (size_t)blockDim.x + threadIdx.x; q < m;
       q += (size_t)gridDim.x * blockDim.x) {
    long long v = iget(i64, idx, ioff(q, irows, ild));
    if (v < 0 || (u64)v >= (u64)limit) atomicMin(bad, (u64)q);
  }
}

__global__ void check_value(bool i64, const void *idx, size_t irows, size_t ild, u64 *bad) {
  if (bad[0] != ~0ull) bad[1] = (u64)iget(i64, idx, ioff((size_t)bad[0], irows, ild));
}

template <typename T>
__global__ void gather(int axis, const T *__restrict__ x, size_t rows, size_t cols, size_t ldx,
                       bool i64, const void *__restrict__ idx, size_t m, size_t irows, size_t ild,
                       T *__restrict__ out, size_t ldo) {
  size_t orows = axis == 0 ? m : rows, n = orows * (axis == 0 ? cols : m);
  for (size_t e = blockIdx.x * (size_t)blockDim.x + threadIdx.x; e < n;
       e += (size_t)gridDim.x * blockDim.x) {
    size_t i = e % orows, j = e / orows;
    size_t src = axis == 0 ? (size_t)iget(i64, idx, ioff(i, irows, ild)) + j * ldx
                           : i + (size_t)iget(i64, idx, ioff(j, irows, ild)) * ldx;
    out[i + j * ldo] = x[src];
  }
}

/* Non-zero by bits: B is the element's width, `keep` clears a float's sign. */
template <typename B> struct nonzero_at {
  const B *m;
  long long rows, ld;
  B keep;
  __host__ __device__ bool operator()(long long k) const {
    B v = ld == rows ? m[k] : m[k % rows + k / rows * ld];
    return (v & keep) != 0;
  }
};

template <typename O>
__global__ void scatter(const O *stage, const long long *count, O *idx, size_t irows, size_t ild) {
  size_t n = (size_t)*count;
  for (size_t q = blockIdx.x * (size_t)blockDim.x + threadIdx.x; q < n;
       q += (size_t)gridDim.x * blockDim.x)
    idx[ioff(q, irows, ild)] = stage[q];
}

/* One CUB select (temp == NULL: only sizes *bytes). */
template <typename B, typename O>
cudaError_t select(const tdm__nonzero_args *a, void *temp, size_t *bytes, O *out,
                   long long *count, cudaStream_t s) {
  nonzero_at<B> p;
  p.m = static_cast<const B *>(a->mask);
  p.rows = (long long)a->rows;
  p.ld = (long long)a->ldm;
  p.keep = (a->dt == TDM_F32 || a->dt == TDM_F64) ? (B)(~(B)0 >> 1) : (B)~(B)0;
  long long n = (long long)(a->rows * a->cols);
  return cub::DeviceSelect::If(temp, *bytes, thrust::counting_iterator<long long>(0), out, count,
                               n, p, s);
}

template <typename B>
cudaError_t select_out(const tdm__nonzero_args *a, void *temp, size_t *bytes, void *out,
                       long long *count, cudaStream_t s) {
  if (a->idt == TDM_I64) return select<B>(a, temp, bytes, static_cast<long long *>(out), count, s);
  return select<B>(a, temp, bytes, static_cast<int32_t *>(out), count, s);
}

cudaError_t select_any(const tdm__nonzero_args *a, void *temp, size_t *bytes, void *out,
                       long long *count, cudaStream_t s) {
  if (tdm__esize(a->dt) == 8) return select_out<u64>(a, temp, bytes, out, count, s);
  return select_out<uint32_t>(a, temp, bytes, out, count, s);
}

bool strided(const tdm__nonzero_args *a) { return a->ild != a->irows; }

} // namespace

extern "C" int tdmk_take_check(const tdm__take_args *a, uint64_t *bad, int nblocks, void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  bool i64 = a->idt == TDM_I64;
  size_t limit = a->axis == 0 ? a->rows : a->cols;
  check<<<nblocks < 1 ? 1 : nblocks, 256, 0, s>>>(i64, a->idx, a->m, a->irows, a->ild, limit,
                                                  reinterpret_cast<u64 *>(bad));
  check_value<<<1, 1, 0, s>>>(i64, a->idx, a->irows, a->ild, reinterpret_cast<u64 *>(bad));
  return (int)cudaGetLastError();
}

extern "C" int tdmk_take(const tdm__take_args *a, int nblocks, void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  bool i64 = a->idt == TDM_I64;
  int nb = nblocks < 1 ? 1 : nblocks;
  if (tdm__esize(a->dt) == 8)
    gather<u64><<<nb, 256, 0, s>>>(a->axis, static_cast<const u64 *>(a->x), a->rows, a->cols,
                                   a->ldx, i64, a->idx, a->m, a->irows, a->ild,
                                   static_cast<u64 *>(a->out), a->ldo);
  else
    gather<uint32_t><<<nb, 256, 0, s>>>(a->axis, static_cast<const uint32_t *>(a->x), a->rows,
                                        a->cols, a->ldx, i64, a->idx, a->m, a->irows, a->ild,
                                        static_cast<uint32_t *>(a->out), a->ldo);
  return (int)cudaGetLastError();
}

extern "C" int tdmk_nonzero_temp(const tdm__nonzero_args *a, size_t *bytes) {
  *bytes = 0;
  return (int)select_any(a, NULL, bytes, a->idx, NULL, 0);
}

extern "C" int tdmk_nonzero(const tdm__nonzero_args *a, void *temp, size_t temp_bytes, void *stage,
                            uint64_t *count, int nblocks, void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  long long *cnt = reinterpret_cast<long long *>(count);
  void *out = strided(a) ? stage : a->idx;
  cudaError_t e = select_any(a, temp, &temp_bytes, out, cnt, s);
  if (e != cudaSuccess) return (int)e;
  if (strided(a)) {
    int nb = nblocks < 1 ? 1 : nblocks;
    if (a->idt == TDM_I64)
      scatter<long long><<<nb, 256, 0, s>>>(static_cast<const long long *>(stage), cnt,
                                            static_cast<long long *>(a->idx), a->irows, a->ild);
    else
      scatter<int32_t><<<nb, 256, 0, s>>>(static_cast<const int32_t *>(stage), cnt,
                                          static_cast<int32_t *>(a->idx), a->irows, a->ild);
  }
  return (int)cudaGetLastError();
}
