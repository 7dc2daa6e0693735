/* discrete.c -- the integer-valued draws: Poisson, binomial, Bernoulli,
 * integers on [lo, hi), bootstrap indices and random permutations. Counts
 * fill I32, I64, F32 or F64; indices fill I32 or I64 (integers also U32).
 * Limits keep every value exact in its dtype (docs/random.md). */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "rng/group.h"
#include "rng/rng_int.h"

#define TDM__COUNT_MAX 1e15 /* largest Poisson mean / binomial n (exact in f64) */

tdm_status tdm_rng_poisson(tdm_rng *r, tdm_buf *out, double lambda) {
  static const char fn[] = "tdm_rng_poisson";
  tdm__rng_req q;
  TDM__TRY(tdm__rng_begin(r, out, TDM__DT_COUNT, TDM__RNG_POISSON, &q, fn));
  double max = q.dt == TDM_I32 ? 2e9 : TDM__COUNT_MAX; /* 2e9 + 30 sd < 2^31 */
  TDM__CHECK(!tdm__rng_finite(lambda) || lambda < 0.0 || lambda > max, TDM_ERR_INVALID,
             "%s: lambda: %g, expected a value in [0, %g] for %s output", fn, lambda, max,
             tdm_dtype_name(q.dt));
  q.p[0] = lambda;
  return tdm__rng_run(r, out, &q, 150, fn);
}

tdm_status tdm_rng_binomial(tdm_rng *r, tdm_buf *out, int64_t n, double p) {
  static const char fn[] = "tdm_rng_binomial";
  tdm__rng_req q;
  TDM__TRY(tdm__rng_begin(r, out, TDM__DT_COUNT, TDM__RNG_BINOMIAL, &q, fn));
  double max = q.dt == TDM_I32 ? 2147483647.0 : TDM__COUNT_MAX;
  TDM__CHECK(n < 0 || (double)n > max, TDM_ERR_INVALID,
             "%s: n: %lld, expected a value in [0, %g] for %s output", fn, (long long)n, max,
             tdm_dtype_name(q.dt));
  TDM__CHECK(!(p >= 0.0 && p <= 1.0), TDM_ERR_INVALID, "%s: p: %g is not in [0, 1]", fn, p);
  q.p[0] = (double)n;
  q.p[1] = p;
  return tdm__rng_run(r, out, &q, 150, fn);
}

tdm_status tdm_rng_bernoulli(tdm_rng *r, tdm_buf *out, double p) {
  static const char fn[] = "tdm_rng_bernoulli";
  tdm__rng_req q;
  TDM__TRY(tdm__rng_begin(r, out, TDM__DT_COUNT | TDM__DT(TDM_U32), TDM__RNG_BERNOULLI, &q, fn));
  TDM__CHECK(!(p >= 0.0 && p <= 1.0), TDM_ERR_INVALID, "%s: p: %g is not in [0, 1]", fn, p);
  q.p[0] = p;
  return tdm__rng_run(r, out, &q, 10, fn);
}

/* Integers lo + [0, R): p[0], p[1] carry lo and R as 64-bit patterns. */
static void tdm__int_params(tdm__rng_req *q, int64_t lo, uint64_t R) {
  uint64_t ulo = (uint64_t)lo;
  memcpy(&q->p[0], &ulo, sizeof ulo);
  memcpy(&q->p[1], &R, sizeof R);
}

tdm_status tdm_rng_integers(tdm_rng *r, tdm_buf *out, int64_t lo, int64_t hi) {
  static const char fn[] = "tdm_rng_integers";
  tdm__rng_req q;
  TDM__TRY(tdm__rng_begin(r, out, TDM__DT(TDM_I32) | TDM__DT(TDM_I64) | TDM__DT(TDM_U32),
                          TDM__RNG_INTEGER, &q, fn));
  TDM__CHECK(lo >= hi, TDM_ERR_INVALID, "%s: lo, hi: [%lld, %lld) is empty", fn, (long long)lo,
             (long long)hi);
  TDM__CHECK(q.dt == TDM_I32 && (lo < INT32_MIN || hi - 1 > INT32_MAX), TDM_ERR_INVALID,
             "%s: lo, hi: [%lld, %lld) does not fit in i32", fn, (long long)lo, (long long)hi);
  TDM__CHECK(q.dt == TDM_U32 && (lo < 0 || hi - 1 > (int64_t)UINT32_MAX), TDM_ERR_INVALID,
             "%s: lo, hi: [%lld, %lld) does not fit in u32", fn, (long long)lo, (long long)hi);
  tdm__int_params(&q, lo, (uint64_t)hi - (uint64_t)lo);
  return tdm__rng_run(r, out, &q, 10, fn);
}

