/* sort.cu -- tdm_sort, tdm_argsort and tdm_quantile on the GPU: values to
 * order-preserving integer keys (NaN the largest, as on the CPU:
 * src/cpu/sort_int.h), CUB's radix sort (segmented, one segment a column,
 * for a matrix), keys back to values; quantiles read the sorted keys with
 * the CPU's type-7 formula (src/cpu/q7.h). Scratch layout: two key arrays,
 * two value arrays (argsort), the column offsets, q, then CUB's storage. */
#include <cuda_runtime.h>
#include <math.h>
#include <math_constants.h>
#include <stdint.h>

#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_segmented_radix_sort.cuh>

#include "cpu/q7.h"
#include "tdmk.h"

namespace {

typedef unsigned long long u64;

__host__ __device__ size_t up(size_t b) { return (b + 255) / 256 * 256; }
__host__ __device__ size_t kbytes(tdm_dtype dt) { return dt == TDM_F64 || dt == TDM_I64 ? 8 : 4; }

__device__ __forceinline__ size_t at(const tdm__sarg &a, size_t k) {
  return a.ld == a.rows ? k : k % a.rows + (k / a.rows) * a.ld;
}

template <typename K> struct keyer;
template <> struct keyer<u64> {
  static __device__ u64 of(const tdm__sarg &x, size_t i, bool zero) {
    if (x.dt == TDM_I64) return (u64)static_cast<const long long *>(x.p)[i] ^ 0x8000000000000000ull;
    double v = static_cast<const double *>(x.p)[i];
    if (v != v) return ~0ull;
    if (zero && v == 0) v = 0; /* -0 ties with +0 (argsort) */
    u64 u = (u64)__double_as_longlong(v);
    return (u >> 63) ? ~u : u ^ 0x8000000000000000ull;
  }
  static __device__ void put(const tdm__sarg &x, size_t i, u64 k) {
    if (x.dt == TDM_I64) {
      static_cast<long long *>(x.p)[i] = (long long)(k ^ 0x8000000000000000ull);
      return;
    }
    static_cast<double *>(x.p)[i] = value(k);
  }
  static __device__ double value(u64 k) {
    if (k == ~0ull) return CUDART_NAN;
    u64 u = (k >> 63) ? k ^ 0x8000000000000000ull : ~k;
    return __longlong_as_double((long long)u);
  }
};
template <> struct keyer<unsigned> {
  static __device__ unsigned of(const tdm__sarg &x, size_t i, bool zero) {
    if (x.dt == TDM_U32) return static_cast<const unsigned *>(x.p)[i];
    if (x.dt == TDM_I32) return (unsigned)static_cast<const int *>(x.p)[i] ^ 0x80000000u;
    float v = static_cast<const float *>(x.p)[i];
    if (v != v) return ~0u;
    if (zero && v == 0) v = 0;
    unsigned u = __float_as_uint(v);
    return (u >> 31) ? ~u : u ^ 0x80000000u;
  }
  static __device__ void put(const tdm__sarg &x, size_t i, unsigned k) {
    if (x.dt == TDM_U32) static_cast<unsigned *>(x.p)[i] = k;
    else if (x.dt == TDM_I32) static_cast<int *>(x.p)[i] = (int)(k ^ 0x80000000u);
    else static_cast<float *>(x.p)[i] = (float)value(k);
  }
  static __device__ double value(unsigned k) {
    if (k == ~0u) return CUDART_NAN;
    unsigned u = (k >> 31) ? k ^ 0x80000000u : ~k;
    return (double)__uint_as_float(u);
  }
};

#define GRID_STRIDE(i, n)                                                      \
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n);     \
       i += (size_t)gridDim.x * blockDim.x)

template <typename K> __global__ void to_keys(tdm__sarg x, size_t n, bool zero, K *k, u64 *iota) {
  GRID_STRIDE(i, n) {
    k[i] = keyer<K>::of(x, at(x, i), zero);
    if (iota) iota[i] = i;
  }
}
template <typename K> __global__ void from_keys(tdm__sarg x, size_t n, const K *k) {
  GRID_STRIDE(i, n) keyer<K>::put(x, at(x, i), k[i]);
}
__global__ void put_idx(tdm__sarg idx, size_t n, const u64 *v) {
  GRID_STRIDE(i, n) {
    size_t a = idx.rows == 1 ? i * idx.ld : i;
    if (idx.dt == TDM_I64) static_cast<long long *>(idx.p)[a] = (long long)v[i];
    else static_cast<int *>(idx.p)[a] = (int)v[i];
  }
}
__global__ void offsets(int *off, size_t cols, size_t rows) {
  GRID_STRIDE(j, cols + 1) off[j] = (int)(j * rows);
}
template <typename K>
__global__ void quant(const K *k, size_t rows, size_t cols, size_t nq, const double *q,
                      tdm__sarg out) {
  GRID_STRIDE(t, nq * cols) {
    size_t j = t / nq, c = t % nq;
    const K *col = k + j * rows;
    double *o = static_cast<double *>(out.p) + j * out.ld + c;
    if (keyer<K>::value(col[rows - 1]) != keyer<K>::value(col[rows - 1])) {
      *o = CUDART_NAN; /* NaN sorts last */
      continue;
    }
    size_t lo, hi;
    double g;
    tdm__q7(q[c], rows, &lo, &hi, &g);
    *o = tdm__lerp(keyer<K>::value(col[lo]), keyer<K>::value(col[hi]), g);
  }
}

