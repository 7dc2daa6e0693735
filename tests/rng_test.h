/* rng_test.h -- helpers shared by the random-number tests (header only, so
 * the tests/support glob is untouched): an independent scalar Philox written
 * from the published description, one table of every draw with its words
 * per value, and context/buffer shortcuts that fail the test on error. */
#ifndef TDM_RNG_TEST_H
#define TDM_RNG_TEST_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/tandem.h"

/* Philox4x32-10 (Salmon et al. 2011), deliberately written apart from
 * src/rng/philox.h: counter (block, stream), key = seed. */
static inline void rt_philox(uint64_t seed, uint64_t stream, uint64_t block, uint32_t out[4]) {
  uint32_t c0 = (uint32_t)block, c1 = (uint32_t)(block >> 32);
  uint32_t c2 = (uint32_t)stream, c3 = (uint32_t)(stream >> 32);
  uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  for (int round = 0; round < 10; round++) {
    uint64_t a = 0xD2511F53ull * c0, b = 0xCD9E8D57ull * c2;
    uint32_t n0 = (uint32_t)(b >> 32) ^ c1 ^ k0, n2 = (uint32_t)(a >> 32) ^ c3 ^ k1;
    c1 = (uint32_t)b;
    c3 = (uint32_t)a;
    c0 = n0;
    c2 = n2;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}
static inline uint32_t rt_word(uint64_t seed, uint64_t stream, uint64_t k) {
  uint32_t b[4];
  rt_philox(seed, stream, k / 4, b);
  return b[k % 4];
}

static inline tdm_ctx *rt_ctx(tdm_backend be, int threads) {
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = be;
  cfg.threads = threads;
  tdm_ctx *ctx = NULL;
  cr_assert_eq(tdm_ctx_create(&cfg, &ctx), TDM_OK, "ctx: %s", tdm_last_error());
  return ctx;
}
static inline tdm_buf *rt_buf(tdm_ctx *ctx, tdm_dtype dt, size_t n) {
  tdm_buf *b = NULL;
  cr_assert_eq(tdm_buf_create(ctx, dt, n, 1, &b), TDM_OK, "buf: %s", tdm_last_error());
  return b;
}
/* The buffer's contents in fresh malloc'd memory. */
static inline void *rt_read(tdm_buf *b) {
  void *h = malloc(tdm_buf_rows(b) * tdm_buf_cols(b) * tdm_dtype_size(tdm_buf_dtype(b)));
  cr_assert(h);
  cr_assert_eq(tdm_buf_read(b, h), TDM_OK, "read: %s", tdm_last_error());
  return h;
}

/* Every draw, with parameters, and the stream words one value consumes
 * (normals per pair / 2; slice kinds also pad to a block boundary). */
typedef enum {
  RT_BITS, RT_UNIFORM, RT_NORMAL, RT_LOGNORMAL, RT_EXPONENTIAL, RT_GAMMA, RT_CHISQ, RT_BETA,
  RT_POISSON, RT_BINOMIAL, RT_BERNOULLI, RT_INTEGERS, RT_BOOTSTRAP, RT_PERMUTATION
} rt_kind;
typedef struct {
  rt_kind k;
  tdm_dtype dt;
  double a, b;
  unsigned wpv;  /* words per value */
  int slice;     /* 1: starts on a block boundary */
  const char *name;
} rt_spec;

static const rt_spec rt_specs[] = {
    {RT_BITS, TDM_U32, 0, 0, 1, 0, "bits"},
    {RT_UNIFORM, TDM_F32, -2, 3, 1, 0, "uniform f32"},
    {RT_UNIFORM, TDM_F64, -2, 3, 2, 0, "uniform f64"},
    {RT_NORMAL, TDM_F32, 1, 2, 1, 0, "normal f32"},
    {RT_NORMAL, TDM_F64, 1, 2, 2, 0, "normal f64"},
    {RT_LOGNORMAL, TDM_F32, 0.1, 0.5, 1, 0, "lognormal f32"},
    {RT_LOGNORMAL, TDM_F64, 0.1, 0.5, 2, 0, "lognormal f64"},
    {RT_EXPONENTIAL, TDM_F32, 2, 0, 1, 0, "exponential f32"},
    {RT_EXPONENTIAL, TDM_F64, 2, 0, 2, 0, "exponential f64"},
    {RT_GAMMA, TDM_F64, 2.5, 1.5, 64, 1, "gamma f64"},
    {RT_GAMMA, TDM_F32, 0.3, 2, 64, 1, "gamma f32 (shape < 1)"},
    {RT_CHISQ, TDM_F64, 3, 0, 64, 1, "chisq f64"},
    {RT_GAMMA, TDM_F64, 1, 2, 64, 1, "gamma f64 (shape 1: exponential)"},
    {RT_GAMMA, TDM_F64, 0.5, 1, 64, 1, "gamma f64 (shape 0.5)"},
    {RT_GAMMA, TDM_F32, 40, 1, 64, 1, "gamma f32 (shape 40)"},
    {RT_CHISQ, TDM_F32, 2, 0, 64, 1, "chisq f32 (df 2: exponential)"},
    {RT_BETA, TDM_F64, 0.7, 2.5, 128, 1, "beta f64"},
    {RT_BETA, TDM_F32, 1, 3, 128, 1, "beta f32 (1, 3)"},
    {RT_BETA, TDM_F64, 12, 0.2, 128, 1, "beta f64 (12, 0.2)"},
    {RT_POISSON, TDM_I32, 4.5, 0, 128, 1, "poisson i32 (inversion)"},
    {RT_POISSON, TDM_F64, 250, 0, 128, 1, "poisson f64 (PTRS)"},
    {RT_BINOMIAL, TDM_I64, 20, 0.3, 128, 1, "binomial i64 (inversion)"},
    {RT_BINOMIAL, TDM_F32, 1000, 0.7, 128, 1, "binomial f32 (BTRS)"},
    {RT_BERNOULLI, TDM_U32, 0.3, 0, 2, 0, "bernoulli u32"},
    {RT_BERNOULLI, TDM_F64, 0.3, 0, 2, 0, "bernoulli f64"},
    {RT_INTEGERS, TDM_I32, -7, 100, 4, 1, "integers i32"},
    {RT_INTEGERS, TDM_I64, -0x1p62, 0x1p62, 4, 1, "integers i64 (range 2^63)"},
    {RT_BOOTSTRAP, TDM_I64, 1000, 0, 4, 1, "bootstrap i64"},
    {RT_PERMUTATION, TDM_I32, 0, 0, 4, 1, "permutation i32"},
};
#define RT_NSPECS (sizeof rt_specs / sizeof rt_specs[0])

static inline tdm_status rt_draw(tdm_rng *r, tdm_buf *b, const rt_spec *s) {
  switch (s->k) {
  case RT_BITS: return tdm_rng_bits(r, b);
  case RT_UNIFORM: return tdm_rng_uniform(r, b, s->a, s->b);
  case RT_NORMAL: return tdm_rng_normal(r, b, s->a, s->b);
  case RT_LOGNORMAL: return tdm_rng_lognormal(r, b, s->a, s->b);
  case RT_EXPONENTIAL: return tdm_rng_exponential(r, b, s->a);
  case RT_GAMMA: return tdm_rng_gamma(r, b, s->a, s->b);
  case RT_CHISQ: return tdm_rng_chisq(r, b, s->a);
  case RT_BETA: return tdm_rng_beta(r, b, s->a, s->b);
  case RT_POISSON: return tdm_rng_poisson(r, b, s->a);
  case RT_BINOMIAL: return tdm_rng_binomial(r, b, (int64_t)s->a, s->b);
  case RT_BERNOULLI: return tdm_rng_bernoulli(r, b, s->a);
  case RT_INTEGERS: return tdm_rng_integers(r, b, (int64_t)s->a, (int64_t)s->b);
  case RT_BOOTSTRAP: return tdm_rng_bootstrap(r, b, (size_t)s->a);
  case RT_PERMUTATION: return tdm_rng_permutation(r, b);
  }
  return TDM_ERR_INTERNAL;
}

/* Words a call of n values consumes starting at word offset off. */
static inline uint64_t rt_consumed(const rt_spec *s, uint64_t off, uint64_t n) {
  if (s->slice) return (4 - off % 4) % 4 + (uint64_t)s->wpv * n;
  if (s->k == RT_NORMAL || s->k == RT_LOGNORMAL) n += n & 1;
  return (uint64_t)s->wpv * n;
}

/* One draw of n values from (seed, stream) at offset off in ctx; malloc'd. */
static inline void *rt_sample(tdm_ctx *ctx, const rt_spec *s, uint64_t seed, uint64_t stream,
                              uint64_t off, size_t n) {
  tdm_rng *r = NULL;
  cr_assert_eq(tdm_rng_create(ctx, seed, stream, &r), TDM_OK);
  cr_assert_eq(tdm_rng_seek(r, off), TDM_OK);
  tdm_buf *b = rt_buf(ctx, s->dt, n);
  cr_assert_eq(rt_draw(r, b, s), TDM_OK, "%s: %s", s->name, tdm_last_error());
  cr_assert_eq(tdm_rng_offset(r), off + rt_consumed(s, off, n), "%s: offset", s->name);
  void *h = rt_read(b);
  tdm_buf_destroy(b);
  tdm_rng_destroy(r);
  return h;
}

#endif
