/* reduce_int.h -- the CPU reduction's block kernel and its version switch
 * (plain C, AVX2+FMA; both give the same bits). */
#ifndef TDM_REDUCE_INT_H
#define TDM_REDUCE_INT_H

#include "backend.h"

/* Elements per block: bounds the shifted sums' cancellation (n*eps). */
#define TDM__RBLOCK 2048
/* Blocks per parallel work item; items are merged in order, so the result
 * does not depend on the thread count. */
#define TDM__RSUPER 64

enum { TDM__ISA_C = 0, TDM__ISA_AVX2 = 1 };

/* Moments of x[0..n), 1 <= n <= TDM__RBLOCK, all fields. */
void tdm__reduce_block(tdm_dtype dt, const void *x, size_t n, tdm__moments *m);
/* Test/bench hook: use version want (capped at what the CPU has; -1 = best).
 * Returns the version now in use. */
int tdm__reduce_isa(int want);

#endif
