/* stats_int.h -- the CPU statistics kernels (group statistics, per-axis
 * reductions, sort, argsort, quantiles), also run by the sim device on its
 * memory. Every one gives the same bits for any thread count. */
#ifndef TDM_STATS_INT_H
#define TDM_STATS_INT_H

#include "backend.h"

tdm_status tdm__cpu_group_stats(void *st, const tdm__sarg *x, const tdm__sarg *g, size_t G,
                                size_t nops, const tdm_reduce_op ops[], const tdm__sarg *out);
tdm_status tdm__cpu_reduce_axis(void *st, const tdm__sarg *x, int axis, tdm_reduce_op op,
                                const tdm__sarg *out);
tdm_status tdm__cpu_sort(void *st, const tdm__sarg *x);
tdm_status tdm__cpu_argsort(void *st, const tdm__sarg *x, const tdm__sarg *idx);
tdm_status tdm__cpu_quantile(void *st, const tdm__sarg *x, size_t nq, const double q[],
                             const tdm__sarg *out);

/* Work items of the group kernel for n elements and G groups (fixed by n
 * and G alone, so the merge order is too). Exposed for tests. */
size_t tdm__group_items(size_t n, size_t G);

#endif
