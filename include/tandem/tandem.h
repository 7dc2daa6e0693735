/* tandem.h -- the public C API of tandem, a numerical compute engine.
 * One API; each op runs on a CUDA GPU or on the CPU's cores. Buffers keep
 * a host and a device copy and move only when the other side needs them.
 * Every call returns a tdm_status; tdm_last_error() says what went wrong.
 * Matrices are column-major; a vector is n x 1. See docs/api.md. */
#ifndef TANDEM_H
#define TANDEM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(TDM_STATIC_DEFINE)
#define TDM_API
#elif defined(_WIN32)
#define TDM_API __declspec(dllimport)
#else
#define TDM_API __attribute__((visibility("default")))
#endif

#define TDM_VERSION_MAJOR 0
#define TDM_VERSION_MINOR 1
#define TDM_VERSION_PATCH 0
#define TDM_VERSION_STRING "0.1.0"
TDM_API const char *tdm_version(void);

/* ---- status and errors ------------------------------------------------ */
/* One list makes the enum and the names (tdm_status_name). */
#define TDM_STATUS_MAP(XX)                                                     \
  XX(OK, "success")                                                            \
  XX(ERR_INVALID, "invalid argument")                                          \
  XX(ERR_NOMEM, "host allocation failed")                                      \
  XX(ERR_DEVICE_NOMEM, "device allocation failed")                             \
  XX(ERR_NO_DEVICE, "no usable device")                                        \
  XX(ERR_NUMERIC, "numerical failure")                                         \
  XX(ERR_PARSE, "expression parse error")                                      \
  XX(ERR_BACKEND, "backend library call failed")                               \
  XX(ERR_CANCELLED, "cancelled")                                               \
  XX(ERR_INTERNAL, "internal error")                                           \
  XX(ERR_UNSUPPORTED, "not supported by this build or machine")

typedef enum tdm_status {
#define TDM__XX(name, text) TDM_##name,
  TDM_STATUS_MAP(TDM__XX)
#undef TDM__XX
} tdm_status;

TDM_API const char *tdm_status_name(tdm_status s);  /* "TDM_ERR_INVALID" */
TDM_API const char *tdm_status_text(tdm_status s);  /* "invalid argument" */
TDM_API const char *tdm_last_error(void); /* this thread's last message, "" if none */

/* ---- context, plan, stats --------------------------------------------- */
typedef struct tdm_ctx tdm_ctx;
typedef struct tdm_buf tdm_buf;
typedef struct tdm_expr tdm_expr;
typedef struct tdm_rng tdm_rng;
typedef struct tdm_pool tdm_pool;
typedef struct tdm_future tdm_future;

typedef enum tdm_dtype { TDM_F32, TDM_F64, TDM_I32, TDM_I64, TDM_U32 } tdm_dtype;
typedef enum tdm_backend { TDM_AUTO, TDM_CPU, TDM_CUDA, TDM_SIM } tdm_backend;

typedef struct tdm_config {
  tdm_backend backend; /* default from TDM_BACKEND=auto|cpu|cuda|sim, else TDM_AUTO */
  int threads;         /* CPU threads; 0 = TDM_NUM_THREADS, else all cores */
  int device;          /* CUDA device ordinal; default TDM_DEVICE, else 0 */
} tdm_config;

/* Fills cfg from the environment. A malformed variable (TDM_BACKEND=gpu,
 * TDM_NUM_THREADS=abc) sets that field to -1 and leaves a message in
 * tdm_last_error(); tdm_ctx_create then fails with TDM_ERR_INVALID. */
TDM_API void tdm_config_default(tdm_config *cfg);
TDM_API tdm_status tdm_ctx_create(const tdm_config *cfg, tdm_ctx **out); /* cfg NULL = defaults */
TDM_API void tdm_ctx_destroy(tdm_ctx *ctx);
TDM_API tdm_status tdm_ctx_sync(tdm_ctx *ctx);
/* TDM_CUDA, TDM_SIM, or TDM_CPU when no device is used. */
TDM_API tdm_backend tdm_ctx_device_backend(const tdm_ctx *ctx);
TDM_API int tdm_ctx_threads(const tdm_ctx *ctx);
/* Why the context has no device ("" if it has one): for `tandem info`. */
TDM_API const char *tdm_ctx_device_note(const tdm_ctx *ctx);
TDM_API const char *tdm_backend_name(tdm_backend b); /* "cpu", "cuda", ... */
TDM_API const char *tdm_dtype_name(tdm_dtype d);     /* "f64", ... */
TDM_API size_t tdm_dtype_size(tdm_dtype d);          /* 0 if not a dtype */

