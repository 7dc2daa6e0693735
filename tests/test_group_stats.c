/* test_group_stats.c -- tdm_group_stats (and tdm_group_reduce on it)
 * against long-double references per group: every op, f32 and f64 data,
 * i32 and i64 ids, data offset by 1e6, empty groups, NaN, ids out of
 * range, the same bits for 1, 2 and 8 threads and on the sim device, a
 * strided window (the kernel on a padded array), allocation failure and
 * the error paths. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "cpu/cpu_int.h"
#include "cpu/stats_int.h"
#include "support/support.h"

static const tdm_reduce_op ops7[7] = {TDM_SUM, TDM_MEAN, TDM_MIN, TDM_MAX, TDM_VAR, TDM_SD, TDM_COUNT};

static tdm_buf *ids(tdm_ctx *ctx, tdm_dtype dt, const int64_t *g, size_t n) {
  tdm_buf *b;
  cr_assert_eq(tdm_buf_create(ctx, dt, n, 1, &b), TDM_OK);
  if (dt == TDM_I64) {
    cr_assert_eq(tdm_buf_write(b, g), TDM_OK);
  } else {
    int32_t *h = malloc(n * sizeof *h);
    for (size_t i = 0; i < n; i++) h[i] = (int32_t)g[i];
    cr_assert_eq(tdm_buf_write(b, h), TDM_OK);
    free(h);
  }
  return b;
}

static double ref_op(const ts_stats *s, size_t m, tdm_reduce_op op) {
  if (op == TDM_COUNT) return (double)m;
  if (m == 0) return NAN;
  switch (op) {
  case TDM_SUM: return (double)s->sum;
  case TDM_MEAN: return (double)s->mean;
  case TDM_MIN: return (double)s->min;
  case TDM_MAX: return (double)s->max;
  case TDM_VAR: return (double)s->var;
  case TDM_SD: return (double)sqrtl(s->var);
  default: return NAN;
  }
}

/* ref: G x 7 column-major. */
static void reference(const double *x, const int64_t *g, size_t n, size_t G, double *ref) {
  double *y = malloc(n * sizeof *y);
  for (size_t k = 0; k < G; k++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if ((size_t)g[i] == k) y[m++] = x[i];
    ts_stats s = {0};
    if (m) s = ts_stats_f64(y, m);
    for (int c = 0; c < 7; c++) ref[k + c * G] = ref_op(&s, m, ops7[c]);
  }
  free(y);
}

static void check(const double *got, const double *ref, size_t G, const char *what) {
  for (size_t k = 0; k < G; k++)
    for (int c = 0; c < 7; c++) {
      double a = got[k + c * G], e = ref[k + c * G];
      if (isnan(e)) {
        cr_assert(isnan(a), "%s group %zu op %d: %g, expected NaN", what, k, c, a);
        continue;
      }
      double tol = ops7[c] == TDM_VAR || ops7[c] == TDM_SD ? 1e-10
                   : ops7[c] == TDM_SUM || ops7[c] == TDM_MEAN ? 1e-15 : 0;
      cr_assert(ts_relerr(a, e) <= tol, "%s group %zu op %d: %.17g vs %.17g", what, k, c, a, e);
    }
}

#define N 200003 /* several work items */
#define G 37

static void data(double *x, int64_t *g, int f32) {
  ts_rng r;
  ts_seed(&r, 41);
  ts_fill(&r, x, N, 1e6 - 1, 1e6 + 1); /* offset: a naive sum of squares fails */
  for (size_t i = 0; i < N; i++) {
    g[i] = (int64_t)ts_uniform(&r, 0, G);
    if (g[i] == 5) g[i] = 6; /* group 5 empty */
  }
  g[3] = 30, x[3] = 1e6 + 9; /* a known max */
  if (f32)
    for (size_t i = 0; i < N; i++) x[i] = (double)(float)x[i];
}

static void run_all(tdm_ctx *ctx, tdm_dtype dt, tdm_dtype gdt, const double *x, const int64_t *g,
                    double *got) {
  tdm_buf *bx = ts_buf(ctx, dt, N, 1, x), *bg = ids(ctx, gdt, g, N);
  tdm_buf *o = ts_buf(ctx, TDM_F64, G, 7, NULL);
  cr_assert_eq(tdm_group_stats(ctx, bx, bg, G, 7, ops7, o), TDM_OK, "%s", tdm_last_error());
  ts_read(o, got);
  tdm_buf_destroy(bx), tdm_buf_destroy(bg), tdm_buf_destroy(o);
}

