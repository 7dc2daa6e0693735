/* qscan.h -- the long-F64 quantile's one-pass scan (quant_bracket.c): the
 * kernel that counts a column's keys against a few key brackets and keeps
 * those inside (plain C in quant_bracket.c, AVX-512 in qscan_avx512.c,
 * chosen by the kernel table), and the path's entry point. */
#ifndef TDM_QSCAN_H
#define TDM_QSCAN_H

#include <stddef.h>
#include <stdint.h>

#define TDM__QSCAN_MAX 8     /* brackets per pass */
#define TDM__QSCAN_RANKS 64  /* probabilities per call (more: the sorted path) */
#define TDM__QSCAN_RUNS 2048 /* sample runs at most (of TDM__SPLIT_RUN each, split_int.h) */

/* For the keys (sort_int.h) of raw F64 words x[0..n): below[b] += those
 * < lo[b], le[b] += those <= hi[b] (b < nbr), *nan += the NaN ones; those
 * inside a bracket go to buf[*fill..cap), *fill advancing. Stops before a
 * step of 8 elements when fewer than 8 places are left; returns how many
 * elements it consumed. */
typedef size_t (*tdm__qscan_fn)(const double *x, size_t n, const uint64_t *lo,
                                const uint64_t *hi, size_t nbr, uint64_t *below, uint64_t *le,
                                uint64_t *nan, uint64_t *buf, size_t cap, size_t *fill);
size_t tdm__qscan_c(const double *x, size_t n, const uint64_t *lo, const uint64_t *hi,
                    size_t nbr, uint64_t *below, uint64_t *le, uint64_t *nan, uint64_t *buf,
                    size_t cap, size_t *fill);
size_t tdm__qscan_avx512(const double *x, size_t n, const uint64_t *lo, const uint64_t *hi,
                         size_t nbr, uint64_t *below, uint64_t *le, uint64_t *nan, uint64_t *buf,
                         size_t cap, size_t *fill);

/* tdm_quantile's nq probabilities q of the n-element F64 column col into
 * out[0..nq), on up to `threads` threads in `parts` parts. Nonzero: this
 * path did not apply (the sample missed a rank, too many keys to keep, no
 * memory, NaN in the sample): the caller takes the histogram path. */
int tdm__quant_bracket(int threads, size_t parts, const double *col, size_t n, size_t nq,
                       const double *q, double *out);

#endif
