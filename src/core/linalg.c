/* linalg.c -- tdm_gemm, tdm_crossprod, tdm_cholesky, tdm_solve_spd:
 * shape and dtype checks once, then the chosen backend's BLAS/LAPACK
 * (OpenBLAS/LAPACKE on the CPU, cuBLAS/cuSOLVER on a GPU). */
#include "core/buf_int.h"
#include "core/error.h"

static tdm_status tdm__la_dtype(const tdm_buf *b, const char *fn, const char *arg) {
  TDM__CHECK(b->dt != TDM_F32 && b->dt != TDM_F64, TDM_ERR_INVALID,
             "%s: %s: dtype %s, expected f32 or f64", fn, arg, tdm_dtype_name(b->dt));
  return TDM_OK;
}

static tdm_status tdm__same_dt(const tdm_buf *a, const tdm_buf *b, const char *fn, const char *an,
                               const char *bn) {
  TDM__CHECK(a->dt != b->dt, TDM_ERR_INVALID, "%s: %s is %s but %s is %s (all operands one dtype)",
             fn, bn, tdm_dtype_name(b->dt), an, tdm_dtype_name(a->dt));
  return TDM_OK;
}

/* BLAS/LAPACK take int dimensions and leading dimensions. */
static tdm_status tdm__la_dims(const tdm_buf *b, const char *fn, const char *arg) {
  TDM__CHECK(b->rows > (size_t)INT32_MAX || b->cols > (size_t)INT32_MAX, TDM_ERR_INVALID,
             "%s: %s: %zu x %zu exceeds the 2^31-1 dimension limit of BLAS", fn, arg, b->rows,
             b->cols);
  TDM__CHECK(b->ld > (size_t)INT32_MAX, TDM_ERR_INVALID,
             "%s: %s: leading dimension %zu exceeds the 2^31-1 limit of BLAS", fn, arg, b->ld);
  return TDM_OK;
}

static tdm_status tdm__check_sq(tdm_ctx *ctx, const tdm_buf *A, const char *fn) {
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__buf_check(ctx, A, fn, "A"));
  TDM__TRY(tdm__la_dtype(A, fn, "A"));
  TDM__TRY(tdm__la_dims(A, fn, "A"));
  TDM__CHECK(A->rows != A->cols, TDM_ERR_INVALID, "%s: A: %zu x %zu is not square", fn, A->rows,
             A->cols);
  return TDM_OK;
}

tdm_status tdm_gemm(tdm_ctx *ctx, tdm_trans ta, tdm_trans tb, double alpha, const tdm_buf *A,
                    const tdm_buf *B, double beta, tdm_buf *C) {
  static const char fn[] = "tdm_gemm";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__buf_check(ctx, A, fn, "A"));
  TDM__TRY(tdm__buf_check(ctx, B, fn, "B"));
  TDM__TRY(tdm__buf_check(ctx, C, fn, "C"));
  TDM__CHECK(ta != TDM_NOTRANS && ta != TDM_TRANS, TDM_ERR_INVALID, "%s: ta: %d is not a tdm_trans",
             fn, (int)ta);
  TDM__CHECK(tb != TDM_NOTRANS && tb != TDM_TRANS, TDM_ERR_INVALID, "%s: tb: %d is not a tdm_trans",
             fn, (int)tb);
  TDM__TRY(tdm__la_dtype(A, fn, "A"));
  TDM__TRY(tdm__same_dt(A, B, fn, "A", "B"));
  TDM__TRY(tdm__same_dt(A, C, fn, "A", "C"));
  TDM__TRY(tdm__la_dims(A, fn, "A"));
  TDM__TRY(tdm__la_dims(B, fn, "B"));
  TDM__TRY(tdm__la_dims(C, fn, "C"));
  size_t m = ta ? A->cols : A->rows, k = ta ? A->rows : A->cols;
  size_t kb = tb ? B->cols : B->rows, n = tb ? B->rows : B->cols;
  TDM__CHECK(k != kb, TDM_ERR_INVALID, "%s: op(A) is %zu x %zu but op(B) is %zu x %zu", fn, m, k, kb,
             n);
  TDM__CHECK(C->rows != m || C->cols != n, TDM_ERR_INVALID, "%s: C: %zu x %zu, expected %zu x %zu",
             fn, C->rows, C->cols, m, n);
  TDM__CHECK(tdm__buf_overlap(C, A) || tdm__buf_overlap(C, B), TDM_ERR_INVALID,
             "%s: C: must not alias A or B (share elements with them)", fn);
  tdm_buf *in[3] = {(tdm_buf *)A, (tdm_buf *)B, C};
  tdm__opcost cost = {2.0 * (double)m * (double)n * (double)k,
                      (double)(A->bytes + B->bytes + 2 * C->bytes)};
  tdm__exec ex = tdm__place(ctx, &cost, in, beta != 0.0 ? 3 : 2);
  const void *p[2];
  void *pc;
  tdm_status s = tdm__stage(ctx, &ex, 2, in, p, C, beta != 0.0, &pc);
  if (s == TDM_OK)
    s = ex.be->gemm(ex.st, A->dt, ta, tb, m, n, k, alpha, p[0], A->ld, p[1], B->ld, beta, pc, C->ld);
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(C, &ex);
  return TDM_OK;
}