typedef struct tdm_stats {
  uint64_t h2d_count, h2d_bytes, d2h_count, d2h_bytes; /* host<->device copies */
  uint64_t cpu_ops, device_ops;                        /* ops run on each side */
} tdm_stats;
TDM_API tdm_status tdm_ctx_stats(const tdm_ctx *ctx, tdm_stats *out);
TDM_API tdm_status tdm_ctx_stats_reset(tdm_ctx *ctx);

/* ---- buffers ------------------------------------------------------------ */
/* A new buffer reads as zeros until written. */
TDM_API tdm_status tdm_buf_create(tdm_ctx *ctx, tdm_dtype dt, size_t rows, size_t cols, tdm_buf **out);
/* Uses the caller's memory as the host copy (no copy on the CPU); the memory
 * must outlive the buffer and be rows*cols elements of dt. */
TDM_API tdm_status tdm_buf_wrap(tdm_ctx *ctx, tdm_dtype dt, size_t rows, size_t cols, void *host, tdm_buf **out);
TDM_API tdm_status tdm_buf_write(tdm_buf *b, const void *src); /* whole buffer from host memory */
TDM_API tdm_status tdm_buf_read(tdm_buf *b, void *dst);        /* whole buffer to host memory; waits */
TDM_API void tdm_buf_destroy(tdm_buf *b);
TDM_API size_t tdm_buf_rows(const tdm_buf *b);
TDM_API size_t tdm_buf_cols(const tdm_buf *b);
TDM_API tdm_dtype tdm_buf_dtype(const tdm_buf *b);
/* For bindings that hand device memory to other libraries (DLPack): b's
 * device copy made current (copied up if stale, counted) and the context's
 * queue drained, so the memory is ready for any stream; write != 0 makes the
 * device copy the only current one (the caller will write it). A context
 * with no device is TDM_ERR_UNSUPPORTED. The pointer lives as long as b. */
TDM_API tdm_status tdm_buf_device_ptr(tdm_buf *b, int write, void **out);

/* ---- views, copies, indexing ----------------------------------------------- */
/* A window of rows r0..r0+nrows-1 and columns c0..c0+ncols-1 of b that shares
 * b's storage (no copy). Every call that takes a buffer takes a view, and a
 * write through a view is seen by b. A view of a view views the same storage;
 * the storage lives until b and all its views are destroyed, in any order.
 * A window outside b, or nrows or ncols of 0, is TDM_ERR_INVALID. */
TDM_API tdm_status tdm_buf_view(tdm_buf *b, size_t r0, size_t c0, size_t nrows, size_t ncols,
                                tdm_buf **out);
/* Elements between the starts of two columns: rows for a buffer, the
 * storage's rows for a view. */
TDM_API size_t tdm_buf_ld(const tdm_buf *b);
/* dst := src (same rows and cols), converting dtypes as C does (float to
 * integer truncates toward zero). A value that does not fit dst's dtype
 * (NaN, +-inf or out of range into an integer, an integer narrowing out of
 * range) is TDM_ERR_INVALID and dst is left unchanged; F64 to F32 rounds. */
TDM_API tdm_status tdm_copy(tdm_ctx *ctx, const tdm_buf *src, tdm_buf *dst);
/* Gather. axis 0: row i of out = row idx[i] of x (out len(idx) x cols(x));
 * axis 1: column j of out = column idx[j] of x (out rows(x) x len(idx)).
 * idx is an I32 or I64 vector; an index outside x is TDM_ERR_INVALID and
 * out is left unchanged. */
TDM_API tdm_status tdm_take(tdm_ctx *ctx, const tdm_buf *x, int axis, const tdm_buf *idx,
                            tdm_buf *out);
/* Column-major positions of the non-zero elements of mask (NaN is non-zero,
 * -0.0 is zero), ascending, into the first *count elements of idx (I32 or
 * I64, at least as many elements as mask). */
