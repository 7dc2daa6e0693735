/* rng_stub.c -- placeholder for the CPU random-number kernel until its module lands
 * (issue 6); it says so instead of pretending to work. Delete this file
 * when the real kernel arrives. */
#include "core/error.h"
#include "cpu/cpu_int.h"

tdm_status tdm__cpu_rng_fill(void *st, const tdm__rng_req *req, void *out) {
  (void)st; (void)req; (void)out;
  return tdm__err(TDM_ERR_INTERNAL, "random numbers are not built in this version");
}
