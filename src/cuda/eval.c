/* eval.c -- elementwise expressions on the GPU: the expression engine's
 * code generator writes one fused kernel (fixed ABI: tdm_expr_kernel(out,
 * n, struct tdm_kargs)), NVRTC compiles it for the device's architecture
 * at first use, and the loaded function is cached per device and source
 * text for the life of the module's contexts. Launch: grid-stride loop,
 * 256 threads a block, up to 8 blocks per SM. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cuda/cuda_int.h"

#define TDM__EXPR_NAME "tdm_expr_kernel"

typedef struct tdm__kent {
  struct tdm__kent *next;
  int ordinal;
  uint64_t hash;
  char *src;
  CUmodule mod;
  CUfunction fn;
} tdm__kent;

static pthread_mutex_t tdm__klock = PTHREAD_MUTEX_INITIALIZER;
static tdm__kent *tdm__kcache;

static uint64_t tdm__fnv(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

void tdm__cu_eval_cache_clear(void) {
  pthread_mutex_lock(&tdm__klock);
  while (tdm__kcache) {
    tdm__kent *e = tdm__kcache;
    tdm__kcache = e->next;
    if (tdm__calls.cuModuleUnload) tdm__calls.cuModuleUnload(e->mod);
    tdm__free(e->src);
    tdm__free(e);
  }
  pthread_mutex_unlock(&tdm__klock);
}

/* "--gpu-architecture=sm_XY" when NVRTC can emit machine code for the
 * device, else compute_XY of the newest it knows below it (PTX, compiled
 * by the driver at load). */
static tdm_status tdm__arch(int cc, char *opt, size_t len, int *cubin) {
  int n = 0;
  TDM__TRY(tdm__cu_rtc(tdm__calls.rtcGetNumSupportedArchs(&n), "nvrtcGetNumSupportedArchs"));
  int best = 0;
  if (n > 0) {
    int *a = tdm__malloc((size_t)n * sizeof *a);
    TDM__CHECK(!a, TDM_ERR_NOMEM, "out of host memory for NVRTC's architecture list");
    tdm_status s = tdm__cu_rtc(tdm__calls.rtcGetSupportedArchs(a), "nvrtcGetSupportedArchs");
    for (int i = 0; s == TDM_OK && i < n; i++)
      if (a[i] <= cc && a[i] > best) best = a[i];
    tdm__free(a);
    TDM__TRY(s);
  }
  TDM__CHECK(best == 0, TDM_ERR_BACKEND, "NVRTC supports no architecture at or below sm_%d", cc);
  *cubin = best == cc;
  snprintf(opt, len, "--gpu-architecture=%s_%d", *cubin ? "sm" : "compute", best);
  return TDM_OK;
}

static tdm_status tdm__rtc_fail(nvrtcProgram prog, nvrtcResult r) {
  if (r != NVRTC_ERROR_COMPILATION) return tdm__cu_rtc(r, "nvrtcCompileProgram");
  size_t n = 0;
  char *log = NULL;
  if (tdm__calls.rtcGetProgramLogSize(prog, &n) == NVRTC_SUCCESS && n > 0 && (log = tdm__malloc(n)))
    if (tdm__calls.rtcGetProgramLog(prog, log) != NVRTC_SUCCESS) log[0] = '\0';
  tdm_status s = tdm__err(TDM_ERR_INTERNAL, "NVRTC could not compile the generated kernel: %.400s",
                          log ? log : "(no log)");
  tdm__free(log);
  return s;
}

