/* cache.c -- placeholder for the per-context expression cache (src/expr
 * replaces it with the bounded LRU of compiled expressions). */
#include "core/ctx_int.h"

void tdm__expr_cache_free(struct tdm__expr_cache *c) { (void)c; }
