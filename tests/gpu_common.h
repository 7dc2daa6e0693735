/* gpu_common.h -- shared by tests/test_gpu_*.c: a TDM_CUDA context or a
 * skip that prints why there is none, a CPU context for reference
 * results, and random data. TDM_GPU_TEST_SIM=1 runs the same checks on
 * the sim device instead, which lets the tests themselves be checked on
 * machines with no GPU. */
#ifndef TDM_TEST_GPU_COMMON_H
#define TDM_TEST_GPU_COMMON_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/tandem.h"

#include "support/support.h"

static __attribute__((unused)) int gpu_sim_mode(void) {
  const char *v = getenv("TDM_GPU_TEST_SIM");
  return v && strcmp(v, "1") == 0;
}

/* The device context, or the test is skipped with the reason. */
static __attribute__((unused)) tdm_ctx *gpu_ctx(void) {
#ifdef TDM_TEST_CUDA_MODULE
  setenv("TDM_CUDA_MODULE", TDM_TEST_CUDA_MODULE, 0);
#endif
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = gpu_sim_mode() ? TDM_SIM : TDM_CUDA;
  tdm_ctx *c = NULL;
  tdm_status s = tdm_ctx_create(&cfg, &c);
  if (s == TDM_ERR_NO_DEVICE || s == TDM_ERR_UNSUPPORTED)
    cr_skip_test("no usable CUDA device: %s", tdm_last_error());
  cr_assert_eq(s, TDM_OK, "%s: %s", tdm_status_name(s), tdm_last_error());
  return c;
}

static __attribute__((unused)) tdm_ctx *cpu_ctx(void) {
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = TDM_CPU;
  tdm_ctx *c = NULL;
  cr_assert_eq(tdm_ctx_create(&cfg, &c), TDM_OK, "%s", tdm_last_error());
  return c;
}

/* Fresh uniform values in [lo, hi) for every call (a 64-bit LCG). */
static __attribute__((unused)) void gpu_fill(double *x, size_t n, double lo, double hi) {
  static uint64_t u = 0x243F6A8885A308D3ull;
  for (size_t i = 0; i < n; i++) {
    u = u * 6364136223846793005ull + 1442695040888963407ull;
    x[i] = lo + (hi - lo) * ((double)(u >> 11) / 9007199254740992.0);
  }
}


static __attribute__((unused)) double *gpu_read(tdm_buf *b) {
  size_t n = tdm_buf_rows(b) * tdm_buf_cols(b);
  double *out = malloc(n * sizeof *out);
  if (tdm_buf_dtype(b) == TDM_F64) {
    cr_assert_eq(tdm_buf_read(b, out), TDM_OK, "%s", tdm_last_error());
  } else {
    float *f = malloc(n * sizeof *f);
    cr_assert_eq(tdm_buf_read(b, f), TDM_OK, "%s", tdm_last_error());
    for (size_t i = 0; i < n; i++) out[i] = f[i];
    free(f);
  }
  return out;
}

/* ||a - b|| / ||b|| (Frobenius), NaN anywhere fails. */
static __attribute__((unused)) double gpu_relerr(const double *a, const double *b, size_t n) {
  long double d = 0, r = 0;
  for (size_t i = 0; i < n; i++) {
    if (isnan(a[i]) || isnan(b[i])) return INFINITY;
    d += ((long double)a[i] - b[i]) * ((long double)a[i] - b[i]);
    r += (long double)b[i] * b[i];
  }
  return r > 0 ? (double)sqrtl(d / r) : (double)sqrtl(d);
}

#endif
