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

/* Backend entries, tdm__cu_<slot> (one file each; signatures in backend.h). */
#define TDM__CU_DECL(op) tdm__op_##op tdm__cu_##op;
TDM__BACKEND_MEM(TDM__CU_DECL)
TDM__BACKEND_OPS(TDM__CU_DECL)
#undef TDM__CU_DECL
tdm__op_perf tdm__cu_perf;

/* Module-wide caches, emptied when the last state closes (perf.c, eval.c). */
void tdm__cu_eval_cache_clear(void);

#endif
