/* sim.h -- test hooks of the TDM_SIM device: its fake speed figures (so a
 * test can steer TDM_AUTO placement), a memory capacity (device OOM without
 * fault injection), the bytes it holds (device-side leak checks) and a
 * pause button for its queue (asynchrony checks). */
#ifndef TDM_SIM_H
#define TDM_SIM_H

#include "backend.h"

/* Each fails with TDM_ERR_INVALID unless ctx's device is the sim. The
 * figures are shared by the context and its lanes. */
tdm_status tdm__sim_set_perf(tdm_ctx *ctx, const tdm__perf *p);
tdm_status tdm__sim_set_mem_limit(tdm_ctx *ctx, size_t bytes); /* 0 = unlimited */
tdm_status tdm__sim_mem_used(const tdm_ctx *ctx, size_t *bytes);
/* Holds ctx's queue (commands wait, nothing runs) or lets it go, so a test
 * can see that ops return before they run; pending = commands waiting. */
tdm_status tdm__sim_hold(tdm_ctx *ctx, int on);
tdm_status tdm__sim_pending(const tdm_ctx *ctx, size_t *pending);

#endif
