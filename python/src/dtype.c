/* dtype.c -- tandem dtypes and numpy's: numpy.dtype objects for .dtype,
 * dtype-like arguments ("float64", np.float32, ...), and the struct
 * format characters of the buffer protocol. */
#include <string.h>

#include "tdmpy.h"

static const struct {
  tdm_dtype dt;
  const char *np;  /* numpy's name */
  const char *fmt; /* buffer protocol format */
} tdmpy_dtypes[] = {
    {TDM_F32, "float32", "f"}, {TDM_F64, "float64", "d"}, {TDM_I32, "int32", "i"},
    {TDM_I64, "int64", "q"},   {TDM_U32, "uint32", "I"},
};
#define TDMPY_NDT (sizeof tdmpy_dtypes / sizeof tdmpy_dtypes[0])

static PyObject *tdmpy_np;
static PyObject *tdmpy_dt_obj[TDMPY_NDT];

PyObject *tdmpy_numpy(void) {
  if (!tdmpy_np) tdmpy_np = PyImport_ImportModule("numpy");
  return tdmpy_np;
}

PyObject *tdmpy_dtype_obj(tdm_dtype dt) {
  for (size_t i = 0; i < TDMPY_NDT; i++) {
    if (tdmpy_dtypes[i].dt != dt) continue;
    if (!tdmpy_dt_obj[i]) {
      PyObject *np = tdmpy_numpy();
      if (!np) return NULL;
      tdmpy_dt_obj[i] = PyObject_CallMethod(np, "dtype", "s", tdmpy_dtypes[i].np);
      if (!tdmpy_dt_obj[i]) return NULL;
    }
    return Py_NewRef(tdmpy_dt_obj[i]);
  }
  PyErr_Format(PyExc_SystemError, "tandem: dtype %d has no numpy name", (int)dt);
  return NULL;
}

const char *tdmpy_dtype_format(tdm_dtype dt) {
  for (size_t i = 0; i < TDMPY_NDT; i++)
    if (tdmpy_dtypes[i].dt == dt) return tdmpy_dtypes[i].fmt;
  return "B";
}

int tdmpy_dtype_from(PyObject *obj, tdm_dtype dflt, tdm_dtype *out) {
  if (!obj || obj == Py_None) {
    *out = dflt;
    return 0;
  }
  PyObject *np = tdmpy_numpy();
  if (!np) return -1;
  PyObject *d = PyObject_CallMethod(np, "dtype", "O", obj);
  if (!d) return -1;
  PyObject *name = PyObject_GetAttrString(d, "name");
  Py_DECREF(d);
  if (!name) return -1;
  const char *s = PyUnicode_AsUTF8(name);
  int r = -1;
  if (s) {
    for (size_t i = 0; i < TDMPY_NDT; i++)
      if (!strcmp(s, tdmpy_dtypes[i].np)) {
        *out = tdmpy_dtypes[i].dt;
        r = 0;
      }
    if (r < 0)
      PyErr_Format(PyExc_TypeError,
                   "tandem: dtype %s is not supported (float32, float64, int32, int64, uint32)", s);
  }
  Py_DECREF(name);
  return r;
}

int tdmpy_dtype_from_format(const char *fmt, Py_ssize_t itemsize, tdm_dtype *out) {
  if (!fmt) fmt = "B";
  if (*fmt == '@' || *fmt == '=' || *fmt == '<' || *fmt == '|') fmt++;
  char c = *fmt;
  if (fmt[0] && fmt[1]) c = 0; /* not a single scalar */
  switch (c) {
  case 'd': if (itemsize == 8) { *out = TDM_F64; return 0; } break;
  case 'f': if (itemsize == 4) { *out = TDM_F32; return 0; } break;
  case 'i': case 'l': case 'q':
    if (itemsize == 4) { *out = TDM_I32; return 0; }
    if (itemsize == 8) { *out = TDM_I64; return 0; }
    break;
  case 'I': case 'L': case 'Q':
    if (itemsize == 4) { *out = TDM_U32; return 0; }
    break;
  default: break;
  }
  PyErr_Format(PyExc_TypeError,
               "tandem: arrays of format '%s' (itemsize %zd) are not supported "
               "(float32, float64, int32, int64, uint32)", fmt, itemsize);
  return -1;
}
