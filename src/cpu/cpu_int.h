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

/* The backend's ops, tdm__cpu_<op> (one file each; signatures in
 * backend.h), also run by the sim device on its memory. */
#define TDM__CPU_DECL(op) tdm__op_##op tdm__cpu_##op;
TDM__BACKEND_OPS(TDM__CPU_DECL)
#undef TDM__CPU_DECL

/* Merges moments b into a (Chan et al.); blocks merged in a fixed order
 * give the same result for any thread count. */
void tdm__moments_merge(tdm__moments *a, const tdm__moments *b);

#endif
