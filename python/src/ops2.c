/* ops2.c -- Context methods for the second wave of C calls (copies and
 * indexing, statistics, model-fitting linear algebra). Each C call is
 * referenced weakly (tdmpy.h): a libtandem that does not have it yet
 * raises tandem.UnsupportedError naming the call, and the same extension
 * works unchanged once the call lands. One function per call. */
#include <string.h>

#include "tdmpy.h"

#define TDMPY_NEED(fn)                                                         \
  do {                                                                         \
    if (!(fn)) {                                                               \
      PyErr_SetString(tdmpy_status_class(TDM_ERR_UNSUPPORTED),                 \
                      "tandem: this libtandem has no " #fn " yet");            \
      return NULL;                                                             \
    }                                                                          \
  } while (0)

/* Runs a C call with the GIL released; raises on failure. */
#define TDMPY_RUN(call)                                                        \
  do {                                                                         \
    tdm_status tdmpy_s_;                                                       \
    TDMPY_NOGIL(tdmpy_s_ = (call));                                            \
    if (tdmpy_s_ != TDM_OK) {                                                  \
      tdmpy_raise(tdmpy_s_);                                                   \
      goto done;                                                               \
    }                                                                          \
  } while (0)

/* ops: one name (single) or a sequence of at most 32. */
static int tdmpy_ops_list(PyObject *o, const char *dflt, tdm_reduce_op ops[32], size_t *n, int *single) {
  if (!o) {
    PyObject *d = PyUnicode_FromString(dflt);
    int r = d ? tdmpy_op_of(d, &ops[0]) : -1;
    Py_XDECREF(d);
    *n = 1, *single = 1;
    return r;
  }
  if (PyUnicode_Check(o)) {
    *n = 1, *single = 1;
    return tdmpy_op_of(o, &ops[0]);
  }
  *single = 0;
  PyObject *seq = PySequence_Fast(o, "tandem: ops is a str or a sequence of str");
  if (!seq) return -1;
  Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
  int r = 0;
  if (k < 1 || k > 32) {
    PyErr_SetString(PyExc_ValueError, "tandem: 1 to 32 ops");
    r = -1;
  }
  for (Py_ssize_t i = 0; r == 0 && i < k; i++) r = tdmpy_op_of(PySequence_Fast_GET_ITEM(seq, i), &ops[i]);
  Py_DECREF(seq);
  *n = (size_t)k;
  return r;
}

static PyObject *tdmpy_floats(const double *v, size_t n, int single) {
  if (single) return PyFloat_FromDouble(v[0]);
  PyObject *t = PyTuple_New((Py_ssize_t)n);
  for (size_t i = 0; t && i < n; i++) PyTuple_SET_ITEM(t, (Py_ssize_t)i, PyFloat_FromDouble(v[i]));
  return t;
}

static size_t tdmpy_n(const TdmArray *a) { return a->rows * a->cols; }

/* out= if given, else a new rows x cols array of Python ndim. */
static TdmArray *tdmpy_result(TdmContext *c, PyObject *outo, size_t rows, size_t cols, int ndim,
                              tdm_dtype dt, int zero) {
  TdmArray *out;
  if (tdmpy_out_arg(c, outo, &out) < 0) return NULL;
  return out ? out : tdmpy_matrix(c, rows, cols, ndim, dt, zero);
}

PyObject *tdmpy_copy2(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"x", "dtype", "out", NULL};
  PyObject *xo, *dto = Py_None, *outo = NULL, *ret = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OO:copy", kws, &xo, &dto, &outo)) return NULL;
  TDMPY_NEED(tdm_copy);
  tdm_ctx *ctx = tdmpy_ctx(c);
  TdmArray *x = ctx ? tdmpy_asarray(c, xo, -1) : NULL, *out = NULL;
  tdm_dtype dt;
  if (!x || tdmpy_dtype_from(dto, x->dt, &dt) < 0) goto done;
  if (!(out = tdmpy_result(c, outo, x->rows, x->cols, x->ndim, dt, 0))) goto done;
  TDMPY_RUN(tdm_copy(ctx, x->buf, out->buf));
  ret = Py_NewRef(out);
done:
  Py_XDECREF(x);
  Py_XDECREF(out);
  return ret;
}

