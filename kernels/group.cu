/* group.cu -- several statistics per group in one pass over the data on
 * the GPU. With few groups (a table that fits in shared memory) each block
 * accumulates its contiguous slice into shared-memory tables (count, sum,
 * min/max on order-preserving keys of the value, NaN flag) and writes them
 * out; one thread per group then merges the block tables in block order
 * (compensated). VAR/SD take a second such pass of squared deviations
 * about each group's mean (two-pass: stable). With many groups the blocks
 * update global tables with atomics instead. Within a block the order of
 * shared atomics is the scheduler's, so the last bits of a sum may vary
 * from run to run. Ids outside [0,G) are skipped and the lowest offending
 * element index is kept in *bad for the host's message. */
#include <cuda_runtime.h>
#include <math.h>
#include <math_constants.h>
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

/* Element k of a strided operand. */
__device__ __forceinline__ size_t at(const tdm__sarg &a, size_t k) {
  return a.ld == a.rows ? k : k % a.rows + (k / a.rows) * a.ld;
}
__device__ __forceinline__ double xval(const tdm__sarg &x, size_t k) {
  size_t i = at(x, k);
  return x.dt == TDM_F64 ? static_cast<const double *>(x.p)[i]
                         : (double)static_cast<const float *>(x.p)[i];
}
__device__ __forceinline__ long long gid(const tdm__sarg &g, size_t k) {
  size_t i = at(g, k);
  return g.dt == TDM_I64 ? static_cast<const long long *>(g.p)[i]
                         : (long long)static_cast<const int *>(g.p)[i];
}

/* One table: G entries of each field. */
struct table {
  double *cnt, *sum, *m2;
  u64 *mn, *mx;
  unsigned *nan;
  __device__ table(void *base, size_t G) {
    char *b = static_cast<char *>(base);
    cnt = reinterpret_cast<double *>(b);
    sum = cnt + G;
    m2 = sum + G;
    mn = reinterpret_cast<u64 *>(m2 + G);
    mx = mn + G;
    nan = reinterpret_cast<unsigned *>(mx + G);
  }
  __device__ void clear(size_t k) {
    cnt[k] = sum[k] = m2[k] = 0;
    mn[k] = ~0ull;
    mx[k] = 0;
    nan[k] = 0;
  }
};

/* Per-group totals after pass 1 (the final table): in the first table of
 * the scratch area; the block tables follow. */
__global__ void pass1(tdm__sarg x, tdm__sarg g, size_t n, size_t G, size_t chunk, bool shared,
                      void *scratch, u64 *bad) {
  extern __shared__ double smem[];
  table tot(scratch, G);
  table part(static_cast<char *>(scratch) + (blockIdx.x + 1) * tdmk_group_table_bytes(G), G);
  table sh(smem, G);
  table &t = shared ? sh : tot;
  if (shared) {
    for (size_t k = threadIdx.x; k < G; k += blockDim.x) sh.clear(k);
    __syncthreads();
  }
  size_t lo = blockIdx.x * chunk, hi = lo + chunk < n ? lo + chunk : n;
  for (size_t i = lo + threadIdx.x; i < hi; i += blockDim.x) {
    long long id = gid(g, i);
    if (id < 0 || (u64)id >= G) {
      atomicMin(bad, (u64)i);
      continue;
    }
    double v = xval(x, i);
    atomicAdd(&t.cnt[id], 1.0);
    atomicAdd(&t.sum[id], v);
    if (v != v) {
      t.nan[id] = 1;
    } else {
      u64 kv = key(v);
      atomicMin(&t.mn[id], kv);
      atomicMax(&t.mx[id], kv);
    }
  }
  if (shared) {
    __syncthreads();
    for (size_t k = threadIdx.x; k < G; k += blockDim.x) {
      part.cnt[k] = sh.cnt[k];
      part.sum[k] = sh.sum[k];
      part.mn[k] = sh.mn[k];
      part.mx[k] = sh.mx[k];
      part.nan[k] = sh.nan[k];
    }
  }
}

/* One thread per group: block tables in block order into the totals. */
__global__ void merge1(size_t G, int nb, void *scratch) {
  table tot(scratch, G);
  for (size_t k = blockIdx.x * (size_t)blockDim.x + threadIdx.x; k < G;
       k += (size_t)gridDim.x * blockDim.x) {
    double c = 0, s = 0, comp = 0;
    u64 mn = ~0ull, mx = 0;
    unsigned nan = 0;
    for (int b = 0; b < nb; b++) {
      table p(static_cast<char *>(scratch) + (b + 1) * tdmk_group_table_bytes(G), G);
      c += p.cnt[k];
      double v = p.sum[k], t = s + v;
      comp += fabs(s) >= fabs(v) ? (s - t) + v : (v - t) + s;
      s = t;
      mn = p.mn[k] < mn ? p.mn[k] : mn;
      mx = p.mx[k] > mx ? p.mx[k] : mx;
      nan |= p.nan[k];
    }
    tot.cnt[k] = c;
    tot.sum[k] = isfinite(s) ? s + comp : s;
    tot.mn[k] = mn;
    tot.mx[k] = mx;
    tot.nan[k] = nan;
    tot.m2[k] = 0;
  }
}

