/* test_rng.c -- the random-number streams: Philox known answers, raw bits
 * against an independent Philox, the documented words per value, the same
 * values for any thread count, on the CPU and the sim device, in one call or
 * several, the vector kernels against the scalar (GPU) code, values against
 * libm formulas, ranges, and every error path. cuRAND: test_rng_curand.c;
 * distributions: test_rng_stats.c. */
#include <math.h>

#include "core/alloc.h"
#include "cpu/isa.h"
#include "rng/philox.h"
#include "rng_test.h"

/* Random123's published known-answer vectors for philox4x32-10, on the
 * library's block function; through the API where the counter is reachable
 * (word offsets are 64-bit, so blocks below 2^62). */
Test(rng, philox_known_answers) {
  static const uint32_t ctr[3][4] = {{0, 0, 0, 0},
                                     {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                                     {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}};
  static const uint64_t key[3] = {0, 0xffffffffffffffffull, 0x299f31d0a4093822ull};
  static const uint32_t want[3][4] = {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                                      {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                                      {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}};
  for (int i = 0; i < 3; i++) {
    uint32_t got[4], ref[4];
    tdm__philox4x32_10(ctr[i], (uint32_t)key[i], (uint32_t)(key[i] >> 32), got);
    uint64_t block = ctr[i][0] | (uint64_t)ctr[i][1] << 32;
    uint64_t stream = ctr[i][2] | (uint64_t)ctr[i][3] << 32;
    rt_philox(key[i], stream, block, ref);
    for (int j = 0; j < 4; j++) {
      cr_expect_eq(got[j], want[i][j], "vector %d word %d", i, j);
      cr_expect_eq(ref[j], want[i][j], "test reference, vector %d word %d", i, j);
    }
  }
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 1);
  uint32_t *w = rt_sample(ctx, &rt_specs[0], 0, 0, 0, 4);
  cr_expect_eq(memcmp(w, want[0], sizeof want[0]), 0, "through tdm_rng_bits");
  free(w);
  tdm_ctx_destroy(ctx);
}

/* Word k of stream (seed, s) = word k%4 of block k/4, for seeds and streams
 * with high 32 bits set, offsets not on a block boundary and far out. */
Test(rng, bits_follow_the_stream_layout) {
  static const uint64_t seeds[] = {0, 42, 0xffffffffull, 0x100000000ull, 0xdeadbeefcafef00dull};
  static const uint64_t streams[] = {0, 1, 0xffffffffull, 0x123456789ull, ~0ull};
  static const uint64_t offs[] = {0, 3, 4097, (1ull << 42) + 2, ~0ull - 5000};
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 2);
  for (size_t i = 0; i < 5; i++) {
    size_t n = 1000 + 37 * i;
    uint32_t *w = rt_sample(ctx, &rt_specs[0], seeds[i], streams[4 - i], offs[i], n);
    for (size_t k = 0; k < n; k++)
      cr_assert_eq(w[k], rt_word(seeds[i], streams[4 - i], offs[i] + k), "case %zu word %zu", i, k);
    free(w);
  }
  tdm_ctx_destroy(ctx);
}

/* The documented consumption (docs/random.md) from any starting offset. */
Test(rng, words_per_value) {
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 1);
  for (size_t i = 0; i < RT_NSPECS; i++)
    for (uint64_t off = 0; off < 5; off++)
      for (size_t n = 1; n < 8; n += 3) free(rt_sample(ctx, &rt_specs[i], 7, 3, off, n));
  tdm_ctx_destroy(ctx);
}

