/* stats_int.h -- the CPU statistics kernels (group statistics, per-axis
 * reductions, sort, argsort, quantiles), also run by the sim device on its
 * memory. Every one gives the same bits for any thread count. */
#ifndef TDM_STATS_INT_H
#define TDM_STATS_INT_H

#include "cpu/cpu_int.h"

/* tdm__cpu_group_stats, _reduce_axis, _sort, _argsort and _quantile are
 * declared with the other ops in cpu_int.h. */

/* Work items of the group kernel for n elements and G groups (fixed by n
 * and G alone, so the merge order is too). Exposed for tests. */
size_t tdm__group_items(size_t n, size_t G);

#endif
