/* test_ctx_order.c -- destroying a context while its children live: a
 * buffer, an expression, a generator, a pool and an expression a task
 * compiled on its lane's context are destroyed with the context in every
 * one of the 720 orders, and after each destroy every object still alive
 * is used and its values checked (against a generator on a separate CPU
 * context and plain double arithmetic). Under ASan this is the check that
 * nothing touches freed memory, whatever the order. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "support/support.h"

enum { O_CTX, O_BUF, O_EXPR, O_RNG, O_POOL, O_LANE_EXPR, NOBJ };
#define N 64

typedef struct world {
  tdm_ctx *ctx;
  tdm_buf *B;
  tdm_expr *E, *L;
  tdm_rng *R;
  tdm_pool *P;
  tdm_lane lane; /* where L was compiled */
  tdm_ctx *lctx; /* the lane context L keeps (alive while L is) */
  double v[N];   /* what B holds */
  tdm_ctx *ref;  /* reference generator's context */
  tdm_rng *rref;
  tdm_buf *bref;
} world;

static tdm_status compile_on_lane(const tdm_task_env *env, void *arg) {
  world *w = arg;
  w->lctx = env->ctx;
  return tdm_expr_compile(env->ctx, "x-3", "x", &w->L);
}

/* A task works on its lane's context (its own buffer), and on B if alive. */
static tdm_status task_work(const tdm_task_env *env, void *arg) {
  world *w = arg;
  double x[N], y[N];
  for (int i = 0; i < N; i++) x[i] = i - 20.5;
  tdm_buf *T;
  tdm_status s = tdm_buf_create(env->ctx, TDM_F64, N, 1, &T);
  if (s != TDM_OK) return s;
  tdm_buf *in[] = {T};
  if ((s = tdm_buf_write(T, x)) == TDM_OK && (s = tdm_eval(env->ctx, "x*x", "x", T, in)) == TDM_OK)
    s = tdm_buf_read(T, y);
  tdm_buf_destroy(T);
  for (int i = 0; s == TDM_OK && i < N; i++)
    if (y[i] != x[i] * x[i]) s = TDM_ERR_INTERNAL;
  if (s == TDM_OK && w->B) {
    tdm_buf *b[] = {w->B};
    s = tdm_eval(env->ctx, "x+1", "x", w->B, b);
    for (int i = 0; i < N; i++) w->v[i] += 1;
  }
  return s;
}

static char where[64]; /* the order and step, for messages */

static void check_b(world *w) {
  double got[N];
  cr_assert_eq(tdm_buf_read(w->B, got), TDM_OK, "%s", tdm_last_error());
  for (int i = 0; i < N; i++)
    cr_assert_eq(got[i], w->v[i], "%s: at %d: %.17g, want %.17g", where, i, got[i], w->v[i]);
}

/* Uses every live object once. */
static void use(world *w) {
  if (w->B) check_b(w);
  if (w->B && w->E) {
    tdm_buf *in[] = {w->B};
    cr_assert_eq(tdm_expr_eval(w->E, w->B, in), TDM_OK, "%s", tdm_last_error());
    for (int i = 0; i < N; i++) w->v[i] = w->v[i] * 2 + 1;
    check_b(w); /* a read drains every queue: L's lane queue is not ordered after the root's */
  }
  if (w->B && w->L) {
    tdm_buf *in[] = {w->B};
    cr_assert_eq(tdm_expr_eval(w->L, w->B, in), TDM_OK, "%s", tdm_last_error());
    /* a lane's queue is not ordered with the root's outside a task */
    cr_assert_eq(tdm_ctx_sync(w->lctx), TDM_OK);
    for (int i = 0; i < N; i++) w->v[i] -= 3;
  }
  if (w->R) {
    uint64_t off = tdm_rng_offset(w->R);
    if (w->B) {
      cr_assert_eq(tdm_rng_uniform(w->R, w->B, 0, 1), TDM_OK, "%s", tdm_last_error());
      cr_assert_eq(tdm_rng_seek(w->rref, off), TDM_OK);
      cr_assert_eq(tdm_rng_uniform(w->rref, w->bref, 0, 1), TDM_OK);
      ts_read(w->bref, w->v);
    } else {
      cr_assert_eq(tdm_rng_seek(w->R, off + 8), TDM_OK);
    }
  }
  if (w->P) {
    tdm_future *f;
    cr_assert_eq(tdm_submit(w->P, TDM_LANE_CPU, task_work, w, &f), TDM_OK, "%s", tdm_last_error());
    cr_assert_eq(tdm_future_wait(f), TDM_OK, "%s", tdm_last_error());
    tdm_future_release(f);
  }
  if (w->B) check_b(w);
}

