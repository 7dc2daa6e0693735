/* index.c -- tdm_take (gather rows or columns by an index vector) and
 * tdm_nonzero (positions of non-zero elements): validate shapes and
 * dtypes, place, make operands current, run the backend's kernel. The
 * indices themselves are checked by the kernel where it runs, before it
 * writes anything; a device sends back only the check's result (take) or
 * the count (nonzero), each counted as one small copy to the host. */
#include "core/buf_int.h"
#include "core/error.h"

static int tdm__is_index(tdm_dtype d) { return d == TDM_I32 || d == TDM_I64; }

static void tdm__count_small_d2h(tdm_ctx *ctx, const tdm__exec *ex, size_t bytes) {
  if (ex->side != TDM__DEV) return;
  tdm__stat_add(ctx, TDM__ST_D2H_N, 1);
  tdm__stat_add(ctx, TDM__ST_D2H_B, bytes);
}

tdm_status tdm_take(tdm_ctx *ctx, const tdm_buf *xc, int axis, const tdm_buf *ic, tdm_buf *out) {
  static const char fn[] = "tdm_take";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__buf_check(ctx, xc, fn, "x"));
  TDM__TRY(tdm__buf_check(ctx, ic, fn, "idx"));
  TDM__TRY(tdm__buf_check(ctx, out, fn, "out"));
  TDM__CHECK(axis != 0 && axis != 1, TDM_ERR_INVALID, "%s: axis: %d, expected 0 (rows) or 1 (columns)",
             fn, axis);
  TDM__CHECK(!tdm__is_index(ic->dt), TDM_ERR_INVALID, "%s: idx: dtype %s, expected i32 or i64", fn,
             tdm_dtype_name(ic->dt));
  TDM__CHECK(ic->rows != 1 && ic->cols != 1, TDM_ERR_INVALID,
             "%s: idx: %zu x %zu, expected a vector (n x 1 or 1 x n)", fn, ic->rows, ic->cols);
  TDM__CHECK(out->dt != xc->dt, TDM_ERR_INVALID, "%s: out: dtype %s, expected x's dtype %s", fn,
             tdm_dtype_name(out->dt), tdm_dtype_name(xc->dt));
  size_t m = ic->n;
  size_t want_r = axis == 0 ? m : xc->rows, want_c = axis == 0 ? xc->cols : m;
  TDM__CHECK(out->rows != want_r || out->cols != want_c, TDM_ERR_INVALID,
             "%s: out: %zu x %zu, expected %zu x %zu (%s)", fn, out->rows, out->cols, want_r, want_c,
             axis == 0 ? "len(idx) x cols(x)" : "rows(x) x len(idx)");
  TDM__CHECK(tdm__buf_overlap(out, xc) || tdm__buf_overlap(out, ic), TDM_ERR_INVALID,
             "%s: out: overlaps x or idx (use a separate buffer)", fn);
  tdm_buf *in[2] = {(tdm_buf *)xc, (tdm_buf *)ic}; /* contents unchanged; residency may change */
  tdm__opcost cost = {0, (double)(2 * out->bytes + ic->bytes)};
  tdm__exec ex = tdm__place(ctx, &cost, in, 2);
  tdm__take_args a = {.dt = xc->dt, .axis = axis, .rows = xc->rows, .cols = xc->cols,
                      .ldx = xc->ld, .idt = ic->dt, .m = m, .irows = ic->rows,
                      .ild = ic->cols == 1 ? ic->rows : ic->ld, /* one column: contiguous */
                      .ldo = out->ld};
  const void *pin[2] = {NULL, NULL};
  tdm_status s = tdm__stage(ctx, &ex, 2, in, pin, out, 0, &a.out);
  a.x = pin[0], a.idx = pin[1];
  if (s == TDM_OK) {
    s = ex.be->take(ex.st, &a);
    tdm__count_small_d2h(ctx, &ex, TDM__TAKE_CHECK_BYTES);
  }
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(out, &ex);
  return TDM_OK;
}

tdm_status tdm_nonzero(tdm_ctx *ctx, const tdm_buf *mc, tdm_buf *idx, size_t *count) {
  static const char fn[] = "tdm_nonzero";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__buf_check(ctx, mc, fn, "mask"));
  TDM__TRY(tdm__buf_check(ctx, idx, fn, "idx"));
  TDM__CHECK(!count, TDM_ERR_INVALID, "%s: count: is NULL", fn);
  TDM__CHECK(!tdm__is_index(idx->dt), TDM_ERR_INVALID, "%s: idx: dtype %s, expected i32 or i64", fn,
             tdm_dtype_name(idx->dt));
  TDM__CHECK(idx->n < mc->n, TDM_ERR_INVALID,
             "%s: idx: %zu elements, expected at least mask's %zu", fn, idx->n, mc->n);
  TDM__CHECK(idx->dt == TDM_I32 && mc->n - 1 > (size_t)INT32_MAX, TDM_ERR_INVALID,
             "%s: idx: i32 cannot hold positions up to %zu; use i64", fn, mc->n - 1);
  TDM__CHECK(tdm__buf_overlap(idx, mc), TDM_ERR_INVALID,
             "%s: idx: overlaps mask (use a separate buffer)", fn);
  tdm_buf *in[2] = {(tdm_buf *)mc, idx};
  tdm__opcost cost = {(double)mc->n, (double)(mc->bytes + idx->bytes)};
  tdm__exec ex = tdm__place(ctx, &cost, in, 2);
  tdm__nonzero_args a = {.dt = mc->dt, .rows = mc->rows, .cols = mc->cols, .ldm = mc->ld,
                         .idt = idx->dt, .irows = idx->rows,
                         .ild = idx->cols == 1 ? idx->rows : idx->ld};
  size_t k = 0;
  /* keep: the elements past the count stay as they were */
  tdm_status s = tdm__stage(ctx, &ex, 1, in, &a.mask, idx, 1, &a.idx);
  if (s == TDM_OK) {
    s = ex.be->nonzero(ex.st, &a, &k);
    tdm__count_small_d2h(ctx, &ex, sizeof(uint64_t));
  }
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(idx, &ex);
  *count = k;
  return TDM_OK;
}
