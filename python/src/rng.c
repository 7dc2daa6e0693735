/* rng.c -- tandem.Rng: one Philox4x32-10 stream (seed, stream id, offset)
 * of a context, and every tdm_rng_* distribution through one table: a
 * distribution is one entry here (its C call, parameter kinds and default
 * dtype) and one line in tandem/__init__.py (its Python signature). */
#include <string.h>

#include "tdmpy.h"

typedef struct {
  PyObject_HEAD
  tdm_rng *r;
  TdmContext *ctx;
  unsigned long long seed, stream;
} TdmRng;

enum { P_NONE, P_D, P_DD, P_LD, P_LL, P_Z };

static const struct {
  const char *name;
  int sig;
  tdm_dtype dflt;
  union {
    tdm_status (*none)(tdm_rng *, tdm_buf *);
    tdm_status (*d)(tdm_rng *, tdm_buf *, double);
    tdm_status (*dd)(tdm_rng *, tdm_buf *, double, double);
    tdm_status (*ld)(tdm_rng *, tdm_buf *, int64_t, double);
    tdm_status (*ll)(tdm_rng *, tdm_buf *, int64_t, int64_t);
    tdm_status (*z)(tdm_rng *, tdm_buf *, size_t);
  } fn;
} tdmpy_dists[] = {
    {"bits", P_NONE, TDM_U32, {.none = tdm_rng_bits}},
    {"uniform", P_DD, TDM_F64, {.dd = tdm_rng_uniform}},
    {"normal", P_DD, TDM_F64, {.dd = tdm_rng_normal}},
    {"gamma", P_DD, TDM_F64, {.dd = tdm_rng_gamma}},
    {"exponential", P_D, TDM_F64, {.d = tdm_rng_exponential}},
    {"lognormal", P_DD, TDM_F64, {.dd = tdm_rng_lognormal}},
    {"beta", P_DD, TDM_F64, {.dd = tdm_rng_beta}},
    {"chisq", P_D, TDM_F64, {.d = tdm_rng_chisq}},
    {"poisson", P_D, TDM_I64, {.d = tdm_rng_poisson}},
    {"binomial", P_LD, TDM_I64, {.ld = tdm_rng_binomial}},
    {"bernoulli", P_D, TDM_I64, {.d = tdm_rng_bernoulli}},
    {"integers", P_LL, TDM_I64, {.ll = tdm_rng_integers}},
    {"permutation", P_NONE, TDM_I64, {.none = tdm_rng_permutation}},
    {"bootstrap", P_Z, TDM_I64, {.z = tdm_rng_bootstrap}},
};
PyObject *tdmpy_rng_class; /* tandem.Rng, the Python subclass with the signatures */

#define TDMPY_NDIST (sizeof tdmpy_dists / sizeof tdmpy_dists[0])

PyObject *tdmpy_rng_new(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"seed", "stream", NULL};
  unsigned long long seed = 0, stream = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|KK:rng", kws, &seed, &stream)) return NULL;
  tdm_ctx *ctx = tdmpy_ctx(c);
  if (!ctx) return NULL;
  PyTypeObject *tp = tdmpy_rng_class ? (PyTypeObject *)tdmpy_rng_class : &TdmRng_Type;
  TdmRng *o = (TdmRng *)tp->tp_alloc(tp, 0);
  if (!o) return NULL;
  tdm_status s = tdm_rng_create(ctx, seed, stream, &o->r);
  if (s != TDM_OK) {
    Py_DECREF(o);
    return tdmpy_raise(s);
  }
  o->ctx = (TdmContext *)Py_NewRef(c);
  o->seed = seed, o->stream = stream;
  return (PyObject *)o;
}

static void tdmpy_rng_dealloc(TdmRng *o) {
  tdm_rng_destroy(o->r);
  Py_XDECREF(o->ctx);
  Py_TYPE(o)->tp_free(o);
}

static int64_t tdmpy_i64(PyObject *o, int *err) {
  long long v = PyLong_AsLongLong(o);
  if (v == -1 && PyErr_Occurred()) *err = 1;
  return v;
}

