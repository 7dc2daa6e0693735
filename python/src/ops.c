/* ops.c -- the Context methods that run tandem ops: eval (expressions over
 * keyword inputs, numbers broadcast), reductions, group reduce, and the
 * linear algebra calls, plus the Array methods built on them (a.sum(),
 * a @ b). Inputs are anything tandem.asarray takes; every op runs with the
 * GIL released. Binding a new C call is one function here and one line in
 * the Context's method table (context.c). */
#include <string.h>

#include "tdmpy.h"


/* out=: an Array of this context that may be written, or NULL for "make one". */
int tdmpy_out_arg(TdmContext *c, PyObject *o, TdmArray **out) {
  *out = NULL;
  if (!o || o == Py_None) return 0;
  if (!Py_IS_TYPE(o, &TdmArray_Type) || ((TdmArray *)o)->ctx != tdmpy_root(c)) {
    PyErr_SetString(PyExc_TypeError, "tandem: out must be a tandem.Array of this context");
    return -1;
  }
  if (tdmpy_writable((TdmArray *)o, "out") < 0) return -1;
  *out = (TdmArray *)Py_NewRef(o);
  return 0;
}

static int tdmpy_is_number(PyObject *v) {
  return PyFloat_Check(v) || PyLong_Check(v);
}

void tdmpy_inputs_free(tdmpy_inputs *in) {
  for (int i = 0; i < in->nin; i++) {
    Py_CLEAR(in->arr[i]);
    tdm_buf_destroy(in->tmp[i]);
    in->tmp[i] = NULL;
  }
  in->nin = 0;
}

int tdmpy_inputs_parse(TdmContext *c, PyObject *const *kwv, PyObject *kwnames,
                       const char *const *reserved, PyObject **rvals, tdmpy_inputs *in) {
  memset(in, 0, sizeof *in);
  in->all_f32 = 1;
  Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  size_t nl = 0;
  for (Py_ssize_t i = 0; i < nkw; i++) {
    PyObject *v = kwv[i];
    Py_ssize_t klen;
    const char *ks = PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(kwnames, i), &klen);
    if (!ks) return -1;
    int r = -1;
    for (int k = 0; reserved && reserved[k]; k++)
      if (!strcmp(ks, reserved[k])) r = k;
    if (r >= 0) {
      rvals[r] = v;
      continue;
    }
    if (in->nin == TDMPY_MAX_IN) {
      PyErr_Format(tdmpy_status_class(TDM_ERR_INVALID), "tandem: at most %d expression inputs",
                   TDMPY_MAX_IN);
      return -1;
    }
    if (nl + (size_t)klen + 2 > sizeof in->names) {
      PyErr_SetString(PyExc_ValueError, "tandem: expression input names too long");
      return -1;
    }
    if (nl) in->names[nl++] = ',';
    memcpy(in->names + nl, ks, (size_t)klen + 1);
    nl += (size_t)klen;
    int k = in->nin++;
    in->vals[k] = v;
    if (!tdmpy_is_number(v)) {
      if (!(in->arr[k] = tdmpy_asarray(c, v, -1))) return -1;
      in->in[k] = in->arr[k]->buf;
      if (in->arr[k]->dt != TDM_F32) in->all_f32 = 0;
      in->narr++;
    }
  }
  return 0;
}

int tdmpy_inputs_numbers(tdm_ctx *ctx, tdmpy_inputs *in, tdm_dtype dt) {
  for (int i = 0; i < in->nin; i++) {
    if (in->arr[i]) continue;
    double d = PyFloat_AsDouble(in->vals[i]);
    if (d == -1.0 && PyErr_Occurred()) return -1;
    tdm_status s;
    if (dt == TDM_F32) {
      in->fv[i] = (float)d;
      s = tdm_buf_wrap(ctx, TDM_F32, 1, 1, &in->fv[i], &in->tmp[i]);
    } else {
      in->dv[i] = d;
      s = tdm_buf_wrap(ctx, TDM_F64, 1, 1, &in->dv[i], &in->tmp[i]);
    }
    if (s != TDM_OK) {
      tdmpy_raise(s);
      return -1;
    }
    in->in[i] = in->tmp[i];
  }
  return 0;
}

