/* cuda_fake_views.h -- fake GPU kernels of the views stream (tdm_copy):
 * host loops over the same windows, with the rules of src/core/convert.h.
 * Included from cuda_fake_k.h. */
#ifndef TDM_CUDA_FAKE_VIEWS_H
#define TDM_CUDA_FAKE_VIEWS_H

#include "core/convert.h"

static double fkv_getf(tdm_dtype dt, const void *p, size_t k) {
  switch (dt) {
  case TDM_F32: return ((const float *)p)[k];
  default: return ((const double *)p)[k];
  }
}
static int64_t fkv_geti(tdm_dtype dt, const void *p, size_t k) {
  switch (dt) {
  case TDM_I32: return ((const int32_t *)p)[k];
  case TDM_U32: return ((const uint32_t *)p)[k];
  default: return ((const int64_t *)p)[k];
  }
}

static int f_kCopyCheck(tdm_dtype sdt, const void *src, size_t lds, tdm_dtype ddt, size_t rows,
                        size_t cols, unsigned long long *bad, void *stream) {
  (void)stream;
  fk.launches++;
  if (fk.kernel_err) return fk.kernel_err;
  for (size_t j = 0; j < cols; j++)
    for (size_t i = 0; i < rows; i++) {
      size_t k = i + j * lds;
      int ok = tdm__cv_is_float(sdt) ? tdm__cv_fits_f(ddt, fkv_getf(sdt, src, k))
                                     : tdm__cv_fits_i(ddt, fkv_geti(sdt, src, k));
      if (!ok && i + j * rows < *bad) *bad = i + j * rows;
    }
  return 0;
}

static int f_kCopy(tdm_dtype sdt, const void *src, size_t lds, tdm_dtype ddt, void *dst, size_t ldd,
                   size_t rows, size_t cols, void *stream) {
  (void)stream;
  fk.launches++;
  if (fk.kernel_err) return fk.kernel_err;
  for (size_t j = 0; j < cols; j++)
    for (size_t i = 0; i < rows; i++) {
      size_t s = i + j * lds, d = i + j * ldd;
      if (tdm__cv_is_float(sdt)) {
        double v = fkv_getf(sdt, src, s);
        switch (ddt) {
        case TDM_F32: ((float *)dst)[d] = (float)v; break;
        case TDM_F64: ((double *)dst)[d] = v; break;
        case TDM_I32: ((int32_t *)dst)[d] = (int32_t)v; break;
        case TDM_I64: ((int64_t *)dst)[d] = (int64_t)v; break;
        case TDM_U32: ((uint32_t *)dst)[d] = (uint32_t)v; break;
        }
      } else {
        int64_t v = fkv_geti(sdt, src, s);
        switch (ddt) {
        case TDM_F32: ((float *)dst)[d] = (float)v; break;
        case TDM_F64: ((double *)dst)[d] = (double)v; break;
        case TDM_I32: ((int32_t *)dst)[d] = (int32_t)v; break;
        case TDM_I64: ((int64_t *)dst)[d] = v; break;
        case TDM_U32: ((uint32_t *)dst)[d] = (uint32_t)v; break;
        }
      }
    }
  return 0;
}

#endif
