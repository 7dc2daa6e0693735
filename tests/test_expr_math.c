/* test_expr_math.c -- every function and operator of the expression
 * language against libm in double, in f64 and f32,
 * on random inputs over each function's domain and on the IEEE edge values
 * (0, -0, +-inf, NaN, subnormals, huge), at sizes 1, 7 and 4097, on every
 * SIMD tier this CPU has; then large sizes (10^6+3) on all threads. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "cpu/ktab.h"
#include "cpu/vexec.h"
#include "expr_check.h"

typedef double (*xc_f1)(double);
typedef double (*xc_f2)(double, double);

enum { LIN, LOG, HALF }; /* HALF: k/2 for integer k in [lo, hi] (ties, equal values, zeros) */

typedef struct fcase {
  const char *src; /* over x (and y) */
  xc_f1 r1;
  xc_f2 r2;        /* binary reference; NULL for unary */
  int mode, sgn;
  double lo, hi, flo, fhi;   /* x range in f64 and f32 */
  int ymode, ysgn;
  double ylo, yhi, yflo, yfhi;
  int exact;       /* bitwise equal (IEEE-exact operation) */
  int anyzero;     /* a zero result may have either sign (fmin/fmax of +-0) */
  double abstol;   /* also accept |got-ref| <= abstol (lgamma near its roots) */
} fcase;

static double r_neg(double x) { return -x; }
static double r_not(double x) { return x == 0 ? 1 : 0; }
static double r_lgamma(double x) {
  int s;
  return lgamma_r(x, &s);
}
static double r_add(double x, double y) { return x + y; }
static double r_sub(double x, double y) { return x - y; }
static double r_mul(double x, double y) { return x * y; }
static double r_div(double x, double y) { return x / y; }
static double r_lt(double x, double y) { return x < y; }
static double r_le(double x, double y) { return x <= y; }
static double r_gt(double x, double y) { return x > y; }
static double r_ge(double x, double y) { return x >= y; }
static double r_eq(double x, double y) { return x == y; }
static double r_ne(double x, double y) { return x != y; }
static double r_and(double x, double y) { return x != 0 && y != 0; }
static double r_or(double x, double y) { return x != 0 || y != 0; }
static double r_where(double x, double y) { return x != 0 ? y : x; }
static double r_fmin(double x, double y) { return fmin(x, y); }
static double r_fmax(double x, double y) { return fmax(x, y); }

#define U(src, f, mode, sgn, lo, hi, flo, fhi) \
  {src, f, NULL, mode, sgn, lo, hi, flo, fhi, 0, 0, 0, 0, 0, 0, 0, 0, 0}
#define UX(src, f, mode, sgn, lo, hi) {src, f, NULL, mode, sgn, lo, hi, lo, hi, 0, 0, 0, 0, 0, 0, 1, 0, 0}
#define B(src, f, mode, sgn, lo, hi, flo, fhi, exact, anyz) \
  {src, NULL, f, mode, sgn, lo, hi, flo, fhi, mode, sgn, lo, hi, flo, fhi, exact, anyz, 0}

