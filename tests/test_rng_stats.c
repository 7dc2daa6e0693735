/* test_rng_stats.c -- each distribution against its exact law, at sizes
 * where a wrong algorithm fails. Continuous: Kolmogorov-Smirnov at level
 * 1e-6 (critical D = 2.69/sqrt(n)), so with n = 200,000 (100,000 for the
 * rejection samplers) any CDF error of 0.0097 (0.0137) or more is caught
 * with power >= 99%; plus mean and variance z-scores within 5 (level 6e-7;
 * a mean shift of 7.3 standard errors is caught with power 99%). Discrete:
 * chi-square goodness of fit at level 1e-6 over bins expecting >= 20 (a pmf
 * error with n sum (dp^2/p) >= 60 is caught with power >= 99% for up to
 * 100 bins). Correlation between neighbouring streams and seeds: |r| < 5/sqrt(n)
 * (r = 0.016 caught with power 99% at n = 200,000). The seeds are fixed, so
 * each check is deterministic; the levels say how unlikely a false alarm is. */
#include "rng_ref.h"
#include "rng_test.h"

/* n values of one draw as doubles, from (seed, stream 0). */
static double *draw(tdm_ctx *ctx, rt_kind k, tdm_dtype dt, double a, double b, size_t n,
                    uint64_t seed) {
  rt_spec s = {k, dt, a, b, 0, 0, "stats"};
  tdm_rng *r;
  cr_assert_eq(tdm_rng_create(ctx, seed, 0, &r), TDM_OK);
  tdm_buf *buf = rt_buf(ctx, dt, n);
  cr_assert_eq(rt_draw(r, buf, &s), TDM_OK, "%s", tdm_last_error());
  void *h = rt_read(buf);
  double *x = malloc(n * sizeof *x);
  cr_assert(x);
  for (size_t i = 0; i < n; i++) {
    switch (dt) {
    case TDM_F64: x[i] = ((double *)h)[i]; break;
    case TDM_F32: x[i] = ((float *)h)[i]; break;
    case TDM_I32: x[i] = ((int32_t *)h)[i]; break;
    case TDM_I64: x[i] = (double)((int64_t *)h)[i]; break;
    case TDM_U32: x[i] = ((uint32_t *)h)[i]; break;
    }
  }
  free(h);
  tdm_buf_destroy(buf);
  tdm_rng_destroy(r);
  return x;
}

static void check_moments(const char *what, const double *x, size_t n, double mu, double var) {
  rf_moments m = rf_moments_of(x, n, mu, var);
  cr_expect(fabs(m.zmean) < 5, "%s: mean %.6g, expected %.6g (z = %.2f)", what, m.mean, mu,
            m.zmean);
  cr_expect(fabs(m.zvar) < 5, "%s: variance %.6g, expected %.6g (z = %.2f)", what, m.var, var,
            m.zvar);
}
static void check_ks(const char *what, double *x, size_t n, rf_cdf F, const double *par) {
  double d = rf_ks(x, n, F, par), crit = rf_ks_crit(n);
  cr_expect(d < crit, "%s: KS distance %.5f >= %.5f", what, d, crit);
}

static long double cdf_uniform(long double x, const double *p) {
  return (x - p[0]) / (p[1] - p[0]);
}
static long double cdf_normal(long double x, const double *p) {
  return rf_normcdf((x - p[0]) / p[1]);
}
static long double cdf_lognormal(long double x, const double *p) {
  return x <= 0 ? 0 : rf_normcdf((logl(x) - p[0]) / p[1]);
}
static long double cdf_exp(long double x, const double *p) {
  return x <= 0 ? 0 : -expm1l(-p[0] * x);
}
static long double cdf_gamma(long double x, const double *p) { return rf_gammp(p[0], x / p[1]); }
static long double cdf_beta(long double x, const double *p) { return rf_betai(p[0], p[1], x); }

