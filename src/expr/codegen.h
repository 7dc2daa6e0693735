/* codegen.h -- CUDA C for one fused kernel from an expression program.
 * Pure C, no CUDA headers: compiled into libtandem (tests) and into the
 * CUDA module, which compiles the text with NVRTC and launches it.
 *
 * Kernel ABI (fixed; the text defines struct tdm_kargs itself):
 *   struct tdm_kargs { const void *in[16]; };
 *   extern "C" __global__ void tdm_expr_kernel(void *out, unsigned long long n,
 *                                              struct tdm_kargs a);
 * Grid-stride loop over n elements, four per step with 16-byte vector loads
 * and stores (so out and every non-scalar in[k] must be 16-byte aligned, as
 * cudaMalloc's are), then a scalar tail. Scalar (broadcast) inputs are read
 * once from element 0. Math runs in tdm__expr_ctype(out_dt, in_dt): f32 or
 * f64 CUDA math functions (no fast-math variants), and + - * / sqrt use the
 * _rn intrinsics so no compiler flag (--fmad, -use_fast_math) contracts or
 * approximates them: results match the CPU kernel's IEEE arithmetic. The
 * text depends only on the program and the dtypes/scalar flags, so it is a
 * complete cache key for the compiled kernel.
 *
 * Allocation and errors: this file uses only libc string functions plus
 * tdm__malloc, tdm__free and tdm__err (src/core/alloc.h, error.h). The CUDA
 * module links it by providing those three as forwarders to its
 * tdm__host_api (malloc, free, err). */
#ifndef TDM_EXPR_CODEGEN_H
#define TDM_EXPR_CODEGEN_H

#include "expr/expr_int.h"

/* The kernel's source, NUL-terminated, allocated with tdm__malloc (free it
 * with tdm__free). nin must equal p->nin; in_scalar[k] != 0 marks input k as
 * a 1-element broadcast. NULL on failure with tdm__err set
 * (TDM_ERR_INVALID for bad arguments, TDM_ERR_NOMEM). */
char *tdm__expr_cuda_source(const tdm__prog *p, tdm_dtype out_dt, int nin, const tdm_dtype in_dt[],
                            const int in_scalar[]);

/* The kernel's name in that source. */
#define TDM__EXPR_KERNEL_NAME "tdm_expr_kernel"

#endif
