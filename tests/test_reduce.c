/* test_reduce.c -- tdm_reduce and tdm_group_reduce against serial long
 * double references: every op subset, f32 and f64, odd sizes, data offset
 * by 1e9 (where a naive sum of squares fails), NaN and inf, the same bits
 * for 1 and 2 threads and for each kernel version, and the error paths. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/isa.h"
#include "cpu/reduce_int.h"
#include "support/support.h"

static const tdm_reduce_op all6[6] = {TDM_SUM, TDM_MEAN, TDM_MIN, TDM_MAX, TDM_VAR, TDM_SD};

static double expect_of(const ts_stats *r, tdm_reduce_op op) {
  switch (op) {
  case TDM_SUM: return (double)r->sum;
  case TDM_MEAN: return (double)r->mean;
  case TDM_MIN: return (double)r->min;
  case TDM_MAX: return (double)r->max;
  case TDM_VAR: return (double)r->var;
  case TDM_SD: return (double)sqrtl(r->var);
  case TDM_COUNT: break; /* not in all6: the callers check it from n */
  }
  return NAN;
}

/* Fills a buffer of dt with n values in [lo, hi) and returns the reference. */
static tdm_buf *data(tdm_ctx *ctx, tdm_dtype dt, size_t n, double lo, double hi, uint64_t seed,
                     ts_stats *ref, double **copy) {
  ts_rng r;
  ts_seed(&r, seed);
  double *x = malloc(n * sizeof *x);
  cr_assert(x);
  ts_fill(&r, x, n, lo, hi);
  tdm_buf *b = ts_buf(ctx, dt, n, 1, x);
  if (dt == TDM_F64) {
    *ref = ts_stats_f64(x, n);
  } else {
    float *f = malloc(n * sizeof *f);
    for (size_t i = 0; i < n; i++) f[i] = (float)x[i];
    *ref = ts_stats_f32(f, n);
    free(f);
  }
  if (copy) *copy = x;
  else free(x);
  return b;
}

static void check_ops(const double *out, const tdm_reduce_op *ops, size_t nops,
                      const ts_stats *ref, double tol, const char *what) {
  for (size_t i = 0; i < nops; i++) {
    double e = expect_of(ref, ops[i]);
    if (ops[i] == TDM_MIN || ops[i] == TDM_MAX)
      cr_assert(ts_same_bits(out[i], e), "%s op %d: %.17g vs %.17g", what, ops[i], out[i], e);
    else
      cr_assert(ts_relerr(out[i], e) <= tol, "%s op %d: %.17g vs %.17g (rel %.3g)", what, ops[i],
                out[i], e, ts_relerr(out[i], e));
  }
}

Test(reduce, every_op_subset_f32_f64) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  for (int d = 0; d < 2; d++) {
    tdm_dtype dt = d ? TDM_F64 : TDM_F32;
    ts_stats ref;
    tdm_buf *x = data(ctx, dt, 1023, -1, 3, 11 + d, &ref, NULL);
    for (unsigned mask = 1; mask < 64; mask++) {
      tdm_reduce_op ops[6];
      double out[6];
      size_t n = 0;
      for (int k = 5; k >= 0; k--) /* reverse order: outputs follow ops */
        if (mask & (1u << k)) ops[n++] = all6[k];
      for (size_t i = 0; i < 6; i++) out[i] = -12345;
      cr_assert_eq(tdm_reduce(ctx, x, n, ops, out), TDM_OK, "%s", tdm_last_error());
      check_ops(out, ops, n, &ref, 1e-12, tdm_dtype_name(dt));
      for (size_t i = n; i < 6; i++) cr_assert_eq(out[i], -12345, "writes nops outputs only");
    }
    /* an op asked twice gives the same value twice */
    tdm_reduce_op twice[3] = {TDM_VAR, TDM_SUM, TDM_VAR};
    double o3[3];
    cr_assert_eq(tdm_reduce(ctx, x, 3, twice, o3), TDM_OK);
    cr_assert(ts_same_bits(o3[0], o3[2]));
    tdm_buf_destroy(x);
  }
  tdm_ctx_destroy(ctx);
}

