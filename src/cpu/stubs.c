/* stubs.c -- placeholders for the CPU kernels whose modules (expressions,
 * random numbers) land in their own issues; each says so instead of
 * pretending to work. Removed as those modules arrive. */
#include "core/error.h"
#include "cpu/cpu_int.h"

tdm_status tdm__cpu_eval(void *st, const tdm__prog *prog, const tdm__eval_args *a) {
  (void)st; (void)prog; (void)a;
  return tdm__err(TDM_ERR_INTERNAL, "expressions are not built in this version");
}

tdm_status tdm__cpu_rng_fill(void *st, const tdm__rng_req *req, void *out) {
  (void)st; (void)req; (void)out;
  return tdm__err(TDM_ERR_INTERNAL, "random numbers are not built in this version");
}
