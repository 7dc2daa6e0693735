/* test_expr_nvrtc.c -- the CUDA code generator without a GPU: (1) the text
 * for 24 expressions x dtype/broadcast variants compiles with NVRTC to PTX
 * for compute_80 (NVRTC is loaded with dlopen; skipped with a reason when
 * absent); (2) the same text, compiled as host C++ against a small shim of
 * the CUDA built-ins and run over a simulated grid, gives the CPU kernel's
 * results, so the vector path, the tail and broadcasting are checked too;
 * (3) argument errors and allocation failures. */
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

#include "core/alloc.h"
#include "expr/codegen.h"
#include "expr_check.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

static const char *const exprs[] = {
    "exp(x) + 3*sin(x)", "log(x) * log1p(y) - expm1(x)", "sqrt(abs(x)) + cbrt(y)",
    "tan(x) / (cos(y) + 2)", "asin(x/8) + acos(y/8) + atan(x*y)", "atan2(y, x)",
    "sinh(x/4) - cosh(y/4) + tanh(x)", "floor(x) + ceil(y) - round(x*y)",
    "lgamma(abs(x) + 0.5) + tgamma(y/3)", "erf(x) * erfc(y)", "pow(abs(x), y/2)", "x ^ 3 + y ^ 2",
    "min(x, y) + max(x, -y)", "where(x > y, x, y)", "(x < y) + (x <= y) + (x >= 1) + (x == y)",
    "(x != 0) && (y > 0) || !(x < -1)", "-x - -y", "1 / (1 + exp(-x))", "x*x*x - 2*x*y + y*y",
    "2.5", "x", "where(y, 1e300*1e300, -0.0) + x", "exp(x) * exp(x) + exp(x)",
    "((x + 1) * (x + 2) * (x + 3)) / (y*y + 1)"};
#define NEXPR ((int)(sizeof exprs / sizeof exprs[0]))

typedef int (*nv_create)(void **, const char *, const char *, int, const char *const *,
                         const char *const *);
typedef int (*nv_compile)(void *, int, const char *const *);
typedef int (*nv_size)(void *, size_t *);
typedef int (*nv_get)(void *, char *);
typedef int (*nv_destroy)(void **);

static char *source(const char *src, tdm_dtype out, tdm_dtype dx, tdm_dtype dy, int sx, int sy) {
  tdm__prog *p = NULL;
  cr_assert_eq(tdm__prog_compile("t", src, "x, y", &p), TDM_OK, "%s", tdm_last_error());
  tdm_dtype dt[2] = {dx, dy};
  int sc[2] = {sx, sy};
  char *s = tdm__expr_cuda_source(p, out, 2, dt, sc);
  cr_assert_not_null(s, "%s: %s", src, tdm_last_error());
  tdm__prog_release(p);
  return s;
}

Test(codegen, nvrtc_compiles_to_ptx) {
  if (RUNNING_ON_VALGRIND) cr_skip_test("NVRTC under valgrind takes minutes; the plain run covers it");
  static const char *const names[] = {"libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12",
                                      "/usr/local/cuda/lib64/libnvrtc.so"};
  void *h = NULL;
  for (size_t i = 0; i < sizeof names / sizeof names[0] && !h; i++) h = dlopen(names[i], RTLD_NOW);
  if (!h) cr_skip_test("NVRTC not found (libnvrtc.so): %s", dlerror());
  nv_create create = (nv_create)dlsym(h, "nvrtcCreateProgram");
  nv_compile compile = (nv_compile)dlsym(h, "nvrtcCompileProgram");
  nv_size logsz = (nv_size)dlsym(h, "nvrtcGetProgramLogSize"), ptxsz = (nv_size)dlsym(h, "nvrtcGetPTXSize");
  nv_get getlog = (nv_get)dlsym(h, "nvrtcGetProgramLog"), getptx = (nv_get)dlsym(h, "nvrtcGetPTX");
  nv_destroy destroy = (nv_destroy)dlsym(h, "nvrtcDestroyProgram");
  cr_assert(create && compile && logsz && ptxsz && getlog && getptx && destroy);
  static const struct { tdm_dtype out, dx, dy; int sx, sy; } var[] = {
      {TDM_F64, TDM_F64, TDM_F64, 0, 0}, {TDM_F32, TDM_F32, TDM_F32, 0, 1},
      {TDM_F64, TDM_F32, TDM_I32, 1, 0}, {TDM_F64, TDM_I64, TDM_U32, 0, 0}};
  const char *opts[] = {"--gpu-architecture=compute_80"};
  int compiled = 0;
  for (int i = 0; i < NEXPR; i++) {
    for (int v = 0; v < 4; v++) {
      if (v > 0 && i % 3 != v - 1) continue; /* each expression f64, plus one other variant */
      char *src = source(exprs[i], var[v].out, var[v].dx, var[v].dy, var[v].sx, var[v].sy);
      void *prog = NULL;
      cr_assert_eq(create(&prog, src, "tdm_expr.cu", 0, NULL, NULL), 0);
      int rc = compile(prog, 1, opts);
      size_t n = 0;
      logsz(prog, &n);
      char *log = malloc(n + 1);
      getlog(prog, log);
      log[n] = '\0';
      cr_assert_eq(rc, 0, "%s (variant %d) does not compile:\n%s\n---\n%s", exprs[i], v, log, src);
      ptxsz(prog, &n);
      char *ptx = malloc(n + 1);
      getptx(prog, ptx);
      cr_assert(strstr(ptx, ".entry tdm_expr_kernel"), "%s: no kernel entry in the PTX", exprs[i]);
      free(ptx), free(log);
      destroy(&prog);
      tdm__free(src);
      compiled++;
    }
  }
  cr_assert_geq(compiled, 2 * NEXPR);
  /* NVRTC stays loaded: it keeps a 72 KiB allocation for the process's
   * life, which LeakSanitizer is told about below. */
}