static fcase cases[] = {
    U("exp(x)", exp, LIN, 0, -746, 710, -104, 89),
    U("log(x)", log, LOG, 0, 1e-300, 1e300, 1e-37, 1e37),
    U("log1p(x)", log1p, LOG, 1, 1e-12, 1e12, 1e-7, 1e7),
    U("expm1(x)", expm1, LIN, 0, -40, 709, -20, 88),
    U("sqrt(x)", sqrt, LOG, 0, 1e-300, 1e300, 1e-37, 1e37),
    U("cbrt(x)", cbrt, LOG, 1, 1e-300, 1e300, 1e-37, 1e37),
    U("sin(x)", sin, LOG, 1, 1e-8, 1e6, 1e-8, 1e5),
    U("cos(x)", cos, LOG, 1, 1e-8, 1e6, 1e-8, 1e5),
    U("tan(x)", tan, LOG, 1, 1e-8, 1e6, 1e-8, 1e5),
    U("asin(x)", asin, LIN, 0, -1, 1, -1, 1),
    U("acos(x)", acos, LIN, 0, -1, 1, -1, 1),
    U("atan(x)", atan, LOG, 1, 1e-10, 1e10, 1e-10, 1e10),
    U("sinh(x)", sinh, LIN, 0, -710, 710, -89, 89),
    U("cosh(x)", cosh, LIN, 0, -710, 710, -89, 89),
    U("tanh(x)", tanh, LIN, 0, -20, 20, -10, 10),
    UX("abs(x)", fabs, LOG, 1, 1e-300, 1e300),
    UX("floor(x)", floor, HALF, 0, -2000, 2000),
    UX("ceil(x)", ceil, HALF, 0, -2000, 2000),
    UX("round(x)", round, HALF, 0, -2000, 2000),
    {"lgamma(x)", r_lgamma, NULL, LOG, 1, 1e-5, 1e5, 1e-4, 1e4, 0, 0, 0, 0, 0, 0, 0, 0, 1e-14},
    U("tgamma(x)", tgamma, LIN, 0, -170, 171.6, -34, 35),
    U("erf(x)", erf, LIN, 0, -6, 6, -4, 4),
    U("erfc(x)", erfc, LIN, 0, -6, 27, -4, 10),
    UX("-x", r_neg, LOG, 1, 1e-300, 1e300),
    UX("!x", r_not, HALF, 0, -4, 4),
    {"pow(x, y)", NULL, pow, LOG, 0, 1e-5, 1e5, 1e-3, 1e3, LIN, 0, -50, 50, -12, 12, 0, 0, 0},
    {"x ^ y", NULL, pow, LOG, 0, 1e-5, 1e5, 1e-3, 1e3, LIN, 0, -50, 50, -12, 12, 0, 0, 0},
    B("atan2(x, y)", atan2, LOG, 1, 1e-10, 1e10, 1e-10, 1e10, 0, 0),
    B("min(x, y)", r_fmin, LIN, 0, -1e3, 1e3, -1e3, 1e3, 1, 1),
    B("max(x, y)", r_fmax, LIN, 0, -1e3, 1e3, -1e3, 1e3, 1, 1),
    B("x + y", r_add, LOG, 1, 1e-30, 1e30, 1e-30, 1e30, 1, 0),
    B("x - y", r_sub, LOG, 1, 1e-30, 1e30, 1e-30, 1e30, 1, 0),
    B("x * y", r_mul, LOG, 1, 1e-30, 1e30, 1e-30, 1e30, 1, 0),
    B("x / y", r_div, LOG, 1, 1e-30, 1e30, 1e-30, 1e30, 1, 0),
    B("x < y", r_lt, HALF, 0, -4, 4, -4, 4, 1, 0),
    B("x <= y", r_le, HALF, 0, -4, 4, -4, 4, 1, 0),
    B("x > y", r_gt, HALF, 0, -4, 4, -4, 4, 1, 0),
    B("x >= y", r_ge, HALF, 0, -4, 4, -4, 4, 1, 0),
    B("x == y", r_eq, HALF, 0, -4, 4, -4, 4, 1, 0),
    B("x != y", r_ne, HALF, 0, -4, 4, -4, 4, 1, 0),
    B("x && y", r_and, HALF, 0, -2, 2, -2, 2, 1, 0),
    B("x || y", r_or, HALF, 0, -2, 2, -2, 2, 1, 0),
    B("where(x, y, x)", r_where, HALF, 0, -2, 2, -2, 2, 1, 0),
};
#undef U
#undef UX
#undef B

static double gen(uint64_t *s, int mode, int sgn, double lo, double hi) {
  if (mode == HALF) return floor(xc_draw(s, 2 * lo, 2 * hi + 1, 0, 0)) / 2;
  return xc_draw(s, lo, hi, mode == LOG, sgn);
}

/* Inputs: random over the domain; edge values (all pairs for two inputs)
 * first when n is large, every other element when small. */
