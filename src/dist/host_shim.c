/* host_shim.c -- built into libtandem_dist.so only: the core services the
 * dist code calls (tdm__err, the host allocator) forwarded to libtandem.so
 * through the table it exports, so there is one error message per thread
 * and one allocator hook. The static library uses libtandem.a's own. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "module.h"

tdm_status tdm__err(tdm_status s, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return tdm__host_api_get()->err(s, "%s", msg);
}

void *tdm__malloc(size_t bytes) { return tdm__host_api_get()->malloc(bytes); }

void tdm__free(void *p) { tdm__host_api_get()->free(p); }

