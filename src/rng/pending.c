/* pending.c -- until random numbers (issue 6) land, their public calls
 * exist and fail honestly with TDM_ERR_INTERNAL "not built", so programs
 * link and report skipped rows. The RNG module's merge deletes this file. */
#include "core/error.h"

#define TDM__PENDING(fn) tdm__err(TDM_ERR_INTERNAL, "%s: random numbers are not built in this version", fn)

tdm_status tdm_rng_create(tdm_ctx *ctx, uint64_t seed, uint64_t stream, tdm_rng **out) {
  (void)ctx; (void)seed; (void)stream;
  if (out) *out = NULL;
  return TDM__PENDING("tdm_rng_create");
}
void tdm_rng_destroy(tdm_rng *r) { (void)r; }
tdm_status tdm_rng_bits(tdm_rng *r, tdm_buf *out) {
  (void)r; (void)out;
  return TDM__PENDING("tdm_rng_bits");
}
tdm_status tdm_rng_uniform(tdm_rng *r, tdm_buf *out, double lo, double hi) {
  (void)r; (void)out; (void)lo; (void)hi;
  return TDM__PENDING("tdm_rng_uniform");
}
tdm_status tdm_rng_normal(tdm_rng *r, tdm_buf *out, double mean, double sd) {
  (void)r; (void)out; (void)mean; (void)sd;
  return TDM__PENDING("tdm_rng_normal");
}
tdm_status tdm_rng_gamma(tdm_rng *r, tdm_buf *out, double shape, double scale) {
  (void)r; (void)out; (void)shape; (void)scale;
  return TDM__PENDING("tdm_rng_gamma");
}
