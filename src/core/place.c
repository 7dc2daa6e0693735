/* place.c -- chooses the side (host or device) that runs each op.
 * A plan that names a device runs everything there; TDM_AUTO compares the
 * estimated time on each side: work at each side's rate plus the copies
 * the op would need first (inputs not valid there). See docs/placement.md. */
#include "core/buf_int.h"

static double tdm__side_time(const tdm__perf *p, const tdm__opcost *c, double copy_bytes,
                             double copy_bps) {
  double t = p->launch_s;
  double tf = p->flops > 0 ? c->flops / p->flops : 0;
  double tm = p->mem_bps > 0 ? c->bytes / p->mem_bps : 0;
  t += tf > tm ? tf : tm;
  if (copy_bytes > 0 && copy_bps > 0) t += copy_bytes / copy_bps;
  return t;
}

static int tdm__choose(tdm_ctx *ctx, const tdm__opcost *cost, tdm_buf *const in[], int nin) {
  if (!ctx->dev) return TDM__HOST;
  if (!ctx->auto_place) return TDM__DEV;
  tdm__perf hp = {0}, dp = {0};
  if (ctx->host->perf(ctx->host_st, &hp) != TDM_OK || ctx->dev->perf(ctx->dev_st, &dp) != TDM_OK)
    return TDM__HOST;
  double to_dev = 0, to_host = 0;
  for (int i = 0; i < nin; i++) {
    const tdm_buf *b = in[i];
    if (!b) continue;
    unsigned v = __atomic_load_n(&b->st->valid, __ATOMIC_RELAXED); /* other lanes may copy it now */
    if (!(v & TDM__DEV) && (v & TDM__HOST)) to_dev += (double)b->st->bytes; /* the whole storage moves */
    if (!(v & TDM__HOST) && (v & TDM__DEV)) to_host += (double)b->st->bytes;
  }
  double th = tdm__side_time(&hp, cost, to_host, dp.d2h_bps);
  double td = tdm__side_time(&dp, cost, to_dev, dp.h2d_bps);
  return td < th ? TDM__DEV : TDM__HOST;
}

tdm__exec tdm__place(tdm_ctx *ctx, const tdm__opcost *cost, tdm_buf *const in[], int nin) {
  tdm__exec ex;
  ex.side = tdm__choose(ctx, cost, in, nin);
  if (ex.side == TDM__DEV) {
    ex.be = ctx->dev;
    ex.st = ctx->dev_st;
    tdm__stat_add(ctx, TDM__ST_DEV_OPS, 1);
  } else {
    ex.be = ctx->host;
    ex.st = ctx->host_st;
    tdm__stat_add(ctx, TDM__ST_CPU_OPS, 1);
  }
  return ex;
}