TDM_API tdm_status tdm_nonzero(tdm_ctx *ctx, const tdm_buf *mask, tdm_buf *idx, size_t *count);

/* ---- elementwise expressions and reductions ------------------------------ */
TDM_API tdm_status tdm_expr_compile(tdm_ctx *ctx, const char *src, const char *inputs, tdm_expr **out);
TDM_API tdm_status tdm_expr_eval(tdm_expr *e, tdm_buf *out, tdm_buf *const in[]);
TDM_API void tdm_expr_destroy(tdm_expr *e);
/* Compiles once (cached per context), then evaluates. */
TDM_API tdm_status tdm_eval(tdm_ctx *ctx, const char *src, const char *inputs,
                            tdm_buf *out, tdm_buf *const in[]);

/* TDM_COUNT: the number of elements (in a group, the group's size). */
typedef enum tdm_reduce_op {
  TDM_SUM, TDM_MEAN, TDM_MIN, TDM_MAX, TDM_VAR, TDM_SD, TDM_COUNT
} tdm_reduce_op;
/* All requested statistics in one pass over x (F32 or F64). */
TDM_API tdm_status tdm_reduce(tdm_ctx *ctx, const tdm_buf *x, size_t nops,
                              const tdm_reduce_op ops[], double out[]);
/* groups: I32 ids in [0, ngroups), one per element of x; out: ngroups x 1 F64. */
TDM_API tdm_status tdm_group_reduce(tdm_ctx *ctx, const tdm_buf *x, const tdm_buf *groups,
                                    size_t ngroups, tdm_reduce_op op, tdm_buf *out);

/* ---- statistics ----------------------------------------------------------- */
/* Every reduction, group statistic, sort and quantile gives the same bits for
 * any thread count (fixed blocks merged in a fixed order). */
/* out[k] = ops[k] over every element of the expression src on in[], without
 * storing it; inputs broadcast as in tdm_eval. */
TDM_API tdm_status tdm_eval_reduce(tdm_ctx *ctx, const char *src, const char *inputs,
                                   tdm_buf *const in[], size_t nops, const tdm_reduce_op ops[],
                                   double out[]);
/* One statistic per column (axis 0, out 1 x cols) or per row (axis 1, out
 * rows x 1); out is F64 or x's dtype. */
TDM_API tdm_status tdm_reduce_axis(tdm_ctx *ctx, const tdm_buf *x, int axis, tdm_reduce_op op,
                                   tdm_buf *out);
/* Several statistics per group in one pass: out is ngroups x nops F64, column
 * k for ops[k]; groups are I32 or I64 ids in [0, ngroups), one per element of
 * x (F32 or F64). An empty group gives COUNT 0 and NaN for the rest. */
TDM_API tdm_status tdm_group_stats(tdm_ctx *ctx, const tdm_buf *x, const tdm_buf *groups,
                                   size_t ngroups, size_t nops, const tdm_reduce_op ops[],
                                   tdm_buf *out);
/* Sorts each column of x ascending in place (F32, F64, I32, I64, U32; NaN last). */
TDM_API tdm_status tdm_sort(tdm_ctx *ctx, tdm_buf *x);
/* idx := the stable ascending order of the vector x (idx I32 or I64). */
TDM_API tdm_status tdm_argsort(tdm_ctx *ctx, const tdm_buf *x, tdm_buf *idx);
/* Quantiles q[0..nq) in [0, 1] of each column of x (F32/F64), numpy's default
 * ("linear", type 7): out nq x cols(x) F64, row k for q[k]. x is not changed;
 * a column holding a NaN gives NaN. */
TDM_API tdm_status tdm_quantile(tdm_ctx *ctx, const tdm_buf *x, size_t nq, const double q[],
                                tdm_buf *out);

/* ---- linear algebra (F32 or F64; all operands one dtype) ----------------- */
typedef enum tdm_trans { TDM_NOTRANS, TDM_TRANS } tdm_trans;
TDM_API tdm_status tdm_gemm(tdm_ctx *ctx, tdm_trans ta, tdm_trans tb, double alpha,
                            const tdm_buf *A, const tdm_buf *B, double beta, tdm_buf *C);