static void destroy(world *w, int o) {
  switch (o) {
  case O_CTX: tdm_ctx_destroy(w->ctx), w->ctx = NULL; break;
  case O_BUF: tdm_buf_destroy(w->B), w->B = NULL; break;
  case O_EXPR: tdm_expr_destroy(w->E), w->E = NULL; break;
  case O_RNG: tdm_rng_destroy(w->R), w->R = NULL; break;
  case O_POOL: tdm_pool_destroy(w->P), w->P = NULL; break;
  case O_LANE_EXPR: tdm_expr_destroy(w->L), w->L = NULL; break;
  }
}

static void run_order(tdm_backend be, const int *order, tdm_ctx *ref, tdm_buf *bref) {
  world w;
  memset(&w, 0, sizeof w);
  w.ref = ref;
  w.bref = bref;
  w.ctx = ts_ctx(be, 2);
  for (int i = 0; i < N; i++) w.v[i] = i * 0.25;
  w.B = ts_buf(w.ctx, TDM_F64, N, 1, w.v);
  cr_assert_eq(tdm_expr_compile(w.ctx, "x*2+1", "x", &w.E), TDM_OK);
  cr_assert_eq(tdm_rng_create(w.ctx, 42, 7, &w.R), TDM_OK);
  cr_assert_eq(tdm_rng_create(ref, 42, 7, &w.rref), TDM_OK);
  tdm_pool_config pc = {1, 0};
  cr_assert_eq(tdm_pool_create(w.ctx, &pc, &w.P), TDM_OK, "%s", tdm_last_error());
  w.lane = tdm_ctx_device_backend(w.ctx) != TDM_CPU ? TDM_LANE_GPU : TDM_LANE_CPU;
  tdm_future *f;
  cr_assert_eq(tdm_submit(w.P, w.lane, compile_on_lane, &w, &f), TDM_OK);
  cr_assert_eq(tdm_future_wait(f), TDM_OK, "%s", tdm_last_error());
  tdm_future_release(f);
  use(&w);
  for (int k = 0; k < NOBJ; k++) {
    int n = snprintf(where, sizeof where, "order");
    for (int j = 0; j < NOBJ; j++) n += snprintf(where + n, sizeof where - (size_t)n, " %d", order[j]);
    snprintf(where + n, sizeof where - (size_t)n, ", after %d destroys", k + 1);
    destroy(&w, order[k]);
    use(&w);
  }
  tdm_rng_destroy(w.rref);
}

static int next_perm(int *a, int n) {
  int i = n - 2;
  while (i >= 0 && a[i] >= a[i + 1]) i--;
  if (i < 0) return 0;
  int j = n - 1;
  while (a[j] <= a[i]) j--;
  int t = a[i];
  a[i] = a[j], a[j] = t;
  for (int l = i + 1, r = n - 1; l < r; l++, r--) t = a[l], a[l] = a[r], a[r] = t;
  return 1;
}

static void every_order(tdm_backend be) {
  tdm_ctx *ref = ts_ctx(TDM_CPU, 1);
  tdm_buf *bref = ts_buf(ref, TDM_F64, N, 1, NULL);
  int order[NOBJ], count = 0;
  for (int i = 0; i < NOBJ; i++) order[i] = i;
  do {
    run_order(be, order, ref, bref);
    count++;
  } while (next_perm(order, NOBJ));
  cr_assert_eq(count, 720);
  tdm_buf_destroy(bref);
  tdm_ctx_destroy(ref);
}

Test(ctx_order, every_destroy_order_cpu) { every_order(TDM_CPU); }
Test(ctx_order, every_destroy_order_sim) { every_order(TDM_SIM); }