/* LeakSanitizer (ASan runs): NVRTC's own process-lifetime allocation. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libnvrtc\n"; }

/* CUDA built-ins on the host, enough for the generated text. */
static const char shim[] =
    "#include <cmath>\n#include <cstring>\nusing namespace std;\n"
    "#define __global__\n#define __device__\n#define __forceinline__ inline\n#define __restrict__\n"
    "struct dim3_ { unsigned x; };\n"
    "extern \"C\" { dim3_ gridDim = {1}, blockDim = {1}, blockIdx = {0}, threadIdx = {0}; }\n"
    "struct float4 { float x, y, z, w; };\nstruct double2 { double x, y; };\n"
    "struct int4 { int x, y, z, w; };\nstruct uint4 { unsigned x, y, z, w; };\n"
    "struct longlong2 { long long x, y; };\n"
    "static float4 make_float4(float a, float b, float c, float d) { return {a, b, c, d}; }\n"
    "static double2 make_double2(double a, double b) { return {a, b}; }\n"
    "static double __longlong_as_double(long long v) { double d; memcpy(&d, &v, 8); return d; }\n"
    "#define RN(n, t, e) static t n(t a, t b) { return e; }\n"
    "RN(__dadd_rn, double, a + b) RN(__dsub_rn, double, a - b) RN(__dmul_rn, double, a * b)\n"
    "RN(__ddiv_rn, double, a / b) RN(__fadd_rn, float, a + b) RN(__fsub_rn, float, a - b)\n"
    "RN(__fmul_rn, float, a * b) RN(__fdiv_rn, float, a / b)\n"
    "static double __dsqrt_rn(double a) { return sqrt(a); }\n"
    "static float __fsqrt_rn(float a) { return sqrtf(a); }\n";

typedef struct kargs { const void *in[16]; } kargs; /* the kernel ABI's struct tdm_kargs */
typedef void (*kern_fn)(void *, unsigned long long, kargs);

