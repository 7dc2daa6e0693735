/* mathfn.h -- log, exp, sin/cos(2*pi*v) and log-factorial for the random
 * number transforms, built only from IEEE +, -, *, /, sqrt, floor and explicit
 * fma, so C (scalar or auto-vectorized) and CUDA compute bit-identical values.
 * Branch-free where it matters so gcc/clang vectorize the loops that call it.
 * Accuracy (tests/test_rng_math.c checks against libm): about 1 ulp. */
#ifndef TDM_RNG_MATHFN_H
#define TDM_RNG_MATHFN_H

#include "rng/philox.h"

/* Products whose result is later added to are written TDM__MUL: nvcc would
 * otherwise fuse them into an fma (C builds of these files use
 * -ffp-contract=off, see CMakeLists.txt). */
#ifdef __CUDACC__
#include <string.h>
#define TDM__FMA(a, b, c) fma((a), (b), (c))
#define TDM__SQRT(x) sqrt(x)
#define TDM__FLOOR(x) floor(x)
#define TDM__MEMCPY(d, s, n) memcpy((d), (s), (n))
#ifdef __CUDA_ARCH__
#define TDM__MUL(a, b) __dmul_rn((a), (b))
#else
#define TDM__MUL(a, b) ((a) * (b))
#endif
#else
#define TDM__MUL(a, b) ((a) * (b))
#define TDM__FMA(a, b, c) __builtin_fma((a), (b), (c))
#define TDM__SQRT(x) __builtin_sqrt(x)
#define TDM__FLOOR(x) __builtin_floor(x)
#define TDM__MEMCPY(d, s, n) __builtin_memcpy((d), (s), (n))
#endif

TDM_HDI uint64_t tdm__f64_bits(double x) {
  uint64_t u;
  TDM__MEMCPY(&u, &x, sizeof u);
  return u;
}
TDM_HDI double tdm__bits_f64(uint64_t u) {
  double x;
  TDM__MEMCPY(&x, &u, sizeof x);
  return x;
}

#define TDM__LN2_HI 0x1.62e42fee00000p-1 /* 32 significant bits: e*LN2_HI is exact */
#define TDM__LN2_LO 0x1.a39ef35793c76p-33
#define TDM__MAGIC 0x1.8p52              /* x + MAGIC - MAGIC rounds to an integer */

/* Natural log of a positive, finite, normal x (the transforms never pass
 * anything else). x = 2^e * m with m in [sqrt(2)/2, sqrt(2)); with f = m - 1
 * (exact) and s = f/(2+f), log(1+f) = 2 atanh(s) = f - s*(f - R(s^2)) where
 * R(z) = 2z/3 + 2z^2/5 + ... (Taylor, |s| <= 0.1716, 10 terms: error
 * below 2^-56 relative). Worst error seen: 0.8 ulp. */
TDM_HDI double tdm__rng_log(double x) {
  uint64_t u = tdm__f64_bits(x);
  /* biased exponent after moving m into [sqrt(2)/2, sqrt(2)); the 2^62 keeps
   * the difference positive so only logical shifts are needed */
  uint64_t eb = (u - 0x3FE6A09E667F3BCDull + 0x4000000000000000ull) >> 52; /* e + 1024 */
  double m = tdm__bits_f64(u - (eb << 52) + (1024ull << 52));
  double e = tdm__bits_f64(0x4330000000000000ull | eb) - (0x1p52 + 1024.0);
  double f = m - 1.0;
  double s = f / (2.0 + f);
  double z = s * s;
  double r = 2.0 / 21.0;
  r = TDM__FMA(r, z, 2.0 / 19.0);
  r = TDM__FMA(r, z, 2.0 / 17.0);
  r = TDM__FMA(r, z, 2.0 / 15.0);
  r = TDM__FMA(r, z, 2.0 / 13.0);
  r = TDM__FMA(r, z, 2.0 / 11.0);
  r = TDM__FMA(r, z, 2.0 / 9.0);
  r = TDM__FMA(r, z, 2.0 / 7.0);
  r = TDM__FMA(r, z, 2.0 / 5.0);
  r = TDM__FMA(r, z, 2.0 / 3.0);
  double fr = TDM__FMA(-r, z, f); /* f - R(z) */
  /* e ln2_hi + f - (s (f - R) - e ln2_lo): small terms first, f last */
  double corr = TDM__FMA(s, fr, -e * TDM__LN2_LO);
  return TDM__FMA(e, TDM__LN2_HI, -(corr - f));
}

