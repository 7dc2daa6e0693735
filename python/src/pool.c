/* pool.c -- tandem.Pool: a tdm_pool of a context, and map(fn, n) running
 * the Python callable fn(ctx, i) on the pool's workers. The task trampoline
 * takes the GIL to call fn and each tandem op fn makes releases it again,
 * so tasks whose work is tandem ops run in parallel. fn gets a Context
 * bound to its lane (valid only during the call); the lowest failing
 * index's exception is raised after the map, higher indices cancelled. */
#include <string.h>

#include "tdmpy.h"

typedef struct {
  PyObject_HEAD
  tdm_pool *p;
  TdmContext *ctx;
} TdmPool;

PyObject *tdmpy_pool_new(TdmContext *c, PyObject *args, PyObject *kw) {
  static char *kws[] = {"cpu_workers", "gpu_lanes", NULL};
  tdm_pool_config cfg = {0, 0};
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|ii:pool", kws, &cfg.cpu_workers, &cfg.gpu_lanes))
    return NULL;
  tdm_ctx *ctx = tdmpy_ctx(c);
  if (!ctx) return NULL;
  TdmPool *o = PyObject_New(TdmPool, &TdmPool_Type);
  if (!o) return NULL;
  o->p = NULL;
  o->ctx = (TdmContext *)Py_NewRef(tdmpy_root(c));
  tdm_status s;
  TDMPY_NOGIL(s = tdm_pool_create(ctx, &cfg, &o->p));
  if (s != TDM_OK) {
    Py_DECREF(o);
    return tdmpy_raise(s);
  }
  return (PyObject *)o;
}

static void tdmpy_pool_dealloc(TdmPool *o) {
  if (o->p) {
    tdm_pool *p = o->p;
    TDMPY_NOGIL(tdm_pool_destroy(p));
  }
  Py_XDECREF(o->ctx);
  PyObject_Free(o);
}

typedef struct {
  PyObject *fn;
  PyObject **res;
  TdmContext *root;
  size_t err_i; /* lowest failing index so far (n: none) */
  PyObject *et, *ev, *etb;
} tdmpy_job;

static tdm_status tdmpy_tramp(const tdm_task_env *env, size_t i, void *arg) {
  tdmpy_job *job = arg;
  PyGILState_STATE g = PyGILState_Ensure();
  TdmContext *lc = tdmpy_lane_new(job->root, env->ctx, (int)env->lane, env->worker, i);
  PyObject *r = lc ? PyObject_CallFunction(job->fn, "On", (PyObject *)lc, (Py_ssize_t)i) : NULL;
  tdm_status s = TDM_OK;
  if (r) {
    job->res[i] = r;
  } else {
    PyObject *et, *ev, *etb;
    PyErr_Fetch(&et, &ev, &etb);
    if (i < job->err_i) {
      Py_XDECREF(job->et), Py_XDECREF(job->ev), Py_XDECREF(job->etb);
      job->et = et, job->ev = ev, job->etb = etb, job->err_i = i;
    } else {
      Py_XDECREF(et), Py_XDECREF(ev), Py_XDECREF(etb);
    }
    s = TDM_ERR_INTERNAL; /* stands for "fn raised"; map re-raises the exception */
  }
  if (lc) {
    lc->ctx = NULL; /* the lane context ends with the task */
    Py_DECREF(lc);
  }
  PyGILState_Release(g);
  return s;
}

