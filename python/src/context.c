/* context.c -- tandem.Context: a tdm_ctx made from (backend, threads,
 * device) with the environment's defaults for what is not given, and its
 * methods: arrays (asarray, empty, zeros), the ops (ops.c), rng, pool,
 * stats and sync. A task gets a lane Context bound to its lane. */
#include <string.h>

#include "tdmpy.h"

static PyObject *tdmpy_ctx_new(PyTypeObject *tp, PyObject *args, PyObject *kw) {
  static char *kws[] = {"backend", "threads", "device", NULL};
  PyObject *backendo = Py_None, *deviceo = Py_None;
  int threads = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|OiO:Context", kws, &backendo, &threads, &deviceo))
    return NULL;
  tdm_config cfg;
  tdm_config_default(&cfg);
  if (backendo != Py_None) {
    const char *b = PyUnicode_Check(backendo) ? PyUnicode_AsUTF8(backendo) : NULL;
    static const char *names[] = {"auto", "cpu", "cuda", "sim"};
    static const tdm_backend ids[] = {TDM_AUTO, TDM_CPU, TDM_CUDA, TDM_SIM};
    int k = -1;
    for (int i = 0; b && i < 4; i++)
      if (!strcmp(b, names[i])) k = i;
    if (k < 0) {
      PyErr_Format(tdmpy_status_class(TDM_ERR_INVALID),
                   "tandem.Context: backend: %R is not one of 'auto', 'cpu', 'cuda', 'sim'",
                   backendo);
      return NULL;
    }
    cfg.backend = ids[k];
  }
  if (threads < 0) {
    PyErr_Format(tdmpy_status_class(TDM_ERR_INVALID),
                 "tandem.Context: threads: %d must be >= 0 (0 = TDM_NUM_THREADS or all cores)",
                 threads);
    return NULL;
  }
  if (threads > 0) cfg.threads = threads;
  if (deviceo != Py_None) {
    long d = PyLong_AsLong(deviceo);
    if (d == -1 && PyErr_Occurred()) return NULL;
    if (d < 0 || d > 1 << 20) {
      PyErr_Format(tdmpy_status_class(TDM_ERR_INVALID), "tandem.Context: device: %ld is not a device ordinal", d);
      return NULL;
    }
    cfg.device = (int)d;
  }
  TdmContext *c = (TdmContext *)tp->tp_alloc(tp, 0);
  if (!c) return NULL;
  tdm_status s;
  tdm_ctx *ctx = NULL;
  TDMPY_NOGIL(s = tdm_ctx_create(&cfg, &ctx));
  if (s != TDM_OK) {
    Py_DECREF(c);
    return tdmpy_raise(s);
  }
  c->ctx = ctx;
  c->device = cfg.device < 0 ? 0 : cfg.device;
  return (PyObject *)c;
}

TdmContext *tdmpy_lane_new(TdmContext *root, tdm_ctx *lane_ctx, int lane, int worker, size_t index) {
  TdmContext *c = (TdmContext *)TdmContext_Type.tp_alloc(&TdmContext_Type, 0);
  if (!c) return NULL;
  c->ctx = lane_ctx;
  c->root = (TdmContext *)Py_NewRef(root);
  c->device = root->device;
  c->lane = lane, c->worker = worker, c->index = (Py_ssize_t)index;
  return c;
}

static void tdmpy_ctx_dealloc(TdmContext *c) {
  if (c->root) {
    Py_DECREF(c->root);
  } else if (c->ctx) {
    tdm_ctx *ctx = c->ctx;
    TDMPY_NOGIL(tdm_ctx_destroy(ctx));
  }
  Py_TYPE(c)->tp_free(c);
}

static PyObject *tdmpy_ctx_asarray(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"obj", "copy", NULL};
  PyObject *obj, *copyo = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:asarray", kws, &obj, &copyo)) return NULL;
  int copy = copyo == Py_None ? -1 : PyObject_IsTrue(copyo);
  if (copy == -1 && copyo != Py_None) return NULL;
  return (PyObject *)tdmpy_asarray(c, obj, copy);
}

static PyObject *tdmpy_ctx_make(TdmContext *c, PyObject *args, PyObject *kw, int zero) {
  static char *kws[] = {"shape", "dtype", NULL};
  PyObject *shapeo, *dto = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kw, zero ? "O|O:zeros" : "O|O:empty", kws, &shapeo, &dto))
    return NULL;
  int ndim;
  Py_ssize_t shape[2];
  tdm_dtype dt;
  if (tdmpy_shape(shapeo, &ndim, shape) < 0 || tdmpy_dtype_from(dto, TDM_F64, &dt) < 0) return NULL;
  return (PyObject *)tdmpy_array_new(c, dt, ndim, shape, zero);
}
static PyObject *tdmpy_ctx_empty(TdmContext *c, PyObject *a, PyObject *k) { return tdmpy_ctx_make(c, a, k, 0); }
static PyObject *tdmpy_ctx_zeros(TdmContext *c, PyObject *a, PyObject *k) { return tdmpy_ctx_make(c, a, k, 1); }

