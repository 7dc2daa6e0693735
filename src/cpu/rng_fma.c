/* rng_fma.c -- the scalar group code of src/rng/group.h (the rejection
 * samplers: gamma, chi-square, beta, Poisson, binomial) built for FMA, so
 * its explicit fma() is one instruction rather than a libm call. Same bits
 * as the plain build (fma rounds once either way); called only when the
 * CPU has AVX2+FMA (the kernel table, ktab.c). */
#include "cpu/rng_int.h"
#include "rng/group.h"

void tdm__rng_range_fma(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1) {
  for (uint64_t g = g0; g < g1; g++) tdm__rng_group(q, out, g);
}
