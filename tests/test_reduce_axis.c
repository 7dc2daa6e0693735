/* test_reduce_axis.c -- tdm_reduce_axis per column and per row against
 * long-double references: every op, f32 and f64, out f64 or x's dtype,
 * short and long (several work items) columns, NaN and inf, the same bits
 * for 1, 2 and 8 threads and on the sim device, strided windows (the
 * kernel on a padded array), a tdm_reduce of a window, and errors. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_int.h"
#include "cpu/stats_int.h"
#include "support/support.h"

static const tdm_reduce_op ops7[7] = {TDM_SUM, TDM_MEAN, TDM_MIN, TDM_MAX, TDM_VAR, TDM_SD, TDM_COUNT};

static double ref_of(const ts_stats *sp, size_t n, tdm_reduce_op op) {
  ts_stats s = *sp;
  switch (op) {
  case TDM_SUM: return (double)s.sum;
  case TDM_MEAN: return (double)s.mean;
  case TDM_MIN: return (double)s.min;
  case TDM_MAX: return (double)s.max;
  case TDM_VAR: return (double)s.var;
  case TDM_SD: return (double)sqrtl(s.var);
  default: return (double)n;
  }
}

static void run(tdm_ctx *ctx, tdm_dtype dt, tdm_dtype odt, size_t R, size_t C, const double *x,
                int axis, tdm_reduce_op op, double *got) {
  tdm_buf *b = ts_buf(ctx, dt, R, C, x), *o = ts_buf(ctx, odt, axis ? R : 1, axis ? 1 : C, NULL);
  cr_assert_eq(tdm_reduce_axis(ctx, b, axis, op, o), TDM_OK, "%s", tdm_last_error());
  ts_read(o, got);
  tdm_buf_destroy(b), tdm_buf_destroy(o);
}

static void check_case(tdm_ctx *ctx, tdm_dtype dt, size_t R, size_t C, int axes) {
  size_t n = R * C;
  double *x = malloc(n * sizeof *x), *v = malloc((R > C ? R : C) * sizeof *v);
  double *got = malloc((R > C ? R : C) * sizeof *got);
  ts_rng r;
  ts_seed(&r, R + C);
  ts_fill(&r, x, n, 1e5 - 1, 1e5 + 1);
  if (n > 40) x[7] = NAN, x[n - 3] = INFINITY; /* column/row 0 holds a NaN */
  if (dt == TDM_F32)
    for (size_t i = 0; i < n; i++) x[i] = (double)(float)x[i];
  ts_stats *ref = malloc((R > C ? R : C) * sizeof *ref);
  int *flags = malloc((R > C ? R : C) * sizeof *flags);
  for (int axis = 0; axis < axes; axis++) {
    size_t cnt = axis ? R : C, len = axis ? C : R;
    for (size_t j = 0; j < cnt; j++) { /* the references, once per line */
      flags[j] = 0;
      for (size_t t = 0; t < len; t++) {
        v[t] = axis ? x[j + t * R] : x[t + j * R];
        flags[j] |= (isinf(v[t]) ? 1 : 0) | (isnan(v[t]) ? 2 : 0);
      }
      ref[j] = ts_stats_f64(v, len);
    }
    for (int k = 0; k < 7; k++)
      for (int od = 0; od < 2; od++) {
        tdm_dtype odt = od ? dt : TDM_F64;
        run(ctx, dt, odt, R, C, x, axis, ops7[k], got);
        for (size_t j = 0; j < cnt; j++) {
          double e = ref_of(&ref[j], len, ops7[k]);
          int has_inf = flags[j] & 1, has_nan = flags[j] & 2;
          if (has_inf && !has_nan) { /* only +inf is placed: IEEE sums, VAR NaN */
            if (ops7[k] == TDM_SUM || ops7[k] == TDM_MEAN || ops7[k] == TDM_MAX) e = INFINITY;
            if (ops7[k] == TDM_VAR || ops7[k] == TDM_SD) e = NAN;
          }
          if (odt == TDM_F32) e = (double)(float)e;
          double g = got[j];
          if (isnan(e)) {
            cr_assert(isnan(g), "axis %d op %d line %zu: %g, expected NaN", axis, k, j, g);
            continue;
          }
          double tol = odt == TDM_F32 ? 0 : ops7[k] >= TDM_VAR && ops7[k] <= TDM_SD ? 1e-9 : 1e-15;
          if (isinf(e)) tol = 0;
          cr_assert(ts_relerr(g, e) <= tol, "%s axis %d op %d line %zu of %zux%zu: %.17g vs %.17g",
                    tdm_dtype_name(dt), axis, k, j, R, C, g, e);
        }
      }
  }
  free(x), free(v), free(got), free(ref), free(flags);
}

Test(reduce_axis, every_op_f32_f64_short_and_long) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  for (int d = 0; d < 2; d++) {
    tdm_dtype dt = d ? TDM_F64 : TDM_F32;
    check_case(ctx, dt, 1, 1, 2);
    check_case(ctx, dt, 1000, 7, 2);
    check_case(ctx, dt, 7, 1000, 2);
    check_case(ctx, dt, 140001, 2, 1); /* two work items per column */
  }
  tdm_ctx_destroy(ctx);
}

Test(reduce_axis, sim_device) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 2);
  check_case(ctx, TDM_F64, 1000, 7, 2);
  tdm_ctx_destroy(ctx);
}

