/* module.c -- the CUDA module's entry point and per-context state: checks
 * that a driver and a device are there (else TDM_ERR_NO_DEVICE and why),
 * opens a root state (device, memory pool, stream) or a lane state (own
 * stream and handles on the root's device and pool), and fills the
 * backend table. Ordering between lanes: see tdm__cu_begin/end. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda/cuda_int.h"
#include "module.h"

extern const tdm__host_api *tdm__cuda_host; /* host.c */

static pthread_mutex_t tdm__roots_lock = PTHREAD_MUTEX_INITIALIZER;
static int tdm__roots; /* open root states, for the module-wide caches */

/* ---- ordering ------------------------------------------------------------ */

tdm_status tdm__cu_begin(tdm__cu *st) {
  TDM__TRY(tdm__cu_rt(tdm__calls.SetDevice(st->dev->ordinal), "cudaSetDevice"));
  if (!st->lane) return TDM_OK;
  /* A lane's op may read what its root enqueued before the task started. */
  TDM__TRY(tdm__cu_rt(tdm__calls.EventRecord(st->join, st->dev->root_stream), "cudaEventRecord"));
  return tdm__cu_rt(tdm__calls.StreamWaitEvent(st->stream, st->join, 0), "cudaStreamWaitEvent");
}

tdm_status tdm__cu_end(tdm__cu *st, tdm_status s) {
  if (s != TDM_OK || !st->lane) return s;
  /* Buffers carry no per-stream state, so a lane finishes each op before
   * returning: the root and other lanes may use its outputs at once. */
  return tdm__cu_rt(tdm__calls.StreamSynchronize(st->stream), "cudaStreamSynchronize");
}

tdm_status tdm__cu_blas_handle(tdm__cu *st, cublasHandle_t *h) {
  if (!st->blas) {
    cublasHandle_t b = NULL;
    TDM__TRY(tdm__cu_blas(tdm__calls.blasCreate(&b), "cublasCreate"));
    tdm_status s = tdm__cu_blas(tdm__calls.blasSetStream(b, st->stream), "cublasSetStream");
    if (s == TDM_OK)
      s = tdm__cu_blas(tdm__calls.blasSetMathMode(b, st->dev->tf32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                                                 : CUBLAS_DEFAULT_MATH),
                       "cublasSetMathMode");
    if (s != TDM_OK) {
      tdm__calls.blasDestroy(b);
      return s;
    }
    st->blas = b;
  }
  *h = st->blas;
  return TDM_OK;
}

tdm_status tdm__cu_sol_handle(tdm__cu *st, cusolverDnHandle_t *h) {
  if (!st->sol) {
    cusolverDnHandle_t c = NULL;
    TDM__TRY(tdm__cu_sol(tdm__calls.solCreate(&c), "cusolverDnCreate"));
    tdm_status s = tdm__cu_sol(tdm__calls.solSetStream(c, st->stream), "cusolverDnSetStream");
    if (s != TDM_OK) {
      tdm__calls.solDestroy(c);
      return s;
    }
    st->sol = c;
  }
  *h = st->sol;
  return TDM_OK;
}

int tdm__cu_grid(const tdm__cu *st, size_t items, size_t per_block) {
  size_t want = (items + per_block - 1) / per_block;
  size_t cap = (size_t)(st->dev->sms > 0 ? st->dev->sms : 1) * 8;
  if (want > cap) want = cap;
  return want > 0 ? (int)want : 1;
}

/* ---- states ------------------------------------------------------------- */

static void tdm__dev_unref(tdm__cu_dev *d) {
  pthread_mutex_lock(&d->lock);
  int left = --d->refs;
  pthread_mutex_unlock(&d->lock);
  if (left > 0) return;
  tdm__cu_unregister_all(d);
  if (d->pool) tdm__cu_rt(tdm__calls.MemPoolDestroy(d->pool), "cudaMemPoolDestroy");
  pthread_mutex_destroy(&d->lock);
  tdm__free(d->regs);
  tdm__free(d);
}

static void tdm__cu_close(void *state) {
  tdm__cu *st = state;
  if (!st) return;
  tdm__calls.SetDevice(st->dev->ordinal);
  if (st->stream) tdm__calls.StreamSynchronize(st->stream);
  if (st->blas) tdm__calls.blasDestroy(st->blas);
  if (st->sol) tdm__calls.solDestroy(st->sol);
  for (int i = 0; i < 2; i++) {
    if (st->stage[i]) tdm__calls.FreeHost(st->stage[i]);
    if (st->stage_ev[i]) tdm__calls.EventDestroy(st->stage_ev[i]);
  }
  if (st->small) tdm__calls.FreeHost(st->small);
  if (st->join) tdm__calls.EventDestroy(st->join);
  if (st->stream) tdm__calls.StreamDestroy(st->stream);
  (void)tdm__calls.GetLastError();
  int root = !st->lane;
  tdm__dev_unref(st->dev);
  tdm__free(st);
  if (root) {
    pthread_mutex_lock(&tdm__roots_lock);
    if (--tdm__roots == 0) tdm__cu_eval_cache_clear();
    pthread_mutex_unlock(&tdm__roots_lock);
  }
}

