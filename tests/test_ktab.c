/* test_ktab.c -- the one ISA probe and the CPU kernel table: the probe
 * against the raw cpuid bits (and /proc/cpuinfo's flags as a bound), tdm__isa_force clamping and switching the
 * table, each level's table pointing at that level's kernels, and every
 * level's kernels giving the scalar reference's bits (reductions, random
 * numbers, arithmetic expressions, the long sort's keys and buckets) or
 * within 2 ulp of them (SLEEF's exp and sin, 1 ulp each from the true
 * value), on CPU and on sim. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cpu/fit.h"
#include "cpu/ktab.h"
#include "cpu/reduce_int.h"
#include "cpu/rng_int.h"
#include "cpu/qscan.h"
#include "cpu/split_int.h"
#include "cpu/vexec.h"
#include "support/support.h"

#if defined(__x86_64__)
#include <cpuid.h>

/* The level from cpuid's feature bits and the OS's enabled register state
 * (xgetbv), read here without the library's probe. */
static int cpuid_level(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return TDM__ISA_SCALAR;
  if (!(d >> 26 & 1)) return TDM__ISA_SCALAR; /* SSE2 */
  int fma = c >> 12 & 1, osxsave = c >> 27 & 1, avx = c >> 28 & 1;
  if (!osxsave || !avx || !fma) return TDM__ISA_SSE2;
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  (void)hi;
  if ((lo & 0x6) != 0x6) return TDM__ISA_SSE2; /* XMM and YMM state */
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b >> 5 & 1)) return TDM__ISA_SSE2; /* AVX2 */
  int f = b >> 16 & 1, dq = b >> 17 & 1, bw = b >> 30 & 1, vl = b >> 31 & 1;
  if (f && dq && bw && vl && (lo & 0xe0) == 0xe0) return TDM__ISA_AVX512; /* opmask, ZMM state */
  return TDM__ISA_AVX2;
}
#endif

/* The level /proc/cpuinfo's flags give (x86 Linux), or -1 if unreadable. */
#if defined(__x86_64__)
static int cpuinfo_level(void) {
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return -1;
  static char line[1 << 16];
  int level = -1;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "flags", 5) != 0) continue;
    char *p = strchr(line, '\n');
    if (p) *p = ' ';
#define HAS(flag) (strstr(line, " " flag " ") != NULL)
    level = TDM__ISA_SCALAR;
    if (HAS("sse2")) level = TDM__ISA_SSE2;
    if (level == TDM__ISA_SSE2 && HAS("avx2") && HAS("fma")) level = TDM__ISA_AVX2;
    if (level == TDM__ISA_AVX2 && HAS("avx512f") && HAS("avx512dq") && HAS("avx512vl") &&
        HAS("avx512bw"))
      level = TDM__ISA_AVX512;
#undef HAS
    break;
  }
  fclose(f);
  return level;
}
#endif

Test(ktab, probe_matches_cpuinfo_and_the_hook_clamps) {
  int best = tdm__isa_best();
  cr_assert(best >= TDM__ISA_SCALAR && best < TDM__ISA_COUNT, "best %d", best);
#if defined(__x86_64__)
  cr_assert_eq(best, cpuid_level(), "probe %d, cpuid %d", best, cpuid_level());
  /* at most what the kernel reports (less under an emulator such as
   * valgrind, whose virtual CPU lacks AVX-512) */
  int os = cpuinfo_level();
  if (os >= 0) cr_assert_leq(best, os, "probe %d, /proc/cpuinfo %d", best, os);
#endif
  cr_assert_eq(tdm__isa(), best);
  cr_assert_eq(tdm__ktab_get(), tdm__ktab_at(best));
  for (int l = TDM__ISA_SCALAR; l <= best; l++) {
    cr_assert_eq(tdm__isa_force(l), l);
    cr_assert_eq(tdm__isa(), l);
    cr_assert_eq(tdm__ktab_get(), tdm__ktab_at(l));
    cr_assert_eq(tdm__ktab_get()->isa, l);
  }
  cr_assert_eq(tdm__isa_force(TDM__ISA_SCALAR), TDM__ISA_SCALAR);
  cr_assert_eq(tdm__isa_force(TDM__ISA_COUNT + 3), best, "above the machine: clamped");
  cr_assert_eq(tdm__isa_force(TDM__ISA_SCALAR), TDM__ISA_SCALAR);
  cr_assert_eq(tdm__isa_force(-1), best, "-1: the best");
  cr_assert_eq(tdm__ktab_get(), tdm__ktab_at(best));
  cr_assert_null(tdm__ktab_at(-1));
  cr_assert_null(tdm__ktab_at(TDM__ISA_COUNT));
  cr_assert_str_eq(tdm__isa_name(TDM__ISA_AVX2), "avx2");
  cr_assert_null(tdm__isa_name(TDM__ISA_COUNT));
}

