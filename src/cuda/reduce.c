/* reduce.c -- one-pass statistics and grouped statistics (several per
 * group, one pass) on the GPU (host side; the kernels are kernels/reduce.cu
 * and kernels/group.cu). A
 * reduction reads its input once, merges block moments with Chan's
 * formula as the CPU does, and copies back only the merged moments. */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
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
tdm_status tdm__cu_peek(tdm__cu *st, const void *dev, size_t bytes, void *host) {
  TDM__TRY(tdm__cu_rt(tdm__calls.MemcpyAsync(st->small, dev, bytes, cudaMemcpyDeviceToHost,
                                          st->stream),
                      "cudaMemcpyAsync"));
  TDM__TRY(tdm__cu_rt(tdm__calls.StreamSynchronize(st->stream), "cudaStreamSynchronize"));
  memcpy(host, st->small, bytes);
  return TDM_OK;
}

static tdm_status tdm__group(tdm__cu *st, const tdm__sarg *x, const tdm__sarg *g, size_t G,
                             size_t nops, const tdm_reduce_op ops[], const tdm__sarg *out) {
  size_t n = x->rows * x->cols;
  int nb = tdm__cu_grid(st, n, 4096);
  TDM__CHECK(G > SIZE_MAX / 64 / ((size_t)nb + 1), TDM_ERR_INVALID,
             "ngroups: %zu accumulators overflow the address space", G);
  size_t bytes = tdmk_group_scratch(G, nb);
  int *op = tdm__malloc(nops * sizeof *op);
  TDM__CHECK(!op, TDM_ERR_NOMEM, "out of host memory for %zu ops", nops);
  for (size_t k = 0; k < nops; k++) op[k] = (int)ops[k];
  void *acc;
  tdm_status s = tdm__cu_scratch(st, bytes + 8, &acc);
  if (s != TDM_OK) {
    tdm__free(op);
    return s;
  }
  unsigned long long *bad = (unsigned long long *)((char *)acc + bytes);
  s = tdm__cu_rt(tdm__calls.kGroupStats(x, g, G, nops, op, acc, out, nb, bad, st->stream),
                 "tdmk_group_stats (kernel launch)");
  tdm__free(op);
  uint64_t first = UINT64_MAX;
  if (s == TDM_OK) s = tdm__cu_peek(st, bad, sizeof first, &first);
  tdm__cu_release(st, acc);
  if (s != TDM_OK || first == UINT64_MAX) return s;
  size_t es = g->dt == TDM_I64 ? 8 : 4, at = first % g->rows + first / g->rows * g->ld;
  int64_t id = 0;
  int32_t id32 = 0;
  if (es == 8) {
    TDM__TRY(tdm__cu_peek(st, (const char *)g->p + at * es, 8, &id));
  } else {
    TDM__TRY(tdm__cu_peek(st, (const char *)g->p + at * es, 4, &id32));
    id = id32;
  }
  return tdm__err(TDM_ERR_INVALID, "groups: element %llu is %lld, outside [0, %zu)",
                  (unsigned long long)first, (long long)id, G);
}

tdm_status tdm__cu_group_stats(void *state, const tdm__sarg *x, const tdm__sarg *g, size_t G,
                               size_t nops, const tdm_reduce_op ops[], const tdm__sarg *out) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__group(st, x, g, G, nops, ops, out);
  return tdm__cu_end(st, s);
}
