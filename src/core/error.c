/* error.c -- status names from TDM_STATUS_MAP and the per-thread message.
 * The message buffer is _Thread_local, so concurrent tasks never see each
 * other's errors (ArrayFire's af_get_last_error habit). */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char tdm__msg[1024];

const char *tdm_status_name(tdm_status s) {
  switch (s) {
#define TDM__XX(name, text)                                                    \
  case TDM_##name:                                                             \
    return "TDM_" #name;
    TDM_STATUS_MAP(TDM__XX)
#undef TDM__XX
  }
  return "TDM_UNKNOWN_STATUS";
}

const char *tdm_status_text(tdm_status s) {
  switch (s) {
#define TDM__XX(name, text)                                                    \
  case TDM_##name:                                                             \
    return text;
    TDM_STATUS_MAP(TDM__XX)
#undef TDM__XX
  }
  return "unknown status";
}

const char *tdm_last_error(void) { return tdm__msg; }

tdm_status tdm__err(tdm_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(tdm__msg, sizeof tdm__msg, fmt, ap);
  va_end(ap);
  return s;
}

tdm_status tdm__err_prefix(tdm_status s, const char *fn) {
  size_t fl = strlen(fn);
  if (strncmp(tdm__msg, fn, fl) == 0) return s; /* already named */
  char tmp[sizeof tdm__msg];
  const char *body = tdm__msg[0] ? tdm__msg : tdm_status_text(s);
  size_t bl = strlen(body), cap = sizeof tmp - 1;
  if (fl + 2 > cap) fl = cap - 2;
  memcpy(tmp, fn, fl);
  memcpy(tmp + fl, ": ", 2);
  if (bl > cap - fl - 2) bl = cap - fl - 2;
  memcpy(tmp + fl + 2, body, bl);
  tmp[fl + 2 + bl] = '\0';
  memcpy(tdm__msg, tmp, sizeof tdm__msg);
  return s;
}

void tdm__err_clear(void) { tdm__msg[0] = '\0'; }
