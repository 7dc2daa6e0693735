/* array.c -- tandem.Array: a tdm_buf whose host copy is memory Python can
 * see (its own, a wrapped exporter's such as a numpy array, or an imported
 * DLPack tensor), with numpy's shape/dtype, the buffer protocol (so
 * np.asarray shares the memory), slicing as views, and the host/device
 * hand-over: exporting to Python makes the host copy current first. */
#include <stdlib.h>
#include <string.h>

#include "dlpack.h"
#include "tdmpy.h"

static void tdmpy_layout(TdmArray *a);

TdmContext *tdmpy_root(TdmContext *c) { return c->root ? c->root : c; }

tdm_ctx *tdmpy_ctx(TdmContext *c) {
  if (!c->ctx)
    PyErr_SetString(tdmpy_status_class(TDM_ERR_INVALID),
                    "tandem: this task's lane context is gone (use it only inside the task)");
  return c->ctx;
}

void tdmpy_set_ndim(TdmArray *a, int ndim) {
  a->ndim = ndim;
  tdmpy_layout(a);
}

static void tdmpy_layout(TdmArray *a) {
  size_t es = tdm_dtype_size(a->dt);
  if (a->ndim == 2) {
    a->shape[0] = (Py_ssize_t)a->rows;
    a->shape[1] = (Py_ssize_t)a->cols;
    a->strides[0] = (Py_ssize_t)es;
    a->strides[1] = (Py_ssize_t)(a->ld * es);
  } else if (a->ndim == 1) {
    a->shape[0] = (Py_ssize_t)(a->rows * a->cols);
    a->strides[0] = (Py_ssize_t)(a->cols == 1 ? es : a->ld * es);
  }
}

/* Every array is on its context's list (under the GIL) so memory handed
 * back to tandem can be matched to the Array that already holds it. */
static TdmArray *tdmpy_alloc(TdmContext *ctx) {
  TdmArray *a = PyObject_New(TdmArray, &TdmArray_Type);
  if (!a) return NULL;
  memset((char *)a + sizeof(PyObject), 0, sizeof *a - sizeof(PyObject));
  TdmContext *r = tdmpy_root(ctx);
  a->ctx = (TdmContext *)Py_NewRef(r);
  a->next = r->arrays;
  if (r->arrays) r->arrays->prev = a;
  r->arrays = a;
  return a;
}

static void tdmpy_unlink(TdmArray *a) {
  if (a->prev) a->prev->next = a->next;
  else if (a->ctx && a->ctx->arrays == a) a->ctx->arrays = a->next;
  if (a->next) a->next->prev = a->prev;
  a->prev = a->next = NULL;
}

/* A view (tdm_buf_view) of rows r0.. and columns c0.. of a. */
static TdmArray *tdmpy_make_view(TdmArray *a, size_t r0, size_t c0, size_t nr, size_t nc, int ndim) {
  tdm_buf *vb = NULL;
  tdm_status s = tdm_buf_view(a->buf, r0, c0, nr, nc, &vb);
  if (s != TDM_OK) return (TdmArray *)tdmpy_raise(s);
  TdmArray *o = tdmpy_alloc(a->ctx);
  if (!o) {
    tdm_buf_destroy(vb);
    return NULL;
  }
  o->buf = vb;
  o->base = (TdmArray *)Py_NewRef(a->base ? a->base : a);
  o->host = a->host + (r0 + c0 * a->ld) * tdm_dtype_size(a->dt);
  o->dt = a->dt, o->readonly = a->readonly;
  o->rows = nr, o->cols = nc, o->ld = tdm_buf_ld(vb);
  o->ndim = ndim;
  tdmpy_layout(o);
  return o;
}

