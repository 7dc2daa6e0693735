/* mem.c -- the sim device's memory: separate host allocations, poisoned
 * with NaN bytes when allocated (a missing transfer reads garbage, as on a
 * GPU), counted against an optional capacity, and handed out as tagged
 * handles that fault if dereferenced outside the sim. */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "sim/sim_int.h"

/* High bits that make a 64-bit address non-canonical: using a handle as a
 * host pointer faults at once instead of reading the wrong copy. */
#define TDM__SIM_TAG ((uintptr_t)(UINTPTR_MAX > 0xffffffffu ? 0x5a5a000000000000ull : 0))
#define TDM__SIM_HDR 64 /* keeps the data 64-byte aligned */

void *tdm__sim_real(const void *handle) {
  return handle ? (void *)((uintptr_t)handle ^ TDM__SIM_TAG) : NULL;
}

static void *tdm__sim_tag(void *real) { return (void *)((uintptr_t)real ^ TDM__SIM_TAG); }

tdm_status tdm__sim_alloc(void *st, size_t bytes, void **p) {
  tdm__simq *q = st;
  tdm__simdev *d = q->dev;
  *p = NULL;
  size_t total = bytes + TDM__SIM_HDR;
  TDM__CHECK(total < bytes, TDM_ERR_DEVICE_NOMEM, "sim device: %zu bytes is too large", bytes);
  pthread_mutex_lock(&d->mu);
  int over = d->mem_limit && (d->mem_used > d->mem_limit || bytes > d->mem_limit - d->mem_used);
  if (!over) d->mem_used += bytes;
  size_t used = d->mem_used, limit = d->mem_limit;
  pthread_mutex_unlock(&d->mu);
  TDM__CHECK(over, TDM_ERR_DEVICE_NOMEM,
             "sim device: out of device memory for %zu bytes (%zu of %zu in use)", bytes, used,
             limit);
  char *raw = tdm__malloc(total);
  if (!raw) {
    pthread_mutex_lock(&d->mu);
    d->mem_used -= bytes;
    pthread_mutex_unlock(&d->mu);
    return tdm__err(TDM_ERR_DEVICE_NOMEM, "sim device: out of device memory for %zu bytes", bytes);
  }
  memcpy(raw, &bytes, sizeof bytes);
  memset(raw + TDM__SIM_HDR, 0xff, bytes); /* all-ones: NaN as f32 and f64 */
  *p = tdm__sim_tag(raw + TDM__SIM_HDR);
  return TDM_OK;
}

/* Like cudaFree: waits until no queue of the device can still use it. */
void tdm__sim_free(void *st, void *p) {
  if (!p) return;
  tdm__simq *q = st;
  tdm__simdev *d = q->dev;
  tdm__simdev_drain(d);
  char *raw = (char *)tdm__sim_real(p) - TDM__SIM_HDR;
  size_t bytes;
  memcpy(&bytes, raw, sizeof bytes);
  pthread_mutex_lock(&d->mu);
  d->mem_used -= bytes;
  pthread_mutex_unlock(&d->mu);
  tdm__free(raw);
}
