/* sort.c -- tdm_sort, tdm_argsort and tdm_quantile: validate, place,
 * make the operands current on the chosen side, run the backend's kernel.
 * Operands may be views. */
#include <math.h>

#include "core/buf_int.h"
#include "core/error.h"
#include "core/stats_int.h"

/* The dtypes the sorts take. */
static tdm_status tdm__sortable(const tdm_buf *x, const char *fn) {
  TDM__CHECK(x->dt != TDM_F32 && x->dt != TDM_F64 && x->dt != TDM_I32 && x->dt != TDM_I64 &&
                 x->dt != TDM_U32,
             TDM_ERR_INVALID, "%s: x: dtype %s, expected f32, f64, i32, i64 or u32", fn,
             tdm_dtype_name(x->dt));
  return TDM_OK;
}

tdm_status tdm_sort(tdm_ctx *ctx, tdm_buf *x) {
  static const char fn[] = "tdm_sort";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__buf_check(ctx, x, fn, "x"));
  TDM__TRY(tdm__sortable(x, fn));
  tdm__opcost cost = {(double)x->n * 8, (double)x->bytes * 8};
  tdm__exec ex = tdm__place(ctx, &cost, &x, 1);
  void *px;
  tdm_status s = tdm__buf_out(ctx, &ex, x, 1, &px);
  if (s == TDM_OK) {
    tdm__sarg a = tdm__sarg_of(x, px);
    s = ex.be->sort(ex.st, &a);
  }
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(x, &ex);
  return TDM_OK;
}

tdm_status tdm_argsort(tdm_ctx *ctx, const tdm_buf *xc, tdm_buf *idx) {
  static const char fn[] = "tdm_argsort";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__buf_check(ctx, xc, fn, "x"));
  TDM__TRY(tdm__buf_check(ctx, idx, fn, "idx"));
  TDM__TRY(tdm__sortable(xc, fn));
  TDM__CHECK(xc->rows != 1 && xc->cols != 1, TDM_ERR_INVALID, "%s: x: %zu x %zu is not a vector",
             fn, xc->rows, xc->cols);
  TDM__CHECK(idx->dt != TDM_I32 && idx->dt != TDM_I64, TDM_ERR_INVALID,
             "%s: idx: dtype %s, expected i32 or i64", fn, tdm_dtype_name(idx->dt));
  TDM__CHECK(idx->rows != 1 && idx->cols != 1, TDM_ERR_INVALID,
             "%s: idx: %zu x %zu is not a vector", fn, idx->rows, idx->cols);
  TDM__CHECK(idx->n != xc->n, TDM_ERR_INVALID, "%s: idx: %zu elements, x has %zu", fn, idx->n,
             xc->n);
  TDM__CHECK(idx->dt == TDM_I32 && xc->n > (size_t)INT32_MAX + 1, TDM_ERR_INVALID,
             "%s: idx: i32 cannot index %zu elements", fn, xc->n);
  TDM__CHECK(idx == xc, TDM_ERR_INVALID, "%s: idx: must not alias x", fn);
  tdm_buf *x = (tdm_buf *)xc;
  tdm__opcost cost = {(double)x->n * 8, (double)x->bytes * 8};
  tdm__exec ex = tdm__place(ctx, &cost, &x, 1);
  const void *px;
  void *pi;
  tdm_status s = tdm__stage(ctx, &ex, 1, &x, &px, idx, 0, &pi);
  if (s == TDM_OK) {
    tdm__sarg a = tdm__sarg_of(x, px), b = tdm__sarg_of(idx, pi);
    s = ex.be->argsort(ex.st, &a, &b);
  }
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(idx, &ex);
  return TDM_OK;
}

tdm_status tdm_quantile(tdm_ctx *ctx, const tdm_buf *xc, size_t nq, const double q[],
                        tdm_buf *out) {
  static const char fn[] = "tdm_quantile";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__buf_check(ctx, xc, fn, "x"));
  TDM__TRY(tdm__buf_check(ctx, out, fn, "out"));
  TDM__CHECK(xc->dt != TDM_F32 && xc->dt != TDM_F64, TDM_ERR_INVALID,
             "%s: x: dtype %s, expected f32 or f64", fn, tdm_dtype_name(xc->dt));
  TDM__CHECK(nq == 0, TDM_ERR_INVALID, "%s: nq: must be > 0", fn);
  TDM__CHECK(!q, TDM_ERR_INVALID, "%s: q: is NULL", fn);
  for (size_t k = 0; k < nq; k++)
    TDM__CHECK(!(q[k] >= 0 && q[k] <= 1), TDM_ERR_INVALID, "%s: q[%zu]: %g is not in [0, 1]", fn,
               k, q[k]);
  TDM__CHECK(out->dt != TDM_F64, TDM_ERR_INVALID, "%s: out: dtype %s, expected f64", fn,
             tdm_dtype_name(out->dt));
  TDM__CHECK(out->rows != nq || out->cols != xc->cols, TDM_ERR_INVALID,
             "%s: out: %zu x %zu, expected nq x cols(x) = %zu x %zu", fn, out->rows, out->cols, nq,
             xc->cols);
  TDM__CHECK(out == xc, TDM_ERR_INVALID, "%s: out: must not alias x", fn);
  tdm_buf *x = (tdm_buf *)xc;
  tdm__opcost cost = {(double)x->n * 2, (double)x->bytes * 2};
  tdm__exec ex = tdm__place(ctx, &cost, &x, 1);
  const void *px;
  void *po;
  tdm_status s = tdm__stage(ctx, &ex, 1, &x, &px, out, 0, &po);
  if (s == TDM_OK) {
    tdm__sarg a = tdm__sarg_of(x, px), b = tdm__sarg_of(out, po);
    s = ex.be->quantile(ex.st, &a, nq, q, &b);
  }
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(out, &ex);
  return TDM_OK;
}
