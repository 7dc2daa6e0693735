/* transfer.c -- host<->device copies. Large ranges that could be
 * registered (cudaHostRegister, once per device allocation) go straight
 * by DMA; the rest go through two pinned staging buffers, double-buffered
 * so the host memcpy of one chunk overlaps the DMA of the other. h2d
 * returns once src is no longer read; d2h returns when dst holds the data. */
#include <string.h>

#include "cuda/cuda_int.h"

/* The two staging buffers and their events; 0 if they cannot be had. */
static int tdm__stage_ready(tdm__cu *st) {
  if (st->stage[1]) return 1;
  if (st->stage_failed) return 0;
  for (int i = 0; i < 2; i++) {
    if (!st->stage[i] && tdm__calls.MallocHost(&st->stage[i], TDM__CU_STAGE) != cudaSuccess) {
      st->stage[i] = NULL;
      goto fail;
    }
    if (!st->stage_ev[i] &&
        tdm__calls.EventCreateWithFlags(&st->stage_ev[i], cudaEventDisableTiming) != cudaSuccess) {
      st->stage_ev[i] = NULL;
      goto fail;
    }
  }
  return 1;
fail:
  (void)tdm__calls.GetLastError(); /* pinned memory is scarce: copy unstaged */
  for (int i = 0; i < 2; i++) {
    if (st->stage[i]) tdm__calls.FreeHost(st->stage[i]);
    if (st->stage_ev[i]) tdm__calls.EventDestroy(st->stage_ev[i]);
    st->stage[i] = NULL;
    st->stage_ev[i] = NULL;
  }
  st->stage_failed = 1;
  return 0;
}

/* A copy the caller waits for (registered or pageable host memory). */
static tdm_status tdm__copy_wait(tdm__cu *st, void *dst, const void *src, size_t bytes,
                                 enum cudaMemcpyKind kind) {
  TDM__TRY(tdm__cu_rt(tdm__calls.MemcpyAsync(dst, src, bytes, kind, st->stream), "cudaMemcpyAsync"));
  return tdm__cu_rt(tdm__calls.StreamSynchronize(st->stream), "cudaStreamSynchronize");
}

static tdm_status tdm__h2d_staged(tdm__cu *st, char *dst, const char *src, size_t bytes) {
  for (size_t off = 0, i = 0; off < bytes; i++) {
    int k = (int)(i & 1);
    size_t len = bytes - off < TDM__CU_STAGE ? bytes - off : TDM__CU_STAGE;
    /* The previous copy out of this staging buffer must be done. */
    TDM__TRY(tdm__cu_rt(tdm__calls.EventSynchronize(st->stage_ev[k]), "cudaEventSynchronize"));
    memcpy(st->stage[k], src + off, len);
    TDM__TRY(tdm__cu_rt(tdm__calls.MemcpyAsync(dst + off, st->stage[k], len,
                                            cudaMemcpyHostToDevice, st->stream),
                        "cudaMemcpyAsync"));
    TDM__TRY(tdm__cu_rt(tdm__calls.EventRecord(st->stage_ev[k], st->stream), "cudaEventRecord"));
    off += len;
  }
  return TDM_OK; /* src is free again; the last chunks may still be moving */
}

static tdm_status tdm__d2h_enqueue(tdm__cu *st, const char *src, size_t bytes, size_t chunk) {
  size_t off = chunk * TDM__CU_STAGE;
  if (off >= bytes) return TDM_OK;
  size_t len = bytes - off < TDM__CU_STAGE ? bytes - off : TDM__CU_STAGE;
  int k = (int)(chunk & 1);
  TDM__TRY(tdm__cu_rt(tdm__calls.MemcpyAsync(st->stage[k], src + off, len, cudaMemcpyDeviceToHost,
                                          st->stream),
                      "cudaMemcpyAsync"));
  return tdm__cu_rt(tdm__calls.EventRecord(st->stage_ev[k], st->stream), "cudaEventRecord");
}

static tdm_status tdm__d2h_staged(tdm__cu *st, char *dst, const char *src, size_t bytes) {
  size_t chunks = (bytes + TDM__CU_STAGE - 1) / TDM__CU_STAGE;
  TDM__TRY(tdm__d2h_enqueue(st, src, bytes, 0));
  TDM__TRY(tdm__d2h_enqueue(st, src, bytes, 1));
  for (size_t i = 0; i < chunks; i++) {
    int k = (int)(i & 1);
    size_t off = i * TDM__CU_STAGE;
    size_t len = bytes - off < TDM__CU_STAGE ? bytes - off : TDM__CU_STAGE;
    TDM__TRY(tdm__cu_rt(tdm__calls.EventSynchronize(st->stage_ev[k]), "cudaEventSynchronize"));
    memcpy(dst + off, st->stage[k], len);
    TDM__TRY(tdm__d2h_enqueue(st, src, bytes, i + 2));
  }
  return TDM_OK;
}

tdm_status tdm__cu_h2d(void *state, void *dst, const void *src, size_t bytes) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s != TDM_OK) return s;
  if (tdm__cu_pinned_range(st, dst, (void *)src, bytes))
    s = tdm__copy_wait(st, dst, src, bytes, cudaMemcpyHostToDevice);
  else if (tdm__stage_ready(st))
    s = tdm__h2d_staged(st, dst, src, bytes);
  else
    s = tdm__copy_wait(st, dst, src, bytes, cudaMemcpyHostToDevice);
  return tdm__cu_end(st, s);
}

tdm_status tdm__cu_d2h(void *state, void *dst, const void *src, size_t bytes) {
  tdm__cu *st = state;
  tdm_status s = tdm__cu_begin(st);
  if (s != TDM_OK) return s;
  if (tdm__cu_pinned_range(st, (void *)src, dst, bytes))
    s = tdm__copy_wait(st, dst, src, bytes, cudaMemcpyDeviceToHost);
  else if (tdm__stage_ready(st))
    s = tdm__d2h_staged(st, dst, src, bytes);
  else
    s = tdm__copy_wait(st, dst, src, bytes, cudaMemcpyDeviceToHost);
  return tdm__cu_end(st, s);
}