/* Same values for 1, 2 and 8 threads, on the CPU and on the sim device. */
Test(rng, same_for_any_threads_and_backend) {
  tdm_ctx *ctx[5] = {rt_ctx(TDM_CPU, 1), rt_ctx(TDM_CPU, 2), rt_ctx(TDM_CPU, 8), rt_ctx(TDM_SIM, 1),
                     rt_ctx(TDM_SIM, 8)};
  for (size_t i = 0; i < RT_NSPECS; i++) {
    const rt_spec *s = &rt_specs[i];
    size_t n = s->wpv > 4 ? 3001 : 20011; /* several parallel chunks */
    size_t bytes = n * tdm_dtype_size(s->dt);
    void *ref = rt_sample(ctx[0], s, 99, 5, 1, n);
    for (int c = 1; c < 5; c++) {
      void *got = rt_sample(ctx[c], s, 99, 5, 1, n);
      cr_expect_eq(memcmp(ref, got, bytes), 0, "%s: context %d differs", s->name, c);
      free(got);
    }
    free(ref);
  }
  tdm_stats st;
  cr_assert_eq(tdm_ctx_stats(ctx[4], &st), TDM_OK);
  cr_expect_geq(st.device_ops, RT_NSPECS - 1, "the sim device ran the fills");
  for (int c = 0; c < 5; c++) tdm_ctx_destroy(ctx[c]);
}

/* Calls continue where the last stopped: n values in one call equal the
 * same values drawn in pieces (pieces of even size for normals), on the CPU
 * and on the sim device. */
Test(rng, split_calls_continue_the_stream) {
  static const size_t cuts[] = {2, 10, 4096, 300, 1652};
  tdm_ctx *ctxs[2] = {rt_ctx(TDM_CPU, 2), rt_ctx(TDM_SIM, 8)};
  for (size_t i = 0; i < 2 * RT_NSPECS; i++) {
    tdm_ctx *ctx = ctxs[i / RT_NSPECS];
    const rt_spec *s = &rt_specs[i % RT_NSPECS];
    if (s->k == RT_PERMUTATION) continue; /* a permutation is one object */
    size_t n = 6060, es = tdm_dtype_size(s->dt);
    char *whole = rt_sample(ctx, s, 1234, 77, 2, n);
    tdm_rng *r;
    cr_assert_eq(tdm_rng_create(ctx, 1234, 77, &r), TDM_OK);
    cr_assert_eq(tdm_rng_seek(r, 2), TDM_OK);
    size_t at = 0;
    for (size_t c = 0; c < 5; c++) {
      tdm_buf *b = rt_buf(ctx, s->dt, cuts[c]);
      cr_assert_eq(rt_draw(r, b, s), TDM_OK, "%s", tdm_last_error());
      char *part = rt_read(b);
      cr_expect_eq(memcmp(part, whole + at * es, cuts[c] * es), 0, "%s: piece %zu", s->name, c);
      at += cuts[c];
      free(part);
      tdm_buf_destroy(b);
    }
    cr_expect_eq(at, n);
    cr_expect_eq(tdm_rng_offset(r), 2 + rt_consumed(s, 2, n), "%s", s->name);
    tdm_rng_destroy(r);
    free(whole);
  }
  tdm_ctx_destroy(ctxs[0]);
  tdm_ctx_destroy(ctxs[1]);
}

/* The vectorized CPU kernels (AVX2, AVX-512 Philox) give the bits of the
 * scalar group code, which is also what each CUDA thread runs. */
Test(rng, vector_kernels_match_the_scalar_code) {
  if (tdm__isa_best() < TDM__ISA_AVX2)
    cr_skip_test("this CPU has no AVX2+FMA: only the scalar path runs");
  int top = tdm__isa_best();
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 2);
  static const size_t sizes[] = {1, 5, 4 * 1024 + 3, 3 * 4096 + 7};
  for (size_t i = 0; i < RT_NSPECS; i++) {
    const rt_spec *s = &rt_specs[i];
    for (size_t z = 0; z < 4; z++) {
      size_t n = s->wpv > 4 && sizes[z] > 2000 ? 2001 : sizes[z];
      for (uint64_t off = 0; off < 4; off += 1 + (z & 1)) {
        tdm__isa_force(TDM__ISA_SCALAR);
        void *ref = rt_sample(ctx, s, 5, 9, off, n);
        for (int lv = TDM__ISA_AVX2; lv <= top; lv++) {
          tdm__isa_force(lv);
          void *got = rt_sample(ctx, s, 5, 9, off, n);
          cr_expect_eq(memcmp(ref, got, n * tdm_dtype_size(s->dt)), 0,
                       "%s: n %zu offset %llu level %d", s->name, n, (unsigned long long)off, lv);
          free(got);
        }
        free(ref);
      }
    }
  }
  tdm__isa_force(-1);
  tdm_ctx_destroy(ctx);
}