static PyObject *tdmpy_pool_map(TdmPool *o, PyObject *args, PyObject *kw) {
  static char *kws[] = {"fn", "n", "schedule", "chunk", "lanes", NULL};
  PyObject *fn;
  Py_ssize_t n, chunk = 0;
  const char *sched = "dynamic", *lanes = "any";
  if (!PyArg_ParseTupleAndKeywords(args, kw, "On|sns:map", kws, &fn, &n, &sched, &chunk, &lanes))
    return NULL;
  if (!PyCallable_Check(fn)) {
    PyErr_SetString(PyExc_TypeError, "Pool.map: fn must be callable as fn(ctx, i)");
    return NULL;
  }
  if (n < 0 || chunk < 0) {
    PyErr_SetString(tdmpy_status_class(TDM_ERR_INVALID), "Pool.map: n and chunk must be >= 0");
    return NULL;
  }
  tdm_schedule sc = {TDM_SCHED_DYNAMIC, (size_t)chunk, TDM_LANE_ANY};
  if (!strcmp(sched, "static")) sc.kind = TDM_SCHED_STATIC;
  else if (!strcmp(sched, "guided")) sc.kind = TDM_SCHED_GUIDED;
  else if (strcmp(sched, "dynamic")) {
    PyErr_Format(tdmpy_status_class(TDM_ERR_INVALID),
                 "Pool.map: schedule: '%s' is not static, dynamic or guided", sched);
    return NULL;
  }
  if (!strcmp(lanes, "cpu")) sc.lanes = TDM_LANE_CPU;
  else if (!strcmp(lanes, "gpu")) sc.lanes = TDM_LANE_GPU;
  else if (strcmp(lanes, "any")) {
    PyErr_Format(tdmpy_status_class(TDM_ERR_INVALID),
                 "Pool.map: lanes: '%s' is not any, cpu or gpu", lanes);
    return NULL;
  }
  tdmpy_job job = {fn, NULL, o->ctx, (size_t)n, NULL, NULL, NULL};
  job.res = PyMem_Calloc((size_t)n + 1, sizeof *job.res);
  if (!job.res) return PyErr_NoMemory();
  tdm_status s;
  TDMPY_NOGIL(s = tdm_map(o->p, (size_t)n, tdmpy_tramp, &job, sc));
  PyObject *ret = NULL;
  if (job.et) {
    PyErr_Restore(job.et, job.ev, job.etb);
  } else if (s != TDM_OK) {
    tdmpy_raise(s);
  } else if ((ret = PyList_New(n))) {
    for (Py_ssize_t i = 0; i < n; i++) {
      PyList_SET_ITEM(ret, i, job.res[i] ? job.res[i] : Py_NewRef(Py_None));
      job.res[i] = NULL;
    }
  }
  for (Py_ssize_t i = 0; i < n; i++) Py_XDECREF(job.res[i]);
  PyMem_Free(job.res);
  return ret;
}

static PyObject *tdmpy_pool_count(TdmPool *o, tdm_lane lane) {
  if (!tdm_pool_workers) {
    PyErr_SetString(tdmpy_status_class(TDM_ERR_UNSUPPORTED),
                    "Pool: this libtandem has no tdm_pool_workers");
    return NULL;
  }
  return PyLong_FromLong(tdm_pool_workers(o->p, lane));
}
static PyObject *tdmpy_pool_workers(TdmPool *o, void *u) { return tdmpy_pool_count(o, TDM_LANE_CPU); }
static PyObject *tdmpy_pool_lanes(TdmPool *o, void *u) { return tdmpy_pool_count(o, TDM_LANE_GPU); }

static PyMethodDef tdmpy_pool_methods[] = {
    {"map", (PyCFunction)tdmpy_pool_map, METH_VARARGS | METH_KEYWORDS,
     "map(fn, n, schedule='dynamic', chunk=0, lanes='any') -> [fn(ctx, i) for i in range(n)]"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef tdmpy_pool_getset[] = {
    {"cpu_workers", (getter)tdmpy_pool_workers, NULL, NULL, NULL},
    {"gpu_lanes", (getter)tdmpy_pool_lanes, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject TdmPool_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tandem.Pool",
    .tp_doc = "A task pool of a context (ctx.pool()).",
    .tp_basicsize = sizeof(TdmPool),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)tdmpy_pool_dealloc,
    .tp_methods = tdmpy_pool_methods,
    .tp_getset = tdmpy_pool_getset,
};
