/* slot.c -- per-root slots: a few places in every root context where a
 * layer above core keeps its per-context state (the expression cache,
 * src/expr/cache.c) without core knowing its type. A layer takes a slot
 * once for the process with the function that frees its values; the root
 * frees every slot's value when it goes. */
#include "core/ctx_int.h"

static pthread_mutex_t tdm__slots_mu = PTHREAD_MUTEX_INITIALIZER;
static void (*tdm__slot_free[TDM__ROOT_SLOTS])(void *);
static int tdm__slots_n;

int tdm__root_slot_new(void (*free_fn)(void *)) {
  if (!free_fn) return -1;
  pthread_mutex_lock(&tdm__slots_mu);
  int k = tdm__slots_n < TDM__ROOT_SLOTS ? tdm__slots_n++ : -1;
  if (k >= 0) tdm__slot_free[k] = free_fn;
  pthread_mutex_unlock(&tdm__slots_mu);
  return k;
}

void *tdm__root_slot_get(tdm_ctx *ctx, int slot) {
  if (slot < 0 || slot >= TDM__ROOT_SLOTS) return NULL;
  return ctx->root->slot[slot];
}

void tdm__root_slot_set(tdm_ctx *ctx, int slot, void *v) {
  if (slot >= 0 && slot < TDM__ROOT_SLOTS) ctx->root->slot[slot] = v;
}

void tdm__root_slots_free(tdm_ctx *root) {
  for (int k = 0; k < TDM__ROOT_SLOTS; k++) {
    if (!root->slot[k]) continue;
    pthread_mutex_lock(&tdm__slots_mu); /* a value is set only after its slot was made */
    void (*fn)(void *) = tdm__slot_free[k];
    pthread_mutex_unlock(&tdm__slots_mu);
    fn(root->slot[k]);
    root->slot[k] = NULL;
  }
}