/* The widest expression tier built in at or below level. */
static const tdm__visa *tier_for(int level) {
  const tdm__visa *const tiers[TDM__ISA_COUNT] = {&tdm__visa_scalar, &tdm__visa_sse2,
                                                  &tdm__visa_avx2, &tdm__visa_avx512};
  for (int l = level; l > 0; l--)
    if (tiers[l]->f64) return tiers[l];
  return &tdm__visa_scalar;
}

Test(ktab, each_level_points_at_its_kernels) {
  int best = tdm__isa_best();
  for (int l = TDM__ISA_SCALAR; l < TDM__ISA_COUNT; l++) {
    const tdm__ktab *t = tdm__ktab_at(l);
    cr_assert_eq(t->isa, l);
    cr_assert_eq(t->vexec, tier_for(l), "level %d: tier %s", l, t->vexec->name);
    cr_assert_not_null(t->vexec->f32);
    cr_assert_not_null(t->vexec->f64fast);
    cr_assert_not_null(t->vexec->stream);
    int avx2 = 0, avx512 = 0;
#ifdef TDM__ISA_X86
    avx2 = l >= TDM__ISA_AVX2, avx512 = l >= TDM__ISA_AVX512;
    if (avx2) {
      cr_assert_eq(t->reduce_f64, tdm__rblock_avx2_f64, "level %d", l);
      cr_assert_eq(t->reduce_f32, tdm__rblock_avx2_f32, "level %d", l);
      cr_assert_eq(t->rng_reject, tdm__rng_range_fma, "level %d", l);
      cr_assert_eq(t->rng_chunk, avx512 ? tdm__rng_chunk_avx512 : tdm__rng_chunk_avx2);
      cr_assert_eq(t->rng_gamma, avx512 ? tdm__rng_gamma_avx512 : tdm__rng_gamma_avx2);
      cr_assert_eq(t->rng_beta, avx512 ? tdm__rng_beta_avx512 : tdm__rng_beta_avx2);
      cr_assert_eq(t->gram_f64, tdm__gram_avx2_f64, "level %d", l);
      cr_assert_eq(t->gram_f32, tdm__gram_avx2_f32, "level %d", l);
      cr_assert_eq(t->gram_fill_f64, tdm__gram_fill_avx2_f64, "level %d", l);
      cr_assert_eq(t->gram_fill_f32, tdm__gram_fill_avx2_f32, "level %d", l);
    }
#endif
    if (!avx2) { /* the plain-C reference kernels */
      cr_assert_eq(t->reduce_f64, tdm__rblock_c_f64, "level %d", l);
      cr_assert_eq(t->reduce_f32, tdm__rblock_c_f32, "level %d", l);
      cr_assert_eq(t->rng_chunk, tdm__rng_chunk_c, "level %d", l);
      cr_assert_eq(t->rng_gamma, tdm__rng_range_c);
      cr_assert_eq(t->rng_beta, tdm__rng_range_c);
      cr_assert_eq(t->rng_reject, tdm__rng_range_c);
      cr_assert(!t->gram_f64 && !t->gram_f32 && !t->gram_fill_f64 && !t->gram_fill_f32,
                "level %d: X'WX is syrk's", l);
    }
    cr_assert_eq(t->split_cls, avx512 ? tdm__split_cls_avx512 : tdm__split_cls_c, "level %d", l);
    cr_assert_eq(t->split_scan, avx512 ? tdm__split_scan_avx512 : tdm__split_scan_c, "level %d", l);
    cr_assert_eq(t->split_out, avx512 ? tdm__split_out_avx512 : tdm__split_out_c, "level %d", l);
    cr_assert_eq(t->quant_scan, avx512 ? tdm__qscan_avx512 : tdm__qscan_c, "level %d", l);
    cr_assert_eq(t->rng_vec, avx2, "level %d", l);
    cr_assert_str_eq(t->reduce_name, avx2 ? "avx2" : "c");
    cr_assert_str_eq(t->rng_name, avx512 ? "avx512" : avx2 ? "avx2" : "scalar");
    /* forcing a level the machine has puts exactly this table in force */
    if (l <= best) {
      tdm__isa_force(l);
      cr_assert_eq(tdm__ktab_get(), t);
    }
  }
  tdm__isa_force(-1);
}