PyObject *tdmpy_eval(TdmContext *c, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
  if (nargs != 1 || !PyUnicode_Check(args[0])) {
    PyErr_SetString(PyExc_TypeError, "eval(src, /, out=None, dtype=None, **inputs): src is a str");
    return NULL;
  }
  tdm_ctx *ctx = tdmpy_ctx(c);
  if (!ctx) return NULL;
  const char *src = PyUnicode_AsUTF8(args[0]);
  if (!src) return NULL;
  static const char *const reserved[] = {"out", "dtype", NULL};
  PyObject *rv[2] = {NULL, NULL};
  tdmpy_inputs in;
  TdmArray *out = NULL;
  PyObject *ret = NULL;
  if (tdmpy_inputs_parse(c, args + nargs, kwnames, reserved, rv, &in) < 0) goto done;
  if (tdmpy_out_arg(c, rv[0], &out) < 0) goto done;
  tdm_dtype odt;
  if (out) odt = out->dt;
  else if (tdmpy_dtype_from(rv[1], in.narr && in.all_f32 ? TDM_F32 : TDM_F64, &odt) < 0) goto done;
  if (tdmpy_inputs_numbers(ctx, &in, odt) < 0) goto done;
  if (!out) {
    TdmArray *like = NULL;
    for (int i = 0; i < in.nin; i++)
      if (in.arr[i] && (!like || in.arr[i]->rows * in.arr[i]->cols > like->rows * like->cols))
        like = in.arr[i];
    Py_ssize_t one[2] = {1, 1};
    out = tdmpy_array_new(c, odt, like ? like->ndim : 0, like ? like->shape : one, 0);
    if (!out) goto done;
  }
  tdm_status s;
  TDMPY_NOGIL(s = tdm_eval(ctx, src, in.names, out->buf, in.in));
  if (s != TDM_OK) {
    tdmpy_raise(s);
    goto done;
  }
  ret = (PyObject *)out;
  out = NULL;
done:
  Py_XDECREF(out);
  tdmpy_inputs_free(&in);
  return ret;
}

/* ---- reductions -------------------------------------------------------------- */
static const struct {
  const char *name;
  tdm_reduce_op op;
} tdmpy_ops_names[] = {
    {"sum", TDM_SUM}, {"mean", TDM_MEAN}, {"min", TDM_MIN},   {"max", TDM_MAX},
    {"var", TDM_VAR}, {"sd", TDM_SD},     {"std", TDM_SD},     {"count", TDM_COUNT},
};

int tdmpy_op_of(PyObject *o, tdm_reduce_op *op) {
  const char *s = PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;
  if (s)
    for (size_t i = 0; i < sizeof tdmpy_ops_names / sizeof tdmpy_ops_names[0]; i++)
      if (!strcmp(s, tdmpy_ops_names[i].name)) {
        *op = tdmpy_ops_names[i].op;
        return 0;
      }
  PyErr_Format(tdmpy_status_class(TDM_ERR_INVALID),
               "tandem: %R is not a reduction (sum, mean, min, max, var, sd, count)", o);
  return -1;
}

PyObject *tdmpy_array_reduce1(TdmArray *a, tdm_reduce_op op) {
  double r;
  tdm_status s;
  TDMPY_NOGIL(s = tdm_reduce(a->ctx->ctx, a->buf, 1, &op, &r));
  return s == TDM_OK ? PyFloat_FromDouble(r) : tdmpy_raise(s);
}

PyObject *tdmpy_reduce(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"x", "ops", NULL};
  PyObject *xo, *opso = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:reduce", kws, &xo, &opso)) return NULL;
  tdm_ctx *ctx = tdmpy_ctx(c);
  if (!ctx) return NULL;
  tdm_reduce_op ops[32];
  double r[32];
  size_t nops = 1;
  int single = !opso || PyUnicode_Check(opso);
  if (!opso) ops[0] = TDM_SUM;
  else if (single) {
    if (tdmpy_op_of(opso, &ops[0]) < 0) return NULL;
  } else {
    PyObject *seq = PySequence_Fast(opso, "reduce: ops is a str or a sequence of str");
    if (!seq) return NULL;
    nops = (size_t)PySequence_Fast_GET_SIZE(seq);
    if (nops > 32) nops = 33;
    for (size_t i = 0; i < nops && nops <= 32; i++)
      if (tdmpy_op_of(PySequence_Fast_GET_ITEM(seq, i), &ops[i]) < 0) {
        Py_DECREF(seq);
        return NULL;
      }
    Py_DECREF(seq);
    if (nops > 32) {
      PyErr_SetString(PyExc_ValueError, "reduce: at most 32 ops at once");
      return NULL;
    }
  }
  TdmArray *x = tdmpy_asarray(c, xo, -1);
  if (!x) return NULL;
  tdm_status s;
  TDMPY_NOGIL(s = tdm_reduce(ctx, x->buf, nops, ops, r));
  Py_DECREF(x);
  if (s != TDM_OK) return tdmpy_raise(s);
  if (single) return PyFloat_FromDouble(r[0]);
  PyObject *t = PyTuple_New((Py_ssize_t)nops);
  for (size_t i = 0; t && i < nops; i++) PyTuple_SET_ITEM(t, (Py_ssize_t)i, PyFloat_FromDouble(r[i]));
  return t;
}

