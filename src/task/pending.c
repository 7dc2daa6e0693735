/* pending.c -- until the task layer (issue 7) lands, its public calls
 * exist and fail honestly with TDM_ERR_INTERNAL "not built", so programs
 * link and report skipped rows. The task layer's merge deletes this file. */
#include "core/error.h"

#define TDM__PENDING(fn) tdm__err(TDM_ERR_INTERNAL, "%s: the task layer is not built in this version", fn)

tdm_status tdm_pool_create(tdm_ctx *ctx, const tdm_pool_config *cfg, tdm_pool **out) {
  (void)ctx; (void)cfg;
  if (out) *out = NULL;
  return TDM__PENDING("tdm_pool_create");
}
void tdm_pool_destroy(tdm_pool *p) { (void)p; }
tdm_status tdm_submit(tdm_pool *p, tdm_lane lane, tdm_task_fn fn, void *arg, tdm_future **out) {
  (void)p; (void)lane; (void)fn; (void)arg;
  if (out) *out = NULL;
  return TDM__PENDING("tdm_submit");
}
tdm_status tdm_future_wait(tdm_future *f) {
  (void)f;
  return TDM__PENDING("tdm_future_wait");
}
void tdm_future_release(tdm_future *f) { (void)f; }
tdm_status tdm_map(tdm_pool *p, size_t n, tdm_map_fn fn, void *arg, tdm_schedule sched) {
  (void)p; (void)n; (void)fn; (void)arg; (void)sched;
  return TDM__PENDING("tdm_map");
}
