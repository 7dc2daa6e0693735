/* rng.c -- random draws into a resident buffer: normal and uniform f64,
 * Gamma(1,1), Gamma(2,1) and Beta(2,3), each one call filling n values on
 * every thread (device: on the device). Rate: bytes written per second
 * against the memory copy ceiling. Checked by the sample mean and variance
 * against the distribution's, within 6 standard errors. --detail adds
 * normal and uniform in f32, and on the CPU normal and uniform f64 from a
 * 1-thread context (the ceiling stays the all-thread copy bandwidth). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "suite.h"

typedef enum { RG_NORMAL, RG_UNIFORM, RG_GAMMA1, RG_GAMMA2, RG_BETA, RG_KINDS } rg_kind;

static const struct {
  const char *name;
  double mean, var;
  int big; /* 1: n values of the size class; 0: a quarter (rejection samplers) */
} rg_kinds[RG_KINDS] = {
    {"normal", 0.0, 1.0, 1},
    {"uniform", 0.5, 1.0 / 12.0, 1},
    {"gamma(1,1)", 1.0, 1.0, 0},
    {"gamma(2,1)", 2.0, 2.0, 0},
    {"beta(2,3)", 0.4, 0.04, 0},
};

typedef struct rg_state {
  tdm_ctx *ctx;
  tdm_rng *rng;
  tdm_buf *x;
  rg_kind k;
} rg_state;

static tdm_status rg_draw(rg_state *s) {
  switch (s->k) {
  case RG_NORMAL: return tdm_rng_normal(s->rng, s->x, 0.0, 1.0);
  case RG_UNIFORM: return tdm_rng_uniform(s->rng, s->x, 0.0, 1.0);
  case RG_GAMMA1: return tdm_rng_gamma(s->rng, s->x, 1.0, 1.0);
  case RG_GAMMA2: return tdm_rng_gamma(s->rng, s->x, 2.0, 1.0);
  default: return tdm_rng_beta(s->rng, s->x, 2.0, 3.0);
  }
}

static tdm_status rg_once(void *p, int xfer, double *secs) {
  rg_state *s = p;
  (void)xfer;
  double t = bench_now();
  tdm_status st = rg_draw(s);
  if (st == TDM_OK) st = tdm_ctx_sync(s->ctx);
  *secs = bench_now() - t;
  return st;
}

static tdm_status rg_run(bench_run *r, bench_row *row, rg_kind k, tdm_dtype dt, size_t n,
                         int reps) {
  rg_state st = {r->ctx, NULL, NULL, k};
  tdm_status s = tdm_buf_create(r->ctx, dt, n, 1, &st.x);
  if (s == TDM_OK) s = tdm_rng_create(r->ctx, 2024, 7 + (uint64_t)k, &st.rng);
  if (s == TDM_OK) s = rg_draw(&st); /* first touch of the output out of the timing */
  if (s == TDM_OK) s = bench_time(r, row, reps, 0, rg_once, &st);
  double m[2];
  const tdm_reduce_op ops[2] = {TDM_MEAN, TDM_VAR};
  if (s == TDM_OK) s = tdm_reduce(r->ctx, st.x, 2, ops, m);
  if (s == TDM_OK) {
    bench_rate(row, (double)tdm_dtype_size(dt) * (double)n / 1e9, "GB/s",
               r->device ? r->ceil->dev_gbs : r->ceil->copy_gbs,
               r->device ? "device memory" : "memory copy");
    /* f32 values are rounded draws: that shifts the moments by far less than
     * 6 standard errors at these n */
    double v = rg_kinds[k].var, se = sqrt(v / (double)n);
    /* the variance of the sample variance: about 2 v^2 / n for these shapes */
    double sev = v * sqrt(8.0 / (double)n);
    if (bench_check(row, fabs(m[0] - rg_kinds[k].mean) < 6 * se, "mean %.6g vs %.6g (se %.2g)",
                    m[0], rg_kinds[k].mean, se))
      bench_check(row, fabs(m[1] - v) < 6 * sev, "variance %.6g vs %.6g (se %.2g)", m[1], v, sev);
  }
  tdm_rng_destroy(st.rng);
  tdm_buf_destroy(st.x);
  return s;
}

/* --detail: normal and uniform in f32, and f64 on 1 thread (CPU). */
static void rg_detail(bench_run *r, double n, int reps) {
  char size[64], cnt[32];
  snprintf(size, sizeof size, "n=%s", bench_count(n, cnt, sizeof cnt));
  for (int one = 0; one < 2; one++) {
    if (one && r->device) continue;
    bench_run r1 = *r;
    tdm_ctx *c = NULL;
    tdm_status cs = one ? bench_ctx_like(r, 1, &c) : TDM_OK;
    if (one) r1.ctx = c, r1.threads = 1;
    for (int k = RG_NORMAL; k <= RG_UNIFORM; k++) {
      char variant[40];
      snprintf(variant, sizeof variant, "%s%s", rg_kinds[k].name, one ? ", 1 thread" : "");
      bench_row row;
      bench_row_init(&r1, &row, variant, one ? "f64" : "f32", size);
      tdm_status s = cs;
      if (s == TDM_OK) s = rg_run(&r1, &row, (rg_kind)k, one ? TDM_F64 : TDM_F32, (size_t)n, reps);
      bench_finish(&r1, &row, 1, s, NULL);
    }
    tdm_ctx_destroy(c);
  }
}

void bench_rng(bench_run *r) {
  double n = r->size == BENCH_SMALL ? 1e6 : r->size == BENCH_FULL ? 5e8 : 1e8;
  int reps = bench_reps(r, r->size == BENCH_FULL ? 3 : 5);
  for (int k = 0; k < RG_KINDS; k++) {
    double nk = rg_kinds[k].big ? n : n / 4;
    char size[64], cnt[32];
    snprintf(size, sizeof size, "n=%s", bench_count(nk, cnt, sizeof cnt));
    bench_row row;
    bench_row_init(r, &row, rg_kinds[k].name, "f64", size);
    if (bench_skipping(r, &row, 1)) continue;
    tdm_status s = rg_run(r, &row, (rg_kind)k, TDM_F64, (size_t)nk, reps);
    bench_finish(r, &row, 1, s, NULL);
  }
  if (r->detail && !r->skip) rg_detail(r, n, reps);
}