/* The incomplete gamma and beta references against closed forms. */
Test(rng_stats, references_are_right) {
  for (double x = 0.01; x < 30; x *= 1.7) {
    cr_assert_float_eq((double)rf_gammp(1, x), -expm1(-x), 1e-15, "P(1, %g)", x);
    cr_assert_float_eq((double)rf_gammp(2, x), 1 - exp(-x) * (1 + x), 1e-14, "P(2, %g)", x);
    cr_assert_float_eq((double)rf_gammp(0.5, x), erf(sqrt(x)), 1e-14, "P(1/2, %g)", x);
  }
  for (double x = 0.01; x < 1; x += 0.07) {
    cr_assert_float_eq((double)rf_betai(1, 1, x), x, 1e-15);
    cr_assert_float_eq((double)rf_betai(3, 1, x), x * x * x, 1e-15);
    cr_assert_float_eq((double)rf_betai(0.5, 0.5, x), 2 / M_PI * asin(sqrt(x)), 1e-14);
    cr_assert_float_eq((double)rf_betai(2, 3, x), 1 - pow(1 - x, 3) * (1 + 3 * x), 1e-14);
  }
}

Test(rng_stats, uniform_normal_exponential_lognormal) {
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 2);
  const size_t n = 200000;
  struct {
    rt_kind k;
    tdm_dtype dt;
    double a, b;
    rf_cdf F;
    double mu, var;
    const char *name;
  } c[] = {
      {RT_UNIFORM, TDM_F64, -2, 3, cdf_uniform, 0.5, 25.0 / 12, "uniform f64 [-2,3)"},
      {RT_UNIFORM, TDM_F32, 0, 1, cdf_uniform, 0.5, 1.0 / 12, "uniform f32 [0,1)"},
      {RT_NORMAL, TDM_F64, 1, 2, cdf_normal, 1, 4, "normal f64 (1, 2)"},
      {RT_NORMAL, TDM_F32, 0, 1, cdf_normal, 0, 1, "normal f32 (0, 1)"},
      {RT_EXPONENTIAL, TDM_F64, 2.5, 0, cdf_exp, 0.4, 0.16, "exponential f64 rate 2.5"},
      {RT_EXPONENTIAL, TDM_F32, 1, 0, cdf_exp, 1, 1, "exponential f32 rate 1"},
      {RT_LOGNORMAL, TDM_F64, 0.3, 0.8, cdf_lognormal, exp(0.3 + 0.32),
       (exp(0.64) - 1) * exp(0.6 + 0.64), "lognormal f64 (0.3, 0.8)"},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    double *x = draw(ctx, c[i].k, c[i].dt, c[i].a, c[i].b, n, 1000 + i);
    double par[2] = {c[i].a, c[i].b};
    check_moments(c[i].name, x, n, c[i].mu, c[i].var);
    check_ks(c[i].name, x, n, c[i].F, par);
    free(x);
  }
  tdm_ctx_destroy(ctx);
}

/* The normal's tails: P(|z| > 4) = 6.33e-5 and P(|z| > 5) = 5.73e-7 of 2e6
 * draws (Poisson counts of 127 and 1.1; limits at 5 sd). */
Test(rng_stats, normal_tails) {
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 2);
  const size_t n = 2000000;
  double *x = draw(ctx, RT_NORMAL, TDM_F64, 0, 1, n, 77);
  size_t t4 = 0, t5 = 0;
  for (size_t i = 0; i < n; i++) {
    t4 += fabs(x[i]) > 4;
    t5 += fabs(x[i]) > 5;
  }
  double e4 = n * 6.334248e-5;
  cr_expect(fabs(t4 - e4) < 5 * sqrt(e4), "|z| > 4: %zu, expected %.1f", t4, e4);
  cr_expect(t5 <= 8, "|z| > 5: %zu, expected 1.1", t5);
  free(x);
  tdm_ctx_destroy(ctx);
}