/* Values against the documented formulas evaluated with libm on the words
 * of the independent Philox: exact for uniforms and Bernoulli, a few ulp
 * (libm vs the library's own log/sin/cos) for the others. */
Test(rng, values_match_libm_formulas) {
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 2);
  const uint64_t seed = 0xfeedface12345678ull, st = 3, off = 6;
  const size_t n = 4000;
  tdm_rng *r;
  cr_assert_eq(tdm_rng_create(ctx, seed, st, &r), TDM_OK);
  tdm_buf *u64 = rt_buf(ctx, TDM_F64, n), *u32 = rt_buf(ctx, TDM_F32, n);
  tdm_buf *z64 = rt_buf(ctx, TDM_F64, n), *z32 = rt_buf(ctx, TDM_F32, n);
  tdm_buf *e64 = rt_buf(ctx, TDM_F64, n), *l64 = rt_buf(ctx, TDM_F64, n);
  tdm_buf *bb = rt_buf(ctx, TDM_I32, n);
  uint64_t o[7];
  cr_assert_eq(tdm_rng_seek(r, off), TDM_OK);
  o[0] = off;
  cr_assert_eq(tdm_rng_uniform(r, u64, -1.5, 2.5), TDM_OK);
  o[1] = tdm_rng_offset(r);
  cr_assert_eq(tdm_rng_uniform(r, u32, 0.0, 1.0), TDM_OK);
  o[2] = tdm_rng_offset(r);
  cr_assert_eq(tdm_rng_normal(r, z64, 3.0, 0.5), TDM_OK);
  o[3] = tdm_rng_offset(r);
  cr_assert_eq(tdm_rng_normal(r, z32, 0.0, 1.0), TDM_OK);
  o[4] = tdm_rng_offset(r);
  cr_assert_eq(tdm_rng_exponential(r, e64, 4.0), TDM_OK);
  o[5] = tdm_rng_offset(r);
  cr_assert_eq(tdm_rng_lognormal(r, l64, 0.5, 0.25), TDM_OK);
  o[6] = tdm_rng_offset(r);
  cr_assert_eq(tdm_rng_bernoulli(r, bb, 0.25), TDM_OK);
  double *U = rt_read(u64), *Z = rt_read(z64), *E = rt_read(e64), *L = rt_read(l64);
  float *U32 = rt_read(u32), *Z32 = rt_read(z32);
  int32_t *B = rt_read(bb);
