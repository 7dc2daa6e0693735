/* api.c -- the public expression calls: tdm_expr_compile / _eval / _destroy,
 * tdm_eval (compile once per context through the cache) and
 * tdm_eval_reduce. Evaluation validates operands (type rules; shapes:
 * out's, its element count, 1, r x 1 or 1 x c to broadcast; views by their
 * leading dimension), places the op, makes inputs current there and runs
 * the backend's eval (or eval_reduce, whose moments come back). */
#include <math.h>
#include <stdio.h>

#include "core/alloc.h"
#include "core/buf_int.h"
#include "core/error.h"
#include "expr/expr_int.h"

struct tdm_expr {
  tdm_ctx *ctx;
  tdm__prog *prog;
};

tdm_status tdm_expr_compile(tdm_ctx *ctx, const char *src, const char *inputs, tdm_expr **out) {
  static const char fn[] = "tdm_expr_compile";
  TDM__CHECK(!out, TDM_ERR_INVALID, "%s: out: is NULL", fn);
  *out = NULL;
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  tdm_expr *e = tdm__malloc(sizeof *e);
  TDM__CHECK(!e, TDM_ERR_NOMEM, "%s: out of host memory for the expression", fn);
  tdm_status s = tdm__prog_compile(fn, src, inputs, &e->prog);
  if (s != TDM_OK) {
    tdm__free(e);
    return s;
  }
  e->ctx = tdm__ctx_ref(ctx); /* dropped by tdm_expr_destroy */
  *out = e;
  return TDM_OK;
}

void tdm_expr_destroy(tdm_expr *e) {
  if (!e) return;
  tdm__prog_release(e->prog);
  tdm__ctx_unref(e->ctx);
  tdm__free(e);
}

/* Where input b's element (i, j) of an r x c result lies (api of
 * tdm__eval_args): out's shape, 1 element, r x 1, 1 x c, or (same_count)
 * r*c elements in another shape, read in column-major order. */
static tdm_status tdm__in_layout(const tdm_buf *b, size_t r, size_t c, int same_count, size_t *rs,
                                 size_t *cs, const char *fn, const char *arg) {
  if (b->rows == r && b->cols == c) {
    *rs = 1, *cs = b->ld;
  } else if (b->n == 1) {
    *rs = 0, *cs = 0;
  } else if (same_count && b->n == r * c) {
    if (b->rows != 1 && b->cols != 1 && b->ld != b->rows)
      return tdm__err(TDM_ERR_INVALID,
                      "%s: %s: a %zu x %zu strided view (leading dimension %zu) cannot be read "
                      "as out's %zu x %zu: give it out's shape or copy it (tdm_copy)",
                      fn, arg, b->rows, b->cols, b->ld, r, c);
    size_t st = b->rows == 1 ? b->ld : 1; /* elements between consecutive elements */
    *rs = st, *cs = r * st;
  } else if (b->rows == r && b->cols == 1) {
    *rs = 1, *cs = 0;
  } else if (b->rows == 1 && b->cols == c) {
    *rs = 0, *cs = b->ld;
  } else {
    return tdm__err(TDM_ERR_INVALID,
                    "%s: %s: %zu x %zu does not broadcast to %zu x %zu (an input has that shape%s, "
                    "1 element, %zu x 1 or 1 x %zu)",
                    fn, arg, b->rows, b->cols, r, c, same_count ? " or its number of elements" : "",
                    r, c);
  }
  return TDM_OK;
}

/* Checks the inputs against program p and an r x c result and fills a's
 * input fields; bytes gets what they stream. */