PyObject *tdmpy_take(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"x", "idx", "axis", "out", NULL};
  PyObject *xo, *io, *outo = NULL, *ret = NULL;
  int axis = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|iO:take", kws, &xo, &io, &axis, &outo)) return NULL;
  TDMPY_NEED(tdm_take);
  tdm_ctx *ctx = tdmpy_ctx(c);
  TdmArray *x = ctx ? tdmpy_asarray(c, xo, -1) : NULL, *idx = NULL, *out = NULL;
  if (!x || !(idx = tdmpy_asarray(c, io, -1))) goto done;
  size_t k = tdmpy_n(idx);
  out = tdmpy_result(c, outo, axis == 1 ? x->rows : k, axis == 1 ? k : x->cols,
                     x->ndim == 1 && axis == 0 ? 1 : 2, x->dt, 0);
  if (!out) goto done;
  TDMPY_RUN(tdm_take(ctx, x->buf, axis, idx->buf, out->buf));
  ret = Py_NewRef(out);
done:
  Py_XDECREF(x);
  Py_XDECREF(idx);
  Py_XDECREF(out);
  return ret;
}

/* nonzero(mask) -> numpy int64 array of column-major positions. */
PyObject *tdmpy_nonzero(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"mask", NULL};
  PyObject *mo, *ret = NULL, *npv = NULL, *part = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O:nonzero", kws, &mo)) return NULL;
  TDMPY_NEED(tdm_nonzero);
  tdm_ctx *ctx = tdmpy_ctx(c);
  TdmArray *m = ctx ? tdmpy_asarray(c, mo, -1) : NULL, *idx = NULL;
  size_t count = 0;
  if (!m || !(idx = tdmpy_matrix(c, tdmpy_n(m), 1, 1, TDM_I64, 0))) goto done;
  TDMPY_RUN(tdm_nonzero(ctx, m->buf, idx->buf, &count));
  if (!(npv = PyObject_CallMethod((PyObject *)idx, "numpy", NULL))) goto done;
  if (!(part = PySequence_GetSlice(npv, 0, (Py_ssize_t)count))) goto done;
  ret = PyObject_CallMethod(part, "copy", NULL);
done:
  Py_XDECREF(m);
  Py_XDECREF(idx);
  Py_XDECREF(npv);
  Py_XDECREF(part);
  return ret;
}

PyObject *tdmpy_eval_reduce(TdmContext *c, PyObject *const *args, Py_ssize_t nargs,
                            PyObject *kwnames) {
  if (nargs != 1 || !PyUnicode_Check(args[0])) {
    PyErr_SetString(PyExc_TypeError, "eval_reduce(src, /, ops='sum', **inputs): src is a str");
    return NULL;
  }
  TDMPY_NEED(tdm_eval_reduce);
  tdm_ctx *ctx = tdmpy_ctx(c);
  const char *src = ctx ? PyUnicode_AsUTF8(args[0]) : NULL;
  if (!src) return NULL;
  static const char *const reserved[] = {"ops", NULL};
  PyObject *rv[1] = {NULL}, *ret = NULL;
  tdmpy_inputs in;
  tdm_reduce_op ops[32];
  double r[32];
  size_t nops;
  int single;
  if (tdmpy_inputs_parse(c, args + nargs, kwnames, reserved, rv, &in) < 0) goto done;
  if (tdmpy_ops_list(rv[0], "sum", ops, &nops, &single) < 0) goto done;
  if (tdmpy_inputs_numbers(ctx, &in, in.narr && in.all_f32 ? TDM_F32 : TDM_F64) < 0) goto done;
  TDMPY_RUN(tdm_eval_reduce(ctx, src, in.names, in.in, nops, ops, r));
  ret = tdmpy_floats(r, nops, single);
done:
  tdmpy_inputs_free(&in);
  return ret;
}

