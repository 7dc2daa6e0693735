/* vexec_avx512.c -- the AVX-512 tier: 8 doubles or 16 floats per SLEEF call.
 * CMake builds this file alone with the ISA's flags (SLEEF's vector calling
 * convention needs them); the kernel table (ktab.c) puts it in force only
 * where the CPU has the ISA. Built without those flags it is empty and the
 * tier is absent. */
#include "cpu/vexec.h"

#if defined(__x86_64__) && defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define TGT /* the file is built with the ISA flags */
typedef double tdm__avx512_vd __attribute__((vector_size(8 * 8)));
typedef long long tdm__avx512_vl __attribute__((vector_size(8 * 8)));
typedef float tdm__avx512_vf __attribute__((vector_size(16 * 4)));
typedef int tdm__avx512_vi __attribute__((vector_size(16 * 4)));
#define CALL1(f, x) ((V)f((NAT)(x)))
#define CALL2(f, x, y) ((V)f((NAT)(x), (NAT)(y)))

#define R double
#define V tdm__avx512_vd
#define VI tdm__avx512_vl
#define W 8
#define NAT __m512d
#define SL1(f, u) TDM__CAT5(Sleef_, f, d8_, u, avx512f)
#define SL0(f) Sleef_##f##d8_avx512f
#define KNAME tdm__vexec_avx512_f64
#include "cpu/vexec_tpl.h"

#define R double
#define V tdm__avx512_vd
#define VI tdm__avx512_vl
#define W 8
#define NAT __m512d
#define SL1(f, u) TDM__CAT5(Sleef_, f, d8_, u, avx512f)
#define SL0(f) Sleef_##f##d8_avx512f
#define KNAME tdm__vexec_avx512_f64_fast
#define TDM__VFAST
#include "cpu/vexec_tpl.h"

#define R float
#define V tdm__avx512_vf
#define VI tdm__avx512_vi
#define W 16
#define NAT __m512
#define SL1(f, u) TDM__CAT5(Sleef_, f, f16_, u, avx512f)
#define SL0(f) Sleef_##f##f16_avx512f
#define KNAME tdm__vexec_avx512_f32
#include "cpu/vexec_tpl.h"

#define R float
#define V tdm__avx512_vf
#define VI tdm__avx512_vi
#define W 16
#define NAT __m512
#define SL1(f, u) TDM__CAT5(Sleef_, f, f16_, u, avx512f)
#define SL0(f) Sleef_##f##f16_avx512f
#define KNAME tdm__vexec_avx512_f32_fast
#define TDM__VFAST
#include "cpu/vexec_tpl.h"

TGT static void tdm__avx512_stream(void *dst, const void *src, size_t bytes) {
  char *d = dst;
  const char *s = src;
  size_t head = (64 - (uintptr_t)d % 64) % 64, i;
  if (head > bytes) head = bytes;
  memcpy(d, s, head);
  for (i = head; i + 64 <= bytes; i += 64)
    _mm512_stream_si512((__m512i *)(d + i), _mm512_loadu_si512((const __m512i *)(s + i)));
  memcpy(d + i, s + i, bytes - i);
}
static void tdm__avx512_fence(void) { _mm_sfence(); }
const tdm__visa tdm__visa_avx512 = {"avx512", tdm__vexec_avx512_f64, tdm__vexec_avx512_f32, tdm__vexec_avx512_f64_fast, tdm__vexec_avx512_f32_fast,
                                 tdm__avx512_stream, tdm__avx512_fence};
#else
const tdm__visa tdm__visa_avx512 = {"avx512", 0, 0, 0, 0, 0, 0};
#endif
