/* cuda_fake_k.h -- the fake GPU's "kernels" (tandem's launchers as host
 * loops), NVRTC and driver API; part of cuda_fake.h. The fake expression
 * kernel is out = 2*in0 + in1 over F64. */
#ifndef TDM_TEST_CUDA_FAKE_K_H
#define TDM_TEST_CUDA_FAKE_K_H

#include <stdint.h>

#include "tdmk.h"

static double fk_get(tdm_dtype dt, const void *x, size_t i) {
  return dt == TDM_F64 ? ((const double *)x)[i] : (double)((const float *)x)[i];
}

/* Independent of the module's merge: plain two-pass in long double. */
static int f_kMoments(tdm_dtype dt, const void *x, size_t n, unsigned need, int nb, tdm__moments *part,
                      tdm__moments *out, void *stream) {
  (void)need; (void)stream;
  fk.moment_launches++;
  if (fk.kernel_err) return fk.kernel_err;
  cr_assert_geq(nb, 1);
  cr_assert_eq(out, part + nb, "the result follows the partials in the scratch block");
  long double s = 0, q = 0;
  double mn = fk_get(dt, x, 0), mx = mn;
  int nan = 0;
  for (size_t i = 0; i < n; i++) {
    double v = fk_get(dt, x, i);
    s += v;
    nan |= v != v;
    mn = v < mn ? v : mn;
    mx = v > mx ? v : mx;
  }
  long double mean = s / n;
  for (size_t i = 0; i < n; i++) q += (fk_get(dt, x, i) - mean) * (fk_get(dt, x, i) - mean);
  tdm__moments m = {(double)n, (double)s, (double)mean, (double)q, nan ? NAN : mn, nan ? NAN : mx};
  *out = m;
  return 0;
}

static int f_kGroupReduce(tdm_dtype dt, const void *x, const int32_t *g, size_t n, size_t G, int op, void *acc,
                          double *out, int nb, void *stream) {
  (void)nb; (void)stream;
  if (fk.kernel_err) return fk.kernel_err;
  uint64_t *w = acc;
  for (size_t k = 0; k < tdmk_group_zero_words(G); k++) cr_assert_eq(w[k], 0, "accumulators cleared");
  for (size_t k = tdmk_group_zero_words(G); k < tdmk_group_words(G); k++)
    cr_assert_eq(w[k], UINT64_MAX, "min keys and bad word set to ones");
  for (size_t i = 0; i < n; i++)
    if (g[i] < 0 || (size_t)g[i] >= G) {
      if (i < w[tdmk_group_bad_word(G)]) w[tdmk_group_bad_word(G)] = i;
    }
  for (size_t k = 0; k < G; k++) {
    long double c = 0, s = 0, q = 0;
    double mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < n; i++)
      if (g[i] == (int32_t)k) {
        double v = fk_get(dt, x, i);
        c++, s += v;
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
      }
    for (size_t i = 0; i < n; i++)
      if (g[i] == (int32_t)k) q += (fk_get(dt, x, i) - s / c) * (fk_get(dt, x, i) - s / c);
    double r = NAN, var = c > 1 ? (double)(q / (c - 1)) : NAN;
    if (c > 0) switch (op) {
      case TDM_SUM: r = (double)s; break;
      case TDM_MEAN: r = (double)(s / c); break;
      case TDM_MIN: r = mn; break;
      case TDM_MAX: r = mx; break;
      case TDM_VAR: r = var; break;
      case TDM_SD: r = sqrt(var); break;
      }
    out[k] = r;
  }
  return 0;
}

static int f_kFillLower(tdm_dtype dt, size_t p, void *C, size_t ld, void *stream) {
  (void)stream;
  if (fk.kernel_err) return fk.kernel_err;
  for (size_t j = 0; j < p; j++)
    for (size_t i = j + 1; i < p; i++) {
      if (dt == TDM_F64) ((double *)C)[i + j * ld] = ((double *)C)[j + i * ld];
      else ((float *)C)[i + j * ld] = ((float *)C)[j + i * ld];
    }
  return 0;
}

