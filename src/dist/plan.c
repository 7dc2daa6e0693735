/* plan.c -- who runs which indices of a distributed map: STATIC blocks,
 * the DYNAMIC/GUIDED chunk dealer rank 0 owns, and the list of ranges a
 * rank ran. Pure arithmetic and memory; no MPI calls. */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "dist/dist_int.h"

void tdm__dist_block(size_t n, int size, int r, size_t *lo, size_t *hi) {
  size_t s = (size_t)size, base = n / s, rem = n % s, ur = (size_t)r;
  *lo = ur * base + (ur < rem ? ur : rem);
  *hi = *lo + base + (ur < rem ? 1 : 0);
}

void tdm__dealer_init(tdm__dealer *dl, size_t n, tdm_schedule sched, int size) {
  pthread_mutex_init(&dl->lock, NULL);
  dl->next = 0;
  dl->n = n;
  dl->size = size;
  dl->guided = (sched.kind == TDM_SCHED_GUIDED);
  dl->fail = TDM__DIST_NONE;
  size_t c = sched.chunk;
  if (c == 0) c = dl->guided ? 1 : n / (16 * (size_t)size);
  dl->chunk = c ? c : 1;
}

void tdm__dealer_destroy(tdm__dealer *dl) { pthread_mutex_destroy(&dl->lock); }

void tdm__dealer_next(tdm__dealer *dl, uint64_t fail, size_t *lo, size_t *hi) {
  pthread_mutex_lock(&dl->lock);
  if (fail < dl->fail) dl->fail = fail;
  size_t limit = dl->n;
  if (dl->fail != TDM__DIST_NONE && tdm__dist_key_index(dl->fail) < limit)
    limit = tdm__dist_key_index(dl->fail);
  *lo = *hi = dl->next;
  if (dl->next < limit) {
    size_t left = limit - dl->next, len = dl->chunk;
    if (dl->guided) {
      size_t g = (left + 2 * (size_t)dl->size - 1) / (2 * (size_t)dl->size);
      if (g > len) len = g;
    }
    if (len > left) len = left;
    *hi = dl->next + len;
    dl->next = *hi;
  }
  pthread_mutex_unlock(&dl->lock);
}

tdm_status tdm__ranges_push(tdm__ranges *r, size_t lo, size_t hi) {
  if (r->count == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 16;
    uint64_t *v = tdm__malloc(cap * 2 * sizeof *v);
    TDM__CHECK(!v, TDM_ERR_NOMEM, "tdm_dist_map: out of host memory for the chunk list");
    if (r->count) memcpy(v, r->v, r->count * 2 * sizeof *v);
    tdm__free(r->v);
    r->v = v;
    r->cap = cap;
  }
  r->v[2 * r->count] = lo;
  r->v[2 * r->count + 1] = hi;
  r->count++;
  return TDM_OK;
}

void tdm__ranges_free(tdm__ranges *r) {
  tdm__free(r->v);
  r->v = NULL;
  r->count = r->cap = 0;
}