#define W(base, k) rt_word(seed, st, (base) + (k))
#define U53(base, k)                                                                               \
  ((double)((W(base, k) >> 5) * 67108864.0 + (W(base, (k) + 1) >> 6)) / 9007199254740992.0)
  const long double twopi = 6.283185307179586476925286766559L;
  const double e53 = 1.0 / 9007199254740992.0;
  for (size_t i = 0; i < n; i++) {
    cr_assert_eq(U[i], -1.5 + 4.0 * U53(o[0], 2 * i), "uniform f64 %zu", i);
    cr_assert_eq(U32[i], (float)(W(o[1], i) >> 8) / 16777216.0f, "uniform f32 %zu", i);
    size_t p = i / 2;
    long double u1 = U53(o[2], 4 * p) + e53, v = U53(o[2], 4 * p + 2);
    long double rr = sqrtl(-2 * logl(u1)), z = rr * (i % 2 ? sinl(twopi * v) : cosl(twopi * v));
    cr_assert_leq(fabsl(Z[i] - (3.0L + 0.5L * z)), 1e-15L * (4 + rr), "normal f64 %zu", i);
    u1 = (W(o[3], 2 * p) + 1.0L) / 4294967296.0L;
    v = W(o[3], 2 * p + 1) / 4294967296.0L;
    z = sqrtl(-2 * logl(u1)) * (i % 2 ? sinl(twopi * v) : cosl(twopi * v));
    cr_assert_leq(fabsl(Z32[i] - z), 1e-6L * (1 + fabsl(z)), "normal f32 %zu", i);
    long double e = -logl(U53(o[4], 2 * i) + e53) / 4;
    cr_assert_leq(fabsl(E[i] - e), 4e-16L * (1 + e), "exponential %zu", i);
    u1 = U53(o[5], 4 * p) + e53;
    v = U53(o[5], 4 * p + 2);
    rr = sqrtl(-2 * logl(u1));
    long double l = expl(0.5L + 0.25L * rr * (i % 2 ? sinl(twopi * v) : cosl(twopi * v)));
    cr_assert_leq(fabsl(L[i] - l), 1e-15L * (2 + rr) * l, "lognormal %zu", i);
    cr_assert_eq(B[i], U53(o[6], 2 * i) < 0.25, "bernoulli %zu", i);
  }
  /* Gamma(1, 2.5) is the exponential of words 0-1 of each value's first
   * block (16 blocks a value, from the first block boundary) */
  tdm_buf *g64 = rt_buf(ctx, TDM_F64, n);
  uint64_t og = tdm_rng_offset(r), fb = (og + 3) / 4;
  cr_assert_eq(tdm_rng_gamma(r, g64, 1.0, 2.5), TDM_OK);
  double *G = rt_read(g64);
  for (size_t i = 0; i < n; i++) {
    long double e = -logl(U53(4 * (fb + 16 * i), 0) + e53) * 2.5L;
    cr_assert_leq(fabsl(G[i] - e), 4e-16L * (1 + e), "gamma shape 1 %zu", i);
  }
  free(G);
  tdm_buf_destroy(g64);
#undef U53
#undef W
  free(U), free(Z), free(E), free(L), free(U32), free(Z32), free(B);
  tdm_buf_destroy(u64), tdm_buf_destroy(u32), tdm_buf_destroy(z64), tdm_buf_destroy(z32);
  tdm_buf_destroy(e64), tdm_buf_destroy(l64), tdm_buf_destroy(bb);
  tdm_rng_destroy(r);
  tdm_ctx_destroy(ctx);
}

/* Uniforms never reach hi, even when rounding would carry them there. */
Test(rng, uniform_stays_below_hi) {
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 2);
  tdm_rng *r;
  cr_assert_eq(tdm_rng_create(ctx, 1, 2, &r), TDM_OK);
  const size_t n = 100000;
  tdm_buf *d = rt_buf(ctx, TDM_F64, n), *f = rt_buf(ctx, TDM_F32, n);
  double lo = 1.0, hi = nextafter(1.0, 2.0);
  cr_assert_eq(tdm_rng_uniform(r, d, lo, hi), TDM_OK);
  double *x = rt_read(d);
  for (size_t i = 0; i < n; i++) cr_assert_eq(x[i], 1.0, "[1, 1+ulp) gives only 1");
  free(x);
  cr_assert_eq(tdm_rng_uniform(r, d, -1e300, 1e300), TDM_OK);
  x = rt_read(d);
  for (size_t i = 0; i < n; i++) cr_assert(x[i] >= -1e300 && x[i] < 1e300);
  free(x);
  cr_assert_eq(tdm_rng_uniform(r, f, 0.0, 1.0), TDM_OK);
  float *y = rt_read(f), mx = 0;
  for (size_t i = 0; i < n; i++) mx = y[i] > mx ? y[i] : mx;
  cr_expect(mx < 1.0f && mx > 0.999f, "max %.9g", mx);
  free(y);
  cr_assert_eq(tdm_rng_uniform(r, f, 16777216.0, 16777218.0), TDM_OK); /* 2 floats wide */
  y = rt_read(f);
  for (size_t i = 0; i < n; i++) cr_assert_eq(y[i], 16777216.0f);
  free(y);
  tdm_buf_destroy(d), tdm_buf_destroy(f);
  tdm_rng_destroy(r);
  tdm_ctx_destroy(ctx);
}