/* A state on device d; takes a reference on d (dropped by close). */
static tdm_status tdm__state_new(tdm__cu_dev *d, int lane, tdm__cu **out) {
  *out = NULL;
  tdm__cu *st = tdm__calloc(1, sizeof *st);
  TDM__CHECK(!st, TDM_ERR_NOMEM, "out of host memory for a CUDA state");
  pthread_mutex_lock(&d->lock);
  d->refs++;
  pthread_mutex_unlock(&d->lock);
  st->dev = d;
  st->lane = lane;
  if (!lane) {
    pthread_mutex_lock(&tdm__roots_lock);
    tdm__roots++;
    pthread_mutex_unlock(&tdm__roots_lock);
  }
  tdm_status s = tdm__cu_rt(tdm__calls.SetDevice(d->ordinal), "cudaSetDevice");
  if (s == TDM_OK)
    s = tdm__cu_rt(tdm__calls.StreamCreateWithFlags(&st->stream, cudaStreamNonBlocking),
                   "cudaStreamCreateWithFlags");
  if (s == TDM_OK) s = tdm__cu_rt(tdm__calls.MallocHost(&st->small, TDM__CU_SMALL), "cudaMallocHost");
  if (s == TDM_OK && lane)
    s = tdm__cu_rt(tdm__calls.EventCreateWithFlags(&st->join, cudaEventDisableTiming),
                   "cudaEventCreateWithFlags");
  if (s != TDM_OK) {
    tdm__cu_close(st);
    return s;
  }
  *out = st;
  return TDM_OK;
}

static size_t tdm__env_size(const char *name, size_t dflt) {
  const char *v = getenv(name);
  if (!v || !*v) return dflt;
  char *end;
  unsigned long long x = strtoull(v, &end, 10);
  return *end ? dflt : (size_t)x;
}

static tdm_status tdm__pool_new(tdm__cu_dev *d) {
  struct cudaMemPoolProps props;
  memset(&props, 0, sizeof props);
  props.allocType = cudaMemAllocationTypePinned;
  props.handleTypes = cudaMemHandleTypeNone;
  props.location.type = cudaMemLocationTypeDevice;
  props.location.id = d->ordinal;
  TDM__TRY(tdm__cu_rt(tdm__calls.MemPoolCreate(&d->pool, &props), "cudaMemPoolCreate"));
  /* Keep freed memory in the pool across synchronizations: buffers come
   * and go in loops. tdm__cu_scratch trims it when an allocation fails. */
  uint64_t keep = UINT64_MAX;
  return tdm__cu_rt(tdm__calls.MemPoolSetAttribute(d->pool, cudaMemPoolAttrReleaseThreshold, &keep),
                    "cudaMemPoolSetAttribute");
}

