/* test_rng_math.c -- the library's own log, exp, sin/cos(2 pi v), log1p and
 * log-factorial (src/rng/mathfn.h: fma-only, so CPU and GPU agree bit for
 * bit) against libm in long double, over the ranges the transforms use and
 * beyond, plus the exact uniform conversions of src/rng/dist.h. */
#include <criterion/criterion.h>
#include <math.h>

#include "rng/dist.h"
#include "rng_test.h"

/* Extra error allowed in a reference: 0 where long double is the x87 80-bit
 * format; under valgrind, which computes x87 arithmetic in double, the
 * libm references themselves are off by ulps, so the bounds widen (the
 * native run is the accuracy check; the valgrind run checks memory). */
static double slack(double ulps) {
  volatile long double one = 1.0L, tiny = 0x1p-60L;
  return one + tiny == one ? ulps : 0.0;
}

static double ulp_err(double got, long double ref) {
  double r = (double)ref;
  if (r == 0) return got == 0 ? 0 : INFINITY;
  double u = nextafter(fabs(r), INFINITY) - fabs(r);
  return (double)(fabsl((long double)got - ref) / u);
}

/* The independent Philox of rng_test.h as a source of test points. */
static double unit(uint64_t i) {
  uint32_t w[4];
  rt_philox(2024, 1, i, w);
  return ((w[0] >> 5) * 67108864.0 + (w[1] >> 6)) / 9007199254740992.0;
}

Test(rng_math, log_within_1_ulp) {
  double worst = 0;
  for (uint64_t i = 0; i < 400000; i++) {
    double x = i % 2 ? unit(i) + 0x1p-60 : exp((unit(i) - 0.5) * 1400); /* (0,1] and wide */
    double e = ulp_err(tdm__rng_log(x), logl(x));
    worst = e > worst ? e : worst;
  }
  static const double edge[] = {1.0,
                                0x1p-1022,
                                0x1.fffffffffffffp+1023,
                                0x1p-53,
                                0.7071067811865476,
                                0.7071067811865475,
                                1.4142135623730951,
                                1 - 0x1p-53,
                                1 + 0x1p-52};
  for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
    double e = ulp_err(tdm__rng_log(edge[i]), logl(edge[i]));
    if (edge[i] == 1.0)
      cr_expect_eq(tdm__rng_log(1.0), 0.0);
    else
      worst = e > worst ? e : worst;
  }
  cr_expect(worst < 1.0 + slack(1), "log: worst error %.3f ulp", worst);
}

Test(rng_math, exp_within_1_ulp_and_its_limits) {
  double worst = 0;
  for (uint64_t i = 0; i < 400000; i++) {
    double x = (unit(i) - 0.5) * (i % 2 ? 1400 : 4);
    if (x < -708) continue; /* subnormal results: checked below */
    double e = ulp_err(tdm__rng_exp(x), expl(x));
    worst = e > worst ? e : worst;
  }
  cr_expect(worst < 1.0 + slack(1), "exp: worst error %.3f ulp", worst);
  cr_expect_eq(tdm__rng_exp(0.0), 1.0);
  cr_expect(isinf(tdm__rng_exp(709.8)) && isinf(tdm__rng_exp(1e300)));
  cr_expect_eq(tdm__rng_exp(-746.0), 0.0);
  cr_expect_eq(tdm__rng_exp(-1e300), 0.0);
  cr_expect(isnan(tdm__rng_exp(NAN)));
  cr_expect_eq(tdm__rng_exp(709.78), exp(709.78));
  for (double x = -708.5; x > -745.2; x -= 1.37) /* subnormal: one rounding */
    cr_expect_eq(tdm__rng_exp(x), exp(x), "exp(%g)", x);
}

Test(rng_math, sincos2pi_within_1_5_ulp_of_one) {
  const long double twopi = 6.283185307179586476925286766559L;
  double worst = 0;
  for (uint64_t i = 0; i < 400000; i++) {
    double v = unit(i), c, s;
    tdm__rng_sincos2pi(v, &c, &s);
    double ec = (double)fabsl(c - cosl(twopi * v)) * 0x1p53;
    double es = (double)fabsl(s - sinl(twopi * v)) * 0x1p53;
    worst = ec > worst ? ec : worst;
    worst = es > worst ? es : worst;
  }
  cr_expect(worst < 1.5 + slack(6), "sincos: worst absolute error %.3f * 2^-53", worst);
  double c, s; /* the quarter turns are exact */
  tdm__rng_sincos2pi(0.0, &c, &s);
  cr_expect(c == 1 && s == 0);
  tdm__rng_sincos2pi(0.25, &c, &s);
  cr_expect(c == 0 && s == 1);
  tdm__rng_sincos2pi(0.5, &c, &s);
  cr_expect(c == -1 && s == 0);
  tdm__rng_sincos2pi(0.75, &c, &s);
  cr_expect(c == 0 && s == -1);
}

