/* test_expr.c -- the expression API: compile/eval/destroy and tdm_eval,
 * broadcasting, two-input and mixed-type expressions and the type rules,
 * in-place evaluation, the same bits on the CPU and the sim device (and
 * for any thread count), the tdm_eval cache (LRU, threads), argument
 * errors and allocation failures. */
#include <pthread.h>
#include <stdio.h>

#include "core/alloc.h"
#include "cpu/ktab.h"
#include "cpu/vexec.h"
#include "expr/expr_int.h"
#include "expr_check.h"

static double *rnd(size_t n, uint64_t seed, double lo, double hi) {
  double *v = malloc(n * sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = xc_draw(&seed, lo, hi, 0, 0);
  return v;
}

static void read64(tdm_buf *b, double *dst) {
  cr_assert_eq(tdm_buf_read(b, dst), TDM_OK, "%s", tdm_last_error());
}

Test(expr, compile_eval_destroy) {
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 0);
  size_t n = 4097;
  double *x = rnd(n, 1, -3, 3), *y = rnd(n, 2, -3, 3), *z = malloc(n * 8);
  tdm_buf *in[2] = {xc_buf(ctx, TDM_F64, n, x), xc_buf(ctx, TDM_F64, n, y)};
  tdm_buf *out = xc_buf(ctx, TDM_F64, n, NULL);
  tdm_expr *e = NULL;
  cr_assert_eq(tdm_expr_compile(ctx, "x*y - (x - 1)/(y*y + 1) + tanh(y)", " x , y ", &e), TDM_OK,
               "%s", tdm_last_error());
  for (int rep = 0; rep < 2; rep++) { /* a compiled expression is reusable */
    cr_assert_eq(tdm_expr_eval(e, out, in), TDM_OK, "%s", tdm_last_error());
    read64(out, z);
    for (size_t i = 0; i < n; i++) {
      double t1 = x[i] * y[i], t2 = (x[i] - 1) / (y[i] * y[i] + 1), t3 = tanh(y[i]);
      double r = t1 - t2 + t3, scale = fabs(t1) + fabs(t2) + fabs(t3); /* terms may cancel */
      cr_assert(fabs(z[i] - r) <= 1e-15 * scale, "at %zu: %a vs %a", i, z[i], r);
    }
  }
  tdm_expr_destroy(e);
  tdm_expr_destroy(NULL);
  tdm_buf_destroy(in[0]), tdm_buf_destroy(in[1]), tdm_buf_destroy(out);
  free(x), free(y), free(z);
  tdm_ctx_destroy(ctx);
}

Test(expr, broadcast_scalars) {
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 0);
  size_t n = 100003;
  double *x = rnd(n, 3, -5, 5), *z = malloc(n * 8), two = 2.5, lim = 0.5;
  float *xf = malloc(n * 4), *zf = malloc(n * 4), twof = 2.5f;
  for (size_t i = 0; i < n; i++) xf[i] = (float)x[i];
  tdm_buf *bx = xc_buf(ctx, TDM_F64, n, x), *bs = xc_buf(ctx, TDM_F64, 1, &two);
  tdm_buf *bl = xc_buf(ctx, TDM_F64, 1, &lim), *out = xc_buf(ctx, TDM_F64, n, NULL);
  tdm_buf *in[3] = {bs, bx, bl}; /* scalar first, vector second */
  cr_assert_eq(tdm_eval(ctx, "where(x > lim, s*x, s - x)", "s, x, lim", out, in), TDM_OK, "%s",
               tdm_last_error());
  read64(out, z);
  for (size_t i = 0; i < n; i++) cr_assert_eq(z[i], x[i] > lim ? two * x[i] : two - x[i], "at %zu", i);
  /* f32, the scalar second */
  tdm_buf *fx = xc_buf(ctx, TDM_F32, n, xf), *fs = xc_buf(ctx, TDM_F32, 1, &twof);
  tdm_buf *fo = xc_buf(ctx, TDM_F32, n, NULL), *fin[2] = {fx, fs};
  cr_assert_eq(tdm_eval(ctx, "x^s / s", "x,s", fo, fin), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_read(fo, zf), TDM_OK);
  for (size_t i = 0; i < n; i++)
    cr_assert(xc_ok32(zf[i], (double)powf(xf[i], twof) / 2.5, 4, 1e-5, 0), "at %zu: %a", i, zf[i]);
  /* every operand a scalar: a 1-element result */
  tdm_buf *o1 = xc_buf(ctx, TDM_F64, 1, NULL), *s2[2] = {bs, bl};
  double r;
  cr_assert_eq(tdm_eval(ctx, "a*b + 1", "a,b", o1, s2), TDM_OK, "%s", tdm_last_error());
  read64(o1, &r);
  cr_assert_eq(r, 2.5 * 0.5 + 1);
  tdm_buf *objs[] = {bx, bs, bl, out, fx, fs, fo, o1};
  for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) tdm_buf_destroy(objs[i]);
  free(x), free(z), free(xf), free(zf);
  tdm_ctx_destroy(ctx);
}

