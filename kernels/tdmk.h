/* tdmk.h -- the extern "C" launchers of tandem's own CUDA kernels, as the
 * host C code of the CUDA module sees them. Each enqueues its kernels on
 * `stream` (a cudaStream_t) and returns a cudaError_t as int (0 = launched).
 * The module calls them only through its call table (src/cuda/calls.h). */
#ifndef TDM_KERNELS_H
#define TDM_KERNELS_H

#include "backend.h"

#ifdef __CUDACC__
#define TDMK_HD __host__ __device__ static inline
#else
#define TDMK_HD static inline
#endif

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

/* Group statistics (kernels/group.cu). One table holds G entries of count,
 * sum, m2 (doubles), min and max keys (u64) and a NaN flag (u32, padded).
 * scratch: tdmk_group_scratch(G, nblocks) bytes (the totals' table, then
 * with shared-memory tables one per block). out: G x nops F64 (column k
 * for ops[k], host array of nops ints). *bad (device word) ends as the
 * lowest element index with an id outside [0,G), or all ones. */
TDMK_HD size_t tdmk_group_table_bytes(size_t G) { return G * (5 * 8 + 4) + 4 * (G & 1); }
/* Per-block tables in shared memory: when one fits (48 KiB). */
static inline int tdmk_group_shared(size_t G) { return tdmk_group_table_bytes(G) <= 48 * 1024; }
static inline size_t tdmk_group_scratch(size_t G, int nblocks) {
  return tdmk_group_table_bytes(G) * (tdmk_group_shared(G) ? (size_t)nblocks + 1 : 1);
}
int tdmk_group_stats(const tdm__sarg *x, const tdm__sarg *g, size_t G, size_t nops, const int *ops,
                     void *scratch, const tdm__sarg *out, int nblocks, unsigned long long *bad,
                     void *stream);

/* Sorts (kernels/sort.cu): what 0 sorts each column of x in place, 1 puts
 * the stable order of the vector x into idx, 2 writes the type-7
 * quantiles q[0..nq) (host array) of each column into out (nq x cols F64).
 * scratch: tdmk_sort_scratch(x's dtype, rows, cols, nq, what == 1) bytes.
 * Column and element counts must fit an int for a matrix (CUB's segments). */
size_t tdmk_sort_scratch(tdm_dtype dt, size_t rows, size_t cols, size_t nq, int pairs);
int tdmk_sort(int what, const tdm__sarg *x, const tdm__sarg *idx, size_t nq, const double *q,
              const tdm__sarg *out, void *scratch, size_t bytes, void *stream);

/* One statistic per column (axis 0, out 1 x cols) or row (axis 1, out
 * rows x 1) of the strided x; out F64 or x's dtype (kernels/axis.cu). */
int tdmk_reduce_axis(const tdm__sarg *x, int axis, int op, const tdm__sarg *out, void *stream);

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
/* Lower triangle := the upper one mirrored; n x n, leading dimension lda (fit.cu). */
int tdmk_fit_mirror(tdm_dtype dt, size_t n, void *A, size_t lda, void *stream);

/* Random numbers (kernels/rng.cu, issue 6): fills out per req. */
int tdmk_rng_fill(const tdm__rng_req *req, void *out, void *stream);

/* Indexing (kernels/index.cu). take_check: bad[0] := the lowest element of
 * a->idx outside x (the caller sets bad[0..1] to all ones first), bad[1] :=
 * its value; take: the gather (indices already checked). */
int tdmk_take_check(const tdm__take_args *a, uint64_t *bad, int nblocks, void *stream);
int tdmk_take(const tdm__take_args *a, int nblocks, void *stream);
/* nonzero: the CUB temp bytes it needs; then positions into a->idx and
 * their number into *count (device memory, one 8-byte word). A strided idx
 * (ild != irows) needs a stage of rows*cols contiguous elements of idt. */
int tdmk_nonzero_temp(const tdm__nonzero_args *a, size_t *bytes);
int tdmk_nonzero(const tdm__nonzero_args *a, void *temp, size_t temp_bytes, void *stage,
                 uint64_t *count, int nblocks, void *stream);

#ifdef __cplusplus
}
#endif

#endif