static int f_kZeroLower(tdm_dtype dt, size_t n, void *A, size_t ld, void *stream) {
  (void)stream;
  if (fk.kernel_err) return fk.kernel_err;
  for (size_t j = 0; j < n; j++)
    for (size_t i = j + 1; i < n; i++) {
      if (dt == TDM_F64) ((double *)A)[i + j * ld] = 0;
      else ((float *)A)[i + j * ld] = 0;
    }
  return 0;
}

/* ---- the expression path: generator, NVRTC, driver ---------------------- */
#define FK_GOOD_SRC                                                                                \
  "struct tdm_kargs { const void *in[16]; };\n"                                                    \
  "extern \"C\" __global__ void tdm_expr_kernel(void *out, unsigned long long n, "                 \
  "struct tdm_kargs a) {\n"                                                                        \
  "  const double *x = (const double *)a.in[0], *y = (const double *)a.in[1];\n"                   \
  "  double *o = (double *)out;\n"                                                                 \
  "  for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;\n"     \
  "       i < n; i += (unsigned long long)gridDim.x * blockDim.x)\n"                               \
  "    o[i] = 2.0 * x[i] + y[i];\n"                                                                \
  "}\n"
#define FK_BAD_SRC "this is not C++ (SYNTAX_ERROR)\n"

static char *f_exprSource(const tdm__prog *p, tdm_dtype out, int nin, const tdm_dtype *in, const int *scalar) {
  (void)out; (void)in; (void)scalar;
  cr_assert_eq(nin, 2);
  return strdup(p ? FK_BAD_SRC : FK_GOOD_SRC); /* freed by the module with tdm__free = free */
}

static const int fk_archs[] = {75, 80, 86, 89, 90};
static nvrtcResult f_rtcVersion(int *a, int *b) { *a = 13, *b = 0; return NVRTC_SUCCESS; }
static const char *f_rtcGetErrorString(nvrtcResult r) { return r ? "NVRTC_ERROR (fake)" : "NVRTC_SUCCESS"; }
static nvrtcResult f_rtcGetNumSupportedArchs(int *n) { *n = 5; return NVRTC_SUCCESS; }
static nvrtcResult f_rtcGetSupportedArchs(int *a) { memcpy(a, fk_archs, sizeof fk_archs); return NVRTC_SUCCESS; }
typedef struct { char *src, *arch; } fk_prog;
static nvrtcResult f_rtcCreateProgram(nvrtcProgram *p, const char *src, const char *name, int nh,
                                      const char *const *h, const char *const *hn) {
  (void)name; (void)nh; (void)h; (void)hn;
  fk_prog *fp = calloc(1, sizeof *fp);
  fp->src = strdup(src);
  *p = (nvrtcProgram)fp;
  return NVRTC_SUCCESS;
}
static nvrtcResult f_rtcDestroyProgram(nvrtcProgram *p) {
  fk_prog *fp = (fk_prog *)*p;
  free(fp->src), free(fp->arch), free(fp);
  *p = NULL;
  return NVRTC_SUCCESS;
}
static nvrtcResult f_rtcCompileProgram(nvrtcProgram p, int n, const char *const *o) {
  fk_prog *fp = (fk_prog *)p;
  fk.compiles++;
  cr_assert_eq(n, 1);
  fp->arch = strdup(o[0]);
  return strstr(fp->src, "SYNTAX_ERROR") ? NVRTC_ERROR_COMPILATION : NVRTC_SUCCESS;
}
#define FK_LOG "tdm_expr.cu(1): error: this declaration has no storage class or type specifier"
static nvrtcResult f_rtcGetProgramLogSize(nvrtcProgram p, size_t *n) { (void)p; *n = sizeof FK_LOG; return NVRTC_SUCCESS; }
static nvrtcResult f_rtcGetProgramLog(nvrtcProgram p, char *l) { (void)p; memcpy(l, FK_LOG, sizeof FK_LOG); return NVRTC_SUCCESS; }
/* The image says which architecture it was built for: "CUBIN --gpu-architecture=sm_90". */
static nvrtcResult fk_img_size(nvrtcProgram p, const char *kind, size_t *n) {
  *n = strlen(kind) + 1 + strlen(((fk_prog *)p)->arch) + 1;
  return NVRTC_SUCCESS;
}
static nvrtcResult fk_img(nvrtcProgram p, const char *kind, char *out) {
  strcpy(out, kind), strcat(out, " "), strcat(out, ((fk_prog *)p)->arch);
  return NVRTC_SUCCESS;
}
static nvrtcResult f_rtcGetCUBINSize(nvrtcProgram p, size_t *n) { return fk_img_size(p, "CUBIN", n); }
static nvrtcResult f_rtcGetCUBIN(nvrtcProgram p, char *o) { return fk_img(p, "CUBIN", o); }
static nvrtcResult f_rtcGetPTXSize(nvrtcProgram p, size_t *n) { return fk_img_size(p, "PTX", n); }
static nvrtcResult f_rtcGetPTX(nvrtcProgram p, char *o) { return fk_img(p, "PTX", o); }

