/* fit_decomp.c -- tdm_lstsq (Householder QR), tdm_eigh and tdm_svd: checks
 * once, then the chosen side's LAPACK or cuSOLVER. The inputs are copied
 * into the backend's work space, so X, Y and A are never changed. */
#include "core/fit_int.h"

tdm_status tdm_lstsq(tdm_ctx *ctx, const tdm_buf *X, const tdm_buf *Y, tdm_buf *B) {
  static const char fn[] = "tdm_lstsq";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__fit_mat(ctx, X, fn, "X"));
  TDM__TRY(tdm__fit_mat(ctx, Y, fn, "Y"));
  TDM__TRY(tdm__fit_mat(ctx, B, fn, "B"));
  TDM__TRY(tdm__fit_same(X, Y, fn, "X", "Y"));
  TDM__TRY(tdm__fit_same(X, B, fn, "X", "B"));
  size_t n = X->rows, p = X->cols, k = Y->cols;
  TDM__CHECK(n < p, TDM_ERR_INVALID, "%s: X: %zu x %zu has fewer rows than columns (n >= p needed)",
             fn, n, p);
  TDM__CHECK(Y->rows != n, TDM_ERR_INVALID, "%s: Y: %zu rows, X has %zu", fn, Y->rows, n);
  TDM__TRY(tdm__fit_shape(B, p, k, fn, "B", " (cols(X) x cols(Y))"));
  TDM__TRY(tdm__fit_noalias(B, X, fn, "B", "X"));
  TDM__TRY(tdm__fit_noalias(B, Y, fn, "B", "Y"));
  tdm_buf *in[2] = {(tdm_buf *)X, (tdm_buf *)Y};
  double dn = (double)n, dp = (double)p;
  tdm__opcost cost = {2.0 * dn * dp * dp + 4.0 * dn * dp * (double)k,
                      3.0 * (double)(X->bytes + Y->bytes)};
  tdm__exec ex = tdm__place(ctx, &cost, in, 2);
  const void *pin[2];
  void *pb;
  tdm_status s = tdm__stage(ctx, &ex, 2, in, pin, B, 0, &pb);
  if (s == TDM_OK) s = ex.be->lstsq(ex.st, X->dt, n, p, k, pin[0], X->ld, pin[1], Y->ld, pb, B->ld);
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(B, &ex);
  return TDM_OK;
}

tdm_status tdm_eigh(tdm_ctx *ctx, const tdm_buf *A, tdm_buf *w, tdm_buf *V) {
  static const char fn[] = "tdm_eigh";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__fit_mat(ctx, A, fn, "A"));
  TDM__CHECK(A->rows != A->cols, TDM_ERR_INVALID, "%s: A: %zu x %zu is not square", fn, A->rows,
             A->cols);
  TDM__TRY(tdm__fit_mat(ctx, w, fn, "w"));
  TDM__TRY(tdm__fit_same(A, w, fn, "A", "w"));
  size_t n = A->rows;
  TDM__TRY(tdm__fit_vec(w, n, fn, "w", " (rows of A)"));
  TDM__TRY(tdm__fit_noalias(w, A, fn, "w", "A"));
  if (V) {
    TDM__TRY(tdm__fit_mat(ctx, V, fn, "V"));
    TDM__TRY(tdm__fit_same(A, V, fn, "A", "V"));
    TDM__TRY(tdm__fit_shape(V, n, n, fn, "V", " (the shape of A)"));
    TDM__TRY(tdm__fit_noalias(V, A, fn, "V", "A"));
    TDM__TRY(tdm__fit_noalias(V, w, fn, "V", "w"));
  }
  tdm_buf *in[1] = {(tdm_buf *)A};
  double dn = (double)n;
  tdm__opcost cost = {(V ? 9.0 : 4.0 / 3.0) * dn * dn * dn, 4.0 * (double)A->bytes};
  tdm__exec ex = tdm__place(ctx, &cost, in, 1);
  const void *pa;
  void *pw, *pv = NULL;
  tdm_status s = tdm__stage(ctx, &ex, 1, in, &pa, w, 0, &pw);
  if (s == TDM_OK && V) s = tdm__buf_out(ctx, &ex, V, 0, &pv);
  if (s == TDM_OK)
    s = ex.be->eigh(ex.st, A->dt, n, pa, A->ld, pw, tdm__fit_inc(w), pv, V ? V->ld : 0);
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(w, &ex);
  if (V) tdm__buf_done(V, &ex);
  return TDM_OK;
}

tdm_status tdm_svd(tdm_ctx *ctx, const tdm_buf *X, tdm_buf *U, tdm_buf *s, tdm_buf *Vt) {
  static const char fn[] = "tdm_svd";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__fit_mat(ctx, X, fn, "X"));
  TDM__TRY(tdm__fit_mat(ctx, s, fn, "s"));
  TDM__TRY(tdm__fit_same(X, s, fn, "X", "s"));
  size_t m = X->rows, n = X->cols, k = m < n ? m : n;
  TDM__TRY(tdm__fit_vec(s, k, fn, "s", " (min(rows, cols) of X)"));
  TDM__TRY(tdm__fit_noalias(s, X, fn, "s", "X"));
  if (U) {
    TDM__TRY(tdm__fit_mat(ctx, U, fn, "U"));
    TDM__TRY(tdm__fit_same(X, U, fn, "X", "U"));
    TDM__TRY(tdm__fit_shape(U, m, k, fn, "U", " (rows(X) x min(rows, cols))"));
    TDM__TRY(tdm__fit_noalias(U, X, fn, "U", "X"));
    TDM__TRY(tdm__fit_noalias(U, s, fn, "U", "s"));
  }
  if (Vt) {
    TDM__TRY(tdm__fit_mat(ctx, Vt, fn, "Vt"));
    TDM__TRY(tdm__fit_same(X, Vt, fn, "X", "Vt"));
    TDM__TRY(tdm__fit_shape(Vt, k, n, fn, "Vt", " (min(rows, cols) x cols(X))"));
    TDM__TRY(tdm__fit_noalias(Vt, X, fn, "Vt", "X"));
    TDM__TRY(tdm__fit_noalias(Vt, s, fn, "Vt", "s"));
    TDM__TRY(tdm__fit_noalias(Vt, U, fn, "Vt", "U"));
  }
  tdm_buf *in[1] = {(tdm_buf *)X};
  double dm = (double)m, dn = (double)n, dk = (double)k;
  tdm__opcost cost = {(U || Vt ? 8.0 : 4.0) * dm * dn * dk, 4.0 * (double)X->bytes};
  tdm__exec ex = tdm__place(ctx, &cost, in, 1);
  const void *px;
  void *pu = NULL, *ps, *pv = NULL;
  tdm_status st = tdm__stage(ctx, &ex, 1, in, &px, s, 0, &ps);
  if (st == TDM_OK && U) st = tdm__buf_out(ctx, &ex, U, 0, &pu);
  if (st == TDM_OK && Vt) st = tdm__buf_out(ctx, &ex, Vt, 0, &pv);
  if (st == TDM_OK)
    st = ex.be->svd(ex.st, X->dt, m, n, px, X->ld, pu, U ? U->ld : 0, ps, tdm__fit_inc(s), pv,
                    Vt ? Vt->ld : 0);
  if (st != TDM_OK) return tdm__err_prefix(st, fn);
  tdm__buf_done(s, &ex);
  if (U) tdm__buf_done(U, &ex);
  if (Vt) tdm__buf_done(Vt, &ex);
  return TDM_OK;
}
