/* eval.c -- elementwise expressions on the GPU: the expression engine's
 * code generator writes one fused kernel (fixed ABI: tdm_expr_kernel(out,
 * n, struct tdm_kargs)), NVRTC compiles it for the device's architecture
 * at first use, and the loaded function is cached per device and source
 * text for the life of the module's contexts. Launch: grid-stride loop,
 * 256 threads a block, up to 8 blocks per SM. Strided and broadcast
 * layouts, fast math and eval_reduce (a moments kernel whose last block
 * merges the blocks) use the generator's extended form. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cuda/cuda_int.h"
#include "expr/codegen.h"

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

/* The kernels' by-value arguments, as the generated sources declare them:
 * flat elementwise kernels (tdm__expr_cuda_source) and every other one
 * (tdm__expr_cuda_source_ex: strides, reductions, fast math). */
struct tdm_kargs {
  const void *in[TDM__MAX_INPUTS];
};
struct tdm_kargs_ext {
  const void *in[TDM__MAX_INPUTS];
  unsigned long long rs[TDM__MAX_INPUTS], cs[TDM__MAX_INPUTS], rows, ld;
};

/* a's layout as the generator's spec and the extended arguments; returns
 * 1 when the kernel needs the extended form. First-wave callers (rows 0)
 * are flat. */
static int tdm__spec(const tdm__eval_args *a, tdm_dtype out_dt, int reduce, tdm__cg_spec *c,
                     struct tdm_kargs_ext *ka) {
  size_t r = a->rows ? a->rows : a->n, cols = a->rows ? a->cols : 1, ld = a->rows ? a->ld : r;
  memset(c, 0, sizeof *c);
  memset(ka, 0, sizeof *ka);
  c->out_dt = out_dt, c->nin = a->nin, c->fast = a->fast, c->reduce = reduce;
  c->out_strided = !reduce && !(cols == 1 || ld == r);
  int strided = c->out_strided;
  for (int k = 0; k < a->nin; k++) {
    c->in_dt[k] = a->in_dt[k];
    ka->in[k] = a->in[k];
    if (a->in_n[k] == 1) c->in_mode[k] = TDM__CG_SCALAR;
    else if (!a->rows || (a->in_rs[k] == 1 && (cols == 1 || a->in_cs[k] == r))) c->in_mode[k] = TDM__CG_FLAT;
    else c->in_mode[k] = TDM__CG_STRIDED, strided = 1;
    ka->rs[k] = a->rows ? a->in_rs[k] : 1;
    ka->cs[k] = a->rows ? a->in_cs[k] : r;
  }
  ka->rows = r ? r : 1, ka->ld = ld;
  return reduce || strided || a->fast;
}

static tdm_status tdm__launch(tdm__cu *st, CUfunction fn, unsigned blocks, void **params,
                              const char *what) {
  return tdm__cu_drv(tdm__calls.cuLaunchKernel(fn, blocks, 1, 1, 256, 1, 1, 0, (CUstream)st->stream,
                                            params, NULL),
                     what);
}

static tdm_status tdm__eval(tdm__cu *st, const tdm__prog *prog, const tdm__eval_args *a) {
  TDM__CHECK(a->nin < 0 || a->nin > TDM__MAX_INPUTS, TDM_ERR_INVALID,
             "in: %d inputs, at most %d", a->nin, TDM__MAX_INPUTS);
  tdm__cg_spec spec;
  struct tdm_kargs_ext kx;
  int ext = tdm__spec(a, a->out_dt, 0, &spec, &kx);
  char *src;
  if (ext) {
    src = tdm__calls.exprSourceEx(prog, &spec);
  } else {
    int scalar[TDM__MAX_INPUTS] = {0};
    for (int i = 0; i < a->nin; i++) scalar[i] = a->in_n[i] == 1;
    src = tdm__calls.exprSource(prog, a->out_dt, a->nin, a->in_dt, scalar);
  }
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
  void *params[] = {&out, &n, ext ? (void *)&kx : (void *)&ka};
  /* a strided kernel does one element per step, a flat one four */
  unsigned blocks = (unsigned)tdm__cu_grid(st, a->n, ext ? 256 : 256 * 4);
  return tdm__launch(st, fn, blocks, params, "cuLaunchKernel (tdm_expr_kernel)");
}

tdm_status tdm__cu_eval(void *state, const tdm__prog *prog, const tdm__eval_args *a) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__eval(st, prog, a);
  return tdm__cu_end(st, s);
}

/* eval_reduce: one generated kernel (codegen.h: per-block moments, the last
 * block merges them); only the merged moments come back. */
static tdm_status tdm__eval_reduce(tdm__cu *st, const tdm__prog *prog, const tdm__eval_args *a,
                                   tdm__moments *out) {
  TDM__CHECK(a->nin < 0 || a->nin > TDM__MAX_INPUTS, TDM_ERR_INVALID,
             "in: %d inputs, at most %d", a->nin, TDM__MAX_INPUTS);
  memset(out, 0, sizeof *out);
  if (a->n == 0) return TDM_OK;
  tdm__cg_spec spec;
  struct tdm_kargs_ext kx;
  tdm__spec(a, a->out_dt, 1, &spec, &kx);
  char *src = tdm__calls.exprSourceEx(prog, &spec);
  TDM__CHECK(!src, TDM_ERR_NOMEM, "out of host memory generating the expression's CUDA source");
  CUfunction fn = NULL;
  tdm_status s = tdm__kernel(st, src, &fn);
  tdm__free(src);
  if (s != TDM_OK) return s;
  int nb = tdm__cu_grid(st, a->n, 256 * 8);
  if (nb < 1) nb = 1;
  void *scratch;
  TDM__TRY(tdm__cu_scratch(st, ((size_t)nb + 1) * sizeof(tdm__moments) + 16, &scratch));
  tdm__moments *part = scratch;
  s = tdm__cu_rt(tdm__calls.MemsetAsync(part + nb + 1, 0, 16, st->stream), "cudaMemsetAsync");
  unsigned long long n = a->n;
  void *params[] = {&scratch, &n, &kx};
  if (s == TDM_OK) s = tdm__launch(st, fn, (unsigned)nb, params, "cuLaunchKernel (tdm_expr_kernel, reduce)");
  if (s == TDM_OK)
    s = tdm__cu_rt(tdm__calls.MemcpyAsync(st->small, part + nb, sizeof *out, cudaMemcpyDeviceToHost,
                                       st->stream),
                   "cudaMemcpyAsync");
  tdm__cu_release(st, scratch);
  if (s == TDM_OK)
    s = tdm__cu_rt(tdm__calls.StreamSynchronize(st->stream),
                   "tdm_eval_reduce kernel (cudaStreamSynchronize)");
  if (s == TDM_OK) memcpy(out, st->small, sizeof *out);
  return s;
}

tdm_status tdm__cu_eval_reduce(void *state, const tdm__prog *prog, const tdm__eval_args *a,
                               tdm__moments *out) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__eval_reduce(st, prog, a, out);
  return tdm__cu_end(st, s);
}
