/* dist.h -- the elementwise transforms from Philox words to values (uniform,
 * normal, exponential, Bernoulli, bounded integers), one formula shared by the
 * CPU (scalar and vectorized) and the CUDA kernel. Only exact conversions,
 * explicit fma and the functions of mathfn.h: the backends agree bit for bit.
 * docs/random.md lists the words each value consumes. */
#ifndef TDM_RNG_DIST_H
#define TDM_RNG_DIST_H

#include "rng/mathfn.h"

#ifdef __CUDACC__
#define TDM__FMAF(a, b, c) fmaf((a), (b), (c))
#else
#define TDM__FMAF(a, b, c) __builtin_fmaf((a), (b), (c))
#endif

/* ---- words -> uniforms (all conversions exact) -------------------------- */
/* The exact double of a 32-bit word (through int32 so SIMD can convert it). */
TDM_HDI double tdm__u32d(uint32_t w) {
  return (double)(int32_t)(w ^ 0x80000000u) + 2147483648.0;
}
/* k * 2^-53 in [0, 1) with k = (a >> 5) * 2^26 + (b >> 6): 53 random bits. */
TDM_HDI double tdm__u53(uint32_t a, uint32_t b) {
  return TDM__FMA((double)(int32_t)(a >> 5), 0x1p26, (double)(int32_t)(b >> 6)) * 0x1p-53;
}
/* (k + 1) * 2^-53 in (0, 1]: safe to take the log of. */
TDM_HDI double tdm__u53p(uint32_t a, uint32_t b) {
  return TDM__FMA((double)(int32_t)(a >> 5), 0x1p26, (double)(int32_t)(b >> 6) + 1.0) * 0x1p-53;
}
/* (w + 1) * 2^-32 in (0, 1]. */
TDM_HDI double tdm__u32p(uint32_t w) { return (tdm__u32d(w) + 1.0) * 0x1p-32; }

/* ---- uniform on [lo, hi): 1 word (f32) or 2 words (f64) -------------------
 * d = hi - lo and top = the largest value below hi come from the caller, so
 * rounding never reaches hi. */
TDM_HDI float tdm__uniform_f32(uint32_t w, float lo, float d, float top) {
  float u = (float)(int32_t)(w >> 8) * 0x1p-24f; /* 24 bits in [0, 1) */
  float v = TDM__FMAF(d, u, lo);
  return v > top ? top : v;
}
TDM_HDI double tdm__uniform_f64(uint32_t a, uint32_t b, double lo, double d,
                                             double top) {
  double v = TDM__FMA(d, tdm__u53(a, b), lo);
  return v > top ? top : v;
}

/* ---- normal: Box-Muller on a pair of uniforms ------------------------------
 * z0 = r cos(2 pi v), z1 = r sin(2 pi v), r = sqrt(-2 log u1), u1 in (0, 1].
 * f64: one pair per 4 words (u1 from words 0-1, v from words 2-3, 53 bits each);
 * f32: one pair per 2 words (32 bits each, computed in double, then rounded). */
TDM_HDI void tdm__box_muller(double u1, double v, double *z0, double *z1) {
  double r = TDM__SQRT(-2.0 * tdm__rng_log(u1));
  double c, s;
  tdm__rng_sincos2pi(v, &c, &s);
  *z0 = r * c;
  *z1 = r * s;
}
TDM_HDI void tdm__normal_pair_f64(const uint32_t w[4], double mean, double sd,
                                               double *x0, double *x1) {
  double z0, z1;
  tdm__box_muller(tdm__u53p(w[0], w[1]), tdm__u53(w[2], w[3]), &z0, &z1);
  *x0 = TDM__FMA(sd, z0, mean);
  *x1 = TDM__FMA(sd, z1, mean);
}
TDM_HDI void tdm__normal_pair_f32(const uint32_t w[2], double mean, double sd,
                                               double *x0, double *x1) {
  double z0, z1;
  tdm__box_muller(tdm__u32p(w[0]), tdm__u32d(w[1]) * 0x1p-32, &z0, &z1);
  *x0 = TDM__FMA(sd, z0, mean);
  *x1 = TDM__FMA(sd, z1, mean);
}

/* ---- exponential (inversion): -log(u) / rate, u in (0, 1] ------------------ */
TDM_HDI double tdm__exponential_f64(uint32_t a, uint32_t b, double rate) {
  return -tdm__rng_log(tdm__u53p(a, b)) / rate;
}
TDM_HDI double tdm__exponential_f32(uint32_t w, double rate) {
  return -tdm__rng_log(tdm__u32p(w)) / rate;
}

/* ---- Bernoulli: 1 if u < p, u = k 2^-53 from 2 words ----------------------- */
TDM_HDI double tdm__bernoulli(uint32_t a, uint32_t b, double p) {
  return tdm__u53(a, b) < p ? 1.0 : 0.0;
}

/* ---- an integer in [0, R), 1 <= R < 2^64, from 4 words ----------------------
 * floor(X R / 2^128) for the 128-bit X = w0:w1:w2:w3. Each of the R values
 * has probability within 2^-128 of 1/R (no modulo bias; exactly uniform when
 * R is a power of two; no finite word budget can do better in general). */
TDM_HDI uint64_t tdm__mulhi64(uint64_t a, uint64_t b, uint64_t *lo) {
#if defined(__CUDA_ARCH__)
  *lo = a * b;
  return __umul64hi(a, b);
#else
  unsigned __int128 p = (unsigned __int128)a * b;
  *lo = (uint64_t)p;
  return (uint64_t)(p >> 64);
#endif
}
TDM_HDI uint64_t tdm__below(const uint32_t w[4], uint64_t R) {
  uint64_t xh = ((uint64_t)w[0] << 32) | w[1], xl = ((uint64_t)w[2] << 32) | w[3];
  uint64_t l1, l2;
  uint64_t h1 = tdm__mulhi64(xl, R, &l1); /* X_lo R = h1:l1 */
  uint64_t h2 = tdm__mulhi64(xh, R, &l2); /* X_hi R = h2:l2, weight 2^64 */
  uint64_t mid = l2 + h1;
  return h2 + (mid < l2); /* bits 128.. of X R */
}

#endif
