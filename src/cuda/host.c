/* host.c -- the core services the module may use, forwarded to libtandem
 * through the host api it was handed at init (libtandem's own symbols are
 * hidden). With these, module code and any core-independent libtandem file
 * compiled into the module (src/expr/codegen.c) call tdm__err and
 * tdm__malloc as everywhere else, and libtandem's fault injection reaches
 * them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "module.h"

const tdm__host_api *tdm__cuda_host;
static _Thread_local char tdm__cu_msg[1024]; /* the last message set here */

const char *tdm__cu_last_msg(void) { return tdm__cu_msg; }

tdm_status tdm__err(tdm_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(tdm__cu_msg, sizeof tdm__cu_msg, fmt, ap);
  va_end(ap);
  if (tdm__cuda_host) tdm__cuda_host->err(s, "%s", tdm__cu_msg);
  return s;
}

int tdm__alloc_inject(void) { return tdm__cuda_host ? tdm__cuda_host->alloc_inject() : 0; }

void *tdm__malloc(size_t bytes) { return tdm__cuda_host ? tdm__cuda_host->malloc(bytes) : NULL; }


void tdm__free(void *p) {
  if (p && tdm__cuda_host) tdm__cuda_host->free(p);
}
