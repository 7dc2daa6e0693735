/* fit.c -- tdm_gemv, tdm_crossprod_w, tdm_solve_tri, tdm_chol_inverse:
 * checks once, then the chosen side's BLAS/LAPACK with each operand's
 * leading dimension (views work as buffers do). Inputs stay unchanged. */
#include "core/fit_int.h"

tdm_status tdm_gemv(tdm_ctx *ctx, tdm_trans ta, double alpha, const tdm_buf *A, const tdm_buf *x,
                    double beta, tdm_buf *y) {
  static const char fn[] = "tdm_gemv";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__fit_trans(ta, fn, "ta"));
  TDM__TRY(tdm__fit_mat(ctx, A, fn, "A"));
  TDM__TRY(tdm__fit_mat(ctx, x, fn, "x"));
  TDM__TRY(tdm__fit_mat(ctx, y, fn, "y"));
  TDM__TRY(tdm__fit_same(A, x, fn, "A", "x"));
  TDM__TRY(tdm__fit_same(A, y, fn, "A", "y"));
  size_t m = A->rows, n = A->cols;
  TDM__TRY(tdm__fit_vec(x, ta ? m : n, fn, "x", ta ? " (rows of A)" : " (columns of A)"));
  TDM__TRY(tdm__fit_vec(y, ta ? n : m, fn, "y", ta ? " (columns of A)" : " (rows of A)"));
  TDM__TRY(tdm__fit_noalias(y, A, fn, "y", "A"));
  TDM__TRY(tdm__fit_noalias(y, x, fn, "y", "x"));
  tdm_buf *in[3] = {(tdm_buf *)A, (tdm_buf *)x, y};
  tdm__opcost cost = {2.0 * (double)m * (double)n, (double)(A->bytes + x->bytes + 2 * y->bytes)};
  tdm__exec ex = tdm__place(ctx, &cost, in, beta != 0.0 ? 3 : 2);
  const void *p[2];
  void *py;
  tdm_status s = tdm__stage(ctx, &ex, 2, in, p, y, beta != 0.0, &py);
  if (s == TDM_OK)
    s = ex.be->gemv(ex.st, A->dt, ta, m, n, alpha, p[0], A->ld, p[1], tdm__fit_inc(x), beta, py,
                    tdm__fit_inc(y));
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(y, &ex);
  return TDM_OK;
}

tdm_status tdm_crossprod_w(tdm_ctx *ctx, const tdm_buf *X, const tdm_buf *w, tdm_buf *C) {
  static const char fn[] = "tdm_crossprod_w";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__fit_mat(ctx, X, fn, "X"));
  TDM__TRY(tdm__fit_mat(ctx, w, fn, "w"));
  TDM__TRY(tdm__fit_mat(ctx, C, fn, "C"));
  TDM__TRY(tdm__fit_same(X, w, fn, "X", "w"));
  TDM__TRY(tdm__fit_same(X, C, fn, "X", "C"));
  TDM__TRY(tdm__fit_shape(w, X->rows, 1, fn, "w", " (rows(X) x 1)"));
  TDM__TRY(tdm__fit_shape(C, X->cols, X->cols, fn, "C", " (cols(X) x cols(X))"));
  TDM__TRY(tdm__fit_noalias(C, X, fn, "C", "X"));
  TDM__TRY(tdm__fit_noalias(C, w, fn, "C", "w"));
  tdm_buf *in[2] = {(tdm_buf *)X, (tdm_buf *)w};
  double n = (double)X->rows, p = (double)X->cols;
  tdm__opcost cost = {n * p * (p + 1), (double)(X->bytes + w->bytes + C->bytes)};
  tdm__exec ex = tdm__place(ctx, &cost, in, 2);
  const void *pin[2];
  void *pc;
  tdm_status s = tdm__stage(ctx, &ex, 2, in, pin, C, 0, &pc);
  if (s == TDM_OK)
    s = ex.be->crossprod_w(ex.st, X->dt, X->rows, X->cols, pin[0], X->ld, pin[1], pc, C->ld);
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(C, &ex);
  return TDM_OK;
}

static tdm_status tdm__fit_square(tdm_ctx *ctx, const tdm_buf *A, const char *fn, const char *arg) {
  TDM__TRY(tdm__fit_mat(ctx, A, fn, arg));
  TDM__CHECK(A->rows != A->cols, TDM_ERR_INVALID, "%s: %s: %zu x %zu is not square", fn, arg,
             A->rows, A->cols);
  return TDM_OK;
}

tdm_status tdm_solve_tri(tdm_ctx *ctx, tdm_trans t, const tdm_buf *R, tdm_buf *B) {
  static const char fn[] = "tdm_solve_tri";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__fit_trans(t, fn, "t"));
  TDM__TRY(tdm__fit_square(ctx, R, fn, "R"));
  TDM__TRY(tdm__fit_mat(ctx, B, fn, "B"));
  TDM__TRY(tdm__fit_same(R, B, fn, "R", "B"));
  TDM__CHECK(B->rows != R->rows, TDM_ERR_INVALID, "%s: B: %zu rows, R is %zu x %zu", fn, B->rows,
             R->rows, R->cols);
  TDM__TRY(tdm__fit_noalias(B, R, fn, "B", "R"));
  tdm_buf *in[2] = {(tdm_buf *)R, B};
  double n = (double)R->rows;
  tdm__opcost cost = {n * n * (double)B->cols, (double)(R->bytes / 2 + 2 * B->bytes)};
  tdm__exec ex = tdm__place(ctx, &cost, in, 2);
  const void *pr;
  void *pb;
  tdm_status s = tdm__stage(ctx, &ex, 1, in, &pr, B, 1, &pb);
  if (s == TDM_OK) s = ex.be->solve_tri(ex.st, R->dt, t, R->rows, B->cols, pr, R->ld, pb, B->ld);
  if (s != TDM_OK) return tdm__err_prefix(s, fn); /* B unchanged: the check comes first */
  tdm__buf_done(B, &ex);
  return TDM_OK;
}

tdm_status tdm_chol_inverse(tdm_ctx *ctx, const tdm_buf *R, tdm_buf *Ainv) {
  static const char fn[] = "tdm_chol_inverse";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__fit_square(ctx, R, fn, "R"));
  TDM__TRY(tdm__fit_mat(ctx, Ainv, fn, "Ainv"));
  TDM__TRY(tdm__fit_same(R, Ainv, fn, "R", "Ainv"));
  TDM__TRY(tdm__fit_shape(Ainv, R->rows, R->rows, fn, "Ainv", " (the shape of R)"));
  TDM__TRY(tdm__fit_noalias(Ainv, R, fn, "Ainv", "R"));
  tdm_buf *in[1] = {(tdm_buf *)R};
  double n = (double)R->rows;
  tdm__opcost cost = {2.0 * n * n * n / 3.0, (double)(R->bytes + 2 * Ainv->bytes)};
  tdm__exec ex = tdm__place(ctx, &cost, in, 1);
  const void *pr;
  void *pa;
  tdm_status s = tdm__stage(ctx, &ex, 1, in, &pr, Ainv, 0, &pa);
  if (s == TDM_OK) s = ex.be->chol_inverse(ex.st, R->dt, R->rows, pr, R->ld, pa, Ainv->ld);
  /* On failure Ainv may hold a partial result; its old contents are gone
   * only where the op ran. */
  if (s == TDM_OK || s == TDM_ERR_NUMERIC) tdm__buf_done(Ainv, &ex);
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  return TDM_OK;
}
