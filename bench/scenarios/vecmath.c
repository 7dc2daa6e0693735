/* vecmath.c -- a vectorized calculation: z = exp(x) + 3*sin(x) with
 * x ~ N(0,1), one fused pass (one compiled expression), f64 and f32.
 * Rate: bytes read + written per second against the copy bandwidth.
 * Checked on sampled elements against libm in long double. --detail adds
 * the same rows from a context made with TDM_MATH=fast (SLEEF's 3.5-ulp
 * sin) and, on the CPU, from a 1-thread context (the ceiling stays the
 * all-thread copy bandwidth). The SIMD tiers one by one need the library's
 * internals: bench/tools/isa_tiers.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"

typedef struct vm_state {
  tdm_ctx *ctx;
  tdm_expr *e;
  tdm_buf *x, *z;
  void *hx, *hz; /* the buffers' host memory (wrapped) */
} vm_state;

static tdm_status vm_once(void *p, int xfer, double *secs) {
  vm_state *s = p;
  tdm_status st = TDM_OK;
  tdm_buf *in[1] = {s->x};
  double t = bench_now();
  if (xfer) st = tdm_buf_write(s->x, s->hx); /* host copy is current: next use copies it */
  if (st == TDM_OK) st = tdm_expr_eval(s->e, s->z, in);
  if (st == TDM_OK) st = xfer ? tdm_buf_read(s->z, s->hz) : tdm_ctx_sync(s->ctx);
  *secs = bench_now() - t;
  return st;
}

static void vm_check(bench_row *row, tdm_dtype dt, const void *hx, const void *hz, size_t n) {
  double pick[4096];
  bench_pick(pick, 4096, 5);
  double tol = dt == TDM_F64 ? 1e-12 : 2e-5;
  for (int k = 0; k < 4096; k++) {
    size_t i = k < 16 ? (size_t)k : (size_t)(pick[k] * (double)n);
    double x = dt == TDM_F64 ? ((const double *)hx)[i] : ((const float *)hx)[i];
    double z = dt == TDM_F64 ? ((const double *)hz)[i] : ((const float *)hz)[i];
    long double ref = expl(x) + 3.0L * sinl(x);
    double scale = exp(x) + 3.0 * fabs(sin(x));
    if (!bench_check(row, bench_close(z, (double)ref, tol, scale),
                     "z[%zu] = %.17g vs libm exp(x)+3sin(x) = %.17g at x = %.17g", i, z,
                     (double)ref, x))
      return;
  }
}

static tdm_status vm_run(bench_run *r, bench_row *row, tdm_dtype dt, size_t n, int reps) {
  size_t es = tdm_dtype_size(dt);
  vm_state st = {r->ctx, NULL, NULL, NULL, malloc(n * es), malloc(n * es)};
  tdm_rng *rng = NULL;
  tdm_status s = st.hx && st.hz ? TDM_OK : TDM_ERR_NOMEM;
  bench_progress(r, "setup: x ~ N(0,1), n = %zu %s", n, tdm_dtype_name(dt));
  if (s == TDM_OK) memset(st.hz, 0, n * es); /* first-touch page faults out of the timing */
  if (s == TDM_OK) s = tdm_buf_wrap(r->ctx, dt, n, 1, st.hx, &st.x);
  if (s == TDM_OK) s = tdm_buf_wrap(r->ctx, dt, n, 1, st.hz, &st.z);
  if (s == TDM_OK) s = tdm_rng_create(r->ctx, 2024, 2, &rng);
  if (s == TDM_OK) s = tdm_rng_normal(rng, st.x, 0.0, 1.0);
  if (s == TDM_OK) s = tdm_buf_read(st.x, st.hx);
  if (s == TDM_OK) s = tdm_expr_compile(r->ctx, "exp(x) + 3*sin(x)", "x", &st.e);
  if (s == TDM_OK) s = bench_time(r, row, reps, 1, vm_once, &st);
  if (s == TDM_OK) s = tdm_buf_read(st.z, st.hz);
  if (s == TDM_OK) {
    bench_rate(row, 2.0 * (double)n * (double)es / 1e9, "GB/s",
               r->device ? r->ceil->dev_gbs : r->ceil->copy_gbs,
               r->device ? "device memory" : "memory copy");
    vm_check(row, dt, st.hx, st.hz, n);
  }
  tdm_expr_destroy(st.e);
  tdm_rng_destroy(rng);
  tdm_buf_destroy(st.x);
  tdm_buf_destroy(st.z);
  free(st.hx);
  free(st.hz);
  return s;
}

/* --detail: variant rows from another context (fast math, 1 thread). */
static void vm_detail(bench_run *r, const char *size, size_t n, int reps) {
  static const struct {
    const char *variant, *var, *value;
    int one;
  } d[2] = {{"TDM_MATH=fast", "TDM_MATH", "fast", 0}, {"1 thread", NULL, NULL, 1}};
  const tdm_dtype dts[2] = {TDM_F64, TDM_F32};
  for (int k = 0; k < 2; k++) {
    if (d[k].one && r->device) continue;
    for (int v = 0; v < 2; v++) {
      bench_run r1 = *r;
      tdm_ctx *c = NULL;
      tdm_status s = d[k].var ? bench_ctx_env(r, r->threads, d[k].var, d[k].value, &c)
                              : bench_ctx_like(r, 1, &c);
      r1.ctx = c;
      r1.threads = d[k].one ? 1 : r->threads;
      bench_row row;
      bench_row_init(&r1, &row, d[k].variant, tdm_dtype_name(dts[v]), size);
      if (s == TDM_OK) s = vm_run(&r1, &row, dts[v], n, reps);
      bench_finish(&r1, &row, 1, s, NULL);
      tdm_ctx_destroy(c);
    }
  }
}

void bench_vecmath(bench_run *r) {
  double n = r->size == BENCH_SMALL ? 1e6 : r->size == BENCH_FULL ? 5e8 : 1e8;
  int reps = bench_reps(r, r->size == BENCH_FULL ? 3 : 5);
  char size[64], cnt[32];
  snprintf(size, sizeof size, "n=%s", bench_count(n, cnt, sizeof cnt));
  const tdm_dtype dts[2] = {TDM_F64, TDM_F32};
  for (int v = 0; v < 2; v++) {
    bench_row row;
    bench_row_init(r, &row, "", tdm_dtype_name(dts[v]), size);
    if (bench_skipping(r, &row, 1)) continue;
    tdm_status s = vm_run(r, &row, dts[v], (size_t)n, reps);
    bench_finish(r, &row, 1, s, s == TDM_ERR_NOMEM && row.reps == 0 ? "out of host memory for x and z" : NULL);
  }
  if (r->detail && !r->skip) vm_detail(r, size, (size_t)n, reps);
}
