/* cuda_info.c -- the CUDA lines of `tandem info`: driver version, runtime
 * version, each device's name and memory, probed with dlopen so the
 * command runs (and says what is missing) on machines without CUDA. Only
 * the few C entry points used are declared here; no CUDA header needed. */
#include <dlfcn.h>
#include <stdio.h>

#include "cli.h"

typedef int (*cu_int_fn)(int *);
typedef int (*cu_init_fn)(unsigned);
typedef int (*cu_get_fn)(int *, int);
typedef int (*cu_name_fn)(char *, int, int);
typedef int (*cu_mem_fn)(size_t *, int);

static void *cli_sym(void *h, const char *name) {
  void *p = dlsym(h, name);
  return p;
}

static void cli_driver(FILE *f) {
  void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    fprintf(f, "cuda:     driver: none (%s)\n", e ? e : "libcuda.so.1 not found");
    return;
  }
  cu_init_fn init;
  cu_int_fn version, count;
  cu_get_fn get;
  cu_name_fn name;
  cu_mem_fn mem;
  *(void **)&init = cli_sym(h, "cuInit");
  *(void **)&version = cli_sym(h, "cuDriverGetVersion");
  *(void **)&count = cli_sym(h, "cuDeviceGetCount");
  *(void **)&get = cli_sym(h, "cuDeviceGet");
  *(void **)&name = cli_sym(h, "cuDeviceGetName");
  *(void **)&mem = cli_sym(h, "cuDeviceTotalMem_v2");
  int v = 0, n = 0, rc;
  if (!init || !version || !count || !get || !name || !mem) {
    fprintf(f, "cuda:     driver: libcuda.so.1 lacks the driver API entry points\n");
  } else if (version(&v) != 0) {
    fprintf(f, "cuda:     driver: cuDriverGetVersion failed\n");
  } else if ((rc = init(0)) != 0) {
    fprintf(f, "cuda:     driver %d.%d: cuInit failed with CUresult %d (no usable device?)\n",
            v / 1000, v % 1000 / 10, rc);
  } else if (count(&n) != 0 || n == 0) {
    fprintf(f, "cuda:     driver %d.%d: no devices\n", v / 1000, v % 1000 / 10);
  } else {
    fprintf(f, "cuda:     driver %d.%d, %d device%s\n", v / 1000, v % 1000 / 10, n, n > 1 ? "s" : "");
    for (int i = 0; i < n; i++) {
      int dev;
      char nm[256] = "?";
      size_t bytes = 0;
      if (get(&dev, i) != 0) continue;
      name(nm, sizeof nm, dev);
      mem(&bytes, dev);
      fprintf(f, "          device %d: %s, %.1f GiB\n", i, nm, (double)bytes / (1 << 30));
    }
  }
  dlclose(h);
}

static void cli_runtime(FILE *f) {
  static const char *names[] = {"libcudart.so", "libcudart.so.13", "libcudart.so.12"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) continue;
    cu_int_fn rv;
    *(void **)&rv = cli_sym(h, "cudaRuntimeGetVersion");
    int v = 0;
    if (rv && rv(&v) == 0)
      fprintf(f, "          runtime: %s %d.%d\n", names[i], v / 1000, v % 1000 / 10);
    else fprintf(f, "          runtime: %s (version unknown)\n", names[i]);
    dlclose(h);
    return;
  }
  fprintf(f, "          runtime: libcudart not found on the loader path\n");
}

void cli_cuda_info(FILE *f) {
  cli_driver(f);
  cli_runtime(f);
}
