/* rng.cu -- the CUDA random-number fill: a grid-stride loop in which each
 * thread computes whole groups of values (src/rng/group.h) -- the code the
 * CPU's scalar path runs and its vector path matches bit for bit -- so the
 * GPU produces the CPU's bits. One kernel per distribution (the template
 * fixes q.dist so only that distribution's code is compiled in, keeping the
 * register count of the simple ones low). tdmk_rng_fill is the launcher the
 * CUDA backend calls; it returns a cudaError_t (0 = success). */
#include <cuda_runtime.h>

#include "rng/group.h"

/* The CPU's bits need IEEE division, sqrt and subnormals on the device too:
 * build this file without --use_fast_math, -ftz=true or -prec-div=false
 * (nvcc defines no macro that would let it check). */

template <int D>
__global__ void __launch_bounds__(256)
    tdmk_rng_kernel(tdm__rng_req q, void *out, uint64_t ngroups) {
  q.dist = (tdm__dist)D;
  uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t g = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; g < ngroups; g += stride)
    tdm__rng_group(&q, out, g);
}

template <int D>
static cudaError_t tdmk_rng_launch(const tdm__rng_req *req, void *out, uint64_t ng,
                                   cudaStream_t stream) {
  const unsigned threads = 256;
  uint64_t blocks = (ng + threads - 1) / threads;
  if (blocks > (1u << 18)) blocks = 1u << 18; /* the rest by grid stride */
  tdmk_rng_kernel<D><<<(unsigned)blocks, threads, 0, stream>>>(*req, out, ng);
  return cudaGetLastError();
}

extern "C" int tdmk_rng_fill(const tdm__rng_req *req, void *out, void *stream) {
  if (!req) return (int)cudaErrorInvalidValue;
  uint64_t ng = tdm__rng_ngroups(req);
  if (ng == 0) return (int)cudaSuccess;
  cudaStream_t s = (cudaStream_t)stream;
  switch (req->dist) {
  case TDM__RNG_BITS: return (int)tdmk_rng_launch<TDM__RNG_BITS>(req, out, ng, s);
  case TDM__RNG_UNIFORM: return (int)tdmk_rng_launch<TDM__RNG_UNIFORM>(req, out, ng, s);
  case TDM__RNG_NORMAL: return (int)tdmk_rng_launch<TDM__RNG_NORMAL>(req, out, ng, s);
  case TDM__RNG_GAMMA: return (int)tdmk_rng_launch<TDM__RNG_GAMMA>(req, out, ng, s);
  case TDM__RNG_EXPONENTIAL: return (int)tdmk_rng_launch<TDM__RNG_EXPONENTIAL>(req, out, ng, s);
  case TDM__RNG_LOGNORMAL: return (int)tdmk_rng_launch<TDM__RNG_LOGNORMAL>(req, out, ng, s);
  case TDM__RNG_BETA: return (int)tdmk_rng_launch<TDM__RNG_BETA>(req, out, ng, s);
  case TDM__RNG_CHISQ: return (int)tdmk_rng_launch<TDM__RNG_CHISQ>(req, out, ng, s);
  case TDM__RNG_POISSON: return (int)tdmk_rng_launch<TDM__RNG_POISSON>(req, out, ng, s);
  case TDM__RNG_BINOMIAL: return (int)tdmk_rng_launch<TDM__RNG_BINOMIAL>(req, out, ng, s);
  case TDM__RNG_BERNOULLI: return (int)tdmk_rng_launch<TDM__RNG_BERNOULLI>(req, out, ng, s);
  case TDM__RNG_INTEGER: return (int)tdmk_rng_launch<TDM__RNG_INTEGER>(req, out, ng, s);
  default: return (int)cudaErrorInvalidValue;
  }
}
