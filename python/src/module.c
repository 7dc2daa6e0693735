/* module.c -- the tandem._tandem extension module: registers the types and
 * exceptions, and the module functions (info, the DLPack capsule import,
 * test hooks for the status -> exception table). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <unistd.h>

#include "tdmpy.h"

static PyObject *tdmpy_info(PyObject *self, PyObject *unused) {
  Dl_info di;
  char lib[4096] = "", mod[4096] = "";
  if (dladdr((void *)&tdm_version, &di) && di.dli_fname) {
    snprintf(lib, sizeof lib, "%s", di.dli_fname);
    const char *slash = strrchr(lib, '/');
    if (slash) {
      snprintf(mod, sizeof mod, "%.*s/libtandem_cuda.so", (int)(slash - lib), lib);
      if (access(mod, R_OK) != 0) mod[0] = 0;
    }
  }
  tdm_ctx *ctx = NULL;
  tdm_status s;
  TDMPY_NOGIL(s = tdm_ctx_create(NULL, &ctx));
  if (s != TDM_OK) return tdmpy_raise(s);
  PyObject *r = Py_BuildValue(
      "{sssssNsssssi}", "version", tdm_version(), "library", lib, "cuda_module",
      mod[0] ? PyUnicode_FromString(mod) : Py_NewRef(Py_None), "backend",
      tdm_backend_name(tdm_ctx_device_backend(ctx)), "device_note", tdm_ctx_device_note(ctx),
      "threads", tdm_ctx_threads(ctx));
  TDMPY_NOGIL(tdm_ctx_destroy(ctx));
  return r;
}

static PyObject *tdmpy_status_class_py(PyObject *self, PyObject *arg) {
  long s = PyLong_AsLong(arg);
  if (s == -1 && PyErr_Occurred()) return NULL;
  return Py_NewRef(tdmpy_status_class((tdm_status)s));
}

/* _raise_status(code): raises what a call failing with that status raises. */
static PyObject *tdmpy_raise_status(PyObject *self, PyObject *arg) {
  long s = PyLong_AsLong(arg);
  if (s == -1 && PyErr_Occurred()) return NULL;
  PyErr_Format(tdmpy_status_class((tdm_status)s), "%s: %s", tdm_status_name((tdm_status)s),
               tdm_status_text((tdm_status)s));
  return NULL;
}

static PyObject *tdmpy_statuses(PyObject *self, PyObject *unused) {
  PyObject *d = PyDict_New();
  for (int s = 0; d && s <= TDM_ERR_UNSUPPORTED; s++) {
    PyObject *v = PyLong_FromLong(s);
    if (!v || PyDict_SetItemString(d, tdm_status_name((tdm_status)s), v) < 0) {
      Py_XDECREF(v);
      Py_DECREF(d);
      return NULL;
    }
    Py_DECREF(v);
  }
  return d;
}

static PyObject *tdmpy_set_rng_class(PyObject *self, PyObject *cls) {
  if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, &TdmRng_Type)) {
    PyErr_SetString(PyExc_TypeError, "_set_rng_class: a subclass of _Rng");
    return NULL;
  }
  Py_XSETREF(tdmpy_rng_class, Py_NewRef(cls));
  Py_RETURN_NONE;
}

static PyMethodDef tdmpy_module_methods[] = {
    {"info", tdmpy_info, METH_NOARGS, "version, library paths, the default context's backend"},
    {"_from_capsule", tdmpy_from_capsule, METH_VARARGS, NULL},
    {"_status_class", tdmpy_status_class_py, METH_O, NULL},
    {"_raise_status", tdmpy_raise_status, METH_O, NULL},
    {"_statuses", tdmpy_statuses, METH_NOARGS, NULL},
    {"_set_rng_class", tdmpy_set_rng_class, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef tdmpy_module = {
    PyModuleDef_HEAD_INIT, "tandem._tandem", "tandem's C extension (see the tandem package).", -1,
    tdmpy_module_methods,
};

PyMODINIT_FUNC PyInit__tandem(void) {
  PyTypeObject *types[] = {&TdmContext_Type, &TdmArray_Type, &TdmRng_Type, &TdmPool_Type};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (PyType_Ready(types[i]) < 0) return NULL;
  PyObject *m = PyModule_Create(&tdmpy_module);
  if (!m) return NULL;
  if (tdmpy_errors_init(m) < 0 ||
      PyModule_AddObjectRef(m, "Context", (PyObject *)&TdmContext_Type) < 0 ||
      PyModule_AddObjectRef(m, "Array", (PyObject *)&TdmArray_Type) < 0 ||
      PyModule_AddObjectRef(m, "_Rng", (PyObject *)&TdmRng_Type) < 0 ||
      PyModule_AddObjectRef(m, "Pool", (PyObject *)&TdmPool_Type) < 0 ||
      PyModule_AddStringConstant(m, "__version__", tdm_version()) < 0 ||
      PyModule_AddIntConstant(m, "_have_views", tdm_buf_view != NULL) < 0 ||
      PyModule_AddIntConstant(m, "_have_copy", tdm_copy != NULL) < 0) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
