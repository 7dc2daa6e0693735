/* bench_view.c -- an op on a view of a whole buffer against the same op on
 * the buffer (they should cost the same: a view is only a handle), for
 * GEMM, crossprod, Cholesky, an expression, a reduction, a random fill and
 * a copy, runs interleaved, medians (and the fastest runs' ratio, steadier
 * on a loaded machine) of reps; plus tdm_copy of a strided
 * window against memcpy of its bytes. Usage: bench_view [reps] [threads]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tandem/tandem.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

#define CK(call)                                                               \
  do {                                                                         \
    tdm_status s_ = (call);                                                    \
    if (s_ != TDM_OK) {                                                        \
      fprintf(stderr, "%s: %s\n", #call, tdm_last_error());                    \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

typedef struct {
  tdm_ctx *ctx;
  tdm_buf *a, *b, *c;  /* operands (buffers, or views of them) */
  tdm_rng *g;
} ops;

typedef void (*op_fn)(ops *o);

static void op_gemm(ops *o) { CK(tdm_gemm(o->ctx, TDM_NOTRANS, TDM_NOTRANS, 1, o->a, o->b, 0, o->c)); }
static void op_xp(ops *o) { CK(tdm_crossprod(o->ctx, o->a, o->c)); }
static void op_chol(ops *o) {
  CK(tdm_copy(o->ctx, o->b, o->a));
  CK(tdm_cholesky(o->ctx, o->a));
}
static void op_eval(ops *o) { CK(tdm_eval(o->ctx, "2 * x + sin(x)", "x", o->c, (tdm_buf *[]){o->a})); }
static void op_reduce(ops *o) {
  tdm_reduce_op r = TDM_VAR;
  double v;
  CK(tdm_reduce(o->ctx, o->a, 1, &r, &v));
}
static void op_rng(ops *o) { CK(tdm_rng_normal(o->g, o->a, 0, 1)); }
static void op_copy(ops *o) { CK(tdm_copy(o->ctx, o->a, o->c)); }

static tdm_buf *mk(tdm_ctx *ctx, size_t r, size_t c, double base) {
  tdm_buf *b;
  CK(tdm_buf_create(ctx, TDM_F64, r, c, &b));
  double *h = malloc(r * c * sizeof *h);
  for (size_t i = 0; i < r * c; i++) h[i] = base + (double)(i % 1013) * 1e-3;
  CK(tdm_buf_write(b, h));
  free(h);
  return b;
}

static tdm_buf *whole(tdm_buf *b) {
  tdm_buf *v;
  CK(tdm_buf_view(b, 0, 0, tdm_buf_rows(b), tdm_buf_cols(b), &v));
  return v;
}

