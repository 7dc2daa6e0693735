/* convert.h -- tdm_copy's dtype rules, header-only for C and CUDA: which
 * dtype pairs need a check pass, and whether one value fits the
 * destination after C's conversion (float to integer truncates toward
 * zero; NaN and +-inf never fit an integer). */
#ifndef TDM_CORE_CONVERT_H
#define TDM_CORE_CONVERT_H

#include <stdint.h>

#include "tandem/tandem.h"

#ifdef __CUDACC__
#define TDM__CVI __host__ __device__ static __forceinline__
#else
#define TDM__CVI static inline
#endif

TDM__CVI int tdm__cv_is_float(tdm_dtype d) { return d == TDM_F32 || d == TDM_F64; }

/* 1 when some value of s does not fit d. */
TDM__CVI int tdm__cv_can_fail(tdm_dtype s, tdm_dtype d) {
  if (tdm__cv_is_float(d)) return 0;            /* anything into a float rounds */
  if (tdm__cv_is_float(s)) return 1;            /* NaN, inf, range */
  if (s == d || d == TDM_I64) return 0;         /* i32, u32 widen into i64 */
  return 1;                                     /* i64 -> i32/u32, i32 <-> u32 */
}

/* A float value into integer dtype d: truncated, it must be in range.
 * Written so NaN compares false. */
TDM__CVI int tdm__cv_fits_f(tdm_dtype d, double v) {
  if (d == TDM_I32) return v > -2147483649.0 && v < 2147483648.0;
  if (d == TDM_U32) return v > -1.0 && v < 4294967296.0;
  if (d == TDM_I64) return v >= -9223372036854775808.0 && v < 9223372036854775808.0;
  return 1;
}

/* An integer value into integer dtype d. */
TDM__CVI int tdm__cv_fits_i(tdm_dtype d, int64_t v) {
  if (d == TDM_I32) return v >= INT32_MIN && v <= INT32_MAX;
  if (d == TDM_U32) return v >= 0 && v <= (int64_t)UINT32_MAX;
  return 1;
}

#endif
