/* bufdev.c -- a buffer's device copy as a raw pointer, for bindings that
 * hand device memory to other libraries (the Python package's DLPack
 * export). The copy is made current on the device, the context's queue is
 * drained, and a writer's copy becomes the only current one. */
#include "core/buf_int.h"
#include "core/error.h"

tdm_status tdm_buf_device_ptr(tdm_buf *b, int write, void **out) {
  TDM__CHECK(!out, TDM_ERR_INVALID, "tdm_buf_device_ptr: out: is NULL");
  *out = NULL;
  TDM__CHECK(!b, TDM_ERR_INVALID, "tdm_buf_device_ptr: b: is NULL");
  tdm_ctx *root = b->ctx;
  TDM__CHECK(!root->dev, TDM_ERR_UNSUPPORTED,
             "tdm_buf_device_ptr: b: its context has no device (backend %s)",
             tdm_backend_name(tdm_ctx_device_backend(root)));
  tdm__exec ex = {TDM__DEV, root->dev, root->dev_st};
  tdm_status s;
  if (write) {
    void *p = NULL;
    s = tdm__buf_out(root, &ex, b, 1, &p);
    if (s == TDM_OK) {
      tdm__buf_done(b, &ex);
      *out = p;
    }
  } else {
    const void *p = NULL;
    s = tdm__buf_in(root, &ex, b, &p);
    if (s == TDM_OK) *out = (void *)p;
  }
  if (s == TDM_OK) s = tdm_ctx_sync(root);
  if (s != TDM_OK) {
    *out = NULL;
    return tdm__err_prefix(s, "tdm_buf_device_ptr");
  }
  return TDM_OK;
}