Test(expr, type_rules) {
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 0);
  size_t n = 4099;
  uint64_t s = 9;
  float *a = malloc(n * 4), *b = malloc(n * 4), *c = malloc(n * 4), *zf = malloc(n * 4);
  double *z = malloc(n * 8);
  int32_t *ii = malloc(n * 4);
  int64_t *il = malloc(n * 8);
  uint32_t *iu = malloc(n * 4);
  for (size_t i = 0; i < n; i++) {
    a[i] = (float)xc_draw(&s, -1e3, 1e3, 0, 0);
    b[i] = (float)xc_draw(&s, -1e3, 1e3, 0, 0);
    c[i] = (float)xc_draw(&s, -1e3, 1e3, 0, 0);
    ii[i] = (int32_t)(i * 7919 % 20001) - 10000;
    il[i] = ((int64_t)1 << 40) + (int64_t)i * 3;
    iu[i] = 4000000000u - (uint32_t)i;
  }
  tdm_buf *fa = xc_buf(ctx, TDM_F32, n, a), *fb = xc_buf(ctx, TDM_F32, n, b),
          *fc = xc_buf(ctx, TDM_F32, n, c), *fo = xc_buf(ctx, TDM_F32, n, NULL),
          *do_ = xc_buf(ctx, TDM_F64, n, NULL);
  /* all f32: the math is f32 (rounded after each operation) */
  tdm_buf *f3[3] = {fa, fb, fc};
  cr_assert_eq(tdm_eval(ctx, "x*y + z", "x,y,z", fo, f3), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_read(fo, zf), TDM_OK);
  size_t differ = 0;
  for (size_t i = 0; i < n; i++) {
    float p = a[i] * b[i], r = p + c[i];
    cr_assert(zf[i] == r, "at %zu: %a, f32 math gives %a", i, zf[i], r);
    differ += (float)((double)a[i] * b[i] + c[i]) != r;
  }
  cr_assert_gt(differ, 0, "the inputs cannot tell f32 from f64 math");
  /* an f64 output with f32 inputs: mixed, so f64 math */
  cr_assert_eq(tdm_eval(ctx, "x*y + z", "x,y,z", do_, f3), TDM_OK, "%s", tdm_last_error());
  read64(do_, z);
  for (size_t i = 0; i < n; i++) cr_assert_eq(z[i], (double)a[i] * b[i] + c[i], "at %zu", i);
  /* integer inputs promote to f64 */
  tdm_buf *bi = xc_buf(ctx, TDM_I32, n, ii), *bl = xc_buf(ctx, TDM_I64, n, il),
          *bu = xc_buf(ctx, TDM_U32, n, iu), *ints[3] = {bi, bl, bu};
  cr_assert_eq(tdm_eval(ctx, "i/4 + l - u*0.5", "i,l,u", do_, ints), TDM_OK, "%s", tdm_last_error());
  read64(do_, z);
  for (size_t i = 0; i < n; i++)
    cr_assert_eq(z[i], (double)ii[i] / 4 + (double)il[i] - (double)iu[i] * 0.5, "at %zu", i);
  /* narrowing is refused: f32 out with an f64 or integer input */
  tdm_buf *mix[2] = {fa, do_};
  cr_assert_eq(tdm_eval(ctx, "x + y", "x,y", fo, mix), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_eval") && strstr(tdm_last_error(), "input y is f64"), "%s",
            tdm_last_error());
  tdm_buf *mixi[2] = {fa, bi};
  cr_assert_eq(tdm_eval(ctx, "x + y", "x,y", fo, mixi), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "i32"), "%s", tdm_last_error());
  /* integer outputs are not a result type */
  cr_assert_eq(tdm_eval(ctx, "x", "x", bi, f3), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "out: dtype i32"), "%s", tdm_last_error());
  tdm_buf *objs[] = {fa, fb, fc, fo, do_, bi, bl, bu};
  for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) tdm_buf_destroy(objs[i]);
  free(a), free(b), free(c), free(zf), free(z), free(ii), free(il), free(iu);
  tdm_ctx_destroy(ctx);
}