Test(codegen, host_emulation_matches_cpu) {
  if (RUNNING_ON_VALGRIND) cr_skip_test("runs a C++ compiler; the plain run covers it");
  if (system("c++ --version > /dev/null 2>&1") != 0) cr_skip_test("no C++ compiler to emulate CUDA");
  char dir[] = "/tmp/tdm_cg_XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 1);
  size_t n = 4103; /* not a multiple of 4: the tail runs */
  double *x = malloc(n * 8), *y = malloc(n * 8), *ref = malloc(n * 8), *got = malloc(n * 8);
  float *xf = malloc(n * 4), *yf = malloc(n * 4);
  uint64_t s = 77;
  for (size_t i = 0; i < n; i++) {
    x[i] = xc_draw(&s, -3, 3, 0, 0);
    y[i] = xc_draw(&s, -3, 3, 0, 0);
    xf[i] = (float)x[i], yf[i] = (float)y[i];
  }
  /* all kernels in one translation unit (one compiler run): each in its
   * own namespace, its entry point renamed tdm_expr_kernel_<i> */
  char path[128], cmd[512];
  snprintf(path, sizeof path, "%s/k.cc", dir);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs(shim, f);
  for (int i = 0; i < NEXPR; i++) {
    tdm_dtype dt = i % 2 ? TDM_F32 : TDM_F64; /* alternate f32/f64 and a broadcast y */
    char *src = source(exprs[i], dt, dt, dt, 0, i % 3 == 0);
    fprintf(f, "namespace k%d {\n#define tdm_expr_kernel tdm_expr_kernel_%d\n%s#undef tdm_expr_kernel\n}\n",
            i, i, src);
    tdm__free(src);
  }
  fclose(f);
  snprintf(cmd, sizeof cmd, "c++ -O1 -shared -fPIC -ffp-contract=off -o %s/k.so %s", dir, path);
  cr_assert_eq(system(cmd), 0, "host compile of the generated kernels failed: %s", path);
  snprintf(path, sizeof path, "%s/k.so", dir);
  void *h = dlopen(path, RTLD_NOW);
  cr_assert_not_null(h, "%s", dlerror());
  struct dim3_ { unsigned x; } *grid = dlsym(h, "gridDim"), *block = dlsym(h, "blockDim"),
                               *bi = dlsym(h, "blockIdx"), *ti = dlsym(h, "threadIdx");
  cr_assert(grid && block && bi && ti);
  for (int i = 0; i < NEXPR; i++) {
    int f32 = i % 2, scal = i % 3 == 0;
    tdm_dtype dt = f32 ? TDM_F32 : TDM_F64;
    size_t es = f32 ? 4 : 8, ny = scal ? 1 : n;
    char name[48];
    snprintf(name, sizeof name, "tdm_expr_kernel_%d", i);
    kern_fn k = (kern_fn)dlsym(h, name);
    cr_assert_not_null(k, "%s", name);
    tdm_buf *in[2] = {xc_buf(ctx, dt, n, f32 ? (void *)xf : x), xc_buf(ctx, dt, ny, f32 ? (void *)yf : y)};
    tdm_buf *out = xc_buf(ctx, dt, n, NULL);
    cr_assert_eq(tdm_eval(ctx, exprs[i], "x, y", out, in), TDM_OK, "%s", tdm_last_error());
    cr_assert_eq(tdm_buf_read(out, ref), TDM_OK);
    memset(got, 0xff, n * es);
    grid->x = 3, block->x = 5; /* 15 "threads", each striding */
    kargs a = {{f32 ? (void *)xf : x, f32 ? (void *)yf : y}};
    for (bi->x = 0; bi->x < grid->x; bi->x++)
      for (ti->x = 0; ti->x < block->x; ti->x++) k(got, n, a);
    for (size_t j = 0; j < n; j++) {
      double g = f32 ? ((float *)got)[j] : got[j], r = f32 ? ((float *)ref)[j] : ref[j];
      int ok = f32 ? xc_ok32((float)g, r, 4, 1e-5, 1) : xc_ok64(g, r, 4, 1e-12, 1);
      cr_assert(ok, "%s [%s%s] at %zu: emulated kernel %a, CPU kernel %a", exprs[i],
                f32 ? "f32" : "f64", scal ? ", scalar y" : "", j, g, r);
    }
    tdm_buf_destroy(in[0]), tdm_buf_destroy(in[1]), tdm_buf_destroy(out);
  }
  dlclose(h);
  snprintf(cmd, sizeof cmd, "rm -f %s/k.cc %s/k.so", dir, dir);
  cr_assert_eq(system(cmd), 0);
  rmdir(dir);
  free(x), free(y), free(ref), free(got), free(xf), free(yf);
  tdm_ctx_destroy(ctx);
}

Test(codegen, text_and_errors) {
  tdm__prog *p = NULL;
  cr_assert_eq(tdm__prog_compile("t", "a * 2 + c", "a, b, c", &p), TDM_OK);
  tdm_dtype dt[3] = {TDM_F32, TDM_F64, TDM_I32};
  int sc[3] = {0, 0, 1};
  char *s = tdm__expr_cuda_source(p, TDM_F64, 3, dt, sc);
  cr_assert_not_null(s, "%s", tdm_last_error());
  cr_assert(strstr(s, "extern \"C\" __global__ void tdm_expr_kernel(void *out, unsigned long long n, "
                      "struct tdm_kargs a)"), "%s", s);
  cr_assert(strstr(s, "struct tdm_kargs { const void *in[16]; };"));
  cr_assert(strstr(s, "const tdm_t s2 = (tdm_t)((const int *)a.in[2])[0];"), "%s", s); /* broadcast */
  cr_assert(!strstr(s, "a.in[1]"), "unused input b is read:\n%s", s);
  cr_assert(strstr(s, "typedef double tdm_t;") && strstr(s, "__dmul_rn"), "%s", s);
  tdm__free(s);
  /* all f32: f32 math and f32 functions */
  tdm_dtype f3[3] = {TDM_F32, TDM_F32, TDM_F32};
  s = tdm__expr_cuda_source(p, TDM_F32, 3, f3, sc);
  cr_assert(s && strstr(s, "typedef float tdm_t;") && strstr(s, "__fmul_rn"), "%s", s);
  tdm__free(s);
  cr_assert_null(tdm__expr_cuda_source(p, TDM_F64, 2, dt, sc));
  cr_assert(strstr(tdm_last_error(), "tdm__expr_cuda_source"), "%s", tdm_last_error());
  cr_assert_null(tdm__expr_cuda_source(NULL, TDM_F64, 3, dt, sc));
  cr_assert_null(tdm__expr_cuda_source(p, TDM_I32, 3, dt, sc));
  dt[0] = (tdm_dtype)42;
  cr_assert_null(tdm__expr_cuda_source(p, TDM_F64, 3, dt, sc));
  dt[0] = TDM_F32;
  int failed = 0;
  for (long k = 1; k < 6; k++) {
    tdm__alloc_fail_after(k);
    s = tdm__expr_cuda_source(p, TDM_F64, 3, dt, sc);
    tdm__alloc_fail_after(0);
    if (!s) {
      failed++;
      cr_assert(strstr(tdm_last_error(), "out of host memory"), "%s", tdm_last_error());
    }
    tdm__free(s);
  }
  cr_assert_gt(failed, 0);
  tdm__prog_release(p);
}
