/* vexec_avx2.c -- the AVX2+FMA tier: 4 doubles or 8 floats per SLEEF call.
 * CMake builds this file alone with the ISA's flags (SLEEF's vector calling
 * convention needs them); the kernel table (ktab.c) puts it in force only
 * where the CPU has the ISA. Built without those flags it is empty and the
 * tier is absent. */
#include "cpu/vexec.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define TGT /* the file is built with the ISA flags */
typedef double tdm__avx2_vd __attribute__((vector_size(4 * 8)));
typedef long long tdm__avx2_vl __attribute__((vector_size(4 * 8)));
typedef float tdm__avx2_vf __attribute__((vector_size(8 * 4)));
typedef int tdm__avx2_vi __attribute__((vector_size(8 * 4)));
#define CALL1(f, x) ((V)f((NAT)(x)))
#define CALL2(f, x, y) ((V)f((NAT)(x), (NAT)(y)))

#define R double
#define V tdm__avx2_vd
#define VI tdm__avx2_vl
#define W 4
#define NAT __m256d
#define SL1(f, u) TDM__CAT5(Sleef_, f, d4_, u, avx2)
#define SL0(f) Sleef_##f##d4_avx2
#define KNAME tdm__vexec_avx2_f64
#include "cpu/vexec_tpl.h"

#define R double
#define V tdm__avx2_vd
#define VI tdm__avx2_vl
#define W 4
#define NAT __m256d
#define SL1(f, u) TDM__CAT5(Sleef_, f, d4_, u, avx2)
#define SL0(f) Sleef_##f##d4_avx2
#define KNAME tdm__vexec_avx2_f64_fast
#define TDM__VFAST
#include "cpu/vexec_tpl.h"

#define R float
#define V tdm__avx2_vf
#define VI tdm__avx2_vi
#define W 8
#define NAT __m256
#define SL1(f, u) TDM__CAT5(Sleef_, f, f8_, u, avx2)
#define SL0(f) Sleef_##f##f8_avx2
#define KNAME tdm__vexec_avx2_f32
#include "cpu/vexec_tpl.h"

#define R float
#define V tdm__avx2_vf
#define VI tdm__avx2_vi
#define W 8
#define NAT __m256
#define SL1(f, u) TDM__CAT5(Sleef_, f, f8_, u, avx2)
#define SL0(f) Sleef_##f##f8_avx2
#define KNAME tdm__vexec_avx2_f32_fast
#define TDM__VFAST
#include "cpu/vexec_tpl.h"

TGT static void tdm__avx2_stream(void *dst, const void *src, size_t bytes) {
  char *d = dst;
  const char *s = src;
  size_t head = (32 - (uintptr_t)d % 32) % 32, i;
  if (head > bytes) head = bytes;
  memcpy(d, s, head);
  for (i = head; i + 32 <= bytes; i += 32)
    _mm256_stream_si256((__m256i *)(d + i), _mm256_loadu_si256((const __m256i *)(s + i)));
  memcpy(d + i, s + i, bytes - i);
}
static void tdm__avx2_fence(void) { _mm_sfence(); }
const tdm__visa tdm__visa_avx2 = {"avx2", tdm__vexec_avx2_f64, tdm__vexec_avx2_f32, tdm__vexec_avx2_f64_fast, tdm__vexec_avx2_f32_fast,
                                 tdm__avx2_stream, tdm__avx2_fence};
#else
const tdm__visa tdm__visa_avx2 = {"avx2", 0, 0, 0, 0, 0, 0};
#endif