PyObject *tdmpy_reduce_axis(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"x", "axis", "op", "dtype", "out", NULL};
  PyObject *xo, *opo = NULL, *dto = Py_None, *outo = NULL, *ret = NULL;
  int axis = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|iOOO:reduce_axis", kws, &xo, &axis, &opo, &dto, &outo))
    return NULL;
  TDMPY_NEED(tdm_reduce_axis);
  tdm_ctx *ctx = tdmpy_ctx(c);
  TdmArray *x = ctx ? tdmpy_asarray(c, xo, -1) : NULL, *out = NULL;
  tdm_reduce_op op = TDM_SUM;
  tdm_dtype dt;
  if (!x || (opo && tdmpy_op_of(opo, &op) < 0) || tdmpy_dtype_from(dto, TDM_F64, &dt) < 0) goto done;
  out = tdmpy_result(c, outo, axis == 1 ? x->rows : 1, axis == 1 ? 1 : x->cols, 1, dt, 0);
  if (!out) goto done;
  TDMPY_RUN(tdm_reduce_axis(ctx, x->buf, axis, op, out->buf));
  ret = Py_NewRef(out);
done:
  Py_XDECREF(x);
  Py_XDECREF(out);
  return ret;
}

PyObject *tdmpy_group_stats(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"x", "groups", "ngroups", "ops", "out", NULL};
  PyObject *xo, *go, *opso = NULL, *outo = NULL, *ret = NULL;
  Py_ssize_t ng;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OOn|OO:group_stats", kws, &xo, &go, &ng, &opso, &outo))
    return NULL;
  TDMPY_NEED(tdm_group_stats);
  tdm_ctx *ctx = tdmpy_ctx(c);
  TdmArray *x = ctx ? tdmpy_asarray(c, xo, -1) : NULL, *g = NULL, *out = NULL;
  tdm_reduce_op ops[32];
  size_t nops;
  int single;
  if (!x || !(g = tdmpy_asarray(c, go, -1))) goto done;
  if (tdmpy_ops_list(opso, "mean", ops, &nops, &single) < 0) goto done;
  if (ng <= 0) {
    PyErr_SetString(tdmpy_status_class(TDM_ERR_INVALID), "group_stats: ngroups: must be > 0");
    goto done;
  }
  if (!(out = tdmpy_result(c, outo, (size_t)ng, nops, 2, TDM_F64, 0))) goto done;
  TDMPY_RUN(tdm_group_stats(ctx, x->buf, g->buf, (size_t)ng, nops, ops, out->buf));
  ret = Py_NewRef(out);
done:
  Py_XDECREF(x);
  Py_XDECREF(g);
  Py_XDECREF(out);
  return ret;
}

PyObject *tdmpy_sort(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"x", "overwrite", NULL};
  PyObject *xo, *ret = NULL;
  int ow = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|p:sort", kws, &xo, &ow)) return NULL;
  TDMPY_NEED(tdm_sort);
  tdm_ctx *ctx = tdmpy_ctx(c);
  TdmArray *x = ctx ? tdmpy_inplace(c, xo, ow, "x") : NULL;
  if (!x) return NULL;
  TDMPY_RUN(tdm_sort(ctx, x->buf));
  ret = Py_NewRef(x);
done:
  Py_DECREF(x);
  return ret;
}

PyObject *tdmpy_argsort(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"x", "dtype", "out", NULL};
  PyObject *xo, *dto = Py_None, *outo = NULL, *ret = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OO:argsort", kws, &xo, &dto, &outo)) return NULL;
  TDMPY_NEED(tdm_argsort);
  tdm_ctx *ctx = tdmpy_ctx(c);
  TdmArray *x = ctx ? tdmpy_asarray(c, xo, -1) : NULL, *out = NULL;
  tdm_dtype dt;
  if (!x || tdmpy_dtype_from(dto, TDM_I64, &dt) < 0) goto done;
  if (!(out = tdmpy_result(c, outo, tdmpy_n(x), 1, 1, dt, 0))) goto done;
  TDMPY_RUN(tdm_argsort(ctx, x->buf, out->buf));
  ret = Py_NewRef(out);
done:
  Py_XDECREF(x);
  Py_XDECREF(out);
  return ret;
}