Test(rng_stats, gamma_chisq_beta) {
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 2);
  const size_t n = 100000;
  struct {
    rt_kind k;
    tdm_dtype dt;
    double a, b;
    const char *name;
  } c[] = {
      {RT_GAMMA, TDM_F64, 0.3, 2, "gamma (0.3, 2): boosted"},
      {RT_GAMMA, TDM_F64, 1, 1, "gamma (1, 1)"},
      {RT_GAMMA, TDM_F64, 4.5, 0.5, "gamma (4.5, 0.5)"},
      {RT_GAMMA, TDM_F32, 60, 1, "gamma f32 (60, 1)"},
      {RT_CHISQ, TDM_F64, 3, 0, "chisq 3"},
      {RT_CHISQ, TDM_F64, 0.8, 0, "chisq 0.8"},
      {RT_BETA, TDM_F64, 0.5, 0.5, "beta (0.5, 0.5)"},
      {RT_BETA, TDM_F64, 2, 5, "beta (2, 5)"},
      {RT_BETA, TDM_F32, 0.1, 3, "beta f32 (0.1, 3)"},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    double *x = draw(ctx, c[i].k, c[i].dt, c[i].a, c[i].b, n, 2000 + i);
    double par[2], mu, var;
    rf_cdf F = cdf_gamma;
    if (c[i].k == RT_BETA) {
      double s = c[i].a + c[i].b;
      par[0] = c[i].a, par[1] = c[i].b, F = cdf_beta;
      mu = c[i].a / s;
      var = c[i].a * c[i].b / (s * s * (s + 1));
    } else {
      par[0] = c[i].k == RT_CHISQ ? c[i].a / 2 : c[i].a;
      par[1] = c[i].k == RT_CHISQ ? 2 : c[i].b;
      mu = par[0] * par[1];
      var = par[0] * par[1] * par[1];
    }
    for (size_t j = 0; j < n; j++)
      cr_assert(x[j] >= 0 && isfinite(x[j]), "%s: %g", c[i].name, x[j]);
    check_moments(c[i].name, x, n, mu, var);
    check_ks(c[i].name, x, n, F, par);
    free(x);
  }
  tdm_ctx_destroy(ctx);
}

static long double pmf_poisson(long double k, const double *p) {
  return expl(k * logl(p[0]) - p[0] - lgammal(k + 1));
}
static long double pmf_binomial(long double k, const double *p) {
  if (k > p[0]) return 0;
  return expl(lgammal(p[0] + 1) - lgammal(k + 1) - lgammal(p[0] - k + 1) + k * logl(p[1]) +
              (p[0] - k) * log1pl(-p[1]));
}
static long double pmf_flat(long double k, const double *p) {
  return k >= p[0] && k < p[1] ? 1.0L / (p[1] - p[0]) : 0;
}
static long double pmf_bernoulli(long double k, const double *p) {
  return k == 0 ? 1 - p[0] : k == 1 ? p[0] : 0;
}

static void check_chisq(const char *what, const double *x, size_t n, rf_pmf p, const double *par,
                        long kmin, long kmax) {
  int df;
  double chi = rf_chisq(x, n, p, par, kmin, kmax, &df);
  cr_expect(df >= 1 && chi < rf_chisq_crit(df), "%s: chi-square %.1f on %d df >= %.1f", what, chi,
            df, rf_chisq_crit(df));
}

