/* reject.h -- the rejection samplers (gamma, beta, Poisson, binomial) with a
 * fixed word budget: value i owns a slice of Philox blocks and attempt t reads
 * block t of its slice, so results do not depend on threads or backend and a
 * call's consumption is known in advance. Shared by the CPU and the CUDA
 * kernel; docs/random.md gives the budgets and the odds of running out. */
#ifndef TDM_RNG_REJECT_H
#define TDM_RNG_REJECT_H

#include "rng/dist.h"

#define TDM__GAMMA_BLOCKS 16u /* 15 attempts + 1 block for the shape < 1 boost */
#define TDM__COUNT_BLOCKS 32u /* Poisson / binomial: 32 attempts */

/* Marsaglia & Tsang (2000) for shape a >= 1 (a < 1: Gamma(a+1) U^(1/a)).
 * Attempt t (block b0+t): x = Box-Muller cos branch from words 0-2
 * (53-bit u1, 32-bit angle), acceptance uniform from word 3; accepted when
 * v = (1 + c x)^3 > 0 and u < 1 - 0.0331 x^4 (squeeze) or
 * log u < x^2/2 + d (1 - v + log v). Returns log(Gamma(shape)) when
 * want_log, else the variate (scale 1). */
TDM_HD static inline double tdm__gamma_draw(uint64_t seed, uint64_t stream, uint64_t b0,
                                            double shape, int want_log) {
  if (shape == 1.0) { /* Gamma(1) is Exp(1): -log U, U from words 0-1 of the first block */
    uint32_t w[4];
    tdm__philox_block(seed, stream, b0, w);
    double e = -tdm__rng_log(tdm__u53p(w[0], w[1]));
    return want_log ? tdm__rng_log(e) : e;
  }
  double a = shape < 1.0 ? shape + 1.0 : shape;
  double d = a - 1.0 / 3.0;
  double c = 1.0 / TDM__SQRT(9.0 * d);
  double g = d; /* all 15 attempts rejected (p < 3e-20): about the mode */
  for (unsigned t = 0; t < TDM__GAMMA_BLOCKS - 1; t++) {
    uint32_t w[4];
    tdm__philox_block(seed, stream, b0 + t, w);
    double cs, sn;
    tdm__rng_sincos2pi(tdm__u32d(w[2]) * 0x1p-32, &cs, &sn);
    double x = TDM__SQRT(-2.0 * tdm__rng_log(tdm__u53p(w[0], w[1]))) * cs;
    double v = TDM__FMA(c, x, 1.0);
    if (v <= 0.0) continue;
    v = TDM__MUL(TDM__MUL(v, v), v);
    double u = (tdm__u32d(w[3]) + 0.5) * 0x1p-32;
    double x2 = x * x;
    if (u < TDM__FMA(-0.0331, TDM__MUL(x2, x2), 1.0) ||
        tdm__rng_log(u) < TDM__FMA(d, (1.0 - v) + tdm__rng_log(v), 0.5 * x2)) {
      g = TDM__MUL(d, v);
      break;
    }
  }
  if (shape < 1.0) {
    uint32_t w[4];
    tdm__philox_block(seed, stream, b0 + TDM__GAMMA_BLOCKS - 1, w);
    double lu = tdm__rng_log(tdm__u53p(w[0], w[1])) / shape; /* log U^(1/shape) */
    return want_log ? tdm__rng_log(g) + lu : g * tdm__rng_exp(lu);
  }
  return want_log ? tdm__rng_log(g) : g;
}

/* Beta(a, b) = X / (X + Y), X ~ Gamma(a) from blocks b0.., Y ~ Gamma(b) from
 * b0 + 16.., computed as 1 / (1 + e^(log Y - log X)) so tiny shapes whose
 * gammas underflow still give a proper value. */
TDM_HD static inline double tdm__beta_draw(uint64_t seed, uint64_t stream, uint64_t b0, double a,
                                           double b) {
  double lx = tdm__gamma_draw(seed, stream, b0, a, 1);
  double ly = tdm__gamma_draw(seed, stream, b0 + TDM__GAMMA_BLOCKS, b, 1);
  return 1.0 / (1.0 + tdm__rng_exp(ly - lx));
}

/* Poisson(lam). lam < 10: inversion by sequential search with one 53-bit
 * uniform (words 0-1 of the first block). lam >= 10: PTRS, Hormann (1993),
 * "The transformed rejection method for generating Poisson random
 * variables"; attempt t reads block b0+t (U from words 0-1, V from 2-3).
 * The log-pmf is taken relative to the mode m so no large logs cancel. */
