/* q7.h -- numpy's default quantile ("linear", Hyndman-Fan type 7), step by
 * step as numpy computes it, for the CPU (quantile.c) and the GPU
 * (kernels/sort.cu) alike: compiles as C and as CUDA. */
#ifndef TDM_Q7_H
#define TDM_Q7_H

#include <math.h>
#include <stddef.h>

#ifdef __CUDACC__
#define TDM_Q7_FN __host__ __device__ static __forceinline__
#else
#define TDM_Q7_FN static inline
#endif

/* The order statistics lo, hi (0-based, of n sorted values) and the
 * weight g of hi for probability q. */
TDM_Q7_FN void tdm__q7(double q, size_t n, size_t *lo, size_t *hi, double *g) {
  double h = ((double)n * q + (1.0 - q)) - 1.0;
  if (h >= (double)(n - 1)) {
    *lo = *hi = n - 1, *g = 0;
  } else if (h < 0) {
    *lo = *hi = 0, *g = 0;
  } else {
    double f = floor(h);
    *lo = (size_t)f, *hi = *lo + 1, *g = h - f;
  }
}

/* numpy's _lerp (equal ends give the end, where numpy's gives NaN for inf). */
TDM_Q7_FN double tdm__lerp(double a, double b, double t) {
  if (a == b) return a;
  double d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

#endif
