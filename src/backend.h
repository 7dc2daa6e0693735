/* backend.h -- the one table every backend fills (SQLite io_methods style).
 * A backend works on raw pointers in its own address space: host pointers
 * for the CPU backend, device pointers for the sim and CUDA backends. The
 * core validates arguments and moves data first (coherence.c); a backend
 * only computes. Nothing above this header includes a CUDA header. */
#ifndef TDM_BACKEND_H
#define TDM_BACKEND_H

#include "tandem/tandem.h"

#define TDM__BACKEND_VERSION 1

/* Statistics one reduction pass produces; the core derives the requested
 * ops from them. m2 = sum of squared deviations from the mean. NaN in the
 * data propagates into every field. */
typedef struct tdm__moments {
  double n, sum, mean, m2, min, max;
} tdm__moments;
enum { TDM__NEED_SUM = 1, TDM__NEED_M2 = 2, TDM__NEED_MINMAX = 4 };

/* Compiled expression (src/expr/expr_int.h) and one evaluation's operands. */
typedef struct tdm__prog tdm__prog;
#define TDM__MAX_INPUTS 16
typedef struct tdm__eval_args {
  void *out;
  tdm_dtype out_dt;
  size_t n;                       /* elements of out */
  int nin;
  const void *in[TDM__MAX_INPUTS];
  tdm_dtype in_dt[TDM__MAX_INPUTS];
  size_t in_n[TDM__MAX_INPUTS];   /* n, or 1 for a broadcast scalar */
} tdm__eval_args;

/* One fill of a buffer from a Philox stream (src/rng/). */
typedef enum tdm__dist {
  TDM__RNG_BITS, TDM__RNG_UNIFORM, TDM__RNG_NORMAL, TDM__RNG_GAMMA,
  TDM__RNG_EXPONENTIAL, TDM__RNG_LOGNORMAL, TDM__RNG_BETA, TDM__RNG_CHISQ,
  TDM__RNG_POISSON, TDM__RNG_BINOMIAL, TDM__RNG_BERNOULLI, TDM__RNG_INTEGER,
  TDM__RNG_DIST_COUNT
} tdm__dist;
typedef struct tdm__rng_req {
  tdm__dist dist;
  tdm_dtype dt;
  size_t n;
  uint64_t seed, stream;
  uint64_t offset;  /* position in the stream, in 32-bit words */
  double p[4];      /* distribution parameters */
} tdm__rng_req;

/* What the placement model knows of a side (bytes/s, flop/s). */
typedef struct tdm__perf {
  double h2d_bps, d2h_bps;  /* 0 on the host backend */
  double mem_bps;           /* streaming bandwidth of the side's memory */
  double flops;             /* dense F64 GEMM rate */
  double launch_s;          /* fixed cost per op */
} tdm__perf;

typedef struct tdm__backend {
  int version; /* TDM__BACKEND_VERSION */
  const char *name;
  tdm_backend kind;

  /* Per-context state. open: a top-level context (why: filled on
   * TDM_ERR_NO_DEVICE). open_lane: a state bound to one task lane (own
   * stream/queue for a device, single thread for the CPU) sharing the
   * parent's device and memory. */
  tdm_status (*open)(const tdm_config *cfg, void **state, char *why, size_t whylen);
  tdm_status (*open_lane)(void *parent, void **state);
  void (*close)(void *state);
  tdm_status (*sync)(void *state);
  tdm_status (*perf)(void *state, tdm__perf *out);

  /* Memory; NULL on the host backend. alloc failure: TDM_ERR_DEVICE_NOMEM.
   * h2d may return before the copy ends only if src may be reused at once;
   * d2h returns when dst holds the data. */
  tdm_status (*alloc)(void *st, size_t bytes, void **p);
  void (*free)(void *st, void *p);
  tdm_status (*zero)(void *st, void *p, size_t bytes);
  tdm_status (*h2d)(void *st, void *dst, const void *src, size_t bytes);
  tdm_status (*d2h)(void *st, void *dst, const void *src, size_t bytes);
  tdm_status (*d2d)(void *st, void *dst, const void *src, size_t bytes);

  /* Ops. Pointers are in this backend's space; out of reduce is host. */
  tdm_status (*reduce)(void *st, tdm_dtype dt, const void *x, size_t n, unsigned need,
                       tdm__moments *out);
  /* out: G F64 values in this backend's space. An id outside [0,G) is
   * TDM_ERR_INVALID; an empty group gives NaN. */
  tdm_status (*group_reduce)(void *st, tdm_dtype dt, const void *x, const int32_t *g, size_t n,
                             size_t G, tdm_reduce_op op, double *out);
  tdm_status (*gemm)(void *st, tdm_dtype dt, tdm_trans ta, tdm_trans tb, size_t m, size_t n,
                     size_t k, double alpha, const void *A, size_t lda, const void *B, size_t ldb,
                     double beta, void *C, size_t ldc);
  /* C (p x p) = X'X for X (n x p), both triangles. ld*: leading dimensions. */
  tdm_status (*crossprod)(void *st, tdm_dtype dt, size_t n, size_t p, const void *X, size_t ldx,
                          void *C, size_t ldc);
  /* Upper R with A = R'R, strictly-lower part zeroed; not PD: TDM_ERR_NUMERIC. */
  tdm_status (*cholesky)(void *st, tdm_dtype dt, size_t n, void *A, size_t lda);
  tdm_status (*solve_spd)(void *st, tdm_dtype dt, size_t n, size_t nrhs, void *A, size_t lda,
                          void *B, size_t ldb);
  tdm_status (*eval)(void *st, const tdm__prog *prog, const tdm__eval_args *a);
  tdm_status (*rng_fill)(void *st, const tdm__rng_req *req, void *out);

  /* ---- second wave: views, copy, take, nonzero ---- */
  /* dst := src, rows x cols, columns lds / ldd apart, converted sdt -> ddt
   * as C does (src/core/convert.h). A pair that can fail is checked first:
   * a value that does not fit is TDM_ERR_INVALID with *bad = its
   * column-major index, nothing written (no message set). src and dst do
   * not overlap. */
  tdm_status (*copy)(void *st, tdm_dtype sdt, const void *src, size_t lds, tdm_dtype ddt,
                     void *dst, size_t ldd, size_t rows, size_t cols, size_t *bad);

  /* ---- second wave: expressions (eval_reduce) ---- */

  /* ---- second wave: statistics (reduce_axis, group_stats, sort, quantile) ---- */

  /* ---- second wave: linear algebra for model fitting ---- */

} tdm__backend;

/* The built-in backends. */
extern const tdm__backend tdm__cpu_backend;
extern const tdm__backend tdm__sim_backend;

#endif
