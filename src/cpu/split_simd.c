/* split_simd.c -- the sample-split sort's AVX-512 kernels (split_int.h):
 * classify (8 raw words at a time become keys, their bins and, through
 * one gather and a multiply, bucket ids), the scan of a bucket's fine counts
 * (16 at a time, in-register prefix sums) and the way out of a sorted
 * bucket (8 keys against their neighbours); the kernel table (ktab.c) puts
 * them in force only where the CPU has AVX-512. */
#include "cpu/isa.h"
#include "cpu/split_int.h"

#ifdef TDM__ISA_X86
#include "cpu/key_avx512.h"

#define TDM__AVX512 TDM__KEY_AVX512

TDM__AVX512 void tdm__split_cls_avx512(const tdm__splan *P, const void *xv, size_t n,
                                       uint64_t *keys, uint32_t *ids) {
  const uint64_t *x = xv;
  const float *xf = xv;
  const __m512i sign = _mm512_set1_epi64((long long)(1ull << 63));
  const __m512i base = _mm512_set1_epi64((long long)P->base);
  const __m512i top = _mm512_set1_epi64(TDM__SPLIT_BINS - 2);
  const __m512i cellm = _mm512_set1_epi64(TDM__SPLIT_SUB - 1);
  const __m512i one = _mm512_set1_epi64(1), mm = _mm512_set1_epi64(511);
  const __m128i s1 = _mm_cvtsi32_si128(P->s1), s2 = _mm_cvtsi32_si128(P->s2);
  const int kind = P->kind;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m512i v, k;
    if (kind == TDM__SPLIT_I64) {
      k = _mm512_xor_si512(_mm512_loadu_si512(x + i), sign);
    } else { /* F32 values widen exactly to their F64 keys */
      v = kind == TDM__SPLIT_F32 ? _mm512_castpd_si512(_mm512_cvtps_pd(_mm256_loadu_ps(xf + i)))
                                 : _mm512_loadu_si512(x + i);
      k = tdm__key_f64_x8(v, NULL);
    }
    __m512i t = _mm512_srl_epi64(k, s1);
    __mmask8 below = _mm512_cmplt_epu64_mask(t, base);
    t = _mm512_min_epu64(_mm512_maskz_sub_epi64((__mmask8)~below, t, base), top);
    t = _mm512_mask_add_epi64(t, (__mmask8)~below, t, one); /* as tdm__split_bucket */
    __m512i e = _mm512_cvtepu32_epi64(_mm512_i64gather_epi32(t, (const int *)P->lut, 4));
    __m512i cell = _mm512_and_si512(_mm512_srl_epi64(k, s2), cellm);
    __m512i sub = _mm512_srli_epi64(_mm512_mul_epu32(cell, _mm512_and_si512(e, mm)), 8);
    __m512i id = _mm512_add_epi64(_mm512_srli_epi64(e, 9), sub); /* as tdm__split_bucket */
    _mm512_storeu_si512(keys + i, k);
    _mm256_storeu_si256((__m256i *)(ids + i), _mm512_cvtepi64_epi32(id));
  }
  tdm__split_cls_c(P, (const char *)xv + i * tdm__split_width(kind), n - i, keys + i, ids + i);
}

TDM__AVX512 uint32_t tdm__split_scan_avx512(uint32_t *h, size_t nbin, uint32_t *list) {
  const __m512i z = _mm512_setzero_si512(), two = _mm512_set1_epi32(2);
  const __m512i last = _mm512_set1_epi32(15), sixteen = _mm512_set1_epi32(16);
  __m512i carry = z, idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  uint32_t nl = 0;
  for (size_t v = 0; v < nbin; v += 16) {
    __m512i c = _mm512_loadu_si512(h + v), s = c;
    s = _mm512_add_epi32(s, _mm512_alignr_epi32(s, z, 15)); /* lane i += lane i-1 */
    s = _mm512_add_epi32(s, _mm512_alignr_epi32(s, z, 14));
    s = _mm512_add_epi32(s, _mm512_alignr_epi32(s, z, 12));
    s = _mm512_add_epi32(s, _mm512_alignr_epi32(s, z, 8));
    s = _mm512_add_epi32(s, carry);
    _mm512_storeu_si512(h + v, _mm512_sub_epi32(s, c));
    carry = _mm512_permutexvar_epi32(last, s);
    __mmask16 m = _mm512_cmpgt_epu32_mask(c, two);
    if (m) {
      _mm512_mask_compressstoreu_epi32(list + nl, m, idx);
      nl += (uint32_t)__builtin_popcount(m);
    }
    idx = _mm512_add_epi32(idx, sixteen);
  }
  return nl;
}

/* tdm__split_out_c 8 keys at a time: each against both neighbours (a
 * swapped pair is the only disorder), to values, streamed out in 64-byte
 * lines (32-byte ones for F32); the ends (the unaligned head, the last
 * line) in C. */
TDM__AVX512 void tdm__split_out_avx512(int kind, const uint64_t *a, void *ov, size_t n) {
  const __m512i sign = _mm512_set1_epi64((long long)(1ull << 63));
  const __m512i qnan = _mm512_set1_epi64(0x7ff8000000000000ll);
  const size_t es = tdm__split_width(kind), step = 8 * es; /* bytes out per 8 keys */
  uint64_t *o = ov;
  float *of = ov;
  size_t i = ((step - ((uintptr_t)ov & (step - 1))) & (step - 1)) / es; /* o + i on a line */
  if (i == 0) i = 8; /* key 0 has no left neighbour to load */
  if (n < i + 9) {
    tdm__split_out_part(kind, a, o, n, 0, n);
    return;
  }
  tdm__split_out_part(kind, a, o, n, 0, i);
  for (; i + 9 <= n; i += 8) {
    __m512i k = _mm512_loadu_si512(a + i), l = _mm512_loadu_si512(a + i - 1);
    __m512i r = _mm512_loadu_si512(a + i + 1);
    __mmask8 down = _mm512_cmpgt_epu64_mask(k, r), up = _mm512_cmpgt_epu64_mask(l, k);
    k = _mm512_mask_mov_epi64(_mm512_mask_mov_epi64(k, up, l), down, r);
    if (kind != TDM__SPLIT_I64) { /* key top bit set: it was >= +0, flip the sign; else all */
      __mmask8 pos = _mm512_cmplt_epi64_mask(k, _mm512_setzero_si512());
      __mmask8 nan = _mm512_cmpeq_epi64_mask(k, _mm512_set1_epi64(-1));
      k = _mm512_mask_xor_epi64(_mm512_ternarylogic_epi64(k, k, k, 0x55), pos, k, sign);
      k = _mm512_mask_mov_epi64(k, nan, qnan); /* tdm__unkey_f64's NaN */
    } else {
      k = _mm512_xor_si512(k, sign);
    }
    if (kind == TDM__SPLIT_F32) /* the F64 value of an F32 key narrows exactly */
      _mm256_stream_ps(of + i, _mm512_cvtpd_ps(_mm512_castsi512_pd(k)));
    else
      _mm512_stream_si512((void *)(o + i), k);
  }
  tdm__split_out_part(kind, a, o, n, i, n);
}
#endif
