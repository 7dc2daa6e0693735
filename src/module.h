/* module.h -- the contract between libtandem and the CUDA module
 * (libtandem_cuda.so), loaded with dlopen. libtandem hands the module the
 * few core services it may use (errors, the host allocator), since its
 * internal symbols are hidden; the module hands back its backend table. */
#ifndef TDM_MODULE_H
#define TDM_MODULE_H

#include "backend.h"

#define TDM__MODULE_ABI 1
#define TDM__MODULE_ENTRY "tdm_cuda_module_init"

typedef struct tdm__host_api {
  int abi; /* TDM__MODULE_ABI */
  tdm_status (*err)(tdm_status s, const char *fmt, ...);
  void *(*malloc)(size_t bytes);
  void (*free)(void *p);
  int (*alloc_inject)(void);
} tdm__host_api;

/* The same table for extension libraries linked against libtandem.so (the
 * MPI library tandem_dist), so they share libtandem's one error state and
 * allocator hook. Exported, though internal. */
TDM_API const tdm__host_api *tdm__host_api_get(void);

/* The module's one exported function. TDM_ERR_NO_DEVICE (why filled) when
 * no driver or device can be used. */
typedef tdm_status (*tdm__module_init_fn)(const tdm__host_api *host, const tdm__backend **out,
                                          char *why, size_t whylen);

#endif
