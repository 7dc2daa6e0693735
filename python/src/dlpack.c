/* dlpack.c -- DLPack for tandem arrays: __dlpack__ hands out the host copy
 * (kDLCPU) or, on a CUDA context, the device copy (kDLCUDA) with no copy,
 * in a versioned capsule or, for consumers that ask for no max_version, a
 * legacy one; _from_capsule wraps a CPU tensor a producer handed over (or
 * copies it when it is not column-major). The read-only and is-copied
 * flags are honoured both ways. */
#include <stdlib.h>
#include <string.h>

#include "dlpack.h"
#include "tdmpy.h"

typedef struct {
  union {
    DLManagedTensorVersioned v;
    DLManagedTensor l;
  } m;
  int64_t shape[2], strides[2];
  PyObject *owner; /* the exported Array */
} tdmpy_dlx;

static void tdmpy_dlx_free(tdmpy_dlx *x) {
  PyGILState_STATE g = PyGILState_Ensure(); /* a consumer may delete from any thread */
  Py_XDECREF(x->owner);
  free(x);
  PyGILState_Release(g);
}
static void tdmpy_del_v(DLManagedTensorVersioned *m) { tdmpy_dlx_free(m->manager_ctx); }
static void tdmpy_del_l(DLManagedTensor *m) { tdmpy_dlx_free(m->manager_ctx); }

/* A capsule nobody consumed still owns its tensor. */
static void tdmpy_cap_v(PyObject *cap) {
  if (!PyCapsule_IsValid(cap, "dltensor_versioned")) return;
  PyObject *t, *v, *tb;
  PyErr_Fetch(&t, &v, &tb);
  DLManagedTensorVersioned *m = PyCapsule_GetPointer(cap, "dltensor_versioned");
  if (m && m->deleter) m->deleter(m);
  PyErr_Restore(t, v, tb);
}
static void tdmpy_cap_l(PyObject *cap) {
  if (!PyCapsule_IsValid(cap, "dltensor")) return;
  PyObject *t, *v, *tb;
  PyErr_Fetch(&t, &v, &tb);
  DLManagedTensor *m = PyCapsule_GetPointer(cap, "dltensor");
  if (m && m->deleter) m->deleter(m);
  PyErr_Restore(t, v, tb);
}

static int tdmpy_is_cuda(TdmArray *a) {
  return tdm_ctx_device_backend(a->ctx->ctx) == TDM_CUDA;
}

PyObject *tdmpy_dlpack_device(TdmArray *a, PyObject *unused) {
  if (tdmpy_is_cuda(a)) return Py_BuildValue("(ii)", kDLCUDA, a->ctx->device);
  return Py_BuildValue("(ii)", kDLCPU, 0);
}

static DLDataType tdmpy_dl_dtype(tdm_dtype dt) {
  DLDataType d = {kDLFloat, 64, 1};
  switch (dt) {
  case TDM_F32: d.code = kDLFloat, d.bits = 32; break;
  case TDM_F64: d.code = kDLFloat, d.bits = 64; break;
  case TDM_I32: d.code = kDLInt, d.bits = 32; break;
  case TDM_I64: d.code = kDLInt, d.bits = 64; break;
  case TDM_U32: d.code = kDLUInt, d.bits = 32; break;
  }
  return d;
}

static int tdmpy_pair(PyObject *o, const char *what, long *a, long *b) {
  if (!PyTuple_Check(o) || PyTuple_GET_SIZE(o) != 2) {
    PyErr_Format(PyExc_TypeError, "__dlpack__: %s must be a tuple of two ints", what);
    return -1;
  }
  *a = PyLong_AsLong(PyTuple_GET_ITEM(o, 0));
  *b = PyLong_AsLong(PyTuple_GET_ITEM(o, 1));
  return PyErr_Occurred() ? -1 : 0;
}