static tdm_status tdm__cu_open(const tdm_config *cfg, void **state, char *why, size_t whylen) {
  *state = NULL;
  int count = 0;
  cudaError_t e = tdm__calls.GetDeviceCount(&count);
  char d[256];
  if (e != cudaSuccess) {
    tdm__cu_rt_describe(e, d, sizeof d);
    (void)tdm__calls.GetLastError();
    snprintf(why, whylen, "no usable CUDA driver or device: cudaGetDeviceCount failed: %s", d);
    return TDM_ERR_NO_DEVICE;
  }
  if (cfg->device >= count) {
    snprintf(why, whylen, "CUDA device %d was asked for (TDM_DEVICE / cfg->device) but %d %s",
             cfg->device, count, count == 1 ? "device is present" : "devices are present");
    return TDM_ERR_NO_DEVICE;
  }
  int ord = cfg->device, major = 0, minor = 0, sms = 0;
  e = tdm__calls.SetDevice(ord);
  if (e == cudaSuccess) e = tdm__calls.DeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, ord);
  if (e == cudaSuccess) e = tdm__calls.DeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, ord);
  if (e == cudaSuccess) e = tdm__calls.DeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, ord);
  if (e != cudaSuccess) {
    tdm__cu_rt_describe(e, d, sizeof d);
    (void)tdm__calls.GetLastError();
    snprintf(why, whylen, "CUDA device %d cannot be used: %s", ord, d);
    return TDM_ERR_NO_DEVICE;
  }
  if (major < 8) {
    snprintf(why, whylen,
             "CUDA device %d has compute capability %d.%d; tandem's kernels need 8.0 or newer",
             ord, major, minor);
    return TDM_ERR_NO_DEVICE;
  }
  tdm__cu_dev *dv = tdm__calloc(1, sizeof *dv);
  TDM__CHECK(!dv, TDM_ERR_NOMEM, "out of host memory for the CUDA device state");
  dv->ordinal = ord;
  dv->cc = major * 10 + minor;
  dv->sms = sms;
  const char *tf = getenv("TDM_TF32");
  dv->tf32 = tf && strcmp(tf, "1") == 0;
  dv->pin_min = tdm__env_size("TDM_CUDA_PIN_MIN", (size_t)64 << 20);
  pthread_mutex_init(&dv->lock, NULL);
  dv->refs = 1; /* this function's own reference, dropped below */
  tdm_status s = tdm__pool_new(dv);
  tdm__cu *st = NULL;
  if (s == TDM_OK) s = tdm__state_new(dv, 0, &st); /* the state's reference keeps dv */
  if (s == TDM_OK) dv->root_stream = st->stream;
  tdm__dev_unref(dv);
  if (s != TDM_OK) {
    if (s == TDM_ERR_NOMEM) return s;
    snprintf(why, whylen, "CUDA device %d cannot be used: %s", ord, tdm__cu_last_msg());
    return TDM_ERR_NO_DEVICE;
  }
  *state = st;
  return TDM_OK;
}

static tdm_status tdm__cu_open_lane(void *parent, void **state) {
  tdm__cu *p = parent, *st = NULL;
  *state = NULL;
  TDM__TRY(tdm__state_new(p->dev, 1, &st));
  *state = st;
  return TDM_OK;
}

static tdm_status tdm__cu_sync(void *state) {
  tdm__cu *st = state;
  TDM__TRY(tdm__cu_rt(tdm__calls.SetDevice(st->dev->ordinal), "cudaSetDevice"));
  return tdm__cu_rt(tdm__calls.StreamSynchronize(st->stream), "cudaStreamSynchronize");
}

static const tdm__backend tdm__cuda_backend = {
    .version = TDM__BACKEND_VERSION,
    .name = "cuda",
    .kind = TDM_CUDA,
    .open = tdm__cu_open,
    .open_lane = tdm__cu_open_lane,
    .close = tdm__cu_close,
    .sync = tdm__cu_sync,
    .perf = tdm__cu_perf,
/* memory and every compute op (backend.h's lists) */
#define TDM__CU_SLOT(op) .op = tdm__cu_##op,
    TDM__BACKEND_MEM(TDM__CU_SLOT) TDM__BACKEND_OPS(TDM__CU_SLOT)
#undef TDM__CU_SLOT
};

/* Keeps the module mapped for the life of the process once it has been
 * used: the CUDA runtime inside it must not be torn down and set up again
 * each time the last context closes. */
static void tdm__pin_module(void) {
  if (tdm__calls.fake) return;
  Dl_info info;
  if (dladdr((void *)&tdm__pin_module, &info) && info.dli_fname)
    (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

__attribute__((visibility("default"))) tdm_status
tdm_cuda_module_init(const tdm__host_api *host, const tdm__backend **out, char *why,
                     size_t whylen) {
  *out = NULL;
  if (!host || host->abi != TDM__MODULE_ABI) {
    snprintf(why, whylen, "libtandem_cuda.so was built for another libtandem (module ABI %d, got %d)",
             TDM__MODULE_ABI, host ? host->abi : -1);
    return TDM_ERR_NO_DEVICE;
  }
  tdm__cuda_host = host;
  /* The driver first: without one the runtime says so. */
  int count = 0;
  cudaError_t e = tdm__calls.GetDeviceCount(&count);
  if (e != cudaSuccess) {
    char d[256];
    tdm__cu_rt_describe(e, d, sizeof d);
    (void)tdm__calls.GetLastError();
    snprintf(why, whylen,
             "no usable CUDA driver: cudaGetDeviceCount failed: %s; is the NVIDIA driver "
             "(libcuda.so.1) installed and a GPU visible?",
             d);
    return TDM_ERR_NO_DEVICE;
  }
  if (count == 0) {
    snprintf(why, whylen, "the CUDA driver reports no CUDA device");
    return TDM_ERR_NO_DEVICE;
  }
  if (tdm__cuda_calls_load(why, whylen) != 0) return TDM_ERR_NO_DEVICE;
  tdm__pin_module();
  *out = &tdm__cuda_backend;
  return TDM_OK;
}
