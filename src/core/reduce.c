/* reduce.c -- tdm_reduce and tdm_group_reduce: validate, place, make the
 * input current on the chosen side, run one pass there. A device reduction
 * copies back only its results (counted as one small d2h). */
#include <math.h>

#include "core/buf_int.h"
#include "core/error.h"

static int tdm__is_float(tdm_dtype d) { return d == TDM_F32 || d == TDM_F64; }

tdm_status tdm_reduce(tdm_ctx *ctx, const tdm_buf *xc, size_t nops, const tdm_reduce_op ops[],
                      double out[]) {
  static const char fn[] = "tdm_reduce";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__buf_check(ctx, xc, fn, "x"));
  TDM__TRY(tdm__buf_require_contig(xc, fn, "x"));
  TDM__CHECK(!tdm__is_float(xc->dt), TDM_ERR_INVALID, "%s: x: dtype %s, expected f32 or f64", fn,
             tdm_dtype_name(xc->dt));
  TDM__CHECK(nops == 0, TDM_ERR_INVALID, "%s: nops: must be > 0", fn);
  TDM__CHECK(!ops, TDM_ERR_INVALID, "%s: ops: is NULL", fn);
  TDM__CHECK(!out, TDM_ERR_INVALID, "%s: out: is NULL", fn);
  unsigned need = 0;
  for (size_t i = 0; i < nops; i++) {
    switch (ops[i]) {
    case TDM_SUM: need |= TDM__NEED_SUM; break;
    case TDM_MEAN: need |= TDM__NEED_SUM; break;
    case TDM_MIN: case TDM_MAX: need |= TDM__NEED_MINMAX; break;
    case TDM_VAR: case TDM_SD: need |= TDM__NEED_M2 | TDM__NEED_SUM; break;
    case TDM_COUNT: break;
    default:
      return tdm__err(TDM_ERR_INVALID, "%s: ops[%zu]: %d is not a tdm_reduce_op", fn, i, (int)ops[i]);
    }
  }
  tdm_buf *x = (tdm_buf *)xc; /* contents unchanged; residency may change */
  tdm__opcost cost = {(double)x->n, (double)x->bytes};
  tdm__exec ex = tdm__place(ctx, &cost, &x, 1);
  const void *px;
  tdm_status s = tdm__buf_in(ctx, &ex, x, &px);
  tdm__moments m = {0};
  if (s == TDM_OK) s = ex.be->reduce(ex.st, x->dt, px, x->n, need, &m);
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  if (ex.side == TDM__DEV) {
    tdm__stat_add(ctx, TDM__ST_D2H_N, 1);
    tdm__stat_add(ctx, TDM__ST_D2H_B, sizeof m);
  }
  for (size_t i = 0; i < nops; i++) {
    double var = m.n > 1 ? m.m2 / (m.n - 1) : NAN;
    switch (ops[i]) {
    case TDM_SUM: out[i] = m.sum; break;
    case TDM_MEAN: out[i] = m.mean; break;
    case TDM_MIN: out[i] = m.min; break;
    case TDM_MAX: out[i] = m.max; break;
    case TDM_VAR: out[i] = var; break;
    case TDM_SD: out[i] = sqrt(var); break;
    case TDM_COUNT: out[i] = (double)x->n; break;
    }
  }
  return TDM_OK;
}

tdm_status tdm_group_reduce(tdm_ctx *ctx, const tdm_buf *xc, const tdm_buf *gc, size_t ngroups,
                            tdm_reduce_op op, tdm_buf *out) {
  static const char fn[] = "tdm_group_reduce";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__buf_check(ctx, xc, fn, "x"));
  TDM__TRY(tdm__buf_check(ctx, gc, fn, "groups"));
  TDM__TRY(tdm__buf_check(ctx, out, fn, "out"));
  TDM__TRY(tdm__buf_require_contig(xc, fn, "x"));
  TDM__TRY(tdm__buf_require_contig(gc, fn, "groups"));
  TDM__TRY(tdm__buf_require_contig(out, fn, "out"));
  TDM__CHECK(!tdm__is_float(xc->dt), TDM_ERR_INVALID, "%s: x: dtype %s, expected f32 or f64", fn,
             tdm_dtype_name(xc->dt));
  TDM__CHECK(gc->dt != TDM_I32, TDM_ERR_INVALID, "%s: groups: dtype %s, expected i32", fn,
             tdm_dtype_name(gc->dt));
  TDM__CHECK(gc->n != xc->n, TDM_ERR_INVALID, "%s: groups: %zu elements, x has %zu", fn, gc->n,
             xc->n);
  TDM__CHECK(ngroups == 0 || ngroups > (size_t)INT32_MAX, TDM_ERR_INVALID,
             "%s: ngroups: %zu is not in 1..2^31-1", fn, ngroups);
  TDM__CHECK(out->dt != TDM_F64, TDM_ERR_INVALID, "%s: out: dtype %s, expected f64", fn,
             tdm_dtype_name(out->dt));
  TDM__CHECK(out->n != ngroups, TDM_ERR_INVALID, "%s: out: %zu elements, expected ngroups = %zu", fn,
             out->n, ngroups);
  TDM__CHECK((int)op < (int)TDM_SUM || (int)op > (int)TDM_SD, TDM_ERR_INVALID,
             "%s: op: %d is not a tdm_reduce_op", fn, (int)op);
  TDM__CHECK(out == xc || out == gc, TDM_ERR_INVALID, "%s: out: must not alias x or groups", fn);
  tdm_buf *in[2] = {(tdm_buf *)xc, (tdm_buf *)gc};
  tdm__opcost cost = {(double)xc->n, (double)(xc->bytes + gc->bytes)};
  tdm__exec ex = tdm__place(ctx, &cost, in, 2);
  const void *px, *pg;
  void *po;
  tdm_status s = tdm__buf_in(ctx, &ex, in[0], &px);
  if (s == TDM_OK) s = tdm__buf_in(ctx, &ex, in[1], &pg);
  if (s == TDM_OK) s = tdm__buf_out(ctx, &ex, out, 0, &po);
  if (s == TDM_OK) s = ex.be->group_reduce(ex.st, xc->dt, px, pg, xc->n, ngroups, op, po);
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(out, &ex);
  return TDM_OK;
}