Test(rng_math, log1p_logfact_lfdiff) {
  double worst = 0;
  for (uint64_t i = 0; i < 100000; i++) {
    double x = (unit(i) - 0.5) * (i % 3 ? 1.0 : 1e-10);
    double e = ulp_err(tdm__rng_log1p(x), log1pl(x));
    worst = e > worst ? e : worst;
  }
  cr_expect(worst < 2.0 + slack(2), "log1p: worst error %.3f ulp", worst);
  for (double k = 0; k < 1e15; k = k < 30 ? k + 1 : floor(k * 1.37)) {
    long double ref = lgammal(k + 1);
    cr_expect_leq(fabsl(tdm__rng_logfact(k) - ref), 1e-13L * (1 + ref), "log(%g!)", k);
  }
  /* differences of large log-factorials keep their absolute accuracy */
  static const double ab[][2] = {
      {1e12 + 1000, 1e12}, {1e9, 1e9 - 77}, {5e6, 5e6 + 3}, {12, 11}, {40, 9}, {3, 15}};
  for (size_t i = 0; i < sizeof ab / sizeof ab[0]; i++) {
    double a = ab[i][0], b = ab[i][1];
    long double ref = 0;
    if (fabsl(a - b) < 2000) { /* exact: sum of logs */
      for (long double j = (a > b ? b : a) + 1; j <= (a > b ? a : b); j++) ref += logl(j);
      if (a < b) ref = -ref;
    } else {
      ref = lgammal(a + 1) - lgammal(b + 1);
    }
    cr_expect_leq(fabsl(tdm__rng_lfdiff(a, b) - ref), 1e-11L * (1 + fabsl(ref)),
                  "lfdiff(%g, %g) = %.15g, expected %.15Lg", a, b, tdm__rng_lfdiff(a, b), ref);
  }
}

Test(rng_math, uniform_conversions_are_exact) {
  cr_expect_eq(tdm__u53(0, 0), 0.0);
  cr_expect_eq(tdm__u53(0xffffffffu, 0xffffffffu), 1.0 - 0x1p-53);
  cr_expect_eq(tdm__u53p(0, 0), 0x1p-53);
  cr_expect_eq(tdm__u53p(0xffffffffu, 0xffffffffu), 1.0);
  cr_expect_eq(tdm__u32d(0xffffffffu), 4294967295.0);
  cr_expect_eq(tdm__u32d(0x80000000u), 2147483648.0);
  cr_expect_eq(tdm__u32p(0xffffffffu), 1.0);
  for (uint64_t i = 0; i < 100000; i++) {
    uint32_t w[4];
    rt_philox(5, 5, i, w);
    uint64_t k = ((uint64_t)(w[0] >> 5) << 26) | (w[1] >> 6);
    cr_assert_eq(tdm__u53(w[0], w[1]), (double)k * 0x1p-53);
    cr_assert_eq(tdm__u53p(w[0], w[1]), (double)(k + 1) * 0x1p-53);
    cr_assert_eq(tdm__u32d(w[2]), (double)w[2]);
    /* 128-bit multiply: floor(X R / 2^128) for a few R, against long division */
    uint64_t R = (i % 3 == 0) ? (w[3] | 1u) : (i % 3 == 1) ? ((uint64_t)w[3] << 32 | w[0]) : 1000;
    unsigned __int128 X =
        (unsigned __int128)(((uint64_t)w[0] << 32) | w[1]) << 64 | (((uint64_t)w[2] << 32) | w[3]);
    /* floor(X R / 2^128) = floor((X_hi R + floor(X_lo R / 2^64)) / 2^64) */
    unsigned __int128 hi = (unsigned __int128)(uint64_t)(X >> 64) * R;
    unsigned __int128 lo = (unsigned __int128)(uint64_t)X * R;
    uint64_t want = (uint64_t)((hi + (lo >> 64)) >> 64);
    cr_assert_eq(tdm__below(w, R), want);
    cr_assert_lt(want, R);
  }
}
