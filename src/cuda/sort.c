/* sort.c -- tdm_sort, tdm_argsort, tdm_quantile and tdm_reduce_axis on the
 * GPU (host side; kernels/sort.cu runs CUB's radix sorts, kernels/axis.cu
 * the per-axis statistics). Scratch comes from the stream-ordered pool. */
#include <limits.h>

#include "cuda/cuda_int.h"

static tdm_status tdm__sorting(tdm__cu *st, int what, const tdm__sarg *x, const tdm__sarg *idx,
                               size_t nq, const double *q, const tdm__sarg *out) {
  size_t n = x->rows * x->cols;
  TDM__CHECK(what != 1 && x->cols > 1 && n > (size_t)INT_MAX, TDM_ERR_INVALID,
             "x: %zu elements in %zu columns exceed the GPU sort's int segments", n, x->cols);
  size_t bytes = tdm__calls.kSortScratch(x->dt, x->rows, x->cols, nq, what == 1);
  void *scr;
  TDM__TRY(tdm__cu_scratch(st, bytes, &scr));
  tdm_status s = tdm__cu_rt(tdm__calls.kSort(what, x, idx, nq, q, out, scr, bytes, st->stream),
                            "tdmk_sort (kernel launch)");
  tdm__cu_release(st, scr);
  /* q is read by an async copy: wait before the caller may free it */
  if (s == TDM_OK && what == 2)
    s = tdm__cu_rt(tdm__calls.StreamSynchronize(st->stream), "cudaStreamSynchronize");
  return s;
}

tdm_status tdm__cu_sort(void *state, const tdm__sarg *x) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__sorting(st, 0, x, NULL, 0, NULL, NULL);
  return tdm__cu_end(st, s);
}

tdm_status tdm__cu_argsort(void *state, const tdm__sarg *x, const tdm__sarg *idx) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__sorting(st, 1, x, idx, 0, NULL, NULL);
  return tdm__cu_end(st, s);
}

tdm_status tdm__cu_quantile(void *state, const tdm__sarg *x, size_t nq, const double q[],
                            const tdm__sarg *out) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__sorting(st, 2, x, NULL, nq, q, out);
  return tdm__cu_end(st, s);
}

tdm_status tdm__cu_reduce_axis(void *state, const tdm__sarg *x, int axis, tdm_reduce_op op,
                               const tdm__sarg *out) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK)
    s = tdm__cu_rt(tdm__calls.kReduceAxis(x, axis, (int)op, out, st->stream),
                   "tdmk_reduce_axis (kernel launch)");
  return tdm__cu_end(st, s);
}
