/* group.h -- how a fill request maps values to stream words, and one group
 * of values computed from its words: the body of a CUDA thread and the CPU's
 * scalar path (which the vectorized CPU path must match bit for bit).
 * Elementwise kinds: group g is the 4 words at offset + 4g. Slice kinds
 * (integer, gamma, chi-square, beta, Poisson, binomial): group g is value g,
 * which owns whole blocks from the first block boundary at or after offset. */
#ifndef TDM_RNG_GROUP_H
#define TDM_RNG_GROUP_H

#include "backend.h"
#include "rng/reject.h"

/* Blocks per value of a slice kind; 0 for an elementwise kind. */
TDM_HD static inline unsigned tdm__rng_slice_blocks(tdm__dist d) {
  switch (d) {
  case TDM__RNG_INTEGER: return 1;
  case TDM__RNG_GAMMA: case TDM__RNG_CHISQ: return TDM__GAMMA_BLOCKS;
  case TDM__RNG_BETA: return 2 * TDM__GAMMA_BLOCKS;
  case TDM__RNG_POISSON: case TDM__RNG_BINOMIAL: return TDM__COUNT_BLOCKS;
  default: return 0;
  }
}

/* Words per value of an elementwise kind (1, 2 or 4 values per group). */
TDM_HD static inline unsigned tdm__rng_wpv(tdm__dist d, tdm_dtype dt) {
  if (d == TDM__RNG_BITS) return 1;
  if (d == TDM__RNG_BERNOULLI) return 2;
  return dt == TDM_F64 ? 2 : 1;
}

/* Normals come in pairs: an odd count still uses its last pair's words. */
TDM_HD static inline uint64_t tdm__rng_padded(const tdm__rng_req *q) {
  int pairs = q->dist == TDM__RNG_NORMAL || q->dist == TDM__RNG_LOGNORMAL;
  return pairs ? q->n + (q->n & 1) : q->n;
}

TDM_HD static inline uint64_t tdm__rng_first_block(const tdm__rng_req *q) {
  return (q->offset >> 2) + ((q->offset & 3) != 0);
}

TDM_HD static inline uint64_t tdm__rng_ngroups(const tdm__rng_req *q) {
  if (tdm__rng_slice_blocks(q->dist)) return q->n;
  return (tdm__rng_padded(q) * tdm__rng_wpv(q->dist, q->dt) + 3) / 4;
}

/* Words a request consumes (the caller checked that nothing overflows). */
TDM_HD static inline uint64_t tdm__rng_words(const tdm__rng_req *q) {
  unsigned bpv = tdm__rng_slice_blocks(q->dist);
  if (bpv) return (tdm__rng_first_block(q) * 4 - q->offset) + 4 * (uint64_t)bpv * q->n;
  return tdm__rng_padded(q) * tdm__rng_wpv(q->dist, q->dt);
}

TDM_HD static inline void tdm__rng_put(void *out, tdm_dtype dt, uint64_t i, double v) {
  switch (dt) {
  case TDM_F64: ((double *)out)[i] = v; break;
  case TDM_F32: ((float *)out)[i] = (float)v; break;
  case TDM_I32: ((int32_t *)out)[i] = (int32_t)v; break;
  case TDM_I64: ((int64_t *)out)[i] = (int64_t)v; break;
  case TDM_U32: ((uint32_t *)out)[i] = (uint32_t)v; break;
  }
}

/* Integer kinds carry lo (int64) and hi - lo (uint64) as bit patterns. */
TDM_HD static inline uint64_t tdm__rng_pbits(const tdm__rng_req *q, int k) {
  return tdm__f64_bits(q->p[k]);
}
TDM_HD static inline void tdm__rng_put_int(void *out, tdm_dtype dt, uint64_t i, uint64_t v) {
  switch (dt) {
  case TDM_I32: ((int32_t *)out)[i] = (int32_t)(uint32_t)v; break;
  case TDM_U32: ((uint32_t *)out)[i] = (uint32_t)v; break;
  default: ((int64_t *)out)[i] = (int64_t)v; break;
  }
}

