/* reduce.c -- tdm_reduce: validate, place, make the
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
  size_t ld = x->ld ? x->ld : x->rows;
  if (ld == x->rows || x->cols == 1) {
    if (s == TDM_OK) s = ex.be->reduce(ex.st, x->dt, px, x->n, need, &m);
  } else { /* a view: its columns one by one, merged in order */
    size_t es = x->dt == TDM_F64 ? 8 : 4;
    for (size_t j = 0; s == TDM_OK && j < x->cols; j++) {
      tdm__moments c = {0};
      s = ex.be->reduce(ex.st, x->dt, (const char *)px + j * ld * es, x->rows, need, &c);
      if (s == TDM_OK) tdm__moments_merge(&m, &c);
    }
  }
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
