/* test_expr_nvrtc_ex.c -- the code generator's second-wave kernels without a
 * GPU: strided/broadcast elementwise kernels, eval_reduce's moments kernel
 * and fast math (1) compile with NVRTC (dlopen; skipped with a reason when
 * absent), and (2) compiled as host C++ against a shim of the CUDA
 * built-ins and run over a simulated grid (one thread per block, so the
 * block tree and the last-block merge run as on a device with any block
 * size) give the CPU kernels' results on padded, broadcast operands. */
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/ctx_int.h"
#include "cpu/cpu_int.h"
#include "expr/codegen.h"
#include "support/support.h"
#include "expr_check.h"
#include "expr_cuda_shim.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

static const char *const exprs[] = {"x * w - m", "exp(x) + 3*sin(w)", "(x - m)^2 * w",
                                    "where(x > m, log(abs(x) + 1), cos(x))", "sqrt(abs(x*w)) + m"};
#define NEXPR ((int)(sizeof exprs / sizeof exprs[0]))

/* x: r x c with leading dimension lx (strided), w: r x 1 (column), m: 1 x c
 * of a matrix with leading dimension lm (row). */
static tdm__cg_spec spec_of(tdm_dtype dt, int reduce, int fast, int out_strided) {
  tdm__cg_spec c;
  memset(&c, 0, sizeof c);
  c.out_dt = dt, c.nin = 3, c.reduce = reduce, c.fast = fast, c.out_strided = out_strided;
  for (int k = 0; k < 3; k++) c.in_dt[k] = dt, c.in_mode[k] = TDM__CG_STRIDED;
  return c;
}

static char *source(const char *src, const tdm__cg_spec *c) {
  tdm__prog *p = NULL;
  cr_assert_eq(tdm__prog_compile("t", src, "x, w, m", &p), TDM_OK, "%s", tdm_last_error());
  char *s = tdm__expr_cuda_source_ex(p, c);
  cr_assert_not_null(s, "%s: %s", src, tdm_last_error());
  tdm__prog_release(p);
  return s;
}

typedef int (*nv_create)(void **, const char *, const char *, int, const char *const *,
                         const char *const *);
typedef int (*nv_compile)(void *, int, const char *const *);
typedef int (*nv_size)(void *, size_t *);
typedef int (*nv_get)(void *, char *);
typedef int (*nv_destroy)(void **);

Test(codegen_ex, nvrtc_compiles) {
  if (RUNNING_ON_VALGRIND) cr_skip_test("NVRTC under valgrind takes minutes; the plain run covers it");
  static const char *const names[] = {"libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12",
                                      "/usr/local/cuda/lib64/libnvrtc.so"};
  void *h = NULL;
  for (size_t i = 0; i < sizeof names / sizeof names[0] && !h; i++) h = dlopen(names[i], RTLD_NOW);
  if (!h) cr_skip_test("NVRTC not found (libnvrtc.so): %s", dlerror());
  nv_create create = (nv_create)dlsym(h, "nvrtcCreateProgram");
  nv_compile compile = (nv_compile)dlsym(h, "nvrtcCompileProgram");
  nv_size logsz = (nv_size)dlsym(h, "nvrtcGetProgramLogSize");
  nv_get getlog = (nv_get)dlsym(h, "nvrtcGetProgramLog");
  nv_destroy destroy = (nv_destroy)dlsym(h, "nvrtcDestroyProgram");
  cr_assert(create && compile && logsz && getlog && destroy);
  const char *opts[] = {"--gpu-architecture=compute_80"};
  for (int i = 0; i < NEXPR; i++)
    for (int v = 0; v < 6; v++) {
      tdm__cg_spec c = spec_of(v & 1 ? TDM_F32 : TDM_F64, v >= 2 && v < 4, v >= 4, v & 1);
      if (v == 5) c.in_mode[1] = TDM__CG_SCALAR, c.in_mode[2] = TDM__CG_FLAT; /* fast, flat */
      char *src = source(exprs[i], &c);
      void *prog = NULL;
      cr_assert_eq(create(&prog, src, "tdm_expr.cu", 0, NULL, NULL), 0);
      int rc = compile(prog, 1, opts);
      size_t n = 0;
      logsz(prog, &n);
      char *log = malloc(n + 1);
      getlog(prog, log);
      log[n] = '\0';
      cr_assert_eq(rc, 0, "%s (variant %d) does not compile:\n%s\n---\n%s", exprs[i], v, log, src);
      free(log);
      destroy(&prog);
      tdm__free(src);
    }
}

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libnvrtc\n"; }