/* Integers stay in range for every dtype, including the full i64 range;
 * permutations hold each index once. */
Test(rng, integer_ranges_and_permutations) {
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 2);
  tdm_rng *r;
  cr_assert_eq(tdm_rng_create(ctx, 8, 8, &r), TDM_OK);
  const size_t n = 20000;
  tdm_buf *i32 = rt_buf(ctx, TDM_I32, n), *u32 = rt_buf(ctx, TDM_U32, n);
  tdm_buf *i64 = rt_buf(ctx, TDM_I64, n);
  cr_assert_eq(tdm_rng_integers(r, i32, INT32_MIN, (int64_t)INT32_MAX + 1), TDM_OK);
  cr_assert_eq(tdm_rng_integers(r, u32, 0, (int64_t)UINT32_MAX + 1), TDM_OK);
  cr_assert_eq(tdm_rng_integers(r, i64, -3, 2), TDM_OK);
  int32_t *a = rt_read(i32);
  uint32_t *b = rt_read(u32);
  int64_t *c = rt_read(i64);
  size_t neg = 0, high = 0, hit[5] = {0};
  for (size_t i = 0; i < n; i++) {
    neg += a[i] < 0;
    high += b[i] >> 31;
    cr_assert(c[i] >= -3 && c[i] < 2, "%lld", (long long)c[i]);
    hit[c[i] + 3]++;
  }
  cr_expect(neg > n / 2 - 600 && neg < n / 2 + 600, "i32 sign bit: %zu of %zu", neg, n);
  cr_expect(high > n / 2 - 600 && high < n / 2 + 600, "u32 top bit: %zu of %zu", high, n);
  for (int k = 0; k < 5; k++)
    cr_expect(hit[k] > 3600 && hit[k] < 4400, "value %d: %zu", k - 3, hit[k]);
  free(a), free(b), free(c);
  cr_assert_eq(tdm_rng_integers(r, i64, INT64_MIN, INT64_MAX), TDM_OK);
  c = rt_read(i64);
  neg = 0;
  for (size_t i = 0; i < n; i++) neg += c[i] < 0;
  cr_expect(neg > n / 2 - 600 && neg < n / 2 + 600, "i64 full range sign: %zu", neg);
  free(c);
  cr_assert_eq(tdm_rng_bootstrap(r, i64, 3), TDM_OK);
  c = rt_read(i64);
  for (size_t i = 0; i < n; i++) cr_assert(c[i] >= 0 && c[i] < 3);
  free(c);
  for (size_t len = 1; len < 70000; len = len * 7 + 3) {
    tdm_buf *p = rt_buf(ctx, len % 2 ? TDM_I32 : TDM_I64, len);
    cr_assert_eq(tdm_rng_permutation(r, p), TDM_OK, "%s", tdm_last_error());
    char *seen = calloc(len, 1);
    void *h = rt_read(p);
    for (size_t i = 0; i < len; i++) {
      int64_t v = len % 2 ? ((int32_t *)h)[i] : ((int64_t *)h)[i];
      cr_assert(v >= 0 && (size_t)v < len && !seen[v], "len %zu: %lld", len, (long long)v);
      seen[v] = 1;
    }
    free(seen), free(h);
    tdm_buf_destroy(p);
  }
  tdm_buf_destroy(i32), tdm_buf_destroy(u32), tdm_buf_destroy(i64);
  tdm_rng_destroy(r);
  tdm_ctx_destroy(ctx);
}

