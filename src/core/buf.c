/* buf.c -- buffer handles: create, wrap, write, read, destroy, shape.
 * Sizes are checked for overflow; host memory is allocated at create on
 * a CPU-only context and on first use when a device may hold the data. */
#include <string.h>

#include "core/alloc.h"
#include "core/buf_int.h"
#include "core/error.h"

static tdm_status tdm__buf_new(tdm_ctx *ctx, tdm_dtype dt, size_t rows, size_t cols,
                               const char *fn, tdm_buf **out) {
  TDM__CHECK(!out, TDM_ERR_INVALID, "%s: out: is NULL", fn);
  *out = NULL;
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  size_t es = tdm_dtype_size(dt);
  TDM__CHECK(es == 0, TDM_ERR_INVALID, "%s: dt: %d is not a tdm_dtype", fn, (int)dt);
  TDM__CHECK(rows == 0, TDM_ERR_INVALID, "%s: rows: must be > 0", fn);
  TDM__CHECK(cols == 0, TDM_ERR_INVALID, "%s: cols: must be > 0", fn);
  size_t n, bytes;
  TDM__CHECK(tdm__mul_ovf(rows, cols, &n) || tdm__mul_ovf(n, es, &bytes) ||
                 bytes > ((size_t)1 << 62),
             TDM_ERR_INVALID, "%s: rows x cols = %zu x %zu elements of %s overflows the address space",
             fn, rows, cols, tdm_dtype_name(dt));
  tdm_buf *b = tdm__calloc(1, sizeof *b);
  TDM__CHECK(!b, TDM_ERR_NOMEM, "%s: out of host memory for the buffer handle", fn);
  b->ctx = tdm__ctx_ref(ctx->root); /* dropped by tdm_buf_destroy */
  b->dt = dt;
  b->rows = rows;
  b->cols = cols;
  b->ld = rows;
  b->n = n;
  b->bytes = bytes;
  *out = b;
  return TDM_OK;
}

tdm_status tdm_buf_create(tdm_ctx *ctx, tdm_dtype dt, size_t rows, size_t cols, tdm_buf **out) {
  TDM__TRY(tdm__buf_new(ctx, dt, rows, cols, "tdm_buf_create", out));
  tdm_buf *b = *out;
  if (!ctx->root->dev) { /* CPU only: the host copy is the only copy */
    b->host = tdm__calloc(1, b->bytes);
    if (!b->host) {
      size_t bytes = b->bytes;
      tdm_buf_destroy(b);
      *out = NULL;
      return tdm__err(TDM_ERR_NOMEM, "tdm_buf_create: out of host memory for %zu bytes", bytes);
    }
    b->valid = TDM__HOST;
  }
  return TDM_OK;
}

tdm_status tdm_buf_wrap(tdm_ctx *ctx, tdm_dtype dt, size_t rows, size_t cols, void *host,
                        tdm_buf **out) {
  TDM__CHECK(!out, TDM_ERR_INVALID, "tdm_buf_wrap: out: is NULL");
  *out = NULL;
  TDM__CHECK(!host, TDM_ERR_INVALID, "tdm_buf_wrap: host: is NULL");
  TDM__TRY(tdm__buf_new(ctx, dt, rows, cols, "tdm_buf_wrap", out));
  (*out)->host = host;
  (*out)->wrapped = 1;
  (*out)->valid = TDM__HOST;
  return TDM_OK;
}

tdm_status tdm_buf_write(tdm_buf *b, const void *src) {
  TDM__CHECK(!b, TDM_ERR_INVALID, "tdm_buf_write: b: is NULL");
  TDM__CHECK(!src, TDM_ERR_INVALID, "tdm_buf_write: src: is NULL");
  if (!b->host) {
    b->host = tdm__malloc(b->bytes);
    TDM__CHECK(!b->host, TDM_ERR_NOMEM, "tdm_buf_write: out of host memory for %zu bytes", b->bytes);
  }
  if (b->host != src) memmove(b->host, src, b->bytes);
  b->valid = TDM__HOST;
  return TDM_OK;
}

tdm_status tdm_buf_read(tdm_buf *b, void *dst) {
  TDM__CHECK(!b, TDM_ERR_INVALID, "tdm_buf_read: b: is NULL");
  TDM__CHECK(!dst, TDM_ERR_INVALID, "tdm_buf_read: dst: is NULL");
  tdm_status s = tdm__buf_host(b->ctx, b);
  if (s != TDM_OK) return tdm__err_prefix(s, "tdm_buf_read");
  if (b->host != dst) memmove(dst, b->host, b->bytes);
  return TDM_OK;
}

void tdm_buf_destroy(tdm_buf *b) {
  if (!b) return;
  tdm_ctx *root = b->ctx;
  if (b->dev && root->dev) root->dev->free(root->dev_st, b->dev);
  if (!b->wrapped) tdm__free(b->host);
  tdm__free(b);
  tdm__ctx_unref(root);
}

size_t tdm_buf_rows(const tdm_buf *b) { return b ? b->rows : 0; }
size_t tdm_buf_cols(const tdm_buf *b) { return b ? b->cols : 0; }
tdm_dtype tdm_buf_dtype(const tdm_buf *b) { return b ? b->dt : (tdm_dtype)-1; }
size_t tdm_buf_ld(const tdm_buf *b) { return b ? b->ld : 0; }

tdm_status tdm__buf_check(tdm_ctx *ctx, const tdm_buf *b, const char *fn, const char *arg) {
  TDM__CHECK(!b, TDM_ERR_INVALID, "%s: %s: is NULL", fn, arg);
  TDM__CHECK(b->ctx != ctx->root, TDM_ERR_INVALID,
             "%s: %s: belongs to another context (buffers cannot be mixed across contexts)", fn, arg);
  return TDM_OK;
}
