/* sim.h -- test hooks of the TDM_SIM device: its fake speed figures (so a
 * test can steer TDM_AUTO placement), a memory capacity (device OOM without
 * fault injection) and the bytes it holds (device-side leak checks). */
#ifndef TDM_SIM_H
#define TDM_SIM_H

#include "backend.h"

/* Each fails with TDM_ERR_INVALID unless ctx's device is the sim. The
 * figures are shared by the context and its lanes. */
tdm_status tdm__sim_set_perf(tdm_ctx *ctx, const tdm__perf *p);
tdm_status tdm__sim_set_mem_limit(tdm_ctx *ctx, size_t bytes); /* 0 = unlimited */
tdm_status tdm__sim_mem_used(const tdm_ctx *ctx, size_t *bytes);

#endif