/* Reduction blocks, called through each table: the reference's bits
 * (the versions add in the same lane order), NaN and inf included. */
Test(ktab, reduce_blocks_equal_the_reference) {
  enum { N = TDM__RBLOCK };
  static double x[N];
  static float xf[N];
  ts_rng g;
  ts_seed(&g, 11);
  ts_fill(&g, x, N, -3, 1e4);
  for (size_t i = 0; i < N; i++) xf[i] = (float)x[i];
  const tdm__ktab *ref = tdm__ktab_at(TDM__ISA_SCALAR);
  static const size_t ns[] = {1, 15, 16, 17, 1000, N};
  for (int l = TDM__ISA_SCALAR; l <= tdm__isa_best(); l++) {
    const tdm__ktab *t = tdm__ktab_at(l);
    for (int pass = 0; pass < 3; pass++) {
      if (pass == 1) x[700] = __builtin_inf(), xf[700] = __builtin_inff();
      if (pass == 2) x[33] = __builtin_nan(""), xf[33] = __builtin_nanf("");
      for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
        tdm__moments a, b, af, bf;
        ref->reduce_f64(x, ns[k], &a);
        t->reduce_f64(x, ns[k], &b);
        ref->reduce_f32(xf, ns[k], &af);
        t->reduce_f32(xf, ns[k], &bf);
        const double *pa = &a.n, *pb = &b.n, *qa = &af.n, *qb = &bf.n;
        for (size_t f = 0; f < sizeof a / sizeof(double); f++) {
          cr_assert(ts_same_bits(pa[f], pb[f]), "level %d pass %d n %zu field %zu: %a vs %a", l,
                    pass, ns[k], f, pb[f], pa[f]);
          cr_assert(ts_same_bits(qa[f], qb[f]), "f32 level %d pass %d n %zu field %zu", l, pass,
                    ns[k], f);
        }
      }
    }
  }
}

/* ulps between two finite values of the same sign, as doubles or floats. */
static unsigned long long ulps(double a, double b, int f32) {
  int64_t ia, ib;
  if (f32) {
    float fa = (float)a, fb = (float)b;
    int32_t ja, jb;
    memcpy(&ja, &fa, 4);
    memcpy(&jb, &fb, 4);
    ia = ja, ib = jb;
  } else {
    memcpy(&ia, &a, 8);
    memcpy(&ib, &b, 8);
  }
  return ia > ib ? (unsigned long long)(ia - ib) : (unsigned long long)(ib - ia);
}

#define NE 4099 /* not a multiple of any tier's block or lanes */