tdm_status tdm_rng_bootstrap(tdm_rng *r, tdm_buf *out, size_t n) {
  static const char fn[] = "tdm_rng_bootstrap";
  tdm__rng_req q;
  TDM__TRY(tdm__rng_begin(r, out, TDM__DT(TDM_I32) | TDM__DT(TDM_I64), TDM__RNG_INTEGER, &q, fn));
  TDM__CHECK(n == 0, TDM_ERR_INVALID, "%s: n: must be > 0", fn);
  TDM__CHECK(q.dt == TDM_I32 && n > (size_t)INT32_MAX + 1, TDM_ERR_INVALID,
             "%s: n: %zu indices do not fit in i32", fn, n);
  TDM__CHECK(n - 1 > (size_t)INT64_MAX, TDM_ERR_INVALID, "%s: n: %zu indices do not fit in i64", fn,
             n);
  tdm__int_params(&q, 0, (uint64_t)n);
  return tdm__rng_run(r, out, &q, 10, fn);
}

/* Fisher-Yates from the top: step k (k = 0 .. len-2) swaps a[len-1-k] with
 * a[j], j uniform on [0, len-1-k] from block first+k (tdm__below). The
 * blocks come from the host backend in batches; the swaps are serial. */
#define TDM__PERM_BATCH 4096
#define TDM__SHUFFLE(T)                                                        \
  do {                                                                         \
    T *a = po;                                                                 \
    for (size_t i = 0; i < len; i++) a[i] = (T)i;                              \
    for (size_t k0 = 0; k0 + 1 < len && s == TDM_OK; k0 += TDM__PERM_BATCH) {  \
      size_t cnt = len - 1 - k0 < TDM__PERM_BATCH ? len - 1 - k0 : TDM__PERM_BATCH; \
      bq.offset = 4 * (first + k0);                                            \
      bq.n = 4 * cnt;                                                          \
      s = ex.be->rng_fill(ex.st, &bq, w);                                      \
      for (size_t k = 0; k < cnt && s == TDM_OK; k++) {                        \
        size_t i = len - 1 - (k0 + k);                                         \
        size_t j = (size_t)tdm__below(w + 4 * k, (uint64_t)i + 1);             \
        T t = a[i];                                                            \
        a[i] = a[j];                                                           \
        a[j] = t;                                                              \
      }                                                                        \
    }                                                                          \
  } while (0)

tdm_status tdm_rng_permutation(tdm_rng *r, tdm_buf *out) {
  static const char fn[] = "tdm_rng_permutation";
  tdm__rng_req q;
  TDM__TRY(tdm__rng_begin(r, out, TDM__DT(TDM_I32) | TDM__DT(TDM_I64), TDM__RNG_INTEGER, &q, fn));
  TDM__TRY(tdm__buf_require_contig(out, fn, "out"));
  size_t len = out->n;
  TDM__CHECK(q.dt == TDM_I32 && len > (size_t)INT32_MAX + 1, TDM_ERR_INVALID,
             "%s: out: %zu elements cannot be indexed in i32", fn, len);
  uint64_t words; /* consumed as tdm_rng_integers on len values would */
  TDM__CHECK(__builtin_mul_overflow((uint64_t)len, 4, &words) ||
                 __builtin_add_overflow(words, (4 - (r->offset & 3)) & 3, &words) ||
                 __builtin_add_overflow(r->offset, words, &words),
             TDM_ERR_INVALID, "%s: out: %zu values would run past the end of the stream", fn, len);
  tdm_ctx *ctx = r->ctx; /* serial swaps: always on the host */
  tdm__exec ex = {TDM__HOST, ctx->host, ctx->host_st};
  tdm__stat_add(ctx, TDM__ST_CPU_OPS, 1);
  uint32_t *w = tdm__malloc(4 * TDM__PERM_BATCH * sizeof *w);
  TDM__CHECK(!w, TDM_ERR_NOMEM, "%s: out of host memory", fn);
  void *po;
  tdm_status s = tdm__buf_out(ctx, &ex, out, 0, &po);
  uint64_t first = tdm__rng_first_block(&q);
  tdm__rng_req bq = q;
  bq.dist = TDM__RNG_BITS;
  bq.dt = TDM_U32;
  if (s == TDM_OK) {
    if (q.dt == TDM_I32)
      TDM__SHUFFLE(int32_t);
    else
      TDM__SHUFFLE(int64_t);
  }
  tdm__free(w);
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(out, &ex);
  r->offset += tdm__rng_words(&q);
  return TDM_OK;
}