Test(expr, in_place_and_constants) {
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 0);
  size_t n = 100001;
  double *x = rnd(n, 5, -2, 2), *z = malloc(n * 8);
  tdm_buf *bx = xc_buf(ctx, TDM_F64, n, x), *in[1] = {bx};
  cr_assert_eq(tdm_eval(ctx, "exp(x)*x - x", "x", bx, in), TDM_OK, "%s", tdm_last_error());
  read64(bx, z);
  for (size_t i = 0; i < n; i++)
    cr_assert(xc_ok64(z[i], exp(x[i]) * x[i] - x[i], 8, 1e-13, 0), "at %zu", i);
  cr_assert_eq(tdm_eval(ctx, "x", "x", bx, in), TDM_OK); /* identity in place */
  read64(bx, x);
  cr_assert_eq(memcmp(x, z, n * 8), 0);
  static const struct { const char *src; double v; } k[] = {
      {"2*3 + 1", 7}, {"-0.0", -0.0}, {"1/0", INFINITY}, {"2^10 - 1e3", 24}, {"1 < 2 < 3", 1},
      {"-2^2", -4}, {"2^3^2", 512}, {"8/4/2", 1}, {"1 - 2 - 3", -4}, {"!0 + !5 + !!7", 2},
      {"where(0, 1, 2) + min(3, 1) + max(-1, -2)", 2}, {"1 || 0 && 0", 1}, {".5e1 + 5.", 10}};
  for (size_t j = 0; j < sizeof k / sizeof k[0]; j++) {
    cr_assert_eq(tdm_eval(ctx, k[j].src, "", bx, NULL), TDM_OK, "%s", tdm_last_error());
    read64(bx, z);
    cr_assert(z[0] == k[j].v && z[n - 1] == k[j].v && signbit(z[n / 2]) == signbit(k[j].v),
              "%s = %a, expected %a", k[j].src, z[0], k[j].v);
  }
  cr_assert_eq(tdm_eval(ctx, "0/0", NULL, bx, NULL), TDM_OK);
  read64(bx, z);
  cr_assert(isnan(z[0]) && isnan(z[n - 1]));
  tdm_buf_destroy(bx);
  free(x), free(z);
  tdm_ctx_destroy(ctx);
}

