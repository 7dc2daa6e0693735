/* wrap.c -- the registry of live wrapped storages: a list under one lock,
 * ordered by address, so an overlap check stops at the first wrap past
 * the new one's end. Only wraps of the same root context conflict. */
#include <pthread.h>
#include <stdint.h>

#include "core/error.h"
#include "core/wrap.h"

static pthread_mutex_t tdm__wrap_lock = PTHREAD_MUTEX_INITIALIZER;
static tdm__store *tdm__wraps; /* ascending host address */

static uintptr_t tdm__lo(const tdm__store *s) { return (uintptr_t)s->host; }
static uintptr_t tdm__hi(const tdm__store *s) { return (uintptr_t)s->host + s->bytes; }

tdm_status tdm__wrap_add(tdm__store *s) {
  uintptr_t lo = tdm__lo(s), hi = tdm__hi(s);
  TDM__CHECK(hi < lo, TDM_ERR_INVALID, "host: %zu bytes from %p wrap around the address space",
             s->bytes, s->host);
  pthread_mutex_lock(&tdm__wrap_lock);
  tdm__store *prev = NULL, *w = tdm__wraps;
  const tdm__store *clash = NULL;
  for (; w && tdm__lo(w) < hi; prev = w, w = w->wnext)
    if (w->ctx == s->ctx && tdm__hi(w) > lo && !clash) clash = w;
  if (clash) {
    void *at = clash->host;
    size_t nb = clash->bytes;
    pthread_mutex_unlock(&tdm__wrap_lock);
    return tdm__err(TDM_ERR_INVALID,
                    "host: %zu bytes at %p overlap a live wrapped buffer (%zu bytes at %p) of this "
                    "context; make a view of that buffer with tdm_buf_view instead",
                    s->bytes, s->host, nb, at);
  }
  s->wprev = prev;
  s->wnext = w;
  if (prev) prev->wnext = s;
  else tdm__wraps = s;
  if (w) w->wprev = s;
  s->wrapped = 1;
  pthread_mutex_unlock(&tdm__wrap_lock);
  return TDM_OK;
}

void tdm__wrap_remove(tdm__store *s) {
  pthread_mutex_lock(&tdm__wrap_lock);
  if (s->wprev) s->wprev->wnext = s->wnext;
  else tdm__wraps = s->wnext;
  if (s->wnext) s->wnext->wprev = s->wprev;
  s->wnext = s->wprev = NULL;
  pthread_mutex_unlock(&tdm__wrap_lock);
}
