/* check.c -- the comparisons scenarios use to check their own results:
 * tolerance tests, the largest relative difference, and a host-side
 * sample generator (splitmix64) for picking entries, independent of the
 * library's Philox streams. The first failure is kept in row->check. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "suite.h"

int bench_check(bench_row *row, int ok, const char *fmt, ...) {
  if (ok) return 1;
  if (strcmp(row->check, "ok") != 0) return 0; /* keep the first failure */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(row->check, sizeof row->check, fmt, ap);
  va_end(ap);
  return 0;
}

int bench_close(double a, double b, double tol, double scale) {
  if (isnan(a) || isnan(b)) return 0;
  return fabs(a - b) <= tol * scale;
}

double bench_maxrel(const double *a, const double *b, size_t n, double floor) {
  double worst = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs(a[i] - b[i]) / fmax(fabs(b[i]), floor);
    if (isnan(d)) return INFINITY;
    if (d > worst) worst = d;
  }
  return worst;
}

unsigned long long bench_splitmix(unsigned long long *s) {
  unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

void bench_pick(double *v, size_t n, unsigned long long seed) {
  unsigned long long s = seed;
  for (size_t i = 0; i < n; i++) v[i] = (double)(bench_splitmix(&s) >> 11) * 0x1.0p-53;
}