/* A slice kind's value g. */
TDM_HD static inline void tdm__rng_slice(const tdm__rng_req *q, void *out, uint64_t g) {
  uint64_t b0 = tdm__rng_first_block(q) + g * tdm__rng_slice_blocks(q->dist);
  double v = 0.0;
  switch (q->dist) {
  case TDM__RNG_INTEGER: {
    uint32_t w[4];
    tdm__philox_block(q->seed, q->stream, b0, w);
    tdm__rng_put_int(out, q->dt, g, tdm__rng_pbits(q, 0) + tdm__below(w, tdm__rng_pbits(q, 1)));
    return;
  }
  case TDM__RNG_GAMMA: v = tdm__gamma_draw(q->seed, q->stream, b0, q->p[0], 0) * q->p[1]; break;
  case TDM__RNG_CHISQ: v = tdm__gamma_draw(q->seed, q->stream, b0, 0.5 * q->p[0], 0) * 2.0; break;
  case TDM__RNG_BETA: v = tdm__beta_draw(q->seed, q->stream, b0, q->p[0], q->p[1]); break;
  case TDM__RNG_POISSON: v = tdm__poisson_draw(q->seed, q->stream, b0, q->p[0]); break;
  case TDM__RNG_BINOMIAL: v = tdm__binomial_draw(q->seed, q->stream, b0, q->p[0], q->p[1]); break;
  default: break;
  }
  tdm__rng_put(out, q->dt, g, v);
}

/* Group g of a request: 1 value of a slice kind, or the values of 4 words. */
TDM_HD static inline void tdm__rng_group(const tdm__rng_req *q, void *out, uint64_t g) {
  if (tdm__rng_slice_blocks(q->dist)) {
    tdm__rng_slice(q, out, g);
    return;
  }
  uint32_t w[4];
  tdm__philox_words4(q->seed, q->stream, q->offset + 4 * g, w);
  unsigned wpv = tdm__rng_wpv(q->dist, q->dt), vpg = 4 / wpv;
  uint64_t i0 = g * vpg;
  unsigned cnt = q->n - i0 < vpg ? (unsigned)(q->n - i0) : vpg;
  int f64 = q->dt == TDM_F64;
  if (q->dist == TDM__RNG_NORMAL || q->dist == TDM__RNG_LOGNORMAL) {
    double x[4];
    if (f64) {
      tdm__normal_pair_f64(w, q->p[0], q->p[1], &x[0], &x[1]);
    } else {
      tdm__normal_pair_f32(w, q->p[0], q->p[1], &x[0], &x[1]);
      tdm__normal_pair_f32(w + 2, q->p[0], q->p[1], &x[2], &x[3]);
    }
    for (unsigned j = 0; j < cnt; j++)
      tdm__rng_put(out, q->dt, i0 + j, q->dist == TDM__RNG_LOGNORMAL ? tdm__rng_exp(x[j]) : x[j]);
    return;
  }
  for (unsigned j = 0; j < cnt; j++) {
    uint64_t i = i0 + j;
    switch (q->dist) {
    case TDM__RNG_BITS: ((uint32_t *)out)[i] = w[j]; break;
    case TDM__RNG_UNIFORM:
      if (f64)
        ((double *)out)[i] = tdm__uniform_f64(w[2 * j], w[2 * j + 1], q->p[0], q->p[2], q->p[3]);
      else
        ((float *)out)[i] =
            tdm__uniform_f32(w[j], (float)q->p[0], (float)q->p[2], (float)q->p[3]);
      break;
    case TDM__RNG_EXPONENTIAL:
      tdm__rng_put(out, q->dt, i,
                   f64 ? tdm__exponential_f64(w[2 * j], w[2 * j + 1], q->p[0])
                       : tdm__exponential_f32(w[j], q->p[0]));
      break;
    case TDM__RNG_BERNOULLI:
      tdm__rng_put(out, q->dt, i, tdm__bernoulli(w[2 * j], w[2 * j + 1], q->p[0]));
      break;
    default: break;
    }
  }
}

#endif