PyObject *tdmpy_group_reduce(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"x", "groups", "ngroups", "op", "out", NULL};
  PyObject *xo, *go, *opo = NULL, *outo = NULL;
  Py_ssize_t ng;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OOn|OO:group_reduce", kws, &xo, &go, &ng, &opo, &outo))
    return NULL;
  tdm_ctx *ctx = tdmpy_ctx(c);
  if (!ctx) return NULL;
  tdm_reduce_op op = TDM_SUM;
  if (opo && tdmpy_op_of(opo, &op) < 0) return NULL;
  if (ng <= 0) {
    PyErr_SetString(tdmpy_status_class(TDM_ERR_INVALID), "group_reduce: ngroups: must be > 0");
    return NULL;
  }
  TdmArray *out = NULL, *x = NULL, *g = NULL;
  PyObject *ret = NULL;
  if (tdmpy_out_arg(c, outo, &out) < 0) return NULL;
  if (!(x = tdmpy_asarray(c, xo, -1)) || !(g = tdmpy_asarray(c, go, -1))) goto done;
  if (!out) {
    Py_ssize_t sh[1] = {ng};
    if (!(out = tdmpy_array_new(c, TDM_F64, 1, sh, 0))) goto done;
  }
  tdm_status s;
  TDMPY_NOGIL(s = tdm_group_reduce(ctx, x->buf, g->buf, (size_t)ng, op, out->buf));
  if (s != TDM_OK) {
    tdmpy_raise(s);
    goto done;
  }
  ret = Py_NewRef(out);
done:
  Py_XDECREF(out);
  Py_XDECREF(x);
  Py_XDECREF(g);
  return ret;
}

/* ---- linear algebra --------------------------------------------------------------- */
TdmArray *tdmpy_matrix(TdmContext *c, size_t rows, size_t cols, int ndim, tdm_dtype dt,
                              int zero) {
  Py_ssize_t sh[2] = {(Py_ssize_t)rows, (Py_ssize_t)cols};
  TdmArray *a = tdmpy_array_new(c, dt, 2, sh, zero);
  if (a) tdmpy_set_ndim(a, ndim);
  return a;
}

static PyObject *tdmpy_gemm_core(TdmContext *c, PyObject *ao, PyObject *bo, double alpha,
                                 double beta, PyObject *outo, int ta, int tb, int *ndim_out) {
  tdm_ctx *ctx = tdmpy_ctx(c);
  if (!ctx) return NULL;
  TdmArray *A = NULL, *B = NULL, *C = NULL;
  PyObject *ret = NULL;
  if (tdmpy_out_arg(c, outo, &C) < 0) return NULL;
  if (!(A = tdmpy_asarray(c, ao, -1)) || !(B = tdmpy_asarray(c, bo, -1))) goto done;
  if (!C) {
    size_t m = ta ? A->cols : A->rows, n = tb ? B->rows : B->cols;
    int nd = ndim_out ? *ndim_out : (B->ndim == 1 && !tb ? 1 : 2);
    if (!(C = tdmpy_matrix(c, m, n, nd, A->dt, beta != 0))) goto done;
  }
  tdm_status s;
  TDMPY_NOGIL(s = tdm_gemm(ctx, ta ? TDM_TRANS : TDM_NOTRANS, tb ? TDM_TRANS : TDM_NOTRANS, alpha,
                           A->buf, B->buf, beta, C->buf));
  if (s != TDM_OK) {
    tdmpy_raise(s);
    goto done;
  }
  ret = Py_NewRef(C);
done:
  Py_XDECREF(A);
  Py_XDECREF(B);
  Py_XDECREF(C);
  return ret;
}

PyObject *tdmpy_gemm(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"A", "B", "alpha", "beta", "out", "trans_a", "trans_b", NULL};
  PyObject *ao, *bo, *outo = NULL;
  double alpha = 1.0, beta = 0.0;
  int ta = 0, tb = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|ddOpp:gemm", kws, &ao, &bo, &alpha, &beta, &outo,
                                   &ta, &tb))
    return NULL;
  return tdmpy_gemm_core(c, ao, bo, alpha, beta, outo, ta, tb, NULL);
}

