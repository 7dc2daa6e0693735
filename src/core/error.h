/* error.h -- thread-local last-error message and the helper that sets it.
 * Every failing call leaves "function: argument: reason" for
 * tdm_last_error(); nothing in the library prints, exits or aborts. */
#ifndef TDM_ERROR_H
#define TDM_ERROR_H

#include "tandem/tandem.h"

#if defined(__GNUC__)
#define TDM__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TDM__PRINTF(a, b)
#endif

/* Sets this thread's message (printf-style) and returns s. */
tdm_status tdm__err(tdm_status s, const char *fmt, ...) TDM__PRINTF(2, 3);
/* Prefixes the current message with "fn: " (when a lower layer set it). */
tdm_status tdm__err_prefix(tdm_status s, const char *fn);
void tdm__err_clear(void);

/* Return early with a message when cond holds. */
#define TDM__CHECK(cond, status, ...)                                          \
  do {                                                                         \
    if (cond) return tdm__err((status), __VA_ARGS__);                          \
  } while (0)

#define TDM__TRY(expr)                                                         \
  do {                                                                         \
    tdm_status tdm__s_ = (expr);                                               \
    if (tdm__s_ != TDM_OK) return tdm__s_;                                     \
  } while (0)

#endif