/* 2^k for an integer-valued k in [-1022, 1023]. */
TDM_HDI double tdm__rng_pow2i(double k) {
  return tdm__bits_f64((tdm__f64_bits(k + TDM__MAGIC) + 1023ull) << 52);
}

/* e^x for any x (NaN -> NaN). x is clamped to [-746, 709.8], where e^x
 * already rounds to 0 / overflows to inf, so no special cases follow.
 * x = k ln2 + r, |r| <= ln2/2, e^r by Taylor to r^13, then 2^k in two steps
 * (subnormal results are rounded once). */
TDM_HDI double tdm__rng_exp(double x) {
  double xc = x > 709.8 ? 709.8 : x;
  xc = xc < -746.0 ? -746.0 : xc;
  double k = TDM__FMA(xc, 0x1.71547652b82fep+0, TDM__MAGIC) - TDM__MAGIC;
  double r = TDM__FMA(-k, TDM__LN2_HI, xc);
  r = TDM__FMA(-k, TDM__LN2_LO, r);
  double p = 1.0 / 6227020800.0; /* 1/13! */
  p = TDM__FMA(p, r, 1.0 / 479001600.0);
  p = TDM__FMA(p, r, 1.0 / 39916800.0);
  p = TDM__FMA(p, r, 1.0 / 3628800.0);
  p = TDM__FMA(p, r, 1.0 / 362880.0);
  p = TDM__FMA(p, r, 1.0 / 40320.0);
  p = TDM__FMA(p, r, 1.0 / 5040.0);
  p = TDM__FMA(p, r, 1.0 / 720.0);
  p = TDM__FMA(p, r, 1.0 / 120.0);
  p = TDM__FMA(p, r, 1.0 / 24.0);
  p = TDM__FMA(p, r, 1.0 / 6.0);
  p = TDM__FMA(p, r, 0.5);
  p = TDM__FMA(p, r, 1.0);
  p = TDM__FMA(p, r, 1.0);
  double k1 = (k * 0.5 + TDM__MAGIC) - TDM__MAGIC, k2 = k - k1; /* each in [-538, 513] */
  return TDM__MUL(TDM__MUL(p, tdm__rng_pow2i(k1)), tdm__rng_pow2i(k2));
}

/* c = cos(2 pi v), s = sin(2 pi v) for v in [0, 1). v = q/4 + r with
 * q = round(4v) and |r| <= 1/8 (exact); Taylor in r to degree 17 / 16 on
 * |2 pi r| <= pi/4, then the quarter turn q moves (c, s) by swaps and signs. */
