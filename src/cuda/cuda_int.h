/* cuda_int.h -- the CUDA module's state and the helpers its files share.
 * A context's root state and its task lanes each own a stream, cuBLAS and
 * cuSOLVER handles and pinned staging; they share one tdm__cu_dev (the
 * device, its stream-ordered memory pool, registered host ranges). */
#ifndef TDM_CUDA_INT_H
#define TDM_CUDA_INT_H

#include <pthread.h>

#include "core/alloc.h"
#include "core/error.h"
#include "cuda/calls.h"
#include "tdmk.h"

#define TDM__CU_SMALL 4096              /* pinned bytes for results read back */
#define TDM__CU_STAGE ((size_t)8 << 20) /* bytes per staging buffer (two per state) */

/* A host range registered with cudaHostRegister for a device allocation. */
typedef struct tdm__cu_reg {
  void *dev;
  void *host; /* NULL: registration failed; do not try again */
  size_t bytes;
} tdm__cu_reg;

typedef struct tdm__cu_dev {
  int ordinal;
  int refs;     /* states using it (root + lanes) */
  int cc;       /* compute capability, major * 10 + minor */
  int sms;      /* multiprocessors */
  int tf32;     /* TDM_TF32=1: F32 GEMM may use TF32 tensor cores */
  size_t pin_min; /* host ranges this large get registered; 0 = never */
  cudaMemPool_t pool;
  cudaStream_t root_stream;
  pthread_mutex_t lock; /* guards refs and regs */
  tdm__cu_reg *regs;
  size_t nregs, capregs;
} tdm__cu_dev;

typedef struct tdm__cu {
  tdm__cu_dev *dev;
  int lane;                /* 1 for a task lane's state */
  cudaStream_t stream;
  cublasHandle_t blas;     /* created at first use */
  cusolverDnHandle_t sol;  /* created at first use */
  cudaEvent_t join;        /* lanes: the root stream's tail, waited on */
  void *small;             /* TDM__CU_SMALL pinned bytes */
  void *stage[2];          /* pinned staging, allocated at first use */
  cudaEvent_t stage_ev[2]; /* last copy through each staging buffer */
  int stage_failed;        /* no pinned staging: copy from pageable memory */
} tdm__cu;

/* Error mapping (status.c): TDM_OK for success, else a status and a
 * message "call: NAME (text)". Allocation failures map to
 * TDM_ERR_DEVICE_NOMEM, everything else to TDM_ERR_BACKEND. The runtime
 * variant also clears the runtime's last-error slot. */
tdm_status tdm__cu_rt(cudaError_t e, const char *call);
tdm_status tdm__cu_blas(cublasStatus_t s, const char *call);
tdm_status tdm__cu_sol(cusolverStatus_t s, const char *call);
tdm_status tdm__cu_drv(CUresult r, const char *call);
tdm_status tdm__cu_rtc(nvrtcResult r, const char *call);
/* The last message this thread set through tdm__err in the module (host.c). */
const char *tdm__cu_last_msg(void);
/* "cudaErrorFoo (text)" for why-strings. */
void tdm__cu_rt_describe(cudaError_t e, char *buf, size_t len);

/* Every op starts with begin (current device; a lane waits for the work
 * its root has queued so far) and ends with end (a lane waits for its own
 * work, so whatever it wrote is complete when the op returns). */
tdm_status tdm__cu_begin(tdm__cu *st);
tdm_status tdm__cu_end(tdm__cu *st, tdm_status s);
tdm_status tdm__cu_blas_handle(tdm__cu *st, cublasHandle_t *h);
tdm_status tdm__cu_sol_handle(tdm__cu *st, cusolverDnHandle_t *h);

/* Stream-ordered device memory from the pool (mem.c): on exhaustion it
 * waits for pending frees, retries once, then TDM_ERR_DEVICE_NOMEM. */
tdm_status tdm__cu_scratch(tdm__cu *st, size_t bytes, void **p);
/* Copies a few result bytes (at most the small pinned buffer) from device
 * memory to host through st->small, waiting for the stream (reduce.c). */
tdm_status tdm__cu_peek(tdm__cu *st, const void *dev, size_t bytes, void *host);
void tdm__cu_release(tdm__cu *st, void *p);
/* 1 if [host, host+bytes) is (now) registered for device allocation dev:
 * only ranges of at least pin_min bytes, tried once per allocation. */
int tdm__cu_pinned_range(tdm__cu *st, void *dev, void *host, size_t bytes);
/* Drops every registration (state teardown). */
void tdm__cu_unregister_all(tdm__cu_dev *d);

/* Blocks for a grid that fills the device: per SM, capped by work. */
int tdm__cu_grid(const tdm__cu *st, size_t items, size_t per_block);

