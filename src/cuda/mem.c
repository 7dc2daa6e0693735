/* mem.c -- device memory: stream-ordered allocations from the context's
 * pool (cudaMallocFromPoolAsync / cudaFreeAsync on the state's stream),
 * zeroing and device-to-device copies, and the host ranges registered for
 * large transfers (dropped when their device allocation is freed). */
#include <stdio.h>
#include <string.h>

#include "cuda/cuda_int.h"

tdm_status tdm__cu_scratch(tdm__cu *st, size_t bytes, void **p) {
  *p = NULL;
  if (tdm__alloc_inject())
    return tdm__err(TDM_ERR_DEVICE_NOMEM,
                    "CUDA device %d: out of device memory for %zu bytes (injected failure)",
                    st->dev->ordinal, bytes);
  cudaError_t e = tdm__calls.MallocFromPoolAsync(p, bytes ? bytes : 1, st->dev->pool, st->stream);
  if (e == cudaErrorMemoryAllocation) {
    /* Frees still queued on the stream return memory once they run; wait
     * for them, hand the pool's idle memory back, and try once more. */
    (void)tdm__calls.GetLastError();
    if (tdm__calls.StreamSynchronize(st->stream) != cudaSuccess ||
        tdm__calls.MemPoolTrimTo(st->dev->pool, 0) != cudaSuccess)
      (void)tdm__calls.GetLastError();
    e = tdm__calls.MallocFromPoolAsync(p, bytes ? bytes : 1, st->dev->pool, st->stream);
  }
  if (e == cudaErrorMemoryAllocation) {
    (void)tdm__calls.GetLastError();
    size_t fr = 0, tot = 0;
    if (tdm__calls.MemGetInfo(&fr, &tot) != cudaSuccess) (void)tdm__calls.GetLastError();
    *p = NULL;
    return tdm__err(TDM_ERR_DEVICE_NOMEM,
                    "CUDA device %d: out of device memory for %zu bytes (%zu MiB free of %zu MiB)",
                    st->dev->ordinal, bytes, fr >> 20, tot >> 20);
  }
  if (e != cudaSuccess) *p = NULL;
  return tdm__cu_rt(e, "cudaMallocFromPoolAsync");
}

void tdm__cu_release(tdm__cu *st, void *p) {
  if (p && tdm__calls.FreeAsync(p, st->stream) != cudaSuccess) (void)tdm__calls.GetLastError();
}

tdm_status tdm__cu_alloc(void *state, size_t bytes, void **p) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK) s = tdm__cu_scratch(st, bytes, p);
  return tdm__cu_end(st, s);
}

/* ---- registered host ranges (the list is short: large buffers only) ----- */

static void tdm__reg_drop(tdm__cu_dev *d, size_t i) {
  if (d->regs[i].host && tdm__calls.HostUnregister(d->regs[i].host) != cudaSuccess)
    (void)tdm__calls.GetLastError();
  d->regs[i] = d->regs[--d->nregs];
}

void tdm__cu_unregister_all(tdm__cu_dev *d) {
  while (d->nregs) tdm__reg_drop(d, d->nregs - 1);
}

int tdm__cu_pinned_range(tdm__cu *st, void *dev, void *host, size_t bytes) {
  tdm__cu_dev *d = st->dev;
  if (d->pin_min == 0 || bytes < d->pin_min) return 0;
  int ok = 0;
  pthread_mutex_lock(&d->lock);
  size_t i = 0;
  while (i < d->nregs && d->regs[i].dev != dev) i++;
  if (i < d->nregs) {
    ok = d->regs[i].host == host && d->regs[i].bytes == bytes;
  } else {
    if (d->nregs == d->capregs) {
      size_t cap = d->capregs ? 2 * d->capregs : 8;
      tdm__cu_reg *r = tdm__malloc(cap * sizeof *r);
      if (!r) goto out; /* not registering is always correct */
      if (d->nregs) memcpy(r, d->regs, d->nregs * sizeof *r);
      tdm__free(d->regs);
      d->regs = r;
      d->capregs = cap;
    }
    tdm__cu_reg *r = &d->regs[d->nregs++];
    r->dev = dev;
    r->bytes = bytes;
    r->host = NULL;
    if (tdm__calls.HostRegister(host, bytes, cudaHostRegisterDefault) == cudaSuccess) {
      r->host = host;
      ok = 1;
    } else {
      (void)tdm__calls.GetLastError(); /* e.g. already registered by the caller */
    }
  }
out:
  pthread_mutex_unlock(&d->lock);
  return ok;
}

void tdm__cu_free(void *state, void *p) {
  tdm__cu *st = state;
  if (!p) return;
  tdm__cu_dev *d = st->dev;
  if (tdm__calls.SetDevice(d->ordinal) != cudaSuccess) (void)tdm__calls.GetLastError();
  pthread_mutex_lock(&d->lock);
  for (size_t i = 0; i < d->nregs; i++) {
    if (d->regs[i].dev == p) {
      tdm__reg_drop(d, i);
      break;
    }
  }
  pthread_mutex_unlock(&d->lock);
  /* Ordered after everything queued on this stream; lanes finish their
   * ops before returning (tdm__cu_end), so no other stream still uses p. */
  tdm__cu_release(st, p);
}

tdm_status tdm__cu_zero(void *state, void *p, size_t bytes) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK)
    s = tdm__cu_rt(tdm__calls.MemsetAsync(p, 0, bytes, st->stream), "cudaMemsetAsync");
  return tdm__cu_end(st, s);
}

tdm_status tdm__cu_d2d(void *state, void *dst, const void *src, size_t bytes) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s == TDM_OK)
    s = tdm__cu_rt(tdm__calls.MemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, st->stream),
                   "cudaMemcpyAsync");
  return tdm__cu_end(st, s);
}
