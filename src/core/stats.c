/* stats.c -- tdm_group_stats, tdm_group_reduce (one statistic, on top of
 * it) and tdm_reduce_axis: validate, place, make the operands current on
 * the chosen side, run the backend's kernel. Every operand may be a view
 * (passed as a strided tdm__sarg). */
#include <math.h>

#include "core/alloc.h"
#include "core/buf_int.h"
#include "core/error.h"
#include "core/stats_int.h"

static int tdm__is_float(tdm_dtype d) { return d == TDM_F32 || d == TDM_F64; }

tdm__sarg tdm__sarg_of(const tdm_buf *b, const void *p) {
  tdm__sarg a = {(void *)p, b->dt, b->rows, b->cols, b->ld ? b->ld : b->rows};
  return a;
}

int tdm__op_valid(tdm_reduce_op op) { return (int)op >= (int)TDM_SUM && (int)op <= (int)TDM_COUNT; }

/* vec: out may be any contiguous shape with G elements (tdm_group_reduce). */
static tdm_status tdm__group_run(tdm_ctx *ctx, const char *fn, const tdm_buf *xc, const tdm_buf *gc,
                                 size_t G, size_t nops, const tdm_reduce_op ops[], tdm_buf *out,
                                 int vec) {
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__buf_check(ctx, xc, fn, "x"));
  TDM__TRY(tdm__buf_check(ctx, gc, fn, "groups"));
  TDM__TRY(tdm__buf_check(ctx, out, fn, "out"));
  TDM__CHECK(!tdm__is_float(xc->dt), TDM_ERR_INVALID, "%s: x: dtype %s, expected f32 or f64", fn,
             tdm_dtype_name(xc->dt));
  TDM__CHECK(gc->dt != TDM_I32 && gc->dt != TDM_I64, TDM_ERR_INVALID,
             "%s: groups: dtype %s, expected i32 or i64", fn, tdm_dtype_name(gc->dt));
  TDM__CHECK(gc->n != xc->n, TDM_ERR_INVALID, "%s: groups: %zu elements, x has %zu", fn, gc->n,
             xc->n);
  size_t cells;
  TDM__CHECK(G == 0 || tdm__mul_ovf(G, nops, &cells) || tdm__mul_ovf(cells, 8, &cells),
             TDM_ERR_INVALID, "%s: ngroups: %zu is 0 or too large", fn, G);
  TDM__CHECK(out->dt != TDM_F64, TDM_ERR_INVALID, "%s: out: dtype %s, expected f64", fn,
             tdm_dtype_name(out->dt));
  int as_vec = vec && out->n == G && (out->ld == out->rows || out->cols == 1 || !out->ld);
  TDM__CHECK(!as_vec && (out->rows != G || out->cols != nops), TDM_ERR_INVALID,
             "%s: out: %zu x %zu, expected ngroups x nops = %zu x %zu", fn, out->rows, out->cols, G,
             nops);
  TDM__CHECK(out == xc || out == gc, TDM_ERR_INVALID, "%s: out: must not alias x or groups", fn);
  tdm_buf *in[2] = {(tdm_buf *)xc, (tdm_buf *)gc};
  tdm__opcost cost = {(double)xc->n, (double)(xc->bytes + gc->bytes)};
  tdm__exec ex = tdm__place(ctx, &cost, in, 2);
  const void *pin[2];
  void *po;
  tdm_status s = tdm__stage(ctx, &ex, 2, in, pin, out, 0, &po);
  if (s == TDM_OK) {
    tdm__sarg ax = tdm__sarg_of(xc, pin[0]), ag = tdm__sarg_of(gc, pin[1]), ao = tdm__sarg_of(out, po);
    if (as_vec) ao.rows = ao.ld = G, ao.cols = 1;
    s = ex.be->group_stats(ex.st, &ax, &ag, G, nops, ops, &ao);
  }
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(out, &ex);
  return TDM_OK;
}

tdm_status tdm_group_stats(tdm_ctx *ctx, const tdm_buf *x, const tdm_buf *groups, size_t ngroups,
                           size_t nops, const tdm_reduce_op ops[], tdm_buf *out) {
  static const char fn[] = "tdm_group_stats";
  TDM__CHECK(nops == 0, TDM_ERR_INVALID, "%s: nops: must be > 0", fn);
  TDM__CHECK(!ops, TDM_ERR_INVALID, "%s: ops: is NULL", fn);
  for (size_t i = 0; i < nops; i++)
    TDM__CHECK(!tdm__op_valid(ops[i]), TDM_ERR_INVALID, "%s: ops[%zu]: %d is not a tdm_reduce_op",
               fn, i, (int)ops[i]);
  return tdm__group_run(ctx, fn, x, groups, ngroups, nops, ops, out, 0);
}

tdm_status tdm_group_reduce(tdm_ctx *ctx, const tdm_buf *x, const tdm_buf *groups, size_t ngroups,
                            tdm_reduce_op op, tdm_buf *out) {
  static const char fn[] = "tdm_group_reduce";
  TDM__CHECK(!tdm__op_valid(op), TDM_ERR_INVALID, "%s: op: %d is not a tdm_reduce_op", fn, (int)op);
  return tdm__group_run(ctx, fn, x, groups, ngroups, 1, &op, out, 1);
}

tdm_status tdm_reduce_axis(tdm_ctx *ctx, const tdm_buf *xc, int axis, tdm_reduce_op op,
                           tdm_buf *out) {
  static const char fn[] = "tdm_reduce_axis";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__buf_check(ctx, xc, fn, "x"));
  TDM__TRY(tdm__buf_check(ctx, out, fn, "out"));
  TDM__CHECK(!tdm__is_float(xc->dt), TDM_ERR_INVALID, "%s: x: dtype %s, expected f32 or f64", fn,
             tdm_dtype_name(xc->dt));
  TDM__CHECK(axis != 0 && axis != 1, TDM_ERR_INVALID, "%s: axis: %d, expected 0 or 1", fn, axis);
  TDM__CHECK(!tdm__op_valid(op), TDM_ERR_INVALID, "%s: op: %d is not a tdm_reduce_op", fn, (int)op);
  TDM__CHECK(out->dt != TDM_F64 && out->dt != xc->dt, TDM_ERR_INVALID,
             "%s: out: dtype %s, expected f64 or %s", fn, tdm_dtype_name(out->dt),
             tdm_dtype_name(xc->dt));
  size_t er = axis == 0 ? 1 : xc->rows, ec = axis == 0 ? xc->cols : 1;
  TDM__CHECK(out->rows != er || out->cols != ec, TDM_ERR_INVALID,
             "%s: out: %zu x %zu, expected %zu x %zu", fn, out->rows, out->cols, er, ec);
  TDM__CHECK(out == xc, TDM_ERR_INVALID, "%s: out: must not alias x", fn);
  tdm_buf *x = (tdm_buf *)xc;
  tdm__opcost cost = {(double)x->n, (double)x->bytes};
  tdm__exec ex = tdm__place(ctx, &cost, &x, 1);
  const void *px;
  void *po;
  tdm_status s = tdm__stage(ctx, &ex, 1, &x, &px, out, 0, &po);
  if (s == TDM_OK) {
    tdm__sarg ax = tdm__sarg_of(x, px), ao = tdm__sarg_of(out, po);
    s = ex.be->reduce_axis(ex.st, &ax, axis, op, &ao);
  }
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(out, &ex);
  return TDM_OK;
}