Test(reduce, odd_sizes_f32_f64) {
  static const size_t sizes[] = {1, 7, 1023, 4097, 1000003};
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  for (int d = 0; d < 2; d++)
    for (size_t s = 0; s < 5; s++) {
      tdm_dtype dt = d ? TDM_F64 : TDM_F32;
      ts_stats ref;
      tdm_buf *x = data(ctx, dt, sizes[s], -1, 3, 100 + s, &ref, NULL);
      double out[6];
      cr_assert_eq(tdm_reduce(ctx, x, 6, all6, out), TDM_OK, "%s", tdm_last_error());
      char what[64];
      snprintf(what, sizeof what, "%s n=%zu", tdm_dtype_name(dt), sizes[s]);
      check_ops(out, all6, 6, &ref, 1e-12, what);
      if (sizes[s] == 1) {
        cr_assert(isnan(out[4]) && isnan(out[5]), "VAR and SD of one value are NaN (n-1)");
        cr_assert_eq(out[0], out[2]);
      }
      tdm_buf_destroy(x);
    }
  tdm_ctx_destroy(ctx);
}

/* Data offset by 1e9: VAR keeps >= 6 digits; the naive sum of squares, in
 * double on the same data, does not. */
Test(reduce, offset_data_keeps_var_digits_where_naive_fails) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  size_t n = 1000003;
  ts_stats ref;
  double *x;
  tdm_buf *b = data(ctx, TDM_F64, n, 1e9 - 1, 1e9 + 1, 7, &ref, &x);
  tdm_reduce_op ops[3] = {TDM_VAR, TDM_SD, TDM_MEAN};
  double out[3];
  cr_assert_eq(tdm_reduce(ctx, b, 3, ops, out), TDM_OK);
  double e_var = ts_relerr(out[0], (double)ref.var);
  cr_assert(e_var < 1e-6, "tandem VAR rel err %.3g", e_var);
  cr_assert(ts_relerr(out[1], (double)sqrtl(ref.var)) < 1e-6);
  cr_assert(ts_relerr(out[2], (double)ref.mean) < 1e-15);
  double s = 0, ss = 0;
  for (size_t i = 0; i < n; i++) s += x[i], ss += x[i] * x[i];
  double naive = (ss - s * s / (double)n) / (double)(n - 1);
  double e_naive = ts_relerr(naive, (double)ref.var);
  cr_assert(e_naive > 1e-6, "the naive formula was expected to fail here (rel err %.3g)", e_naive);
  cr_assert(e_var < e_naive / 1000, "tandem %.3g vs naive %.3g", e_var, e_naive);
  cr_log_info("offset 1e9: tandem VAR rel err %.3g, naive formula %.3g", e_var, e_naive);
  free(x);
  tdm_buf_destroy(b);
  /* f32 data offset by 1e4: computed in double, so still close to the exact
   * statistics of the stored floats */
  b = data(ctx, TDM_F32, n, 1e4 - 1, 1e4 + 1, 8, &ref, NULL);
  cr_assert_eq(tdm_reduce(ctx, b, 3, ops, out), TDM_OK);
  cr_assert(ts_relerr(out[0], (double)ref.var) < 1e-6, "f32 VAR rel err %.3g",
            ts_relerr(out[0], (double)ref.var));
  tdm_buf_destroy(b);
  tdm_ctx_destroy(ctx);
}