/* src over x at the level in force on ctx, f64 or f32, into out. */
static void eval_at(tdm_ctx *ctx, const char *src, tdm_dtype dt, const double *x, double *out) {
  tdm_buf *bx = ts_buf(ctx, dt, NE, 1, x), *bz = ts_buf(ctx, dt, NE, 1, NULL);
  cr_assert_eq(tdm_eval(ctx, src, "x", bz, &bx), TDM_OK, "%s", tdm_last_error());
  ts_read(bz, out);
  tdm_buf_destroy(bx);
  tdm_buf_destroy(bz);
}

/* Expressions through the tier each level puts in force, on CPU and on
 * sim (which runs the same table on its queue thread). */
Test(ktab, expression_tiers_match_the_scalar_tier) {
  static double x[NE], ref[NE], got[NE];
  ts_rng g;
  ts_seed(&g, 5);
  ts_fill(&g, x, NE, -4, 4);
  static const struct {
    const char *src;
    unsigned long long ulp; /* 0: the same bits */
  } cases[] = {{"x*2 + 1 - x*x/3", 0}, {"abs(x) - 0.5*x", 0}, {"exp(x)", 2}, {"sin(x)", 2}};
  tdm_ctx *ctxs[2] = {ts_ctx(TDM_CPU, 2), ts_ctx(TDM_SIM, 2)};
  for (int c = 0; c < 4; c++)
    for (int f32 = 0; f32 < 2; f32++) {
      tdm_dtype dt = f32 ? TDM_F32 : TDM_F64;
      tdm__isa_force(TDM__ISA_SCALAR);
      eval_at(ctxs[0], cases[c].src, dt, x, ref);
      for (int b = 0; b < 2; b++)
        for (int l = TDM__ISA_SCALAR; l <= tdm__isa_best(); l++) {
          tdm__isa_force(l);
          eval_at(ctxs[b], cases[c].src, dt, x, got);
          for (size_t i = 0; i < NE; i++) {
            unsigned long long u = ulps(got[i], ref[i], f32); /* f32: float ulps */
            cr_assert_leq(u, cases[c].ulp, "%s %s on %s level %s at %zu: %a vs scalar %a (%llu ulp)",
                          cases[c].src, f32 ? "f32" : "f64", b ? "sim" : "cpu", tdm__isa_name(l),
                          i, got[i], ref[i], u);
          }
        }
    }
  tdm__isa_force(-1);
  tdm_ctx_destroy(ctxs[0]);
  tdm_ctx_destroy(ctxs[1]);
}

typedef enum { R_NORMAL, R_UNIFORM, R_GAMMA, R_BETA, R_POISSON, R_COUNT } rkind;

/* One fill of kind k at the level in force: a fresh stream each time. */
static void draw(tdm_ctx *ctx, rkind k, tdm_dtype dt, size_t n, double *out) {
  tdm_rng *r = NULL;
  cr_assert_eq(tdm_rng_create(ctx, 2024, 7, &r), TDM_OK, "%s", tdm_last_error());
  tdm_buf *b = ts_buf(ctx, dt, n, 1, NULL);
  tdm_status s = k == R_NORMAL    ? tdm_rng_normal(r, b, 1.0, 2.0)
                 : k == R_UNIFORM ? tdm_rng_uniform(r, b, -1.0, 3.0)
                 : k == R_GAMMA   ? tdm_rng_gamma(r, b, 0.7, 1.5)
                 : k == R_BETA    ? tdm_rng_beta(r, b, 2.0, 3.0)
                                  : tdm_rng_poisson(r, b, 4.0);
  cr_assert_eq(s, TDM_OK, "%s", tdm_last_error());
  ts_read(b, out);
  tdm_buf_destroy(b);
  tdm_rng_destroy(r);
}

