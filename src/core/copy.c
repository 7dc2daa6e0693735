/* copy.c -- tdm_copy: one buffer or view into another of the same shape,
 * converting dtypes (rules in convert.h), on the side where the data is,
 * as one backend kernel. A value that does not fit dst's dtype is refused
 * before anything is written, so dst is left unchanged. */
#include "core/buf_int.h"
#include "core/error.h"

tdm_status tdm_copy(tdm_ctx *ctx, const tdm_buf *src, tdm_buf *dst) {
  static const char fn[] = "tdm_copy";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__buf_check(ctx, src, fn, "src"));
  TDM__TRY(tdm__buf_check(ctx, dst, fn, "dst"));
  TDM__CHECK(src->rows != dst->rows || src->cols != dst->cols, TDM_ERR_INVALID,
             "%s: dst: %zu x %zu, src is %zu x %zu (same shape needed)", fn, dst->rows, dst->cols,
             src->rows, src->cols);
  if (src->st == dst->st && src->off == dst->off) return TDM_OK; /* the same window */
  TDM__CHECK(tdm__buf_overlap(src, dst), TDM_ERR_INVALID,
             "%s: dst: shares elements with src (copy through a separate buffer)", fn);
  tdm_buf *in[2] = {(tdm_buf *)src, dst};
  int partial = !tdm__buf_whole(dst); /* the rest of dst's storage is read too */
  tdm__opcost cost = {(double)src->n, (double)(src->bytes + dst->bytes)};
  tdm__exec ex = tdm__place(ctx, &cost, in, partial ? 2 : 1);
  const void *ps;
  void *pd;
  tdm_status s = tdm__stage(ctx, &ex, 1, in, &ps, dst, 0, &pd);
  size_t bad = 0;
  if (s == TDM_OK)
    s = ex.be->copy(ex.st, src->dt, ps, src->ld, dst->dt, pd, dst->ld, src->rows, src->cols, &bad);
  if (s == TDM_ERR_INVALID)
    return tdm__err(s,
                    "%s: src: element (%zu, %zu) does not fit dst's dtype %s (NaN, +-inf or out "
                    "of range); dst is unchanged",
                    fn, bad % src->rows, bad / src->rows, tdm_dtype_name(dst->dt));
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(dst, &ex);
  return TDM_OK;
}
