/* group.cu -- grouped statistics: per-group count, sum, min and max with
 * device atomics in one pass (min/max on order-preserving integer keys of
 * the double value, NaN flagged apart), then for VAR/SD a second pass of
 * squared deviations about each group's mean (two-pass: stable), then one
 * thread per group writes the result. Ids outside [0,G) are skipped and
 * the lowest offending index is kept for the host's error message.
 * Atomic sums make the last bits depend on scheduling. */
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>

#include "tdmk.h"

namespace {

typedef unsigned long long u64;

__device__ __forceinline__ u64 key(double v) {
  u64 u = (u64)__double_as_longlong(v);
  return (u >> 63) ? ~u : (u | 0x8000000000000000ull);
}

__device__ __forceinline__ double unkey(u64 k) {
  u64 u = (k >> 63) ? (k & 0x7fffffffffffffffull) : ~k;
  return __longlong_as_double((long long)u);
}

struct accs {
  double *cnt, *sum, *m2;
  u64 *mx, *nan, *mn, *bad;
  __device__ accs(void *a, size_t G) {
    u64 *w = static_cast<u64 *>(a);
    cnt = reinterpret_cast<double *>(w);
    sum = reinterpret_cast<double *>(w + G);
    m2 = reinterpret_cast<double *>(w + 2 * G);
    mx = w + 3 * G;
    nan = w + 4 * G;
    mn = w + 5 * G;
    bad = w + 6 * G;
  }
};

template <typename T>
__global__ void pass1(const T *__restrict__ x, const int32_t *__restrict__ g, size_t n, size_t G,
                      bool minmax, void *acc) {
  accs a(acc, G);
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x) {
    int32_t id = g[i];
    if (id < 0 || (size_t)id >= G) {
      atomicMin(a.bad, (u64)i);
      continue;
    }
    double v = (double)x[i];
    atomicAdd(&a.cnt[id], 1.0);
    atomicAdd(&a.sum[id], v);
    if (minmax) {
      if (v != v) {
        a.nan[id] = 1;
      } else {
        u64 k = key(v);
        atomicMin(&a.mn[id], k);
        atomicMax(&a.mx[id], k);
      }
    }
  }
}

template <typename T>
__global__ void pass2(const T *__restrict__ x, const int32_t *__restrict__ g, size_t n, size_t G,
                      void *acc) {
  accs a(acc, G);
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x) {
    int32_t id = g[i];
    if (id < 0 || (size_t)id >= G) continue;
    double d = (double)x[i] - a.sum[id] / a.cnt[id];
    atomicAdd(&a.m2[id], d * d);
  }
}

__global__ void finish(size_t G, int op, void *acc, double *out) {
  accs a(acc, G);
  for (size_t k = blockIdx.x * (size_t)blockDim.x + threadIdx.x; k < G;
       k += (size_t)gridDim.x * blockDim.x) {
    double c = a.cnt[k], r = NAN;
    if (c > 0) {
      double var = c > 1 ? a.m2[k] / (c - 1) : NAN;
      switch (op) {
      case TDM_SUM: r = a.sum[k]; break;
      case TDM_MEAN: r = a.sum[k] / c; break;
      case TDM_MIN: r = a.nan[k] ? NAN : unkey(a.mn[k]); break;
      case TDM_MAX: r = a.nan[k] ? NAN : unkey(a.mx[k]); break;
      case TDM_VAR: r = var; break;
      case TDM_SD: r = sqrt(var); break;
      }
    }
    out[k] = r;
  }
}

template <typename T>
void launch(const void *x, const int32_t *g, size_t n, size_t G, int op, void *acc, double *out,
            int nb, cudaStream_t s) {
  const T *xt = static_cast<const T *>(x);
  bool mm = op == TDM_MIN || op == TDM_MAX;
  pass1<T><<<nb, 256, 0, s>>>(xt, g, n, G, mm, acc);
  if (op == TDM_VAR || op == TDM_SD) pass2<T><<<nb, 256, 0, s>>>(xt, g, n, G, acc);
  size_t fb = (G + 255) / 256;
  finish<<<(unsigned)(fb < 4096 ? fb : 4096), 256, 0, s>>>(G, op, acc, out);
}

} // namespace

extern "C" int tdmk_group_reduce(tdm_dtype dt, const void *x, const int32_t *g, size_t n, size_t G,
                                 int op, void *acc, double *out, int nblocks, void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  if (nblocks < 1) nblocks = 1;
  if (dt == TDM_F64) launch<double>(x, g, n, G, op, acc, out, nblocks, s);
  else launch<float>(x, g, n, G, op, acc, out, nblocks, s);
  return (int)cudaGetLastError();
}
