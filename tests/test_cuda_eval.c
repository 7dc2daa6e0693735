/* test_cuda_eval.c -- the CUDA module's expression path without a GPU: the
 * generated source is compiled once per device and text (cache), for sm_XY
 * machine code when NVRTC knows the device's architecture and PTX of an
 * older one otherwise, loaded, and launched with the kernel ABI's
 * arguments; compile and launch failures come back with the reason. The
 * real NVRTC, when its library is here, must produce a cubin (ELF) or PTX. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/tandem.h"

#ifndef TDM_TEST_CUDA_MODULE
Test(cuda_eval, not_built) {
  cr_skip_test("the CUDA module is not built (no CUDA toolkit at configure time, or TDM_CUDA=OFF)");
}
#else
#include "core/ctx_int.h"
#include "cuda_fake.h"

enum { N = 1000 };

typedef struct {
  tdm_ctx *c;
  void *dx, *dy, *dout;
  double x[N], y[N], out[N];
} fixture;

static void setup(fixture *f) {
  tdm_config cfg = {TDM_CUDA, 1, 0};
  cr_assert_eq(tdm_ctx_create(&cfg, &f->c), TDM_OK, "%s", tdm_last_error());
  const tdm__backend *be = f->c->dev;
  void *st = f->c->dev_st;
  for (int i = 0; i < N; i++) f->x[i] = 0.5 * i, f->y[i] = 1.0 / (i + 1);
  cr_assert_eq(be->alloc(st, sizeof f->x, &f->dx), TDM_OK);
  cr_assert_eq(be->alloc(st, sizeof f->y, &f->dy), TDM_OK);
  cr_assert_eq(be->alloc(st, sizeof f->out, &f->dout), TDM_OK);
  cr_assert_eq(be->h2d(st, f->dx, f->x, sizeof f->x), TDM_OK);
  cr_assert_eq(be->h2d(st, f->dy, f->y, sizeof f->y), TDM_OK);
}

static tdm_status run(fixture *f, const tdm__prog *prog) {
  tdm__eval_args a;
  memset(&a, 0, sizeof a);
  a.out = f->dout, a.out_dt = TDM_F64, a.n = N, a.nin = 2;
  a.in[0] = f->dx, a.in[1] = f->dy;
  a.in_dt[0] = a.in_dt[1] = TDM_F64;
  a.in_n[0] = a.in_n[1] = N;
  return f->c->dev->eval(f->c->dev_st, prog, &a);
}

static void teardown(fixture *f) {
  const tdm__backend *be = f->c->dev;
  be->free(f->c->dev_st, f->dx), be->free(f->c->dev_st, f->dy), be->free(f->c->dev_st, f->dout);
  tdm_ctx_destroy(f->c);
}

static void check_out(fixture *f) {
  cr_assert_eq(f->c->dev->d2h(f->c->dev_st, f->out, f->dout, sizeof f->out), TDM_OK);
  for (int i = 0; i < N; i++) cr_assert_eq(f->out[i], 2.0 * f->x[i] + f->y[i], "element %d", i);
}

Test(cuda_eval, compiled_once_then_cached) {
  fake_install();
  static fixture f;
  setup(&f);
  cr_assert_eq(run(&f, NULL), TDM_OK, "%s", tdm_last_error());
  check_out(&f);
  cr_assert_eq(run(&f, NULL), TDM_OK);
  cr_assert_eq(fk.compiles, 1, "the second evaluation reuses the loaded kernel");
  cr_assert_eq(fk.launches, 2);
  cr_assert_str_eq(fk_last_image, "CUBIN --gpu-architecture=sm_90");
  teardown(&f);
  fake_assert_clean(); /* the kernel module is unloaded with the last context */
}

Test(cuda_eval, newer_device_gets_ptx) {
  fake_install();
  fk.major = 9, fk.minor = 5; /* NVRTC (fake) knows up to sm_90 */
  static fixture f;
  setup(&f);
  cr_assert_eq(run(&f, NULL), TDM_OK, "%s", tdm_last_error());
  cr_assert_str_eq(fk_last_image, "PTX --gpu-architecture=compute_90");
  check_out(&f);
  teardown(&f);
  fake_assert_clean();
}

Test(cuda_eval, compile_and_launch_failures) {
  fake_install();
  static fixture f;
  setup(&f);
  cr_assert_eq(run(&f, (const tdm__prog *)&f), TDM_ERR_INTERNAL); /* the fake generator's bad source */
  cr_assert(strstr(tdm_last_error(), "NVRTC could not compile") &&
                strstr(tdm_last_error(), "no storage class or type specifier"),
            "%s", tdm_last_error());
  fk.kernel_err = 1;
  cr_assert_eq(run(&f, NULL), TDM_ERR_BACKEND);
  cr_assert(strstr(tdm_last_error(), "cuLaunchKernel"), "%s", tdm_last_error());
  fk.kernel_err = 0;
  teardown(&f);
  fake_assert_clean();
}

/* NVRTC runs without a GPU: the module's options must give it a real
 * image. Loading and launching stay fake. */
static int use_real_nvrtc(void) {
  void *h = dlopen("libnvrtc.so", RTLD_NOW | RTLD_LOCAL);
  if (!h) h = dlopen("/usr/local/cuda/lib64/libnvrtc.so", RTLD_NOW | RTLD_LOCAL);
  if (!h) return 0;
  tdm__cuda_calls *c = fk_calls;
#define RTC(field, sym) *(void **)&c->field = dlsym(h, #sym);
  RTC(rtcGetErrorString, nvrtcGetErrorString) RTC(rtcGetNumSupportedArchs, nvrtcGetNumSupportedArchs)
  RTC(rtcGetSupportedArchs, nvrtcGetSupportedArchs) RTC(rtcCreateProgram, nvrtcCreateProgram)
  RTC(rtcDestroyProgram, nvrtcDestroyProgram) RTC(rtcCompileProgram, nvrtcCompileProgram)
  RTC(rtcGetProgramLogSize, nvrtcGetProgramLogSize) RTC(rtcGetProgramLog, nvrtcGetProgramLog)
  RTC(rtcGetCUBINSize, nvrtcGetCUBINSize) RTC(rtcGetCUBIN, nvrtcGetCUBIN) RTC(rtcGetPTXSize, nvrtcGetPTXSize)
  RTC(rtcGetPTX, nvrtcGetPTX)
#undef RTC
  return c->rtcCompileProgram != NULL;
}

Test(cuda_eval, real_nvrtc_builds_cubin_and_ptx, .timeout = 300) {
  fake_install();
  if (!use_real_nvrtc()) cr_skip_test("libnvrtc is not installed here");
  static fixture f;
  setup(&f);
  cr_assert_eq(run(&f, NULL), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(memcmp(fk_last_image, "\177ELF", 4), 0, "sm_90 gives a cubin (ELF)");
  teardown(&f);
  fk.minor = 9; /* an sm_99 NVRTC does not know: PTX of the newest it does */
  setup(&f);
  cr_assert_eq(run(&f, NULL), TDM_OK, "%s", tdm_last_error());
  cr_assert(strstr(fk_last_image, ".version") || strstr(fk_last_image, "//"), "PTX text: %.40s",
            fk_last_image);
  cr_assert_eq(run(&f, (const tdm__prog *)&f), TDM_ERR_INTERNAL);
  cr_assert(strstr(tdm_last_error(), "tdm_expr.cu"), "NVRTC's log names the file: %s", tdm_last_error());
  teardown(&f);
  fake_assert_clean();
}
#endif