/* Median seconds of fn on the buffers and on whole views, interleaved. */
static void measure(const char *name, ops *plain, op_fn fn, int reps) {
  ops view = *plain;
  view.a = plain->a ? whole(plain->a) : NULL;
  view.b = plain->b ? whole(plain->b) : NULL;
  view.c = plain->c ? whole(plain->c) : NULL;
  double *tp = malloc(reps * sizeof *tp), *tv = malloc(reps * sizeof *tv);
  fn(plain); /* warm */
  fn(&view);
  for (int r = 0; r < reps; r++) {
    ops *first = (r & 1) ? &view : plain, *second = (r & 1) ? plain : &view;
    double t0 = now();
    fn(first);
    CK(tdm_ctx_sync(plain->ctx));
    double t1 = now();
    fn(second);
    CK(tdm_ctx_sync(plain->ctx));
    double t2 = now();
    ((r & 1) ? tv : tp)[r] = t1 - t0;
    ((r & 1) ? tp : tv)[r] = t2 - t1;
  }
  qsort(tp, reps, sizeof *tp, cmp_d);
  qsort(tv, reps, sizeof *tv, cmp_d);
  double mp = tp[reps / 2], mv = tv[reps / 2];
  printf("  %-28s buffer %9.3f ms   view %9.3f ms   view/buffer %.3f (fastest runs: %.3f)\n", name,
         1e3 * mp, 1e3 * mv, mv / mp, tv[0] / tp[0]);
  tdm_buf_destroy(view.a);
  tdm_buf_destroy(view.b);
  tdm_buf_destroy(view.c);
  free(tp);
  free(tv);
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 21, threads = argc > 2 ? atoi(argv[2]) : 0;
  if (reps < 1) reps = 1;
  tdm_config cfg = {TDM_CPU, threads, 0};
  tdm_ctx *ctx;
  CK(tdm_ctx_create(&cfg, &ctx));
  printf("bench_view: an op on a whole-buffer view vs the op on the buffer (CPU, %d reps, "
         "medians)\n", reps);
  size_t n = 800, N = (size_t)4e6;
  ops o = {ctx, mk(ctx, n, n, 0), mk(ctx, n, n, 1), mk(ctx, n, n, 0), NULL};
  measure("gemm 800x800x800 f64", &o, op_gemm, reps);
  tdm_buf_destroy(o.a);
  tdm_buf_destroy(o.b);
  tdm_buf_destroy(o.c);
  ops x = {ctx, mk(ctx, 20000, 100, 0), NULL, mk(ctx, 100, 100, 0), NULL};
  measure("crossprod 20000x100 f64", &x, op_xp, reps);
  tdm_buf_destroy(x.c);
  tdm_buf_destroy(x.a);
  ops c = {ctx, mk(ctx, 600, 600, 0), mk(ctx, 600, 600, 0), NULL, NULL};
  tdm_buf *X = mk(ctx, 1200, 600, 0);
  CK(tdm_crossprod(ctx, X, c.b)); /* X'X: symmetric positive definite */
  tdm_buf_destroy(X);
  measure("copy + cholesky 600 f64", &c, op_chol, reps);
  tdm_buf_destroy(c.a);
  tdm_buf_destroy(c.b);
  ops e = {ctx, mk(ctx, N, 1, 0), NULL, mk(ctx, N, 1, 0), NULL};
  measure("eval 2x+sin(x) 4e6 f64", &e, op_eval, reps);
  measure("reduce var 4e6 f64", &e, op_reduce, reps);
  measure("copy 4e6 f64", &e, op_copy, reps);
  CK(tdm_rng_create(ctx, 1, 0, &e.g));
  measure("rng normal 4e6 f64", &e, op_rng, reps);
  tdm_rng_destroy(e.g);
  tdm_buf_destroy(e.a);
  tdm_buf_destroy(e.c);
  /* a strided window: tdm_copy against memcpy of its bytes */
  tdm_buf *big = mk(ctx, 4000, 1000, 0), *win, *dst;
  CK(tdm_buf_view(big, 500, 100, 3000, 800, &win));
  CK(tdm_buf_create(ctx, TDM_F64, 3000, 800, &dst));
  size_t bytes = 3000 * 800 * sizeof(double);
  char *s = malloc(bytes), *d = malloc(bytes);
  memset(s, 1, bytes);
  memset(d, 0, bytes);
  double *tc = malloc(reps * sizeof *tc), *tm = malloc(reps * sizeof *tm);
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    CK(tdm_copy(ctx, win, dst));
    double t1 = now();
    memcpy(d, s, bytes);
    double t2 = now();
    tc[r] = t1 - t0;
    tm[r] = t2 - t1;
  }
  qsort(tc, reps, sizeof *tc, cmp_d);
  qsort(tm, reps, sizeof *tm, cmp_d);
  printf("  %-28s tdm_copy %7.3f ms (%.2f GB/s)   memcpy 1 thread %7.3f ms (%.2f GB/s)\n",
         "strided 3000x800 of 4000x1000", 1e3 * tc[reps / 2], 2e-9 * bytes / tc[reps / 2],
         1e3 * tm[reps / 2], 2e-9 * bytes / tm[reps / 2]);
  free(tc);
  free(tm);
  free(s);
  free(d);
  tdm_buf_destroy(win);
  tdm_buf_destroy(dst);
  tdm_buf_destroy(big);
  tdm_ctx_destroy(ctx);
  return 0;
}
