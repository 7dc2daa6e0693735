/* philox.h -- Philox4x32-10 (Salmon et al., SC 2011) in cuRAND's stream layout,
 * header-only for C and CUDA. Word k of stream (seed, s) is word k%4 of the
 * block whose counter is (k/4 low, k/4 high, s low, s high) under the key
 * (seed low, seed high): cuRAND's curand_init(seed, s, 0) sequence, and any
 * word is reached in O(1) (no state to step through). */
#ifndef TDM_RNG_PHILOX_H
#define TDM_RNG_PHILOX_H

#include <stdint.h>

#ifdef __CUDACC__
#define TDM_HD __host__ __device__
#define TDM_HDI __host__ __device__ static __forceinline__
#else
#define TDM_HD
#define TDM_HDI static inline __attribute__((always_inline))
#endif
/* TDM_HDI: small math that must inline into the vectorized CPU loops. */

#define TDM__PHILOX_M0 0xD2511F53u /* round multipliers */
#define TDM__PHILOX_M1 0xCD9E8D57u
#define TDM__PHILOX_W0 0x9E3779B9u /* key schedule (Weyl) increments */
#define TDM__PHILOX_W1 0xBB67AE85u

/* 32x32 -> 64-bit product split into halves. */
TDM_HD static inline uint32_t tdm__mulhilo32(uint32_t a, uint32_t b, uint32_t *hi) {
  uint64_t p = (uint64_t)a * (uint64_t)b;
  *hi = (uint32_t)(p >> 32);
  return (uint32_t)p;
}

/* The bijection: 10 rounds of two multiplies, a swap and key xors. */
TDM_HD static inline void tdm__philox4x32_10(const uint32_t ctr[4], uint32_t k0, uint32_t k1,
                                             uint32_t out[4]) {
  uint32_t x0 = ctr[0], x1 = ctr[1], x2 = ctr[2], x3 = ctr[3];
  for (int r = 0; r < 10; r++) {
    uint32_t hi0, hi1;
    uint32_t lo0 = tdm__mulhilo32(TDM__PHILOX_M0, x0, &hi0);
    uint32_t lo1 = tdm__mulhilo32(TDM__PHILOX_M1, x2, &hi1);
    x0 = hi1 ^ x1 ^ k0;
    x1 = lo1;
    x2 = hi0 ^ x3 ^ k1;
    x3 = lo0;
    k0 += TDM__PHILOX_W0;
    k1 += TDM__PHILOX_W1;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

/* Block `block` (words 4*block .. 4*block+3) of stream (seed, stream). */
TDM_HD static inline void tdm__philox_block(uint64_t seed, uint64_t stream, uint64_t block,
                                            uint32_t out[4]) {
  uint32_t ctr[4] = {(uint32_t)block, (uint32_t)(block >> 32), (uint32_t)stream,
                     (uint32_t)(stream >> 32)};
  tdm__philox4x32_10(ctr, (uint32_t)seed, (uint32_t)(seed >> 32), out);
}

/* Word k of stream (seed, stream). */
TDM_HD static inline uint32_t tdm__philox_word(uint64_t seed, uint64_t stream, uint64_t k) {
  uint32_t b[4];
  tdm__philox_block(seed, stream, k >> 2, b);
  return b[k & 3];
}

/* Four consecutive words starting at any word k (one block when k is a
 * multiple of 4, else the tail of one block and the head of the next;
 * selects rather than a variable index keep them in GPU registers). */
TDM_HD static inline void tdm__philox_words4(uint64_t seed, uint64_t stream, uint64_t k,
                                             uint32_t out[4]) {
  unsigned sh = (unsigned)(k & 3);
  if (sh == 0) {
    tdm__philox_block(seed, stream, k >> 2, out);
    return;
  }
  uint32_t a[4], b[4];
  tdm__philox_block(seed, stream, k >> 2, a);
  tdm__philox_block(seed, stream, (k >> 2) + 1, b);
  out[0] = sh == 1 ? a[1] : sh == 2 ? a[2] : a[3];
  out[1] = sh == 1 ? a[2] : sh == 2 ? a[3] : b[0];
  out[2] = sh == 1 ? a[3] : sh == 2 ? b[0] : b[1];
  out[3] = sh == 1 ? b[0] : sh == 2 ? b[1] : b[2];
}

#endif