static double *rnd(size_t n, uint64_t seed, double lo, double hi) {
  ts_rng g;
  ts_seed(&g, seed);
  double *x = malloc(n * sizeof *x);
  ts_fill(&g, x, n, lo, hi);
  return x;
}

Test(codegen_ex, host_emulation_matches_cpu, .timeout = 300) {
  if (RUNNING_ON_VALGRIND) cr_skip_test("runs a C++ compiler; the plain run covers it");
  if (system("c++ --version > /dev/null 2>&1") != 0) cr_skip_test("no C++ compiler to emulate CUDA");
  char dir[] = "/tmp/tdm_cgx_XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  const size_t r = 37, c = 29, lx = 40, lm = 3, lo = 41; /* padded operands */
  double *x = rnd(lx * c, 1, 0.1, 3), *w = rnd(r, 2, 0.5, 2), *m = rnd(lm * c, 3, -1, 1);
  float *xf = malloc(lx * c * 4), *wf = malloc(r * 4), *mf = malloc(lm * c * 4);
  for (size_t i = 0; i < lx * c; i++) xf[i] = (float)x[i];
  for (size_t i = 0; i < r; i++) wf[i] = (float)w[i];
  for (size_t i = 0; i < lm * c; i++) mf[i] = (float)m[i];
  /* variants: 0 f64 elementwise, 1 f32 elementwise, 2 f64 reduce, 3 f32 reduce */
  char path[128], cmd[512];
  snprintf(path, sizeof path, "%s/k.cc", dir);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs(xs_shim, f);
  for (int i = 0; i < NEXPR; i++)
    for (int v = 0; v < 4; v++) {
      tdm__cg_spec sp = spec_of(v & 1 ? TDM_F32 : TDM_F64, v >= 2, 0, v < 2);
      char *src = source(exprs[i], &sp);
      fprintf(f, "namespace k%d_%d {\n#define tdm_expr_kernel tdm_expr_kernel_%d_%d\n%s#undef tdm_expr_kernel\n}\n",
              i, v, i, v, src);
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
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 2);
  double *got = malloc(lo * c * 8), *ref = malloc(lo * c * 8);
  for (int i = 0; i < NEXPR; i++)
    for (int v = 0; v < 4; v++) {
      int f32 = v & 1;
      size_t es = f32 ? 4 : 8;
      tdm__prog *p = NULL;
      cr_assert_eq(tdm__prog_compile("t", exprs[i], "x, w, m", &p), TDM_OK);
      tdm__eval_args a = {0};
      a.out_dt = f32 ? TDM_F32 : TDM_F64, a.n = r * c, a.nin = 3, a.rows = r, a.cols = c, a.ld = lo;
      a.in[0] = f32 ? (void *)xf : x, a.in[1] = f32 ? (void *)wf : w, a.in[2] = f32 ? (void *)mf : m;
      for (int k = 0; k < 3; k++) a.in_dt[k] = a.out_dt, a.in_n[k] = r * c;
      a.in_rs[0] = 1, a.in_cs[0] = lx, a.in_rs[1] = 1, a.in_cs[1] = 0, a.in_rs[2] = 0, a.in_cs[2] = lm;
      kargs_ext ka = {{a.in[0], a.in[1], a.in[2]}, {1, 1, 0}, {lx, 0, lm}, r, lo};
      char name[48];
      snprintf(name, sizeof name, "tdm_expr_kernel_%d_%d", i, v);
      kern_fn k = (kern_fn)dlsym(h, name);
      cr_assert_not_null(k, "%s", name);
      if (v < 2) { /* elementwise into a padded output */
        memset(ref, 0, lo * c * es), memset(got, 0, lo * c * es);
        a.out = ref;
        cr_assert_eq(tdm__cpu_eval(ctx->host_st, p, &a), TDM_OK, "%s", tdm_last_error());
        grid->x = 3, block->x = 4;
        for (bi->x = 0; bi->x < grid->x; bi->x++)
          for (ti->x = 0; ti->x < block->x; ti->x++) k(got, r * c, ka);
        for (size_t e = 0; e < lo * c; e++) {
          double g = f32 ? ((float *)got)[e] : got[e], rf = f32 ? ((float *)ref)[e] : ref[e];
          int ok = f32 ? xc_ok32((float)g, rf, 4, 1e-5, 1) : xc_ok64(g, rf, 4, 1e-12, 1);
          cr_assert(ok, "%s [%s] at %zu: emulated %a, CPU %a", exprs[i], f32 ? "f32" : "f64", e, g, rf);
        }
      } else { /* moments: 5 "blocks" of one thread, the last merges */
        tdm__moments cpu, part[8];
        memset(part, 0, sizeof part);
        a.out = NULL;
        cr_assert_eq(tdm__cpu_eval_reduce(ctx->host_st, p, &a, &cpu), TDM_OK, "%s", tdm_last_error());
        grid->x = 5, block->x = 1, ti->x = 0;
        for (bi->x = 0; bi->x < grid->x; bi->x++) k(part, r * c, ka);
        tdm__moments *gm = &part[5];
        unsigned counter;
        memcpy(&counter, &part[6], sizeof counter);
        cr_assert_eq(counter, 0, "the counter is left zero");
        cr_assert_eq(gm->n, cpu.n);
        const double *gv = &gm->sum, *cv = &cpu.sum;
        for (int q = 0; q < 5; q++)
          cr_assert(ts_relerr(gv[q], cv[q]) < (f32 ? 1e-6 : 1e-12), "%s [%s] moment %d: %.17g vs %.17g",
                    exprs[i], f32 ? "f32" : "f64", q, gv[q], cv[q]);
      }
      tdm__prog_release(p);
    }
  dlclose(h);
  snprintf(cmd, sizeof cmd, "rm -f %s/k.cc %s/k.so", dir, dir);
  cr_assert_eq(system(cmd), 0);
  rmdir(dir);
  free(x), free(w), free(m), free(xf), free(wf), free(mf), free(got), free(ref);
  tdm_ctx_destroy(ctx);
}

