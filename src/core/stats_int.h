/* stats_int.h -- what the core's statistics calls share: a buffer (or
 * view) as a backend's strided operand, and the op check. */
#ifndef TDM_CORE_STATS_INT_H
#define TDM_CORE_STATS_INT_H

#include "backend.h"

/* b's shape and leading dimension with p (b's first element on the side
 * that runs the op). */
tdm__sarg tdm__sarg_of(const tdm_buf *b, const void *p);
int tdm__op_valid(tdm_reduce_op op);

#endif
