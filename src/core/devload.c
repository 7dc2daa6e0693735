/* devload.c -- finds and loads the CUDA module at run time. One build
 * serves CPU-only and GPU nodes: no module file, no driver or no device
 * means "no device" (TDM_ERR_NO_DEVICE), with the reason kept for
 * tdm_ctx_device_note; a build made without the module answers
 * TDM_ERR_UNSUPPORTED (unless TDM_CUDA_MODULE names one to load). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/ctx_int.h"
#include "core/error.h"
#include "module.h"

static const tdm__host_api tdm__host = {
    TDM__MODULE_ABI, tdm__err, tdm__malloc, tdm__free, tdm__alloc_inject,
};

const tdm__host_api *tdm__host_api_get(void) { return &tdm__host; }

/* TDM_CUDA_MODULE, else next to libtandem itself, then the loader's search
 * path; name is what was opened, for messages. */
static void *tdm__open_module(char *name, size_t namelen, char *why, size_t whylen) {
  const char *env = getenv("TDM_CUDA_MODULE");
  if (env && *env) {
    snprintf(name, namelen, "%s (TDM_CUDA_MODULE)", env);
    void *h = dlopen(env, RTLD_NOW | RTLD_LOCAL);
    if (!h) snprintf(why, whylen, "TDM_CUDA_MODULE=%s could not be loaded: %s", env, dlerror());
    return h;
  }
  snprintf(name, namelen, "libtandem_cuda.so");
  Dl_info info;
  char path[4096];
  if (dladdr((void *)&tdm__open_module, &info) && info.dli_fname) {
    const char *slash = strrchr(info.dli_fname, '/');
    if (slash) {
      snprintf(path, sizeof path, "%.*s/libtandem_cuda.so", (int)(slash - info.dli_fname),
               info.dli_fname);
      void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
      if (h) {
        snprintf(name, namelen, "%s", path);
        return h;
      }
    }
  }
  void *h = dlopen("libtandem_cuda.so", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    snprintf(why, whylen, "the CUDA module libtandem_cuda.so was not found or not loadable (%s)",
             e ? e : "unknown reason");
    snprintf(name, namelen, "libtandem_cuda.so");
  }
  return h;
}

tdm_status tdm__cuda_load(void **module, const tdm__backend **be, char *why, size_t whylen) {
  *module = NULL;
  *be = NULL;
#ifndef TDM_CUDA_MODULE_BUILT /* genuinely optional: no toolkit, or TDM_CUDA=OFF */
  const char *env = getenv("TDM_CUDA_MODULE");
  if (!env || !*env) {
    snprintf(why, whylen,
             "this build of tandem has no CUDA module (it was configured without a CUDA "
             "toolkit, or with TDM_CUDA=OFF)");
    return TDM_ERR_UNSUPPORTED;
  }
#endif
  char name[4200];
  void *h = tdm__open_module(name, sizeof name, why, whylen);
  if (!h) return TDM_ERR_NO_DEVICE;
  tdm__module_init_fn init;
  *(void **)&init = dlsym(h, TDM__MODULE_ENTRY);
  if (!init) {
    snprintf(why, whylen, "the CUDA module %s has no %s", name, TDM__MODULE_ENTRY);
    dlclose(h);
    return TDM_ERR_NO_DEVICE;
  }
  tdm_status s = init(&tdm__host, be, why, whylen);
  if (s != TDM_OK || !*be || (*be)->version != TDM__BACKEND_VERSION) {
    if (s == TDM_OK) snprintf(why, whylen, "the CUDA module %s speaks another backend version", name);
    dlclose(h);
    *be = NULL;
    return TDM_ERR_NO_DEVICE;
  }
  *module = h;
  return TDM_OK;
}

void tdm__cuda_unload(void *module) {
  if (module) dlclose(module);
}
