/* test_limits.c -- edges the hardening issue found: bootstrap indices that
 * do not fit i64 are refused; a draw that exactly fits what is left of the
 * stream is allowed (and one word more is refused); spaces around a
 * TDM_NUM_THREADS / TDM_DEVICE / TDM_BACKEND value are accepted on either
 * side alike and garbage is refused; a bad TDM_CUDA_MODULE is named in
 * the message. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rng/philox.h"
#include "support/support.h"

static void clean_env(void) {
  unsetenv("TDM_BACKEND");
  unsetenv("TDM_NUM_THREADS");
  unsetenv("TDM_DEVICE");
  unsetenv("TDM_CUDA_MODULE");
}

TestSuite(limits, .init = clean_env);

Test(limits, bootstrap_indices_must_fit_i64) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  tdm_buf *b = ts_buf(ctx, TDM_I64, 64, 1, NULL);
  tdm_rng *r;
  cr_assert_eq(tdm_rng_create(ctx, 5, 0, &r), TDM_OK);
  size_t big = ((size_t)1 << 63) + 5;
  cr_assert_eq(tdm_rng_bootstrap(r, b, big), TDM_ERR_INVALID, "indices up to 2^63+4 do not fit");
  cr_assert(strstr(tdm_last_error(), "tdm_rng_bootstrap: n:") && strstr(tdm_last_error(), "i64"),
            "%s", tdm_last_error());
  cr_assert_eq(tdm_rng_offset(r), 0, "a refused call does not move the stream");
  /* n = 2^63: the largest index is INT64_MAX, which fits */
  cr_assert_eq(tdm_rng_bootstrap(r, b, (size_t)1 << 63), TDM_OK, "%s", tdm_last_error());
  int64_t v[64];
  cr_assert_eq(tdm_buf_read(b, v), TDM_OK);
  for (int i = 0; i < 64; i++) cr_assert(v[i] >= 0, "index %d is %lld", i, (long long)v[i]);
  tdm_rng_destroy(r);
  tdm_buf_destroy(b);
  tdm_ctx_destroy(ctx);
}

/* bits: n words. Placed so that exactly n words are left before the last
 * representable position, the draw succeeds and lands there. */
Test(limits, a_draw_that_exactly_fits_is_allowed) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  const size_t n = 100;
  tdm_buf *u = ts_buf(ctx, TDM_U32, n, 1, NULL), *i = ts_buf(ctx, TDM_I32, 10, 1, NULL);
  tdm_rng *r;
  cr_assert_eq(tdm_rng_create(ctx, 9, 3, &r), TDM_OK);
  uint64_t at = UINT64_MAX - n;
  cr_assert_eq(tdm_rng_seek(r, at), TDM_OK);
  cr_assert_eq(tdm_rng_bits(r, u), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_rng_offset(r), UINT64_MAX);
  uint32_t got[100];
  cr_assert_eq(tdm_buf_read(u, got), TDM_OK);
  for (size_t k = 0; k < n; k += 4) { /* the words of the stream at those positions */
    uint32_t w[4];
    tdm__philox_words4(9, 3, at + k, w);
    for (size_t j = 0; j < 4 && k + j < n; j++) cr_assert_eq(got[k + j], w[j], "word %zu", k + j);
  }
  /* one word more does not fit */
  cr_assert_eq(tdm_rng_seek(r, at + 1), TDM_OK);
  cr_assert_eq(tdm_rng_bits(r, u), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "past the end"), "%s", tdm_last_error());
  cr_assert_eq(tdm_rng_offset(r), at + 1);
  /* integers take one block (4 words) per value from an aligned position */
  at = UINT64_MAX - 3 - 40; /* a multiple of 4; 10 values use 40 words */
  cr_assert_eq(at % 4, 0);
  cr_assert_eq(tdm_rng_seek(r, at), TDM_OK);
  cr_assert_eq(tdm_rng_integers(r, i, 0, 1000), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_rng_offset(r), at + 40);
  cr_assert_eq(tdm_rng_seek(r, at), TDM_OK);
  cr_assert_eq(tdm_rng_permutation(r, i), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_rng_offset(r), at + 40);
  cr_assert_eq(tdm_rng_seek(r, at + 4), TDM_OK);
  cr_assert_eq(tdm_rng_integers(r, i, 0, 1000), TDM_ERR_INVALID, "one block short");
  cr_assert_eq(tdm_rng_permutation(r, i), TDM_ERR_INVALID, "one block short");
  tdm_rng_destroy(r);
  tdm_buf_destroy(u), tdm_buf_destroy(i);
  tdm_ctx_destroy(ctx);
}

Test(limits, spaces_around_environment_values) {
  static const char *good[] = {"4", " 4", "4 ", "\t4\n", "  4  ", "+4"};
  for (size_t k = 0; k < sizeof good / sizeof *good; k++) {
    setenv("TDM_NUM_THREADS", good[k], 1);
    tdm_config c;
    tdm_config_default(&c);
    cr_assert_eq(c.threads, 4, "TDM_NUM_THREADS='%s'", good[k]);
    setenv("TDM_DEVICE", good[k], 1);
    tdm_config_default(&c);
    cr_assert_eq(c.device, 4, "TDM_DEVICE='%s'", good[k]);
  }
  static const char *bad[] = {"4x", "4 4", " ", "x", "4.0", "- 4", "0x4", "+ 4"};
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    clean_env();
    setenv("TDM_NUM_THREADS", bad[k], 1);
    tdm_config c;
    tdm_config_default(&c);
    cr_assert_eq(c.threads, -1, "TDM_NUM_THREADS='%s' is garbage", bad[k]);
    cr_assert(strstr(tdm_last_error(), "TDM_NUM_THREADS"), "%s", tdm_last_error());
    tdm_ctx *ctx;
    cr_assert_eq(tdm_ctx_create(NULL, &ctx), TDM_ERR_INVALID);
  }
  clean_env();
  setenv("TDM_BACKEND", " sim ", 1);
  tdm_config c;
  tdm_config_default(&c);
  cr_assert_eq(c.backend, TDM_SIM);
  setenv("TDM_BACKEND", "si m", 1);
  tdm_config_default(&c);
  cr_assert_eq(c.backend, (tdm_backend)-1);
  cr_assert(strstr(tdm_last_error(), "TDM_BACKEND='si m'"), "%s", tdm_last_error());
}

/* A library that loads but is not the module: the message names it, not
 * the default file name. */
Test(limits, a_bad_cuda_module_is_named) {
  setenv("TDM_CUDA_MODULE", "libm.so.6", 1);
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = TDM_CUDA;
  tdm_ctx *ctx;
  tdm_status s = tdm_ctx_create(&cfg, &ctx);
  cr_assert_eq(s, TDM_ERR_NO_DEVICE, "%s", tdm_status_name(s));
  cr_assert(strstr(tdm_last_error(), "libm.so.6"), "%s", tdm_last_error());
  cr_assert(!strstr(tdm_last_error(), "libtandem_cuda.so"), "%s", tdm_last_error());
  setenv("TDM_CUDA_MODULE", "/nonexistent/libx.so", 1);
  cr_assert_eq(tdm_ctx_create(&cfg, &ctx), TDM_ERR_NO_DEVICE);
  cr_assert(strstr(tdm_last_error(), "TDM_CUDA_MODULE=/nonexistent/libx.so"), "%s",
            tdm_last_error());
}
