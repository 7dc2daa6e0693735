/* fit_int.h -- the argument checks shared by the model-fitting calls
 * (fit.c, fit_decomp.c): dtype, BLAS's int dimensions, shapes, vectors
 * (n x 1 or 1 x n; a 1 x n view steps by its ld) and aliasing. */
#ifndef TDM_FIT_INT_H
#define TDM_FIT_INT_H

#include "core/buf_int.h"
#include "core/error.h"

static inline tdm_status tdm__fit_mat(tdm_ctx *ctx, const tdm_buf *b, const char *fn,
                                      const char *arg) {
  TDM__TRY(tdm__buf_check(ctx, b, fn, arg));
  TDM__CHECK(b->dt != TDM_F32 && b->dt != TDM_F64, TDM_ERR_INVALID,
             "%s: %s: dtype %s, expected f32 or f64", fn, arg, tdm_dtype_name(b->dt));
  TDM__CHECK(b->rows > (size_t)INT32_MAX || b->cols > (size_t)INT32_MAX ||
                 b->ld > (size_t)INT32_MAX,
             TDM_ERR_INVALID, "%s: %s: %zu x %zu exceeds the 2^31-1 dimension limit of BLAS", fn,
             arg, b->rows, b->cols);
  return TDM_OK;
}

/* b is a, or has a's dtype. */
static inline tdm_status tdm__fit_same(const tdm_buf *a, const tdm_buf *b, const char *fn,
                                       const char *an, const char *bn) {
  TDM__CHECK(a->dt != b->dt, TDM_ERR_INVALID,
             "%s: %s is %s but %s is %s (all operands one dtype)", fn, bn, tdm_dtype_name(b->dt),
             an, tdm_dtype_name(a->dt));
  return TDM_OK;
}

static inline tdm_status tdm__fit_shape(const tdm_buf *b, size_t r, size_t c, const char *fn,
                                        const char *arg, const char *why) {
  TDM__CHECK(b->rows != r || b->cols != c, TDM_ERR_INVALID, "%s: %s: %zu x %zu, expected %zu x %zu%s",
             fn, arg, b->rows, b->cols, r, c, why);
  return TDM_OK;
}

/* A vector of len elements: len x 1 or 1 x len. */
static inline tdm_status tdm__fit_vec(const tdm_buf *b, size_t len, const char *fn,
                                      const char *arg, const char *why) {
  TDM__CHECK(!(b->cols == 1 && b->rows == len) && !(b->rows == 1 && b->cols == len),
             TDM_ERR_INVALID, "%s: %s: %zu x %zu, expected a vector of %zu elements (%zu x 1)%s",
             fn, arg, b->rows, b->cols, len, len, why);
  return TDM_OK;
}

/* Elements between consecutive entries of a vector. */
static inline size_t tdm__fit_inc(const tdm_buf *b) { return b->rows == 1 && b->cols > 1 ? b->ld : 1; }

static inline tdm_status tdm__fit_noalias(const tdm_buf *out, const tdm_buf *in, const char *fn,
                                          const char *on, const char *inn) {
  TDM__CHECK(out && in && out == in, TDM_ERR_INVALID, "%s: %s: must not alias %s", fn, on, inn);
  return TDM_OK;
}

static inline tdm_status tdm__fit_trans(tdm_trans t, const char *fn, const char *arg) {
  TDM__CHECK(t != TDM_NOTRANS && t != TDM_TRANS, TDM_ERR_INVALID, "%s: %s: %d is not a tdm_trans",
             fn, arg, (int)t);
  return TDM_OK;
}

#endif