#define EXPECT_INVALID(call, fname)                                                                \
  do {                                                                                             \
    uint64_t at_ = tdm_rng_offset(r);                                                              \
    cr_expect_eq((call), TDM_ERR_INVALID, #call);                                                  \
    cr_expect(strstr(tdm_last_error(), fname) != NULL, "%s", tdm_last_error());                    \
    cr_expect_eq(tdm_rng_offset(r), at_, "a failed call moved the stream");                        \
  } while (0)

Test(rng, bad_arguments_are_invalid) {
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 1), *other = rt_ctx(TDM_CPU, 1);
  tdm_rng *r = NULL;
  cr_expect_eq(tdm_rng_create(NULL, 1, 2, &r), TDM_ERR_INVALID);
  cr_expect(strstr(tdm_last_error(), "tdm_rng_create"));
  cr_expect_eq(tdm_rng_create(ctx, 1, 2, NULL), TDM_ERR_INVALID);
  cr_assert_eq(tdm_rng_create(ctx, 1, 2, &r), TDM_OK);
  tdm_buf *f = rt_buf(ctx, TDM_F64, 10), *i = rt_buf(ctx, TDM_I32, 10),
          *u = rt_buf(ctx, TDM_U32, 10);
  tdm_buf *f32 = rt_buf(ctx, TDM_F32, 10), *x = rt_buf(other, TDM_F64, 10);
  EXPECT_INVALID(tdm_rng_bits(r, f), "tdm_rng_bits");
  EXPECT_INVALID(tdm_rng_bits(r, NULL), "tdm_rng_bits");
  EXPECT_INVALID(tdm_rng_bits(NULL, u), "tdm_rng_bits");
  EXPECT_INVALID(tdm_rng_uniform(r, x, 0, 1), "another context");
  EXPECT_INVALID(tdm_rng_uniform(r, i, 0, 1), "tdm_rng_uniform");
  EXPECT_INVALID(tdm_rng_uniform(r, f, 1, 1), "tdm_rng_uniform");
  EXPECT_INVALID(tdm_rng_uniform(r, f, 2, 1), "tdm_rng_uniform");
  EXPECT_INVALID(tdm_rng_uniform(r, f, NAN, 1), "tdm_rng_uniform");
  EXPECT_INVALID(tdm_rng_uniform(r, f, 0, INFINITY), "tdm_rng_uniform");
  EXPECT_INVALID(tdm_rng_uniform(r, f, -1e308, 1e308), "overflows");
  EXPECT_INVALID(tdm_rng_uniform(r, f32, 1.0, 1.0 + 1e-12), "f32");
  EXPECT_INVALID(tdm_rng_normal(r, f, 0, 0), "tdm_rng_normal: sd");
  EXPECT_INVALID(tdm_rng_normal(r, f, 0, -1), "tdm_rng_normal: sd");
  EXPECT_INVALID(tdm_rng_normal(r, f, NAN, 1), "tdm_rng_normal: mean");
  EXPECT_INVALID(tdm_rng_normal(r, u, 0, 1), "tdm_rng_normal: out");
  EXPECT_INVALID(tdm_rng_lognormal(r, f, 0, 0), "tdm_rng_lognormal: sdlog");
  EXPECT_INVALID(tdm_rng_gamma(r, f, 0, 1), "tdm_rng_gamma: shape");
  EXPECT_INVALID(tdm_rng_gamma(r, f, -2, 1), "tdm_rng_gamma: shape");
  EXPECT_INVALID(tdm_rng_gamma(r, f, 1, 0), "tdm_rng_gamma: scale");
  EXPECT_INVALID(tdm_rng_gamma(r, i, 1, 1), "tdm_rng_gamma: out");
  EXPECT_INVALID(tdm_rng_exponential(r, f, 0), "tdm_rng_exponential: rate");
  EXPECT_INVALID(tdm_rng_chisq(r, f, -1), "tdm_rng_chisq: df");
  EXPECT_INVALID(tdm_rng_beta(r, f, 1, 0), "tdm_rng_beta: b");
  EXPECT_INVALID(tdm_rng_beta(r, f, INFINITY, 1), "tdm_rng_beta: a");
  EXPECT_INVALID(tdm_rng_poisson(r, f, -1), "tdm_rng_poisson: lambda");
  EXPECT_INVALID(tdm_rng_poisson(r, i, 3e9), "tdm_rng_poisson: lambda");
  EXPECT_INVALID(tdm_rng_poisson(r, u, 3), "tdm_rng_poisson: out");
  EXPECT_INVALID(tdm_rng_binomial(r, i, -1, 0.5), "tdm_rng_binomial: n");
  EXPECT_INVALID(tdm_rng_binomial(r, i, 5000000000ll, 0.5), "tdm_rng_binomial: n");
  EXPECT_INVALID(tdm_rng_binomial(r, i, 10, 1.5), "tdm_rng_binomial: p");
  EXPECT_INVALID(tdm_rng_binomial(r, i, 10, NAN), "tdm_rng_binomial: p");
  EXPECT_INVALID(tdm_rng_bernoulli(r, i, -0.1), "tdm_rng_bernoulli: p");
  EXPECT_INVALID(tdm_rng_integers(r, i, 5, 5), "tdm_rng_integers: lo, hi");
  EXPECT_INVALID(tdm_rng_integers(r, i, 0, (int64_t)INT32_MAX + 2), "i32");
  EXPECT_INVALID(tdm_rng_integers(r, u, -1, 5), "u32");
  EXPECT_INVALID(tdm_rng_integers(r, f, 0, 5), "tdm_rng_integers: out");
  EXPECT_INVALID(tdm_rng_bootstrap(r, i, 0), "tdm_rng_bootstrap: n");
  EXPECT_INVALID(tdm_rng_bootstrap(r, f, 5), "tdm_rng_bootstrap: out");
  EXPECT_INVALID(tdm_rng_permutation(r, f), "tdm_rng_permutation: out");
  EXPECT_INVALID(tdm_rng_seek(NULL, 0), "tdm_rng_seek");
  /* a position so close to the end of the stream that the draw cannot fit */
  cr_assert_eq(tdm_rng_seek(r, ~0ull - 3), TDM_OK);
  EXPECT_INVALID(tdm_rng_bits(r, u), "past the end");
  tdm_rng_destroy(NULL);
  tdm_buf_destroy(f), tdm_buf_destroy(i), tdm_buf_destroy(u), tdm_buf_destroy(f32);
  tdm_buf_destroy(x);
  tdm_rng_destroy(r);
  tdm_ctx_destroy(ctx);
  tdm_ctx_destroy(other);
}

