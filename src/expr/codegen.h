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

/* Second wave: any layout, reductions, fast math. An input is read flat
 * (element l), as a scalar, or strided (element (i, j) = (l % rows,
 * l / rows) at i*rs[k] + j*cs[k]); out flat or at i + j*ld. Sources from
 * here (when anything is strided, reduce or fast is set; otherwise the
 * text is tdm__expr_cuda_source's) take the extended argument struct
 *   struct tdm_kargs { const void *in[16]; unsigned long long rs[16], cs[16], rows, ld; };
 * reduce: the kernel writes the moments (6 doubles: n, sum, mean, m2, min,
 * max) of the result's elements per block to out[blockIdx.x] and the last
 * block to finish merges them in order into out[gridDim.x]; the unsigned
 * counter after that must be zero at launch (the kernel leaves it zero).
 * Blocks must be 256 threads (any power of two up to 256). out_dt of a
 * reduction is the compute type. fast: f32 exp/log/sin/cos become CUDA's
 * __expf/__logf/__sinf/__cosf. */
enum { TDM__CG_FLAT, TDM__CG_SCALAR, TDM__CG_STRIDED };
typedef struct tdm__cg_spec {
  tdm_dtype out_dt;
  int nin;
  tdm_dtype in_dt[TDM__MAX_INPUTS];
  int in_mode[TDM__MAX_INPUTS];
  int out_strided, reduce, fast;
} tdm__cg_spec;
char *tdm__expr_cuda_source_ex(const tdm__prog *p, const tdm__cg_spec *spec);

/* The kernel's name in that source. */
#define TDM__EXPR_KERNEL_NAME "tdm_expr_kernel"

#endif
