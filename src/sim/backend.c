/* backend.c -- TDM_SIM, the test device: "device memory" is a separate host
 * allocation reached only through h2d/d2h (mem.c), ops run the CPU kernels
 * on that memory from the device's own queue thread (queue.c; ops.c runs
 * every CPU op the list in ops.h names, xfer.c the transfers), so a
 * missing transfer or a missing wait shows as a wrong answer in tests, as
 * on a GPU. Its speed figures are settable for placement tests (sim.h). */
#include "core/alloc.h"
#include "core/ctx_int.h"
#include "core/error.h"
#include "sim/sim.h"
#include "sim/sim_int.h"

static const tdm__perf tdm__sim_default_perf = {
    .h2d_bps = 12e9, .d2h_bps = 12e9, .mem_bps = 1e12, .flops = 1e13, .launch_s = 5e-6};

static tdm_status tdm__sim_open(const tdm_config *cfg, void **state, char *why, size_t whylen) {
  (void)why;
  (void)whylen;
  tdm__simdev *d = tdm__calloc(1, sizeof *d);
  TDM__CHECK(!d, TDM_ERR_NOMEM, "out of host memory for the sim device");
  tdm__simq *q = tdm__malloc(sizeof *q);
  if (!q) {
    tdm__free(d);
    return tdm__err(TDM_ERR_NOMEM, "out of host memory for the sim device's queue");
  }
  pthread_mutex_init(&d->mu, NULL);
  d->perf = tdm__sim_default_perf;
  d->refs = 1;
  tdm_status s = tdm__simq_start(q, d, cfg->threads > 0 ? cfg->threads : tdm__ncores());
  if (s != TDM_OK) {
    pthread_mutex_destroy(&d->mu);
    tdm__free(q);
    tdm__free(d);
    return s;
  }
  *state = q;
  return TDM_OK;
}

static tdm_status tdm__sim_open_lane(void *parent, void **state) {
  tdm__simdev *d = ((tdm__simq *)parent)->dev;
  tdm__simq *q = tdm__malloc(sizeof *q);
  TDM__CHECK(!q, TDM_ERR_NOMEM, "out of host memory for a sim lane");
  tdm_status s = tdm__simq_start(q, d, 1);
  if (s != TDM_OK) {
    tdm__free(q);
    return s;
  }
  q->lane = 1;
  pthread_mutex_lock(&d->mu);
  d->refs++;
  pthread_mutex_unlock(&d->mu);
  *state = q;
  return TDM_OK;
}

static void tdm__sim_close(void *st) {
  tdm__simq *q = st;
  tdm__simdev *d = q->dev;
  tdm__simq_stop(q); /* runs what is queued, then ends the thread */
  tdm__free(q);
  pthread_mutex_lock(&d->mu);
  int last = --d->refs == 0;
  pthread_mutex_unlock(&d->mu);
  if (last) {
    pthread_mutex_destroy(&d->mu);
    tdm__free(d);
  }
}

static tdm_status tdm__sim_sync(void *st) { return tdm__simq_sync(st); }

static tdm_status tdm__sim_perf(void *st, tdm__perf *p) {
  tdm__simdev *d = ((tdm__simq *)st)->dev;
  pthread_mutex_lock(&d->mu);
  *p = d->perf;
  pthread_mutex_unlock(&d->mu);
  return TDM_OK;
}

const tdm__backend tdm__sim_backend = {
    .version = TDM__BACKEND_VERSION,
    .name = "sim",
    .kind = TDM_SIM,
    .open = tdm__sim_open,
    .open_lane = tdm__sim_open_lane,
    .close = tdm__sim_close,
    .sync = tdm__sim_sync,
    .perf = tdm__sim_perf,
    .alloc = tdm__sim_alloc,
    .free = tdm__sim_free,
    .zero = tdm__sim_zero,
    .h2d = tdm__sim_h2d,
    .d2h = tdm__sim_d2h,
    .d2d = tdm__sim_d2d,
/* every CPU op, queued (ops.h) */
#define TDM__SIM_SLOT(op, wait, ...) .op = tdm__sim_##op,
    TDM__SIM_OPS(TDM__SIM_SLOT)
#undef TDM__SIM_SLOT
};

/* ---- test hooks (sim.h) ---------------------------------------------------- */
static tdm__simdev *tdm__sim_of(const tdm_ctx *ctx, const char *fn) {
  if (!ctx) {
    tdm__err(TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
    return NULL;
  }
  if (ctx->dev != &tdm__sim_backend) {
    tdm__err(TDM_ERR_INVALID, "%s: ctx: its device is not the sim device", fn);
    return NULL;
  }
  return ((tdm__simq *)ctx->dev_st)->dev;
}

tdm_status tdm__sim_set_perf(tdm_ctx *ctx, const tdm__perf *p) {
  tdm__simdev *d = tdm__sim_of(ctx, "tdm__sim_set_perf");
  if (!d) return TDM_ERR_INVALID;
  TDM__CHECK(!p, TDM_ERR_INVALID, "tdm__sim_set_perf: p: is NULL");
  TDM__CHECK(!(p->h2d_bps > 0 && p->d2h_bps > 0 && p->mem_bps > 0 && p->flops > 0 &&
               p->launch_s >= 0),
             TDM_ERR_INVALID, "tdm__sim_set_perf: p: rates must be > 0 and launch_s >= 0");
  pthread_mutex_lock(&d->mu);
  d->perf = *p;
  pthread_mutex_unlock(&d->mu);
  return TDM_OK;
}

tdm_status tdm__sim_set_mem_limit(tdm_ctx *ctx, size_t bytes) {
  tdm__simdev *d = tdm__sim_of(ctx, "tdm__sim_set_mem_limit");
  if (!d) return TDM_ERR_INVALID;
  pthread_mutex_lock(&d->mu);
  d->mem_limit = bytes;
  pthread_mutex_unlock(&d->mu);
  return TDM_OK;
}

tdm_status tdm__sim_mem_used(const tdm_ctx *ctx, size_t *bytes) {
  tdm__simdev *d = tdm__sim_of(ctx, "tdm__sim_mem_used");
  if (!d) return TDM_ERR_INVALID;
  TDM__CHECK(!bytes, TDM_ERR_INVALID, "tdm__sim_mem_used: bytes: is NULL");
  pthread_mutex_lock(&d->mu);
  *bytes = d->mem_used;
  pthread_mutex_unlock(&d->mu);
  return TDM_OK;
}

tdm_status tdm__sim_hold(tdm_ctx *ctx, int on) {
  if (!tdm__sim_of(ctx, "tdm__sim_hold")) return TDM_ERR_INVALID;
  tdm__simq *q = ctx->dev_st;
  pthread_mutex_lock(&q->mu);
  q->hold = on != 0;
  pthread_cond_signal(&q->work);
  pthread_mutex_unlock(&q->mu);
  return TDM_OK;
}

tdm_status tdm__sim_pending(const tdm_ctx *ctx, size_t *pending) {
  if (!tdm__sim_of(ctx, "tdm__sim_pending")) return TDM_ERR_INVALID;
  TDM__CHECK(!pending, TDM_ERR_INVALID, "tdm__sim_pending: pending: is NULL");
  tdm__simq *q = ctx->dev_st;
  size_t n = 0;
  pthread_mutex_lock(&q->mu);
  for (const tdm__simcmd *c = q->head; c; c = c->next) n++;
  pthread_mutex_unlock(&q->mu);
  *pending = n;
  return TDM_OK;
}
