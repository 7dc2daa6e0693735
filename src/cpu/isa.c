/* isa.c -- the CPU ISA probe (once per process) and the one hook that
 * lowers the level in force; the kernel table follows it (ktab.c). */
#include <pthread.h>
#include <stddef.h>

#include "cpu/isa.h"
#include "cpu/ktab.h"

static int tdm__isa_top = TDM__ISA_SCALAR;
static int tdm__isa_now = -1; /* atomic; -1: the probe has not run */
static pthread_once_t tdm__isa_once = PTHREAD_ONCE_INIT;

static int tdm__isa_probe(void) {
#ifdef TDM__ISA_X86
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("sse2")) return TDM__ISA_SCALAR;
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return TDM__ISA_SSE2;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw"))
    return TDM__ISA_AVX512;
  return TDM__ISA_AVX2;
#else
  return TDM__ISA_SCALAR;
#endif
}

static void tdm__isa_init(void) {
  tdm__isa_top = tdm__isa_probe();
  tdm__ktab_select(tdm__isa_top);
  __atomic_store_n(&tdm__isa_now, tdm__isa_top, __ATOMIC_RELEASE);
}

int tdm__isa_best(void) {
  pthread_once(&tdm__isa_once, tdm__isa_init);
  return tdm__isa_top;
}

int tdm__isa(void) {
  int l = __atomic_load_n(&tdm__isa_now, __ATOMIC_ACQUIRE);
  if (l >= 0) return l;
  tdm__isa_best();
  return __atomic_load_n(&tdm__isa_now, __ATOMIC_ACQUIRE);
}

int tdm__isa_force(int level) {
  int top = tdm__isa_best();
  int l = level < 0 || level > top ? top : level;
  tdm__ktab_select(l);
  __atomic_store_n(&tdm__isa_now, l, __ATOMIC_RELEASE);
  return l;
}

const char *tdm__isa_name(int level) {
  static const char *const names[TDM__ISA_COUNT] = {"scalar", "sse2", "avx2", "avx512"};
  return level >= 0 && level < TDM__ISA_COUNT ? names[level] : NULL;
}