/* Squared deviations about each group's mean. */
__global__ void pass2(tdm__sarg x, tdm__sarg g, size_t n, size_t G, size_t chunk, bool shared,
                      void *scratch) {
  extern __shared__ double smem[];
  table tot(scratch, G);
  table part(static_cast<char *>(scratch) + (blockIdx.x + 1) * tdmk_group_table_bytes(G), G);
  double *m2 = shared ? smem : tot.m2;
  if (shared) {
    for (size_t k = threadIdx.x; k < G; k += blockDim.x) smem[k] = 0;
    __syncthreads();
  }
  size_t lo = blockIdx.x * chunk, hi = lo + chunk < n ? lo + chunk : n;
  for (size_t i = lo + threadIdx.x; i < hi; i += blockDim.x) {
    long long id = gid(g, i);
    if (id < 0 || (u64)id >= G) continue;
    double d = xval(x, i) - tot.sum[id] / tot.cnt[id];
    atomicAdd(&m2[id], d * d);
  }
  if (shared) {
    __syncthreads();
    for (size_t k = threadIdx.x; k < G; k += blockDim.x) part.m2[k] = smem[k];
  }
}

__global__ void merge2(size_t G, int nb, void *scratch) {
  table tot(scratch, G);
  for (size_t k = blockIdx.x * (size_t)blockDim.x + threadIdx.x; k < G;
       k += (size_t)gridDim.x * blockDim.x) {
    double q = 0;
    for (int b = 0; b < nb; b++) {
      table p(static_cast<char *>(scratch) + (b + 1) * tdmk_group_table_bytes(G), G);
      q += p.m2[k];
    }
    tot.m2[k] = q;
  }
}

__global__ void finish(size_t G, int op, void *scratch, double *out) {
  table a(scratch, G);
  for (size_t k = blockIdx.x * (size_t)blockDim.x + threadIdx.x; k < G;
       k += (size_t)gridDim.x * blockDim.x) {
    double c = a.cnt[k], r = CUDART_NAN;
    if (op == TDM_COUNT) {
      r = c;
    } else if (c > 0) {
      double mean = a.sum[k] / c;
      /* data holding inf: the spread is NaN, not inf - inf's accident */
      double var = c > 1 && isfinite(mean) ? a.m2[k] / (c - 1) : CUDART_NAN;
      switch (op) {
      case TDM_SUM: r = a.sum[k]; break;
      case TDM_MEAN: r = mean; break;
      case TDM_MIN: r = a.nan[k] ? CUDART_NAN : unkey(a.mn[k]); break;
      case TDM_MAX: r = a.nan[k] ? CUDART_NAN : unkey(a.mx[k]); break;
      case TDM_VAR: r = var; break;
      case TDM_SD: r = sqrt(var); break;
      }
    }
    out[k] = r;
  }
}

__global__ void clear_tot(size_t G, void *scratch, u64 *bad) {
  table tot(scratch, G);
  for (size_t k = blockIdx.x * (size_t)blockDim.x + threadIdx.x; k < G;
       k += (size_t)gridDim.x * blockDim.x)
    tot.clear(k);
  if (blockIdx.x == 0 && threadIdx.x == 0) *bad = ~0ull;
}

} // namespace

extern "C" int tdmk_group_stats(const tdm__sarg *x, const tdm__sarg *g, size_t G, size_t nops,
                                const int *ops, void *scratch, const tdm__sarg *out, int nblocks,
                                unsigned long long *bad, void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  size_t n = x->rows * x->cols;
  bool shared = tdmk_group_shared(G);
  int nb = shared ? (nblocks < 1 ? 1 : nblocks) : (nblocks < 1 ? 1 : nblocks);
  size_t chunk = (n + nb - 1) / nb;
  size_t smem = shared ? tdmk_group_table_bytes(G) : 0;
  unsigned fb = (unsigned)((G + 255) / 256 < 4096 ? (G + 255) / 256 : 4096);
  bool var = false;
  for (size_t k = 0; k < nops; k++) var |= ops[k] == TDM_VAR || ops[k] == TDM_SD;
  clear_tot<<<fb, 256, 0, s>>>(G, scratch, bad);
  pass1<<<nb, 256, smem, s>>>(*x, *g, n, G, chunk, shared, scratch, bad);
  if (shared) merge1<<<fb, 256, 0, s>>>(G, nb, scratch);
  if (var) {
    pass2<<<nb, 256, shared ? G * sizeof(double) : 0, s>>>(*x, *g, n, G, chunk, shared, scratch);
    if (shared) merge2<<<fb, 256, 0, s>>>(G, nb, scratch);
  }
  for (size_t k = 0; k < nops; k++)
    finish<<<fb, 256, 0, s>>>(G, ops[k], scratch, static_cast<double *>(out->p) + k * out->ld);
  return (int)cudaGetLastError();
}