static tdm_status tdm__eval_inputs(tdm_ctx *ctx, const tdm__prog *p, tdm_buf *const in[], size_t r,
                                   size_t c, int same_count, tdm__eval_args *a, double *bytes,
                                   const char *fn) {
  a->nin = p->nin;
  a->rows = r, a->cols = c, a->n = r * c;
  a->fast = ctx->root->fast_math;
  for (int i = 0; i < p->nin; i++) {
    char arg[48];
    snprintf(arg, sizeof arg, "in[%d] (%s)", i, p->names[i]);
    TDM__TRY(tdm__buf_check(ctx, in[i], fn, arg));
    TDM__TRY(tdm__in_layout(in[i], r, c, same_count, &a->in_rs[i], &a->in_cs[i], fn, arg));
    a->in_dt[i] = in[i]->dt;
    a->in_n[i] = in[i]->n == 1 ? 1 : a->n;
    *bytes += (double)in[i]->bytes;
  }
  return TDM_OK;
}

/* Places the op and makes every input current on the side chosen. */
static tdm_status tdm__eval_place(tdm_ctx *ctx, const tdm__prog *p, tdm_buf *const in[], double n,
                                  double bytes, tdm__eval_args *a, tdm__exec *ex) {
  tdm__opcost cost = {n * (p->weight > 1 ? p->weight : 1), bytes};
  tdm_buf *all[TDM__MAX_INPUTS + 1];
  for (int i = 0; i < p->nin; i++) all[i] = in[i];
  *ex = tdm__place(ctx, &cost, all, p->nin);
  tdm_status s = TDM_OK;
  for (int i = 0; i < p->nin && s == TDM_OK; i++) s = tdm__buf_in(ctx, ex, in[i], &a->in[i]);
  return s;
}

static tdm_status tdm__eval_prog(tdm_ctx *ctx, tdm__prog *p, tdm_buf *out, tdm_buf *const in[],
                                 const char *fn) {
  TDM__TRY(tdm__buf_check(ctx, out, fn, "out"));
  TDM__CHECK(p->nin > 0 && !in, TDM_ERR_INVALID, "%s: in: is NULL but the expression has %d input%s",
             fn, p->nin, p->nin == 1 ? "" : "s");
  tdm__eval_args a = {0};
  a.out_dt = out->dt;
  double bytes = (double)out->bytes;
  TDM__TRY(tdm__eval_inputs(ctx, p, in, out->rows, out->cols, 1, &a, &bytes, fn));
  a.ld = out->ld;
  TDM__CHECK(out->dt != TDM_F32 && out->dt != TDM_F64, TDM_ERR_INVALID,
             "%s: out: dtype %s, expected f32 or f64", fn, tdm_dtype_name(out->dt));
  tdm_dtype ct = tdm__expr_ctype(TDM_F32, p->nin, a.in_dt);
  if (out->dt == TDM_F32 && ct != TDM_F32) {
    int i = 0;
    while (a.in_dt[i] == TDM_F32) i++;
    return tdm__err(TDM_ERR_INVALID,
                    "%s: out: dtype f32, but input %s is %s, so the expression computes in f64 "
                    "(use an f64 output)", fn, p->names[i], tdm_dtype_name(a.in_dt[i]));
  }
  tdm__exec ex;
  tdm_status s = tdm__eval_place(ctx, p, in, (double)out->n, bytes, &a, &ex);
  int keep = 0; /* out's storage read as an input too: it is current already */
  for (int i = 0; i < p->nin; i++) keep |= in[i]->st == out->st;
  if (s == TDM_OK) s = tdm__buf_out(ctx, &ex, out, keep, &a.out);
  if (s == TDM_OK) s = ex.be->eval(ex.st, p, &a);
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(out, &ex);
  return TDM_OK;
}

tdm_status tdm_expr_eval(tdm_expr *e, tdm_buf *out, tdm_buf *const in[]) {
  TDM__CHECK(!e, TDM_ERR_INVALID, "tdm_expr_eval: e: is NULL");
  return tdm__eval_prog(e->ctx, e->prog, out, in, "tdm_expr_eval");
}

tdm_status tdm_eval(tdm_ctx *ctx, const char *src, const char *inputs, tdm_buf *out,
                    tdm_buf *const in[]) {
  static const char fn[] = "tdm_eval";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__CHECK(!src, TDM_ERR_INVALID, "%s: src: is NULL", fn);
  tdm__prog *p;
  TDM__TRY(tdm__expr_cache_get(ctx, src, inputs, &p));
  tdm_status s = tdm__eval_prog(ctx, p, out, in, fn);
  tdm__prog_release(p);
  return s;
}

