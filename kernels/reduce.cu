/* reduce.cu -- one-pass moments (n, sum, mean, m2, min, max) of an F32 or
 * F64 array. Each thread accumulates its elements about a shift (its first
 * element) in double, blocks merge their threads' moments with Chan's
 * formula in a fixed tree order and write one partial each, and a last
 * block merges the partials in order: deterministic for a given grid, and
 * the same merge as the CPU's tdm__moments_merge (src/cpu/reduce.c). */
#include <cuda_runtime.h>
#include <math.h>
#include <math_constants.h>
#include <stdint.h>

#include "tdmk.h"

namespace {

__device__ __forceinline__ void merge(tdm__moments &a, const tdm__moments &b) {
  if (b.n == 0) return;
  if (a.n == 0) {
    a = b;
    return;
  }
  double n = a.n + b.n;
  if (isfinite(a.mean) && isfinite(b.mean)) {
    double d = b.mean - a.mean;
    a.m2 = a.m2 + b.m2 + d * d * (a.n * b.n / n);
    a.mean = a.mean + d * (b.n / n);
  } else { /* as tdm__moments_merge: no inf - inf; data holding inf has VAR NaN */
    a.mean = a.mean + b.mean;
    a.m2 = CUDART_NAN;
  }
  a.sum += b.sum;
  a.min = (a.min < b.min || isnan(a.min)) ? a.min : b.min;
  a.max = (a.max > b.max || isnan(a.max)) ? a.max : b.max;
  a.n = n;
}

__device__ __forceinline__ tdm__moments shfl_down(const tdm__moments &m, int off) {
  tdm__moments r;
  r.n = __shfl_down_sync(0xffffffffu, m.n, off);
  r.sum = __shfl_down_sync(0xffffffffu, m.sum, off);
  r.mean = __shfl_down_sync(0xffffffffu, m.mean, off);
  r.m2 = __shfl_down_sync(0xffffffffu, m.m2, off);
  r.min = __shfl_down_sync(0xffffffffu, m.min, off);
  r.max = __shfl_down_sync(0xffffffffu, m.max, off);
  return r;
}

/* Merges the block's per-thread moments; thread 0 gets the result. */
__device__ tdm__moments block_merge(tdm__moments m) {
  __shared__ tdm__moments warp[TDMK_MOMENT_THREADS / 32];
  for (int off = 16; off > 0; off >>= 1) {
    tdm__moments o = shfl_down(m, off);
    merge(m, o);
  }
  int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  if (lane == 0) warp[w] = m;
  __syncthreads();
  if (w == 0) {
    int nw = blockDim.x >> 5;
    tdm__moments z = {0, 0, 0, 0, 0, 0};
    m = lane < nw ? warp[lane] : z;
    for (int off = 16; off > 0; off >>= 1) {
      tdm__moments o = shfl_down(m, off);
      merge(m, o);
    }
  }
  return m;
}

template <typename T> struct vec;
template <> struct vec<float> {
  typedef float4 type;
  enum { n = 4 };
  static __device__ __forceinline__ void get(const float4 &v, float *o) {
    o[0] = v.x; o[1] = v.y; o[2] = v.z; o[3] = v.w;
  }
};
template <> struct vec<double> {
  typedef double2 type;
  enum { n = 2 };
  static __device__ __forceinline__ void get(const double2 &v, double *o) {
    o[0] = v.x; o[1] = v.y;
  }
};

template <typename T, bool M2, bool MM> struct acc {
  double k, s0, s1, s2;
  T mn, mx;
  bool nan;
  uint64_t cnt;
  __device__ void init(T first) {
    k = (double)first;
    s0 = s1 = s2 = 0;
    mn = mx = first;
    nan = false;
    cnt = 0;
  }
  __device__ __forceinline__ void add(T v) {
    double x = (double)v;
    s0 += x;
    if (M2) {
      double d = x - k;
      s1 += d;
      s2 = fma(d, d, s2);
    }
    if (MM) {
      mn = v < mn ? v : mn;
      mx = v > mx ? v : mx;
      nan |= v != v;
    }
  }
  __device__ tdm__moments get() const {
    tdm__moments m = {0, 0, 0, 0, 0, 0};
    if (cnt == 0) return m;
    double n = (double)cnt;
    m.n = n;
    m.sum = s0;
    m.mean = s0 / n; /* the same whichever statistics were asked for */
    if (M2) {
      double q = s2 - s1 * s1 / n; /* shifted sums: stable when far from 0 */
      m.m2 = q > 0 || q != q ? q : 0; /* inf in the data: NaN, not 0 */
    }
    if (MM) {
      m.min = nan ? (double)NAN : (double)mn;
      m.max = nan ? (double)NAN : (double)mx;
    }
    return m;
  }
};

/* Block b handles [b*chunk, min(n, (b+1)*chunk)); chunk is a multiple of
 * the vector width, so vector loads stay aligned when x is. */
template <typename T, bool M2, bool MM, bool VEC>
__global__ void __launch_bounds__(TDMK_MOMENT_THREADS)
    moments_part(const T *__restrict__ x, size_t n, size_t chunk, tdm__moments *part) {
  typedef vec<T> V;
  const int W = VEC ? V::n : 1;
  size_t lo = (size_t)blockIdx.x * chunk;
  size_t hi = lo + chunk < n ? lo + chunk : n;
  acc<T, M2, MM> a;
  size_t len = hi > lo ? hi - lo : 0;
  size_t nv = len / W; /* whole vectors */
  size_t t = threadIdx.x, stride = blockDim.x;
  size_t tail0 = lo + nv * W, ntail = len - nv * W;
  bool has = t < nv || t < ntail;
  a.init(has ? x[t < nv ? lo + t * W : tail0 + t] : (T)0);
  if (VEC) {
    const typename V::type *xv = reinterpret_cast<const typename V::type *>(x + lo);
    size_t i = t;
    for (; i + stride < nv; i += 2 * stride) { /* two loads in flight */
      typename V::type v0 = __ldg(xv + i), v1 = __ldg(xv + i + stride);
      T e[2 * V::n];
      V::get(v0, e);
      V::get(v1, e + V::n);
#pragma unroll
      for (int j = 0; j < 2 * V::n; j++) a.add(e[j]);
      a.cnt += 2 * V::n;
    }
    if (i < nv) {
      T e[V::n];
      V::get(__ldg(xv + i), e);
#pragma unroll
      for (int j = 0; j < V::n; j++) a.add(e[j]);
      a.cnt += V::n;
    }
  } else {
    for (size_t i = lo + t; i < tail0; i += stride) {
      a.add(x[i]);
      a.cnt++;
    }
  }
  if (t < ntail) {
    a.add(x[tail0 + t]);
    a.cnt++;
  }
  tdm__moments m = block_merge(a.get());
  if (threadIdx.x == 0) part[blockIdx.x] = m;
}

__global__ void __launch_bounds__(TDMK_MOMENT_THREADS)
    moments_final(const tdm__moments *part, int nparts, tdm__moments *out) {
  tdm__moments m = {0, 0, 0, 0, 0, 0};
  for (int i = threadIdx.x; i < nparts; i += blockDim.x) merge(m, part[i]);
  m = block_merge(m);
  if (threadIdx.x == 0) *out = m;
}

template <typename T, bool M2, bool MM>
void launch_part(const void *x, size_t n, size_t chunk, int nb, tdm__moments *part,
                 cudaStream_t s) {
  bool aligned = ((uintptr_t)x % sizeof(typename vec<T>::type)) == 0;
  if (aligned)
    moments_part<T, M2, MM, true>
        <<<nb, TDMK_MOMENT_THREADS, 0, s>>>(static_cast<const T *>(x), n, chunk, part);
  else
    moments_part<T, M2, MM, false>
        <<<nb, TDMK_MOMENT_THREADS, 0, s>>>(static_cast<const T *>(x), n, chunk, part);
}

template <typename T>
void launch_typed(const void *x, size_t n, unsigned need, size_t chunk, int nb,
                  tdm__moments *part, cudaStream_t s) {
  bool m2 = need & TDM__NEED_M2, mm = need & TDM__NEED_MINMAX;
  if (m2 && mm) launch_part<T, true, true>(x, n, chunk, nb, part, s);
  else if (m2) launch_part<T, true, false>(x, n, chunk, nb, part, s);
  else if (mm) launch_part<T, false, true>(x, n, chunk, nb, part, s);
  else launch_part<T, false, false>(x, n, chunk, nb, part, s);
}

} // namespace

extern "C" int tdmk_moments(tdm_dtype dt, const void *x, size_t n, unsigned need, int nblocks,
                            tdm__moments *part, tdm__moments *out, void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  if (nblocks < 1) nblocks = 1;
  size_t chunk = (n + nblocks - 1) / nblocks;
  chunk = (chunk + 15) / 16 * 16;
  if (dt == TDM_F64) launch_typed<double>(x, n, need, chunk, nblocks, part, s);
  else launch_typed<float>(x, n, need, chunk, nblocks, part, s);
  moments_final<<<1, TDMK_MOMENT_THREADS, 0, s>>>(part, nblocks, out);
  return (int)cudaGetLastError();
}