TDM_API tdm_status tdm_crossprod(tdm_ctx *ctx, const tdm_buf *X, tdm_buf *C); /* C = X'X, both triangles */
TDM_API tdm_status tdm_cholesky(tdm_ctx *ctx, tdm_buf *A); /* in place: upper R, A = R'R, below zeroed */
TDM_API tdm_status tdm_solve_spd(tdm_ctx *ctx, tdm_buf *A, tdm_buf *B); /* A X = B; X into B; A := R */
/* Inputs marked const are not changed, here and everywhere. */
TDM_API tdm_status tdm_gemv(tdm_ctx *ctx, tdm_trans ta, double alpha, const tdm_buf *A,
                            const tdm_buf *x, double beta, tdm_buf *y); /* y = alpha op(A) x + beta y */
/* C = X' diag(w) X, both triangles; w is rows(X) x 1 (negative weights allowed). */
TDM_API tdm_status tdm_crossprod_w(tdm_ctx *ctx, const tdm_buf *X, const tdm_buf *w, tdm_buf *C);
/* R upper triangular (as tdm_cholesky leaves it): R X = B (TDM_NOTRANS) or
 * R' X = B (TDM_TRANS); X into B. A zero on the diagonal is TDM_ERR_NUMERIC. */
TDM_API tdm_status tdm_solve_tri(tdm_ctx *ctx, tdm_trans t, const tdm_buf *R, tdm_buf *B);
/* From the Cholesky factor R: Ainv = (R'R)^-1, both triangles. */
TDM_API tdm_status tdm_chol_inverse(tdm_ctx *ctx, const tdm_buf *R, tdm_buf *Ainv);
/* B minimizes ||X B - Y|| column by column (Householder QR); X n x p with
 * n >= p, Y n x k, B p x k. Numerically rank-deficient X: TDM_ERR_NUMERIC. */
TDM_API tdm_status tdm_lstsq(tdm_ctx *ctx, const tdm_buf *X, const tdm_buf *Y, tdm_buf *B);
/* Symmetric eigen-decomposition of A (lower triangle read): w n x 1 ascending;
 * V n x n eigenvectors as columns, or NULL. */
TDM_API tdm_status tdm_eigh(tdm_ctx *ctx, const tdm_buf *A, tdm_buf *w, tdm_buf *V);
/* Thin SVD X = U diag(s) Vt, k = min(m, n): U m x k, s k x 1 descending, Vt
 * k x n; U and Vt may be NULL (values only). */
TDM_API tdm_status tdm_svd(tdm_ctx *ctx, const tdm_buf *X, tdm_buf *U, tdm_buf *s, tdm_buf *Vt);

/* ---- random numbers (Philox4x32-10, cuRAND's stream layout) -------------- */
TDM_API tdm_status tdm_rng_create(tdm_ctx *ctx, uint64_t seed, uint64_t stream, tdm_rng **out);
TDM_API void tdm_rng_destroy(tdm_rng *r);
TDM_API tdm_status tdm_rng_bits(tdm_rng *r, tdm_buf *out); /* U32 raw Philox4x32-10 output */
TDM_API tdm_status tdm_rng_uniform(tdm_rng *r, tdm_buf *out, double lo, double hi);
TDM_API tdm_status tdm_rng_normal(tdm_rng *r, tdm_buf *out, double mean, double sd);
TDM_API tdm_status tdm_rng_gamma(tdm_rng *r, tdm_buf *out, double shape, double scale);
/* More draws; docs/random.md gives each one's algorithm and how many stream
 * words a value consumes. Real-valued draws fill F32 or F64; counts
 * (poisson, binomial, bernoulli) fill I32, I64, F32 or F64 (bernoulli also
 * U32). Bad parameters (rate <= 0, p outside [0, 1], lo >= hi, ...) and
 * dtypes are TDM_ERR_INVALID. */
