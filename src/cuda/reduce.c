/* reduce.c -- one-pass statistics and grouped statistics on the GPU (host
 * side; the kernels are kernels/reduce.cu and kernels/group.cu). A
 * reduction reads its input once, merges block moments with Chan's
 * formula as the CPU does, and copies back only the merged moments. */
#include <stdint.h>
#include <string.h>

#include "cuda/cuda_int.h"

#define TDM__MOMENT_ITEMS 4096 /* at least this many elements per block */

static tdm_status tdm__reduce(tdm__cu *st, tdm_dtype dt, const void *x, size_t n, unsigned need,
                              tdm__moments *out) {
  int nb = tdm__cu_grid(st, n, TDM__MOMENT_ITEMS);
  void *scratch;
  TDM__TRY(tdm__cu_scratch(st, ((size_t)nb + 1) * sizeof(tdm__moments), &scratch));
  tdm__moments *part = scratch, *res = part + nb;
  tdm_status s = tdm__cu_rt(tdm__calls.kMoments(dt, x, n, need, nb, part, res, st->stream),
                            "tdmk_moments (kernel launch)");
  if (s == TDM_OK)
    s = tdm__cu_rt(tdm__calls.MemcpyAsync(st->small, res, sizeof *res, cudaMemcpyDeviceToHost,
                                       st->stream),
                   "cudaMemcpyAsync");
  tdm__cu_release(st, scratch);
  if (s == TDM_OK)
    s = tdm__cu_rt(tdm__calls.StreamSynchronize(st->stream), "tdm_reduce kernel (cudaStreamSynchronize)");
  if (s == TDM_OK) memcpy(out, st->small, sizeof *out);
  return s;
}

tdm_status tdm__cu_reduce(void *state, tdm_dtype dt, const void *x, size_t n, unsigned need,
                          tdm__moments *out) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__reduce(st, dt, x, n, need, out);
  return tdm__cu_end(st, s);
}

/* Reads one small value back (results, error details). */
static tdm_status tdm__peek(tdm__cu *st, const void *dev, size_t bytes, void *host) {
  TDM__TRY(tdm__cu_rt(tdm__calls.MemcpyAsync(st->small, dev, bytes, cudaMemcpyDeviceToHost,
                                          st->stream),
                      "cudaMemcpyAsync"));
  TDM__TRY(tdm__cu_rt(tdm__calls.StreamSynchronize(st->stream), "cudaStreamSynchronize"));
  memcpy(host, st->small, bytes);
  return TDM_OK;
}

static tdm_status tdm__group(tdm__cu *st, tdm_dtype dt, const void *x, const int32_t *g, size_t n,
                             size_t G, tdm_reduce_op op, double *out) {
  size_t words = tdmk_group_words(G), bytes;
  TDM__CHECK(tdm__mul_ovf(words, 8, &bytes), TDM_ERR_INVALID,
             "ngroups: %zu accumulators overflow the address space", G);
  void *acc;
  TDM__TRY(tdm__cu_scratch(st, bytes, &acc));
  char *a = acc;
  size_t zero = tdmk_group_zero_words(G) * 8;
  tdm_status s = tdm__cu_rt(tdm__calls.MemsetAsync(a, 0, zero, st->stream), "cudaMemsetAsync");
  if (s == TDM_OK)
    s = tdm__cu_rt(tdm__calls.MemsetAsync(a + zero, 0xff, bytes - zero, st->stream),
                   "cudaMemsetAsync");
  if (s == TDM_OK) {
    int nb = tdm__cu_grid(st, n, 1024);
    s = tdm__cu_rt(tdm__calls.kGroupReduce(dt, x, g, n, G, (int)op, acc, out, nb, st->stream),
                   "tdmk_group_reduce (kernel launch)");
  }
  uint64_t bad = UINT64_MAX;
  if (s == TDM_OK) s = tdm__peek(st, a + tdmk_group_bad_word(G) * 8, sizeof bad, &bad);
  tdm__cu_release(st, acc);
  if (s != TDM_OK) return s;
  if (bad != UINT64_MAX) {
    int32_t id = 0;
    TDM__TRY(tdm__peek(st, g + bad, sizeof id, &id));
    return tdm__err(TDM_ERR_INVALID, "groups: element %llu is %d, outside [0, %zu)",
                    (unsigned long long)bad, (int)id, G);
  }
  return TDM_OK;
}

tdm_status tdm__cu_group_reduce(void *state, tdm_dtype dt, const void *x, const int32_t *g, size_t n,
                                size_t G, tdm_reduce_op op, double *out) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__group(st, dt, x, g, n, G, op, out);
  return tdm__cu_end(st, s);
}
