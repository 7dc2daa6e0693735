/* coherence.c -- which copy of a buffer's storage is valid, and what to copy
 * before an op. Inputs are made current on the side that runs the op (each
 * copy counted in the root's stats, whole storage at a time); outputs end
 * current only on that side. A view that is part of its storage is made
 * current before it is written, so the rest of the storage is kept.
 * Concurrent readers (tasks on several lanes) are safe: the validity mask
 * is read atomically, and making a copy current happens under a lock
 * striped by storage, so one reader copies and the others wait for it. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf_int.h"
#include "core/error.h"

/* The device backend that moves s's data: the op context's, else the owner's. */
static void tdm__mover(tdm_ctx *ctx, tdm__store *s, const tdm__backend **be, void **st) {
  if (ctx->dev) {
    *be = ctx->dev;
    *st = ctx->dev_st;
  } else {
    *be = s->ctx->dev;
    *st = s->ctx->dev_st;
  }
}

#define TDM__COH_LOCKS 64
static pthread_mutex_t tdm__coh_lock[TDM__COH_LOCKS] = {
    [0 ... TDM__COH_LOCKS - 1] = PTHREAD_MUTEX_INITIALIZER};

static pthread_mutex_t *tdm__lock_of(const tdm__store *s) {
  uintptr_t h = (uintptr_t)s;
  return &tdm__coh_lock[(h >> 6 ^ h >> 12) % TDM__COH_LOCKS];
}

static unsigned tdm__valid(const tdm__store *s) {
  return __atomic_load_n(&s->valid, __ATOMIC_ACQUIRE);
}

unsigned tdm__buf_valid(const tdm_buf *b) { return tdm__valid(b->st); }

/* Publishes a copy made current: its bytes before the bit. */
static void tdm__set_valid(tdm__store *s, unsigned side) {
  __atomic_or_fetch(&s->valid, side, __ATOMIC_RELEASE);
}

static tdm_status tdm__host_alloc(tdm__store *s, int zero) {
  if (s->host) return TDM_OK;
  s->host = zero ? tdm__calloc(1, s->bytes) : tdm__malloc(s->bytes);
  TDM__CHECK(!s->host, TDM_ERR_NOMEM, "out of host memory for a %zu-byte buffer", s->bytes);
  return TDM_OK;
}

static tdm_status tdm__dev_alloc(const tdm__exec *ex, tdm__store *s) {
  if (s->dev) return TDM_OK;
  return ex->be->alloc(ex->st, s->bytes, &s->dev);
}

static tdm_status tdm__make_host(tdm_ctx *ctx, tdm__store *s) {
  unsigned v = tdm__valid(s);
  if (v & TDM__HOST) return TDM_OK; /* another reader made it current */
  if (!(v & TDM__DEV)) { /* never written: zeros */
    int had = s->host != NULL;
    TDM__TRY(tdm__host_alloc(s, 1));
    if (had) memset(s->host, 0, s->bytes);
    tdm__set_valid(s, TDM__HOST);
    return TDM_OK;
  }
  TDM__TRY(tdm__host_alloc(s, 0));
  const tdm__backend *be;
  void *st;
  tdm__mover(ctx, s, &be, &st);
  TDM__TRY(be->d2h(st, s->host, s->dev, s->bytes));
  tdm__stat_add(ctx, TDM__ST_D2H_N, 1);
  tdm__stat_add(ctx, TDM__ST_D2H_B, s->bytes);
  tdm__set_valid(s, TDM__HOST);
  return TDM_OK;
}

tdm_status tdm__buf_host(tdm_ctx *ctx, tdm_buf *b) {
  tdm__store *s = b->st;
  if (tdm__valid(s) & TDM__HOST) return TDM_OK;
  pthread_mutex_t *l = tdm__lock_of(s);
  pthread_mutex_lock(l);
  tdm_status r = tdm__make_host(ctx, s);
  pthread_mutex_unlock(l);
  return r;
}

/* A lane's copy is finished before other lanes may see the bit: they
 * queue their work on other streams. */
static tdm_status tdm__make_dev(tdm_ctx *ctx, const tdm__exec *ex, tdm__store *s) {
  unsigned v = tdm__valid(s);
  if (v & TDM__DEV) return TDM_OK;
  TDM__TRY(tdm__dev_alloc(ex, s));
  if (v & TDM__HOST) {
    TDM__TRY(ex->be->h2d(ex->st, s->dev, s->host, s->bytes));
    tdm__stat_add(ctx, TDM__ST_H2D_N, 1);
    tdm__stat_add(ctx, TDM__ST_H2D_B, s->bytes);
  } else {
    TDM__TRY(ex->be->zero(ex->st, s->dev, s->bytes));
  }
  if (ctx->lane) TDM__TRY(ex->be->sync(ex->st));
  tdm__set_valid(s, TDM__DEV);
  return TDM_OK;
}

static tdm_status tdm__buf_dev(tdm_ctx *ctx, const tdm__exec *ex, tdm__store *s) {
  if (tdm__valid(s) & TDM__DEV) return TDM_OK;
  pthread_mutex_t *l = tdm__lock_of(s);
  pthread_mutex_lock(l);
  tdm_status r = tdm__make_dev(ctx, ex, s);
  pthread_mutex_unlock(l);
  return r;
}

static size_t tdm__off_bytes(const tdm_buf *b) { return b->off * tdm_dtype_size(b->dt); }

tdm_status tdm__buf_in(tdm_ctx *ctx, const tdm__exec *ex, tdm_buf *b, const void **ptr) {
  tdm__store *s = b->st;
  if (ex->side == TDM__HOST) {
    TDM__TRY(tdm__buf_host(ctx, b));
    *ptr = (const char *)s->host + tdm__off_bytes(b);
  } else {
    TDM__TRY(tdm__buf_dev(ctx, ex, s));
    *ptr = (const char *)s->dev + tdm__off_bytes(b);
  }
  return TDM_OK;
}

tdm_status tdm__buf_out(tdm_ctx *ctx, const tdm__exec *ex, tdm_buf *b, int keep, void **ptr) {
  if (keep || !tdm__buf_whole(b)) return tdm__buf_in(ctx, ex, b, (const void **)ptr);
  tdm__store *s = b->st;
  if (ex->side == TDM__HOST) {
    TDM__TRY(tdm__host_alloc(s, 0));
    *ptr = s->host;
  } else {
    TDM__TRY(tdm__dev_alloc(ex, s));
    *ptr = s->dev;
  }
  return TDM_OK;
}

tdm_status tdm__stage(tdm_ctx *ctx, const tdm__exec *ex, int nin, tdm_buf *const in[],
                      const void *pin[], tdm_buf *out, int keep, void **pout) {
  for (int i = 0; i < nin; i++) TDM__TRY(tdm__buf_in(ctx, ex, in[i], &pin[i]));
  return out ? tdm__buf_out(ctx, ex, out, keep, pout) : TDM_OK;
}

void tdm__buf_done(tdm_buf *b, const tdm__exec *ex) {
  __atomic_store_n(&b->st->valid, (unsigned)ex->side, __ATOMIC_RELEASE);
}
