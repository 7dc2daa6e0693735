/* expr_check.h -- helpers the expression tests share: contexts, buffers
 * from host arrays, deterministic random inputs with the IEEE edge values,
 * and the comparison against a libm reference (exact classes for NaN, inf
 * and signed zero; otherwise a few ulp or a relative bound). */
#ifndef TDM_TEST_EXPR_CHECK_H
#define TDM_TEST_EXPR_CHECK_H

#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tandem/tandem.h>

static inline tdm_ctx *xc_ctx(tdm_backend be, int threads) {
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = be;
  cfg.threads = threads;
  tdm_ctx *ctx = NULL;
  tdm_status s = tdm_ctx_create(&cfg, &ctx);
  cr_assert_eq(s, TDM_OK, "tdm_ctx_create: %s", tdm_last_error());
  return ctx;
}

static inline tdm_buf *xc_buf(tdm_ctx *ctx, tdm_dtype dt, size_t n, const void *data) {
  tdm_buf *b = NULL;
  cr_assert_eq(tdm_buf_create(ctx, dt, n, 1, &b), TDM_OK, "%s", tdm_last_error());
  if (data) cr_assert_eq(tdm_buf_write(b, data), TDM_OK, "%s", tdm_last_error());
  return b;
}

/* xorshift64*: the same inputs on every run. */
static inline double xc_rand(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return (double)((*s * 0x2545F4914F6CDD1Dull) >> 11) * 0x1.0p-53;
}

/* Uniform in [lo, hi), or log-uniform magnitude in [lo, hi] (lo > 0) with a
 * random sign when sgn. */
static inline double xc_draw(uint64_t *s, double lo, double hi, int logm, int sgn) {
  double u = xc_rand(s);
  double v = logm ? exp(log(lo) + u * (log(hi) - log(lo))) : lo + u * (hi - lo);
  if (sgn && xc_rand(s) < 0.5) v = -v;
  return v;
}

static const double xc_edges64[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 0x1p-1074, -0x1p-1074,
                                    0x1.fffffffffffffp-1023, DBL_MIN, -DBL_MIN, DBL_MAX, -DBL_MAX,
                                    1.0, -1.0, 0.5, -0.5, 2.0, 1e300, -1e300, 1e-300};
static const float xc_edges32[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 0x1p-149f, -0x1p-149f,
                                   0x1.fffffcp-127f, FLT_MIN, -FLT_MIN, FLT_MAX, -FLT_MAX,
                                   1.0f, -1.0f, 0.5f, -0.5f, 2.0f, 1e30f, -1e30f, 1e-30f};
#define XC_NEDGE ((int)(sizeof xc_edges64 / sizeof xc_edges64[0]))

/* Distance in units in the last place (monotone integer map of the bits). */
static inline uint64_t xc_ulp64(double a, double b) {
  int64_t ia, ib;
  memcpy(&ia, &a, 8);
  memcpy(&ib, &b, 8);
  if (ia < 0) ia = INT64_MIN - ia;
  if (ib < 0) ib = INT64_MIN - ib;
  return ia > ib ? (uint64_t)ia - (uint64_t)ib : (uint64_t)ib - (uint64_t)ia;
}

static inline uint32_t xc_ulp32(float a, float b) {
  int32_t ia, ib;
  memcpy(&ia, &a, 4);
  memcpy(&ib, &b, 4);
  if (ia < 0) ia = INT32_MIN - ia;
  if (ib < 0) ib = INT32_MIN - ib;
  return ia > ib ? (uint32_t)ia - (uint32_t)ib : (uint32_t)ib - (uint32_t)ia;
}

/* got vs the reference: NaN, infinities and zeros (with sign unless
 * anyzero) must match exactly; other values within maxulp or rel. */
static inline int xc_ok64(double got, double ref, uint64_t maxulp, double rel, int anyzero) {
  if (isnan(ref)) return isnan(got);
  if (isinf(ref) || ref == 0)
    return got == ref && (anyzero || ref != 0 || signbit(got) == signbit(ref));
  if (!isfinite(got)) return 0;
  return xc_ulp64(got, ref) <= maxulp || fabs(got - ref) <= rel * fabs(ref);
}

static inline int xc_ok32(float got, double ref_d, uint32_t maxulp, double rel, int anyzero) {
  float ref = (float)ref_d;
  if (isnan(ref)) return isnan(got);
  if (isinf(ref) || ref == 0) {
    if (got == ref && (anyzero || ref != 0 || signbit(got) == signbit(ref))) return 1;
    return isfinite(got) && xc_ulp32(got, ref) <= maxulp; /* rounding at a range edge */
  }
  if (isnan(got)) return 0;
  return xc_ulp32(got, ref) <= maxulp || fabs((double)got - ref_d) <= rel * fabs(ref_d);
}

#endif