/* The RNG fills of each level: the scalar group code's bits. */
Test(ktab, rng_fills_equal_the_reference) {
  enum { NR = 5003 };
  static double ref[NR], got[NR];
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  for (int k = 0; k < R_COUNT; k++)
    for (int f32 = 0; f32 < 2; f32++) {
      tdm_dtype dt = f32 ? TDM_F32 : TDM_F64;
      tdm__isa_force(TDM__ISA_SCALAR);
      draw(ctx, (rkind)k, dt, NR, ref);
      for (int l = TDM__ISA_SSE2; l <= tdm__isa_best(); l++) {
        tdm__isa_force(l);
        draw(ctx, (rkind)k, dt, NR, got);
        for (size_t i = 0; i < NR; i++)
          cr_assert(ts_same_bits(got[i], ref[i]), "kind %d %s level %s at %zu: %a vs %a", k,
                    f32 ? "f32" : "f64", tdm__isa_name(l), i, got[i], ref[i]);
      }
    }
  tdm__isa_force(-1);
  tdm_ctx_destroy(ctx);
}

/* The long sort's fine-count scan: every level's prefix sums and list of
 * bins over 2 equal a serial loop's, for counts of 0 to 40 in each of 16,
 * 48 and 2^16 bins. */
Test(ktab, split_scan_equals_a_serial_loop) {
  enum { MAXB = 1 << 16 };
  static uint32_t h0[MAXB], h1[MAXB], want[MAXB], l1[MAXB + 1], wl[MAXB];
  size_t sizes[3] = {16, 48, MAXB};
  for (int z = 0; z < 3; z++) {
    size_t nb = sizes[z], nw = 0;
    uint32_t run = 0;
    for (size_t v = 0; v < nb; v++) {
      uint64_t m = ts_mix(v + 1000 * (uint64_t)z);
      h0[v] = m % 4 ? (uint32_t)(m >> 8) % 4 : (uint32_t)(m >> 8) % 41;
      want[v] = run, run += h0[v];
      if (h0[v] > 2) wl[nw++] = (uint32_t)v;
    }
    for (int l = TDM__ISA_SCALAR; l <= tdm__isa_best(); l++) {
      memcpy(h1, h0, nb * sizeof *h1);
      uint32_t nl = tdm__ktab_at(l)->split_scan(h1, nb, l1);
      cr_assert_eq(nl, nw, "%zu bins, level %d: %u listed, not %zu", nb, l, nl, nw);
      cr_assert_eq(memcmp(h1, want, nb * sizeof *h1), 0, "%zu bins, level %d: sums differ", nb, l);
      cr_assert_eq(memcmp(l1, wl, nw * sizeof *l1), 0, "%zu bins, level %d: lists differ", nb, l);
    }
  }
}

/* The long sort's way out of a bucket: keys in order but for disjoint
 * swapped neighbours come out as the values of the sorted keys, at every
 * level, every kind (F32 writes 32-bit words), for lengths 1 to 40 and
 * longer, with the output at each of the 8 offsets within a line (the
 * vector kernel's head) and NaN keys at the end. */
Test(ktab, split_out_orders_swapped_pairs) {
  enum { MAXN = 1100 };
  static uint64_t keys[MAXN], a[MAXN], want[MAXN], buf[MAXN + 16];
  static uint32_t want32[MAXN];
  ts_rng r;
  ts_seed(&r, 11);
  for (int kind = TDM__SPLIT_F64; kind <= TDM__SPLIT_F32; kind++)
    for (size_t n = 1; n < MAXN; n = n < 40 ? n + 1 : n * 3 + 1) {
      for (size_t i = 0; i < n; i++) { /* sorted keys with ties, some NaN keys at the end */
        double v = ts_uniform(&r, -4, 4);
        if (i % 7 == 3) v = 0.5;
        uint64_t u;
        if (kind == TDM__SPLIT_F32) {
          float f = (float)v;
          uint32_t w;
          memcpy(&w, &f, 4);
          u = w;
        } else {
          memcpy(&u, &v, 8);
        }
        keys[i] = tdm__split_key(kind, u);
      }
      if (kind != TDM__SPLIT_I64 && n > 4) keys[n - 1] = keys[n - 2] = UINT64_MAX;
      for (size_t i = 1; i < n; i++) /* insertion sort: the reference order */
        for (size_t j = i; j > 0 && keys[j - 1] > keys[j]; j--) {
          uint64_t t = keys[j];
          keys[j] = keys[j - 1], keys[j - 1] = t;
        }
      for (size_t i = 0; i < n; i++) want[i] = tdm__split_unkey(kind, keys[i]);
      for (size_t i = 0; i < n; i++) want32[i] = (uint32_t)want[i];
      size_t es = tdm__split_width(kind);
      memcpy(a, keys, n * sizeof *a);
      for (size_t i = 0; i + 1 < n; i++) /* swap about a third of the pairs, none overlapping */
        if (ts_mix(i + 31 * n) % 3 == 0) {
          uint64_t t = a[i];
          a[i] = a[i + 1], a[i + 1] = t;
          i++;
        }
      for (int l = TDM__ISA_SCALAR; l <= tdm__isa_best(); l++)
        for (size_t off = 0; off < 8; off++) {
          char *o = (char *)(((uintptr_t)buf + 63) & ~(uintptr_t)63) + off * es;
          memset(o, 0xab, n * es);
          tdm__ktab_at(l)->split_out(kind, a, o, n);
          cr_assert_eq(memcmp(o, es == 4 ? (void *)want32 : (void *)want, n * es), 0,
                       "kind %d n %zu level %d offset %zu", kind, n, l, off);
        }
    }
}

