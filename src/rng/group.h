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

/* Value j of an elementwise group whose words are w (j is a constant once
 * inlined, so w stays in registers on the GPU). f64 kinds use words 2j, 2j+1. */
TDM_HDI void tdm__rng_value(const tdm__rng_req *q, void *out, uint64_t i, const uint32_t w[4],
                            unsigned j) {
  int f64 = q->dt == TDM_F64;
  uint32_t a = w[(2 * j) & 3], b = w[(2 * j + 1) & 3];
  switch (q->dist) {
  case TDM__RNG_BITS: ((uint32_t *)out)[i] = w[j]; break;
  case TDM__RNG_UNIFORM:
    if (f64)
      ((double *)out)[i] = tdm__uniform_f64(a, b, q->p[0], q->p[2], q->p[3]);
    else
      ((float *)out)[i] = tdm__uniform_f32(w[j], (float)q->p[0], (float)q->p[2], (float)q->p[3]);
    break;
  case TDM__RNG_EXPONENTIAL:
    tdm__rng_put(out, q->dt, i,
                 f64 ? tdm__exponential_f64(a, b, q->p[0]) : tdm__exponential_f32(w[j], q->p[0]));
    break;
  case TDM__RNG_BERNOULLI: tdm__rng_put(out, q->dt, i, tdm__bernoulli(a, b, q->p[0])); break;
  default: break;
  }
}

/* Group g of a request: 1 value of a slice kind, or the values of 4 words
 * (cnt of them: the last group may be partial). */
TDM_HD static inline void tdm__rng_group(const tdm__rng_req *q, void *out, uint64_t g) {
  if (tdm__rng_slice_blocks(q->dist)) {
    tdm__rng_slice(q, out, g);
    return;
  }
  uint32_t w[4];
  tdm__philox_words4(q->seed, q->stream, q->offset + 4 * g, w);
  unsigned vpg = 4 / tdm__rng_wpv(q->dist, q->dt);
  uint64_t i0 = g * vpg;
  unsigned cnt = q->n - i0 < vpg ? (unsigned)(q->n - i0) : vpg;
  if (q->dist == TDM__RNG_NORMAL || q->dist == TDM__RNG_LOGNORMAL) {
    double x0, x1, x2 = 0, x3 = 0;
    if (q->dt == TDM_F64) {
      tdm__normal_pair_f64(w, q->p[0], q->p[1], &x0, &x1);
    } else {
      tdm__normal_pair_f32(w, q->p[0], q->p[1], &x0, &x1);
      tdm__normal_pair_f32(w + 2, q->p[0], q->p[1], &x2, &x3);
    }
    if (q->dist == TDM__RNG_LOGNORMAL) {
      x0 = tdm__rng_exp(x0), x1 = tdm__rng_exp(x1);
      x2 = tdm__rng_exp(x2), x3 = tdm__rng_exp(x3);
    }
    tdm__rng_put(out, q->dt, i0, x0);
    if (cnt > 1) tdm__rng_put(out, q->dt, i0 + 1, x1);
    if (cnt > 2) tdm__rng_put(out, q->dt, i0 + 2, x2);
    if (cnt > 3) tdm__rng_put(out, q->dt, i0 + 3, x3);
    return;
  }
  tdm__rng_value(q, out, i0, w, 0);
  if (cnt > 1) tdm__rng_value(q, out, i0 + 1, w, 1);
  if (cnt > 2) tdm__rng_value(q, out, i0 + 2, w, 2);
  if (cnt > 3) tdm__rng_value(q, out, i0 + 3, w, 3);
}

#endif