PyObject *tdmpy_quantile(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"x", "q", "out", NULL};
  PyObject *xo, *qo, *outo = NULL, *ret = NULL, *seq = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|O:quantile", kws, &xo, &qo, &outo)) return NULL;
  TDMPY_NEED(tdm_quantile);
  tdm_ctx *ctx = tdmpy_ctx(c);
  TdmArray *x = ctx ? tdmpy_asarray(c, xo, -1) : NULL, *out = NULL;
  double q[256];
  Py_ssize_t nq = 0;
  if (!x) goto done;
  if (PyFloat_Check(qo) || PyLong_Check(qo)) {
    q[0] = PyFloat_AsDouble(qo);
    nq = 1;
  } else {
    if (!(seq = PySequence_Fast(qo, "quantile: q is a number or a sequence of numbers"))) goto done;
    nq = PySequence_Fast_GET_SIZE(seq);
    if (nq < 1 || nq > 256) {
      PyErr_SetString(PyExc_ValueError, "quantile: 1 to 256 probabilities");
      goto done;
    }
    for (Py_ssize_t i = 0; i < nq; i++) q[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(seq, i));
  }
  if (PyErr_Occurred()) goto done;
  if (!(out = tdmpy_result(c, outo, (size_t)nq, x->cols, x->ndim == 2 ? 2 : 1, TDM_F64, 0))) goto done;
  TDMPY_RUN(tdm_quantile(ctx, x->buf, (size_t)nq, q, out->buf));
  ret = Py_NewRef(out);
done:
  Py_XDECREF(seq);
  Py_XDECREF(x);
  Py_XDECREF(out);
  return ret;
}

PyObject *tdmpy_gemv(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"A", "x", "alpha", "beta", "out", "trans", NULL};
  PyObject *ao, *xo, *outo = NULL, *ret = NULL;
  double alpha = 1.0, beta = 0.0;
  int tr = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|ddOp:gemv", kws, &ao, &xo, &alpha, &beta, &outo, &tr))
    return NULL;
  TDMPY_NEED(tdm_gemv);
  tdm_ctx *ctx = tdmpy_ctx(c);
  TdmArray *A = ctx ? tdmpy_asarray(c, ao, -1) : NULL, *x = NULL, *y = NULL;
  if (!A || !(x = tdmpy_asarray(c, xo, -1))) goto done;
  if (!(y = tdmpy_result(c, outo, tr ? A->cols : A->rows, 1, 1, A->dt, beta != 0))) goto done;
  TDMPY_RUN(tdm_gemv(ctx, tr ? TDM_TRANS : TDM_NOTRANS, alpha, A->buf, x->buf, beta, y->buf));
  ret = Py_NewRef(y);
done:
  Py_XDECREF(A);
  Py_XDECREF(x);
  Py_XDECREF(y);
  return ret;
}

PyObject *tdmpy_crossprod_w(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"X", "w", "out", NULL};
  PyObject *xo, *wo, *outo = NULL, *ret = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|O:crossprod_w", kws, &xo, &wo, &outo)) return NULL;
  TDMPY_NEED(tdm_crossprod_w);
  tdm_ctx *ctx = tdmpy_ctx(c);
  TdmArray *X = ctx ? tdmpy_asarray(c, xo, -1) : NULL, *w = NULL, *C = NULL;
  if (!X || !(w = tdmpy_asarray(c, wo, -1))) goto done;
  if (!(C = tdmpy_result(c, outo, X->cols, X->cols, 2, X->dt, 0))) goto done;
  TDMPY_RUN(tdm_crossprod_w(ctx, X->buf, w->buf, C->buf));
  ret = Py_NewRef(C);
done:
  Py_XDECREF(X);
  Py_XDECREF(w);
  Py_XDECREF(C);
  return ret;
}

PyObject *tdmpy_solve_tri(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"R", "B", "trans", "overwrite", NULL};
  PyObject *ro, *bo, *ret = NULL;
  int tr = 0, ow = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|pp:solve_tri", kws, &ro, &bo, &tr, &ow)) return NULL;
  TDMPY_NEED(tdm_solve_tri);
  tdm_ctx *ctx = tdmpy_ctx(c);
  TdmArray *R = ctx ? tdmpy_asarray(c, ro, -1) : NULL, *B = NULL;
  if (!R || !(B = tdmpy_inplace(c, bo, ow, "B"))) goto done;
  TDMPY_RUN(tdm_solve_tri(ctx, tr ? TDM_TRANS : TDM_NOTRANS, R->buf, B->buf));
  ret = Py_NewRef(B);
done:
  Py_XDECREF(R);
  Py_XDECREF(B);
  return ret;
}

