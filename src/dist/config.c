/* config.c -- tdm_dist_config: the context config of one rank. The ranks
 * of a node share its GPUs round-robin (device = local_rank % devices) and
 * split its cores, unless TDM_DEVICE / TDM_NUM_THREADS say otherwise. The
 * device count comes from the CUDA driver, loaded at run time if present. */
#include <dlfcn.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/error.h"
#include "dist/dist_int.h"

/* CUDA devices visible to this process (honours CUDA_VISIBLE_DEVICES); 0
 * without a driver or a device. Uses only cuInit and cuDeviceGetCount. */
static int tdm__cuda_devices(void) {
  void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) return 0;
  int (*init)(unsigned) = (int (*)(unsigned))dlsym(h, "cuInit");
  int (*count)(int *) = (int (*)(int *))dlsym(h, "cuDeviceGetCount");
  int n = 0;
  if (!init || !count || init(0) != 0 || count(&n) != 0) n = 0;
  /* The driver stays loaded: the CUDA backend will use it. */
  return n;
}

/* Cores this process may run on: its affinity mask, else all online. */
static int tdm__cores_here(int *bound) {
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  int n = online > 0 ? (int)online : 1;
  *bound = 0;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int c = CPU_COUNT(&set);
    if (c > 0 && c < n) {
      *bound = 1;
      n = c;
    }
  }
  return n;
}

int tdm__dist_pick_device(int local_rank, int ndev) {
  return ndev > 0 && local_rank >= 0 ? local_rank % ndev : 0;
}

static int tdm__env_set(const char *name) {
  const char *v = getenv(name);
  return v && *v;
}

tdm_status tdm__dist_config_with(const tdm_dist *d, tdm_config *cfg, int ndev, int ncores) {
  TDM__CHECK(!d, TDM_ERR_INVALID, "tdm_dist_config: d: is NULL");
  TDM__CHECK(!cfg, TDM_ERR_INVALID, "tdm_dist_config: cfg: is NULL");
  tdm_config_default(cfg);
  if (!tdm__env_set("TDM_DEVICE")) cfg->device = tdm__dist_pick_device(d->local_rank, ndev);
  if (!tdm__env_set("TDM_NUM_THREADS") && ncores > 0) cfg->threads = ncores;
  /* A malformed variable was marked -1 by tdm_config_default. */
  if (cfg->device < 0 || cfg->threads < 0 || (int)cfg->backend < 0) {
    char why[256];
    snprintf(why, sizeof why, "%s", tdm_last_error());
    return tdm__err(TDM_ERR_INVALID, "tdm_dist_config: %s", why);
  }
  return TDM_OK;
}

tdm_status tdm_dist_config(const tdm_dist *d, tdm_config *cfg) {
  TDM__CHECK(!d, TDM_ERR_INVALID, "tdm_dist_config: d: is NULL");
  int bound = 0, cores = tdm__cores_here(&bound);
  /* Bound to its own cores (mpirun --bind-to): use them all. Otherwise the
   * node's ranks split the cores evenly. */
  int share = bound ? cores : cores / (d->local_size > 0 ? d->local_size : 1);
  return tdm__dist_config_with(d, cfg, tdm__cuda_devices(), share > 0 ? share : 1);
}
