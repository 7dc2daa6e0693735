/* rng.c -- random numbers on the GPU: the Philox kernels of kernels/rng.cu
 * fill a buffer on the state's stream. */
#include "cuda/cuda_int.h"

static tdm_status tdm__rng(tdm__cu *st, const tdm__rng_req *req, void *out) {
  return tdm__cu_rt((cudaError_t)tdm__calls.kRngFill(req, out, st->stream),
                    "tdmk_rng_fill (kernel launch)");
}

tdm_status tdm__cu_rng_fill(void *state, const tdm__rng_req *req, void *out) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__rng(st, req, out);
  return tdm__cu_end(st, s);
}
