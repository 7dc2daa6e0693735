/* ctx.c -- contexts: resolve the plan (TDM_BACKEND / config) into a host
 * backend and at most one device backend, open their states, and keep the
 * transfer and op counters. Lane contexts for tasks are made here too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/ctx_int.h"
#include "core/error.h"
#include "core/fork.h"

static const char *tdm__env_or(const char *name) {
  const char *v = getenv(name);
  return v ? v : "(unset)";
}

static tdm_status tdm__cfg_check(const tdm_config *c) {
  if ((int)c->backend < (int)TDM_AUTO || (int)c->backend > (int)TDM_SIM)
    return tdm__err(TDM_ERR_INVALID,
                    "tdm_ctx_create: cfg->backend: %d is not auto, cpu, cuda or sim (TDM_BACKEND=%s)",
                    (int)c->backend, tdm__env_or("TDM_BACKEND"));
  if (c->threads < 0 || c->threads > 4096)
    return tdm__err(TDM_ERR_INVALID,
                    "tdm_ctx_create: cfg->threads: %d is not in 0..4096 (TDM_NUM_THREADS=%s)",
                    c->threads, tdm__env_or("TDM_NUM_THREADS"));
  if (c->device < 0)
    return tdm__err(TDM_ERR_INVALID,
                    "tdm_ctx_create: cfg->device: %d is not a device ordinal (TDM_DEVICE=%s)",
                    c->device, tdm__env_or("TDM_DEVICE"));
  return TDM_OK;
}

static int tdm__ncpu(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

static tdm_status tdm__open_device(tdm_ctx *ctx) {
  const tdm_backend want = ctx->cfg.backend;
  if (want == TDM_CPU) {
    snprintf(ctx->note, sizeof ctx->note, "the plan asks for the CPU only");
    return TDM_OK;
  }
  const tdm__backend *be = NULL;
  char why[256] = "";
  tdm_status s;
  if (want == TDM_SIM) {
    be = &tdm__sim_backend;
  } else {
    s = tdm__cuda_load(&ctx->dev_module, &be, why, sizeof why);
    if (s != TDM_OK) { /* NO_DEVICE, or UNSUPPORTED: this build has no CUDA module */
      if (want == TDM_CUDA) return tdm__err(s, "tdm_ctx_create: TDM_CUDA: %s", why);
      snprintf(ctx->note, sizeof ctx->note, "%s", why);
      return TDM_OK; /* AUTO: CPU */
    }
  }
  void *st = NULL;
  why[0] = '\0';
  s = be->open(&ctx->cfg, &st, why, sizeof why);
  if (s != TDM_OK) {
    if (ctx->dev_module) tdm__cuda_unload(ctx->dev_module);
    ctx->dev_module = NULL;
    if (want == TDM_AUTO && s == TDM_ERR_NO_DEVICE) {
      snprintf(ctx->note, sizeof ctx->note, "%s", why);
      return TDM_OK;
    }
    if (why[0]) tdm__err(s, "%s", why);
    return tdm__err_prefix(s, "tdm_ctx_create");
  }
  ctx->dev = be;
  ctx->dev_st = st;
  ctx->auto_place = (want == TDM_AUTO);
  ctx->note[0] = '\0';
  return TDM_OK;
}

tdm_status tdm_ctx_create(const tdm_config *cfg, tdm_ctx **out) {
  TDM__CHECK(!out, TDM_ERR_INVALID, "tdm_ctx_create: out: is NULL");
  *out = NULL;
  tdm_config c;
  if (cfg) c = *cfg;
  else tdm_config_default(&c);
  TDM__TRY(tdm__cfg_check(&c));
  tdm__fork_install();
  tdm_ctx *ctx = tdm__calloc(1, sizeof *ctx);
  TDM__CHECK(!ctx, TDM_ERR_NOMEM, "tdm_ctx_create: out of host memory for the context");
  ctx->root = ctx;
  ctx->refs = 1;
  ctx->cfg = c;
  ctx->threads = c.threads > 0 ? c.threads : tdm__ncpu();
  ctx->cfg.threads = ctx->threads;
  ctx->fast_math = tdm__config_fast_math();
  pthread_mutex_init(&ctx->lock, NULL);
  tdm__fork_track(ctx);
  ctx->host = &tdm__cpu_backend;
  char why[256] = "";
  tdm_status s = ctx->host->open(&ctx->cfg, &ctx->host_st, why, sizeof why);
  if (s != TDM_OK) tdm__err_prefix(s, "tdm_ctx_create");
  else s = tdm__open_device(ctx); /* its messages name tdm_ctx_create */
  if (s != TDM_OK) {
    tdm_ctx_destroy(ctx);
    return s;
  }
  *out = ctx;
  return TDM_OK;
}

