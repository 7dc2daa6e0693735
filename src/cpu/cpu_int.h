/* cpu_int.h -- the CPU backend's state and the parallel loop it runs on.
 * One process-wide worker pool (src/task/) owns the cores; a loop inside a
 * worker (a task, a nested loop) runs on the calling thread unless workers
 * are idle, so nesting never oversubscribes. */
#ifndef TDM_CPU_INT_H
#define TDM_CPU_INT_H

#include "backend.h"

typedef struct tdm__cpu {
  int threads; /* threads this context's loops and BLAS calls may use */
} tdm__cpu;

/* fn(arg, lo, hi) over [0, n) in chunks of at least grain items, on up to
 * nthreads threads (the caller included). Chunk boundaries are not fixed:
 * code that needs results independent of the thread count works on fixed
 * blocks and merges them in order. */
typedef void (*tdm__range_fn)(void *arg, size_t lo, size_t hi);
void tdm__par_for(int nthreads, size_t n, size_t grain, tdm__range_fn fn, void *arg);
/* The placement model's figures for `threads` threads: read bandwidth
 * (bytes/s) and F64 GEMM rate (flop/s), measured once per process (perf.c). */
void tdm__cpu_rates(int threads, double *mem_bps, double *flops);
/* Cores online. */
int tdm__ncores(void);
/* 1 on a pool worker thread (or a thread inside a task or a loop's chunk). */
int tdm__in_worker(void);
/* Workers of the shared pool now idle (searching or parked); all of them
 * when none has started (src/task/sched.c). */
int tdm__idle_workers(void);
/* Before one OpenBLAS/LAPACKE call from this context: takes the BLAS gate
 * and sets OpenBLAS's (process-wide) thread count for the call: 1 inside a
 * worker or task, else the context's threads capped by 1 + idle workers.
 * Calls needing different counts never overlap (src/cpu/blas.c). Pair with
 * tdm__blas_done() after the call. */
void tdm__blas_threads(const tdm__cpu *c);
void tdm__blas_done(void);

/* Kernels (one file each), also used by the sim device on its memory. */
tdm_status tdm__cpu_reduce(void *st, tdm_dtype dt, const void *x, size_t n, unsigned need,
                           tdm__moments *out);
tdm_status tdm__cpu_group_reduce(void *st, tdm_dtype dt, const void *x, const int32_t *g, size_t n,
                                 size_t G, tdm_reduce_op op, double *out);
tdm_status tdm__cpu_gemm(void *st, tdm_dtype dt, tdm_trans ta, tdm_trans tb, size_t m, size_t n,
                         size_t k, double alpha, const void *A, size_t lda, const void *B,
                         size_t ldb, double beta, void *C, size_t ldc);
tdm_status tdm__cpu_crossprod(void *st, tdm_dtype dt, size_t n, size_t p, const void *X,
                             size_t ldx, void *C, size_t ldc);
tdm_status tdm__cpu_copy(void *st, tdm_dtype sdt, const void *src, size_t lds, tdm_dtype ddt,
                         void *dst, size_t ldd, size_t rows, size_t cols, size_t *bad);
tdm_status tdm__cpu_cholesky(void *st, tdm_dtype dt, size_t n, void *A, size_t lda);
tdm_status tdm__cpu_solve_spd(void *st, tdm_dtype dt, size_t n, size_t nrhs, void *A, size_t lda,
                             void *B, size_t ldb);
tdm_status tdm__cpu_eval(void *st, const tdm__prog *prog, const tdm__eval_args *a);
tdm_status tdm__cpu_rng_fill(void *st, const tdm__rng_req *req, void *out);

/* Merges moments b into a (Chan et al.); blocks merged in a fixed order
 * give the same result for any thread count. */
void tdm__moments_merge(tdm__moments *a, const tdm__moments *b);

#endif