PyObject *tdmpy_chol_inverse(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"R", "out", NULL};
  PyObject *ro, *outo = NULL, *ret = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:chol_inverse", kws, &ro, &outo)) return NULL;
  TDMPY_NEED(tdm_chol_inverse);
  tdm_ctx *ctx = tdmpy_ctx(c);
  TdmArray *R = ctx ? tdmpy_asarray(c, ro, -1) : NULL, *out = NULL;
  if (!R || !(out = tdmpy_result(c, outo, R->rows, R->cols, 2, R->dt, 0))) goto done;
  TDMPY_RUN(tdm_chol_inverse(ctx, R->buf, out->buf));
  ret = Py_NewRef(out);
done:
  Py_XDECREF(R);
  Py_XDECREF(out);
  return ret;
}

PyObject *tdmpy_lstsq(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"X", "Y", "out", NULL};
  PyObject *xo, *yo, *outo = NULL, *ret = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|O:lstsq", kws, &xo, &yo, &outo)) return NULL;
  TDMPY_NEED(tdm_lstsq);
  tdm_ctx *ctx = tdmpy_ctx(c);
  TdmArray *X = ctx ? tdmpy_asarray(c, xo, -1) : NULL, *Y = NULL, *B = NULL;
  if (!X || !(Y = tdmpy_asarray(c, yo, -1))) goto done;
  if (!(B = tdmpy_result(c, outo, X->cols, Y->cols, Y->ndim == 2 ? 2 : 1, X->dt, 0))) goto done;
  TDMPY_RUN(tdm_lstsq(ctx, X->buf, Y->buf, B->buf));
  ret = Py_NewRef(B);
done:
  Py_XDECREF(X);
  Py_XDECREF(Y);
  Py_XDECREF(B);
  return ret;
}

PyObject *tdmpy_eigh(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"A", "vectors", NULL};
  PyObject *ao, *ret = NULL;
  int vec = 1;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|p:eigh", kws, &ao, &vec)) return NULL;
  TDMPY_NEED(tdm_eigh);
  tdm_ctx *ctx = tdmpy_ctx(c);
  TdmArray *A = ctx ? tdmpy_asarray(c, ao, -1) : NULL, *w = NULL, *V = NULL;
  if (!A || !(w = tdmpy_matrix(c, A->rows, 1, 1, A->dt, 0))) goto done;
  if (vec && !(V = tdmpy_matrix(c, A->rows, A->rows, 2, A->dt, 0))) goto done;
  TDMPY_RUN(tdm_eigh(ctx, A->buf, w->buf, V ? V->buf : NULL));
  ret = vec ? PyTuple_Pack(2, (PyObject *)w, (PyObject *)V) : Py_NewRef(w);
done:
  Py_XDECREF(A);
  Py_XDECREF(w);
  Py_XDECREF(V);
  return ret;
}

PyObject *tdmpy_svd(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"X", "vectors", NULL};
  PyObject *xo, *ret = NULL;
  int vec = 1;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|p:svd", kws, &xo, &vec)) return NULL;
  TDMPY_NEED(tdm_svd);
  tdm_ctx *ctx = tdmpy_ctx(c);
  TdmArray *X = ctx ? tdmpy_asarray(c, xo, -1) : NULL, *U = NULL, *s = NULL, *Vt = NULL;
  if (!X) goto done;
  size_t k = X->rows < X->cols ? X->rows : X->cols;
  if (!(s = tdmpy_matrix(c, k, 1, 1, X->dt, 0))) goto done;
  if (vec && (!(U = tdmpy_matrix(c, X->rows, k, 2, X->dt, 0)) ||
              !(Vt = tdmpy_matrix(c, k, X->cols, 2, X->dt, 0))))
    goto done;
  TDMPY_RUN(tdm_svd(ctx, X->buf, U ? U->buf : NULL, s->buf, Vt ? Vt->buf : NULL));
  ret = vec ? PyTuple_Pack(3, (PyObject *)U, (PyObject *)s, (PyObject *)Vt) : Py_NewRef(s);
done:
  Py_XDECREF(X);
  Py_XDECREF(U);
  Py_XDECREF(s);
  Py_XDECREF(Vt);
  return ret;
}
