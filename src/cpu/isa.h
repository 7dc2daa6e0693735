/* isa.h -- the one CPU ISA level every per-ISA kernel family is chosen by
 * (expression tiers, reduction blocks, RNG fills: src/cpu/ktab.h): probed
 * once from cpuid, lowered by one test hook. */
#ifndef TDM_CPU_ISA_H
#define TDM_CPU_ISA_H

/* Levels in order; each implies those below it. AVX2 means AVX2 + FMA;
 * AVX512 means AVX-512 F, DQ, VL and BW (with AVX2 + FMA). */
enum { TDM__ISA_SCALAR, TDM__ISA_SSE2, TDM__ISA_AVX2, TDM__ISA_AVX512, TDM__ISA_COUNT };

/* Defined where the x86 SIMD variants are built (x86-64, GCC or clang). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TDM__ISA_X86 1
#endif

/* The widest level this machine has (cpuid, probed once). */
int tdm__isa_best(void);
/* The level in force: the best one unless a test lowered it. */
int tdm__isa(void);
/* Test and bench hook: run later kernels at `level` (-1: the best),
 * clamped to [scalar, best]. Returns the level now in force. Switches
 * the kernel table (ktab.h); not meant for use while kernels run. */
int tdm__isa_force(int level);
/* "scalar", "sse2", "avx2", "avx512" (NULL for no level). */
const char *tdm__isa_name(int level);

#endif
