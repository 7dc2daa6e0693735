/* cpu_int.h -- the CPU backend's state and the parallel loop it runs on.
 * One process-wide set of workers (the scheduler, src/sched/) owns the
 * cores; a loop inside a worker (a task, a nested loop) runs on the calling
 * thread unless workers are idle, so nesting never oversubscribes. */
#ifndef TDM_CPU_INT_H
#define TDM_CPU_INT_H

#include "backend.h"
#include "sched/sched.h" /* tdm__par_for, tdm__ncores, tdm__in_worker, tdm__idle_workers */

typedef struct tdm__cpu {
  int threads; /* threads this context's loops and BLAS calls may use */
} tdm__cpu;

/* The placement model's figures for `threads` threads: read bandwidth
 * (bytes/s) and F64 GEMM rate (flop/s), measured once per process (perf.c). */
void tdm__cpu_rates(int threads, double *mem_bps, double *flops);
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
tdm_status tdm__cpu_eval_reduce(void *st, const tdm__prog *prog, const tdm__eval_args *a,
                                tdm__moments *out);
tdm_status tdm__cpu_rng_fill(void *st, const tdm__rng_req *req, void *out);
tdm_status tdm__cpu_take(void *st, const tdm__take_args *a);
tdm_status tdm__cpu_nonzero(void *st, const tdm__nonzero_args *a, size_t *count);

/* Merges moments b into a (Chan et al.); blocks merged in a fixed order
 * give the same result for any thread count. */
void tdm__moments_merge(tdm__moments *a, const tdm__moments *b);

#endif