static void fill(const fcase *c, int f32, size_t n, double *x, double *y) {
  uint64_t s = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
  int ne = c->r2 ? XC_NEDGE * XC_NEDGE : XC_NEDGE;
  for (size_t i = 0; i < n; i++) {
    x[i] = gen(&s, c->mode, c->sgn, f32 ? c->flo : c->lo, f32 ? c->fhi : c->hi);
    y[i] = c->r2 ? gen(&s, c->ymode, c->ysgn, f32 ? c->yflo : c->ylo, f32 ? c->yfhi : c->yhi) : 0;
    long e = n >= 1000 ? (i < (size_t)ne ? (long)i : -1) : (i % 2 ? (long)(i / 2) % ne : -1);
    if (e < 0) continue;
    int ex = c->r2 ? (int)e / XC_NEDGE : (int)e, ey = (int)e % XC_NEDGE;
    x[i] = f32 ? xc_edges32[ex] : xc_edges64[ex];
    if (c->r2) y[i] = f32 ? xc_edges32[ey] : xc_edges64[ey];
  }
}

static void run_case(const fcase *c, tdm_ctx *ctx, int f32, size_t n, const char *tier) {
  double *x = malloc(n * 8), *y = malloc(n * 8), *z = malloc(n * 8);
  float *xf = malloc(n * 4), *yf = malloc(n * 4), *zf = malloc(n * 4);
  cr_assert(x && y && z && xf && yf && zf);
  fill(c, f32, n, x, y);
  for (size_t i = 0; i < n; i++) {
    xf[i] = (float)x[i];
    yf[i] = (float)y[i];
  }
  tdm_dtype dt = f32 ? TDM_F32 : TDM_F64;
  tdm_buf *in[2] = {xc_buf(ctx, dt, n, f32 ? (void *)xf : x), xc_buf(ctx, dt, n, f32 ? (void *)yf : y)};
  tdm_buf *out = xc_buf(ctx, dt, n, NULL);
  size_t bad = 0;
  uint64_t maxulp = 0;
  tdm_status s = tdm_eval(ctx, c->src, c->r2 ? "x, y" : "x", out, in);
  cr_assert_eq(s, TDM_OK, "%s: %s", c->src, tdm_last_error());
  cr_assert_eq(tdm_buf_read(out, f32 ? (void *)zf : z), TDM_OK);
  for (size_t i = 0; i < n; i++) {
    double xi = f32 ? xf[i] : x[i], yi = f32 ? yf[i] : y[i];
    double ref = c->r2 ? c->r2(xi, yi) : c->r1(xi), got = f32 ? zf[i] : z[i];
    int ok;
    if (c->exact) {
      if (f32) ok = (isnan((float)ref) && isnan(zf[i])) || ((float)ref == zf[i] &&
                    (c->anyzero || signbit((float)ref) == signbit(zf[i])));
      else ok = (isnan(ref) && isnan(got)) || (ref == got && (c->anyzero || signbit(ref) == signbit(got)));
    } else {
      ok = f32 ? xc_ok32(zf[i], ref, 4, 1e-5, 0) : xc_ok64(got, ref, 4, 1e-12, 0);
      if (!ok && c->abstol > 0 && isfinite(ref))
        ok = fabs(got - ref) <= (f32 ? 1e8 : 1) * c->abstol;
    }
    if (isfinite(ref) && isfinite(got) && ref != 0) {
      uint64_t u = f32 ? xc_ulp32(zf[i], (float)ref) : xc_ulp64(got, ref);
      if (u > maxulp) maxulp = u;
    }
    if (!ok && ++bad <= 3) /* show a few, then the count */
      cr_log_error("%s [%s, %s, n=%zu] at %zu: x=%a y=%a got %a, libm %a", c->src, tier,
                   f32 ? "f32" : "f64", n, i, xi, yi, got, ref);
  }
  if (getenv("TDM_TEST_VERBOSE"))
    cr_log_info("%-16s %-6s %s n=%-5zu max %llu ulp from libm", c->src, tier, f32 ? "f32" : "f64",
                n, (unsigned long long)maxulp);
  cr_expect_eq(bad, 0, "%s [%s, %s, n=%zu]: %zu of %zu elements disagree with libm", c->src, tier,
               f32 ? "f32" : "f64", n, bad, n);
  tdm_buf_destroy(in[0]);
  tdm_buf_destroy(in[1]);
  tdm_buf_destroy(out);
  free(x), free(y), free(z), free(xf), free(yf), free(zf);
}

