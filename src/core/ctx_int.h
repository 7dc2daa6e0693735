/* ctx_int.h -- the body of tdm_ctx: the plan (which backends), the
 * per-side backend states, the shared transfer/op counters and caches.
 * A task lane's context points at its root; counters live in the root.
 * Contexts are reference counted: the handle holds one reference and
 * every object made on it (buffer, expression, generator, lane) another,
 * so tdm_ctx_destroy in any order frees nothing still used. */
#ifndef TDM_CTX_INT_H
#define TDM_CTX_INT_H

#include <pthread.h>

#include "backend.h"

enum { TDM__HOST = 1, TDM__DEV = 2 }; /* sides, also validity bits */

enum { TDM__ST_H2D_N, TDM__ST_H2D_B, TDM__ST_D2H_N, TDM__ST_D2H_B, TDM__ST_CPU_OPS,
       TDM__ST_DEV_OPS, TDM__ST_COUNT };

/* Per-root slots for the layers above core (slot.c). */
#define TDM__ROOT_SLOTS 4

struct tdm_ctx {
  tdm_ctx *root;        /* itself for a top-level context */
  int refs;             /* atomic: the handle's + one per child; a lane holds one on root */
  tdm_config cfg;       /* as asked for, env defaults applied */
  int threads;          /* CPU threads this context may use */
  int auto_place;       /* TDM_AUTO with a device: choose per op */
  int lane;             /* 0 top level, TDM_LANE_CPU or TDM_LANE_GPU for a task lane */
  int fast_math;        /* root's: TDM_MATH=fast when it was created (tdm__config_fast_math) */
  const tdm__backend *host;
  void *host_st;
  const tdm__backend *dev; /* NULL when no device is used */
  void *dev_st;
  void *dev_module;        /* dlopen handle of the CUDA module (root only) */
  char note[256];          /* why no device, for tandem info */
  uint64_t stats[TDM__ST_COUNT]; /* root's only, atomic */
  void *slot[TDM__ROOT_SLOTS]; /* root's only: the layers' per-root state (slot.c) */
  pthread_mutex_t lock;    /* guards the slots' contents */
  tdm_ctx *fork_prev, *fork_next; /* live roots, for the fork() handlers (fork.c) */
};

/* A context for one task lane: CPU (single-threaded host) or GPU (own
 * device stream/queue). Shares the root's buffers, counters and caches. */
tdm_status tdm__ctx_lane(tdm_ctx *parent, tdm_lane lane, tdm_ctx **out);

void tdm__stat_add(tdm_ctx *ctx, int which, uint64_t v);

/* A child object takes a reference on the context it keeps (returns ctx)
 * and drops it when destroyed; the last drop frees the context (a lane's
 * then drops its root's). tdm_ctx_destroy drops the handle's. */
tdm_ctx *tdm__ctx_ref(tdm_ctx *ctx);
void tdm__ctx_unref(tdm_ctx *ctx);

/* Test hook: per-op placement (TDM_AUTO's model) on or off for a context
 * that has a device. TDM_AUTO never opens the sim device by itself, so
 * placement tests open TDM_SIM and switch this on. */
tdm_status tdm__ctx_set_auto(tdm_ctx *ctx, int on);

/* TDM_MATH=fast in the environment (config.c). */
int tdm__config_fast_math(void);

/* Which side runs an op; filled by tdm__place. */
typedef struct tdm__exec {
  int side; /* TDM__HOST or TDM__DEV */
  const tdm__backend *be;
  void *st;
} tdm__exec;

/* What the placement model needs to know of one op. */
typedef struct tdm__opcost {
  double flops;    /* arithmetic work */
  double bytes;    /* bytes the op streams through memory */
} tdm__opcost;

/* Chooses the side for an op reading in[0..nin) and counts the op there. */
tdm__exec tdm__place(tdm_ctx *ctx, const tdm__opcost *cost, tdm_buf *const in[], int nin);

/* Per-root slots (slot.c): a layer above core keeps its per-context state
 * (the expression cache) in one without core knowing its type. A layer
 * takes a slot once for the process (pthread_once) with the function that
 * frees a value: the slot's index, or -1 when all TDM__ROOT_SLOTS are
 * taken. Get and set act on ctx's root, under the root's lock; a root
 * calls free_fn on each value set when it is freed. */
int tdm__root_slot_new(void (*free_fn)(void *));
void *tdm__root_slot_get(tdm_ctx *ctx, int slot);
void tdm__root_slot_set(tdm_ctx *ctx, int slot, void *v);
void tdm__root_slots_free(tdm_ctx *root);

/* Loads the CUDA module (devload.c); fills why on failure. */
tdm_status tdm__cuda_load(void **module, const tdm__backend **be, char *why, size_t whylen);
void tdm__cuda_unload(void *module);

#endif
