/* axis.cu -- one statistic per column (axis 0: one block per column, a
 * fixed shared-memory tree over its threads) or per row (axis 1: one thread
 * per row, columns in order), two-pass (mean, then squared deviations), so
 * stable for data far from zero; x may be a strided window. NaN in the data
 * gives NaN; inf gives the IEEE sum and mean, and VAR NaN, as on the CPU. */
#include <cuda_runtime.h>
#include <math.h>
#include <math_constants.h>
#include <stdint.h>

#include "tdmk.h"

namespace {

struct st5 {
  double n, s, mn, mx, q;
  int nan;
};

__device__ double get(const tdm__sarg &x, size_t i, size_t j) {
  size_t a = i + j * x.ld;
  return x.dt == TDM_F64 ? static_cast<const double *>(x.p)[a]
                         : (double)static_cast<const float *>(x.p)[a];
}

__device__ double value(const st5 &t, int op) {
  if (op == TDM_COUNT) return t.n;
  if (t.n == 0) return CUDART_NAN;
  double mean = t.s / t.n;
  double var = t.n > 1 && isfinite(mean) ? t.q / (t.n - 1) : CUDART_NAN;
  switch (op) {
  case TDM_SUM: return t.s;
  case TDM_MEAN: return mean;
  case TDM_MIN: return t.nan ? CUDART_NAN : t.mn;
  case TDM_MAX: return t.nan ? CUDART_NAN : t.mx;
  case TDM_VAR: return var;
  case TDM_SD: return sqrt(var);
  }
  return CUDART_NAN;
}

__device__ void put(const tdm__sarg &o, size_t k, double v) {
  size_t a = o.rows == 1 ? k * o.ld : k;
  if (o.dt == TDM_F64) static_cast<double *>(o.p)[a] = v;
  else static_cast<float *>(o.p)[a] = (float)v;
}

__global__ void rows_kernel(tdm__sarg x, int op, tdm__sarg out) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < x.rows;
       i += (size_t)gridDim.x * blockDim.x) {
    st5 t = {0, 0, CUDART_INF, -CUDART_INF, 0, 0};
    for (size_t j = 0; j < x.cols; j++) {
      double v = get(x, i, j);
      t.n++, t.s += v;
      t.nan |= v != v;
      t.mn = v < t.mn ? v : t.mn;
      t.mx = v > t.mx ? v : t.mx;
    }
    double mean = t.s / t.n;
    for (size_t j = 0; j < x.cols; j++) {
      double d = get(x, i, j) - mean;
      t.q += d * d;
    }
    put(out, i, value(t, op));
  }
}

#define T 256
__global__ void __launch_bounds__(T) cols_kernel(tdm__sarg x, int op, tdm__sarg out) {
  __shared__ double s[T], mn[T], mx[T];
  __shared__ int nan[T];
  __shared__ double mean;
  size_t j = blockIdx.x;
  double a = 0, lo = CUDART_INF, hi = -CUDART_INF;
  int bad = 0;
  for (size_t i = threadIdx.x; i < x.rows; i += T) {
    double v = get(x, i, j);
    a += v;
    bad |= v != v;
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  s[threadIdx.x] = a, mn[threadIdx.x] = lo, mx[threadIdx.x] = hi, nan[threadIdx.x] = bad;
  __syncthreads();
  for (int w = T / 2; w > 0; w >>= 1) { /* a fixed tree: the same bits every run */
    if ((int)threadIdx.x < w) {
      int o = threadIdx.x + w;
      s[threadIdx.x] += s[o];
      mn[threadIdx.x] = mn[o] < mn[threadIdx.x] ? mn[o] : mn[threadIdx.x];
      mx[threadIdx.x] = mx[o] > mx[threadIdx.x] ? mx[o] : mx[threadIdx.x];
      nan[threadIdx.x] |= nan[o];
    }
    __syncthreads();
  }
  st5 t = {(double)x.rows, s[0], mn[0], mx[0], 0, nan[0]};
  if (threadIdx.x == 0) mean = t.s / t.n;
  __syncthreads();
  double q = 0;
  for (size_t i = threadIdx.x; i < x.rows; i += T) {
    double d = get(x, i, j) - mean;
    q += d * d;
  }
  __syncthreads();
  s[threadIdx.x] = q;
  __syncthreads();
  for (int w = T / 2; w > 0; w >>= 1) {
    if ((int)threadIdx.x < w) s[threadIdx.x] += s[threadIdx.x + w];
    __syncthreads();
  }
  t.q = s[0];
  if (threadIdx.x == 0) put(out, j, value(t, op));
}

} // namespace

extern "C" int tdmk_reduce_axis(const tdm__sarg *x, int axis, int op, const tdm__sarg *out,
                                void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  if (axis == 0) {
    for (size_t j0 = 0; j0 < x->cols; j0 += 65535) { /* grid x limit per launch is large; keep it simple */
      tdm__sarg xs = *x, os = *out;
      size_t nc = x->cols - j0 < 65535 ? x->cols - j0 : 65535;
      xs.p = (char *)x->p + j0 * x->ld * (x->dt == TDM_F64 ? 8 : 4);
      xs.cols = nc;
      os.p = (char *)out->p + j0 * out->ld * (out->dt == TDM_F64 ? 8 : 4);
      cols_kernel<<<(unsigned)nc, T, 0, s>>>(xs, op, os);
    }
  } else {
    size_t b = (x->rows + 255) / 256;
    rows_kernel<<<(unsigned)(b < 4096 ? b : 4096), 256, 0, s>>>(*x, op, *out);
  }
  return (int)cudaGetLastError();
}