static char fk_last_image[128]; /* what the last cuModuleLoadData got (first bytes) */
static CUresult f_cuGetErrorName(CUresult r, const char **s) { *s = r ? "CUDA_ERROR_FAKE" : "CUDA_SUCCESS"; return CUDA_SUCCESS; }
static CUresult f_cuModuleLoadData(CUmodule *m, const void *img) {
  /* a cubin is binary (and large); PTX and the fake images are text */
  size_t n = memcmp(img, "\177ELF", 4) == 0 ? sizeof fk_last_image - 1
                                              : strnlen(img, sizeof fk_last_image - 1);
  memcpy(fk_last_image, img, n);
  fk_last_image[n] = '\0';
  *m = fk_obj(&fk.mods_live);
  return CUDA_SUCCESS;
}
static CUresult f_cuModuleUnload(CUmodule m) { fk_unobj(&fk.mods_live, m); return CUDA_SUCCESS; }
static CUresult f_cuModuleGetFunction(CUfunction *f, CUmodule m, const char *name) {
  cr_assert_str_eq(name, "tdm_expr_kernel");
  *f = (CUfunction)m;
  return CUDA_SUCCESS;
}
static CUresult f_cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                                 unsigned bz, unsigned sh, CUstream s, void **params, void **extra) {
  (void)f; (void)s;
  fk.launches++;
  if (fk.kernel_err) return CUDA_ERROR_LAUNCH_FAILED;
  cr_assert(gx >= 1 && gy == 1 && gz == 1 && bx == 256 && by == 1 && bz == 1 && sh == 0 && !extra);
  double *o = *(void **)params[0];
  unsigned long long n = *(unsigned long long *)params[1];
  const void *const *in = (const void *const *)params[2]; /* struct tdm_kargs: in[16] first */
  const double *x = in[0], *y = in[1];
  for (unsigned long long i = 0; i < n; i++) o[i] = 2.0 * x[i] + y[i];
  return CUDA_SUCCESS;
}

/* The RNG launcher: zeros (tests that check draws plug in their own). */
static int f_kRngFill(const tdm__rng_req *req, void *out, void *s) {
  (void)s;
  memset(out, 0, req->n * tdm_dtype_size(req->dt));
  return 0;
}

#include "cuda_fake_views.h" /* views stream: kCopy, kCopyCheck */

static void fake_install_k(tdm__cuda_calls *c) {
#define FK(field) c->field = f_##field;
  FK(kMoments) FK(kGroupReduce) FK(kFillLower) FK(kZeroLower) FK(exprSource) FK(rtcVersion)
  FK(rtcGetErrorString) FK(rtcGetNumSupportedArchs) FK(rtcGetSupportedArchs) FK(rtcCreateProgram)
  FK(rtcDestroyProgram) FK(rtcCompileProgram) FK(rtcGetProgramLogSize) FK(rtcGetProgramLog)
  FK(rtcGetCUBINSize) FK(rtcGetCUBIN) FK(rtcGetPTXSize) FK(rtcGetPTX) FK(cuGetErrorName)
  FK(cuModuleLoadData) FK(cuModuleUnload) FK(cuModuleGetFunction) FK(cuLaunchKernel)
  FK(kCopy) FK(kCopyCheck)
#undef FK
  c->kRngFill = f_kRngFill;
}

#endif
