/* buf_int.h -- the body of tdm_buf and the coherence calls every op uses.
 * A buffer has up to two copies (host, device) and a mask of which are
 * current; valid == 0 means "never written": it reads as zeros. */
#ifndef TDM_BUF_INT_H
#define TDM_BUF_INT_H

#include "core/ctx_int.h"

struct tdm_buf {
  tdm_ctx *ctx; /* the root context that owns it */
  tdm_dtype dt;
  size_t rows, cols, n, bytes;
  size_t ld;    /* elements between column starts (rows unless a view) */
  void *host;   /* NULL until needed */
  void *dev;    /* NULL until needed */
  unsigned valid; /* TDM__HOST | TDM__DEV */
  int wrapped;  /* host is the caller's memory */
};

/* Checks b is non-NULL and belongs to ctx's root; message names fn/arg. */
tdm_status tdm__buf_check(tdm_ctx *ctx, const tdm_buf *b, const char *fn, const char *arg);

/* Coherence (coherence.c). Before an op on ex->side:
 *   tdm__buf_in:  make b current there (copy if stale, counted), give pointer;
 *   tdm__buf_out: allocate there; keep = b's old contents are read too.
 * After the op: tdm__buf_done marks b current only there. */
tdm_status tdm__buf_in(tdm_ctx *ctx, const tdm__exec *ex, tdm_buf *b, const void **ptr);
tdm_status tdm__buf_out(tdm_ctx *ctx, const tdm__exec *ex, tdm_buf *b, int keep, void **ptr);
void tdm__buf_done(tdm_buf *b, const tdm__exec *ex);
/* Makes the host copy current (for reads and host-side code). */
tdm_status tdm__buf_host(tdm_ctx *ctx, tdm_buf *b);

#endif
