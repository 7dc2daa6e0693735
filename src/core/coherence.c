/* coherence.c -- which copy of a buffer is valid, and what to copy before
 * an op. Inputs are made current on the side that runs the op (each copy
 * counted in the root's stats); outputs end current only on that side.
 * Concurrent readers (tasks on several lanes) are safe: the validity mask
 * is read atomically, and making a copy current happens under a lock
 * striped by buffer, so one reader copies and the others wait for it. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf_int.h"
#include "core/error.h"

/* The device backend that moves b's data: the op context's, else the owner's. */
static void tdm__mover(tdm_ctx *ctx, tdm_buf *b, const tdm__backend **be, void **st) {
  if (ctx->dev) {
    *be = ctx->dev;
    *st = ctx->dev_st;
  } else {
    *be = b->ctx->dev;
    *st = b->ctx->dev_st;
  }
}

#define TDM__COH_LOCKS 64
static pthread_mutex_t tdm__coh_lock[TDM__COH_LOCKS] = {
    [0 ... TDM__COH_LOCKS - 1] = PTHREAD_MUTEX_INITIALIZER};

static pthread_mutex_t *tdm__lock_of(const tdm_buf *b) {
  uintptr_t h = (uintptr_t)b;
  return &tdm__coh_lock[(h >> 6 ^ h >> 12) % TDM__COH_LOCKS];
}

static unsigned tdm__valid(const tdm_buf *b) { return __atomic_load_n(&b->valid, __ATOMIC_ACQUIRE); }

/* Publishes a copy made current: its bytes before the bit. */
static void tdm__set_valid(tdm_buf *b, unsigned side) {
  __atomic_or_fetch(&b->valid, side, __ATOMIC_RELEASE);
}

static tdm_status tdm__host_alloc(tdm_buf *b, int zero) {
  if (b->host) return TDM_OK;
  b->host = zero ? tdm__calloc(1, b->bytes) : tdm__malloc(b->bytes);
  TDM__CHECK(!b->host, TDM_ERR_NOMEM, "out of host memory for a %zu-byte buffer", b->bytes);
  return TDM_OK;
}

static tdm_status tdm__dev_alloc(const tdm__exec *ex, tdm_buf *b) {
  if (b->dev) return TDM_OK;
  return ex->be->alloc(ex->st, b->bytes, &b->dev);
}

static tdm_status tdm__make_host(tdm_ctx *ctx, tdm_buf *b) {
  unsigned v = tdm__valid(b);
  if (v & TDM__HOST) return TDM_OK; /* another reader made it current */
  if (!(v & TDM__DEV)) { /* never written: zeros */
    int had = b->host != NULL;
    TDM__TRY(tdm__host_alloc(b, 1));
    if (had) memset(b->host, 0, b->bytes);
    tdm__set_valid(b, TDM__HOST);
    return TDM_OK;
  }
  TDM__TRY(tdm__host_alloc(b, 0));
  const tdm__backend *be;
  void *st;
  tdm__mover(ctx, b, &be, &st);
  TDM__TRY(be->d2h(st, b->host, b->dev, b->bytes));
  tdm__stat_add(ctx, TDM__ST_D2H_N, 1);
  tdm__stat_add(ctx, TDM__ST_D2H_B, b->bytes);
  tdm__set_valid(b, TDM__HOST);
  return TDM_OK;
}

tdm_status tdm__buf_host(tdm_ctx *ctx, tdm_buf *b) {
  if (tdm__valid(b) & TDM__HOST) return TDM_OK;
  pthread_mutex_t *l = tdm__lock_of(b);
  pthread_mutex_lock(l);
  tdm_status s = tdm__make_host(ctx, b);
  pthread_mutex_unlock(l);
  return s;
}

/* A lane's copy is finished before other lanes may see the bit: they
 * queue their work on other streams. */
static tdm_status tdm__make_dev(tdm_ctx *ctx, const tdm__exec *ex, tdm_buf *b) {
  unsigned v = tdm__valid(b);
  if (v & TDM__DEV) return TDM_OK;
  TDM__TRY(tdm__dev_alloc(ex, b));
  if (v & TDM__HOST) {
    TDM__TRY(ex->be->h2d(ex->st, b->dev, b->host, b->bytes));
    tdm__stat_add(ctx, TDM__ST_H2D_N, 1);
    tdm__stat_add(ctx, TDM__ST_H2D_B, b->bytes);
  } else {
    TDM__TRY(ex->be->zero(ex->st, b->dev, b->bytes));
  }
  if (ctx->lane) TDM__TRY(ex->be->sync(ex->st));
  tdm__set_valid(b, TDM__DEV);
  return TDM_OK;
}

static tdm_status tdm__buf_dev(tdm_ctx *ctx, const tdm__exec *ex, tdm_buf *b) {
  if (tdm__valid(b) & TDM__DEV) return TDM_OK;
  pthread_mutex_t *l = tdm__lock_of(b);
  pthread_mutex_lock(l);
  tdm_status s = tdm__make_dev(ctx, ex, b);
  pthread_mutex_unlock(l);
  return s;
}

tdm_status tdm__buf_in(tdm_ctx *ctx, const tdm__exec *ex, tdm_buf *b, const void **ptr) {
  if (ex->side == TDM__HOST) {
    TDM__TRY(tdm__buf_host(ctx, b));
    *ptr = b->host;
  } else {
    TDM__TRY(tdm__buf_dev(ctx, ex, b));
    *ptr = b->dev;
  }
  return TDM_OK;
}

tdm_status tdm__buf_out(tdm_ctx *ctx, const tdm__exec *ex, tdm_buf *b, int keep, void **ptr) {
  if (keep) return tdm__buf_in(ctx, ex, b, (const void **)ptr);
  if (ex->side == TDM__HOST) {
    TDM__TRY(tdm__host_alloc(b, 0));
    *ptr = b->host;
  } else {
    TDM__TRY(tdm__dev_alloc(ex, b));
    *ptr = b->dev;
  }
  return TDM_OK;
}

void tdm__buf_done(tdm_buf *b, const tdm__exec *ex) {
  __atomic_store_n(&b->valid, (unsigned)ex->side, __ATOMIC_RELEASE);
}
