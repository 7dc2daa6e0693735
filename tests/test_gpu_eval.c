/* test_gpu_eval.c -- on a CUDA device, the module's expression path with
 * a hand-written kernel in place of the code generator (through the call
 * table's generator entry): NVRTC compiles it for the device, the driver
 * loads it, and the launch computes out = 2*x + y for every element of
 * sizes that do and do not fill whole blocks. Skips without a device. */
#include "gpu_common.h"

#ifndef TDM_TEST_CUDA_MODULE
Test(gpu_eval, not_built) { cr_skip_test("the CUDA module is not built"); }
#else
#include <dlfcn.h>

#include "core/ctx_int.h"
#include "cuda/calls.h"

static const char src[] =
    "struct tdm_kargs { const void *in[16]; };\n"
    "extern \"C\" __global__ void tdm_expr_kernel(void *out, unsigned long long n, struct tdm_kargs a) {\n"
    "  const double *x = (const double *)a.in[0], *y = (const double *)a.in[1];\n"
    "  double *o = (double *)out;\n"
    "  for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < n;\n"
    "       i += (unsigned long long)gridDim.x * blockDim.x)\n"
    "    o[i] = 2.0 * x[i] + y[i];\n"
    "}\n";

static int generated;
static char *hand_written(const tdm__prog *p, tdm_dtype o, int nin, const tdm_dtype *in, const int *sc) {
  (void)p, (void)o, (void)in, (void)sc;
  cr_assert_eq(nin, 2);
  generated++;
  return strdup(src);
}

Test(gpu_eval, nvrtc_kernel_runs, .timeout = 120) {
  if (gpu_sim_mode()) cr_skip_test("the sim device has no NVRTC path");
  tdm_ctx *g = gpu_ctx();
  void *h = dlopen(TDM_TEST_CUDA_MODULE, RTLD_NOW | RTLD_LOCAL);
  cr_assert(h, "%s", dlerror());
  tdm__cuda_calls *(*get)(void);
  *(void **)&get = dlsym(h, "tdm_cuda_test_calls");
  get()->exprSource = hand_written;
  const size_t sizes[] = {1, 255, 256, 1000003};
  for (size_t si = 0; si < 4; si++) {
    size_t n = sizes[si], bytes = n * sizeof(double);
    double *x = malloc(bytes), *y = malloc(bytes), *o = malloc(bytes);
    gpu_fill(x, n, -1, 1), gpu_fill(y, n, -1, 1);
    void *dx, *dy, *dout;
    cr_assert_eq(g->dev->alloc(g->dev_st, bytes, &dx), TDM_OK);
    cr_assert_eq(g->dev->alloc(g->dev_st, bytes, &dy), TDM_OK);
    cr_assert_eq(g->dev->alloc(g->dev_st, bytes, &dout), TDM_OK);
    cr_assert_eq(g->dev->h2d(g->dev_st, dx, x, bytes), TDM_OK);
    cr_assert_eq(g->dev->h2d(g->dev_st, dy, y, bytes), TDM_OK);
    cr_assert_eq(g->dev->zero(g->dev_st, dout, bytes), TDM_OK);
    tdm__eval_args a;
    memset(&a, 0, sizeof a);
    a.out = dout, a.out_dt = TDM_F64, a.n = n, a.nin = 2;
    a.in[0] = dx, a.in[1] = dy, a.in_dt[0] = a.in_dt[1] = TDM_F64, a.in_n[0] = a.in_n[1] = n;
    cr_assert_eq(g->dev->eval(g->dev_st, NULL, &a), TDM_OK, "%s", tdm_last_error());
    cr_assert_eq(g->dev->d2h(g->dev_st, o, dout, bytes), TDM_OK, "%s", tdm_last_error());
    for (size_t i = 0; i < n; i++) cr_assert_eq(o[i], 2.0 * x[i] + y[i], "n %zu element %zu", n, i);
    g->dev->free(g->dev_st, dx), g->dev->free(g->dev_st, dy), g->dev->free(g->dev_st, dout);
    free(x), free(y), free(o);
  }
  cr_assert_eq(generated, 4, "the source is generated per evaluation");
  tdm_ctx_destroy(g);
}
#endif
