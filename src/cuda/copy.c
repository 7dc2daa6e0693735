/* copy.c -- tdm_copy on the GPU (host side; kernels/copy.cu): for a dtype
 * pair that can fail, a check kernel and a wait for its one word (the
 * answer decides whether anything is written), then the copy kernel. */
#include <stdint.h>
#include <string.h>

#include "core/convert.h"
#include "cuda/cuda_int.h"

static tdm_status tdm__check(tdm__cu *st, tdm_dtype sdt, const void *src, size_t lds,
                             tdm_dtype ddt, size_t rows, size_t cols, size_t *bad) {
  void *w;
  TDM__TRY(tdm__cu_scratch(st, sizeof(unsigned long long), &w));
  tdm_status s = tdm__cu_rt(tdm__calls.MemsetAsync(w, 0xff, sizeof(unsigned long long), st->stream),
                            "cudaMemsetAsync");
  if (s == TDM_OK)
    s = tdm__cu_rt((cudaError_t)tdm__calls.kCopyCheck(sdt, src, lds, ddt, rows, cols, w, st->stream),
                   "tdmk_copy_check (kernel launch)");
  if (s == TDM_OK)
    s = tdm__cu_rt(tdm__calls.MemcpyAsync(st->small, w, sizeof(unsigned long long),
                                       cudaMemcpyDeviceToHost, st->stream),
                   "cudaMemcpyAsync");
  tdm__cu_release(st, w);
  if (s == TDM_OK)
    s = tdm__cu_rt(tdm__calls.StreamSynchronize(st->stream), "tdm_copy check (cudaStreamSynchronize)");
  if (s != TDM_OK) return s;
  unsigned long long b;
  memcpy(&b, st->small, sizeof b);
  if (b == ~0ull) return TDM_OK;
  if (bad) *bad = (size_t)b;
  return TDM_ERR_INVALID;
}

tdm_status tdm__cu_copy(void *state, tdm_dtype sdt, const void *src, size_t lds, tdm_dtype ddt,
                        void *dst, size_t ldd, size_t rows, size_t cols, size_t *bad) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK && tdm__cv_can_fail(sdt, ddt))
    s = tdm__check(st, sdt, src, lds, ddt, rows, cols, bad);
  if (s == TDM_OK)
    s = tdm__cu_rt((cudaError_t)tdm__calls.kCopy(sdt, src, lds, ddt, dst, ldd, rows, cols,
                                                  st->stream),
                   "tdmk_copy (kernel launch)");
  return tdm__cu_end(st, s); /* TDM_ERR_INVALID: a refused value, nothing written */
}