static PyObject *tdmpy_ctx_stats(TdmContext *c, PyObject *unused) {
  tdm_ctx *ctx = tdmpy_ctx(c);
  if (!ctx) return NULL;
  tdm_stats st;
  tdm_status s = tdm_ctx_stats(ctx, &st);
  if (s != TDM_OK) return tdmpy_raise(s);
  return Py_BuildValue("{sKsKsKsKsKsK}", "h2d_count", (unsigned long long)st.h2d_count, "h2d_bytes",
                       (unsigned long long)st.h2d_bytes, "d2h_count", (unsigned long long)st.d2h_count,
                       "d2h_bytes", (unsigned long long)st.d2h_bytes, "cpu_ops",
                       (unsigned long long)st.cpu_ops, "device_ops", (unsigned long long)st.device_ops);
}

static PyObject *tdmpy_ctx_stats_reset(TdmContext *c, PyObject *unused) {
  tdm_ctx *ctx = tdmpy_ctx(c);
  if (!ctx) return NULL;
  tdm_status s = tdm_ctx_stats_reset(ctx);
  if (s != TDM_OK) return tdmpy_raise(s);
  Py_RETURN_NONE;
}

static PyObject *tdmpy_ctx_sync(TdmContext *c, PyObject *unused) {
  tdm_ctx *ctx = tdmpy_ctx(c);
  if (!ctx) return NULL;
  tdm_status s;
  TDMPY_NOGIL(s = tdm_ctx_sync(ctx));
  if (s != TDM_OK) return tdmpy_raise(s);
  Py_RETURN_NONE;
}

static PyObject *tdmpy_ctx_rng(TdmContext *c, PyObject *a, PyObject *k) { return tdmpy_rng_new(c, a, k); }
static PyObject *tdmpy_ctx_pool(TdmContext *c, PyObject *a, PyObject *k) { return tdmpy_pool_new(c, a, k); }

#define TDMPY_KW(name, fn, doc) {name, (PyCFunction)(void (*)(void))fn, METH_VARARGS | METH_KEYWORDS, doc}
static PyMethodDef tdmpy_ctx_methods[] = {
    {"eval", (PyCFunction)(void (*)(void))tdmpy_eval, METH_FASTCALL | METH_KEYWORDS,
     "eval(src, /, out=None, dtype=None, **inputs): an elementwise expression, e.g. "
     "ctx.eval('exp(x) + 3*sin(x)', x=a)"},
    TDMPY_KW("asarray", tdmpy_ctx_asarray,
             "asarray(obj, copy=None): wraps a 1-D or Fortran-ordered 2-D array without copying"),
    TDMPY_KW("empty", tdmpy_ctx_empty, "empty(shape, dtype=float64)"),
    TDMPY_KW("zeros", tdmpy_ctx_zeros, "zeros(shape, dtype=float64)"),
    TDMPY_KW("reduce", tdmpy_reduce, "reduce(x, ops='sum'): one op (str) or several (sequence) in one pass"),
    TDMPY_KW("group_reduce", tdmpy_group_reduce, "group_reduce(x, groups, ngroups, op='sum', out=None)"),
    TDMPY_KW("gemm", tdmpy_gemm,
             "gemm(A, B, alpha=1, beta=0, out=None, trans_a=False, trans_b=False): alpha op(A) op(B) + beta out"),
    TDMPY_KW("crossprod", tdmpy_crossprod, "crossprod(X, out=None): X'X"),
    TDMPY_KW("cholesky", tdmpy_cholesky, "cholesky(A, overwrite=False): upper R with A = R'R"),
    TDMPY_KW("solve_spd", tdmpy_solve_spd, "solve_spd(A, B, overwrite=False): X with A X = B, A SPD"),
    /* second wave (ops2.c): UnsupportedError until libtandem has the call */
    TDMPY_KW("copy", tdmpy_copy2, "copy(x, dtype=None, out=None): dtype conversion as C does (tdm_copy)"),
    TDMPY_KW("take", tdmpy_take, "take(x, idx, axis=0, out=None): gather rows (axis 0) or columns"),
    TDMPY_KW("nonzero", tdmpy_nonzero, "nonzero(mask): column-major positions, a numpy int64 array"),
    {"eval_reduce", (PyCFunction)(void (*)(void))tdmpy_eval_reduce, METH_FASTCALL | METH_KEYWORDS,
     "eval_reduce(src, /, ops='sum', **inputs): reductions of an expression, not stored"},
    TDMPY_KW("reduce_axis", tdmpy_reduce_axis, "reduce_axis(x, axis=0, op='sum', dtype=float64, out=None)"),
    TDMPY_KW("group_stats", tdmpy_group_stats, "group_stats(x, groups, ngroups, ops='mean', out=None): ngroups x nops"),
    TDMPY_KW("sort", tdmpy_sort, "sort(x, overwrite=False): each column ascending, NaN last"),
    TDMPY_KW("argsort", tdmpy_argsort, "argsort(x, dtype=int64, out=None): stable ascending order"),
    TDMPY_KW("quantile", tdmpy_quantile, "quantile(x, q, out=None): numpy's linear quantiles per column"),
    TDMPY_KW("gemv", tdmpy_gemv, "gemv(A, x, alpha=1, beta=0, out=None, trans=False)"),
    TDMPY_KW("crossprod_w", tdmpy_crossprod_w, "crossprod_w(X, w, out=None): X' diag(w) X"),
    TDMPY_KW("solve_tri", tdmpy_solve_tri, "solve_tri(R, B, trans=False, overwrite=False): R X = B or R' X = B"),
    TDMPY_KW("chol_inverse", tdmpy_chol_inverse, "chol_inverse(R, out=None): (R'R)^-1"),
    TDMPY_KW("lstsq", tdmpy_lstsq, "lstsq(X, Y, out=None): least squares by Householder QR"),
    TDMPY_KW("eigh", tdmpy_eigh, "eigh(A, vectors=True): (w ascending, V) or w"),
    TDMPY_KW("svd", tdmpy_svd, "svd(X, vectors=True): (U, s descending, Vt) or s"),
    TDMPY_KW("rng", tdmpy_ctx_rng, "rng(seed=0, stream=0): a Philox stream"),
    TDMPY_KW("pool", tdmpy_ctx_pool, "pool(cpu_workers=0, gpu_lanes=0): a task pool"),
    {"stats", (PyCFunction)tdmpy_ctx_stats, METH_NOARGS, "transfer and op counters"},
    {"stats_reset", (PyCFunction)tdmpy_ctx_stats_reset, METH_NOARGS, NULL},
    {"sync", (PyCFunction)tdmpy_ctx_sync, METH_NOARGS, "waits for queued device work"},
    {NULL, NULL, 0, NULL},
};

