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
/* Merges moments b into a (Chan et al.; an infinite mean pools as IEEE
 * addition does and leaves m2 NaN); src/cpu/reduce.c. */
void tdm__moments_merge(tdm__moments *a, const tdm__moments *b);

/* A strided column-major operand of the statistics ops, in the backend's
 * space: element (i, j) at p[i + j * ld], ld >= rows. */
typedef struct tdm__sarg {
  void *p;
  tdm_dtype dt;
  size_t rows, cols, ld;
} tdm__sarg;

/* Compiled expression (src/expr/expr_int.h) and one evaluation's operands. */
typedef struct tdm__prog tdm__prog;
#define TDM__MAX_INPUTS 16
/* Layout (second wave): the result is rows x cols (rows*cols == n; both 0
 * = a flat n-vector, as first-wave callers leave them) with out's element
 * (i, j) at out[i + j*ld]; input k's element for (i, j) is at
 * in[k][i*in_rs[k] + j*in_cs[k]] (in elements): a full input of out's
 * shape has rs 1, cs its ld; an r x 1 column rs 1, cs 0; a 1 x c row rs 0,
 * cs its ld; a scalar (in_n 1) rs = cs = 0. out is NULL for eval_reduce. */
typedef struct tdm__eval_args {
  void *out;
  tdm_dtype out_dt;
  size_t n;                       /* elements of out */
  int nin;
  const void *in[TDM__MAX_INPUTS];
  tdm_dtype in_dt[TDM__MAX_INPUTS];
  size_t in_n[TDM__MAX_INPUTS];   /* n, or 1 for a broadcast scalar */
  size_t rows, cols, ld;          /* see above */
  size_t in_rs[TDM__MAX_INPUTS], in_cs[TDM__MAX_INPUTS];
  int fast;                       /* TDM_MATH=fast: the faster, less accurate functions */
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

/* Operands of take and nonzero. A matrix is (pointer to its first
 * element, rows, cols, ld); an index vector's element q lies at
 * (q % irows) + (q / irows) * ild, so views of rows, columns and
 * matrices all work. */
typedef struct tdm__take_args {
  tdm_dtype dt; /* of x and out */
  int axis;     /* 0: out[i, j] = x[idx[i], j] (out m x cols); 1: out[i, j] = x[i, idx[j]] (out rows x m) */
  const void *x;
  size_t rows, cols, ldx;
  tdm_dtype idt; /* TDM_I32 or TDM_I64 */
  const void *idx;
  size_t m, irows, ild;
  void *out;
  size_t ldo;
} tdm__take_args;
#define TDM__TAKE_CHECK_BYTES 16 /* a device take's check result: lowest bad element and its value */

typedef struct tdm__nonzero_args {
  tdm_dtype dt; /* of mask: any dtype; floats: NaN is non-zero, -0.0 zero */
  const void *mask;
  size_t rows, cols, ldm;
  tdm_dtype idt; /* TDM_I32 or TDM_I64; positions fit it (checked by the core) */
  void *idx;
  size_t irows, ild;
} tdm__nonzero_args;

/* Bytes per element (the CUDA module cannot call tdm_dtype_size). */
static inline size_t tdm__esize(tdm_dtype d) { return d == TDM_F64 || d == TDM_I64 ? 8 : 4; }

/* Offset of element q of an index vector laid out as above. */
static inline size_t tdm__ioff(size_t q, size_t irows, size_t ild) {
  if (ild == irows) return q;
  if (irows == 1) return q * ild;
  return q % irows + q / irows * ild;
}

/* What the placement model knows of a side (bytes/s, flop/s). */
typedef struct tdm__perf {
  double h2d_bps, d2h_bps;  /* 0 on the host backend */
  double mem_bps;           /* streaming bandwidth of the side's memory */
  double flops;             /* dense F64 GEMM rate */
  double launch_s;          /* fixed cost per op */
} tdm__perf;

/* Every slot's signature, once (documented at the slot in tdm__backend
 * below); a backend declares its functions with them, from the lists. */
typedef tdm_status tdm__op_open(const tdm_config *cfg, void **state, char *why, size_t whylen);
typedef tdm_status tdm__op_open_lane(void *parent, void **state);
typedef void tdm__op_close(void *state);
typedef tdm_status tdm__op_sync(void *state);
typedef tdm_status tdm__op_perf(void *state, tdm__perf *out);
typedef tdm_status tdm__op_alloc(void *st, size_t bytes, void **p);
typedef void tdm__op_free(void *st, void *p);
typedef tdm_status tdm__op_zero(void *st, void *p, size_t bytes);
typedef tdm_status tdm__op_h2d(void *st, void *dst, const void *src, size_t bytes);
typedef tdm_status tdm__op_d2h(void *st, void *dst, const void *src, size_t bytes);
typedef tdm_status tdm__op_d2d(void *st, void *dst, const void *src, size_t bytes);
typedef tdm_status tdm__op_reduce(void *st, tdm_dtype dt, const void *x, size_t n, unsigned need,
                                  tdm__moments *out);
typedef tdm_status tdm__op_gemm(void *st, tdm_dtype dt, tdm_trans ta, tdm_trans tb, size_t m,
                                size_t n, size_t k, double alpha, const void *A, size_t lda,
                                const void *B, size_t ldb, double beta, void *C, size_t ldc);
typedef tdm_status tdm__op_crossprod(void *st, tdm_dtype dt, size_t n, size_t p, const void *X,
                                     size_t ldx, void *C, size_t ldc);
typedef tdm_status tdm__op_cholesky(void *st, tdm_dtype dt, size_t n, void *A, size_t lda);
typedef tdm_status tdm__op_solve_spd(void *st, tdm_dtype dt, size_t n, size_t nrhs, void *A,
                                     size_t lda, void *B, size_t ldb);
typedef tdm_status tdm__op_eval(void *st, const tdm__prog *prog, const tdm__eval_args *a);
typedef tdm_status tdm__op_rng_fill(void *st, const tdm__rng_req *req, void *out);
typedef tdm_status tdm__op_take(void *st, const tdm__take_args *a);
typedef tdm_status tdm__op_nonzero(void *st, const tdm__nonzero_args *a, size_t *count);
typedef tdm_status tdm__op_copy(void *st, tdm_dtype sdt, const void *src, size_t lds, tdm_dtype ddt,
                                void *dst, size_t ldd, size_t rows, size_t cols, size_t *bad);
typedef tdm_status tdm__op_eval_reduce(void *st, const tdm__prog *prog, const tdm__eval_args *a,
                                       tdm__moments *out);
typedef tdm_status tdm__op_group_stats(void *st, const tdm__sarg *x, const tdm__sarg *g, size_t G,
                                       size_t nops, const tdm_reduce_op ops[],
                                       const tdm__sarg *out);
typedef tdm_status tdm__op_reduce_axis(void *st, const tdm__sarg *x, int axis, tdm_reduce_op op,
                                       const tdm__sarg *out);
typedef tdm_status tdm__op_sort(void *st, const tdm__sarg *x);
typedef tdm_status tdm__op_argsort(void *st, const tdm__sarg *x, const tdm__sarg *idx);
typedef tdm_status tdm__op_quantile(void *st, const tdm__sarg *x, size_t nq, const double q[],
                                    const tdm__sarg *out);
typedef tdm_status tdm__op_gemv(void *st, tdm_dtype dt, tdm_trans ta, size_t m, size_t n,
                                double alpha, const void *A, size_t lda, const void *x, size_t incx,
                                double beta, void *y, size_t incy);
typedef tdm_status tdm__op_crossprod_w(void *st, tdm_dtype dt, size_t n, size_t p, const void *X,
                                       size_t ldx, const void *w, void *C, size_t ldc);
typedef tdm_status tdm__op_solve_tri(void *st, tdm_dtype dt, tdm_trans t, size_t n, size_t nrhs,
                                     const void *R, size_t ldr, void *B, size_t ldb);
typedef tdm_status tdm__op_chol_inverse(void *st, tdm_dtype dt, size_t n, const void *R, size_t ldr,
                                        void *A, size_t lda);
typedef tdm_status tdm__op_lstsq(void *st, tdm_dtype dt, size_t n, size_t p, size_t k,
                                 const void *X, size_t ldx, const void *Y, size_t ldy, void *B,
                                 size_t ldb);
typedef tdm_status tdm__op_eigh(void *st, tdm_dtype dt, size_t n, const void *A, size_t lda,
                                void *w, size_t incw, void *V, size_t ldv);
typedef tdm_status tdm__op_svd(void *st, tdm_dtype dt, size_t m, size_t n, const void *X,
                               size_t ldx, void *U, size_t ldu, void *s, size_t incs, void *Vt,
                               size_t ldvt);

/* The compute ops every backend fills: X(name). */
#define TDM__BACKEND_OPS(X) \
  X(reduce) X(gemm) X(crossprod) X(cholesky) X(solve_spd) X(eval) X(rng_fill) X(take) \
  X(nonzero) X(copy) X(eval_reduce) X(group_stats) X(reduce_axis) X(sort) X(argsort) \
  X(quantile) X(gemv) X(crossprod_w) X(solve_tri) X(chol_inverse) X(lstsq) X(eigh) X(svd)

/* A device backend's memory slots (NULL on the host). */
#define TDM__BACKEND_MEM(X) \
  X(alloc) X(free) X(zero) X(h2d) X(d2h) X(d2d)

typedef struct tdm__backend {
  int version; /* TDM__BACKEND_VERSION */
  const char *name;
  tdm_backend kind;

  /* Per-context state. open: a top-level context (why: filled on
   * TDM_ERR_NO_DEVICE). open_lane: a state bound to one task lane (own
   * stream/queue for a device, single thread for the CPU) sharing the
   * parent's device and memory. */
  tdm__op_open *open;
  tdm__op_open_lane *open_lane;
  tdm__op_close *close;
  tdm__op_sync *sync;
  tdm__op_perf *perf;

  /* Memory; NULL on the host backend. alloc failure: TDM_ERR_DEVICE_NOMEM.
   * h2d may return before the copy ends only if src may be reused at once;
   * d2h returns when dst holds the data. */
  tdm__op_alloc *alloc;
  tdm__op_free *free;
  tdm__op_zero *zero;
  tdm__op_h2d *h2d;
  tdm__op_d2h *d2h;
  tdm__op_d2d *d2d;

  /* Ops. Pointers are in this backend's space; out of reduce is host. */
  tdm__op_reduce *reduce;
  tdm__op_gemm *gemm;
  /* C (p x p) = X'X for X (n x p), both triangles. ld*: leading dimensions. */
  tdm__op_crossprod *crossprod;
  /* Upper R with A = R'R, strictly-lower part zeroed; not PD: TDM_ERR_NUMERIC. */
  tdm__op_cholesky *cholesky;
  tdm__op_solve_spd *solve_spd;
  tdm__op_eval *eval;
  tdm__op_rng_fill *rng_fill;

  /* ---- second wave: views, copy, take, nonzero ---- */
  /* take (tdm_take, src/core/index.c): a->idx checked first; an index
   * outside x is TDM_ERR_INVALID ("idx: element K is V, outside [0, N)")
   * and out is not written. On a device only the check's result comes
   * back (TDM__TAKE_CHECK_BYTES, counted by the core). */
  tdm__op_take *take;
  /* nonzero (tdm_nonzero): *count (host) = number of non-zero elements;
   * their positions, ascending, into idx[0..*count); the rest of idx is
   * not written. On a device only the count comes back (8 bytes). */
  tdm__op_nonzero *nonzero;
  /* dst := src, rows x cols, columns lds / ldd apart, converted sdt -> ddt
   * as C does (src/core/convert.h). A pair that can fail is checked first:
   * a value that does not fit is TDM_ERR_INVALID with *bad = its
   * column-major index, nothing written (no message set). src and dst do
   * not overlap. */
  tdm__op_copy *copy;

  /* ---- second wave: expressions (eval_reduce) ---- */
  /* Moments of every element of the program's result over the layout of a
   * (a->out unused; the shape is rows x cols), out in host memory. Waits.
   * The same bits for any thread count. */
  tdm__op_eval_reduce *eval_reduce;

  /* ---- second wave: statistics (reduce_axis, group_stats, sort, quantile) ---- */
  /* Operands are tdm__sarg (strided column-major windows); element k of an
   * operand in column-major order is p[k % rows + (k / rows) * ld]. */
  /* out: G x nops F64 (column k for ops[k]); x F32/F64, g I32/I64 with as
   * many elements as x. An id outside [0,G): TDM_ERR_INVALID naming the
   * lowest such element; empty groups: COUNT 0, NaN for the rest. Waits. */
  tdm__op_group_stats *group_stats;
  /* axis 0: out 1 x cols; axis 1: out rows x 1; out F64 or x's dtype. */
  tdm__op_reduce_axis *reduce_axis;
  /* Each column ascending in place (F32 F64 I32 I64 U32; NaN last). */
  tdm__op_sort *sort;
  /* idx (I32/I64, n elements, contiguous) := stable order of the vector x. */
  tdm__op_argsort *argsort;
  /* out (nq x cols F64) := type-7 quantiles q[0..nq) (host, checked) of
   * each column of x (F32/F64); x unchanged; a NaN in a column gives NaN. */
  tdm__op_quantile *quantile;

  /* ---- second wave: linear algebra for model fitting ---- */
  /* Column-major operands, each with its leading dimension (ld*); a vector
   * with its increment (1, or the ld of a 1 x n view). Inputs marked const
   * are not changed; work space is the backend's (host: tdm__malloc; a
   * device: its own memory). A numerical failure (singular, rank-deficient,
   * no convergence) is TDM_ERR_NUMERIC with the column in the message. */
  /* y = alpha op(A) x + beta y; A m x n. */
  tdm__op_gemv *gemv;
  /* C (p x p, both triangles) = X' diag(w) X; X n x p, w contiguous. */
  tdm__op_crossprod_w *crossprod_w;
  /* R (n x n upper) X = B or R' X = B, X into B (n x nrhs). */
  tdm__op_solve_tri *solve_tri;
  /* A (n x n, both triangles) = (R'R)^-1. */
  tdm__op_chol_inverse *chol_inverse;
  /* B (p x k) = argmin ||X B - Y||, X n x p (n >= p), Y n x k. */
  tdm__op_lstsq *lstsq;
  /* Eigenvalues ascending into w, eigenvectors into V (NULL: values only). */
  tdm__op_eigh *eigh;
  /* Thin SVD of X (m x n), k = min(m, n): U m x k, s (descending), Vt k x n;
   * U and Vt may be NULL. */
  tdm__op_svd *svd;

} tdm__backend;

/* The built-in backends. */
extern const tdm__backend tdm__cpu_backend;
extern const tdm__backend tdm__sim_backend;

#endif
