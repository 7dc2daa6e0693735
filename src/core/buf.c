/* buf.c -- buffer handles: create, wrap, view, destroy, shape. A handle is
 * a window onto a refcounted storage (buf_int.h); the storage is freed
 * with its last handle, in whatever order they are destroyed. Sizes are
 * checked for overflow; host memory is allocated at create on a CPU-only
 * context and on first use when a device may hold the data. */
#include <string.h>

#include "core/alloc.h"
#include "core/buf_int.h"
#include "core/error.h"
#include "core/wrap.h"

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
  tdm__store *s = b ? tdm__calloc(1, sizeof *s) : NULL;
  if (!s) {
    tdm__free(b);
    return tdm__err(TDM_ERR_NOMEM, "%s: out of host memory for the buffer handle", fn);
  }
  s->ctx = tdm__ctx_ref(ctx->root); /* the storage holds the handles' reference */
  s->dt = dt;
  s->rows = rows;
  s->cols = cols;
  s->n = n;
  s->bytes = bytes;
  s->refs = 1;
  b->ctx = ctx->root;
  b->st = s;
  b->dt = dt;
  b->rows = rows;
  b->cols = cols;
  b->ld = rows;
  b->n = n;
  b->bytes = bytes;
  *out = b;
  return TDM_OK;
}

/* Drops one handle's reference; the last one frees the copies. */
static void tdm__store_unref(tdm__store *s) {
  if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
  tdm_ctx *root = s->ctx;
  if (s->wrapped) tdm__wrap_remove(s);
  if (s->dev && root->dev) root->dev->free(root->dev_st, s->dev);
  if (!s->wrapped) tdm__free(s->host);
  tdm__free(s);
  tdm__ctx_unref(root);
}

static void tdm__buf_free(tdm_buf *b) {
  tdm__store_unref(b->st);
  tdm__free(b);
}

tdm_status tdm_buf_create(tdm_ctx *ctx, tdm_dtype dt, size_t rows, size_t cols, tdm_buf **out) {
  TDM__TRY(tdm__buf_new(ctx, dt, rows, cols, "tdm_buf_create", out));
  tdm_buf *b = *out;
  if (!ctx->root->dev) { /* CPU only: the host copy is the only copy */
    b->st->host = tdm__calloc(1, b->bytes);
    if (!b->st->host) {
      size_t bytes = b->bytes;
      tdm__buf_free(b);
      *out = NULL;
      return tdm__err(TDM_ERR_NOMEM, "tdm_buf_create: out of host memory for %zu bytes", bytes);
    }
    b->st->valid = TDM__HOST;
  }
  return TDM_OK;
}

tdm_status tdm_buf_wrap(tdm_ctx *ctx, tdm_dtype dt, size_t rows, size_t cols, void *host,
                        tdm_buf **out) {
  TDM__CHECK(!out, TDM_ERR_INVALID, "tdm_buf_wrap: out: is NULL");
  *out = NULL;
  TDM__CHECK(!host, TDM_ERR_INVALID, "tdm_buf_wrap: host: is NULL");
  TDM__TRY(tdm__buf_new(ctx, dt, rows, cols, "tdm_buf_wrap", out));
  tdm__store *s = (*out)->st;
  s->host = host;
  s->valid = TDM__HOST;
  tdm_status r = tdm__wrap_add(s);
  if (r != TDM_OK) {
    s->host = NULL; /* the caller's memory: not ours to free */
    tdm__buf_free(*out);
    *out = NULL;
    return tdm__err_prefix(r, "tdm_buf_wrap");
  }
  return TDM_OK;
}

tdm_status tdm_buf_view(tdm_buf *b, size_t r0, size_t c0, size_t nrows, size_t ncols,
                        tdm_buf **out) {
  static const char fn[] = "tdm_buf_view";
  TDM__CHECK(!out, TDM_ERR_INVALID, "%s: out: is NULL", fn);
  *out = NULL;
  TDM__CHECK(!b, TDM_ERR_INVALID, "%s: b: is NULL", fn);
  TDM__CHECK(nrows == 0, TDM_ERR_INVALID, "%s: nrows: must be > 0", fn);
  TDM__CHECK(ncols == 0, TDM_ERR_INVALID, "%s: ncols: must be > 0", fn);
  TDM__CHECK(r0 >= b->rows || nrows > b->rows - r0, TDM_ERR_INVALID,
             "%s: r0, nrows: rows %zu..%zu are outside b's %zu rows", fn, r0,
             r0 + nrows - 1, b->rows);
  TDM__CHECK(c0 >= b->cols || ncols > b->cols - c0, TDM_ERR_INVALID,
             "%s: c0, ncols: columns %zu..%zu are outside b's %zu columns", fn, c0,
             c0 + ncols - 1, b->cols);
  tdm_buf *v = tdm__malloc(sizeof *v);
  TDM__CHECK(!v, TDM_ERR_NOMEM, "%s: out of host memory for the view handle", fn);
  *v = *b;
  v->off = b->off + r0 + c0 * b->ld;
  v->rows = nrows;
  v->cols = ncols;
  v->n = nrows * ncols;
  v->bytes = v->n * tdm_dtype_size(b->dt);
  __atomic_add_fetch(&b->st->refs, 1, __ATOMIC_ACQ_REL);
  *out = v;
  return TDM_OK;
}

void tdm_buf_destroy(tdm_buf *b) {
  if (b) tdm__buf_free(b);
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

/* Windows [r, r+rows) x [c, c+cols) of one storage (offset = r + c*ld). */
int tdm__buf_overlap(const tdm_buf *a, const tdm_buf *b) {
  if (a->st != b->st) return 0;
  size_t ld = a->ld;
  size_t ar = a->off % ld, ac = a->off / ld, br = b->off % ld, bc = b->off / ld;
  return ar < br + b->rows && br < ar + a->rows && ac < bc + b->cols && bc < ac + a->cols;
}

tdm_status tdm__buf_require_contig(const tdm_buf *b, const char *fn, const char *arg) {
  TDM__CHECK(!tdm__buf_contig(b), TDM_ERR_INVALID,
             "%s: %s: a view with leading dimension %zu != its %zu rows is not supported by this "
             "op yet (tdm_copy it into a buffer first)",
             fn, arg, b->ld, b->rows);
  return TDM_OK;
}
