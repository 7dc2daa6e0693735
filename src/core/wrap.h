/* wrap.h -- the live wraps of caller memory, per root context, so a wrap
 * that overlaps another (two handles on one memory, each with its own
 * copies: silently wrong results) is refused. */
#ifndef TDM_WRAP_H
#define TDM_WRAP_H

#include "core/buf_int.h"

/* Registers s (host = the caller's memory); TDM_ERR_INVALID if it overlaps
 * a live wrap of the same root. Sets s->wrapped on success. */
tdm_status tdm__wrap_add(tdm__store *s);
void tdm__wrap_remove(tdm__store *s);

#endif
