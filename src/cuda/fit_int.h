/* fit_int.h -- what the CUDA module's model-fitting files share: calls by
 * dtype (CF_B for cuBLAS, CF_S for cuSOLVER), typed constants, a copy of
 * a matrix (optionally transposed) by geam with both leading dimensions,
 * and reading devInfo and small blocks back to the host. */
#ifndef TDM_CUDA_FIT_INT_H
#define TDM_CUDA_FIT_INT_H

#include "cuda/cuda_int.h"

#define CF_B(dt, op, ...) \
  ((dt) == TDM_F64 ? tdm__calls.blasD##op(__VA_ARGS__) : tdm__calls.blasS##op(__VA_ARGS__))
#define CF_S(dt, op, ...) \
  ((dt) == TDM_F64 ? tdm__calls.solD##op(__VA_ARGS__) : tdm__calls.solS##op(__VA_ARGS__))

/* A scalar of dt, for cuBLAS's pointer arguments. */
typedef union { double d; float f; } tdm__cf_num;
static inline tdm__cf_num tdm__cf_num_of(tdm_dtype dt, double v) {
  tdm__cf_num u;
  if (dt == TDM_F64) u.d = v;
  else u.f = (float)v;
  return u;
}

static inline size_t tdm__cf_es(tdm_dtype dt) { return dt == TDM_F64 ? 8 : 4; }

/* dst (m x n, ld ldd) := src, or src' when t (src n x m), on the stream. */
tdm_status tdm__cf_copy(tdm__cu *st, tdm_dtype dt, int t, size_t m, size_t n, const void *src,
                        size_t lds, void *dst, size_t ldd);
/* Waits for the stream and returns the nint ints at dev (devInfo). */
tdm_status tdm__cf_infos(tdm__cu *st, const int *dev, int nint, int *out, const char *what);
/* The lower triangle := the upper one (kernel). */
tdm_status tdm__cf_mirror(tdm__cu *st, tdm_dtype dt, size_t n, void *A, size_t lda);

#endif