Test(group_stats, every_op_dtype_and_id_type_vs_reference) {
  double *x = malloc(N * sizeof *x), ref[G * 7], got[G * 7];
  int64_t *g = malloc(N * sizeof *g);
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  for (int f = 0; f < 2; f++) {
    data(x, g, !f);
    reference(x, g, N, G, ref);
    for (int gi = 0; gi < 2; gi++) {
      run_all(ctx, f ? TDM_F64 : TDM_F32, gi ? TDM_I64 : TDM_I32, x, g, got);
      check(got, ref, G, f ? "f64" : "f32");
      cr_assert_eq(got[5 + 6 * G], 0.0, "empty group: COUNT 0");
      cr_assert_eq(got[30 + 3 * G], 1e6 + 9);
    }
  }
  tdm_ctx_destroy(ctx);
  free(x);
  free(g);
}

Test(group_stats, same_bits_for_1_2_8_threads_and_sim) {
  double *x = malloc(N * sizeof *x), a[G * 7], b[G * 7];
  int64_t *g = malloc(N * sizeof *g);
  data(x, g, 0);
  tdm_ctx *c1 = ts_ctx(TDM_CPU, 1);
  run_all(c1, TDM_F64, TDM_I32, x, g, a);
  tdm_ctx_destroy(c1);
  int threads[3] = {2, 8, 0};
  for (int t = 0; t < 3; t++) {
    tdm_ctx *c = threads[t] ? ts_ctx(TDM_CPU, threads[t]) : ts_ctx(TDM_SIM, 2);
    run_all(c, TDM_F64, TDM_I32, x, g, b);
    cr_assert(memcmp(a, b, sizeof a) == 0, "%d threads (0 = sim) differ from 1", threads[t]);
    tdm_ctx_destroy(c);
  }
  free(x);
  free(g);
}

Test(group_stats, nan_and_inf_stay_in_their_group) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  double x[8] = {1, NAN, 3, 4, 5, INFINITY, 2, 7};
  int64_t g[8] = {0, 1, 1, 0, 0, 2, 2, 3};
  tdm_buf *bx = ts_buf(ctx, TDM_F64, 8, 1, x), *bg = ids(ctx, TDM_I64, g, 8);
  tdm_buf *o = ts_buf(ctx, TDM_F64, 4, 7, NULL);
  cr_assert_eq(tdm_group_stats(ctx, bx, bg, 4, 7, ops7, o), TDM_OK, "%s", tdm_last_error());
  double r[28];
  ts_read(o, r);
  for (int c = 0; c < 6; c++) cr_assert(isnan(r[1 + 4 * c]), "NaN group op %d", c);
  cr_assert_eq(r[1 + 4 * 6], 2.0);
  cr_assert(ts_relerr(r[0 + 4 * 4], 13.0 / 3.0) < 1e-15, "VAR{1,4,5}");
  cr_assert(isinf(r[2]) && isinf(r[2 + 4]) && r[2 + 4 * 2] == 2 && isinf(r[2 + 4 * 3]), "inf group");
  cr_assert(isnan(r[2 + 4 * 4]), "inf group VAR NaN");
  cr_assert(r[3] == 7 && r[3 + 4] == 7 && isnan(r[3 + 4 * 4]), "one value: VAR NaN");
  tdm_buf_destroy(bx), tdm_buf_destroy(bg), tdm_buf_destroy(o);
  tdm_ctx_destroy(ctx);
}

Test(group_stats, strided_window_gives_the_contiguous_bits) {
  enum { R = 3001, C = 7, LD = 3010 };
  size_t n = (size_t)R * C;
  double *xc = malloc(n * sizeof *xc), *xp = malloc((size_t)LD * C * sizeof *xp);
  int64_t *gc = malloc(n * sizeof *gc), *gp = malloc((size_t)LD * C * sizeof *gp);
  ts_rng r;
  ts_seed(&r, 9);
  ts_fill(&r, xc, n, -3, 3);
  for (size_t i = 0; i < (size_t)LD * C; i++) xp[i] = NAN, gp[i] = -1; /* padding: poison */
  for (size_t i = 0; i < n; i++) {
    gc[i] = (int64_t)ts_uniform(&r, 0, 11);
    xp[i % R + i / R * LD] = xc[i];
    gp[i % R + i / R * LD] = gc[i];
  }
  tdm__cpu cpu = {2};
  double o1[11 * 7], o2[11 * 7 + 5];
  tdm__sarg ax = {xc, TDM_F64, n, 1, n}, ag = {gc, TDM_I64, n, 1, n}, ao = {o1, TDM_F64, 11, 7, 11};
  cr_assert_eq(tdm__cpu_group_stats(&cpu, &ax, &ag, 11, 7, ops7, &ao), TDM_OK);
  tdm__sarg vx = {xp, TDM_F64, R, C, LD}, vg = {gp, TDM_I64, R, C, LD}, vo = {o2, TDM_F64, 11, 7, 11};
  cr_assert_eq(tdm__cpu_group_stats(&cpu, &vx, &vg, 11, 7, ops7, &vo), TDM_OK, "%s", tdm_last_error());
  cr_assert(memcmp(o1, o2, sizeof o1) == 0, "the window's statistics differ from the contiguous ones");
  free(xc), free(xp), free(gc), free(gp);
}