/* Layout of the scratch area; cub = CUB's bytes (0 while asking). */
struct layout {
  size_t k1, k2, v1, v2, off, q, cub, total;
  layout(size_t n, size_t ks, size_t cols, size_t nq, bool pairs, size_t cubb) {
    k1 = 0;
    k2 = up(n * ks);
    v1 = k2 + up(n * ks);
    v2 = v1 + (pairs ? up(n * 8) : 0);
    off = v2 + (pairs ? up(n * 8) : 0);
    q = off + up((cols + 1) * sizeof(int));
    cub = q + up(nq * 8);
    total = cub + cubb;
  }
};

template <typename K>
cudaError_t radix(void *tmp, size_t &tb, bool pairs, const K *in, K *out, const u64 *vin, u64 *vout,
                  size_t rows, size_t cols, const int *off, cudaStream_t s) {
  size_t n = rows * cols;
  if (cols == 1) {
    if (pairs) return cub::DeviceRadixSort::SortPairs(tmp, tb, in, out, vin, vout, n, 0, 8 * (int)sizeof(K), s);
    return cub::DeviceRadixSort::SortKeys(tmp, tb, in, out, n, 0, 8 * (int)sizeof(K), s);
  }
  if (pairs)
    return cub::DeviceSegmentedRadixSort::SortPairs(tmp, tb, in, out, vin, vout, (int)n, (int)cols,
                                                    off, off + 1, 0, 8 * (int)sizeof(K), s);
  return cub::DeviceSegmentedRadixSort::SortKeys(tmp, tb, in, out, (int)n, (int)cols, off, off + 1,
                                                 0, 8 * (int)sizeof(K), s);
}

template <typename K> size_t scratch(size_t rows, size_t cols, size_t nq, bool pairs) {
  size_t tb = 0;
  radix<K>(nullptr, tb, pairs, nullptr, nullptr, nullptr, nullptr, rows, cols, nullptr, 0);
  return layout(rows * cols, sizeof(K), cols, nq, pairs, tb).total;
}

unsigned blocks(size_t n) {
  size_t b = (n + 255) / 256;
  return (unsigned)(b < 8192 ? (b ? b : 1) : 8192);
}

/* what: 0 sort, 1 argsort, 2 quantile. */
template <typename K>
int run(int what, const tdm__sarg &x, const tdm__sarg *idx, size_t nq, const double *q,
        const tdm__sarg *out, void *scr, size_t bytes, cudaStream_t s) {
  size_t rows = x.rows, cols = what == 1 ? 1 : x.cols, n = x.rows * x.cols;
  if (what == 1) rows = n;
  bool pairs = what == 1;
  size_t tb = 0;
  radix<K>(nullptr, tb, pairs, nullptr, nullptr, nullptr, nullptr, rows, cols, nullptr, s);
  layout L(n, sizeof(K), cols, nq, pairs, tb);
  if (L.total > bytes) return (int)cudaErrorInvalidValue;
  char *b = static_cast<char *>(scr);
  K *k1 = reinterpret_cast<K *>(b + L.k1), *k2 = reinterpret_cast<K *>(b + L.k2);
  u64 *v1 = pairs ? reinterpret_cast<u64 *>(b + L.v1) : nullptr;
  u64 *v2 = pairs ? reinterpret_cast<u64 *>(b + L.v2) : nullptr;
  int *off = reinterpret_cast<int *>(b + L.off);
  /* (a row vector of a view: element i at i * ld, as at() gives) */
  to_keys<K><<<blocks(n), 256, 0, s>>>(x, n, what == 1, k1, v1);
  if (cols > 1) offsets<<<blocks(cols + 1), 256, 0, s>>>(off, cols, rows);
  cudaError_t e = radix<K>(b + L.cub, tb, pairs, k1, k2, v1, v2, rows, cols, off, s);
  if (e != cudaSuccess) return (int)e;
  if (what == 0) from_keys<K><<<blocks(n), 256, 0, s>>>(x, n, k2);
  if (what == 1) put_idx<<<blocks(n), 256, 0, s>>>(*idx, n, v2);
  if (what == 2) {
    double *qd = reinterpret_cast<double *>(b + L.q);
    e = cudaMemcpyAsync(qd, q, nq * sizeof(double), cudaMemcpyHostToDevice, s);
    if (e != cudaSuccess) return (int)e;
    quant<K><<<blocks(nq * cols), 256, 0, s>>>(k2, rows, cols, nq, qd, *out);
  }
  return (int)cudaGetLastError();
}

} // namespace

extern "C" size_t tdmk_sort_scratch(tdm_dtype dt, size_t rows, size_t cols, size_t nq, int pairs) {
  if (pairs) rows *= cols, cols = 1;
  return kbytes(dt) == 8 ? scratch<u64>(rows, cols, nq, pairs) : scratch<unsigned>(rows, cols, nq, pairs);
}

extern "C" int tdmk_sort(int what, const tdm__sarg *x, const tdm__sarg *idx, size_t nq,
                         const double *q, const tdm__sarg *out, void *scratch, size_t bytes,
                         void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  if (kbytes(x->dt) == 8) return run<u64>(what, *x, idx, nq, q, out, scratch, bytes, s);
  return run<unsigned>(what, *x, idx, nq, q, out, scratch, bytes, s);
}
