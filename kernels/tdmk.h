/* tdmk.h -- the extern "C" launchers of tandem's own CUDA kernels, as the
 * host C code of the CUDA module sees them. Each enqueues its kernels on
 * `stream` (a cudaStream_t) and returns a cudaError_t as int (0 = launched).
 * The module calls them only through its call table (src/cuda/calls.h). */
#ifndef TDM_KERNELS_H
#define TDM_KERNELS_H

#include "backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Threads per block of the moment kernels; the host sizes the grid. */
#define TDMK_MOMENT_THREADS 256

/* One-pass moments of x[0..n) (F32 or F64): `nblocks` blocks each write the
 * moments of a contiguous slice into part[0..nblocks), then one block
 * merges them in a fixed order into *out (device memory). */
int tdmk_moments(tdm_dtype dt, const void *x, size_t n, unsigned need, int nblocks,
                 tdm__moments *part, tdm__moments *out, void *stream);

/* Grouped statistics. acc is device scratch laid out in 8-byte words:
 * [0,G) count, [G,2G) sum, [2G,3G) m2, [3G,4G) max key, [4G,5G) NaN flag,
 * [5G,6G) min key, [6G] bad index. The caller clears words [0,5G) to 0 and
 * [5G,6G] to all ones before the launch. The kernels write out[0..G) and,
 * for ids outside [0,G), the lowest such element index into the bad word. */
static inline size_t tdmk_group_words(size_t G) { return 6 * G + 1; }
static inline size_t tdmk_group_zero_words(size_t G) { return 5 * G; }
static inline size_t tdmk_group_bad_word(size_t G) { return 6 * G; }
int tdmk_group_reduce(tdm_dtype dt, const void *x, const int32_t *g, size_t n, size_t G, int op,
                      void *acc, double *out, int nblocks, void *stream);

/* C (p x p, column-major, columns ldc apart): copy the upper triangle
 * into the lower one. */
int tdmk_fill_lower(tdm_dtype dt, size_t p, void *C, size_t ldc, void *stream);
/* A (n x n, columns lda apart): zero the strictly lower triangle. */
int tdmk_zero_lower(tdm_dtype dt, size_t n, void *A, size_t lda, void *stream);

/* tdm_copy (kernels/copy.cu): dst (columns ldd apart, ddt) := src (lds,
 * sdt) over rows x cols, converted as C does. The check kernel leaves in
 * *bad (device; the caller sets it to all ones) the lowest column-major
 * index of a value that does not fit ddt (src/core/convert.h). */
int tdmk_copy(tdm_dtype sdt, const void *src, size_t lds, tdm_dtype ddt, void *dst, size_t ldd,
              size_t rows, size_t cols, void *stream);
int tdmk_copy_check(tdm_dtype sdt, const void *src, size_t lds, tdm_dtype ddt, size_t rows,
                    size_t cols, unsigned long long *bad, void *stream);

/* Random numbers (kernels/rng.cu, issue 6): fills out per req. */
int tdmk_rng_fill(const tdm__rng_req *req, void *out, void *stream);

#ifdef __cplusplus
}
#endif

#endif
