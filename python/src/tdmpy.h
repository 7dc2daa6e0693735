/* tdmpy.h -- the shared declarations of the tandem Python extension: the
 * Context, Array, Rng and Pool objects, status -> exception, argument
 * conversion and the weak references to C calls that may not have landed
 * in the libtandem this was built against. */
#ifndef TDMPY_H
#define TDMPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "tandem/tandem.h"

/* Calls of the C API newer than some builds of libtandem: a weak reference
 * is NULL at run time when libtandem lacks the symbol, so binding a new call
 * is one line here and an `if (tdm_x)` where it is used. */
#pragma weak tdm_buf_view
#pragma weak tdm_copy
#pragma weak tdm_take
#pragma weak tdm_nonzero
#pragma weak tdm_eval_reduce
#pragma weak tdm_reduce_axis
#pragma weak tdm_group_stats
#pragma weak tdm_sort
#pragma weak tdm_argsort
#pragma weak tdm_quantile
#pragma weak tdm_gemv
#pragma weak tdm_crossprod_w
#pragma weak tdm_solve_tri
#pragma weak tdm_chol_inverse
#pragma weak tdm_lstsq
#pragma weak tdm_eigh
#pragma weak tdm_svd
#pragma weak tdm_pool_workers
#pragma weak tdm_map_status
#pragma weak tdm_buf_device_ptr /* added with this package; older builds lack it */

/* Runs a C call with the GIL released (the call may take a while, and a
 * task or another thread may run Python or tandem meanwhile). */
#define TDMPY_NOGIL(stmt)                                                      \
  do {                                                                         \
    PyThreadState *tdmpy_ts_ = PyEval_SaveThread();                            \
    stmt;                                                                      \
    PyEval_RestoreThread(tdmpy_ts_);                                           \
  } while (0)

typedef struct TdmContext {
  PyObject_HEAD
  tdm_ctx *ctx;             /* NULL once a task's lane context has gone */
  struct TdmContext *root;  /* a task lane's owning Context; NULL at top level */
  struct TdmArray *arrays;  /* live arrays of a top-level context (array.c) */
  int device;               /* CUDA ordinal asked for (DLPack device id) */
  int lane, worker;         /* for a task lane (tdm_task_env) */
  Py_ssize_t index;
} TdmContext;

typedef struct TdmArray {
  PyObject_HEAD
  tdm_buf *buf;
  TdmContext *ctx;          /* the top-level context (keeps the tdm_ctx alive) */
  struct TdmArray *base;    /* a view's whole-buffer array; NULL when not a view */
  char *host;               /* first element in host memory */
  void *mem;                /* memory allocated for this array, or NULL */
  Py_buffer view;           /* the wrapped exporter's buffer (has_view) */
  int has_view;
  void *dl;                 /* an imported DLPack tensor (deleted at the end) */
  int dl_versioned;
  tdm_dtype dt;
  int ndim;                 /* 0, 1 or 2 as Python sees it */
  int readonly;
  Py_ssize_t shape[2];      /* Python shape (ndim of them) */
  Py_ssize_t strides[2];    /* bytes */
  size_t rows, cols, ld;    /* tandem's view of it */
  struct TdmArray *prev, *next; /* the context's list of live arrays */
} TdmArray;

extern PyTypeObject TdmContext_Type, TdmArray_Type, TdmRng_Type, TdmPool_Type;

/* errors.c: raises the exception for s carrying tdm_last_error(); NULL. */
PyObject *tdmpy_raise(tdm_status s);
int tdmpy_errors_init(PyObject *m);
PyObject *tdmpy_status_class(tdm_status s);

/* dtype.c */
int tdmpy_dtype_from(PyObject *obj, tdm_dtype dflt, tdm_dtype *out); /* numpy dtype-like */
PyObject *tdmpy_dtype_obj(tdm_dtype dt);                               /* numpy.dtype, new ref */
const char *tdmpy_dtype_format(tdm_dtype dt);                          /* struct format */
int tdmpy_dtype_from_format(const char *fmt, Py_ssize_t itemsize, tdm_dtype *out);
PyObject *tdmpy_numpy(void); /* the numpy module, borrowed; NULL with an error */

/* array.c */
/* A new array of ctx with Python shape (ndim 0..2); zero != 0 zeroes it. */
TdmArray *tdmpy_array_new(TdmContext *ctx, tdm_dtype dt, int ndim, const Py_ssize_t *shape, int zero);
/* Makes the host copy current (and, for a writer, the only current one). */
int tdmpy_array_host(TdmArray *a, int write);
/* A contiguous copy (host side) with the same shape and dtype. */
TdmArray *tdmpy_array_copy(TdmArray *a);
/* An array of c over host memory p (rows x cols, column-major) that a live
 * whole-buffer Array of c already holds: a view of that Array, or NULL
 * (no error set) when there is none or the layout does not fit a window.
 * (A libtandem with views refuses to wrap memory twice.) */
