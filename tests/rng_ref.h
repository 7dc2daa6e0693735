/* rng_ref.h -- independent references for the distribution tests: CDFs
 * (libm erfc/lgamma, and the regularized incomplete gamma and beta functions
 * by series and continued fractions in long double), the Kolmogorov-Smirnov
 * distance, a chi-square goodness of fit with merged bins, and moments. */
#ifndef TDM_RNG_REF_H
#define TDM_RNG_REF_H

#include <math.h>
#include <stdlib.h>

/* Regularized lower incomplete gamma P(a, x): series below a+1, Lentz's
 * continued fraction for Q above. */
static inline long double rf_gammp(long double a, long double x) {
  if (x <= 0) return 0;
  long double lpre = a * logl(x) - x - lgammal(a);
  if (x < a + 1) {
    long double term = 1 / a, sum = term;
    for (int n = 1; n < 100000 && fabsl(term) > fabsl(sum) * 1e-19L; n++) {
      term *= x / (a + n);
      sum += term;
    }
    return sum * expl(lpre);
  }
  long double tiny = 1e-4000L, b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 100000; i++) {
    long double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    d = fabsl(d) < tiny ? tiny : d;
    c = b + an / c;
    c = fabsl(c) < tiny ? tiny : c;
    d = 1 / d;
    long double del = d * c;
    h *= del;
    if (fabsl(del - 1) < 1e-19L) break;
  }
  return 1 - expl(lpre) * h;
}

/* Continued fraction of the incomplete beta function (modified Lentz). */
static inline long double rf_betacf(long double a, long double b, long double x) {
  long double tiny = 1e-4000L, qab = a + b, qap = a + 1, qam = a - 1;
  long double c = 1, d = 1 - qab * x / qap;
  d = fabsl(d) < tiny ? tiny : d;
  d = 1 / d;
  long double h = d;
  for (int m = 1; m < 100000; m++) {
    int m2 = 2 * m;
    long double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    d = fabsl(d) < tiny ? tiny : d;
    c = 1 + aa / c;
    c = fabsl(c) < tiny ? tiny : c;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    d = fabsl(d) < tiny ? tiny : d;
    c = 1 + aa / c;
    c = fabsl(c) < tiny ? tiny : c;
    d = 1 / d;
    long double del = d * c;
    h *= del;
    if (fabsl(del - 1) < 1e-19L) break;
  }
  return h;
}

/* Regularized incomplete beta I_x(a, b). */
static inline long double rf_betai(long double a, long double b, long double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  long double lbt = lgammal(a + b) - lgammal(a) - lgammal(b) + a * logl(x) + b * log1pl(-x);
  if (x < (a + 1) / (a + b + 2)) return expl(lbt) * rf_betacf(a, b, x) / a;
  return 1 - expl(lbt) * rf_betacf(b, a, 1 - x) / b;
}

static inline long double rf_normcdf(long double z) { return 0.5L * erfcl(-z / sqrtl(2.0L)); }

static int rf_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov distance of the sample x (sorted in place) from cdf. */
typedef long double (*rf_cdf)(long double x, const double *par);
static inline double rf_ks(double *x, size_t n, rf_cdf F, const double *par) {
  qsort(x, n, sizeof *x, rf_cmp);
  long double d = 0;
  for (size_t i = 0; i < n; i++) {
    long double f = F(x[i], par);
    long double lo = f - (long double)i / n, hi = (long double)(i + 1) / n - f;
    d = lo > d ? lo : d;
    d = hi > d ? hi : d;
  }
  return (double)d;
}
/* Critical distance at level 1e-6: sqrt(ln(2/alpha)/2) / sqrt(n). */
static inline double rf_ks_crit(size_t n) { return sqrt(0.5 * log(2e6)) / sqrt((double)n); }

/* Chi-square statistic of integer counts against pmf over k in [kmin, kmax],
 * adjacent k merged until a bin expects >= 20; the tails beyond go into the
 * end bins. *df gets bins - 1. */
typedef long double (*rf_pmf)(long double k, const double *par);
static inline double rf_chisq(const double *x, size_t n, rf_pmf p, const double *par, long kmin,
                              long kmax, int *df) {
  size_t span = (size_t)(kmax - kmin + 1);
  double *cnt = calloc(span, sizeof *cnt);
  for (size_t i = 0; i < n; i++) {
    long k = (long)x[i];
    k = k < kmin ? kmin : k > kmax ? kmax : k;
    cnt[k - kmin] += 1;
  }
  long double lowtail = 0, chi = 0, e = 0, o = 0, total = 0;
  for (long k = kmin - 1; k >= 0 && k > kmin - 100000; k--) lowtail += p(k, par);
  int bins = 0;
  for (size_t j = 0; j < span; j++) {
    long double pk = p(kmin + (long)j, par);
    if (j == 0) pk += lowtail;
    total += pk;
    e += pk * n;
    o += cnt[j];
    if (j + 1 == span) e += (1 - total) * n; /* upper tail */
    if (e >= 20 || j + 1 == span) {
      chi += (o - e) * (o - e) / e;
      bins++;
      e = o = 0;
    }
  }
  free(cnt);
  *df = bins - 1;
  return (double)chi;
}
/* Chi-square critical value at level 1e-6 (Wilson-Hilferty, z = 4.753). */
static inline double rf_chisq_crit(int df) {
  double v = 2.0 / (9.0 * df), t = 1 - v + 4.753 * sqrt(v);
  return df * t * t * t;
}

/* Mean and variance (long double), and the z scores of both against the
 * expected values; the variance's standard error comes from the sample's
 * fourth central moment. */
typedef struct { double mean, var, zmean, zvar; } rf_moments;
static inline rf_moments rf_moments_of(const double *x, size_t n, double mu, double var) {
  long double s = 0;
  for (size_t i = 0; i < n; i++) s += x[i];
  long double m = s / n, m2 = 0, m4 = 0;
  for (size_t i = 0; i < n; i++) {
    long double d = x[i] - m;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  m2 /= n - 1;
  m4 /= n;
  rf_moments r;
  r.mean = (double)m;
  r.var = (double)m2;
  r.zmean = (double)((m - mu) / sqrtl(var / n));
  r.zvar = (double)((m2 - var) / sqrtl((m4 - m2 * m2) / n));
  return r;
}

#endif