Test(rng, out_of_memory_paths) {
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 1), *sim = rt_ctx(TDM_SIM, 1);
  tdm_rng *r = NULL, *rs = NULL;
  tdm__alloc_fail_after(1);
  cr_expect_eq(tdm_rng_create(ctx, 1, 1, &r), TDM_ERR_NOMEM);
  cr_expect_null(r);
  cr_assert_eq(tdm_rng_create(ctx, 1, 1, &r), TDM_OK);
  tdm_buf *p = rt_buf(ctx, TDM_I32, 100);
  tdm__alloc_fail_after(1); /* the permutation's batch of words */
  cr_expect_eq(tdm_rng_permutation(r, p), TDM_ERR_NOMEM);
  cr_expect(strstr(tdm_last_error(), "tdm_rng_permutation"));
  cr_expect_eq(tdm_rng_offset(r), 0);
  cr_expect_eq(tdm_rng_permutation(r, p), TDM_OK);
  cr_assert_eq(tdm_rng_create(sim, 1, 1, &rs), TDM_OK);
  tdm_buf *b = rt_buf(sim, TDM_F64, 100);
  tdm__alloc_fail_after(1); /* the sim device's memory for the output */
  cr_expect_eq(tdm_rng_normal(rs, b, 0, 1), TDM_ERR_DEVICE_NOMEM);
  cr_expect(strstr(tdm_last_error(), "tdm_rng_normal"), "%s", tdm_last_error());
  tdm__alloc_fail_after(0);
  cr_expect_eq(tdm_rng_offset(rs), 0);
  cr_expect_eq(tdm_rng_normal(rs, b, 0, 1), TDM_OK);
  tdm_buf_destroy(p), tdm_buf_destroy(b);
  tdm_rng_destroy(r), tdm_rng_destroy(rs);
  tdm_ctx_destroy(ctx), tdm_ctx_destroy(sim);
}