/* _draw(name, shape, dtype, out, p1=None, p2=None) -> Array */
static PyObject *tdmpy_rng_draw(TdmRng *o, PyObject *args) {
  const char *name;
  PyObject *shapeo, *dto, *outo, *p1 = Py_None, *p2 = Py_None;
  if (!PyArg_ParseTuple(args, "sOOO|OO:_draw", &name, &shapeo, &dto, &outo, &p1, &p2)) return NULL;
  if (!o->r || !tdmpy_ctx(o->ctx)) return NULL;
  size_t k = 0;
  while (k < TDMPY_NDIST && strcmp(tdmpy_dists[k].name, name)) k++;
  if (k == TDMPY_NDIST) {
    PyErr_Format(PyExc_ValueError, "Rng: no distribution %s", name);
    return NULL;
  }
  TdmArray *out;
  if (outo != Py_None) {
    if (!Py_IS_TYPE(outo, &TdmArray_Type) || ((TdmArray *)outo)->ctx != tdmpy_root(o->ctx)) {
      PyErr_SetString(PyExc_TypeError, "Rng: out must be a tandem.Array of the rng's context");
      return NULL;
    }
    if (tdmpy_writable((TdmArray *)outo, "out") < 0) return NULL;
    out = (TdmArray *)Py_NewRef(outo);
  } else {
    int ndim;
    Py_ssize_t shape[2];
    tdm_dtype dt;
    if (tdmpy_shape(shapeo, &ndim, shape) < 0 || tdmpy_dtype_from(dto, tdmpy_dists[k].dflt, &dt) < 0)
      return NULL;
    out = tdmpy_array_new(o->ctx, dt, ndim, shape, 0);
    if (!out) return NULL;
  }
  double d1 = 0, d2 = 0;
  int64_t l1 = 0, l2 = 0;
  int err = 0;
  switch (tdmpy_dists[k].sig) {
  case P_DD: d2 = PyFloat_AsDouble(p2); if (d2 == -1 && PyErr_Occurred()) err = 1; /* fallthrough */
  case P_D: d1 = PyFloat_AsDouble(p1); if (d1 == -1 && PyErr_Occurred()) err = 1; break;
  case P_LD: l1 = tdmpy_i64(p1, &err); d2 = PyFloat_AsDouble(p2); if (d2 == -1 && PyErr_Occurred()) err = 1; break;
  case P_LL: l1 = tdmpy_i64(p1, &err); if (!err) l2 = tdmpy_i64(p2, &err); break;
  case P_Z: l1 = tdmpy_i64(p1, &err);
    if (!err && l1 < 0) {
      PyErr_SetString(tdmpy_status_class(TDM_ERR_INVALID), "Rng.bootstrap: n: must be >= 0");
      err = 1;
    }
    break;
  default: break;
  }
  if (err) {
    Py_DECREF(out);
    return NULL;
  }
  tdm_status s = TDM_OK;
  tdm_rng *r = o->r;
  tdm_buf *b = out->buf;
  Py_BEGIN_ALLOW_THREADS
  switch (tdmpy_dists[k].sig) {
  case P_NONE: s = tdmpy_dists[k].fn.none(r, b); break;
  case P_D: s = tdmpy_dists[k].fn.d(r, b, d1); break;
  case P_DD: s = tdmpy_dists[k].fn.dd(r, b, d1, d2); break;
  case P_LD: s = tdmpy_dists[k].fn.ld(r, b, l1, d2); break;
  case P_LL: s = tdmpy_dists[k].fn.ll(r, b, l1, l2); break;
  case P_Z: s = tdmpy_dists[k].fn.z(r, b, (size_t)l1); break;
  }
  Py_END_ALLOW_THREADS
  if (s != TDM_OK) {
    Py_DECREF(out);
    return tdmpy_raise(s);
  }
  return (PyObject *)out;
}

static PyObject *tdmpy_rng_seek(TdmRng *o, PyObject *arg) {
  unsigned long long off = PyLong_AsUnsignedLongLong(arg);
  if (off == (unsigned long long)-1 && PyErr_Occurred()) return NULL;
  tdm_status s = tdm_rng_seek(o->r, off);
  if (s != TDM_OK) return tdmpy_raise(s);
  Py_RETURN_NONE;
}

static PyObject *tdmpy_rng_offset(TdmRng *o, void *u) {
  return PyLong_FromUnsignedLongLong(tdm_rng_offset(o->r));
}
static PyObject *tdmpy_rng_seed(TdmRng *o, void *u) { return PyLong_FromUnsignedLongLong(o->seed); }
static PyObject *tdmpy_rng_stream(TdmRng *o, void *u) {
  return PyLong_FromUnsignedLongLong(o->stream);
}

static PyMethodDef tdmpy_rng_methods[] = {
    {"_draw", (PyCFunction)tdmpy_rng_draw, METH_VARARGS, NULL},
    {"seek", (PyCFunction)tdmpy_rng_seek, METH_O, "Move the stream to a position in 32-bit words."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef tdmpy_rng_getset[] = {
    {"offset", (getter)tdmpy_rng_offset, NULL, "stream position in 32-bit words", NULL},
    {"seed", (getter)tdmpy_rng_seed, NULL, NULL, NULL},
    {"stream", (getter)tdmpy_rng_stream, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject TdmRng_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tandem._Rng",
    .tp_basicsize = sizeof(TdmRng),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_dealloc = (destructor)tdmpy_rng_dealloc,
    .tp_methods = tdmpy_rng_methods,
    .tp_getset = tdmpy_rng_getset,
};
