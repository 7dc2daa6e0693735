/* perf.c -- what the placement model knows of the GPU: host<->device
 * bandwidth measured once per process and device (pinned 64 MiB copies
 * timed with events), memory bandwidth and F64 rate from the device's
 * attributes. Anything that cannot be measured falls back to a
 * conservative figure. */
#include <stdio.h>

#include "cuda/cuda_int.h"

#define TDM__PERF_MAXDEV 64
#define TDM__PERF_BYTES ((size_t)64 << 20)
#define TDM__PERF_REPS 3

static pthread_mutex_t tdm__perf_lock = PTHREAD_MUTEX_INITIALIZER;
static int tdm__perf_done[TDM__PERF_MAXDEV];
static tdm__perf tdm__perf_cache[TDM__PERF_MAXDEV];

/* F64 flops per clock per SM (FMA = 2): tensor-core DMMA on A100/H100
 * class parts, the 1/64-rate FP64 units elsewhere. */
static double tdm__f64_per_clock(int cc) {
  if (cc == 80) return 128;
  if (cc == 90) return 256;
  return 4;
}

static int tdm__attr(tdm__cu *st, enum cudaDeviceAttr a) {
  int v = 0;
  if (tdm__calls.DeviceGetAttribute(&v, a, st->dev->ordinal) != cudaSuccess) {
    (void)tdm__calls.GetLastError();
    return 0;
  }
  return v;
}

/* Bytes per second of REPS copies of `bytes` in one direction, 0 if the
 * measurement failed. */
static double tdm__time_copies(tdm__cu *st, void *dst, const void *src, size_t bytes,
                               enum cudaMemcpyKind kind, cudaEvent_t e0, cudaEvent_t e1) {
  cudaStream_t s = st->stream;
  if (tdm__calls.MemcpyAsync(dst, src, bytes, kind, s) != cudaSuccess) return 0; /* warm-up */
  if (tdm__calls.EventRecord(e0, s) != cudaSuccess) return 0;
  for (int i = 0; i < TDM__PERF_REPS; i++)
    if (tdm__calls.MemcpyAsync(dst, src, bytes, kind, s) != cudaSuccess) return 0;
  if (tdm__calls.EventRecord(e1, s) != cudaSuccess) return 0;
  if (tdm__calls.EventSynchronize(e1) != cudaSuccess) return 0;
  float ms = 0;
  if (tdm__calls.EventElapsedTime(&ms, e0, e1) != cudaSuccess || ms <= 0) return 0;
  return (double)bytes * TDM__PERF_REPS / (ms * 1e-3);
}

static void tdm__measure_pcie(tdm__cu *st, tdm__perf *p) {
  void *h = NULL, *d = NULL;
  cudaEvent_t e0 = NULL, e1 = NULL;
  if (tdm__calls.MallocHost(&h, TDM__PERF_BYTES) != cudaSuccess) h = NULL;
  if (h && tdm__calls.MallocFromPoolAsync(&d, TDM__PERF_BYTES, st->dev->pool, st->stream) !=
               cudaSuccess)
    d = NULL;
  if (d && tdm__calls.EventCreateWithFlags(&e0, cudaEventDefault) != cudaSuccess) e0 = NULL;
  if (e0 && tdm__calls.EventCreateWithFlags(&e1, cudaEventDefault) != cudaSuccess) e1 = NULL;
  if (e1) {
    p->h2d_bps = tdm__time_copies(st, d, h, TDM__PERF_BYTES, cudaMemcpyHostToDevice, e0, e1);
    p->d2h_bps = tdm__time_copies(st, h, d, TDM__PERF_BYTES, cudaMemcpyDeviceToHost, e0, e1);
  }
  if (d && tdm__calls.FreeAsync(d, st->stream) != cudaSuccess) d = NULL;
  if (tdm__calls.StreamSynchronize(st->stream) != cudaSuccess) d = NULL;
  if (h) tdm__calls.FreeHost(h);
  if (e0) tdm__calls.EventDestroy(e0);
  if (e1) tdm__calls.EventDestroy(e1);
  (void)tdm__calls.GetLastError(); /* a failed measurement is not an error */
}

tdm_status tdm__cu_perf(void *state, tdm__perf *out) {
  tdm__cu *st = state;
  int ord = st->dev->ordinal;
  pthread_mutex_lock(&tdm__perf_lock);
  if (ord >= TDM__PERF_MAXDEV || !tdm__perf_done[ord]) {
    tdm__perf p = {0};
    if (tdm__calls.SetDevice(ord) != cudaSuccess) (void)tdm__calls.GetLastError();
    double memclk = tdm__attr(st, cudaDevAttrMemoryClockRate) * 1e3; /* Hz */
    double bus = tdm__attr(st, cudaDevAttrGlobalMemoryBusWidth);     /* bits */
    double clk = tdm__attr(st, cudaDevAttrClockRate) * 1e3;          /* Hz */
    p.mem_bps = memclk > 0 && bus > 0 ? 2.0 * memclk * bus / 8.0 : 5e11;
    p.flops = clk > 0 ? st->dev->sms * clk * tdm__f64_per_clock(st->dev->cc) : 1e12;
    p.launch_s = 1e-5; /* a launch plus the synchronizations ops need */
    tdm__measure_pcie(st, &p);
    if (p.h2d_bps <= 0) p.h2d_bps = 1.2e10;
    if (p.d2h_bps <= 0) p.d2h_bps = 1.2e10;
    if (ord < TDM__PERF_MAXDEV) {
      tdm__perf_cache[ord] = p;
      tdm__perf_done[ord] = 1;
    }
    *out = p;
  } else {
    *out = tdm__perf_cache[ord];
  }
  pthread_mutex_unlock(&tdm__perf_lock);
  return TDM_OK;
}