TdmArray *tdmpy_shared(TdmContext *c, char *p, tdm_dtype dt, size_t rows, size_t cols, int ndim) {
  if (!tdm_buf_view) return NULL;
  size_t es = tdm_dtype_size(dt);
  for (TdmArray *a = tdmpy_root(c)->arrays; a; a = a->next) {
    if (a->base || !a->buf || a->dt != dt || !a->host) continue;
    size_t extent = a->ld * a->cols * es;
    if (p < a->host || p >= a->host + extent || (size_t)(p - a->host) % es) continue;
    size_t e = (size_t)(p - a->host) / es, r0 = e % a->ld, c0 = e / a->ld;
    if (cols > 1 && rows != a->ld) return NULL; /* not a window of a */
    if (r0 + rows > a->rows || c0 + cols > a->cols) return NULL;
    TdmArray *v = tdmpy_make_view(a, r0, c0, rows, cols, ndim);
    if (!v) PyErr_Clear();
    return v;
  }
  return NULL;
}

static int tdmpy_dims(int ndim, const Py_ssize_t *shape, size_t *rows, size_t *cols) {
  *rows = 1, *cols = 1;
  for (int i = 0; i < ndim; i++)
    if (shape[i] < 0) {
      PyErr_SetString(PyExc_ValueError, "tandem: negative dimensions are not allowed");
      return -1;
    }
  if (ndim >= 1) *rows = (size_t)shape[0];
  if (ndim == 2) *cols = (size_t)shape[1];
  return 0;
}

TdmArray *tdmpy_array_new(TdmContext *ctx, tdm_dtype dt, int ndim, const Py_ssize_t *shape,
                          int zero) {
  tdm_ctx *c = tdmpy_ctx(ctx);
  if (!c) return NULL;
  size_t rows, cols, es = tdm_dtype_size(dt), n, bytes;
  if (tdmpy_dims(ndim, shape, &rows, &cols) < 0) return NULL;
  int bad = rows == 0 || cols == 0 || __builtin_mul_overflow(rows, cols, &n) ||
            __builtin_mul_overflow(n, es, &bytes) || bytes > ((size_t)1 << 62);
  void *mem = NULL;
  static double tdmpy_dummy;
  if (bad) {
    mem = &tdmpy_dummy; /* tdm_buf_wrap rejects the size with its own message */
  } else {
    if (posix_memalign(&mem, 64, bytes) != 0) {
      PyErr_Format(tdmpy_status_class(TDM_ERR_NOMEM),
                   "tandem: out of host memory for %zu bytes", bytes);
      return NULL;
    }
    if (zero) memset(mem, 0, bytes);
  }
  tdm_buf *b = NULL;
  tdm_status s = tdm_buf_wrap(c, dt, rows, cols, mem, &b);
  if (s != TDM_OK) {
    if (!bad) free(mem);
    return (TdmArray *)tdmpy_raise(s);
  }
  TdmArray *a = tdmpy_alloc(ctx);
  if (!a) {
    tdm_buf_destroy(b);
    free(mem);
    return NULL;
  }
  a->buf = b, a->mem = mem, a->host = mem, a->dt = dt, a->ndim = ndim;
  a->rows = rows, a->cols = cols, a->ld = rows;
  tdmpy_layout(a);
  return a;
}

int tdmpy_array_host(TdmArray *a, int write) {
  TdmArray *r = a->base ? a->base : a;
  tdm_ctx *c = r->ctx->ctx;
  if (tdm_ctx_device_backend(c) == TDM_CPU) return 0; /* the host copy is the only one */
  tdm_status s;
  TDMPY_NOGIL(s = tdm_buf_read(r->buf, r->host));
  if (s == TDM_OK && write) s = tdm_buf_write(r->buf, r->host); /* host now the only copy */
  if (s != TDM_OK) {
    tdmpy_raise(s);
    return -1;
  }
  return 0;
}

static void tdmpy_copy_cols(char *dst, size_t dld, const char *src, size_t sld, size_t rows,
                            size_t cols, size_t es) {
  for (size_t j = 0; j < cols; j++) memcpy(dst + j * dld * es, src + j * sld * es, rows * es);
}

