/* info.c -- `tandem info`: how this tandem was built, the CPU (model,
 * cores, SIMD), the BLAS (OpenBLAS's own configuration and threads), the
 * default plan, the CUDA driver/runtime/devices, and which device the
 * default context uses or exactly why it uses none. */
#define _GNU_SOURCE
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef TDM_BUILD_TYPE
#define TDM_BUILD_TYPE "unknown"
#endif

static void cli_cpu_model(char *buf, size_t len) {
  snprintf(buf, len, "unknown CPU");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10)) continue;
    char *p = strchr(line, ':');
    if (!p) break;
    p++;
    while (*p == ' ' || *p == '\t') p++;
    p[strcspn(p, "\n")] = '\0';
    snprintf(buf, len, "%s", p);
    break;
  }
  fclose(f);
}

static void cli_simd(char *buf, size_t len) {
  static const char *feat[] = {"avx512f", "avx2", "fma", "avx", "sse4.2"};
  const char *best = "sse2";
  size_t k = 0;
  buf[0] = '\0';
  __builtin_cpu_init();
#define CLI_HAS(name) (__builtin_cpu_supports(name) ? 1 : 0)
  int has[5] = {CLI_HAS("avx512f"), CLI_HAS("avx2"), CLI_HAS("fma"), CLI_HAS("avx"),
                CLI_HAS("sse4.2")};
#undef CLI_HAS
  for (int i = 4; i >= 0; i--)
    if (has[i] && i != 2) best = feat[i];
  k += (size_t)snprintf(buf + k, len - k, "%s (cpu has:", best);
  for (int i = 0; i < 5 && k < len; i++)
    if (has[i]) k += (size_t)snprintf(buf + k, len - k, " %s", feat[i]);
  if (k < len) snprintf(buf + k, len - k, ")");
}

static const char *cli_env(const char *name) {
  const char *v = getenv(name);
  return v && *v ? v : "unset";
}

int cli_info(void) {
  char model[256], simd[128];
  cli_cpu_model(model, sizeof model);
  cli_simd(simd, sizeof simd);
#if defined(__clang__)
  const char *cc = "clang " __clang_version__;
#elif defined(__GNUC__)
  const char *cc = "gcc " __VERSION__;
#else
  const char *cc = "unknown compiler";
#endif
  printf("tandem %s\n", tdm_version());
  printf("build:    %s, %s, C%02ld\n", TDM_BUILD_TYPE, cc, (long)__STDC_VERSION__ / 100 % 100);
  printf("cpu:      %s, %ld cores online\n", model, sysconf(_SC_NPROCESSORS_ONLN));
  printf("simd:     %s\n", simd);
  printf("blas:     %s; core %s; %d threads\n", openblas_get_config(), openblas_get_corename(),
         openblas_get_num_threads());
  const char *hint = cli_blas_hint();
  if (hint) printf("          %s\n", hint);
  cli_cuda_info(stdout);
  tdm_ctx *ctx = NULL;
  if (tdm_ctx_create(NULL, &ctx) != TDM_OK) {
    printf("plan:     the default context does not open: %s\n", tdm_last_error());
    return 1;
  }
  tdm_backend dev = tdm_ctx_device_backend(ctx);
  printf("plan:     TDM_BACKEND=%s, TDM_NUM_THREADS=%s: %d CPU threads\n", cli_env("TDM_BACKEND"),
         cli_env("TDM_NUM_THREADS"), tdm_ctx_threads(ctx));
  if (dev == TDM_CPU) printf("device:   none: %s\n", tdm_ctx_device_note(ctx));
  else printf("device:   %s (ops run there; `tandem bench` uses it by default)\n",
              tdm_backend_name(dev));
  tdm_ctx_destroy(ctx);
  return 0;
}

/* OpenBLAS 0.3.21 (Debian 12) does not know some newer or virtualized CPUs
 * and falls back to its Prescott (SSE3) kernels, 3-4x slower at GEMM than
 * the AVX2/AVX-512 ones the CPU can run. NULL when nothing is amiss. */
const char *cli_blas_hint(void) {
  if (getenv("OPENBLAS_CORETYPE") || strcmp(openblas_get_corename(), "Prescott")) return NULL;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"))
    return "OpenBLAS picked its Prescott kernels on a CPU with AVX-512: "
           "OPENBLAS_CORETYPE=SkylakeX runs its AVX-512 GEMM (scripts/bench.sh sets it)";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return "OpenBLAS picked its Prescott kernels on a CPU with AVX2: "
           "OPENBLAS_CORETYPE=Haswell runs its AVX2 GEMM (scripts/bench.sh sets it)";
  return NULL;
}
