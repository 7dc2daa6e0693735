/* test_cuda_expr.c -- the CUDA module's second-wave expression paths on the
 * fake GPU, end to end: tdm_eval with broadcast rows and columns and
 * tdm_eval_reduce go through the module's layout, the code generator, its
 * kernel cache and launch; "NVRTC" hands the source on as the image, and
 * "loading" it compiles it as host C++ against the CUDA shim, so the launch
 * runs the generated kernel itself over a simulated grid (one thread per
 * block). Results against plain loops; only the moments come back. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/tandem.h"

#ifndef TDM_TEST_CUDA_MODULE
Test(cuda_expr, not_built) {
  cr_skip_test("the CUDA module is not built (no CUDA toolkit at configure time, or TDM_CUDA=OFF)");
}
#else
#include <stdio.h>
#include <unistd.h>

#include "core/ctx_int.h"
#include "cuda_fake.h"
#include "expr/codegen.h"
#include "expr_cuda_shim.h"
#include "support/support.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

/* ---- NVRTC and the driver, emulated on the host ---------------------- */
typedef struct hmod {
  void *dl;
  int ext; /* the source takes the extended argument struct */
  char dir[32];
} hmod;
static long hm_live, hm_launches;

static nvrtcResult h_size(nvrtcProgram p, size_t *n) {
  *n = strlen(*(char **)p) + 1; /* fk_prog's first field: the source */
  return NVRTC_SUCCESS;
}
static nvrtcResult h_get(nvrtcProgram p, char *o) {
  strcpy(o, *(char **)p);
  return NVRTC_SUCCESS;
}

static CUresult h_load(CUmodule *m, const void *img) {
  hmod *h = calloc(1, sizeof *h);
  strcpy(h->dir, "/tmp/tdm_cux_XXXXXX");
  cr_assert_not_null(mkdtemp(h->dir));
  char path[96], cmd[320];
  snprintf(path, sizeof path, "%s/k.cc", h->dir);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs(xs_shim, f);
  fputs(img, f);
  fclose(f);
  h->ext = strstr(img, "rs[16], cs[16]") != NULL;
  snprintf(cmd, sizeof cmd, "c++ -O1 -shared -fPIC -ffp-contract=off -o %s/k.so %s", h->dir, path);
  cr_assert_eq(system(cmd), 0, "host compile of the generated kernel failed:\n%s", (const char *)img);
  snprintf(path, sizeof path, "%s/k.so", h->dir);
  h->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  cr_assert_not_null(h->dl, "%s", dlerror());
  hm_live++;
  *m = (CUmodule)h;
  return CUDA_SUCCESS;
}
static CUresult h_unload(CUmodule m) {
  hmod *h = (hmod *)m;
  char cmd[128];
  dlclose(h->dl);
  snprintf(cmd, sizeof cmd, "rm -rf %s", h->dir);
  cr_assert_eq(system(cmd), 0);
  free(h);
  hm_live--;
  return CUDA_SUCCESS;
}
static CUresult h_getfn(CUfunction *f, CUmodule m, const char *name) {
  cr_assert_str_eq(name, "tdm_expr_kernel");
  *f = (CUfunction)m;
  return CUDA_SUCCESS;
}
typedef struct { const void *in[16]; } kargs_flat;
typedef void (*kern_flat)(void *, unsigned long long, kargs_flat);
static CUresult h_launch(CUfunction fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                         unsigned bz, unsigned sh, CUstream s, void **params, void **extra) {
  (void)s;
  hmod *h = (hmod *)fn;
  cr_assert(gx >= 1 && gy == 1 && gz == 1 && bx == 256 && by == 1 && bz == 1 && sh == 0 && !extra);
  struct dim3_ { unsigned x; } *grid = dlsym(h->dl, "gridDim"), *block = dlsym(h->dl, "blockDim"),
                               *bi = dlsym(h->dl, "blockIdx"), *ti = dlsym(h->dl, "threadIdx");
  void *k = dlsym(h->dl, "tdm_expr_kernel");
  cr_assert(grid && block && bi && ti && k);
  grid->x = gx, block->x = 1, ti->x = 0;
  void *out = *(void **)params[0];
  unsigned long long n = *(unsigned long long *)params[1];
  hm_launches++;
  for (bi->x = 0; bi->x < gx; bi->x++) {
    if (h->ext) ((kern_fn)k)(out, n, *(kargs_ext *)params[2]);
    else ((kern_flat)k)(out, n, *(kargs_flat *)params[2]);
  }
  return CUDA_SUCCESS;
}