TDM_HDI void tdm__rng_sincos2pi(double v, double *c, double *s) {
  double q = (v * 4.0 + TDM__MAGIC) - TDM__MAGIC; /* round(4v), exact */
  double r = TDM__FMA(q, -0.25, v);
  double z = r * r;
  double ps = 0x1.aaec32af93359p-4;
  ps = TDM__FMA(ps, z, -0x1.6fadb9f155744p-1);
  ps = TDM__FMA(ps, z, 0x1.e8f434d018d63p+1);
  ps = TDM__FMA(ps, z, -0x1.e3074fde8871fp+3);
  ps = TDM__FMA(ps, z, 0x1.50783487ee782p+5);
  ps = TDM__FMA(ps, z, -0x1.32d2cce62bd86p+6);
  ps = TDM__FMA(ps, z, 0x1.466bc6775aae2p+6);
  ps = TDM__FMA(ps, z, -0x1.4abbce625be53p+5);
  ps = TDM__FMA(ps, z, 0x1.921fb54442d18p+2);
  double sr = ps * r;
  double pc = 0x1.20c62c2f2d7f5p-2;
  pc = TDM__FMA(pc, z, -0x1.b6e24f44b128fp+0);
  pc = TDM__FMA(pc, z, 0x1.f9d38a3763cc3p+2);
  pc = TDM__FMA(pc, z, -0x1.a6d1f2a204a8cp+4);
  pc = TDM__FMA(pc, z, 0x1.e1f506891babbp+5);
  pc = TDM__FMA(pc, z, -0x1.55d3c7e3cbffap+6);
  pc = TDM__FMA(pc, z, 0x1.03c1f081b5ac4p+6);
  pc = TDM__FMA(pc, z, -0x1.3bd3cc9be45dep+4);
  double cr = TDM__FMA(pc, z, 1.0);
  uint64_t qi = tdm__f64_bits(q + TDM__MAGIC) & 3u;
  uint64_t swap = 0 - (qi & 1u); /* all ones for an odd quarter */
  uint64_t cb = tdm__f64_bits(cr), sb = tdm__f64_bits(sr);
  uint64_t c2 = (cb & ~swap) | (sb & swap), s2 = (sb & ~swap) | (cb & swap);
  *c = tdm__bits_f64(c2 ^ (((qi + 1u) & 2u) << 62)); /* negative in quarters 1, 2 */
  *s = tdm__bits_f64(s2 ^ ((qi & 2u) << 62));         /* negative in quarters 2, 3 */
}

/* log(1 + x) for x > -1: log(u) for u = 1 + x, corrected for u's rounding. */
TDM_HDI double tdm__rng_log1p(double x) {
  double u = 1.0 + x;
  return tdm__rng_log(u) + (x - (u - 1.0)) / u;
}

/* Stirling's correction: log Gamma(X) - [(X - 1/2) log X - X + log(2 pi)/2]
 * for X >= 11, to 1/X^7 (truncation error below 1e-12 / X^2). */
TDM_HDI double tdm__rng_stirling(double X) {
  double ix = 1.0 / X, ix2 = ix * ix;
  double ser = TDM__FMA(-1.0 / 1680.0, ix2, 1.0 / 1260.0);
  ser = TDM__FMA(ser, ix2, -1.0 / 360.0);
  ser = TDM__FMA(ser, ix2, 1.0 / 12.0);
  return TDM__MUL(ser, ix);
}

/* log(k!) for an integer-valued k >= 0: a table below 10, Stirling above. */
TDM_HDI double tdm__rng_logfact(double k) {
  if (k < 10.0) {
    switch ((int)k) {
    case 2: return 0x1.62e42fefa39efp-1;
    case 3: return 0x1.cab0bfa2a2002p+0;
    case 4: return 0x1.96ca77c922cf9p+1;
    case 5: return 0x1.326643c4479c9p+2;
    case 6: return 0x1.a51273acf01cap+2;
    case 7: return 0x1.10ce1f32dcc30p+3;
    case 8: return 0x1.5358e82fcb70dp+3;
    case 9: return 0x1.99a8921a7f7cfp+3;
    default: return 0.0;
    }
  }
  double x = k + 1.0;
  double t = TDM__FMA(x - 0.5, tdm__rng_log(x), -x);
  return t + (tdm__rng_stirling(x) + 0x1.d67f1c864beb5p-1); /* + log(2 pi)/2 */
}

/* log(a!) - log(b!) without the cancellation of subtracting two large logs:
 * (b + 1/2) log1p((a - b)/(b + 1)) + (a - b)(log(a + 1) - 1) + corrections. */
TDM_HDI double tdm__rng_lfdiff(double a, double b) {
  if (a < 10.0 || b < 10.0) return tdm__rng_logfact(a) - tdm__rng_logfact(b);
  double d = a - b;
  double t = TDM__FMA(b + 0.5, tdm__rng_log1p(d / (b + 1.0)), -d);
  t = TDM__FMA(d, tdm__rng_log(a + 1.0), t);
  return t + (tdm__rng_stirling(a + 1.0) - tdm__rng_stirling(b + 1.0));
}

#endif
