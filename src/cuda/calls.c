/* calls.c -- the call table's real entries. The CUDA runtime and tandem's
 * kernel launchers are linked into the module, so their entries start
 * set; cuBLAS, cuSOLVER, NVRTC and the driver API are opened with dlopen
 * once per process, by soname and then in the toolkit directory the module
 * was built against, so a missing library is a clear message, not a
 * module that fails to load. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cuda/calls.h"
#include "tdmk.h"

#ifndef TDM_CUBLAS_SONAME
#define TDM_CUBLAS_SONAME "libcublas.so"
#endif
#ifndef TDM_CUSOLVER_SONAME
#define TDM_CUSOLVER_SONAME "libcusolver.so"
#endif
#ifndef TDM_NVRTC_SONAME
#define TDM_NVRTC_SONAME "libnvrtc.so"
#endif
#ifndef TDM_CUDA_LIBDIR
#define TDM_CUDA_LIBDIR "/usr/local/cuda/lib64"
#endif
#define TDM_DRIVER_SONAME "libcuda.so.1"

#define TDM__STR_(x) #x
#define TDM__STR(x) TDM__STR_(x) /* expands cublasCreate to "cublasCreate_v2" */

#define TDM__DEF_RT(sym) &sym
#define TDM__DEF_K(sym) &sym
#include "expr/codegen.h"
#define TDM__DEF_BLAS(sym) NULL
#define TDM__DEF_SOLVER(sym) NULL
#define TDM__DEF_NVRTC(sym) NULL
#define TDM__DEF_DRV(sym) NULL

tdm__cuda_calls tdm__calls = {
    .fake = 0,
#define TDM__INIT(lib, field, sym, ret, params) .field = TDM__DEF_##lib(sym),
    TDM__CUDA_CALLS(TDM__INIT)
#undef TDM__INIT
};

tdm__cuda_calls *tdm_cuda_test_calls(void) { return &tdm__calls; }

/* The entries found by dlsym are checked against the headers' prototypes
 * at compile time (an unevaluated comparison: no link-time reference). */
#define TDM__TC_RT(field, sym)
#define TDM__TC_K(field, sym)
#define TDM__TC_DL(field, sym) (void)sizeof(tdm__calls.field == &sym);
#define TDM__TC_BLAS TDM__TC_DL
#define TDM__TC_SOLVER TDM__TC_DL
#define TDM__TC_NVRTC TDM__TC_DL
#define TDM__TC_DRV TDM__TC_DL
static void tdm__typecheck(void) {
#define TDM__TC(lib, field, sym, ret, params) TDM__TC_##lib(field, sym)
  TDM__CUDA_CALLS(TDM__TC)
#undef TDM__TC
}

enum { TDM__LIB_BLAS, TDM__LIB_SOLVER, TDM__LIB_NVRTC, TDM__LIB_DRV, TDM__NLIBS };
static const char *const tdm__sonames[TDM__NLIBS] = {TDM_CUBLAS_SONAME, TDM_CUSOLVER_SONAME,
                                                     TDM_NVRTC_SONAME, TDM_DRIVER_SONAME};

static void *tdm__dlopen(const char *soname, char *err, size_t errlen) {
  void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (h) return h;
  snprintf(err, errlen, "%s", dlerror());
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", TDM_CUDA_LIBDIR, soname);
  h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) (void)dlerror();
  return h;
}

static void tdm__bind(void *lib, void *slot, const char *name, const char **missing) {
  void *p = dlsym(lib, name);
  memcpy(slot, &p, sizeof p);
  if (!p && !*missing) *missing = name;
}


static pthread_mutex_t tdm__load_lock = PTHREAD_MUTEX_INITIALIZER;
static int tdm__loaded;          /* 1 ok, -1 failed (message kept) */
static char tdm__load_why[1024];

static int tdm__load_real(void) {
  void *lib[TDM__NLIBS] = {0};
  char err[256] = "";
  for (int i = 0; i < TDM__NLIBS; i++) {
    lib[i] = tdm__dlopen(tdm__sonames[i], err, sizeof err);
    if (!lib[i]) {
      if (i == TDM__LIB_DRV)
        snprintf(tdm__load_why, sizeof tdm__load_why,
                 "no NVIDIA driver: %s could not be loaded (%s)", tdm__sonames[i], err);
      else
        snprintf(tdm__load_why, sizeof tdm__load_why,
                 "the CUDA library %s was not found (%s); install the CUDA toolkit's libraries "
                 "or add their directory to LD_LIBRARY_PATH",
                 tdm__sonames[i], err);
      return -1;
    }
  }
  const char *missing = NULL;
#define TDM__LD_RT(field, sym)
#define TDM__LD_K(field, sym)
#define TDM__LD_BLAS(field, sym) tdm__bind(lib[TDM__LIB_BLAS], &tdm__calls.field, TDM__STR(sym), &missing);
#define TDM__LD_SOLVER(field, sym) tdm__bind(lib[TDM__LIB_SOLVER], &tdm__calls.field, TDM__STR(sym), &missing);
#define TDM__LD_NVRTC(field, sym) tdm__bind(lib[TDM__LIB_NVRTC], &tdm__calls.field, TDM__STR(sym), &missing);
#define TDM__LD_DRV(field, sym) tdm__bind(lib[TDM__LIB_DRV], &tdm__calls.field, TDM__STR(sym), &missing);
#define TDM__LD(lib, field, sym, ret, params) TDM__LD_##lib(field, sym)
  TDM__CUDA_CALLS(TDM__LD)
#undef TDM__LD
  if (missing) {
    snprintf(tdm__load_why, sizeof tdm__load_why,
             "the CUDA libraries found are too old for this module: no symbol %s", missing);
    return -1;
  }
  /* The libraries stay loaded for the life of the process. */
  return 1;
}

int tdm__cuda_calls_load(char *why, size_t whylen) {
  tdm__typecheck();
  pthread_mutex_lock(&tdm__load_lock);
  if (tdm__calls.fake) {
    const char *unset = NULL;
#define TDM__CK(lib, field, sym, ret, params)                                                      \
  if (!tdm__calls.field && !unset) unset = #field;
    TDM__CUDA_CALLS(TDM__CK)
#undef TDM__CK
    pthread_mutex_unlock(&tdm__load_lock);
    if (unset) {
      snprintf(why, whylen, "the CUDA call table's entry %s is not set", unset);
      return -1;
    }
    return 0;
  }
  if (!tdm__loaded) tdm__loaded = tdm__load_real();
  int ok = tdm__loaded > 0;
  if (!ok) snprintf(why, whylen, "%s", tdm__load_why);
  pthread_mutex_unlock(&tdm__load_lock);
  return ok ? 0 : -1;
}
