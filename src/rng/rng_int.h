/* rng_int.h -- the body of tdm_rng and the one routine every public draw
 * goes through (validated request -> placed fill -> stream advanced). */
#ifndef TDM_RNG_INT_H
#define TDM_RNG_INT_H

#include "core/buf_int.h"

struct tdm_rng {
  tdm_ctx *ctx;
  uint64_t seed, stream;
  uint64_t offset; /* next word of the stream */
};

/* Bit masks of dtypes for tdm__rng_begin. */
#define TDM__DT(d) (1u << (d))
#define TDM__DT_REAL (TDM__DT(TDM_F32) | TDM__DT(TDM_F64))
#define TDM__DT_COUNT (TDM__DT_REAL | TDM__DT(TDM_I32) | TDM__DT(TDM_I64))

/* Checks r and out (out's dtype in the mask `dts`) and fills q's stream
 * fields, n and dt; the caller then checks and sets q->p. */
tdm_status tdm__rng_begin(tdm_rng *r, tdm_buf *out, unsigned dts, tdm__dist d, tdm__rng_req *q,
                          const char *fn);
/* Places the fill (flops_per_value for the placement model), runs it on the
 * chosen side, marks out, and advances the stream by what q consumed. */
tdm_status tdm__rng_run(tdm_rng *r, tdm_buf *out, tdm__rng_req *q, double flops_per_value,
                        const char *fn);
/* 1 if x is finite (not NaN, not +-inf). */
int tdm__rng_finite(double x);

#endif