Test(reduce_axis, same_bits_for_1_2_8_threads_and_sim) {
  enum { R = 140001, C = 3 };
  double *x = malloc((size_t)R * C * sizeof *x), a[R], b[R];
  ts_rng r;
  ts_seed(&r, 1);
  ts_fill(&r, x, (size_t)R * C, -1, 1e3);
  for (int axis = 0; axis < 2; axis++) {
    tdm_ctx *c1 = ts_ctx(TDM_CPU, 1);
    run(c1, TDM_F64, TDM_F64, R, C, x, axis, TDM_VAR, a);
    tdm_ctx_destroy(c1);
    int th[3] = {2, 8, 0};
    for (int t = 0; t < 3; t++) {
      tdm_ctx *c = th[t] ? ts_ctx(TDM_CPU, th[t]) : ts_ctx(TDM_SIM, 2);
      run(c, TDM_F64, TDM_F64, R, C, x, axis, TDM_VAR, b);
      cr_assert(memcmp(a, b, (axis ? R : C) * sizeof *a) == 0, "axis %d: %d threads (0 = sim)", axis, th[t]);
      tdm_ctx_destroy(c);
    }
  }
  free(x);
}

Test(reduce_axis, strided_window_gives_the_contiguous_bits) {
  enum { R = 5003, C = 4, LD = 5010 };
  double *xc = malloc((size_t)R * C * sizeof *xc), *xp = malloc((size_t)LD * C * sizeof *xp);
  ts_rng r;
  ts_seed(&r, 2);
  ts_fill(&r, xc, (size_t)R * C, 3, 4);
  for (size_t i = 0; i < (size_t)LD * C; i++) xp[i] = NAN;
  for (size_t j = 0; j < C; j++) memcpy(xp + j * LD, xc + j * R, R * sizeof *xp);
  tdm__cpu cpu = {2};
  for (int axis = 0; axis < 2; axis++)
    for (int k = 0; k < 7; k++) {
      double o1[R], o2[R];
      size_t on = axis ? R : C;
      tdm__sarg a = {xc, TDM_F64, R, C, R}, w = {xp, TDM_F64, R, C, LD};
      tdm__sarg oa = {o1, TDM_F64, axis ? on : 1, axis ? 1 : on, axis ? on : 1};
      tdm__sarg ow = {o2, TDM_F64, axis ? on : 1, axis ? 1 : on, axis ? on : 1};
      cr_assert_eq(tdm__cpu_reduce_axis(&cpu, &a, axis, ops7[k], &oa), TDM_OK);
      cr_assert_eq(tdm__cpu_reduce_axis(&cpu, &w, axis, ops7[k], &ow), TDM_OK);
      cr_assert(memcmp(o1, o2, on * sizeof *o1) == 0, "axis %d op %d: window differs", axis, k);
      for (size_t t = 0; t < on; t++) cr_assert(!isnan(o2[t]), "padding read");
    }
  free(xc), free(xp);
}

Test(reduce_axis, error_paths) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  double x[6] = {1, 2, 3, 4, 5, 6};
  tdm_buf *b = ts_buf(ctx, TDM_F64, 3, 2, x), *o = ts_buf(ctx, TDM_F64, 1, 2, NULL);
  tdm_buf *o3 = ts_buf(ctx, TDM_F64, 3, 2, NULL), *of = ts_buf(ctx, TDM_F32, 1, 2, NULL), *xi;
  cr_assert_eq(tdm_buf_create(ctx, TDM_I32, 3, 2, &xi), TDM_OK);
#define BAD(call, msg)                                                         \
  do {                                                                         \
    cr_assert_eq(call, TDM_ERR_INVALID, #call);                                \
    cr_assert_str_eq(tdm_last_error(), msg);                                   \
  } while (0)
  BAD(tdm_reduce_axis(NULL, b, 0, TDM_SUM, o), "tdm_reduce_axis: ctx: is NULL");
  BAD(tdm_reduce_axis(ctx, b, 2, TDM_SUM, o), "tdm_reduce_axis: axis: 2, expected 0 or 1");
  BAD(tdm_reduce_axis(ctx, b, 0, (tdm_reduce_op)-1, o), "tdm_reduce_axis: op: -1 is not a tdm_reduce_op");
  BAD(tdm_reduce_axis(ctx, xi, 0, TDM_SUM, o), "tdm_reduce_axis: x: dtype i32, expected f32 or f64");
  BAD(tdm_reduce_axis(ctx, b, 0, TDM_SUM, of), "tdm_reduce_axis: out: dtype f32, expected f64 or f64");
  BAD(tdm_reduce_axis(ctx, b, 1, TDM_SUM, o), "tdm_reduce_axis: out: 1 x 2, expected 3 x 1");
  BAD(tdm_reduce_axis(ctx, b, 0, TDM_SUM, o3), "tdm_reduce_axis: out: 3 x 2, expected 1 x 2");
  BAD(tdm_reduce_axis(ctx, b, 0, TDM_SUM, NULL), "tdm_reduce_axis: out: is NULL");
#undef BAD
  tdm_buf_destroy(b), tdm_buf_destroy(o), tdm_buf_destroy(o3), tdm_buf_destroy(of), tdm_buf_destroy(xi);
  tdm_ctx_destroy(ctx);
}