/* The long quantile's bracket scan: every level's counts and kept keys
 * (in order) equal the plain-C kernel's, on values with NaN, -0 and
 * infinities, 1 to 8 brackets, with room for a few keys at a time (the
 * kernel stops early and is called again) and a tail shorter than a vector. */
static void qscan_run(tdm__qscan_fn f, const double *x, size_t n, const uint64_t *lo,
                      const uint64_t *hi, size_t nbr, size_t room, uint64_t *cnt, uint64_t *kept,
                      size_t *nk) {
  uint64_t buf[64];
  memset(cnt, 0, 17 * sizeof *cnt);
  *nk = 0;
  for (size_t i = 0; i < n;) {
    size_t fill = 0;
    i += f(x + i, n - i, lo, hi, nbr, cnt, cnt + 8, cnt + 16, buf, room, &fill);
    memcpy(kept + *nk, buf, fill * sizeof *buf);
    *nk += fill;
  }
}

Test(ktab, quant_scan_equals_the_reference) {
  enum { NX = 4099 };
  static double x[NX];
  static uint64_t k0[NX], k1[NX];
  uint64_t c0[17], c1[17], lo[8], hi[8];
  for (size_t i = 0; i < NX; i++) {
    uint64_t m = ts_mix(i + 77);
    x[i] = (double)(int64_t)(m % 2001) / 100.0 - 10.0;
    if (m % 97 == 0) x[i] = (m >> 20) % 2 ? NAN : -NAN;
    if (m % 89 == 0) x[i] = (m >> 20) % 2 ? -0.0 : INFINITY;
  }
  for (size_t nbr = 1; nbr <= 8; nbr++) {
    for (size_t b = 0; b < nbr; b++) { /* disjoint brackets in order */
      lo[b] = tdm__key_f64(-10.0 + 2.5 * (double)b);
      hi[b] = tdm__key_f64(-10.0 + 2.5 * (double)b + 1.0);
    }
    for (size_t room = 8; room <= 64; room += 56) {
      size_t n0, n1;
      qscan_run(tdm__qscan_c, x, NX, lo, hi, nbr, room, c0, k0, &n0);
      cr_assert_gt(n0, nbr * 50, "the reference kept %zu", n0);
      for (int l = TDM__ISA_SCALAR; l <= tdm__isa_best(); l++) {
        qscan_run(tdm__ktab_at(l)->quant_scan, x, NX, lo, hi, nbr, room, c1, k1, &n1);
        cr_assert_eq(memcmp(c0, c1, sizeof c0), 0, "%zu brackets, room %zu, level %d: counts", nbr,
                     room, l);
        cr_assert_eq(n1, n0, "%zu brackets, level %d: kept %zu vs %zu", nbr, l, n1, n0);
        cr_assert_eq(memcmp(k0, k1, n0 * sizeof *k0), 0, "%zu brackets, level %d: keys", nbr, l);
      }
    }
  }
  /* the reference against a plain count */
  uint64_t below = 0, le = 0, nan = 0;
  for (size_t i = 0; i < NX; i++) {
    uint64_t k = tdm__key_f64(x[i]);
    below += k < lo[3], le += k <= hi[3], nan += x[i] != x[i];
  }
  cr_assert(c0[3] == below && c0[8 + 3] == le && c0[16] == nan, "counts of the reference");
}