TDM_HD static inline double tdm__poisson_draw(uint64_t seed, uint64_t stream, uint64_t b0,
                                              double lam) {
  uint32_t w[4];
  if (lam < 10.0) {
    tdm__philox_block(seed, stream, b0, w);
    double u = tdm__u53(w[0], w[1]);
    double p = tdm__rng_exp(-lam), F = p, k = 0.0;
    while (u >= F && k < 200.0) {
      k += 1.0;
      p = TDM__MUL(p, lam / k);
      F += p;
    }
    return k;
  }
  double slam = TDM__SQRT(lam), loglam = tdm__rng_log(lam);
  double b = TDM__FMA(2.53, slam, 0.931);
  double a = TDM__FMA(0.02483, b, -0.059);
  double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  double vr = 0.9277 - 3.6224 / (b - 2.0);
  double m = TDM__FLOOR(lam);
  /* log pmf(m) = -lam + m log lam - log m! (m >= 10: Stirling form) */
  double lpm = ((m + 1.0) - lam) + TDM__MUL(m, tdm__rng_log1p((lam - m - 1.0) / (m + 1.0)));
  lpm = TDM__FMA(-0.5, tdm__rng_log(m + 1.0), lpm);
  lpm = lpm - (tdm__rng_stirling(m + 1.0) + 0x1.d67f1c864beb5p-1);
  for (unsigned t = 0; t < TDM__COUNT_BLOCKS; t++) {
    tdm__philox_block(seed, stream, b0 + t, w);
    double U = tdm__u53(w[0], w[1]) - 0.5, V = tdm__u53p(w[2], w[3]);
    double us = 0.5 - (U < 0.0 ? -U : U);
    double k = TDM__FLOOR(TDM__FMA(2.0 * a / us + b, U, lam + 0.43));
    if (k < 0.0) continue;
    if (us >= 0.07 && V <= vr) return k;
    if (us < 0.013 && V > us) continue;
    double lhs = tdm__rng_log(V * invalpha / (a / (us * us) + b));
    double rhs = TDM__FMA(k - m, loglam, lpm - tdm__rng_lfdiff(k, m));
    if (lhs <= rhs) return k;
  }
  return m; /* 32 rejections in a row: p < 1e-19 per value (docs/random.md) */
}

/* Binomial(n, p). With p' = min(p, 1-p): n p' < 10 by inversion (sequential
 * search from 0, one 53-bit uniform); else BTRS, Hormann (1993), "The
 * generation of binomial random variates". Attempt t reads block b0+t.
 * Returns n - X for p > 1/2. */
TDM_HD static inline double tdm__binomial_draw(uint64_t seed, uint64_t stream, uint64_t b0,
                                               double n, double p) {
  int flip = p > 0.5;
  double pp = flip ? 1.0 - p : p;
  double res = 0.0;
  uint32_t w[4];
  if (pp <= 0.0 || n <= 0.0) {
    res = 0.0;
  } else if (n * pp < 10.0) {
    tdm__philox_block(seed, stream, b0, w);
    double u = tdm__u53(w[0], w[1]);
    double q = 1.0 - pp, s = pp / q;
    double f = tdm__rng_exp(n * tdm__rng_log1p(-pp)), F = f, k = 0.0;
    while (u >= F && k < n) {
      f = TDM__MUL(f, s * ((n - k) / (k + 1.0)));
      k += 1.0;
      F += f;
    }
    res = k;
  } else {
    double q = 1.0 - pp;
    double spq = TDM__SQRT(TDM__MUL(n, pp) * q);
    double b = TDM__FMA(2.53, spq, 1.15);
    double a = TDM__FMA(0.0248, b, TDM__FMA(0.01, pp, -0.0873));
    double c = TDM__FMA(n, pp, 0.5);
    double vr = 0.92 - 4.2 / b;
    double alpha = (2.83 + 5.1 / b) * spq;
    double lpq = tdm__rng_log(pp / q);
    double m = TDM__FLOOR((n + 1.0) * pp);
    res = m; /* 32 rejections in a row: p < 1e-17 per value (docs/random.md) */
    for (unsigned t = 0; t < TDM__COUNT_BLOCKS; t++) {
      tdm__philox_block(seed, stream, b0 + t, w);
      double U = tdm__u53(w[0], w[1]) - 0.5, V = tdm__u53p(w[2], w[3]);
      double us = 0.5 - (U < 0.0 ? -U : U);
      double k = TDM__FLOOR(TDM__FMA(2.0 * a / us + b, U, c));
      if (k < 0.0 || k > n) continue;
      if (us >= 0.07 && V <= vr) {
        res = k;
        break;
      }
      double lhs = tdm__rng_log(V * alpha / (a / (us * us) + b));
      double rhs = TDM__FMA(k - m, lpq, -(tdm__rng_lfdiff(k, m) + tdm__rng_lfdiff(n - k, n - m)));
      if (lhs <= rhs) {
        res = k;
        break;
      }
    }
  }
  return flip ? n - res : res;
}

#endif