TdmArray *tdmpy_shared(TdmContext *c, char *p, tdm_dtype dt, size_t rows, size_t cols, int ndim);
/* Python ndim 0..2 over the same rows x cols (1-D: a row or a column). */
void tdmpy_set_ndim(TdmArray *a, int ndim);
/* Copies a strided source (byte strides of the Python axes) into o. */
void tdmpy_gather(TdmArray *o, const char *src, Py_ssize_t s0, Py_ssize_t s1);
/* Parses a shape argument (int or tuple of 1 or 2 ints). */
int tdmpy_shape(PyObject *obj, int *ndim, Py_ssize_t shape[2]);
/* The argument as an array of ctx: an Array as is (new ref), anything with
 * the buffer protocol wrapped (or copied, see docs/python.md). */
TdmArray *tdmpy_asarray(TdmContext *ctx, PyObject *obj, int copy);
/* Checks that a is a writable Array (for out= and in-place ops). */
int tdmpy_writable(TdmArray *a, const char *what);
TdmContext *tdmpy_root(TdmContext *c);
/* The context's tdm_ctx, or NULL with an error when a lane has gone. */
tdm_ctx *tdmpy_ctx(TdmContext *c);

/* ops.c: the Context methods that run ops (METH_VARARGS | METH_KEYWORDS
 * unless named _fast), and the Array methods built on them. */
PyObject *tdmpy_eval(TdmContext *c, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);
PyObject *tdmpy_reduce(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_group_reduce(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_gemm(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_crossprod(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_cholesky(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_solve_spd(TdmContext *c, PyObject *args, PyObject *kw);
/* Expression inputs given as keywords (eval, eval_reduce): arrays of the
 * context (wrapped or copied as asarray does) and numbers (1-element
 * buffers of the compute dtype, made by tdmpy_inputs_numbers). */
#define TDMPY_MAX_IN 16
typedef struct {
  int nin, narr, all_f32;
  char names[1024];
  PyObject *vals[TDMPY_MAX_IN];
  TdmArray *arr[TDMPY_MAX_IN]; /* owned; NULL for numbers */
  tdm_buf *in[TDMPY_MAX_IN], *tmp[TDMPY_MAX_IN];
  double dv[TDMPY_MAX_IN];
  float fv[TDMPY_MAX_IN];
} tdmpy_inputs;
/* reserved: NULL-terminated keyword names that are not inputs; their values go to rvals. */
int tdmpy_inputs_parse(TdmContext *c, PyObject *const *kwv, PyObject *kwnames,
                       const char *const *reserved, PyObject **rvals, tdmpy_inputs *in);
int tdmpy_inputs_numbers(tdm_ctx *ctx, tdmpy_inputs *in, tdm_dtype dt);
void tdmpy_inputs_free(tdmpy_inputs *in);
int tdmpy_op_of(PyObject *o, tdm_reduce_op *op);       /* "sum" -> TDM_SUM */
int tdmpy_out_arg(TdmContext *c, PyObject *o, TdmArray **out);
TdmArray *tdmpy_matrix(TdmContext *c, size_t rows, size_t cols, int ndim, tdm_dtype dt, int zero);
TdmArray *tdmpy_inplace(TdmContext *c, PyObject *o, int overwrite, const char *what);
PyObject *tdmpy_array_reduce1(TdmArray *a, tdm_reduce_op op); /* a.sum() ... */
PyObject *tdmpy_array_matmul(PyObject *x, PyObject *y);
/* ops2.c: the second wave of C calls (each raises UnsupportedError until
 * libtandem has it). */
PyObject *tdmpy_copy2(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_take(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_nonzero(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_eval_reduce(TdmContext *c, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);
PyObject *tdmpy_reduce_axis(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_group_stats(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_sort(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_argsort(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_quantile(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_gemv(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_crossprod_w(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_solve_tri(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_chol_inverse(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_lstsq(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_eigh(TdmContext *c, PyObject *args, PyObject *kw);
PyObject *tdmpy_svd(TdmContext *c, PyObject *args, PyObject *kw);
/* rng.c */
extern PyObject *tdmpy_rng_class;
PyObject *tdmpy_rng_new(TdmContext *ctx, PyObject *args, PyObject *kw);
/* pool.c */
PyObject *tdmpy_pool_new(TdmContext *ctx, PyObject *args, PyObject *kw);
/* dlpack.c */
PyObject *tdmpy_dlpack_export(TdmArray *a, PyObject *args, PyObject *kw);
PyObject *tdmpy_dlpack_device(TdmArray *a, PyObject *unused);
PyObject *tdmpy_from_capsule(PyObject *self, PyObject *args);
/* context.c */
TdmContext *tdmpy_lane_new(TdmContext *root, tdm_ctx *lane_ctx, int lane, int worker, size_t index);

#endif