tdm_status tdm_eval_reduce(tdm_ctx *ctx, const char *src, const char *inputs, tdm_buf *const in[],
                           size_t nops, const tdm_reduce_op ops[], double out[]) {
  static const char fn[] = "tdm_eval_reduce";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__CHECK(!src, TDM_ERR_INVALID, "%s: src: is NULL", fn);
  TDM__CHECK(nops == 0, TDM_ERR_INVALID, "%s: nops: must be > 0", fn);
  TDM__CHECK(!ops, TDM_ERR_INVALID, "%s: ops: is NULL", fn);
  TDM__CHECK(!out, TDM_ERR_INVALID, "%s: out: is NULL", fn);
  for (size_t k = 0; k < nops; k++)
    TDM__CHECK((int)ops[k] < (int)TDM_SUM || (int)ops[k] > (int)TDM_COUNT, TDM_ERR_INVALID,
               "%s: ops[%zu]: %d is not a tdm_reduce_op", fn, k, (int)ops[k]);
  tdm__prog *p;
  TDM__TRY(tdm__expr_cache_get(ctx, src, inputs, &p));
  tdm_status s = TDM_OK;
  if (p->nin == 0)
    s = tdm__err(TDM_ERR_INVALID, "%s: inputs: the expression needs at least one input (the shape "
                 "is theirs)", fn);
  else if (!in)
    s = tdm__err(TDM_ERR_INVALID, "%s: in: is NULL but the expression has %d input%s", fn, p->nin,
                 p->nin == 1 ? "" : "s");
  size_t r = 0, c = 0;
  for (int i = 0; s == TDM_OK && i < p->nin; i++) {
    char arg[48];
    snprintf(arg, sizeof arg, "in[%d] (%s)", i, p->names[i]);
    s = tdm__buf_check(ctx, in[i], fn, arg);
    if (s == TDM_OK && in[i]->rows > r) r = in[i]->rows;
    if (s == TDM_OK && in[i]->cols > c) c = in[i]->cols;
  }
  tdm__eval_args a = {0};
  double bytes = 0;
  size_t rc;
  if (s == TDM_OK && tdm__mul_ovf(r, c, &rc))
    s = tdm__err(TDM_ERR_INVALID, "%s: in: the inputs broadcast to %zu x %zu, whose element count "
                 "overflows", fn, r, c);
  if (s == TDM_OK) s = tdm__eval_inputs(ctx, p, in, r, c, 0, &a, &bytes, fn);
  a.out_dt = tdm__expr_ctype(TDM_F32, p->nin, a.in_dt); /* the result's type */
  a.ld = r;
  tdm__exec ex;
  tdm__moments m = {0};
  if (s == TDM_OK) s = tdm__eval_place(ctx, p, in, (double)r * (double)c, bytes, &a, &ex);
  if (s == TDM_OK)
    s = ex.be->eval_reduce ? ex.be->eval_reduce(ex.st, p, &a, &m)
                           : tdm__err(TDM_ERR_UNSUPPORTED, "the %s backend has no eval_reduce",
                                      ex.be->name);
  tdm__prog_release(p);
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  if (ex.side == TDM__DEV) {
    tdm__stat_add(ctx, TDM__ST_D2H_N, 1);
    tdm__stat_add(ctx, TDM__ST_D2H_B, sizeof m);
  }
  for (size_t k = 0; k < nops; k++) {
    double var = m.n > 1 ? m.m2 / (m.n - 1) : NAN;
    switch (ops[k]) {
    case TDM_SUM: out[k] = m.sum; break;
    case TDM_MEAN: out[k] = m.mean; break;
    case TDM_MIN: out[k] = m.min; break;
    case TDM_MAX: out[k] = m.max; break;
    case TDM_VAR: out[k] = var; break;
    case TDM_SD: out[k] = sqrt(var); break;
    case TDM_COUNT: out[k] = m.n; break;
    }
  }
  return TDM_OK;
}