tdm_status tdm_crossprod(tdm_ctx *ctx, const tdm_buf *X, tdm_buf *C) {
  static const char fn[] = "tdm_crossprod";
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  TDM__TRY(tdm__buf_check(ctx, X, fn, "X"));
  TDM__TRY(tdm__buf_check(ctx, C, fn, "C"));
  TDM__TRY(tdm__la_dtype(X, fn, "X"));
  TDM__TRY(tdm__same_dt(X, C, fn, "X", "C"));
  TDM__TRY(tdm__la_dims(X, fn, "X"));
  TDM__CHECK(C->rows != X->cols || C->cols != X->cols, TDM_ERR_INVALID,
             "%s: C: %zu x %zu, expected %zu x %zu (X is %zu x %zu)", fn, C->rows, C->cols, X->cols,
             X->cols, X->rows, X->cols);
  TDM__CHECK(tdm__buf_overlap(C, X), TDM_ERR_INVALID, "%s: C: must not alias X (share elements with it)", fn);
  tdm_buf *in[1] = {(tdm_buf *)X};
  tdm__opcost cost = {(double)X->rows * (double)X->cols * (double)X->cols,
                      (double)(X->bytes + C->bytes)};
  tdm__exec ex = tdm__place(ctx, &cost, in, 1);
  const void *px;
  void *pc;
  tdm_status s = tdm__stage(ctx, &ex, 1, in, &px, C, 0, &pc);
  if (s == TDM_OK) s = ex.be->crossprod(ex.st, X->dt, X->rows, X->cols, px, X->ld, pc, C->ld);
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(C, &ex);
  return TDM_OK;
}

tdm_status tdm_cholesky(tdm_ctx *ctx, tdm_buf *A) {
  static const char fn[] = "tdm_cholesky";
  TDM__TRY(tdm__check_sq(ctx, A, fn));
  tdm__opcost cost = {(double)A->rows * (double)A->rows * (double)A->rows / 3.0,
                      2.0 * (double)A->bytes};
  tdm__exec ex = tdm__place(ctx, &cost, &A, 1);
  void *pa;
  tdm_status s = tdm__buf_out(ctx, &ex, A, 1, &pa);
  if (s == TDM_OK) s = ex.be->cholesky(ex.st, A->dt, A->rows, pa, A->ld);
  if (s == TDM_OK || s == TDM_ERR_NUMERIC) tdm__buf_done(A, &ex); /* A was written either way */
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  return TDM_OK;
}

tdm_status tdm_solve_spd(tdm_ctx *ctx, tdm_buf *A, tdm_buf *B) {
  static const char fn[] = "tdm_solve_spd";
  TDM__TRY(tdm__check_sq(ctx, A, fn));
  TDM__TRY(tdm__buf_check(ctx, B, fn, "B"));
  TDM__TRY(tdm__same_dt(A, B, fn, "A", "B"));
  TDM__TRY(tdm__la_dims(B, fn, "B"));
  TDM__CHECK(B->rows != A->rows, TDM_ERR_INVALID, "%s: B: %zu rows, A is %zu x %zu", fn, B->rows,
             A->rows, A->cols);
  TDM__CHECK(tdm__buf_overlap(B, A), TDM_ERR_INVALID, "%s: B: must not alias A (share elements with it)", fn);
  tdm_buf *in[2] = {A, B};
  double n = (double)A->rows;
  tdm__opcost cost = {n * n * n / 3.0 + 2.0 * n * n * (double)B->cols,
                      2.0 * (double)(A->bytes + B->bytes)};
  tdm__exec ex = tdm__place(ctx, &cost, in, 2);
  void *pa, *pb;
  tdm_status s = tdm__buf_out(ctx, &ex, A, 1, &pa);
  if (s == TDM_OK) s = tdm__buf_out(ctx, &ex, B, 1, &pb);
  if (s == TDM_OK) s = ex.be->solve_spd(ex.st, A->dt, A->rows, B->cols, pa, A->ld, pb, B->ld);
  if (s == TDM_OK || s == TDM_ERR_NUMERIC) {
    tdm__buf_done(A, &ex);
    tdm__buf_done(B, &ex);
  }
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  return TDM_OK;
}