/* The parameter is an index: Criterion runs each case in a new process,
 * where the table's pointers (names, functions) would not be valid. */
#define NCASES ((int)(sizeof cases / sizeof cases[0]))
static int case_ids[NCASES];

ParameterizedTestParameters(math, vs_libm) {
  for (int i = 0; i < NCASES; i++) case_ids[i] = i;
  return cr_make_param_array(int, case_ids, NCASES);
}

ParameterizedTest(int *id, math, vs_libm) {
  const fcase *c = &cases[*id];
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 0);
  static const size_t sizes[] = {1, 7, 4097};
  for (int isa = 0; isa < TDM__ISA_COUNT; isa++) {
    if (tdm__isa_force(isa) != isa) continue; /* not on this CPU */
    const char *tier = tdm__ktab_get()->vexec->name;
    for (int f32 = 0; f32 < 2; f32++)
      for (int k = 0; k < 3; k++) run_case(c, ctx, f32, sizes[k], tier);
  }
  tdm__isa_force(-1);
  tdm_ctx_destroy(ctx);
}

/* 10^6+3 elements on every thread, through blocks, tails and the pool. */
static void big(tdm_dtype dt, const char *src, const char *ins, int nin) {
  size_t n = 1000003;
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 0);
  int f32 = dt == TDM_F32;
  double *v[2], *z = malloc(n * 8);
  float *vf[2], *zf = malloc(n * 4);
  uint64_t s = 42;
  tdm_buf *in[2];
  for (int k = 0; k < 2; k++) {
    v[k] = malloc(n * 8);
    vf[k] = malloc(n * 4);
    for (size_t i = 0; i < n; i++) {
      v[k][i] = xc_draw(&s, -20, 20, 0, 0);
      vf[k][i] = (float)v[k][i];
      if (f32) v[k][i] = vf[k][i];
    }
    in[k] = xc_buf(ctx, dt, n, f32 ? (void *)vf[k] : v[k]);
  }
  tdm_buf *out = xc_buf(ctx, dt, n, NULL);
  cr_assert_eq(tdm_eval(ctx, src, ins, out, in), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_read(out, f32 ? (void *)zf : z), TDM_OK);
  for (size_t i = 0; i < n; i++) {
    double x = v[0][i], y = v[1][i];
    double ref = nin == 1 ? exp(x) + 3 * sin(x) : atan2(y, x) * y + pow(fabs(x), 0.25 * y);
    double got = f32 ? zf[i] : z[i];
    double tol = f32 ? 1e-5 : 1e-12;
    /* the sum may cancel: bound the error by the terms' size */
    double scale = nin == 1 ? fabs(exp(x)) + 3 : fabs(atan2(y, x) * y) + pow(fabs(x), 0.25 * y);
    cr_assert(fabs(got - ref) <= tol * scale, "%s [%s] at %zu: x=%a y=%a got %a ref %a", src,
              tdm_dtype_name(dt), i, x, y, got, ref);
  }
  for (int k = 0; k < 2; k++) {
    tdm_buf_destroy(in[k]);
    free(v[k]), free(vf[k]);
  }
  tdm_buf_destroy(out);
  free(z), free(zf);
  tdm_ctx_destroy(ctx);
}

Test(math, large_exp_sin_f64) { big(TDM_F64, "exp(x) + 3*sin(x)", "x", 1); }
Test(math, large_exp_sin_f32) { big(TDM_F32, "exp(x) + 3*sin(x)", "x", 1); }
Test(math, large_two_inputs_f64) { big(TDM_F64, "atan2(y, x)*y + abs(x)^(0.25*y)", "x,y", 2); }
Test(math, large_two_inputs_f32) { big(TDM_F32, "atan2(y, x)*y + abs(x)^(0.25*y)", "x,y", 2); }
