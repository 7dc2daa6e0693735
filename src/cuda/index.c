/* index.c -- take and nonzero on the GPU (host side; kernels in
 * kernels/index.cu). take checks its indices on the device and reads back
 * only the check's 16 bytes (lowest bad element and its value) before it
 * gathers, so a bad index leaves out untouched and idx never comes to the
 * host. nonzero runs CUB's select and reads back only the count. */
#include <stdint.h>
#include <string.h>

#include "cuda/cuda_int.h"


static tdm_status tdm__take(tdm__cu *st, const tdm__take_args *a) {
  void *w;
  TDM__TRY(tdm__cu_scratch(st, 2 * sizeof(uint64_t), &w));
  uint64_t bad[2] = {0, 0};
  tdm_status s = tdm__cu_rt(tdm__calls.MemsetAsync(w, 0xff, sizeof bad, st->stream),
                            "cudaMemsetAsync");
  if (s == TDM_OK)
    s = tdm__cu_rt((cudaError_t)tdm__calls.kTakeCheck(a, w, tdm__cu_grid(st, a->m, 1024),
                                                      st->stream),
                   "tdmk_take_check (kernel launch)");
  if (s == TDM_OK) s = tdm__cu_peek(st, w, sizeof bad, bad);
  tdm__cu_release(st, w);
  if (s != TDM_OK) return s;
  if (bad[0] != UINT64_MAX)
    return tdm__err(TDM_ERR_INVALID, "idx: element %llu is %lld, outside [0, %zu) (the %s of x)",
                    (unsigned long long)bad[0], (long long)bad[1],
                    a->axis == 0 ? a->rows : a->cols, a->axis == 0 ? "rows" : "columns");
  size_t n = (a->axis == 0 ? a->m : a->rows) * (a->axis == 0 ? a->cols : a->m);
  return tdm__cu_rt((cudaError_t)tdm__calls.kTake(a, tdm__cu_grid(st, n, 2048), st->stream),
                    "tdmk_take (kernel launch)");
}

tdm_status tdm__cu_take(void *state, const tdm__take_args *a) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__take(st, a);
  return tdm__cu_end(st, s);
}

#define TDM__ALIGN(b) (((b) + 255) & ~(size_t)255)

static tdm_status tdm__nonzero(tdm__cu *st, const tdm__nonzero_args *a, size_t *count) {
  size_t n = a->rows * a->cols, temp = 0;
  TDM__TRY(tdm__cu_rt((cudaError_t)tdm__calls.kNonzeroTemp(a, &temp),
                      "tdmk_nonzero_temp (cub::DeviceSelect::If)"));
  size_t stage = a->ild != a->irows ? n * tdm__esize(a->idt) : 0;
  size_t bytes = TDM__ALIGN(sizeof(uint64_t)) + TDM__ALIGN(temp) + stage;
  void *w;
  TDM__TRY(tdm__cu_scratch(st, bytes, &w));
  char *cnt = w, *tmp = cnt + TDM__ALIGN(sizeof(uint64_t)), *stg = tmp + TDM__ALIGN(temp);
  uint64_t k = 0;
  tdm_status s = tdm__cu_rt(
      (cudaError_t)tdm__calls.kNonzero(a, temp ? tmp : NULL, temp, stage ? stg : NULL,
                                       (uint64_t *)cnt, tdm__cu_grid(st, n, 2048), st->stream),
      "tdmk_nonzero (kernel launch)");
  if (s == TDM_OK) s = tdm__cu_peek(st, cnt, sizeof k, &k);
  tdm__cu_release(st, w);
  if (s == TDM_OK) *count = (size_t)k;
  return s;
}

tdm_status tdm__cu_nonzero(void *state, const tdm__nonzero_args *a, size_t *count) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__nonzero(st, a, count);
  return tdm__cu_end(st, s);
}
