/* isa_tiers.c -- the CPU kernels tier by tier: each SIMD tier the machine
 * has forced in turn through the library's test hooks, timing what the
 * scenarios time on the best tier only: vecmath's z = exp(x) + 3*sin(x)
 * (tdm_eval, f64 and f32), compute-once's one-pass min/max/mean/var
 * (tdm_reduce) and rng's normal f64 draws, at each ISA level the machine
 * has (tdm__isa_force; the kernel table names each family's variant at
 * that level: a level without one of its own runs the one below). Not a scenario: it needs internals
 * (headers under src/cpu/), and this is the one bench file that includes them.
 * Usage: isa_tiers [N] [--reps R] [--threads T]. Prints a table: the best
 * of R runs, GB/s of the bytes each op reads and writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/ktab.h"
#include "cpu/vexec.h"
#include "suite.h"

typedef enum { IT_EVAL, IT_REDUCE, IT_RNG } it_op;

typedef struct it_state {
  tdm_ctx *ctx;
  tdm_expr *e;
  tdm_rng *rng;
  tdm_buf *x[2], *z[2]; /* f64, f32 */
} it_state;

/* Best of reps runs of op on dtype k (0 f64, 1 f32), seconds. */
static double it_time(it_state *s, it_op op, int k, int reps) {
  static const tdm_reduce_op ops[4] = {TDM_MIN, TDM_MAX, TDM_MEAN, TDM_VAR};
  double best = 1e300, out[4];
  for (int r = 0; r < reps; r++) {
    double t = bench_now();
    tdm_status st = op == IT_EVAL     ? tdm_expr_eval(s->e, s->z[k], &s->x[k])
                    : op == IT_REDUCE ? tdm_reduce(s->ctx, s->x[k], 4, ops, out)
                                      : tdm_rng_normal(s->rng, s->z[k], 0.0, 1.0);
    t = bench_now() - t;
    if (st != TDM_OK) {
      fprintf(stderr, "isa_tiers: %s\n", tdm_last_error());
      exit(1);
    }
    if (t < best) best = t;
  }
  return best;
}

static void it_row(const char *op, const char *tier, const char *dt, double s, double bytes) {
  printf("%-26s %-14s %-5s %10.4f %9.2f\n", op, tier, dt, s, bytes / s / 1e9);
}

int main(int argc, char **argv) {
  size_t n = 50000000;
  int reps = 5, threads = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (argv[i][0] != '-') n = (size_t)strtod(argv[i], NULL);
    else {
      fprintf(stderr, "usage: isa_tiers [N] [--reps R] [--threads T]\n");
      return 2;
    }
  }
  if (n == 0 || reps < 1) return 2;
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = TDM_CPU;
  cfg.threads = threads;
  it_state s = {0};
  const tdm_dtype dts[2] = {TDM_F64, TDM_F32};
  tdm_status st = tdm_ctx_create(&cfg, &s.ctx);
  for (int k = 0; k < 2 && st == TDM_OK; k++) {
    st = tdm_buf_create(s.ctx, dts[k], n, 1, &s.x[k]);
    if (st == TDM_OK) st = tdm_buf_create(s.ctx, dts[k], n, 1, &s.z[k]);
  }
  if (st == TDM_OK) st = tdm_rng_create(s.ctx, 2024, 2, &s.rng);
  for (int k = 0; k < 2 && st == TDM_OK; k++) st = tdm_rng_normal(s.rng, s.x[k], 0.0, 1.0);
  if (st == TDM_OK) st = tdm_expr_compile(s.ctx, "exp(x) + 3*sin(x)", "x", &s.e);
  if (st != TDM_OK) {
    fprintf(stderr, "isa_tiers: %s\n", tdm_last_error());
    return 1;
  }
  printf("isa_tiers: n = %zu, %d threads, best of %d\n", n, tdm_ctx_threads(s.ctx), reps);
  printf("%-26s %-14s %-5s %10s %9s\n", "op", "tier", "dtype", "best_s", "GB/s");
  for (int t = 0; t < TDM__ISA_COUNT; t++) {
    if (tdm__isa_force(t) != t) continue; /* not on this CPU */
    const tdm__ktab *k = tdm__ktab_get();
    char tier[32];
    for (int d = 0; d < 2; d++) {
      snprintf(tier, sizeof tier, "%s/%s", tdm__isa_name(t), k->vexec->name);
      it_row("eval exp(x) + 3*sin(x)", tier, d ? "f32" : "f64", it_time(&s, IT_EVAL, d, reps),
             2.0 * (double)n * (double)tdm_dtype_size(dts[d]));
    }
    snprintf(tier, sizeof tier, "%s/%s", tdm__isa_name(t), k->reduce_name);
    it_row("reduce min/max/mean/var", tier, "f64", it_time(&s, IT_REDUCE, 0, reps), 8.0 * (double)n);
    snprintf(tier, sizeof tier, "%s/%s", tdm__isa_name(t), k->rng_name);
    it_row("rng normal", tier, "f64", it_time(&s, IT_RNG, 0, reps), 8.0 * (double)n);
  }
  tdm__isa_force(-1);
  tdm_expr_destroy(s.e);
  tdm_rng_destroy(s.rng);
  for (int k = 0; k < 2; k++) tdm_buf_destroy(s.x[k]), tdm_buf_destroy(s.z[k]);
  tdm_ctx_destroy(s.ctx);
  return 0;
}