Test(group_stats, ids_out_of_range_name_the_lowest_element) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  double *x = malloc(N * sizeof *x);
  int64_t *g = malloc(N * sizeof *g);
  data(x, g, 0);
  g[150000] = G, g[170001] = -4;
  tdm_buf *bx = ts_buf(ctx, TDM_F64, N, 1, x), *o = ts_buf(ctx, TDM_F64, G, 7, NULL);
  for (int gi = 0; gi < 2; gi++) {
    tdm_buf *bg = ids(ctx, gi ? TDM_I64 : TDM_I32, g, N);
    cr_assert_eq(tdm_group_stats(ctx, bx, bg, G, 7, ops7, o), TDM_ERR_INVALID);
    cr_assert_str_eq(tdm_last_error(), "tdm_group_stats: groups: element 150000 is 37, outside [0, 37)");
    tdm_buf_destroy(bg);
  }
  g[150000] = 1;
  tdm_buf *bg = ids(ctx, TDM_I64, g, N);
  cr_assert_eq(tdm_group_stats(ctx, bx, bg, G, 7, ops7, o), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_group_stats: groups: element 170001 is -4, outside [0, 37)");
  tdm_ctx *sim = ts_ctx(TDM_SIM, 1);
  tdm_buf *sx = ts_buf(sim, TDM_F64, N, 1, x), *sg = ids(sim, TDM_I64, g, N), *so = ts_buf(sim, TDM_F64, G, 7, NULL);
  cr_assert_eq(tdm_group_stats(sim, sx, sg, G, 7, ops7, so), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_group_stats: groups: element 170001 is -4, outside [0, 37)");
  tdm_buf_destroy(sx), tdm_buf_destroy(sg), tdm_buf_destroy(so);
  tdm_ctx_destroy(sim);
  tdm_buf_destroy(bx), tdm_buf_destroy(bg), tdm_buf_destroy(o);
  tdm_ctx_destroy(ctx);
  free(x), free(g);
}

Test(group_stats, group_reduce_is_one_column_of_it) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  double *x = malloc(N * sizeof *x), all[G * 7], one[G];
  int64_t *g = malloc(N * sizeof *g);
  data(x, g, 0);
  run_all(ctx, TDM_F64, TDM_I64, x, g, all);
  tdm_buf *bx = ts_buf(ctx, TDM_F64, N, 1, x), *bg = ids(ctx, TDM_I64, g, N), *o = ts_buf(ctx, TDM_F64, G, 1, NULL);
  for (int c = 0; c < 7; c++) {
    cr_assert_eq(tdm_group_reduce(ctx, bx, bg, G, ops7[c], o), TDM_OK, "%s", tdm_last_error());
    ts_read(o, one);
    cr_assert(memcmp(one, all + c * G, sizeof one) == 0, "op %d", c);
  }
  tdm_buf_destroy(bx), tdm_buf_destroy(bg), tdm_buf_destroy(o);
  tdm_ctx_destroy(ctx);
  free(x), free(g);
}

