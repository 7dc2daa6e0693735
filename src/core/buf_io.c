/* buf_io.c -- tdm_buf_write and tdm_buf_read: a buffer or view to and from
 * a contiguous column-major host array. A contiguous window of a storage
 * current only on the device moves straight between the caller's array and
 * the device; anything else goes through the storage's host copy. The
 * wrapped memory itself as the array means "make it current" (read) or
 * "the caller changed it" (write): no copy. */
#include <string.h>

#include "core/alloc.h"
#include "core/buf_int.h"
#include "core/error.h"

/* Column by column between a window (columns ld apart) and a packed array. */
static void tdm__pack(const tdm_buf *b, const char *win, char *dst) {
  size_t es = tdm_dtype_size(b->dt), cb = b->rows * es;
  if (tdm__buf_contig(b)) {
    memmove(dst, win, b->bytes);
    return;
  }
  for (size_t j = 0; j < b->cols; j++) memmove(dst + j * cb, win + j * b->ld * es, cb);
}

static void tdm__unpack(const tdm_buf *b, const char *src, char *win) {
  size_t es = tdm_dtype_size(b->dt), cb = b->rows * es;
  if (tdm__buf_contig(b)) {
    memmove(win, src, b->bytes);
    return;
  }
  for (size_t j = 0; j < b->cols; j++) memmove(win + j * b->ld * es, src + j * cb, cb);
}

/* The wrap itself was changed by the caller: the rest of a partial view's
 * storage may be current only on the device, so it is brought back around
 * the caller's window. */
static tdm_status tdm__wrap_changed(tdm_buf *b) {
  tdm__store *s = b->st;
  if ((tdm__buf_valid(b) & TDM__HOST) || tdm__buf_whole(b)) {
    __atomic_store_n(&s->valid, (unsigned)TDM__HOST, __ATOMIC_RELEASE);
    return TDM_OK;
  }
  char *tmp = tdm__malloc(b->bytes);
  TDM__CHECK(!tmp, TDM_ERR_NOMEM, "out of host memory for %zu bytes", b->bytes);
  tdm__pack(b, tdm__buf_hptr(b), tmp);
  tdm_status r = tdm__buf_host(b->ctx, b);
  if (r == TDM_OK) {
    tdm__unpack(b, tmp, tdm__buf_hptr(b));
    __atomic_store_n(&s->valid, (unsigned)TDM__HOST, __ATOMIC_RELEASE);
  }
  tdm__free(tmp);
  return r;
}

/* A contiguous window of a storage current only on the device. */
static int tdm__direct(const tdm_buf *b) {
  unsigned v = tdm__buf_valid(b);
  return !(v & TDM__HOST) && (v & TDM__DEV) && tdm__buf_contig(b) && !tdm__buf_whole(b);
}

tdm_status tdm_buf_write(tdm_buf *b, const void *src) {
  static const char fn[] = "tdm_buf_write";
  TDM__CHECK(!b, TDM_ERR_INVALID, "%s: b: is NULL", fn);
  TDM__CHECK(!src, TDM_ERR_INVALID, "%s: src: is NULL", fn);
  tdm__store *s = b->st;
  tdm_ctx *root = b->ctx;
  tdm_status r = TDM_OK;
  if (s->wrapped && src == tdm__buf_hptr(b)) {
    r = tdm__wrap_changed(b);
  } else if (tdm__buf_whole(b)) {
    if (!s->host) {
      s->host = tdm__malloc(s->bytes);
      TDM__CHECK(!s->host, TDM_ERR_NOMEM, "%s: out of host memory for %zu bytes", fn, s->bytes);
    }
    memmove(s->host, src, s->bytes);
    __atomic_store_n(&s->valid, (unsigned)TDM__HOST, __ATOMIC_RELEASE);
  } else if (tdm__direct(b) && root->dev) {
    char *d = (char *)s->dev + b->off * tdm_dtype_size(b->dt);
    r = root->dev->h2d(root->dev_st, d, src, b->bytes);
    if (r == TDM_OK) {
      tdm__stat_add(root, TDM__ST_H2D_N, 1);
      tdm__stat_add(root, TDM__ST_H2D_B, b->bytes);
    }
  } else {
    r = tdm__buf_host(root, b);
    if (r == TDM_OK) {
      tdm__unpack(b, src, tdm__buf_hptr(b));
      __atomic_store_n(&s->valid, (unsigned)TDM__HOST, __ATOMIC_RELEASE);
    }
  }
  return r == TDM_OK ? TDM_OK : tdm__err_prefix(r, fn);
}

tdm_status tdm_buf_read(tdm_buf *b, void *dst) {
  static const char fn[] = "tdm_buf_read";
  TDM__CHECK(!b, TDM_ERR_INVALID, "%s: b: is NULL", fn);
  TDM__CHECK(!dst, TDM_ERR_INVALID, "%s: dst: is NULL", fn);
  tdm__store *s = b->st;
  tdm_ctx *root = b->ctx;
  tdm_status r;
  if (s->wrapped && dst == tdm__buf_hptr(b)) {
    r = tdm__buf_host(root, b); /* the wrap is the host copy: bring it up to date */
  } else if (tdm__direct(b) && root->dev) {
    const char *d = (const char *)s->dev + b->off * tdm_dtype_size(b->dt);
    r = root->dev->d2h(root->dev_st, dst, d, b->bytes);
    if (r == TDM_OK) {
      tdm__stat_add(root, TDM__ST_D2H_N, 1);
      tdm__stat_add(root, TDM__ST_D2H_B, b->bytes);
    }
  } else {
    r = tdm__buf_host(root, b);
    if (r == TDM_OK) tdm__pack(b, tdm__buf_hptr(b), dst);
  }
  return r == TDM_OK ? TDM_OK : tdm__err_prefix(r, fn);
}
