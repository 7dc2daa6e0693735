/* buf_int.h -- the body of tdm_buf (a view: offset, shape, leading
 * dimension) and of the storage it shares (the host copy, the device copy
 * and the mask of which are current; valid == 0 means "never written": it
 * reads as zeros), plus the coherence calls every op uses. */
#ifndef TDM_BUF_INT_H
#define TDM_BUF_INT_H

#include "core/ctx_int.h"

/* One allocation shared by a buffer and all its views. Coherence is kept
 * for the storage as a whole: a copy host<->device moves all of it. */
typedef struct tdm__store {
  tdm_ctx *ctx;      /* the root context that owns it */
  tdm_dtype dt;
  size_t rows, cols; /* rows is the leading dimension of every view */
  size_t n, bytes;
  void *host;        /* NULL until needed */
  void *dev;         /* NULL until needed */
  unsigned valid;    /* TDM__HOST | TDM__DEV */
  int wrapped;       /* host is the caller's memory */
  int refs;          /* handles on it (atomic) */
  struct tdm__store *wnext, *wprev; /* live wraps (buf.c) */
} tdm__store;

/* A handle: the window (rows x cols at element offset off, columns ld
 * apart) of its storage. A plain buffer is the window of all of it. */
struct tdm_buf {
  tdm_ctx *ctx;      /* the root context that owns the storage */
  tdm__store *st;
  size_t off;        /* elements from the storage's start to (0, 0) */
  tdm_dtype dt;
  size_t rows, cols, n, bytes; /* the view's shape; bytes = n * element size */
  size_t ld;         /* elements between column starts (the storage's rows) */
};

/* Checks b is non-NULL and belongs to ctx's root; message names fn/arg. */
tdm_status tdm__buf_check(tdm_ctx *ctx, const tdm_buf *b, const char *fn, const char *arg);

/* 1 if b's elements are one contiguous run (ld == rows or one column). */
static inline int tdm__buf_contig(const tdm_buf *b) { return b->ld == b->rows || b->cols == 1; }
/* 1 if b is its whole storage. */
static inline int tdm__buf_whole(const tdm_buf *b) { return b->off == 0 && b->n == b->st->n; }
/* 1 if the windows of a and b share an element. */
int tdm__buf_overlap(const tdm_buf *a, const tdm_buf *b);
/* For ops that do not take a leading dimension yet: TDM_ERR_INVALID for a
 * non-contiguous view (delete the call when the op passes ld). */
tdm_status tdm__buf_require_contig(const tdm_buf *b, const char *fn, const char *arg);

/* Coherence (coherence.c). Before an op on ex->side:
 *   tdm__buf_in:  make b's storage current there (copy if stale, counted),
 *                 give the pointer of b's first element there;
 *   tdm__buf_out: allocate there; keep = b's old contents are read too
 *                 (a view that is part of its storage always keeps the rest).
 * After the op: tdm__buf_done marks the storage current only there. */
tdm_status tdm__buf_in(tdm_ctx *ctx, const tdm__exec *ex, tdm_buf *b, const void **ptr);
tdm_status tdm__buf_out(tdm_ctx *ctx, const tdm__exec *ex, tdm_buf *b, int keep, void **ptr);
void tdm__buf_done(tdm_buf *b, const tdm__exec *ex);
/* An op's operands at once, on the side ex was placed on: in[0..nin) made
 * current (their pointers in pin), then out allocated (keep as in
 * tdm__buf_out; pointer in *pout) unless out is NULL. Stops at the first
 * failure. */
tdm_status tdm__stage(tdm_ctx *ctx, const tdm__exec *ex, int nin, tdm_buf *const in[],
                      const void *pin[], tdm_buf *out, int keep, void **pout);
/* Makes the host copy of b's storage current (for reads and host code). */
tdm_status tdm__buf_host(tdm_ctx *ctx, tdm_buf *b);
/* The storage's validity mask, read atomically. */
unsigned tdm__buf_valid(const tdm_buf *b);
/* b's first element in the storage's host copy (which must exist). */
static inline char *tdm__buf_hptr(const tdm_buf *b) {
  return (char *)b->st->host + b->off * tdm_dtype_size(b->dt);
}

#endif