PyObject *tdmpy_dlpack_export(TdmArray *a, PyObject *args, PyObject *kw) {
  static char *kws[] = {"stream", "max_version", "dl_device", "copy", NULL};
  PyObject *stream = Py_None, *maxv = Py_None, *dev = Py_None, *copy = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|$OOOO:__dlpack__", kws, &stream, &maxv, &dev, &copy))
    return NULL;
  long major = 0, minor = 0, dtype_ = 0, did = 0;
  if (maxv != Py_None && tdmpy_pair(maxv, "max_version", &major, &minor) < 0) return NULL;
  int versioned = maxv != Py_None && major >= 1;
  int cuda = tdmpy_is_cuda(a), to_cpu = !cuda;
  if (dev != Py_None) {
    if (tdmpy_pair(dev, "dl_device", &dtype_, &did) < 0) return NULL;
    if (dtype_ == kDLCPU) to_cpu = 1;
    else if (!(cuda && dtype_ == kDLCUDA && did == a->ctx->device)) {
      PyErr_Format(PyExc_BufferError,
                   "__dlpack__: dl_device (%ld, %ld): this array can go to the CPU (1, 0)%s", dtype_,
                   did, cuda ? " or its own CUDA device" : "");
      return NULL;
    }
  }
  if (to_cpu && !cuda && stream != Py_None) {
    PyErr_SetString(PyExc_BufferError, "__dlpack__: stream must be None for a CPU array");
    return NULL;
  }
  if (copy != Py_None && copy != Py_True && copy != Py_False) {
    PyErr_SetString(PyExc_TypeError, "__dlpack__: copy must be None, True or False");
    return NULL;
  }
  TdmArray *src = copy == Py_True ? tdmpy_array_copy(a) : (TdmArray *)Py_NewRef(a);
  if (!src) return NULL;
  int readonly = copy == Py_True ? 0 : a->readonly;
  if (!versioned && readonly) {
    Py_DECREF(src);
    PyErr_SetString(PyExc_BufferError,
                    "__dlpack__: the array is read-only and the legacy capsule cannot say so "
                    "(ask with max_version=(1, 0))");
    return NULL;
  }
  char *data;
  if (to_cpu) {
    if (tdmpy_array_host(src, !readonly) < 0) goto fail;
    data = src->host;
  } else {
    TdmArray *r = src->base ? src->base : src;
    void *p = NULL;
    tdm_status s;
    if (!tdm_buf_device_ptr) {
      PyErr_SetString(tdmpy_status_class(TDM_ERR_UNSUPPORTED),
                      "__dlpack__: this libtandem has no tdm_buf_device_ptr");
      goto fail;
    }
    TDMPY_NOGIL(s = tdm_buf_device_ptr(r->buf, !readonly, &p));
    if (s != TDM_OK) {
      tdmpy_raise(s);
      goto fail;
    }
    data = (char *)p + (src->host - r->host);
  }
  tdmpy_dlx *x = calloc(1, sizeof *x);
  if (!x) {
    PyErr_NoMemory();
    goto fail;
  }
  x->owner = (PyObject *)src;
  DLTensor *t = versioned ? &x->m.v.dl_tensor : &x->m.l.dl_tensor;
  t->data = data;
  t->device.device_type = to_cpu ? kDLCPU : kDLCUDA;
  t->device.device_id = to_cpu ? 0 : a->ctx->device;
  t->ndim = src->ndim;
  t->dtype = tdmpy_dl_dtype(src->dt);
  size_t es = tdm_dtype_size(src->dt);
  for (int i = 0; i < src->ndim; i++) {
    x->shape[i] = src->shape[i];
    x->strides[i] = src->strides[i] / (Py_ssize_t)es;
  }
  t->shape = x->shape;
  t->strides = x->strides;
  t->byte_offset = 0;
  PyObject *cap;
  if (versioned) {
    x->m.v.version.major = TDMPY_DLPACK_MAJOR;
    x->m.v.version.minor = TDMPY_DLPACK_MINOR;
    x->m.v.manager_ctx = x;
    x->m.v.deleter = tdmpy_del_v;
    x->m.v.flags = (readonly ? DLPACK_FLAG_BITMASK_READ_ONLY : 0) |
                   (copy == Py_True ? DLPACK_FLAG_BITMASK_IS_COPIED : 0);
    cap = PyCapsule_New(&x->m.v, "dltensor_versioned", tdmpy_cap_v);
  } else {
    x->m.l.manager_ctx = x;
    x->m.l.deleter = tdmpy_del_l;
    cap = PyCapsule_New(&x->m.l, "dltensor", tdmpy_cap_l);
  }
  if (!cap) {
    Py_DECREF(src);
    free(x);
  }
  return cap;
fail:
  Py_DECREF(src);
  return NULL;
}