PyObject *tdmpy_array_matmul(PyObject *x, PyObject *y) {
  TdmArray *a = Py_IS_TYPE(x, &TdmArray_Type) ? (TdmArray *)x : (TdmArray *)y;
  TdmContext *c = a->ctx;
  int xd = Py_IS_TYPE(x, &TdmArray_Type) ? ((TdmArray *)x)->ndim : 2;
  int yd = Py_IS_TYPE(y, &TdmArray_Type) ? ((TdmArray *)y)->ndim : 2;
  if (!Py_IS_TYPE(x, &TdmArray_Type) || !Py_IS_TYPE(y, &TdmArray_Type)) Py_RETURN_NOTIMPLEMENTED;
  if (xd == 0 || yd == 0) {
    PyErr_SetString(PyExc_ValueError, "matmul: 0-D operands");
    return NULL;
  }
  int nd = (xd == 2) + (yd == 2);
  PyObject *r = tdmpy_gemm_core(c, x, y, 1.0, 0.0, NULL, xd == 1, 0, &nd);
  if (r && nd == 0) { /* vector . vector: a number, as numpy gives */
    PyObject *e = PyTuple_New(0);
    PyObject *v = e ? PyObject_GetItem(r, e) : NULL;
    Py_XDECREF(e);
    Py_DECREF(r);
    r = v;
  }
  return r;
}

PyObject *tdmpy_crossprod(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"X", "out", NULL};
  PyObject *xo, *outo = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:crossprod", kws, &xo, &outo)) return NULL;
  tdm_ctx *ctx = tdmpy_ctx(c);
  if (!ctx) return NULL;
  TdmArray *X = NULL, *C = NULL;
  PyObject *ret = NULL;
  if (tdmpy_out_arg(c, outo, &C) < 0) return NULL;
  if (!(X = tdmpy_asarray(c, xo, -1))) goto done;
  if (!C && !(C = tdmpy_matrix(c, X->cols, X->cols, 2, X->dt, 0))) goto done;
  tdm_status s;
  TDMPY_NOGIL(s = tdm_crossprod(ctx, X->buf, C->buf));
  if (s != TDM_OK) {
    tdmpy_raise(s);
    goto done;
  }
  ret = Py_NewRef(C);
done:
  Py_XDECREF(X);
  Py_XDECREF(C);
  return ret;
}

/* An operand an in-place op will overwrite: the array itself (overwrite) or a copy. */
TdmArray *tdmpy_inplace(TdmContext *c, PyObject *o, int overwrite, const char *what) {
  if (overwrite) {
    if (!Py_IS_TYPE(o, &TdmArray_Type) || ((TdmArray *)o)->ctx != tdmpy_root(c)) {
      PyErr_Format(PyExc_TypeError, "tandem: overwrite=True needs %s to be a tandem.Array of this context", what);
      return NULL;
    }
    if (tdmpy_writable((TdmArray *)o, what) < 0) return NULL;
    return (TdmArray *)Py_NewRef(o);
  }
  return tdmpy_asarray(c, o, 1);
}

PyObject *tdmpy_cholesky(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"A", "overwrite", NULL};
  PyObject *ao;
  int ow = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|p:cholesky", kws, &ao, &ow)) return NULL;
  tdm_ctx *ctx = tdmpy_ctx(c);
  if (!ctx) return NULL;
  TdmArray *A = tdmpy_inplace(c, ao, ow, "A");
  if (!A) return NULL;
  tdm_status s;
  TDMPY_NOGIL(s = tdm_cholesky(ctx, A->buf));
  if (s != TDM_OK) {
    Py_DECREF(A);
    return tdmpy_raise(s);
  }
  return (PyObject *)A;
}

PyObject *tdmpy_solve_spd(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"A", "B", "overwrite", NULL};
  PyObject *ao, *bo;
  int ow = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|p:solve_spd", kws, &ao, &bo, &ow)) return NULL;
  tdm_ctx *ctx = tdmpy_ctx(c);
  if (!ctx) return NULL;
  TdmArray *A = tdmpy_inplace(c, ao, ow, "A"), *B = A ? tdmpy_inplace(c, bo, ow, "B") : NULL;
  if (!B) {
    Py_XDECREF(A);
    return NULL;
  }
  tdm_status s;
  TDMPY_NOGIL(s = tdm_solve_spd(ctx, A->buf, B->buf));
  Py_DECREF(A);
  if (s != TDM_OK) {
    Py_DECREF(B);
    return tdmpy_raise(s);
  }
  return (PyObject *)B;
}
