/* errors.c -- tandem statuses as Python exceptions: tandem.Error and one
 * subclass per status, each also deriving from the builtin a Python user
 * would catch (ValueError for a bad argument, MemoryError, ...); the
 * message is tdm_last_error() and the class carries the status name. */
#include "tdmpy.h"

#define TDMPY_NSTATUS (TDM_ERR_UNSUPPORTED + 1)

static PyObject *tdmpy_exc[TDMPY_NSTATUS];
static PyObject *tdmpy_error_base;

/* Status, Python class name, builtin base. */
static const struct {
  tdm_status s;
  const char *name;
  PyObject **builtin;
} tdmpy_exc_table[] = {
    {TDM_ERR_INVALID, "InvalidError", &PyExc_ValueError},
    {TDM_ERR_NOMEM, "NoMemError", &PyExc_MemoryError},
    {TDM_ERR_DEVICE_NOMEM, "DeviceNoMemError", &PyExc_MemoryError},
    {TDM_ERR_NO_DEVICE, "NoDeviceError", &PyExc_RuntimeError},
    {TDM_ERR_NUMERIC, "NumericError", &PyExc_ArithmeticError},
    {TDM_ERR_PARSE, "ParseError", &PyExc_ValueError},
    {TDM_ERR_BACKEND, "BackendError", &PyExc_RuntimeError},
    {TDM_ERR_CANCELLED, "CancelledError", &PyExc_RuntimeError},
    {TDM_ERR_INTERNAL, "InternalError", &PyExc_RuntimeError},
    {TDM_ERR_UNSUPPORTED, "UnsupportedError", &PyExc_NotImplementedError},
};

PyObject *tdmpy_status_class(tdm_status s) {
  if ((int)s > 0 && (int)s < TDMPY_NSTATUS && tdmpy_exc[s]) return tdmpy_exc[s];
  return tdmpy_error_base;
}

PyObject *tdmpy_raise(tdm_status s) {
  const char *msg = tdm_last_error();
  if (!msg || !*msg) msg = tdm_status_text(s);
  PyErr_SetString(tdmpy_status_class(s), msg);
  return NULL;
}

static int tdmpy_set_status(PyObject *cls, tdm_status s) {
  PyObject *name = s == TDM_OK ? Py_NewRef(Py_None) : PyUnicode_FromString(tdm_status_name(s));
  if (!name) return -1;
  int r = PyObject_SetAttrString(cls, "status", name);
  Py_DECREF(name);
  return r;
}

int tdmpy_errors_init(PyObject *m) {
  tdmpy_error_base = PyErr_NewExceptionWithDoc(
      "tandem.Error", "A tandem call failed; the message is tdm_last_error().", NULL, NULL);
  if (!tdmpy_error_base || tdmpy_set_status(tdmpy_error_base, TDM_OK) < 0) return -1;
  if (PyModule_AddObjectRef(m, "Error", tdmpy_error_base) < 0) return -1;
  for (size_t i = 0; i < sizeof tdmpy_exc_table / sizeof tdmpy_exc_table[0]; i++) {
    char qual[64], doc[128];
    snprintf(qual, sizeof qual, "tandem.%s", tdmpy_exc_table[i].name);
    snprintf(doc, sizeof doc, "%s: %s.", tdm_status_name(tdmpy_exc_table[i].s),
             tdm_status_text(tdmpy_exc_table[i].s));
    PyObject *bases = PyTuple_Pack(2, tdmpy_error_base, *tdmpy_exc_table[i].builtin);
    if (!bases) return -1;
    PyObject *cls = PyErr_NewExceptionWithDoc(qual, doc, bases, NULL);
    Py_DECREF(bases);
    if (!cls || tdmpy_set_status(cls, tdmpy_exc_table[i].s) < 0) return -1;
    tdmpy_exc[tdmpy_exc_table[i].s] = cls;
    if (PyModule_AddObjectRef(m, tdmpy_exc_table[i].name, cls) < 0) return -1;
  }
  return 0;
}