static int tdmpy_dt_of(DLDataType d, tdm_dtype *out) {
  if (d.lanes == 1) {
    if (d.code == kDLFloat && d.bits == 64) { *out = TDM_F64; return 0; }
    if (d.code == kDLFloat && d.bits == 32) { *out = TDM_F32; return 0; }
    if (d.code == kDLInt && d.bits == 32) { *out = TDM_I32; return 0; }
    if (d.code == kDLInt && d.bits == 64) { *out = TDM_I64; return 0; }
    if (d.code == kDLUInt && d.bits == 32) { *out = TDM_U32; return 0; }
  }
  PyErr_Format(PyExc_TypeError,
               "tandem.from_dlpack: dtype (code %d, %d bits, %d lanes) is not supported "
               "(float32, float64, int32, int64, uint32)", d.code, d.bits, d.lanes);
  return -1;
}

/* _from_capsule(ctx, capsule, copy): copy None = only when not column-major;
 * True = always (unless the producer already copied); False = never. */
PyObject *tdmpy_from_capsule(PyObject *self, PyObject *args) {
  TdmContext *ctx;
  PyObject *cap, *copy = Py_None;
  if (!PyArg_ParseTuple(args, "O!O|O:_from_capsule", &TdmContext_Type, &ctx, &cap, &copy))
    return NULL;
  if (!tdmpy_ctx(ctx)) return NULL;
  const char *name = PyCapsule_CheckExact(cap) ? PyCapsule_GetName(cap) : NULL;
  int versioned;
  if (name && !strcmp(name, "dltensor_versioned")) versioned = 1;
  else if (name && !strcmp(name, "dltensor")) versioned = 0;
  else {
    PyErr_Format(PyExc_ValueError, "tandem.from_dlpack: not an unused DLPack capsule (%s)",
                 name ? name : "not a capsule");
    return NULL;
  }
  void *m = PyCapsule_GetPointer(cap, name);
  if (!m) return NULL;
  DLTensor *t;
  uint64_t flags = 0;
  if (versioned) {
    DLManagedTensorVersioned *v = m;
    if (v->version.major != TDMPY_DLPACK_MAJOR) {
      PyErr_Format(PyExc_BufferError, "tandem.from_dlpack: DLPack %u.%u is not supported (1.x)",
                   v->version.major, v->version.minor);
      return NULL;
    }
    t = &v->dl_tensor;
    flags = v->flags;
  } else {
    t = &((DLManagedTensor *)m)->dl_tensor;
  }
  int dev = t->device.device_type;
  if (dev != kDLCPU && dev != kDLCUDAHost && dev != kDLCUDAManaged) {
    PyErr_Format(PyExc_BufferError,
                 "tandem.from_dlpack: device type %d: only memory the CPU can read is taken", dev);
    return NULL;
  }
  tdm_dtype dt;
  if (tdmpy_dt_of(t->dtype, &dt) < 0) return NULL;
  if (t->ndim < 0 || t->ndim > 2) {
    PyErr_Format(PyExc_ValueError, "tandem.from_dlpack: arrays have at most 2 dimensions (got %d)",
                 (int)t->ndim);
    return NULL;
  }
  Py_ssize_t shape[2] = {1, 1}, st[2] = {1, 1}; /* strides in elements */
  for (int i = 0; i < t->ndim; i++) shape[i] = (Py_ssize_t)t->shape[i];
  if (t->strides) {
    for (int i = 0; i < t->ndim; i++) st[i] = (Py_ssize_t)t->strides[i];
  } else if (t->ndim == 2) {
    st[0] = shape[1], st[1] = 1;
  }
  int fortran = (shape[0] == 1 || st[0] == 1) && (t->ndim < 2 || shape[1] == 1 || st[1] == shape[0]);
  int is_copied = (flags & DLPACK_FLAG_BITMASK_IS_COPIED) != 0;
  int do_copy = !fortran || (copy == Py_True && !is_copied);
  char *data = (char *)t->data + t->byte_offset;
  TdmArray *a;
  /* Memory an Array of ctx already holds (a round trip): a view of it. */
  if (!do_copy && data && shape[0] > 0 && shape[1] > 0 &&
      (a = tdmpy_shared(ctx, data, dt, (size_t)shape[0], (size_t)shape[1], t->ndim))) {
    a->readonly |= (flags & DLPACK_FLAG_BITMASK_READ_ONLY) != 0;
    PyCapsule_SetName(cap, versioned ? "used_dltensor_versioned" : "used_dltensor");
    if (versioned) {
      DLManagedTensorVersioned *v = m;
      if (v->deleter) v->deleter(v);
    } else {
      DLManagedTensor *l = m;
      if (l->deleter) l->deleter(l);
    }
    return (PyObject *)a;
  }
  if (do_copy && copy == Py_False) {
    PyErr_SetString(PyExc_BufferError,
                    "tandem.from_dlpack: copy=False but the tensor is not column-major");
    return NULL;
  }
  size_t es = tdm_dtype_size(dt);
  if (do_copy) {
    a = tdmpy_array_new(ctx, dt, 2, shape, 0);
    if (!a) return NULL;
    tdmpy_gather(a, data, st[0] * (Py_ssize_t)es, st[1] * (Py_ssize_t)es);
    a->ndim = t->ndim;
    a->shape[0] = shape[0], a->shape[1] = shape[1];
    a->strides[0] = (Py_ssize_t)es, a->strides[1] = (Py_ssize_t)(es * (size_t)shape[0]);
    if (t->ndim == 1) a->strides[0] = (Py_ssize_t)es;
    PyCapsule_SetName(cap, versioned ? "used_dltensor_versioned" : "used_dltensor");
    if (versioned) {
      DLManagedTensorVersioned *v = m;
      if (v->deleter) v->deleter(v);
    } else {
      DLManagedTensor *l = m;
      if (l->deleter) l->deleter(l);
    }
    return (PyObject *)a;
  }
  /* Wrap: a 0-d or 1-element tensor is 1 x 1; otherwise shape as given. */
  Py_ssize_t psh[2] = {shape[0], shape[1]};
  a = tdmpy_array_new(ctx, dt, 0, psh, 0); /* a 1x1 placeholder holding the right ctx refs */
  if (!a) return NULL;
  tdm_buf_destroy(a->buf);
  a->buf = NULL;
  free(a->mem);
  a->mem = NULL;
  static double tdmpy_dummy;
  tdm_status s = tdm_buf_wrap(ctx->ctx, dt, (size_t)(shape[0] < 0 ? 0 : shape[0]),
                              (size_t)(shape[1] < 0 ? 0 : shape[1]), data ? (void *)data : &tdmpy_dummy,
                              &a->buf);
  if (s != TDM_OK) {
    Py_DECREF(a);
    return tdmpy_raise(s);
  }
  a->host = data;
  a->dl = m;
  a->dl_versioned = versioned;
  a->readonly = (flags & DLPACK_FLAG_BITMASK_READ_ONLY) != 0;
  a->ndim = t->ndim;
  a->rows = (size_t)shape[0], a->cols = (size_t)shape[1], a->ld = (size_t)shape[0];
  a->shape[0] = shape[0], a->shape[1] = shape[1];
  a->strides[0] = (Py_ssize_t)es;
  a->strides[1] = (Py_ssize_t)(es * (size_t)shape[0]);
  PyCapsule_SetName(cap, versioned ? "used_dltensor_versioned" : "used_dltensor");
  return (PyObject *)a;
}