Test(rng_stats, poisson_binomial_bernoulli_integers) {
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 2);
  /* the transformed-rejection samplers get 10^6 draws: a hat shifted by
   * half a unit moves the Poisson(10) mean by 0.027 = 8.5 standard errors */
  struct {
    rt_kind k;
    tdm_dtype dt;
    double a, b;
    size_t n;
    const char *name;
  } c[] = {
      {RT_POISSON, TDM_I32, 0.5, 0, 200000, "poisson 0.5"},
      {RT_POISSON, TDM_I64, 4.5, 0, 200000, "poisson 4.5"},
      {RT_POISSON, TDM_F64, 10, 0, 1000000, "poisson 10 (PTRS)"},
      {RT_POISSON, TDM_I32, 37.5, 0, 1000000, "poisson 37.5"},
      {RT_POISSON, TDM_F64, 1e6, 0, 200000, "poisson 1e6"},
      {RT_BINOMIAL, TDM_I32, 20, 0.3, 200000, "binomial (20, 0.3)"},
      {RT_BINOMIAL, TDM_I32, 100, 0.05, 200000, "binomial (100, 0.05)"},
      {RT_BINOMIAL, TDM_I64, 50, 0.5, 1000000, "binomial (50, 0.5) BTRS"},
      {RT_BINOMIAL, TDM_F32, 1000, 0.7, 200000, "binomial (1000, 0.7) BTRS flipped"},
      {RT_BINOMIAL, TDM_F64, 1e7, 0.4, 200000, "binomial (1e7, 0.4)"},
      {RT_BERNOULLI, TDM_U32, 0.3, 0, 200000, "bernoulli 0.3"},
      {RT_INTEGERS, TDM_I32, -7, 100, 200000, "integers [-7, 100)"},
      {RT_BOOTSTRAP, TDM_I64, 1000, 0, 200000, "bootstrap 1000"},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    size_t n = c[i].n;
    double *x = draw(ctx, c[i].k, c[i].dt, c[i].a, c[i].b, n, 3000 + i);
    double par[2] = {c[i].a, c[i].b}, mu, var;
    long kmin, kmax;
    rf_pmf p;
    switch (c[i].k) {
    case RT_POISSON:
      p = pmf_poisson, mu = var = c[i].a;
      kmin = (long)fmax(0, c[i].a - 6 * sqrt(c[i].a)),
      kmax = (long)(c[i].a + 6 * sqrt(c[i].a) + 10);
      break;
    case RT_BINOMIAL: {
      p = pmf_binomial, mu = c[i].a * c[i].b, var = mu * (1 - c[i].b);
      double sd = sqrt(var);
      kmin = (long)fmax(0, mu - 6 * sd), kmax = (long)fmin(c[i].a, mu + 6 * sd + 10);
      break;
    }
    case RT_BERNOULLI:
      p = pmf_bernoulli, mu = c[i].a, var = mu * (1 - mu), kmin = 0, kmax = 1;
      break;
    default: /* integers [a, b), bootstrap [0, a) */
      if (c[i].k == RT_BOOTSTRAP) par[1] = par[0], par[0] = 0;
      p = pmf_flat, kmin = (long)par[0], kmax = (long)par[1] - 1;
      mu = (par[0] + par[1] - 1) / 2, var = ((par[1] - par[0]) * (par[1] - par[0]) - 1) / 12;
      break;
    }
    for (size_t j = 0; j < n; j++)
      cr_assert(x[j] == floor(x[j]) && x[j] >= 0 - (c[i].k == RT_INTEGERS) * 7, "%s: %g", c[i].name,
                x[j]);
    check_moments(c[i].name, x, n, mu, var);
    check_chisq(c[i].name, x, n, p, par, kmin, kmax);
    free(x);
  }
  tdm_ctx_destroy(ctx);
}

/* All 24 orders of 4 items equally often (24,000 permutations), and every
 * item equally often in every place of a 10-permutation. */