static PyObject *tdmpy_ctx_backend(TdmContext *c, void *u) {
  tdm_ctx *ctx = tdmpy_ctx(c);
  return ctx ? PyUnicode_FromString(tdm_backend_name(tdm_ctx_device_backend(ctx))) : NULL;
}
static PyObject *tdmpy_ctx_threads(TdmContext *c, void *u) {
  tdm_ctx *ctx = tdmpy_ctx(c);
  return ctx ? PyLong_FromLong(tdm_ctx_threads(ctx)) : NULL;
}
static PyObject *tdmpy_ctx_note(TdmContext *c, void *u) {
  tdm_ctx *ctx = tdmpy_ctx(c);
  return ctx ? PyUnicode_FromString(tdm_ctx_device_note(ctx)) : NULL;
}
static PyObject *tdmpy_ctx_lane(TdmContext *c, void *u) {
  if (!c->root) Py_RETURN_NONE;
  return PyUnicode_FromString(c->lane == TDM_LANE_GPU ? "gpu" : "cpu");
}
static PyObject *tdmpy_ctx_worker(TdmContext *c, void *u) {
  if (!c->root) Py_RETURN_NONE;
  return PyLong_FromLong(c->worker);
}
static PyObject *tdmpy_ctx_device(TdmContext *c, void *u) { return PyLong_FromLong(c->device); }
static PyObject *tdmpy_ctx_root(TdmContext *c, void *u) { return Py_NewRef(tdmpy_root(c)); }

static PyGetSetDef tdmpy_ctx_getset[] = {
    {"backend", (getter)tdmpy_ctx_backend, NULL, "the device backend in use: cuda, sim, or cpu", NULL},
    {"threads", (getter)tdmpy_ctx_threads, NULL, "CPU threads", NULL},
    {"device_note", (getter)tdmpy_ctx_note, NULL, "why there is no device ('' if there is one)", NULL},
    {"device", (getter)tdmpy_ctx_device, NULL, "CUDA device ordinal asked for", NULL},
    {"lane", (getter)tdmpy_ctx_lane, NULL, "a task's lane ('cpu' or 'gpu'), None at top level", NULL},
    {"worker", (getter)tdmpy_ctx_worker, NULL, "a task's worker number, None at top level", NULL},
    {"root", (getter)tdmpy_ctx_root, NULL, "the top-level Context", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject TdmContext_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tandem.Context",
    .tp_doc = "Context(backend=None, threads=0, device=None): where tandem runs "
              "(backend 'auto', 'cpu', 'cuda' or 'sim'; None = TDM_BACKEND or auto).",
    .tp_basicsize = sizeof(TdmContext),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = tdmpy_ctx_new,
    .tp_dealloc = (destructor)tdmpy_ctx_dealloc,
    .tp_methods = tdmpy_ctx_methods,
    .tp_getset = tdmpy_ctx_getset,
};
