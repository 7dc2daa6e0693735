/* expr_cuda_shim.h -- CUDA's built-ins as host C++, enough for the code
 * generator's kernels (both argument forms), so a test can compile a
 * generated source with c++ and run it over a simulated grid: one block
 * after another, each with blockDim.x threads run one after another (the
 * reduction kernel needs blockDim.x == 1 then: its __syncthreads is a
 * no-op). Also the extended kernel argument struct. */
#ifndef TDM_TEST_EXPR_CUDA_SHIM_H
#define TDM_TEST_EXPR_CUDA_SHIM_H

static const char xs_shim[] =
    "#include <cmath>\n#include <cstring>\nusing namespace std;\n"
    "#define __global__\n#define __device__\n#define __forceinline__ inline\n#define __restrict__\n"
    "#define __shared__ static\n"
    "struct dim3_ { unsigned x; };\n"
    "extern \"C\" { dim3_ gridDim = {1}, blockDim = {1}, blockIdx = {0}, threadIdx = {0}; }\n"
    "struct float4 { float x, y, z, w; };\nstruct double2 { double x, y; };\n"
    "struct int4 { int x, y, z, w; };\nstruct uint4 { unsigned x, y, z, w; };\n"
    "struct longlong2 { long long x, y; };\n"
    "static float4 make_float4(float a, float b, float c, float d) { return {a, b, c, d}; }\n"
    "static double2 make_double2(double a, double b) { return {a, b}; }\n"
    "static double __longlong_as_double(long long v) { double d; memcpy(&d, &v, 8); return d; }\n"
    "static void __syncthreads() {}\nstatic void __threadfence() {}\n"
    "static unsigned atomicAdd(unsigned *p, unsigned v) { unsigned o = *p; *p += v; return o; }\n"
    "static double __ldcg(const double *p) { return *p; }\n"
    "#define RN(n, t, e) static t n(t a, t b) { return e; }\n"
    "RN(__dadd_rn, double, a + b) RN(__dsub_rn, double, a - b) RN(__dmul_rn, double, a * b)\n"
    "RN(__ddiv_rn, double, a / b) RN(__fadd_rn, float, a + b) RN(__fsub_rn, float, a - b)\n"
    "RN(__fmul_rn, float, a * b) RN(__fdiv_rn, float, a / b)\n"
    "static double __dsqrt_rn(double a) { return sqrt(a); }\n"
    "static float __fsqrt_rn(float a) { return sqrtf(a); }\n"
    "#define __expf(a) expf(a)\n#define __logf(a) logf(a)\n#define __sinf(a) sinf(a)\n"
    "#define __cosf(a) cosf(a)\n";


typedef struct kargs_ext {
  const void *in[16];
  unsigned long long rs[16], cs[16], rows, ld;
} kargs_ext;
typedef void (*kern_fn)(void *, unsigned long long, kargs_ext);

#endif
