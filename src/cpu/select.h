/* select.h -- selection of order statistics in place (quickselect with a
 * branch-free partition), generated for a key type: doubles with no NaN
 * (quantile.c's copied and histogram paths) and the order-preserving
 * 64-bit keys (quant_bracket.c). TDM__SELECT_DEFINE(sfx, T) defines
 * tdm__select_ranks_<sfx>(a, m, rank, nr, base), which puts a[r - base]
 * where a sort would for every rank r in rank[0..nr) with
 * base <= r < base + m (the ranks in ascending order, each selected in
 * what is left above the one before). */
#ifndef TDM_SELECT_H
#define TDM_SELECT_H

#include <stddef.h>

#define TDM__SELECT_DEFINE(sfx, T)                                                                 \
  /* Moves a[lo..hi) below piv (le: not above it) to the front, returns                          \
   * where they end; no branch on the data (a mispredicted branch per                            \
   * element is what makes a plain partition slow). */                                            \
  static long long tdm__part_##sfx(T *a, long long lo, long long hi, T piv, int le) {             \
    long long m = lo;                                                                              \
    if (le) {                                                                                      \
      for (long long i = lo; i < hi; i++) {                                                        \
        T v = a[i];                                                                                \
        a[i] = a[m], a[m] = v, m += v <= piv;                                                      \
      }                                                                                            \
    } else {                                                                                       \
      for (long long i = lo; i < hi; i++) {                                                        \
        T v = a[i];                                                                                \
        a[i] = a[m], a[m] = v, m += v < piv;                                                       \
      }                                                                                            \
    }                                                                                              \
    return m;                                                                                      \
  }                                                                                                \
  /* Puts the k-th smallest of a[lo..hi) at a[k], smaller before, larger after. */               \
  static void tdm__select_##sfx(T *a, long long lo, long long hi, long long k) {                  \
    while (hi - lo > 16) {                                                                         \
      long long mid = lo + (hi - lo) / 2;                                                          \
      T x = a[lo], y = a[mid], z = a[hi - 1];                                                      \
      T piv = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));               \
      long long m = tdm__part_##sfx(a, lo, hi, piv, 0);                                            \
      if (k < m) {                                                                                 \
        hi = m;                                                                                    \
      } else if (m > lo) {                                                                         \
        lo = m;                                                                                    \
      } else { /* piv is the least: split off its copies, which hold a[k] or not */                \
        m = tdm__part_##sfx(a, lo, hi, piv, 1);                                                    \
        if (k < m) return;                                                                         \
        lo = m;                                                                                    \
      }                                                                                            \
    }                                                                                              \
    for (long long i = lo + 1; i < hi; i++)                                                        \
      for (long long j = i; j > lo && a[j - 1] > a[j]; j--) {                                      \
        T t = a[j - 1];                                                                            \
        a[j - 1] = a[j], a[j] = t;                                                                 \
      }                                                                                            \
  }                                                                                                \
  static void tdm__select_ranks_##sfx(T *a, long long m, const size_t *rank, size_t nr,           \
                                      long long base) {                                            \
    for (long long from = 0;;) {                                                                   \
      long long best = -1;                                                                         \
      for (size_t r = 0; r < nr; r++) {                                                            \
        long long lr = (long long)rank[r] - base;                                                  \
        if (lr >= from && lr < m && (best < 0 || lr < best)) best = lr;                            \
      }                                                                                            \
      if (best < 0) break;                                                                         \
      tdm__select_##sfx(a, from, m, best);                                                         \
      from = best + 1;                                                                             \
    }                                                                                              \
  }

#endif
