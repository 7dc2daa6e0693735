/* key_avx512.h -- sort_int.h's order-preserving F64 key (tdm__key_f64),
 * 8 raw words at a time, for the AVX-512 kernels that need it (the long
 * sort's classify, the long quantile's scan). Include only on x86-64,
 * from functions compiled for TDM__KEY_AVX512's target. */
#ifndef TDM_KEY_AVX512_H
#define TDM_KEY_AVX512_H

#include <immintrin.h>

#define TDM__KEY_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw")))

/* Negative: all bits flipped; else the sign bit set; NaN (either sign): all ones. */
TDM__KEY_AVX512 static inline __m512i tdm__key_f64_x8(__m512i v, __mmask8 *isnan) {
  const __m512i sign = _mm512_set1_epi64((long long)(1ull << 63)), ones = _mm512_set1_epi64(-1);
  const __m512i absm = _mm512_set1_epi64(0x7fffffffffffffffll);
  const __m512i inf = _mm512_set1_epi64(0x7ff0000000000000ll);
  __mmask8 neg = _mm512_cmplt_epi64_mask(v, _mm512_setzero_si512());
  __mmask8 nan = _mm512_cmpgt_epi64_mask(_mm512_and_si512(v, absm), inf);
  if (isnan) *isnan = nan;
  __m512i k = _mm512_mask_xor_epi64(_mm512_xor_si512(v, sign), neg, v, ones);
  return _mm512_mask_mov_epi64(k, nan, ones);
}

#endif