Test(reduce, nan_propagates_inf_is_handled) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  static const size_t sizes[] = {7, 4097, 1000003};
  for (int d = 0; d < 2; d++)
    for (size_t s = 0; s < 3; s++) {
      size_t n = sizes[s], where[4] = {0, 5, n / 2, n - 1};
      for (int w = 0; w < 4; w++) {
        ts_rng r;
        ts_seed(&r, 3);
        double *x = malloc(n * sizeof *x);
        ts_fill(&r, x, n, -1, 1);
        x[where[w]] = NAN;
        tdm_buf *b = ts_buf(ctx, d ? TDM_F64 : TDM_F32, n, 1, x);
        double out[6];
        cr_assert_eq(tdm_reduce(ctx, b, 6, all6, out), TDM_OK);
        for (int k = 0; k < 6; k++)
          cr_assert(isnan(out[k]), "n=%zu NaN at %zu: op %d gave %g", n, where[w], k, out[k]);
        tdm_buf_destroy(b);
        free(x);
      }
    }
  double x[9] = {1, 2, INFINITY, 4, -3, 5, 6, 7, 8};
  tdm_buf *b = ts_buf(ctx, TDM_F64, 9, 1, x);
  double out[6];
  cr_assert_eq(tdm_reduce(ctx, b, 6, all6, out), TDM_OK);
  cr_assert(isinf(out[0]) && out[0] > 0, "SUM %g", out[0]);
  cr_assert(isinf(out[1]) && out[1] > 0, "MEAN %g", out[1]);
  cr_assert_eq(out[2], -3.0);
  cr_assert(isinf(out[3]) && out[3] > 0);
  tdm_buf_destroy(b);
  x[0] = -INFINITY; /* the first value (the block's shift) is infinite too */
  b = ts_buf(ctx, TDM_F64, 9, 1, x);
  cr_assert_eq(tdm_reduce(ctx, b, 6, all6, out), TDM_OK);
  cr_assert(isnan(out[0]), "inf - inf");
  cr_assert(isinf(out[2]) && out[2] < 0);
  cr_assert(isinf(out[3]) && out[3] > 0);
  tdm_buf_destroy(b);
  tdm_ctx_destroy(ctx);
}

static void run6(tdm_ctx *ctx, tdm_buf *b, double out[6]) {
  cr_assert_eq(tdm_reduce(ctx, b, 6, all6, out), TDM_OK, "%s", tdm_last_error());
}

Test(reduce, same_bits_for_1_and_2_threads_and_each_kernel) {
  tdm_ctx *c1 = ts_ctx(TDM_CPU, 1), *c2 = ts_ctx(TDM_CPU, 2);
  static const size_t sizes[] = {7, 4097, 1000003};
  for (int d = 0; d < 2; d++)
    for (size_t s = 0; s < 3; s++) {
      ts_stats ref;
      tdm_dtype dt = d ? TDM_F64 : TDM_F32;
      double *x;
      tdm_buf *b1 = data(c1, dt, sizes[s], -5, 1e3, 21 + s, &ref, &x);
      tdm_buf *b2 = ts_buf(c2, dt, sizes[s], 1, x);
      double o1[6], o2[6], oc[6];
      run6(c1, b1, o1);
      run6(c2, b2, o2);
      cr_assert(memcmp(o1, o2, sizeof o1) == 0, "%s n=%zu: 1 vs 2 threads differ",
                tdm_dtype_name(dt), sizes[s]);
      int best = tdm__isa_force(-1);
      tdm__isa_force(TDM__ISA_SCALAR);
      run6(c2, b2, oc);
      tdm__isa_force(-1);
      cr_assert(memcmp(o1, oc, sizeof o1) == 0, "%s n=%zu: plain C vs kernel %d differ",
                tdm_dtype_name(dt), sizes[s], best);
      check_ops(o1, all6, 6, &ref, 1e-12, "threads");
      tdm_buf_destroy(b1);
      tdm_buf_destroy(b2);
      free(x);
    }
  tdm_ctx_destroy(c1);
  tdm_ctx_destroy(c2);
}

