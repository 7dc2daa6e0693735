/* vexec_sse2.c -- the SSE2 tier (every x86-64): 2 doubles or 4 floats per SLEEF call.
 * CMake builds this file alone with the ISA's flags (SLEEF's vector calling
 * convention needs them); the kernel table (ktab.c) puts it in force only
 * where the CPU has the ISA. Built without those flags it is empty and the
 * tier is absent. */
#include "cpu/vexec.h"

#if defined(__x86_64__) && defined(__SSE2__)
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define TGT /* the file is built with the ISA flags */
typedef double tdm__sse2_vd __attribute__((vector_size(2 * 8)));
typedef long long tdm__sse2_vl __attribute__((vector_size(2 * 8)));
typedef float tdm__sse2_vf __attribute__((vector_size(4 * 4)));
typedef int tdm__sse2_vi __attribute__((vector_size(4 * 4)));
#define CALL1(f, x) ((V)f((NAT)(x)))
#define CALL2(f, x, y) ((V)f((NAT)(x), (NAT)(y)))

#define R double
#define V tdm__sse2_vd
#define VI tdm__sse2_vl
#define W 2
#define NAT __m128d
#define SL1(f, u) TDM__CAT5(Sleef_, f, d2_, u, sse2)
#define SL0(f) Sleef_##f##d2_sse2
#define KNAME tdm__vexec_sse2_f64
#include "cpu/vexec_tpl.h"

#define R double
#define V tdm__sse2_vd
#define VI tdm__sse2_vl
#define W 2
#define NAT __m128d
#define SL1(f, u) TDM__CAT5(Sleef_, f, d2_, u, sse2)
#define SL0(f) Sleef_##f##d2_sse2
#define KNAME tdm__vexec_sse2_f64_fast
#define TDM__VFAST
#include "cpu/vexec_tpl.h"

#define R float
#define V tdm__sse2_vf
#define VI tdm__sse2_vi
#define W 4
#define NAT __m128
#define SL1(f, u) TDM__CAT5(Sleef_, f, f4_, u, sse2)
#define SL0(f) Sleef_##f##f4_sse2
#define KNAME tdm__vexec_sse2_f32
#include "cpu/vexec_tpl.h"

#define R float
#define V tdm__sse2_vf
#define VI tdm__sse2_vi
#define W 4
#define NAT __m128
#define SL1(f, u) TDM__CAT5(Sleef_, f, f4_, u, sse2)
#define SL0(f) Sleef_##f##f4_sse2
#define KNAME tdm__vexec_sse2_f32_fast
#define TDM__VFAST
#include "cpu/vexec_tpl.h"

TGT static void tdm__sse2_stream(void *dst, const void *src, size_t bytes) {
  char *d = dst;
  const char *s = src;
  size_t head = (16 - (uintptr_t)d % 16) % 16, i;
  if (head > bytes) head = bytes;
  memcpy(d, s, head);
  for (i = head; i + 16 <= bytes; i += 16) _mm_stream_si128((__m128i *)(d + i), _mm_loadu_si128((const __m128i *)(s + i)));
  memcpy(d + i, s + i, bytes - i);
}
static void tdm__sse2_fence(void) { _mm_sfence(); }
const tdm__visa tdm__visa_sse2 = {"sse2", tdm__vexec_sse2_f64, tdm__vexec_sse2_f32, tdm__vexec_sse2_f64_fast, tdm__vexec_sse2_f32_fast,
                                 tdm__sse2_stream, tdm__sse2_fence};
#else
const tdm__visa tdm__visa_sse2 = {"sse2", 0, 0, 0, 0, 0, 0};
#endif