tdm_status tdm__ctx_lane(tdm_ctx *parent, tdm_lane lane, tdm_ctx **out) {
  TDM__CHECK(!parent || !out, TDM_ERR_INVALID, "tdm__ctx_lane: NULL argument");
  TDM__CHECK(lane == TDM_LANE_GPU && !parent->dev, TDM_ERR_NO_DEVICE,
             "tdm__ctx_lane: a GPU lane needs a device: %s", parent->root->note);
  tdm_ctx *c = tdm__calloc(1, sizeof *c);
  TDM__CHECK(!c, TDM_ERR_NOMEM, "tdm__ctx_lane: out of host memory");
  c->root = tdm__ctx_ref(parent->root);
  c->refs = 1;
  c->cfg = parent->cfg;
  c->threads = 1;
  c->lane = lane;
  c->host = parent->host;
  pthread_mutex_init(&c->lock, NULL);
  tdm_status s = c->host->open_lane(parent->root->host_st, &c->host_st);
  if (s == TDM_OK && lane == TDM_LANE_GPU) {
    c->dev = parent->dev;
    s = c->dev->open_lane(parent->root->dev_st, &c->dev_st);
    if (s != TDM_OK) c->dev = NULL;
  }
  if (s != TDM_OK) {
    tdm_ctx_destroy(c);
    return tdm__err_prefix(s, "tdm__ctx_lane");
  }
  *out = c;
  return TDM_OK;
}

tdm_ctx *tdm__ctx_ref(tdm_ctx *ctx) {
  __atomic_add_fetch(&ctx->refs, 1, __ATOMIC_RELAXED);
  return ctx;
}

/* The last reference: close the states, free the caches. */
static void tdm__ctx_free(tdm_ctx *ctx) {
  if (ctx->root == ctx) tdm__fork_untrack(ctx);
  if (ctx->dev) {
    ctx->dev->sync(ctx->dev_st);
    ctx->dev->close(ctx->dev_st);
  }
  if (ctx->host_st) ctx->host->close(ctx->host_st);
  if (ctx->root == ctx) tdm__root_slots_free(ctx);
  if (ctx->dev_module) tdm__cuda_unload(ctx->dev_module);
  pthread_mutex_destroy(&ctx->lock);
  tdm_ctx *root = ctx->root;
  tdm__free(ctx);
  if (root != ctx) tdm__ctx_unref(root);
}

void tdm__ctx_unref(tdm_ctx *ctx) {
  if (__atomic_sub_fetch(&ctx->refs, 1, __ATOMIC_ACQ_REL) == 0) tdm__ctx_free(ctx);
}

/* The handle's reference: objects made on ctx keep it usable until they
 * are destroyed, whatever the order. */
void tdm_ctx_destroy(tdm_ctx *ctx) {
  if (ctx) tdm__ctx_unref(ctx);
}

tdm_status tdm_ctx_sync(tdm_ctx *ctx) {
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "tdm_ctx_sync: ctx: is NULL");
  if (!ctx->dev) return TDM_OK;
  tdm_status s = ctx->dev->sync(ctx->dev_st);
  return s == TDM_OK ? s : tdm__err_prefix(s, "tdm_ctx_sync");
}

tdm_backend tdm_ctx_device_backend(const tdm_ctx *ctx) {
  if (!ctx || !ctx->dev) return TDM_CPU;
  return ctx->dev->kind;
}

tdm_status tdm__ctx_set_auto(tdm_ctx *ctx, int on) {
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "tdm__ctx_set_auto: ctx: is NULL");
  TDM__CHECK(on && !ctx->dev, TDM_ERR_INVALID,
             "tdm__ctx_set_auto: ctx: has no device to place ops on (%s)", ctx->root->note);
  ctx->auto_place = on != 0;
  return TDM_OK;
}

int tdm_ctx_threads(const tdm_ctx *ctx) { return ctx ? ctx->threads : 0; }

const char *tdm_ctx_device_note(const tdm_ctx *ctx) { return ctx ? ctx->root->note : ""; }

void tdm__stat_add(tdm_ctx *ctx, int which, uint64_t v) {
  __atomic_fetch_add(&ctx->root->stats[which], v, __ATOMIC_RELAXED);
}

tdm_status tdm_ctx_stats(const tdm_ctx *ctx, tdm_stats *out) {
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "tdm_ctx_stats: ctx: is NULL");
  TDM__CHECK(!out, TDM_ERR_INVALID, "tdm_ctx_stats: out: is NULL");
  const uint64_t *s = ctx->root->stats;
  out->h2d_count = __atomic_load_n(&s[TDM__ST_H2D_N], __ATOMIC_RELAXED);
  out->h2d_bytes = __atomic_load_n(&s[TDM__ST_H2D_B], __ATOMIC_RELAXED);
  out->d2h_count = __atomic_load_n(&s[TDM__ST_D2H_N], __ATOMIC_RELAXED);
  out->d2h_bytes = __atomic_load_n(&s[TDM__ST_D2H_B], __ATOMIC_RELAXED);
  out->cpu_ops = __atomic_load_n(&s[TDM__ST_CPU_OPS], __ATOMIC_RELAXED);
  out->device_ops = __atomic_load_n(&s[TDM__ST_DEV_OPS], __ATOMIC_RELAXED);
  return TDM_OK;
}

tdm_status tdm_ctx_stats_reset(tdm_ctx *ctx) {
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "tdm_ctx_stats_reset: ctx: is NULL");
  for (int i = 0; i < TDM__ST_COUNT; i++) __atomic_store_n(&ctx->root->stats[i], 0, __ATOMIC_RELAXED);
  return TDM_OK;
}
