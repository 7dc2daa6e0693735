/* ktab.h -- the CPU kernel table: one pointer per kernel that has per-ISA
 * variants (expression tiers, reduction blocks, RNG fills, X'WX tiles, the long
 * sort's classify step). Each level's
 * table starts as the plain-C reference kernels and is overridden once
 * with the widest variant at or below its level (ktab.c); the one in force
 * follows tdm__isa (isa.h). Callers go through it instead of probing. */
#ifndef TDM_CPU_KTAB_H
#define TDM_CPU_KTAB_H

#include "backend.h"
#include "cpu/isa.h"

struct tdm__visa;
struct tdm__splan;

/* Moments of x[0..n), 1 <= n <= TDM__RBLOCK (reduce_int.h). */
typedef void (*tdm__rblock_f64)(const double *x, size_t n, tdm__moments *m);
typedef void (*tdm__rblock_f32)(const float *x, size_t n, tdm__moments *m);
/* Complete groups [g0, g1) of an elementwise or integer request, g1 - g0
 * <= TDM__RNG_CHUNK, scratch of TDM__RNG_SCRATCH words (rng_int.h). */
typedef void (*tdm__rng_chunk_fn)(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1,
                                  uint32_t *scratch);
/* Groups [g0, g1) of a rejection sampler (any count). */
typedef void (*tdm__rng_range_fn)(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1);

/* X'WX for narrow X (fit_gram.c, fit.h): C += W'X over r rows of tiles,
 * the next tile's rows of X prefetched. */
typedef void (*tdm__gram_f64_fn)(size_t p, size_t r, const double *W, const double *X, size_t t,
                                 double *C, size_t ldc, const void *next, size_t ldn, size_t rn);
typedef void (*tdm__gram_f32_fn)(size_t p, size_t r, const float *W, const float *X, size_t t,
                                 float *C, size_t ldc, const void *next, size_t ldn, size_t rn);
typedef void (*tdm__gram_fill_f64_fn)(size_t r, const double *x, const double *w, double *t,
                                      double *wt);
typedef void (*tdm__gram_fill_f32_fn)(size_t r, const float *x, const float *w, float *t,
                                      float *wt);

typedef struct tdm__ktab {
  int isa;                      /* the level this table was filled for */
  const struct tdm__visa *vexec; /* expression programs (vexec.h) */
  tdm__rblock_f64 reduce_f64;   /* reduction blocks (reduce_block.c) */
  tdm__rblock_f32 reduce_f32;
  const char *reduce_name;      /* "c", "avx2" */
  int rng_vec;                  /* the RNG entries are vector kernels (rng_simd.c) */
  const char *rng_name;         /* "scalar", "avx2", "avx512" */
  tdm__rng_chunk_fn rng_chunk;  /* elementwise and integer kinds */
  tdm__rng_range_fn rng_gamma;  /* gamma and chi-square */
  tdm__rng_range_fn rng_beta;
  tdm__rng_range_fn rng_reject; /* the other rejection samplers */
  /* X'WX's tile kernel and fill (AVX2 and up; NULL: OpenBLAS's syrk) */
  tdm__gram_f64_fn gram_f64;
  tdm__gram_f32_fn gram_f32;
  tdm__gram_fill_f64_fn gram_fill_f64;
  tdm__gram_fill_f32_fn gram_fill_f32;
  /* the long sort's classify, fine-count scan and out kernels (split_int.h) */
  void (*split_cls)(const struct tdm__splan *P, const void *x, size_t n, uint64_t *keys,
                    uint32_t *ids);
  uint32_t (*split_scan)(uint32_t *h, size_t nbin, uint32_t *list);
  void (*split_out)(int kind, const uint64_t *a, void *o, size_t n);
  /* the long-F64 quantile's bracket scan (qscan.h) */
  size_t (*quant_scan)(const double *x, size_t n, const uint64_t *lo, const uint64_t *hi,
                       size_t nbr, uint64_t *below, uint64_t *le, uint64_t *nan, uint64_t *buf,
                       size_t cap, size_t *fill);
} tdm__ktab;

/* The table in force (the probe runs on first use). */
const tdm__ktab *tdm__ktab_get(void);
/* The table for `level` (0 .. TDM__ISA_COUNT-1), in force or not (tests). */
const tdm__ktab *tdm__ktab_at(int level);
/* isa.c: puts level's table in force. */
void tdm__ktab_select(int level);

#endif