Test(rng_stats, permutations_are_uniform) {
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 1);
  tdm_rng *r;
  cr_assert_eq(tdm_rng_create(ctx, 5, 6, &r), TDM_OK);
  tdm_buf *b4 = rt_buf(ctx, TDM_I32, 4), *b10 = rt_buf(ctx, TDM_I64, 10);
  double cnt[24] = {0}, pos[10][10] = {{0}};
  const int reps = 24000;
  for (int t = 0; t < reps; t++) {
    int32_t p[4];
    cr_assert_eq(tdm_rng_permutation(r, b4), TDM_OK);
    cr_assert_eq(tdm_buf_read(b4, p), TDM_OK);
    int code = 0; /* Lehmer code of the order */
    for (int i = 0; i < 4; i++) {
      int smaller = 0;
      for (int j = i + 1; j < 4; j++) smaller += p[j] < p[i];
      code = code * (4 - i) + smaller;
    }
    cnt[code]++;
    int64_t q[10];
    cr_assert_eq(tdm_rng_permutation(r, b10), TDM_OK);
    cr_assert_eq(tdm_buf_read(b10, q), TDM_OK);
    for (int i = 0; i < 10; i++) pos[i][q[i]]++;
  }
  double chi = 0, e = reps / 24.0;
  for (int k = 0; k < 24; k++) chi += (cnt[k] - e) * (cnt[k] - e) / e;
  cr_expect(chi < rf_chisq_crit(23), "orders of 4: chi-square %.1f", chi);
  chi = 0, e = reps / 10.0;
  for (int i = 0; i < 10; i++)
    for (int k = 0; k < 10; k++) chi += (pos[i][k] - e) * (pos[i][k] - e) / e;
  cr_expect(chi < rf_chisq_crit(81), "places of 10: chi-square %.1f", chi); /* (10-1)^2 df */
  tdm_buf_destroy(b4), tdm_buf_destroy(b10);
  tdm_rng_destroy(r);
  tdm_ctx_destroy(ctx);
}

static double corr(const double *x, const double *y, size_t n) {
  long double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (size_t i = 0; i < n; i++) {
    sx += x[i], sy += y[i];
    sxx += (long double)x[i] * x[i], syy += (long double)y[i] * y[i];
    sxy += (long double)x[i] * y[i];
  }
  long double cxy = sxy - sx * sy / n, cxx = sxx - sx * sx / n, cyy = syy - sy * sy / n;
  return (double)(cxy / sqrtl(cxx * cyy));
}

static double *stream_uniforms(tdm_ctx *ctx, uint64_t seed, uint64_t stream, size_t n) {
  rt_spec s = {RT_UNIFORM, TDM_F64, 0, 1, 2, 0, "u"};
  double *x = rt_sample(ctx, &s, seed, stream, 0, n);
  return x;
}

/* Neighbouring streams and seeds are uncorrelated (value and lag 1), and
 * their words differ in half their bits on average. */
Test(rng_stats, neighbouring_streams_are_independent) {
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 2);
  const size_t n = 200000;
  const double lim = 5 / sqrt((double)n);
  static const uint64_t pairs[][4] = {/* seed, stream, seed', stream' */
                                      {1, 0, 1, 1},
                                      {1, 0xffffffffull, 1, 0x100000000ull},
                                      {7, 12345, 7, 12346},
                                      {0, 0, 1, 0},
                                      {0xffffffffull, 3, 0x100000000ull, 3}};
  for (size_t i = 0; i < 5; i++) {
    double *x = stream_uniforms(ctx, pairs[i][0], pairs[i][1], n);
    double *y = stream_uniforms(ctx, pairs[i][2], pairs[i][3], n);
    double r0 = corr(x, y, n), r1 = corr(x, y + 1, n - 1), ra = corr(x, x + 1, n - 1);
    cr_expect(fabs(r0) < lim, "pair %zu: correlation %.5f", i, r0);
    cr_expect(fabs(r1) < lim, "pair %zu: lag-1 cross correlation %.5f", i, r1);
    cr_expect(fabs(ra) < lim, "pair %zu: lag-1 autocorrelation %.5f", i, ra);
    free(x), free(y);
    rt_spec bits = {RT_BITS, TDM_U32, 0, 0, 1, 0, "bits"};
    uint32_t *a = rt_sample(ctx, &bits, pairs[i][0], pairs[i][1], 0, n);
    uint32_t *b = rt_sample(ctx, &bits, pairs[i][2], pairs[i][3], 0, n);
    double hd = 0;
    for (size_t k = 0; k < n; k++) hd += __builtin_popcount(a[k] ^ b[k]);
    hd /= n; /* mean 16, sd 2.83/sqrt(n) */
    cr_expect(fabs(hd - 16) < 5 * 2.8284 / sqrt((double)n), "pair %zu: mean bit distance %.4f", i,
              hd);
    free(a), free(b);
  }
  tdm_ctx_destroy(ctx);
}
