/* ktab.c -- the CPU kernel tables, one per ISA level, filled once: the
 * plain-C reference kernels first, then each family's widest variant at
 * or below the level that is built in. tdm__isa_force only switches which
 * one is in force (an atomic pointer), so no table changes under a
 * running kernel. */
#include <pthread.h>

#include "cpu/fit.h"
#include "cpu/ktab.h"
#include "cpu/qscan.h"
#include "cpu/reduce_int.h"
#include "cpu/rng_int.h"
#include "cpu/split_int.h"
#include "cpu/vexec.h"

static tdm__ktab tdm__ktabs[TDM__ISA_COUNT];
static const tdm__ktab *tdm__ktab_now; /* atomic; NULL until the probe ran */
static pthread_once_t tdm__ktab_once = PTHREAD_ONCE_INIT;

static void tdm__ktab_fill(tdm__ktab *t, int level) {
  *t = (tdm__ktab){.isa = level,
                   .vexec = &tdm__visa_scalar,
                   .reduce_f64 = tdm__rblock_c_f64,
                   .reduce_f32 = tdm__rblock_c_f32,
                   .reduce_name = "c",
                   .rng_name = "scalar",
                   .rng_chunk = tdm__rng_chunk_c,
                   .rng_gamma = tdm__rng_range_c,
                   .rng_beta = tdm__rng_range_c,
                   .rng_reject = tdm__rng_range_c,
                   .split_cls = tdm__split_cls_c,
                   .split_scan = tdm__split_scan_c,
                   .split_out = tdm__split_out_c,
                   .quant_scan = tdm__qscan_c};
#ifdef TDM__ISA_X86
  if (level >= TDM__ISA_SSE2 && tdm__visa_sse2.f64) t->vexec = &tdm__visa_sse2;
  if (level >= TDM__ISA_AVX2) {
    if (tdm__visa_avx2.f64) t->vexec = &tdm__visa_avx2;
    t->reduce_f64 = tdm__rblock_avx2_f64;
    t->reduce_f32 = tdm__rblock_avx2_f32;
    t->reduce_name = "avx2";
    t->rng_vec = 1;
    t->rng_name = "avx2";
    t->rng_chunk = tdm__rng_chunk_avx2;
    t->rng_gamma = tdm__rng_gamma_avx2;
    t->rng_beta = tdm__rng_beta_avx2;
    t->rng_reject = tdm__rng_range_fma;
    t->gram_f64 = tdm__gram_avx2_f64;
    t->gram_f32 = tdm__gram_avx2_f32;
    t->gram_fill_f64 = tdm__gram_fill_avx2_f64;
    t->gram_fill_f32 = tdm__gram_fill_avx2_f32;
  }
  if (level >= TDM__ISA_AVX512) {
    if (tdm__visa_avx512.f64) t->vexec = &tdm__visa_avx512;
    t->rng_name = "avx512";
    t->rng_chunk = tdm__rng_chunk_avx512;
    t->rng_gamma = tdm__rng_gamma_avx512;
    t->rng_beta = tdm__rng_beta_avx512;
    t->split_cls = tdm__split_cls_avx512;
    t->split_scan = tdm__split_scan_avx512;
    t->split_out = tdm__split_out_avx512;
    t->quant_scan = tdm__qscan_avx512;
  }
#endif
}

static void tdm__ktab_init(void) {
  for (int l = 0; l < TDM__ISA_COUNT; l++) tdm__ktab_fill(&tdm__ktabs[l], l);
}

const tdm__ktab *tdm__ktab_at(int level) {
  pthread_once(&tdm__ktab_once, tdm__ktab_init);
  return level >= 0 && level < TDM__ISA_COUNT ? &tdm__ktabs[level] : NULL;
}

void tdm__ktab_select(int level) {
  __atomic_store_n(&tdm__ktab_now, tdm__ktab_at(level), __ATOMIC_RELEASE);
}

const tdm__ktab *tdm__ktab_get(void) {
  const tdm__ktab *t = __atomic_load_n(&tdm__ktab_now, __ATOMIC_ACQUIRE);
  if (t) return t;
  tdm__isa_best(); /* probes and selects */
  return __atomic_load_n(&tdm__ktab_now, __ATOMIC_ACQUIRE);
}