/* The long sort's classify kernel: every level's keys and bucket ids equal
 * the plain-C kernel's, for F64 (NaN of both signs, -0, infinities,
 * subnormals, values outside the sample) and I64, with a tail shorter
 * than a vector. */
Test(ktab, split_classify_equals_the_reference) {
  enum { NS = 4096, NX = 1003 };
  static uint64_t smp[NS], x[NX], k0[NX], k1[NX];
  static uint32_t i0[NX], i1[NX], xf[NX];
  ts_rng r;
  ts_seed(&r, 5);
  for (int kind = TDM__SPLIT_F64; kind <= TDM__SPLIT_F32; kind++) {
    for (size_t i = 0; i < NS; i++) {
      double v = ts_uniform(&r, -3, 3);
      float f = (float)v;
      uint32_t w;
      memcpy(&smp[i], &v, 8), memcpy(&w, &f, 4);
      smp[i] = tdm__split_key(kind, kind == TDM__SPLIT_F32 ? w : smp[i]);
    }
    for (size_t i = 0; i < NX; i++) {
      double v = i % 5 == 0 ? ts_uniform(&r, -1e6, 1e6) : ts_uniform(&r, -3, 3);
      memcpy(&x[i], &v, 8);
    }
    double sp[6] = {NAN, -NAN, -0.0, INFINITY, -INFINITY, 4e-320};
    for (int i = 0; i < 6; i++) memcpy(&x[7 * i + 1], &sp[i], 8);
    x[NX - 1] = UINT64_MAX, x[NX - 2] = 0;
    for (size_t i = 0; i < NX; i++) { /* the F32 column: the same values narrowed */
      double v;
      memcpy(&v, &x[i], 8);
      float f = (float)v;
      memcpy(&xf[i], &f, 4);
    }
    xf[NX - 1] = UINT32_MAX, xf[NX - 3] = 0x00000001u; /* a NaN pattern, the least subnormal */
    const void *col = kind == TDM__SPLIT_F32 ? (const void *)xf : (const void *)x;
    tdm__splan P;
    cr_assert_eq(tdm__splan_build(&P, kind, smp, NS, (size_t)1 << 26, 1 << 14), 0);
    cr_assert_gt(P.nb, 100, "%zu buckets", P.nb);
    tdm__split_cls_c(&P, col, NX, k0, i0);
    for (size_t i = 1; i < NX; i++) /* the map is monotone in the key */
      for (size_t j = 0; j < i; j += 97) {
        if (k0[j] < k0[i]) cr_assert_leq(i0[j], i0[i], "kind %d: keys %zu < %zu, buckets %u > %u", kind, j, i, i0[j], i0[i]);
        if (k0[j] > k0[i]) cr_assert_geq(i0[j], i0[i]);
      }
    for (int l = TDM__ISA_SCALAR; l <= tdm__isa_best(); l++) {
      memset(k1, 0, sizeof k1), memset(i1, 0xff, sizeof i1);
      tdm__ktab_at(l)->split_cls(&P, col, NX, k1, i1);
      cr_assert_eq(memcmp(k0, k1, sizeof k0), 0, "kind %d level %d: keys differ", kind, l);
      cr_assert_eq(memcmp(i0, i1, sizeof i0), 0, "kind %d level %d: buckets differ", kind, l);
    }
    tdm__splan_free(&P);
  }
}