/* A new array with a's tandem dims (rows x cols) and Python shape. */
static TdmArray *tdmpy_array_like(TdmArray *a) {
  Py_ssize_t sh[2] = {(Py_ssize_t)a->rows, (Py_ssize_t)a->cols};
  TdmArray *o = tdmpy_array_new(a->ctx, a->dt, 2, sh, 0);
  if (!o) return NULL;
  o->ndim = a->ndim;
  tdmpy_layout(o);
  return o;
}

TdmArray *tdmpy_array_copy(TdmArray *a) {
  TdmArray *o = tdmpy_array_like(a);
  if (!o) return NULL;
  if (tdm_copy && tdm_ctx_device_backend(a->ctx->ctx) != TDM_CPU) {
    tdm_status s;
    TDMPY_NOGIL(s = tdm_copy(a->ctx->ctx, a->buf, o->buf));
    if (s != TDM_OK) {
      Py_DECREF(o);
      return (TdmArray *)tdmpy_raise(s);
    }
    return o;
  }
  if (tdmpy_array_host(a, 0) < 0) {
    Py_DECREF(o);
    return NULL;
  }
  size_t es = tdm_dtype_size(a->dt);
  Py_BEGIN_ALLOW_THREADS
  tdmpy_copy_cols(o->host, o->rows, a->host, a->ld, a->rows, a->cols, es);
  Py_END_ALLOW_THREADS
  return o;
}

int tdmpy_shape(PyObject *obj, int *ndim, Py_ssize_t shape[2]) {
  if (PyLong_Check(obj)) {
    *ndim = 1;
    shape[0] = PyLong_AsSsize_t(obj);
    return shape[0] == -1 && PyErr_Occurred() ? -1 : 0;
  }
  if (!PyTuple_Check(obj) || PyTuple_GET_SIZE(obj) > 2) {
    PyErr_SetString(PyExc_TypeError, "tandem: shape must be an int or a tuple of at most 2 ints");
    return -1;
  }
  *ndim = (int)PyTuple_GET_SIZE(obj);
  for (int i = 0; i < *ndim; i++) {
    shape[i] = PyLong_AsSsize_t(PyTuple_GET_ITEM(obj, i));
    if (shape[i] == -1 && PyErr_Occurred()) return -1;
  }
  return 0;
}

void tdmpy_gather(TdmArray *o, const char *src, Py_ssize_t s0, Py_ssize_t s1) {
  size_t es = tdm_dtype_size(o->dt);
  char *dst = o->host;
  for (size_t j = 0; j < o->cols; j++)
    for (size_t i = 0; i < o->rows; i++, dst += es)
      memcpy(dst, src + (Py_ssize_t)i * s0 + (Py_ssize_t)j * s1, es);
}

int tdmpy_writable(TdmArray *a, const char *what) {
  if (a->readonly) {
    PyErr_Format(PyExc_ValueError, "tandem: %s is read-only", what);
    return -1;
  }
  return 0;
}

