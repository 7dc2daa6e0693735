/* test_rng_curand.c -- tdm_rng_bits against cuRAND's host Philox generator
 * (curandCreateGeneratorHost, CURAND_RNG_PSEUDO_PHILOX4_32_10: it runs on
 * the CPU), loaded with dlopen so no build change is needed; skipped, saying
 * why, when libcurand is absent.
 * The host generator's layout (checked here, not assumed): with offset o,
 * output word i is global word g = o + i; block B = g/4 comes from stream
 * B mod 65536, its block B / 65536, word g mod 4. So block 0 of streams
 * 0..1023 are its first 4096 words, and block j of stream s is the 4 words
 * at offset 4 (65536 j + s). */
#include <dlfcn.h>

#include "rng_test.h"

typedef void *cr_gen;
typedef struct {
  void *lib;
  int (*create)(cr_gen *, int);
  int (*destroy)(cr_gen);
  int (*seed)(cr_gen, unsigned long long);
  int (*offset)(cr_gen, unsigned long long);
  int (*generate)(cr_gen, unsigned int *, size_t);
} curand_api;

#define CURAND_PHILOX 161 /* CURAND_RNG_PSEUDO_PHILOX4_32_10 */

static curand_api load_curand(void) {
  static const char *names[] = {"libcurand.so.10", "/usr/local/cuda/lib64/libcurand.so.10",
                                "libcurand.so", "/usr/local/cuda/lib64/libcurand.so"};
  curand_api a = {0};
  for (size_t i = 0; i < 4 && !a.lib; i++) a.lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
  if (!a.lib) cr_skip_test("libcurand is not installed (dlopen: %s)", dlerror());
  *(void **)&a.create = dlsym(a.lib, "curandCreateGeneratorHost");
  *(void **)&a.destroy = dlsym(a.lib, "curandDestroyGenerator");
  *(void **)&a.seed = dlsym(a.lib, "curandSetPseudoRandomGeneratorSeed");
  *(void **)&a.offset = dlsym(a.lib, "curandSetGeneratorOffset");
  *(void **)&a.generate = dlsym(a.lib, "curandGenerate");
  cr_assert(a.create && a.destroy && a.seed && a.offset && a.generate, "libcurand lacks a symbol");
  return a;
}

static cr_gen curand_gen(const curand_api *a, uint64_t seed) {
  cr_gen g = NULL;
  cr_assert_eq(a->create(&g, CURAND_PHILOX), 0, "curandCreateGeneratorHost");
  cr_assert_eq(a->seed(g, seed), 0);
  return g;
}

/* n words of cuRAND's host Philox generator g from offset. */
static void curand_words(const curand_api *a, cr_gen g, uint64_t off, uint32_t *out, size_t n) {
  cr_assert_eq(a->offset(g, off), 0, "curandSetGeneratorOffset");
  cr_assert_eq(a->generate(g, out, n), 0, "curandGenerate");
}

static const uint64_t seeds[] = {0, 1, 42, 0xffffffffull, 0x100000000ull, 0xdeadbeefcafef00dull,
                                 0xffffffffffffffffull};

/* The first words of streams 0..1023 against block 0 of each stream. */
Test(rng_curand, first_words_of_1024_streams) {
  curand_api a = load_curand();
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 2);
  static uint32_t ref[4096];
  tdm_buf *b = rt_buf(ctx, TDM_U32, 4);
  for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
    cr_gen g = curand_gen(&a, seeds[k]);
    curand_words(&a, g, 0, ref, 4096);
    a.destroy(g);
    for (uint64_t s = 0; s < 1024; s++) {
      tdm_rng *r;
      cr_assert_eq(tdm_rng_create(ctx, seeds[k], s, &r), TDM_OK);
      cr_assert_eq(tdm_rng_bits(r, b), TDM_OK);
      uint32_t w[4];
      cr_assert_eq(tdm_buf_read(b, w), TDM_OK);
      for (int j = 0; j < 4; j++)
        cr_assert_eq(w[j], ref[4 * s + j], "seed %#llx stream %llu word %d",
                     (unsigned long long)seeds[k], (unsigned long long)s, j);
      tdm_rng_destroy(r);
    }
  }
  tdm_buf_destroy(b);
  tdm_ctx_destroy(ctx);
}

/* A longer run inside one stream: one cuRAND call yields blocks 0..7 of all
 * 65536 of its streams (words 0..31 of each); compared for 64 streams. Then
 * blocks far out (j near 2^40, cuRAND offset 4 (65536 j + s)) reached by
 * seeking. (Each offset change costs cuRAND ~10 ms, hence few of them.) */
Test(rng_curand, long_runs_within_a_stream) {
  curand_api a = load_curand();
  tdm_ctx *ctx = rt_ctx(TDM_CPU, 2);
  const size_t nblk = 8, all = 4 * 65536 * nblk;
  tdm_buf *b = rt_buf(ctx, TDM_U32, 4 * nblk), *b4 = rt_buf(ctx, TDM_U32, 4);
  uint32_t *ref = malloc(4 * all), got[4 * 8];
  cr_assert(ref);
  for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k += 2) {
    cr_gen g = curand_gen(&a, seeds[k]);
    curand_words(&a, g, 0, ref, all);
    for (uint64_t t = 0; t < 64; t++) {
      uint64_t s = t < 2 ? t : t == 63 ? 65535 : (t * 40503u) % 65536; /* spread */
      tdm_rng *r;
      cr_assert_eq(tdm_rng_create(ctx, seeds[k], s, &r), TDM_OK);
      cr_assert_eq(tdm_rng_bits(r, b), TDM_OK);
      cr_assert_eq(tdm_buf_read(b, got), TDM_OK);
      for (uint64_t j = 0; j < nblk; j++)
        cr_assert_eq(memcmp(ref + 4 * (65536 * j + s), got + 4 * j, 16), 0,
                     "seed %#llx stream %llu block %llu", (unsigned long long)seeds[k],
                     (unsigned long long)s, (unsigned long long)j);
      if (t == 5) { /* far out in this stream */
        for (uint64_t j = (1ull << 40) - 1; j < (1ull << 40) + 2; j++) {
          uint32_t far[4], w[4];
          curand_words(&a, g, 4 * (65536 * j + s), far, 4);
          cr_assert_eq(tdm_rng_seek(r, 4 * j), TDM_OK);
          cr_assert_eq(tdm_rng_bits(r, b4), TDM_OK);
          cr_assert_eq(tdm_buf_read(b4, w), TDM_OK);
          cr_assert_eq(memcmp(far, w, 16), 0, "far block %llu of stream %llu",
                       (unsigned long long)j, (unsigned long long)s);
        }
      }
      tdm_rng_destroy(r);
    }
    a.destroy(g);
  }
  free(ref);
  tdm_buf_destroy(b);
  tdm_buf_destroy(b4);
  tdm_ctx_destroy(ctx);
}