Test(group_stats, allocation_failure_is_nomem_and_leaks_nothing) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  double x[6] = {1, 2, 3, 4, 5, 6};
  int64_t g[6] = {0, 1, 0, 1, 2, 2};
  tdm_buf *bx = ts_buf(ctx, TDM_F64, 6, 1, x), *bg = ids(ctx, TDM_I32, g, 6), *o = ts_buf(ctx, TDM_F64, 3, 7, NULL);
  double r[21];
  ts_read(o, r); /* make o's host copy exist before counting */
  tdm__alloc_fail_after(1);
  cr_assert_eq(tdm_group_stats(ctx, bx, bg, 3, 7, ops7, o), TDM_ERR_NOMEM);
  cr_assert(strstr(tdm_last_error(), "tdm_group_stats: out of host memory"), "%s", tdm_last_error());
  tdm__alloc_fail_after(2);
  cr_assert_eq(tdm_group_stats(ctx, bx, bg, 3, 7, ops7, o), TDM_ERR_NOMEM);
  tdm__alloc_fail_after(0);
  cr_assert_eq(tdm_group_stats(ctx, bx, bg, 3, 7, ops7, o), TDM_OK);
  tdm_buf_destroy(bx), tdm_buf_destroy(bg), tdm_buf_destroy(o);
  tdm_ctx_destroy(ctx);
}

Test(group_stats, error_paths) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  double x[4] = {1, 2, 3, 4};
  int64_t g[4] = {0, 1, 1, 0};
  tdm_buf *bx = ts_buf(ctx, TDM_F64, 4, 1, x), *bg = ids(ctx, TDM_I32, g, 4);
  tdm_buf *o = ts_buf(ctx, TDM_F64, 2, 2, NULL), *o3 = ts_buf(ctx, TDM_F64, 2, 3, NULL);
  tdm_buf *gf = ts_buf(ctx, TDM_F64, 4, 1, x), *xi = ids(ctx, TDM_I32, g, 4), *g3 = ids(ctx, TDM_I64, g, 3);
  tdm_buf *of = ts_buf(ctx, TDM_F32, 2, 2, NULL);
  tdm_reduce_op two[2] = {TDM_COUNT, TDM_SUM}, bad[2] = {TDM_SUM, (tdm_reduce_op)11};
#define BAD(call, msg)                                                         \
  do {                                                                         \
    cr_assert_eq(call, TDM_ERR_INVALID, #call);                                \
    cr_assert_str_eq(tdm_last_error(), msg);                                   \
  } while (0)
  BAD(tdm_group_stats(NULL, bx, bg, 2, 2, two, o), "tdm_group_stats: ctx: is NULL");
  BAD(tdm_group_stats(ctx, NULL, bg, 2, 2, two, o), "tdm_group_stats: x: is NULL");
  BAD(tdm_group_stats(ctx, bx, NULL, 2, 2, two, o), "tdm_group_stats: groups: is NULL");
  BAD(tdm_group_stats(ctx, bx, bg, 2, 2, two, NULL), "tdm_group_stats: out: is NULL");
  BAD(tdm_group_stats(ctx, bx, bg, 2, 0, two, o), "tdm_group_stats: nops: must be > 0");
  BAD(tdm_group_stats(ctx, bx, bg, 2, 2, NULL, o), "tdm_group_stats: ops: is NULL");
  BAD(tdm_group_stats(ctx, bx, bg, 2, 2, bad, o), "tdm_group_stats: ops[1]: 11 is not a tdm_reduce_op");
  BAD(tdm_group_stats(ctx, xi, bg, 2, 2, two, o), "tdm_group_stats: x: dtype i32, expected f32 or f64");
  BAD(tdm_group_stats(ctx, bx, gf, 2, 2, two, o), "tdm_group_stats: groups: dtype f64, expected i32 or i64");
  BAD(tdm_group_stats(ctx, bx, g3, 2, 2, two, o), "tdm_group_stats: groups: 3 elements, x has 4");
  BAD(tdm_group_stats(ctx, bx, bg, 0, 2, two, o), "tdm_group_stats: ngroups: 0 is 0 or too large");
  BAD(tdm_group_stats(ctx, bx, bg, SIZE_MAX / 2, 2, two, o), "tdm_group_stats: ngroups: 9223372036854775807 is 0 or too large");
  BAD(tdm_group_stats(ctx, bx, bg, 2, 2, two, of), "tdm_group_stats: out: dtype f32, expected f64");
  BAD(tdm_group_stats(ctx, bx, bg, 2, 2, two, o3), "tdm_group_stats: out: 2 x 3, expected ngroups x nops = 2 x 2");
#undef BAD
  tdm_stats st;
  tdm_ctx_stats(ctx, &st);
  cr_assert_eq(st.cpu_ops, 0, "invalid calls run nothing");
  tdm_buf *list[] = {bx, bg, o, o3, gf, xi, g3, of};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) tdm_buf_destroy(list[i]);
  tdm_ctx_destroy(ctx);
}
