/* api.c -- the public expression calls: tdm_expr_compile / _eval / _destroy
 * and tdm_eval (compile once per context through the cache). Evaluation
 * validates operands (type rules, shapes: n elements or 1 to broadcast),
 * places the op, makes inputs current there and runs the backend's eval. */
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

static tdm_status tdm__eval_prog(tdm_ctx *ctx, tdm__prog *p, tdm_buf *out, tdm_buf *const in[],
                                 const char *fn) {
  TDM__TRY(tdm__buf_check(ctx, out, fn, "out"));
  TDM__TRY(tdm__buf_require_contig(out, fn, "out"));
  TDM__CHECK(p->nin > 0 && !in, TDM_ERR_INVALID, "%s: in: is NULL but the expression has %d input%s",
             fn, p->nin, p->nin == 1 ? "" : "s");
  tdm__eval_args a = {0};
  a.out_dt = out->dt;
  a.n = out->n;
  a.nin = p->nin;
  double bytes = (double)out->bytes;
  for (int i = 0; i < p->nin; i++) {
    char arg[48];
    snprintf(arg, sizeof arg, "in[%d] (%s)", i, p->names[i]);
    TDM__TRY(tdm__buf_check(ctx, in[i], fn, arg));
    TDM__TRY(tdm__buf_require_contig(in[i], fn, arg));
    TDM__CHECK(in[i]->n != out->n && in[i]->n != 1, TDM_ERR_INVALID,
               "%s: %s: %zu x %zu has %zu elements; out has %zu (inputs have out's elements or 1)",
               fn, arg, in[i]->rows, in[i]->cols, in[i]->n, out->n);
    a.in_dt[i] = in[i]->dt;
    a.in_n[i] = in[i]->n;
    bytes += (double)in[i]->bytes;
  }
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
  tdm__opcost cost = {(double)out->n * (p->weight > 1 ? p->weight : 1), bytes};
  tdm_buf *all[TDM__MAX_INPUTS + 1];
  for (int i = 0; i < p->nin; i++) all[i] = in[i];
  tdm__exec ex = tdm__place(ctx, &cost, all, p->nin);
  tdm_status s = TDM_OK;
  for (int i = 0; i < p->nin && s == TDM_OK; i++) s = tdm__buf_in(ctx, &ex, in[i], &a.in[i]);
  int keep = 0; /* out read as an input too: it is current already */
  for (int i = 0; i < p->nin; i++) keep |= in[i] == out;
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
