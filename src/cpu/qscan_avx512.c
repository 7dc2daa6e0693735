/* qscan_avx512.c -- the long-F64 quantile's scan kernel for AVX-512
 * (qscan.h): 8 raw words at a time become keys, are compared with each
 * bracket's ends (the counts kept in vector lanes), and those inside any
 * bracket are compressed into the buffer; the kernel table (ktab.c) puts
 * it in force only where the CPU has AVX-512. */
#include "cpu/isa.h"
#include "cpu/qscan.h"

#ifdef TDM__ISA_X86
#include "cpu/key_avx512.h"

TDM__KEY_AVX512 size_t tdm__qscan_avx512(const double *x, size_t n, const uint64_t *lo,
                                     const uint64_t *hi, size_t nbr, uint64_t *below,
                                     uint64_t *le, uint64_t *nan, uint64_t *buf, size_t cap,
                                     size_t *fill) {
  const __m512i one = _mm512_set1_epi64(1);
  __m512i vlo[TDM__QSCAN_MAX], vhi[TDM__QSCAN_MAX], cb[TDM__QSCAN_MAX], cl[TDM__QSCAN_MAX];
  __m512i cn = _mm512_setzero_si512();
  for (size_t b = 0; b < nbr; b++) {
    vlo[b] = _mm512_set1_epi64((long long)lo[b]), vhi[b] = _mm512_set1_epi64((long long)hi[b]);
    cb[b] = cl[b] = _mm512_setzero_si512();
  }
  size_t at = *fill, i = 0;
  for (; i + 8 <= n && cap - at >= 8; i += 8) {
    __mmask8 isnan;
    __m512i k = tdm__key_f64_x8(_mm512_loadu_si512(x + i), &isnan);
    cn = _mm512_mask_add_epi64(cn, isnan, cn, one);
    __mmask8 in = 0;
    for (size_t b = 0; b < nbr; b++) {
      __mmask8 bl = _mm512_cmplt_epu64_mask(k, vlo[b]), l = _mm512_cmple_epu64_mask(k, vhi[b]);
      cb[b] = _mm512_mask_add_epi64(cb[b], bl, cb[b], one);
      cl[b] = _mm512_mask_add_epi64(cl[b], l, cl[b], one);
      in |= (__mmask8)(l & ~bl);
    }
    if (in) {
      _mm512_mask_compressstoreu_epi64(buf + at, in, k);
      at += (size_t)__builtin_popcount(in);
    }
  }
  for (size_t b = 0; b < nbr; b++) {
    below[b] += (uint64_t)_mm512_reduce_add_epi64(cb[b]);
    le[b] += (uint64_t)_mm512_reduce_add_epi64(cl[b]);
  }
  *nan += (uint64_t)_mm512_reduce_add_epi64(cn);
  *fill = at;
  if (i + 8 > n && cap - at >= 8) /* the tail, which fits */
    i += tdm__qscan_c(x + i, n - i, lo, hi, nbr, below, le, nan, buf, cap, fill);
  return i;
}
#endif
