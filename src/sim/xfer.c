/* xfer.c -- the sim device's transfers (zero, h2d, d2h, d2d): queue
 * commands on its memory. Copies in and out wait (the caller reuses or
 * reads the host side at once); zero and d2d return at once, as on a
 * GPU's stream. The ops are ops.c's. */
#include <string.h>

#include "core/error.h"
#include "sim/sim_int.h"

#define R(p) tdm__sim_real(p)

static tdm_status tdm__run_copy(tdm__simq *q, tdm__simcmd *c) {
  (void)q;
  memcpy(c->a.copy.dst, c->a.copy.src, c->a.copy.bytes);
  return TDM_OK;
}

static tdm_status tdm__run_zero(tdm__simq *q, tdm__simcmd *c) {
  (void)q;
  memset(c->a.copy.dst, 0, c->a.copy.bytes);
  return TDM_OK;
}

/* One transfer command over real pointers (src NULL for zero). */
static tdm_status tdm__xfer(void *st, tdm__simrun run, void *dst, const void *src, size_t bytes,
                            int wait) {
  tdm__simcmd c = {.run = run};
  c.a.copy.dst = dst;
  c.a.copy.src = src;
  c.a.copy.bytes = bytes;
  return wait ? tdm__simq_wait(st, &c) : tdm__simq_async(st, &c);
}

tdm_status tdm__sim_zero(void *st, void *p, size_t bytes) {
  return tdm__xfer(st, tdm__run_zero, R(p), NULL, bytes, 0);
}

/* Waits: the caller may reuse src as soon as this returns. */
tdm_status tdm__sim_h2d(void *st, void *dst, const void *src, size_t bytes) {
  return tdm__xfer(st, tdm__run_copy, R(dst), src, bytes, 1);
}

/* Waits for every queue of the device first (a lane may have written src),
 * as a CUDA copy on the legacy default stream does. */
tdm_status tdm__sim_d2h(void *st, void *dst, const void *src, size_t bytes) {
  tdm__simdev_drain(((tdm__simq *)st)->dev);
  return tdm__xfer(st, tdm__run_copy, dst, R(src), bytes, 1);
}

tdm_status tdm__sim_d2d(void *st, void *dst, const void *src, size_t bytes) {
  return tdm__xfer(st, tdm__run_copy, R(dst), R(src), bytes, 0);
}