/* The same expression on the CPU, the sim device and one thread: same bits. */
Test(expr, same_bits_cpu_sim_threads) {
  tdm_ctx *cpu = xc_ctx(TDM_CPU, 0), *one = xc_ctx(TDM_CPU, 1), *sim = xc_ctx(TDM_SIM, 0);
  static const char *srcs[] = {"exp(x) + 3*sin(x)", "atan2(y, x) * lgamma(abs(y) + 1)",
                               "where(x > y, erfc(x), cbrt(y)) - x^y", "min(x, y) / max(x, 1e-3)"};
  size_t n = 65539;
  double *x = rnd(n, 11, -4, 4), *y = rnd(n, 12, 0.1, 3);
  float *xf = malloc(n * 4), *yf = malloc(n * 4);
  for (size_t i = 0; i < n; i++) xf[i] = (float)x[i], yf[i] = (float)y[i];
  for (int f32 = 0; f32 < 2; f32++) {
    tdm_dtype dt = f32 ? TDM_F32 : TDM_F64;
    size_t es = f32 ? 4 : 8;
    for (size_t j = 0; j < sizeof srcs / sizeof srcs[0]; j++) {
      char *res[3];
      tdm_ctx *ctxs[3] = {cpu, one, sim};
      for (int c = 0; c < 3; c++) {
        tdm_buf *in[2] = {xc_buf(ctxs[c], dt, n, f32 ? (void *)xf : x),
                          xc_buf(ctxs[c], dt, n, f32 ? (void *)yf : y)};
        tdm_buf *out = xc_buf(ctxs[c], dt, n, NULL);
        tdm_ctx_stats_reset(ctxs[c]);
        cr_assert_eq(tdm_eval(ctxs[c], srcs[j], "x,y", out, in), TDM_OK, "%s", tdm_last_error());
        tdm_stats st;
        tdm_ctx_stats(ctxs[c], &st);
        if (c == 2) /* on the device: both inputs copied there, nothing back yet */
          cr_assert(st.device_ops == 1 && st.h2d_count == 2 && st.d2h_count == 0,
                    "sim: %llu ops, %llu h2d, %llu d2h", (unsigned long long)st.device_ops,
                    (unsigned long long)st.h2d_count, (unsigned long long)st.d2h_count);
        else
          cr_assert(st.cpu_ops == 1 && st.h2d_count == 0);
        res[c] = malloc(n * es);
        cr_assert_eq(tdm_buf_read(out, res[c]), TDM_OK);
        tdm_buf_destroy(in[0]), tdm_buf_destroy(in[1]), tdm_buf_destroy(out);
      }
      cr_assert_eq(memcmp(res[0], res[1], n * es), 0, "%s: 1 thread differs", srcs[j]);
      cr_assert_eq(memcmp(res[0], res[2], n * es), 0, "%s: sim differs from cpu", srcs[j]);
      for (int c = 0; c < 3; c++) free(res[c]);
    }
  }
  free(x), free(y), free(xf), free(yf);
  tdm_ctx_destroy(cpu), tdm_ctx_destroy(one), tdm_ctx_destroy(sim);
}