static tdm_ctx *emulated_gpu(void) {
  fake_install();
  tdm__cuda_calls *c = fk_calls;
  c->exprSource = tdm__expr_cuda_source; /* the real generators, not the fake's */
  c->exprSourceEx = tdm__expr_cuda_source_ex;
  c->rtcGetCUBINSize = h_size, c->rtcGetCUBIN = h_get, c->rtcGetPTXSize = h_size, c->rtcGetPTX = h_get;
  c->cuModuleLoadData = h_load, c->cuModuleUnload = h_unload, c->cuModuleGetFunction = h_getfn;
  c->cuLaunchKernel = h_launch;
  hm_launches = 0;
  tdm_config cfg = {TDM_CUDA, 1, 0};
  tdm_ctx *ctx = NULL;
  cr_assert_eq(tdm_ctx_create(&cfg, &ctx), TDM_OK, "%s", tdm_last_error());
  return ctx;
}

static double *rnd(size_t n, uint64_t seed, double lo, double hi) {
  ts_rng g;
  ts_seed(&g, seed);
  double *x = malloc(n * sizeof *x);
  ts_fill(&g, x, n, lo, hi);
  return x;
}

Test(cuda_expr, broadcast_eval_and_reduce, .timeout = 300) {
  if (RUNNING_ON_VALGRIND) cr_skip_test("runs a C++ compiler; the plain run covers it");
  if (system("c++ --version > /dev/null 2>&1") != 0) cr_skip_test("no C++ compiler to emulate CUDA");
  tdm_ctx *ctx = emulated_gpu();
  size_t r = 301, c = 7;
  double *X = rnd(r * c, 1, -2, 2), *w = rnd(r, 2, 0.5, 2), *m = rnd(c, 3, -1, 1), *z = malloc(r * c * 8);
  tdm_buf *in[3] = {ts_buf(ctx, TDM_F64, r, c, X), ts_buf(ctx, TDM_F64, r, 1, w),
                    ts_buf(ctx, TDM_F64, 1, c, m)};
  tdm_buf *out = ts_buf(ctx, TDM_F64, r, c, NULL);
  cr_assert_eq(tdm_eval(ctx, "x * w - m", "x, w, m", out, in), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_read(out, z), TDM_OK);
  for (size_t j = 0; j < c; j++)
    for (size_t i = 0; i < r; i++)
      cr_assert_eq(z[i + j * r], X[i + j * r] * w[i] - m[j], "(%zu, %zu)", i, j);
  /* a flat evaluation takes the first-wave kernel */
  cr_assert_eq(tdm_eval(ctx, "x * 2", "x", out, in), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_read(out, z), TDM_OK);
  for (size_t i = 0; i < r * c; i++) cr_assert_eq(z[i], X[i] * 2);
  /* the reduction: all ops, only the moments come back */
  const tdm_reduce_op ops[7] = {TDM_SUM, TDM_MEAN, TDM_MIN, TDM_MAX, TDM_VAR, TDM_SD, TDM_COUNT};
  double got[7], *v = malloc(r * c * 8);
  for (size_t j = 0; j < c; j++)
    for (size_t i = 0; i < r; i++) {
      double d = X[i + j * r] - m[j];
      v[i + j * r] = w[i] * (d * d);
    }
  ts_stats ref = ts_stats_f64(v, r * c);
  tdm_stats s0, s1;
  tdm_ctx_stats(ctx, &s0);
  cr_assert_eq(tdm_eval_reduce(ctx, "w * (x - m)^2", "x, w, m", in, 7, ops, got), TDM_OK, "%s",
               tdm_last_error());
  tdm_ctx_stats(ctx, &s1);
  cr_assert_eq(s1.d2h_count - s0.d2h_count, 1);
  cr_assert_eq(s1.d2h_bytes - s0.d2h_bytes, 48, "the six moments only");
  cr_assert_eq(s1.h2d_count, s0.h2d_count, "inputs already on the device");
  double want[7] = {(double)ref.sum, (double)ref.mean, (double)ref.min, (double)ref.max,
                    (double)ref.var, sqrt((double)ref.var), (double)(r * c)};
  for (int k = 0; k < 7; k++)
    cr_assert(ts_relerr(got[k], want[k]) < 1e-12, "op %d: %.17g vs %.17g", k, got[k], want[k]);
  /* the same call again: the same bits (fixed grid, fixed merge order), the kernel cached */
  double again[7];
  long compiles = fk.compiles;
  cr_assert_eq(tdm_eval_reduce(ctx, "w * (x - m)^2", "x, w, m", in, 7, ops, again), TDM_OK);
  cr_assert_eq(fk.compiles, compiles);
  for (int k = 0; k < 7; k++) cr_assert(ts_same_bits(again[k], got[k]), "op %d", k);
  /* fast math (f32): CUDA's intrinsics, within their documented bounds */
  ctx->fast_math = 1;
  float *xf = malloc(r * 4), *zf = malloc(r * 4);
  for (size_t i = 0; i < r; i++) xf[i] = (float)(X[i] / 2);
  tdm_buf *bf = ts_buf(ctx, TDM_F32, r, 1, X), *of = ts_buf(ctx, TDM_F32, r, 1, NULL);
  tdm_buf_write(bf, xf);
  cr_assert_eq(tdm_eval(ctx, "exp(x) + sin(x)", "x", of, &bf), TDM_OK, "%s", tdm_last_error());
  tdm_buf_read(of, zf);
  for (size_t i = 0; i < r; i++)
    cr_assert(fabs(zf[i] - (exp(xf[i]) + sin(xf[i]))) < 1e-5 * (exp(xf[i]) + 1), "fast at %zu", i);
  tdm_buf_destroy(bf), tdm_buf_destroy(of);
  for (int k = 0; k < 3; k++) tdm_buf_destroy(in[k]);
  tdm_buf_destroy(out);
  tdm_ctx_destroy(ctx);
  cr_assert_eq(hm_live, 0, "every emulated module unloaded");
  fake_assert_clean();
  free(X), free(w), free(m), free(z), free(v), free(xf), free(zf);
}

Test(cuda_expr, launch_and_scratch_failures) {
  fake_install();
  tdm_config cfg = {TDM_CUDA, 1, 0};
  tdm_ctx *ctx = NULL;
  cr_assert_eq(tdm_ctx_create(&cfg, &ctx), TDM_OK, "%s", tdm_last_error());
  tdm_buf *x = ts_buf(ctx, TDM_F64, 10, 1, NULL);
  const tdm_reduce_op op = TDM_SUM;
  double out;
  fk.kernel_err = 1; /* the fake launch fails */
  cr_assert_eq(tdm_eval_reduce(ctx, "x", "x", &x, 1, &op, &out), TDM_ERR_BACKEND);
  cr_assert(strstr(tdm_last_error(), "cuLaunchKernel"), "%s", tdm_last_error());
  fk.kernel_err = 0;
  fk.malloc_fail_all = 1; /* no device scratch for the block moments */
  cr_assert_eq(tdm_eval_reduce(ctx, "x", "x", &x, 1, &op, &out), TDM_ERR_DEVICE_NOMEM, "%s", tdm_last_error());
  fk.malloc_fail_all = 0;
  tdm_buf_destroy(x);
  tdm_ctx_destroy(ctx);
  fake_assert_clean();
}
#endif
