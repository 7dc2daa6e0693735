/* cache.c -- the per-context cache of compiled expressions behind tdm_eval:
 * a bounded LRU (TDM__ECACHE_CAP entries) keyed by source and inputs text,
 * kept in a slot of the root context (core's per-root slots: core does not
 * know this type), guarded by the root's lock. Programs are reference
 * counted, so an entry evicted while another thread evaluates it lives on
 * until that evaluation releases it. Compilation runs outside the lock. */
#include <pthread.h>
#include <string.h>

#include "core/alloc.h"
#include "core/ctx_int.h"
#include "core/error.h"
#include "expr/expr_int.h"

#define TDM__ECACHE_CAP 64

typedef struct tdm__eentry {
  uint64_t hash, tick; /* tick: last use; 0 = empty */
  tdm__prog *prog;
} tdm__eentry;

struct tdm__expr_cache {
  tdm__eentry e[TDM__ECACHE_CAP];
  uint64_t clock, hits, misses;
};

static void tdm__ecache_free(void *v) {
  struct tdm__expr_cache *c = v;
  for (int i = 0; i < TDM__ECACHE_CAP; i++)
    if (c->e[i].tick) tdm__prog_release(c->e[i].prog);
  tdm__free(c);
}

/* The root slot the cache lives in, taken once for the process. */
static int tdm__ecache_slot_id = -1;
static pthread_once_t tdm__ecache_once = PTHREAD_ONCE_INIT;
static void tdm__ecache_slot_make(void) {
  tdm__ecache_slot_id = tdm__root_slot_new(tdm__ecache_free);
}
static int tdm__ecache_slot(void) {
  pthread_once(&tdm__ecache_once, tdm__ecache_slot_make);
  return tdm__ecache_slot_id;
}

static uint64_t tdm__hash_str(uint64_t h, const char *s) {
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull; /* FNV-1a */
  return (h ^ 0xff) * 0x100000001b3ull;
}

static tdm__eentry *tdm__find(struct tdm__expr_cache *c, uint64_t h, const char *src,
                              const char *inputs) {
  for (int i = 0; i < TDM__ECACHE_CAP; i++) {
    tdm__eentry *e = &c->e[i];
    if (e->tick && e->hash == h && strcmp(e->prog->src, src) == 0 &&
        strcmp(e->prog->inputs, inputs) == 0)
      return e;
  }
  return NULL;
}

/* Under the lock: the entry for p (a new one, evicting the least recently used). */
static void tdm__insert(struct tdm__expr_cache *c, uint64_t h, tdm__prog *p) {
  tdm__eentry *v = &c->e[0];
  for (int i = 1; i < TDM__ECACHE_CAP && v->tick; i++)
    if (!c->e[i].tick || c->e[i].tick < v->tick) v = &c->e[i];
  if (v->tick) tdm__prog_release(v->prog);
  tdm__prog_retain(p);
  v->prog = p;
  v->hash = h;
  v->tick = ++c->clock;
}

tdm_status tdm__expr_cache_get(tdm_ctx *ctx, const char *src, const char *inputs,
                               tdm__prog **out) {
  tdm_ctx *root = ctx->root;
  if (!inputs) inputs = "";
  uint64_t h = tdm__hash_str(tdm__hash_str(0xcbf29ce484222325ull, src), inputs);
  const int slot = tdm__ecache_slot();
  TDM__CHECK(slot < 0, TDM_ERR_INTERNAL,
             "tdm_eval: no per-context slot left for the expression cache");
  pthread_mutex_lock(&root->lock);
  struct tdm__expr_cache *c = tdm__root_slot_get(root, slot);
  if (!c) {
    c = tdm__calloc(1, sizeof *c);
    tdm__root_slot_set(root, slot, c);
  }
  tdm__eentry *e = c ? tdm__find(c, h, src, inputs) : NULL;
  if (e) {
    e->tick = ++c->clock;
    c->hits++;
    tdm__prog_retain(e->prog);
    *out = e->prog;
  }
  pthread_mutex_unlock(&root->lock);
  if (e) return TDM_OK;
  TDM__CHECK(!c, TDM_ERR_NOMEM, "tdm_eval: out of host memory for the expression cache");
  tdm__prog *p;
  TDM__TRY(tdm__prog_compile("tdm_eval", src, inputs, &p));
  pthread_mutex_lock(&root->lock);
  c->misses++;
  e = tdm__find(c, h, src, inputs); /* another thread may have compiled it meanwhile */
  if (e) {
    tdm__prog_release(p);
    p = e->prog;
    e->tick = ++c->clock;
    tdm__prog_retain(p);
  } else {
    tdm__insert(c, h, p);
  }
  pthread_mutex_unlock(&root->lock);
  *out = p;
  return TDM_OK;
}

void tdm__expr_cache_stats(tdm_ctx *ctx, size_t *entries, uint64_t *hits, uint64_t *misses) {
  tdm_ctx *root = ctx->root;
  size_t n = 0;
  uint64_t hi = 0, mi = 0;
  pthread_mutex_lock(&root->lock);
  const struct tdm__expr_cache *c = tdm__root_slot_get(root, tdm__ecache_slot());
  if (c) {
    for (int i = 0; i < TDM__ECACHE_CAP; i++) n += c->e[i].tick != 0;
    hi = c->hits;
    mi = c->misses;
  }
  pthread_mutex_unlock(&root->lock);
  if (entries) *entries = n;
  if (hits) *hits = hi;
  if (misses) *misses = mi;
}