TDM_API tdm_status tdm_rng_exponential(tdm_rng *r, tdm_buf *out, double rate);
TDM_API tdm_status tdm_rng_lognormal(tdm_rng *r, tdm_buf *out, double meanlog, double sdlog);
TDM_API tdm_status tdm_rng_beta(tdm_rng *r, tdm_buf *out, double a, double b);
TDM_API tdm_status tdm_rng_chisq(tdm_rng *r, tdm_buf *out, double df);
TDM_API tdm_status tdm_rng_poisson(tdm_rng *r, tdm_buf *out, double lambda);
TDM_API tdm_status tdm_rng_binomial(tdm_rng *r, tdm_buf *out, int64_t n, double p);
TDM_API tdm_status tdm_rng_bernoulli(tdm_rng *r, tdm_buf *out, double p);
/* Integers uniform on [lo, hi) into I32, I64 or U32 (the range must fit). */
TDM_API tdm_status tdm_rng_integers(tdm_rng *r, tdm_buf *out, int64_t lo, int64_t hi);
/* A uniformly random permutation of 0 .. len-1, len = elements of out (I32 or I64). */
TDM_API tdm_status tdm_rng_permutation(tdm_rng *r, tdm_buf *out);
/* Indices drawn with replacement from [0, n) (I32 or I64): bootstrap resamples. */
TDM_API tdm_status tdm_rng_bootstrap(tdm_rng *r, tdm_buf *out, size_t n);
/* The stream position in 32-bit words; seek moves it (to replay or skip draws). */
TDM_API uint64_t tdm_rng_offset(const tdm_rng *r);
TDM_API tdm_status tdm_rng_seek(tdm_rng *r, uint64_t offset);

/* ---- tasks ----------------------------------------------------------------- */
typedef enum tdm_lane { TDM_LANE_ANY, TDM_LANE_CPU, TDM_LANE_GPU } tdm_lane;
typedef struct tdm_task_env {
  tdm_ctx *ctx;   /* bound to the lane the task runs on: one CPU thread, or one GPU stream */
  tdm_lane lane;  /* TDM_LANE_CPU or TDM_LANE_GPU */
  int worker;     /* CPU workers 0..cpu_workers-1, then GPU lanes */
  size_t index;   /* task index in a map; 0 for submit */
} tdm_task_env;
typedef struct tdm_pool_config { int cpu_workers; int gpu_lanes; } tdm_pool_config; /* 0 = default */
TDM_API tdm_status tdm_pool_create(tdm_ctx *ctx, const tdm_pool_config *cfg, tdm_pool **out);
TDM_API void tdm_pool_destroy(tdm_pool *p); /* waits for submitted work */
/* CPU workers (TDM_LANE_CPU), GPU lanes (TDM_LANE_GPU) or both (TDM_LANE_ANY). */
TDM_API int tdm_pool_workers(const tdm_pool *p, tdm_lane lane);
typedef tdm_status (*tdm_task_fn)(const tdm_task_env *env, void *arg);
TDM_API tdm_status tdm_submit(tdm_pool *p, tdm_lane lane, tdm_task_fn fn, void *arg, tdm_future **out);
TDM_API tdm_status tdm_future_wait(tdm_future *f); /* the task's own status */
/* Releasing a future whose task has not finished is allowed: it still runs. */
TDM_API void tdm_future_release(tdm_future *f);
/* Cancels a task that has not started: it will not run and its wait returns
 * TDM_ERR_CANCELLED. TDM_ERR_INVALID when it has started or finished. */
TDM_API tdm_status tdm_future_cancel(tdm_future *f);
typedef enum tdm_sched_kind { TDM_SCHED_STATIC, TDM_SCHED_DYNAMIC, TDM_SCHED_GUIDED } tdm_sched_kind;
/* chunk 0 = default; lanes: which lanes take indices, TDM_LANE_ANY (0, the
 * default) for every CPU worker and GPU lane of the pool. */
typedef struct tdm_schedule { tdm_sched_kind kind; size_t chunk; tdm_lane lanes; } tdm_schedule;
typedef tdm_status (*tdm_map_fn)(const tdm_task_env *env, size_t i, void *arg);
/* Runs fn(i) for i in [0, n); returns the status of the lowest failing index
 * (every lower index runs; higher ones not yet started are cancelled). */
TDM_API tdm_status tdm_map(tdm_pool *p, size_t n, tdm_map_fn fn, void *arg, tdm_schedule sched);
/* tdm_map that also reports each index's own status in status[0..n):
 * TDM_ERR_CANCELLED for the indices cancelled by a failure. */
TDM_API tdm_status tdm_map_status(tdm_pool *p, size_t n, tdm_map_fn fn, void *arg,
                                  tdm_schedule sched, tdm_status status[]);

#ifdef __cplusplus
}
#endif
#endif /* TANDEM_H */