Test(expr, argument_errors) {
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 0), *other = xc_ctx(TDM_CPU, 0);
  tdm_buf *x = xc_buf(ctx, TDM_F64, 10, NULL), *y = xc_buf(ctx, TDM_F64, 3, NULL);
  tdm_buf *out = xc_buf(ctx, TDM_F64, 10, NULL), *alien = xc_buf(other, TDM_F64, 10, NULL);
  tdm_expr *e = NULL;
  cr_assert_eq(tdm_expr_compile(NULL, "x", "x", &e), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_expr_compile: ctx"), "%s", tdm_last_error());
  cr_assert_eq(tdm_expr_compile(ctx, NULL, "x", &e), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_expr_compile: src"), "%s", tdm_last_error());
  cr_assert_eq(tdm_expr_compile(ctx, "x", "x", NULL), TDM_ERR_INVALID);
  cr_assert_eq(tdm_expr_eval(NULL, out, &x), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_expr_eval: e"), "%s", tdm_last_error());
  cr_assert_eq(tdm_expr_compile(ctx, "x + y", "x,y", &e), TDM_OK);
  tdm_buf *xy[2] = {x, y}, *xn[2] = {x, NULL}, *xa[2] = {x, alien}, *xx[2] = {x, x};
  cr_assert_eq(tdm_expr_eval(e, out, xy), TDM_ERR_INVALID); /* 3 elements: neither 10 nor 1 */
  cr_assert(strstr(tdm_last_error(), "tdm_expr_eval: in[1] (y)"), "%s", tdm_last_error());
  cr_assert_eq(tdm_expr_eval(e, out, xn), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "in[1] (y)"), "%s", tdm_last_error());
  cr_assert_eq(tdm_expr_eval(e, out, xa), TDM_ERR_INVALID); /* another context's buffer */
  cr_assert_eq(tdm_expr_eval(e, out, NULL), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "in: is NULL"), "%s", tdm_last_error());
  cr_assert_eq(tdm_expr_eval(e, NULL, xx), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_expr_eval: out"), "%s", tdm_last_error());
  cr_assert_eq(tdm_expr_eval(e, out, xx), TDM_OK);
  tdm_expr_destroy(e);
  cr_assert_eq(tdm_eval(NULL, "x", "x", out, &x), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_eval: ctx"), "%s", tdm_last_error());
  cr_assert_eq(tdm_eval(ctx, NULL, "x", out, &x), TDM_ERR_INVALID);
  cr_assert_eq(tdm_eval(ctx, "x+", "x", out, &x), TDM_ERR_PARSE);
  cr_assert(strstr(tdm_last_error(), "tdm_eval: "), "%s", tdm_last_error());
  /* an unused declared input is still checked */
  cr_assert_eq(tdm_eval(ctx, "x", "x,y", out, xy), TDM_ERR_INVALID);
  tdm_buf_destroy(x), tdm_buf_destroy(y), tdm_buf_destroy(out), tdm_buf_destroy(alien);
  tdm_ctx_destroy(ctx), tdm_ctx_destroy(other);
}

Test(expr, cache_lru) {
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 0);
  tdm_buf *x = xc_buf(ctx, TDM_F64, 5, NULL), *out = xc_buf(ctx, TDM_F64, 5, NULL);
  size_t ent;
  uint64_t hits, misses;
  char src[64];
  double z[5];
  for (int i = 0; i < 100; i++) { /* more than the cache holds */
    snprintf(src, sizeof src, "x + %d", i);
    cr_assert_eq(tdm_eval(ctx, src, "x", out, &x), TDM_OK, "%s", tdm_last_error());
    read64(out, z);
    cr_assert_eq(z[4], i);
  }
  tdm__expr_cache_stats(ctx, &ent, &hits, &misses);
  cr_assert(ent == 64 && hits == 0 && misses == 100, "%zu entries, %llu hits, %llu misses", ent,
            (unsigned long long)hits, (unsigned long long)misses);
  /* entries 36..99 are cached; touch 36, add one: 37 (least recent) goes */
  cr_assert_eq(tdm_eval(ctx, "x + 36", "x", out, &x), TDM_OK);
  cr_assert_eq(tdm_eval(ctx, "x + 1000", "x", out, &x), TDM_OK);
  cr_assert_eq(tdm_eval(ctx, "x + 36", "x", out, &x), TDM_OK);
  tdm__expr_cache_stats(ctx, &ent, &hits, &misses);
  cr_assert(hits == 2 && misses == 101, "%llu hits, %llu misses", (unsigned long long)hits,
            (unsigned long long)misses);
  cr_assert_eq(tdm_eval(ctx, "x + 37", "x", out, &x), TDM_OK);
  tdm__expr_cache_stats(ctx, &ent, &hits, &misses);
  cr_assert(hits == 2 && misses == 102 && ent == 64);
  /* the inputs list is part of the key */
  cr_assert_eq(tdm_eval(ctx, "x + 37", "x ", out, &x), TDM_OK);
  tdm__expr_cache_stats(ctx, NULL, &hits, &misses);
  cr_assert(hits == 2 && misses == 103);
  tdm_buf_destroy(x), tdm_buf_destroy(out);
  tdm_ctx_destroy(ctx);
}

typedef struct thr_arg {
  tdm_ctx *ctx;
  int id, failures;
} thr_arg;

static void *cache_worker(void *p) {
  thr_arg *a = p;
  tdm_buf *x = NULL, *out = NULL;
  double v = a->id, z = 0;
  if (tdm_buf_create(a->ctx, TDM_F64, 1, 1, &x) || tdm_buf_write(x, &v) ||
      tdm_buf_create(a->ctx, TDM_F64, 1, 1, &out))
    a->failures++;
  for (int r = 0; r < 300 && x && out; r++) {
    char src[64];
    snprintf(src, sizeof src, "x*1000 + %d", r % 90); /* 90 sources > 64 entries: evictions */
    if (tdm_eval(a->ctx, src, "x", out, &x) != TDM_OK || tdm_buf_read(out, &z) != TDM_OK ||
        z != a->id * 1000.0 + r % 90)
      a->failures++;
  }
  tdm_buf_destroy(x), tdm_buf_destroy(out);
  return NULL;
}

Test(expr, cache_threads) {
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 0);
  pthread_t t[4];
  thr_arg a[4];
  for (int i = 0; i < 4; i++) {
    a[i] = (thr_arg){ctx, i + 1, 0};
    cr_assert_eq(pthread_create(&t[i], NULL, cache_worker, &a[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    cr_assert_eq(a[i].failures, 0, "thread %d: %d wrong results", i, a[i].failures);
  }
  tdm_ctx_destroy(ctx);
}

/* Every allocation on the compile and eval paths may fail: the call then
 * says TDM_ERR_NOMEM (and leaks nothing: ASan/valgrind runs check). */
Test(expr, allocation_failures) {
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 0);
  size_t n = 50000;
  double *x = rnd(n, 7, -1, 1), *z = malloc(n * 8);
  tdm_buf *bx = xc_buf(ctx, TDM_F64, n, x), *out = xc_buf(ctx, TDM_F64, n, NULL);
  int failed = 0, ok = 0;
  for (long k = 1; k < 80; k++) {
    tdm_expr *e = NULL;
    tdm__alloc_fail_after(k);
    tdm_status s = tdm_expr_compile(ctx, "exp(x)*sin(x) + sqrt(abs(x)) - x^3", "x", &e);
    if (s == TDM_OK) s = tdm_expr_eval(e, out, &bx);
    tdm__alloc_fail_after(0);
    cr_assert(s == TDM_OK || s == TDM_ERR_NOMEM, "k=%ld: %s", k, tdm_status_name(s));
    if (s == TDM_ERR_NOMEM) {
      failed++;
      cr_assert(strstr(tdm_last_error(), "tdm_expr_"), "k=%ld: %s", k, tdm_last_error());
    } else {
      ok++;
    }
    tdm_expr_destroy(e);
    /* tdm_eval through the cache, in a fresh context each time */
    tdm_ctx *c2 = xc_ctx(TDM_CPU, 0);
    tdm_buf *b2 = xc_buf(c2, TDM_F64, n, x), *o2 = xc_buf(c2, TDM_F64, n, NULL);
    tdm__alloc_fail_after(k);
    s = tdm_eval(c2, "exp(x)*sin(x) + sqrt(abs(x)) - x^3", "x", o2, &b2);
    tdm__alloc_fail_after(0);
    cr_assert(s == TDM_OK || s == TDM_ERR_NOMEM, "k=%ld: %s", k, tdm_status_name(s));
    if (s == TDM_ERR_NOMEM) cr_assert(strstr(tdm_last_error(), "tdm_eval"), "%s", tdm_last_error());
    cr_assert_eq(tdm_eval(c2, "exp(x)*sin(x) + sqrt(abs(x)) - x^3", "x", o2, &b2), TDM_OK);
    read64(o2, z);
    for (size_t i = 0; i < n; i += 997)
      cr_assert(xc_ok64(z[i], exp(x[i]) * sin(x[i]) + sqrt(fabs(x[i])) - x[i] * x[i] * x[i], 8, 1e-13, 0));
    tdm_buf_destroy(b2), tdm_buf_destroy(o2);
    tdm_ctx_destroy(c2);
  }
  cr_assert(failed > 3 && ok > 0, "%d failed, %d succeeded", failed, ok);
  tdm_buf_destroy(bx), tdm_buf_destroy(out);
  free(x), free(z);
  tdm_ctx_destroy(ctx);
}

/* An output of 32 MiB or more leaves through non-temporal stores: check
 * that path (every tier; a misaligned output start; in place too). */
Test(expr, streamed_large_output) {
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 0);
  size_t n = ((size_t)33 << 20) / 8 + 5;
  double *x = rnd(n, 21, -1, 1), *raw = malloc(n * 8 + 8), *z = raw + 1; /* z: 8 mod 16 */
  tdm_buf *bx = xc_buf(ctx, TDM_F64, n, x), *bz = NULL;
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, n, 1, z, &bz), TDM_OK);
  for (int isa = 0; isa < 4; isa++) {
    if (tdm__isa_force(isa) != isa) continue;
    memset(z, 0, n * 8);
    cr_assert_eq(tdm_eval(ctx, "x*2 + 1", "x", bz, &bx), TDM_OK, "%s", tdm_last_error());
    for (size_t i = 0; i < n; i++) cr_assert_eq(z[i], x[i] * 2 + 1, "tier %d at %zu", isa, i);
  }
  tdm__isa_force(-1);
  cr_assert_eq(tdm_eval(ctx, "x*x", "x", bz, &bz), TDM_OK); /* in place */
  for (size_t i = 0; i < n; i++) cr_assert_eq(z[i], (x[i] * 2 + 1) * (x[i] * 2 + 1), "at %zu", i);
  tdm_buf_destroy(bx), tdm_buf_destroy(bz);
  free(x), free(raw);
  tdm_ctx_destroy(ctx);
}