Test(codegen_ex, errors_and_allocation_failures) {
  tdm__prog *p = NULL;
  cr_assert_eq(tdm__prog_compile("t", "x * w - m", "x, w, m", &p), TDM_OK);
  tdm__cg_spec c = spec_of(TDM_F64, 1, 0, 0);
  cr_assert_null(tdm__expr_cuda_source_ex(NULL, &c));
  cr_assert(strstr(tdm_last_error(), "tdm__expr_cuda_source_ex"), "%s", tdm_last_error());
  c.in_mode[1] = 7;
  cr_assert_null(tdm__expr_cuda_source_ex(p, &c));
  cr_assert(strstr(tdm_last_error(), "in_mode[1]"), "%s", tdm_last_error());
  c = spec_of(TDM_I32, 0, 0, 0);
  cr_assert_null(tdm__expr_cuda_source_ex(p, &c));
  c = spec_of(TDM_F64, 1, 0, 0);
  char *s = tdm__expr_cuda_source_ex(p, &c);
  cr_assert(s && strstr(s, "unsigned long long rs[16], cs[16], rows, ld;") && strstr(s, "atomicAdd"),
            "%s", s);
  tdm__free(s);
  c = spec_of(TDM_F32, 0, 1, 0);
  c.in_mode[0] = c.in_mode[1] = c.in_mode[2] = TDM__CG_FLAT;
  tdm__prog *q = NULL;
  cr_assert_eq(tdm__prog_compile("t", "exp(x) + sin(w) + m", "x, w, m", &q), TDM_OK);
  s = tdm__expr_cuda_source_ex(q, &c);
  cr_assert(s && strstr(s, "__expf(") && strstr(s, "__sinf("), "fast f32: %s", s);
  tdm__free(s);
  c.fast = 0; /* flat, not fast: the first-wave text */
  s = tdm__expr_cuda_source_ex(q, &c);
  cr_assert(s && strstr(s, "struct tdm_kargs { const void *in[16]; };") && strstr(s, "expf("), "%s", s);
  tdm__free(s);
  int failed = 0;
  c = spec_of(TDM_F64, 1, 0, 0);
  for (long k = 1; k < 8; k++) {
    tdm__alloc_fail_after(k);
    s = tdm__expr_cuda_source_ex(p, &c);
    tdm__alloc_fail_after(0);
    if (!s) {
      failed++;
      cr_assert(strstr(tdm_last_error(), "out of host memory"), "%s", tdm_last_error());
    }
    tdm__free(s);
  }
  cr_assert_gt(failed, 0);
  tdm__prog_release(p), tdm__prog_release(q);
}