/* Compiles src and loads it on the current device. */
static tdm_status tdm__build(int cc, const char *src, CUmodule *mod, CUfunction *fn) {
  char arch[64];
  int cubin = 0;
  TDM__TRY(tdm__arch(cc, arch, sizeof arch, &cubin));
  nvrtcProgram prog;
  TDM__TRY(tdm__cu_rtc(tdm__calls.rtcCreateProgram(&prog, src, "tdm_expr.cu", 0, NULL, NULL),
                       "nvrtcCreateProgram"));
  const char *opts[] = {arch};
  nvrtcResult r = tdm__calls.rtcCompileProgram(prog, 1, opts);
  tdm_status s = r == NVRTC_SUCCESS ? TDM_OK : tdm__rtc_fail(prog, r);
  size_t n = 0;
  char *img = NULL;
  if (s == TDM_OK)
    s = tdm__cu_rtc(cubin ? tdm__calls.rtcGetCUBINSize(prog, &n) : tdm__calls.rtcGetPTXSize(prog, &n),
                    "nvrtcGet(CUBIN|PTX)Size");
  if (s == TDM_OK && !(img = tdm__malloc(n ? n : 1)))
    s = tdm__err(TDM_ERR_NOMEM, "out of host memory for a %zu-byte kernel image", n);
  if (s == TDM_OK)
    s = tdm__cu_rtc(cubin ? tdm__calls.rtcGetCUBIN(prog, img) : tdm__calls.rtcGetPTX(prog, img),
                    "nvrtcGet(CUBIN|PTX)");
  tdm__calls.rtcDestroyProgram(&prog);
  if (s == TDM_OK) s = tdm__cu_drv(tdm__calls.cuModuleLoadData(mod, img), "cuModuleLoadData");
  tdm__free(img);
  if (s != TDM_OK) return s;
  s = tdm__cu_drv(tdm__calls.cuModuleGetFunction(fn, *mod, TDM__EXPR_NAME), "cuModuleGetFunction");
  if (s != TDM_OK) tdm__calls.cuModuleUnload(*mod);
  return s;
}

static tdm_status tdm__kernel(tdm__cu *st, const char *src, CUfunction *fn) {
  uint64_t h = tdm__fnv(src);
  int ord = st->dev->ordinal;
  pthread_mutex_lock(&tdm__klock);
  for (tdm__kent *e = tdm__kcache; e; e = e->next) {
    if (e->ordinal == ord && e->hash == h && strcmp(e->src, src) == 0) {
      *fn = e->fn;
      pthread_mutex_unlock(&tdm__klock);
      return TDM_OK;
    }
  }
  size_t len = strlen(src) + 1;
  tdm__kent *e = tdm__calloc(1, sizeof *e);
  char *copy = tdm__malloc(len);
  tdm_status s = (e && copy) ? TDM_OK
                             : tdm__err(TDM_ERR_NOMEM, "out of host memory for the kernel cache");
  if (s == TDM_OK) s = tdm__build(st->dev->cc, src, &e->mod, &e->fn);
  if (s == TDM_OK) {
    memcpy(copy, src, len);
    e->src = copy;
    e->ordinal = ord;
    e->hash = h;
    e->next = tdm__kcache;
    tdm__kcache = e;
    *fn = e->fn;
  } else {
    tdm__free(copy);
    tdm__free(e);
  }
  pthread_mutex_unlock(&tdm__klock);
  return s;
}

/* The kernel's by-value argument, as the generated source declares it. */
struct tdm_kargs {
  const void *in[TDM__MAX_INPUTS];
};

static tdm_status tdm__eval(tdm__cu *st, const tdm__prog *prog, const tdm__eval_args *a) {
  TDM__CHECK(a->nin < 0 || a->nin > TDM__MAX_INPUTS, TDM_ERR_INVALID,
             "in: %d inputs, at most %d", a->nin, TDM__MAX_INPUTS);
  int scalar[TDM__MAX_INPUTS] = {0};
  for (int i = 0; i < a->nin; i++) scalar[i] = a->in_n[i] == 1;
  char *src = tdm__calls.exprSource(prog, a->out_dt, a->nin, a->in_dt, scalar);
  TDM__CHECK(!src, TDM_ERR_NOMEM, "out of host memory generating the expression's CUDA source");
  CUfunction fn = NULL;
  tdm_status s = tdm__kernel(st, src, &fn);
  tdm__free(src);
  if (s != TDM_OK) return s;
  struct tdm_kargs ka;
  memset(&ka, 0, sizeof ka);
  for (int i = 0; i < a->nin; i++) ka.in[i] = a->in[i];
  void *out = a->out;
  unsigned long long n = a->n;
  void *params[] = {&out, &n, &ka};
  unsigned blocks = (unsigned)tdm__cu_grid(st, a->n, 256 * 4);
  return tdm__cu_drv(tdm__calls.cuLaunchKernel(fn, blocks, 1, 1, 256, 1, 1, 0, (CUstream)st->stream,
                                            params, NULL),
                     "cuLaunchKernel (tdm_expr_kernel)");
}

tdm_status tdm__cu_eval(void *state, const tdm__prog *prog, const tdm__eval_args *a) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__eval(st, prog, a);
  return tdm__cu_end(st, s);
}
