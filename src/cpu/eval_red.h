/* eval_red.h -- what eval_reduce (eval.c) takes from tdm_reduce's CPU
 * kernel: its block kernel and block sizes. A shim because reduce_int.h and
 * vexec.h both name their ISA enums TDM__ISA_*. */
#ifndef TDM_EVAL_RED_H
#define TDM_EVAL_RED_H

#include "backend.h"

extern const size_t tdm__er_block; /* TDM__RBLOCK: elements per block */
extern const size_t tdm__er_super; /* TDM__RSUPER: blocks per work item */
/* tdm__reduce_block: moments of x[0..n), 1 <= n <= tdm__er_block. */
void tdm__er_moments(tdm_dtype dt, const void *x, size_t n, tdm__moments *m);

#endif