Test(reduce, error_paths) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  double v[4] = {1, 2, 3, 4}, out[2];
  tdm_buf *x = ts_buf(ctx, TDM_F64, 4, 1, v), *xi;
  cr_assert_eq(tdm_buf_create(ctx, TDM_I32, 4, 1, &xi), TDM_OK);
  tdm_reduce_op ops[2] = {TDM_SUM, (tdm_reduce_op)42};
  cr_assert_eq(tdm_reduce(NULL, x, 1, ops, out), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_reduce: ctx: is NULL");
  cr_assert_eq(tdm_reduce(ctx, NULL, 1, ops, out), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_reduce: x: is NULL");
  cr_assert_eq(tdm_reduce(ctx, xi, 1, ops, out), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_reduce: x: dtype i32, expected f32 or f64");
  cr_assert_eq(tdm_reduce(ctx, x, 0, ops, out), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_reduce: nops: must be > 0");
  cr_assert_eq(tdm_reduce(ctx, x, 1, NULL, out), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_reduce: ops: is NULL");
  cr_assert_eq(tdm_reduce(ctx, x, 1, ops, NULL), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_reduce: out: is NULL");
  out[0] = out[1] = -7;
  cr_assert_eq(tdm_reduce(ctx, x, 2, ops, out), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_reduce: ops[1]: 42 is not a tdm_reduce_op");
  cr_assert_eq(out[0], -7, "nothing written on failure");
  tdm_stats st;
  tdm_ctx_stats(ctx, &st);
  cr_assert_eq(st.cpu_ops, 0, "invalid calls run nothing");
  tdm_buf_destroy(x);
  tdm_buf_destroy(xi);
  tdm_ctx_destroy(ctx);
}

/* ---- grouped ---------------------------------------------------------------- */
#define G 6
static void group_ref(const double *x, const int32_t *g, size_t n, tdm_reduce_op op, double *ref) {
  for (int k = 0; k < G; k++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += g[i] == k;
    if (m == 0) {
      ref[k] = NAN;
      continue;
    }
    double *y = malloc(m * sizeof *y);
    m = 0;
    for (size_t i = 0; i < n; i++)
      if (g[i] == k) y[m++] = x[i];
    ts_stats s = ts_stats_f64(y, m);
    ref[k] = expect_of(&s, op);
    free(y);
  }
}

static tdm_buf *ids_buf(tdm_ctx *ctx, const int32_t *g, size_t n) {
  tdm_buf *b;
  cr_assert_eq(tdm_buf_create(ctx, TDM_I32, n, 1, &b), TDM_OK);
  cr_assert_eq(tdm_buf_write(b, g), TDM_OK);
  return b;
}

/* dst := src rounded to f32 (f64 = 0) or copied. Kept out of line: with the
 * dtype test inside one loop, GCC 12 at -O3 (the Release build) copied the
 * loop's last elements unrounded, so the reference summed other values
 * than the buffer held ("f32 op 0 group 4: 3339999984 vs 3339999983.99"). */
static __attribute__((noinline)) void as_dtype(double *dst, const double *src, size_t n, int f64) {
  if (f64) memcpy(dst, src, n * sizeof *dst);
  else
    for (size_t i = 0; i < n; i++) dst[i] = (double)(float)src[i];
}

Test(group_reduce, every_op_vs_reference_f32_f64) {
  tdm_ctx *c1 = ts_ctx(TDM_CPU, 1), *c2 = ts_ctx(TDM_CPU, 2);
  size_t n = 10007;
  ts_rng r;
  ts_seed(&r, 5);
  double *x = malloc(n * sizeof *x);
  int32_t *g = malloc(n * sizeof *g);
  ts_fill(&r, x, n, 1e6 - 1, 1e6 + 1); /* offset: Welford must hold up */
  for (size_t i = 0; i < n; i++) {
    g[i] = (int32_t)ts_uniform(&r, 0, G);
    if (g[i] == 3) g[i] = 4; /* group 3 stays empty */
  }
  g[17] = 5, x[17] = 1e6 + 7; /* a known max in group 5 */
  for (int d = 0; d < 2; d++) {
    tdm_dtype dt = d ? TDM_F64 : TDM_F32;
    double *xd = malloc(n * sizeof *xd);
    as_dtype(xd, x, n, d);
    tdm_buf *bx1 = ts_buf(c1, dt, n, 1, xd), *bg1 = ids_buf(c1, g, n);
    tdm_buf *bx2 = ts_buf(c2, dt, n, 1, xd), *bg2 = ids_buf(c2, g, n);
    tdm_buf *o1 = ts_buf(c1, TDM_F64, G, 1, NULL), *o2 = ts_buf(c2, TDM_F64, G, 1, NULL);
    for (int op = TDM_SUM; op <= TDM_SD; op++) {
      double ref[G], got1[G], got2[G];
      group_ref(xd, g, n, op, ref);
      cr_assert_eq(tdm_group_reduce(c1, bx1, bg1, G, op, o1), TDM_OK, "%s", tdm_last_error());
      cr_assert_eq(tdm_group_reduce(c2, bx2, bg2, G, op, o2), TDM_OK);
      ts_read(o1, got1);
      ts_read(o2, got2);
      cr_assert(memcmp(got1, got2, sizeof got1) == 0, "1 vs 2 threads");
      for (int k = 0; k < G; k++) {
        if (k == 3) {
          cr_assert(isnan(got1[k]), "empty group gives NaN (op %d: %g)", op, got1[k]);
          continue;
        }
        double tol = op == TDM_MIN || op == TDM_MAX ? 0 : op >= TDM_VAR ? 1e-9 : 1e-13;
        cr_assert(ts_relerr(got1[k], ref[k]) <= tol, "%s op %d group %d: %.17g vs %.17g",
                  tdm_dtype_name(dt), op, k, got1[k], ref[k]);
      }
      if (op == TDM_MAX) cr_assert_eq(got1[5], d ? 1e6 + 7 : (double)(float)(1e6 + 7));
    }
    tdm_buf_destroy(bx1), tdm_buf_destroy(bg1), tdm_buf_destroy(o1);
    tdm_buf_destroy(bx2), tdm_buf_destroy(bg2), tdm_buf_destroy(o2);
    free(xd);
  }
  free(x);
  free(g);
  tdm_ctx_destroy(c1);
  tdm_ctx_destroy(c2);
}

Test(group_reduce, nan_stays_in_its_group_single_values) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  double x[6] = {1, NAN, 3, 4, 5, 9};
  int32_t g[6] = {0, 1, 1, 0, 0, 2};
  tdm_buf *bx = ts_buf(ctx, TDM_F64, 6, 1, x), *bg = ids_buf(ctx, g, 6);
  tdm_buf *o = ts_buf(ctx, TDM_F64, 3, 1, NULL);
  for (int op = TDM_SUM; op <= TDM_SD; op++) {
    double got[3];
    cr_assert_eq(tdm_group_reduce(ctx, bx, bg, 3, op, o), TDM_OK);
    ts_read(o, got);
    cr_assert(isnan(got[1]), "op %d: the NaN group is NaN", op);
    cr_assert(!isnan(got[0]), "op %d: group 0 untouched", op);
    if (op >= TDM_VAR) cr_assert(isnan(got[2]), "one value: VAR/SD NaN");
    else cr_assert_eq(got[2], 9.0);
  }
  double got[3];
  cr_assert_eq(tdm_group_reduce(ctx, bx, bg, 3, TDM_VAR, o), TDM_OK);
  ts_read(o, got);
  cr_assert(ts_relerr(got[0], 13.0 / 3.0) < 1e-15, "VAR{1,4,5} = 13/3: %.17g", got[0]);
  tdm_buf_destroy(bx), tdm_buf_destroy(bg), tdm_buf_destroy(o);
  tdm_ctx_destroy(ctx);
}

Test(group_reduce, error_paths) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  double x[4] = {1, 2, 3, 4};
  int32_t g[4] = {0, 1, 1, 0}, bad[4] = {0, 1, 2, 0}, neg[4] = {0, -1, 1, 0};
  tdm_buf *bx = ts_buf(ctx, TDM_F64, 4, 1, x), *bg = ids_buf(ctx, g, 4);
  tdm_buf *o = ts_buf(ctx, TDM_F64, 2, 1, NULL), *o3 = ts_buf(ctx, TDM_F64, 3, 1, NULL);
  tdm_buf *of = ts_buf(ctx, TDM_F32, 2, 1, NULL), *gf = ts_buf(ctx, TDM_F64, 4, 1, x);
  tdm_buf *g3 = ids_buf(ctx, g, 3), *xi = ids_buf(ctx, g, 4);
  tdm_buf *bb = ids_buf(ctx, bad, 4), *bn = ids_buf(ctx, neg, 4);
  tdm_buf *x2 = ts_buf(ctx, TDM_F64, 2, 1, x), *g2 = ids_buf(ctx, g, 2);
#define BAD(call, msg)                                                         \
  do {                                                                         \
    cr_assert_eq(call, TDM_ERR_INVALID, #call);                                \
    cr_assert(strstr(tdm_last_error(), msg) == tdm_last_error(), "%s", tdm_last_error()); \
  } while (0)
  BAD(tdm_group_reduce(ctx, bx, bb, 2, TDM_SUM, o), "tdm_group_reduce: groups: element 2 is 2, outside [0, 2)");
  BAD(tdm_group_reduce(ctx, bx, bn, 2, TDM_SUM, o), "tdm_group_reduce: groups: element 1 is -1");
  BAD(tdm_group_reduce(NULL, bx, bg, 2, TDM_SUM, o), "tdm_group_reduce: ctx: is NULL");
  BAD(tdm_group_reduce(ctx, NULL, bg, 2, TDM_SUM, o), "tdm_group_reduce: x: is NULL");
  BAD(tdm_group_reduce(ctx, bx, NULL, 2, TDM_SUM, o), "tdm_group_reduce: groups: is NULL");
  BAD(tdm_group_reduce(ctx, bx, bg, 2, TDM_SUM, NULL), "tdm_group_reduce: out: is NULL");
  BAD(tdm_group_reduce(ctx, xi, bg, 2, TDM_SUM, o), "tdm_group_reduce: x: dtype i32");
  BAD(tdm_group_reduce(ctx, bx, gf, 2, TDM_SUM, o), "tdm_group_reduce: groups: dtype f64, expected i32 or i64");
  BAD(tdm_group_reduce(ctx, bx, g3, 2, TDM_SUM, o), "tdm_group_reduce: groups: 3 elements, x has 4");
  BAD(tdm_group_reduce(ctx, bx, bg, 0, TDM_SUM, o), "tdm_group_reduce: ngroups: 0");
  BAD(tdm_group_reduce(ctx, bx, bg, 2, TDM_SUM, of), "tdm_group_reduce: out: dtype f32");
  BAD(tdm_group_reduce(ctx, bx, bg, 2, TDM_SUM, o3), "tdm_group_reduce: out: 3 x 1, expected ngroups x nops = 2 x 1");
  BAD(tdm_group_reduce(ctx, bx, bg, 2, (tdm_reduce_op)9, o), "tdm_group_reduce: op: 9");
  BAD(tdm_group_reduce(ctx, x2, g2, 2, TDM_SUM, x2), "tdm_group_reduce: out: must not alias");
#undef BAD
  tdm_buf *list[] = {bx, bg, o, o3, of, gf, g3, xi, bb, bn, x2, g2};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) tdm_buf_destroy(list[i]);
  tdm_ctx_destroy(ctx);
}