TdmArray *tdmpy_asarray(TdmContext *ctx, PyObject *obj, int copy) {
  if (Py_IS_TYPE(obj, &TdmArray_Type) && ((TdmArray *)obj)->ctx == tdmpy_root(ctx)) {
    if (copy == 1) return tdmpy_array_copy((TdmArray *)obj);
    return (TdmArray *)Py_NewRef(obj);
  }
  tdm_ctx *c = tdmpy_ctx(ctx);
  if (!c) return NULL;
  PyObject *src = Py_NewRef(obj);
  if (!PyObject_CheckBuffer(src)) { /* lists, scalars, __array__ objects: numpy first */
    PyObject *np = tdmpy_numpy();
    Py_DECREF(src);
    if (!np) return NULL;
    PyObject *fn = PyObject_GetAttrString(np, "asarray"), *a = PyTuple_Pack(1, obj),
             *k = Py_BuildValue("{ss}", "order", "F");
    src = fn && a && k ? PyObject_Call(fn, a, k) : NULL;
    Py_XDECREF(fn), Py_XDECREF(a), Py_XDECREF(k);
    if (!src) return NULL;
  }
  Py_buffer v;
  int wrap = copy != 1, readonly = 0;
  if (PyObject_GetBuffer(src, &v, PyBUF_F_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
    PyErr_Clear();
    readonly = 1;
    if (PyObject_GetBuffer(src, &v, PyBUF_F_CONTIGUOUS | PyBUF_FORMAT) < 0) {
      PyErr_Clear();
      readonly = 0;
      wrap = 0;
      if (PyObject_GetBuffer(src, &v, PyBUF_RECORDS_RO) < 0) {
        Py_DECREF(src);
        return NULL;
      }
    }
  }
  Py_DECREF(src);
  tdm_dtype dt;
  if (v.ndim > 2) {
    PyErr_Format(PyExc_ValueError, "tandem: arrays have at most 2 dimensions (got %d)", v.ndim);
    goto fail;
  }
  if (tdmpy_dtype_from_format(v.format, v.itemsize, &dt) < 0) goto fail;
  if (!wrap && copy == 0) {
    PyErr_SetString(PyExc_ValueError,
                    "tandem.asarray: copy=False but the array is not Fortran-contiguous "
                    "(tandem is column-major: wrap np.asfortranarray(x) or allow a copy)");
    goto fail;
  }
  Py_ssize_t shape[2] = {v.ndim >= 1 ? v.shape[0] : 1, v.ndim == 2 ? v.shape[1] : 1};
  if (!wrap) {
    TdmArray *o = tdmpy_array_new(ctx, dt, v.ndim, shape, 0);
    if (o)
      tdmpy_gather(o, v.buf, v.ndim >= 1 ? v.strides[0] : 0, v.ndim == 2 ? v.strides[1] : 0);
    PyBuffer_Release(&v);
    return o;
  }
  size_t rows, cols;
  if (tdmpy_dims(v.ndim, shape, &rows, &cols) < 0) goto fail;
  static double tdmpy_dummy;
  tdm_buf *b = NULL;
  tdm_status s = tdm_buf_wrap(c, dt, rows, cols, v.buf ? v.buf : &tdmpy_dummy, &b);
  if (s != TDM_OK) { /* memory another Array holds: a view of it, else a copy */
    TdmArray *o = v.buf ? tdmpy_shared(ctx, v.buf, dt, rows, cols, v.ndim) : NULL;
    if (!o && copy != 0 && v.buf && rows && cols) {
      PyErr_Clear();
      o = tdmpy_array_new(ctx, dt, v.ndim, shape, 0);
      if (o) tdmpy_gather(o, v.buf, v.itemsize, v.itemsize * (Py_ssize_t)rows);
    }
    if (o) {
      o->readonly |= readonly;
      PyBuffer_Release(&v);
      return o;
    }
    if (!PyErr_Occurred()) tdmpy_raise(s);
    goto fail;
  }
  TdmArray *a = tdmpy_alloc(ctx);
  if (!a) {
    tdm_buf_destroy(b);
    goto fail;
  }
  a->buf = b, a->host = v.buf, a->view = v, a->has_view = 1, a->dt = dt, a->ndim = v.ndim;
  a->readonly = readonly, a->rows = rows, a->cols = cols, a->ld = rows;
  tdmpy_layout(a);
  return a;
fail:
  PyBuffer_Release(&v);
  return NULL;
}

static void tdmpy_array_dealloc(TdmArray *a) {
  tdmpy_unlink(a);
  tdm_buf_destroy(a->buf);
  if (a->has_view) PyBuffer_Release(&a->view);
  if (a->dl) {
    if (a->dl_versioned) {
      DLManagedTensorVersioned *m = a->dl;
      if (m->deleter) m->deleter(m);
    } else {
      DLManagedTensor *m = a->dl;
      if (m->deleter) m->deleter(m);
    }
  }
  free(a->mem);
  Py_XDECREF(a->base);
  Py_XDECREF(a->ctx);
  PyObject_Free(a);
}

/* ---- buffer protocol ----------------------------------------------------- */
static int tdmpy_getbuffer(TdmArray *a, Py_buffer *v, int flags) {
  int write = (flags & PyBUF_WRITABLE) == PyBUF_WRITABLE;
  if (write && a->readonly) {
    PyErr_SetString(PyExc_BufferError, "tandem: the array is read-only");
    return -1;
  }
  if (tdmpy_array_host(a, write) < 0) return -1;
  size_t es = tdm_dtype_size(a->dt);
  v->buf = a->host;
  v->obj = Py_NewRef(a);
  v->len = (Py_ssize_t)(a->rows * a->cols * es);
  v->itemsize = (Py_ssize_t)es;
  v->readonly = a->readonly;
  v->ndim = a->ndim;
  v->format = (flags & PyBUF_FORMAT) ? (char *)tdmpy_dtype_format(a->dt) : NULL;
  v->shape = a->shape;
  v->strides = a->strides;
  v->suboffsets = NULL;
  v->internal = NULL;
  char need = 0;
  if ((flags & PyBUF_C_CONTIGUOUS) == PyBUF_C_CONTIGUOUS) need = 'C';
  else if ((flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS) need = 'F';
  else if ((flags & PyBUF_ANY_CONTIGUOUS) == PyBUF_ANY_CONTIGUOUS) need = 'A';
  else if ((flags & PyBUF_STRIDES) != PyBUF_STRIDES) need = 'C';
  if (need && !PyBuffer_IsContiguous(v, need)) {
    Py_CLEAR(v->obj);
    PyErr_Format(PyExc_BufferError, "tandem: the array is not %s-contiguous",
                 need == 'C' ? "C" : need == 'F' ? "Fortran" : "");
    return -1;
  }
  if ((flags & PyBUF_STRIDES) != PyBUF_STRIDES) v->strides = NULL;
  if ((flags & PyBUF_ND) != PyBUF_ND) v->shape = NULL;
  return 0;
}

static PyBufferProcs tdmpy_as_buffer = {(getbufferproc)tdmpy_getbuffer, NULL};

/* ---- methods ----------------------------------------------------------------- */
static PyObject *tdmpy_array_numpy(TdmArray *a, PyObject *unused) {
  PyObject *np = tdmpy_numpy();
  return np ? PyObject_CallMethod(np, "asarray", "O", (PyObject *)a) : NULL;
}

static PyObject *tdmpy_array_array(TdmArray *a, PyObject *args, PyObject *kw) {
  static char *kws[] = {"dtype", "copy", NULL};
  PyObject *dtype = Py_None, *copy = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|OO:__array__", kws, &dtype, &copy)) return NULL;
  PyObject *r = tdmpy_array_numpy(a, NULL);
  if (!r) return NULL;
  PyObject *t = NULL;
  if (dtype != Py_None)
    t = PyObject_CallMethod(r, "astype", "OO", dtype, copy == Py_True ? Py_True : Py_False);
  else if (copy == Py_True)
    t = PyObject_CallMethod(r, "copy", NULL);
  else
    return r;
  Py_DECREF(r);
  return t;
}

static PyObject *tdmpy_array_copy_m(TdmArray *a, PyObject *unused) {
  return (PyObject *)tdmpy_array_copy(a);
}

static PyObject *tdmpy_array_touch(TdmArray *a, PyObject *unused) {
  if (tdmpy_writable(a, "the array") < 0) return NULL;
  TdmArray *r = a->base ? a->base : a;
  tdm_status s = tdm_buf_write(r->buf, r->host);
  if (s != TDM_OK) return tdmpy_raise(s);
  Py_RETURN_NONE;
}

#define TDMPY_RED(name, op)                                                    \
  static PyObject *tdmpy_array_##name(TdmArray *a, PyObject *unused) {        \
    return tdmpy_array_reduce1(a, op);                                         \
  }
TDMPY_RED(sum, TDM_SUM)
TDMPY_RED(mean, TDM_MEAN)
TDMPY_RED(min, TDM_MIN)
TDMPY_RED(max, TDM_MAX)
TDMPY_RED(var, TDM_VAR)
TDMPY_RED(std, TDM_SD)

static PyMethodDef tdmpy_array_methods[] = {
    {"numpy", (PyCFunction)tdmpy_array_numpy, METH_NOARGS,
     "A numpy array sharing this array's host memory (made current first)."},
    {"__array__", (PyCFunction)tdmpy_array_array, METH_VARARGS | METH_KEYWORDS, NULL},
    {"copy", (PyCFunction)tdmpy_array_copy_m, METH_NOARGS, "A new array with the same values."},
    {"touch", (PyCFunction)tdmpy_array_touch, METH_NOARGS,
     "Say the host memory was written outside tandem (on a device context: re-upload before the next op)."},
    {"__dlpack__", (PyCFunction)tdmpy_dlpack_export, METH_VARARGS | METH_KEYWORDS,
     "DLPack export (versioned capsule, or the legacy one for max_version None / < (1, 0))."},
    {"__dlpack_device__", (PyCFunction)tdmpy_dlpack_device, METH_NOARGS, NULL},
    {"sum", (PyCFunction)tdmpy_array_sum, METH_NOARGS, NULL},
    {"mean", (PyCFunction)tdmpy_array_mean, METH_NOARGS, NULL},
    {"min", (PyCFunction)tdmpy_array_min, METH_NOARGS, NULL},
    {"max", (PyCFunction)tdmpy_array_max, METH_NOARGS, NULL},
    {"var", (PyCFunction)tdmpy_array_var, METH_NOARGS, "Variance with the n - 1 denominator."},
    {"std", (PyCFunction)tdmpy_array_std, METH_NOARGS, "Standard deviation, n - 1 denominator."},
    {NULL, NULL, 0, NULL},
};

/* ---- attributes ----------------------------------------------------------------- */
static PyObject *tdmpy_array_shape(TdmArray *a, void *u) {
  PyObject *t = PyTuple_New(a->ndim);
  for (int i = 0; t && i < a->ndim; i++) PyTuple_SET_ITEM(t, i, PyLong_FromSsize_t(a->shape[i]));
  return t;
}
static PyObject *tdmpy_array_dtype(TdmArray *a, void *u) { return tdmpy_dtype_obj(a->dt); }
static PyObject *tdmpy_array_ndim(TdmArray *a, void *u) { return PyLong_FromLong(a->ndim); }
static PyObject *tdmpy_array_size(TdmArray *a, void *u) {
  return PyLong_FromSize_t(a->rows * a->cols);
}
static PyObject *tdmpy_array_nbytes(TdmArray *a, void *u) {
  return PyLong_FromSize_t(a->rows * a->cols * tdm_dtype_size(a->dt));
}
static PyObject *tdmpy_array_ro(TdmArray *a, void *u) { return PyBool_FromLong(a->readonly); }
static PyObject *tdmpy_array_isview(TdmArray *a, void *u) { return PyBool_FromLong(a->base != NULL); }
static PyObject *tdmpy_array_ctx(TdmArray *a, void *u) { return Py_NewRef(a->ctx); }
static PyObject *tdmpy_array_addr(TdmArray *a, void *u) {
  return PyLong_FromVoidPtr(a->host);
}

static PyGetSetDef tdmpy_array_getset[] = {
    {"shape", (getter)tdmpy_array_shape, NULL, "numpy-style shape", NULL},
    {"dtype", (getter)tdmpy_array_dtype, NULL, "numpy dtype", NULL},
    {"ndim", (getter)tdmpy_array_ndim, NULL, NULL, NULL},
    {"size", (getter)tdmpy_array_size, NULL, NULL, NULL},
    {"nbytes", (getter)tdmpy_array_nbytes, NULL, NULL, NULL},
    {"readonly", (getter)tdmpy_array_ro, NULL, NULL, NULL},
    {"is_view", (getter)tdmpy_array_isview, NULL, "shares another array's storage", NULL},
    {"ctx", (getter)tdmpy_array_ctx, NULL, "the Context it belongs to", NULL},
    {"host_address", (getter)tdmpy_array_addr, NULL, "address of the first element in host memory", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* ---- indexing ------------------------------------------------------------------ */
/* One axis of a key: start and length, or an int (len -1). */
static int tdmpy_axis(PyObject *k, Py_ssize_t n, Py_ssize_t *start, Py_ssize_t *len) {
  if (PySlice_Check(k)) {
    Py_ssize_t b, e, step;
    if (PySlice_Unpack(k, &b, &e, &step) < 0) return -1;
    if (step != 1) {
      PyErr_SetString(PyExc_IndexError,
                      "tandem: slices with a step other than 1 are not views; use .numpy()[...]");
      return -1;
    }
    *len = PySlice_AdjustIndices(n, &b, &e, step);
    *start = b;
    if (*len == 0) {
      PyErr_SetString(PyExc_IndexError, "tandem: an empty slice (tandem arrays are never empty)");
      return -1;
    }
    return 0;
  }
  Py_ssize_t i = PyNumber_AsSsize_t(k, PyExc_IndexError);
  if (i == -1 && PyErr_Occurred()) return -1;
  if (i < 0) i += n;
  if (i < 0 || i >= n) {
    PyErr_Format(PyExc_IndexError, "tandem: index %zd is out of bounds for size %zd", i, n);
    return -1;
  }
  *start = i;
  *len = -1;
  return 0;
}

static PyObject *tdmpy_scalar(TdmArray *a, size_t r, size_t c) {
  if (tdmpy_array_host(a, 0) < 0) return NULL;
  const char *p = a->host + (r + c * a->ld) * tdm_dtype_size(a->dt);
  switch (a->dt) {
  case TDM_F32: return PyFloat_FromDouble(*(const float *)p);
  case TDM_F64: return PyFloat_FromDouble(*(const double *)p);
  case TDM_I32: return PyLong_FromLong(*(const int32_t *)p);
  case TDM_I64: return PyLong_FromLongLong(*(const int64_t *)p);
  case TDM_U32: return PyLong_FromUnsignedLong(*(const uint32_t *)p);
  }
  Py_RETURN_NONE;
}

static PyObject *tdmpy_array_getitem(TdmArray *a, PyObject *key) {
  PyObject *k[2] = {NULL, NULL};
  Py_ssize_t nk = 1;
  if (PyTuple_Check(key)) {
    nk = PyTuple_GET_SIZE(key);
    if (nk == 0 && a->ndim == 0) return tdmpy_scalar(a, 0, 0);
    if (nk > a->ndim) {
      PyErr_Format(PyExc_IndexError, "tandem: too many indices for a %d-D array", a->ndim);
      return NULL;
    }
    for (Py_ssize_t i = 0; i < nk; i++) k[i] = PyTuple_GET_ITEM(key, i);
  } else {
    if (a->ndim == 0) {
      PyErr_SetString(PyExc_IndexError, "tandem: a 0-D array takes only a[()]");
      return NULL;
    }
    k[0] = key;
  }
  /* Python axes -> tandem (rows, cols). */
  Py_ssize_t st[2] = {0, 0}, ln[2];
  int nax = a->ndim == 2 ? 2 : 1;
  for (int i = 0; i < nax; i++) {
    ln[i] = a->shape[i];
    if (i < nk && tdmpy_axis(k[i], a->shape[i], &st[i], &ln[i]) < 0) return NULL;
  }
  size_t r0, c0, nr, nc;
  int ndim = 0;
  if (a->ndim == 2) {
    r0 = (size_t)st[0], nr = ln[0] < 0 ? 1 : (size_t)ln[0];
    c0 = (size_t)st[1], nc = ln[1] < 0 ? 1 : (size_t)ln[1];
    ndim = (ln[0] >= 0) + (ln[1] >= 0);
  } else if (a->cols == 1) {
    r0 = (size_t)st[0], nr = ln[0] < 0 ? 1 : (size_t)ln[0], c0 = 0, nc = 1;
    ndim = ln[0] >= 0;
  } else { /* a 1-D row of a matrix */
    r0 = 0, nr = 1, c0 = (size_t)st[0], nc = ln[0] < 0 ? 1 : (size_t)ln[0];
    ndim = ln[0] >= 0;
  }
  if (ndim == 0) return tdmpy_scalar(a, r0, c0);
  size_t es = tdm_dtype_size(a->dt);
  TdmArray *o;
  if (tdm_buf_view) {
    o = tdmpy_make_view(a, r0, c0, nr, nc, ndim);
    if (!o) return NULL;
  } else { /* no views in this libtandem: a copy (docs/python.md) */
    Py_ssize_t sh[2] = {(Py_ssize_t)nr, (Py_ssize_t)nc};
    o = tdmpy_array_new(a->ctx, a->dt, 2, sh, 0);
    if (!o) return NULL;
    if (tdmpy_array_host(a, 0) < 0) {
      Py_DECREF(o);
      return NULL;
    }
    tdmpy_copy_cols(o->host, nr, a->host + (r0 + c0 * a->ld) * es, a->ld, nr, nc, es);
  }
  o->ndim = ndim;
  tdmpy_layout(o);
  return (PyObject *)o;
}

static int tdmpy_array_setitem(TdmArray *a, PyObject *key, PyObject *value) {
  if (!value) {
    PyErr_SetString(PyExc_TypeError, "tandem: array elements cannot be deleted");
    return -1;
  }
  if (tdmpy_writable(a, "the array") < 0) return -1;
  PyObject *np = tdmpy_array_numpy(a, NULL);
  if (!np) return -1;
  int r = PyObject_SetItem(np, key, value);
  Py_DECREF(np);
  return r;
}

static Py_ssize_t tdmpy_array_len(TdmArray *a) {
  if (a->ndim == 0) {
    PyErr_SetString(PyExc_TypeError, "len() of a 0-D tandem array");
    return -1;
  }
  return a->shape[0];
}

static PyMappingMethods tdmpy_array_mapping = {
    (lenfunc)tdmpy_array_len, (binaryfunc)tdmpy_array_getitem, (objobjargproc)tdmpy_array_setitem};

static PyNumberMethods tdmpy_array_number = {.nb_matrix_multiply = tdmpy_array_matmul};

static PyObject *tdmpy_array_repr(TdmArray *a) {
  PyObject *np = tdmpy_array_numpy(a, NULL);
  if (!np) return NULL;
  PyObject *r = PyUnicode_FromFormat("tandem.Array(%R, ctx=%s)", np,
                                     tdm_backend_name(tdm_ctx_device_backend(a->ctx->ctx)));
  Py_DECREF(np);
  return r;
}

PyTypeObject TdmArray_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tandem.Array",
    .tp_doc = "A tandem buffer: numpy shape and dtype, shares memory with numpy and DLPack.",
    .tp_basicsize = sizeof(TdmArray),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)tdmpy_array_dealloc,
    .tp_as_buffer = &tdmpy_as_buffer,
    .tp_as_mapping = &tdmpy_array_mapping,
    .tp_as_number = &tdmpy_array_number,
    .tp_methods = tdmpy_array_methods,
    .tp_getset = tdmpy_array_getset,
    .tp_repr = (reprfunc)tdmpy_array_repr,
};