/* Backend entries, one file each. */
tdm_status tdm__cu_alloc(void *st, size_t bytes, void **p);
void tdm__cu_free(void *st, void *p);
tdm_status tdm__cu_zero(void *st, void *p, size_t bytes);
tdm_status tdm__cu_h2d(void *st, void *dst, const void *src, size_t bytes);
tdm_status tdm__cu_d2h(void *st, void *dst, const void *src, size_t bytes);
tdm_status tdm__cu_d2d(void *st, void *dst, const void *src, size_t bytes);
tdm_status tdm__cu_perf(void *st, tdm__perf *out);
tdm_status tdm__cu_reduce(void *st, tdm_dtype dt, const void *x, size_t n, unsigned need,
                          tdm__moments *out);
tdm_status tdm__cu_group_stats(void *st, const tdm__sarg *x, const tdm__sarg *g, size_t G,
                               size_t nops, const tdm_reduce_op ops[], const tdm__sarg *out);
tdm_status tdm__cu_reduce_axis(void *st, const tdm__sarg *x, int axis, tdm_reduce_op op,
                               const tdm__sarg *out);
tdm_status tdm__cu_sort(void *st, const tdm__sarg *x);
tdm_status tdm__cu_argsort(void *st, const tdm__sarg *x, const tdm__sarg *idx);
tdm_status tdm__cu_quantile(void *st, const tdm__sarg *x, size_t nq, const double q[],
                            const tdm__sarg *out);
tdm_status tdm__cu_gemm(void *st, tdm_dtype dt, tdm_trans ta, tdm_trans tb, size_t m, size_t n,
                        size_t k, double alpha, const void *A, size_t lda, const void *B,
                        size_t ldb, double beta, void *C, size_t ldc);
tdm_status tdm__cu_crossprod(void *st, tdm_dtype dt, size_t n, size_t p, const void *X,
                             size_t ldx, void *C, size_t ldc);
tdm_status tdm__cu_copy(void *st, tdm_dtype sdt, const void *src, size_t lds, tdm_dtype ddt,
                        void *dst, size_t ldd, size_t rows, size_t cols, size_t *bad);
tdm_status tdm__cu_cholesky(void *st, tdm_dtype dt, size_t n, void *A, size_t lda);
tdm_status tdm__cu_solve_spd(void *st, tdm_dtype dt, size_t n, size_t nrhs, void *A, size_t lda,
                             void *B, size_t ldb);
tdm_status tdm__cu_eval(void *st, const tdm__prog *prog, const tdm__eval_args *a);
tdm_status tdm__cu_eval_reduce(void *st, const tdm__prog *prog, const tdm__eval_args *a,
                               tdm__moments *out);
tdm_status tdm__cu_rng_fill(void *st, const tdm__rng_req *req, void *out);
tdm_status tdm__cu_take(void *st, const tdm__take_args *a);
tdm_status tdm__cu_nonzero(void *st, const tdm__nonzero_args *a, size_t *count);
/* Linear algebra for model fitting (fit.c, fit_decomp.c). */
tdm_status tdm__cu_gemv(void *st, tdm_dtype dt, tdm_trans ta, size_t m, size_t n, double alpha,
                        const void *A, size_t lda, const void *x, size_t incx, double beta,
                        void *y, size_t incy);
tdm_status tdm__cu_crossprod_w(void *st, tdm_dtype dt, size_t n, size_t p, const void *X,
                               size_t ldx, const void *w, void *C, size_t ldc);
tdm_status tdm__cu_solve_tri(void *st, tdm_dtype dt, tdm_trans t, size_t n, size_t nrhs,
                             const void *R, size_t ldr, void *B, size_t ldb);
tdm_status tdm__cu_chol_inverse(void *st, tdm_dtype dt, size_t n, const void *R, size_t ldr,
                                void *A, size_t lda);
tdm_status tdm__cu_lstsq(void *st, tdm_dtype dt, size_t n, size_t p, size_t k, const void *X,
                         size_t ldx, const void *Y, size_t ldy, void *B, size_t ldb);
tdm_status tdm__cu_eigh(void *st, tdm_dtype dt, size_t n, const void *A, size_t lda, void *w,
                        size_t incw, void *V, size_t ldv);
tdm_status tdm__cu_svd(void *st, tdm_dtype dt, size_t m, size_t n, const void *X, size_t ldx,
                       void *U, size_t ldu, void *s, size_t incs, void *Vt, size_t ldvt);

/* Module-wide caches, emptied when the last state closes (perf.c, eval.c). */
void tdm__cu_eval_cache_clear(void);

#endif
