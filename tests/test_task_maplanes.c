/* test_task_maplanes.c -- maps on GPU lanes (sim device): indices reach the
 * GPU lanes and their ops run and are counted on the device; the same
 * draws and sums whichever lanes ran which index (against a serial loop on
 * a CPU context); the GPU lanes' share follows their rate (tasks whose
 * duration depends on the lane) for DYNAMIC and, once measured, STATIC;
 * TDM_LANE_CPU / TDM_LANE_GPU restrict the lanes; a GPU lane busy elsewhere
 * never holds a map up; maps from inside CPU and GPU tasks. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tandem/tandem.h>

#include "support/support.h"

#include "core/error.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static tdm_pool *pool_of(tdm_ctx *ctx, int cpu, int gpu) {
  tdm_pool_config pc = {cpu, gpu};
  tdm_pool *p = NULL;
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_OK, "%s", tdm_last_error());
  return p;
}

/* ---- where indices ran, and the device counting their ops --------------- */
enum { N = 200, M = 1024 };

typedef struct {
  tdm_buf *x;
  double expect;
  int W;
  int lane[N];
  atomic_int calls[N];
  atomic_int bad;
  int cpu_us, gpu_us; /* sleep per index on each kind of lane */
} where_job;

static tdm_status where_item(const tdm_task_env *env, size_t i, void *arg) {
  where_job *j = arg;
  int gpu = env->lane == TDM_LANE_GPU;
  tdm_backend want = gpu ? TDM_SIM : TDM_CPU;
  if (env->index != i || tdm_ctx_device_backend(env->ctx) != want ||
      (gpu ? env->worker < j->W : env->worker >= j->W))
    atomic_fetch_add(&j->bad, 1);
  tdm_reduce_op op = TDM_SUM;
  double s = 0;
  tdm_status st = tdm_reduce(env->ctx, j->x, 1, &op, &s);
  if (st != TDM_OK) return st;
  if (s != j->expect) atomic_fetch_add(&j->bad, 1);
  j->lane[i] = env->lane;
  atomic_fetch_add(&j->calls[i], 1);
  int us = gpu ? j->gpu_us : j->cpu_us;
  if (us) usleep((useconds_t)us);
  return TDM_OK;
}

static where_job *where_new(tdm_ctx *ctx, int W) {
  where_job *j = calloc(1, sizeof *j);
  double h[M];
  for (int i = 0; i < M; i++) h[i] = (double)(i % 9) - 2.0; /* sums exactly */
  for (int i = 0; i < M; i++) j->expect += h[i];
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, M, 1, &j->x), TDM_OK);
  cr_assert_eq(tdm_buf_write(j->x, h), TDM_OK);
  j->W = W;
  return j;
}

static void where_reset(where_job *j) {
  for (int i = 0; i < N; i++) j->lane[i] = -1, atomic_store(&j->calls[i], 0);
}

static int where_count(const where_job *j, tdm_lane lane) {
  int c = 0;
  for (int i = 0; i < N; i++) c += j->lane[i] == (int)lane;
  return c;
}

Test(task_maplanes, indices_reach_gpu_lanes_and_ops_count_on_device, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 2);
  tdm_pool *p = pool_of(ctx, 2, 2);
  cr_assert_eq(tdm_pool_workers(p, TDM_LANE_CPU), 2);
  cr_assert_eq(tdm_pool_workers(p, TDM_LANE_GPU), 2);
  cr_assert_eq(tdm_pool_workers(p, TDM_LANE_ANY), 4);
  cr_assert_eq(tdm_pool_workers(NULL, TDM_LANE_ANY), 0);
  where_job *j = where_new(ctx, 2);
  j->cpu_us = 500; /* CPU workers slower: the GPU lanes must get indices */
  for (int k = TDM_SCHED_STATIC; k <= TDM_SCHED_GUIDED; k++) {
    where_reset(j);
    tdm_stats a, b;
    tdm_ctx_stats(ctx, &a);
    tdm_schedule s = {(tdm_sched_kind)k, 0, TDM_LANE_ANY};
    cr_assert_eq(tdm_map(p, N, where_item, j, s), TDM_OK, "%s", tdm_last_error());
    tdm_ctx_stats(ctx, &b);
    for (int i = 0; i < N; i++) cr_assert_eq(atomic_load(&j->calls[i]), 1, "kind %d index %d", k, i);
    int g = where_count(j, TDM_LANE_GPU), c = where_count(j, TDM_LANE_CPU);
    cr_assert_eq(g + c, N);
    cr_assert_gt(g, 0, "kind %d: no index ran on a GPU lane", k);
    /* STATIC gives the CPU workers their part by construction; dynamic and
     * guided hand chunks to whoever is free, so on a loaded machine the
     * (faster) GPU lanes may take them all: nothing to assert there */
    if (k == TDM_SCHED_STATIC) cr_assert_gt(c, 0, "kind %d: no index ran on a CPU worker", k);
    cr_assert_geq(b.device_ops - a.device_ops, (uint64_t)g, "kind %d: %d GPU indices, %llu device ops",
                  k, g, (unsigned long long)(b.device_ops - a.device_ops));
    cr_assert_geq(b.cpu_ops - a.cpu_ops, (uint64_t)c);
    cr_log_info("kind %d: %d of %d indices on GPU lanes", k, g, N);
  }
  cr_assert_eq(atomic_load(&j->bad), 0);
  tdm_buf_destroy(j->x);
  free(j);
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* ---- the same results whichever lane ran an index ------------------------ */
enum { RN = 96, RM = 2000 };

typedef struct {
  uint64_t hash[RN]; /* of the draws' bits */
  double sum[RN];
  int lane[RN];
} draws;

static tdm_status draw_item(const tdm_task_env *env, size_t i, void *arg) {
  draws *d = arg;
  tdm_rng *r = NULL;
  tdm_buf *b = NULL;
  double h[RM], s = 0;
  tdm_reduce_op op = TDM_SUM;
  tdm_status st = tdm_rng_create(env->ctx, 99, i, &r);
  if (st == TDM_OK) st = tdm_buf_create(env->ctx, TDM_F64, RM, 1, &b);
  if (st == TDM_OK) st = tdm_rng_normal(r, b, 1.0, 2.0);
  if (st == TDM_OK) st = tdm_reduce(env->ctx, b, 1, &op, &s);
  if (st == TDM_OK) st = tdm_buf_read(b, h);
  if (st == TDM_OK) {
    uint64_t x = 0;
    for (int k = 0; k < RM; k++) {
      uint64_t w;
      memcpy(&w, &h[k], sizeof w);
      x = ts_mix(x ^ w);
    }
    d->hash[i] = x;
    d->sum[i] = s;
    d->lane[i] = env->lane;
  }
  tdm_buf_destroy(b);
  tdm_rng_destroy(r);
  return st;
}

Test(task_maplanes, same_results_whichever_lane, .timeout = 120) {
  tdm_ctx *cpu = ts_ctx(TDM_CPU, 1);
  static draws ref, got;
  tdm_task_env env = {cpu, TDM_LANE_CPU, 0, 0};
  for (size_t i = 0; i < RN; i++) cr_assert_eq(draw_item(&env, i, &ref), TDM_OK, "%s", tdm_last_error());
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 2);
  tdm_pool *p = pool_of(ctx, 2, 2);
  const tdm_lane lanes[3] = {TDM_LANE_ANY, TDM_LANE_CPU, TDM_LANE_GPU};
  int ran_gpu = 0;
  for (int l = 0; l < 3; l++)
    for (int k = TDM_SCHED_STATIC; k <= TDM_SCHED_GUIDED; k++) {
      memset(&got, 0, sizeof got);
      cr_assert_eq(tdm_map(p, RN, draw_item, &got, (tdm_schedule){(tdm_sched_kind)k, 0, lanes[l]}),
                   TDM_OK, "%s", tdm_last_error());
      for (int i = 0; i < RN; i++) {
        cr_assert_eq(got.hash[i], ref.hash[i], "lanes %d kind %d index %d: other draws", l, k, i);
        cr_assert_leq(fabs(got.sum[i] - ref.sum[i]), 1e-12 * (fabs(ref.sum[i]) + RM),
                      "lanes %d kind %d index %d: sum %.17g vs %.17g", l, k, i, got.sum[i], ref.sum[i]);
        if (lanes[l] != TDM_LANE_ANY) cr_assert_eq(got.lane[i], (int)lanes[l]);
        ran_gpu += got.lane[i] == TDM_LANE_GPU;
      }
    }
  cr_assert_gt(ran_gpu, 0);
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
  tdm_ctx_destroy(cpu);
}

/* ---- the GPU lanes' share follows their rate ----------------------------- */
typedef struct {
  int cpu_us, gpu_us;
  int lane[N];
  double t[2];  /* seconds spent in tasks on CPU [0] and GPU [1] lanes */
  int cnt[2];
  atomic_flag lock;
} rated;

static tdm_status rated_item(const tdm_task_env *env, size_t i, void *arg) {
  rated *r = arg;
  int gpu = env->lane == TDM_LANE_GPU;
  double t0 = now();
  usleep((useconds_t)(gpu ? r->gpu_us : r->cpu_us));
  double dt = now() - t0;
  while (atomic_flag_test_and_set(&r->lock)) {
  }
  r->t[gpu] += dt;
  r->cnt[gpu]++;
  atomic_flag_clear(&r->lock);
  r->lane[i] = env->lane;
  return TDM_OK;
}

/* Runs one map; returns the GPU lanes' share and the share their measured
 * rates predict: G/tg / (G/tg + W/tc), tc, tg the mean task times. */
static double rated_map(tdm_pool *p, tdm_sched_kind k, int W, int G, double *expect) {
  static rated r;
  memset(&r, 0, sizeof r);
  r.cpu_us = 3000;
  r.gpu_us = 1000;
  atomic_flag_clear(&r.lock);
  cr_assert_eq(tdm_map(p, N, rated_item, &r, (tdm_schedule){k, 0, TDM_LANE_ANY}), TDM_OK, "%s",
               tdm_last_error());
  cr_assert_gt(r.cnt[0], 0);
  cr_assert_gt(r.cnt[1], 0);
  double tc = r.t[0] / r.cnt[0], tg = r.t[1] / r.cnt[1];
  *expect = (G / tg) / (G / tg + W / tc);
  return (double)r.cnt[1] / N;
}

Test(task_maplanes, gpu_share_follows_lane_rate, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 2);
  const int W = 2, G = 1;
  tdm_pool *p = pool_of(ctx, W, G);
  double e, share = rated_map(p, TDM_SCHED_DYNAMIC, W, G, &e);
  cr_log_info("DYNAMIC: GPU share %.3f, rate predicts %.3f", share, e);
  cr_assert_leq(fabs(share - e), 0.12, "DYNAMIC: GPU share %.3f, its rate predicts %.3f", share, e);
  /* STATIC cuts by the rates the pool measured (the dynamic map above). */
  share = rated_map(p, TDM_SCHED_STATIC, W, G, &e);
  cr_log_info("STATIC after DYNAMIC: GPU share %.3f, rate predicts %.3f", share, e);
  cr_assert_leq(fabs(share - e), 0.12, "STATIC: GPU share %.3f, its rate predicts %.3f", share, e);
  tdm_pool_destroy(p);
  /* A fresh pool: the first STATIC map measures, the second follows. */
  p = pool_of(ctx, W, G);
  share = rated_map(p, TDM_SCHED_STATIC, W, G, &e);
  cr_log_info("STATIC first: GPU share %.3f (equal split %.3f)", share, (double)G / (W + G));
  share = rated_map(p, TDM_SCHED_STATIC, W, G, &e);
  cr_log_info("STATIC second: GPU share %.3f, rate predicts %.3f", share, e);
  cr_assert_leq(fabs(share - e), 0.12, "second STATIC: GPU share %.3f, its rate predicts %.3f", share, e);
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* ---- lane restrictions ---------------------------------------------------- */
Test(task_maplanes, lanes_restrict_and_gpu_without_lanes_is_invalid, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 2);
  tdm_pool *p = pool_of(ctx, 2, 2);
  where_job *j = where_new(ctx, 2);
  for (int k = TDM_SCHED_STATIC; k <= TDM_SCHED_GUIDED; k++) {
    const tdm_lane only[2] = {TDM_LANE_CPU, TDM_LANE_GPU};
    for (int l = 0; l < 2; l++) {
      where_reset(j);
      cr_assert_eq(tdm_map(p, N, where_item, j, (tdm_schedule){(tdm_sched_kind)k, 3, only[l]}), TDM_OK,
                   "%s", tdm_last_error());
      cr_assert_eq(where_count(j, only[l]), N, "kind %d lanes %d", k, only[l]);
    }
  }
  cr_assert_eq(atomic_load(&j->bad), 0);
  /* Bad lanes values and GPU lanes asked of a pool with none: nothing runs. */
  where_reset(j);
  cr_assert_eq(tdm_map(p, N, where_item, j, (tdm_schedule){TDM_SCHED_DYNAMIC, 0, (tdm_lane)7}),
               TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_map: sched.lanes: 7"), "%s", tdm_last_error());
  tdm_pool *cpu_only = pool_of(ctx, 2, 0);
  tdm_pool_destroy(cpu_only); /* 0 means the default: one GPU lane with a device */
  tdm_ctx *c2 = ts_ctx(TDM_CPU, 2);
  cpu_only = pool_of(c2, 2, 0);
  cr_assert_eq(tdm_pool_workers(cpu_only, TDM_LANE_GPU), 0);
  cr_assert_eq(tdm_map(cpu_only, N, where_item, j, (tdm_schedule){TDM_SCHED_STATIC, 0, TDM_LANE_GPU}),
               TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_map: sched.lanes: TDM_LANE_GPU"), "%s", tdm_last_error());
  for (int i = 0; i < N; i++) cr_assert_eq(atomic_load(&j->calls[i]), 0);
  tdm_pool_destroy(cpu_only);
  tdm_ctx_destroy(c2);
  tdm_buf_destroy(j->x);
  free(j);
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* ---- failures across lanes ------------------------------------------------ */
static tdm_status fail_at(const tdm_task_env *env, size_t i, void *arg) {
  (void)arg;
  if (env->lane == TDM_LANE_GPU) usleep(50);
  if (i == 150 || i == 170) return tdm__err(TDM_ERR_NUMERIC, "fail_at: index %zu", i);
  return TDM_OK;
}

Test(task_maplanes, lowest_failure_across_lanes, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 2);
  tdm_pool *p = pool_of(ctx, 2, 2);
  static tdm_status st[N];
  for (int k = TDM_SCHED_STATIC; k <= TDM_SCHED_GUIDED; k++) {
    tdm_status s = tdm_map_status(p, N, fail_at, NULL, (tdm_schedule){(tdm_sched_kind)k, 0, TDM_LANE_ANY}, st);
    cr_assert_eq(s, TDM_ERR_NUMERIC, "kind %d: %s", k, tdm_status_name(s));
    cr_assert(strstr(tdm_last_error(), "tdm_map: index 150 failed"), "%s", tdm_last_error());
    for (int i = 0; i < 150; i++) cr_assert_eq(st[i], TDM_OK, "kind %d index %d", k, i);
    cr_assert_eq(st[150], TDM_ERR_NUMERIC);
    for (int i = 151; i < N; i++) cr_assert(st[i] == TDM_OK || st[i] == TDM_ERR_CANCELLED || i == 170);
  }
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* ---- a GPU lane busy elsewhere never holds a map up ----------------------- */
static atomic_int map_done;

static tdm_status hold_lane(const tdm_task_env *env, void *arg) {
  (void)env;
  (void)arg;
  for (int t = 0; t < 40000 && !atomic_load(&map_done); t++) usleep(500);
  return atomic_load(&map_done) ? TDM_OK : TDM_ERR_INTERNAL;
}

static tdm_status count_item(const tdm_task_env *env, size_t i, void *arg) {
  (void)env;
  atomic_fetch_add((atomic_long *)arg, (long)i + 1);
  return TDM_OK;
}

Test(task_maplanes, busy_gpu_lane_does_not_hold_a_map, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 2);
  tdm_pool *p = pool_of(ctx, 2, 1);
  for (int k = TDM_SCHED_STATIC; k <= TDM_SCHED_GUIDED; k++) {
    atomic_store(&map_done, 0);
    tdm_future *f;
    cr_assert_eq(tdm_submit(p, TDM_LANE_GPU, hold_lane, NULL, &f), TDM_OK);
    usleep(2000); /* the lane has taken it */
    atomic_long sum;
    atomic_init(&sum, 0);
    cr_assert_eq(tdm_map(p, 1000, count_item, &sum, (tdm_schedule){(tdm_sched_kind)k, 0, TDM_LANE_ANY}),
                 TDM_OK);
    atomic_store(&map_done, 1);
    cr_assert_eq(atomic_load(&sum), 1000L * 1001 / 2);
    cr_assert_eq(tdm_future_wait(f), TDM_OK, "kind %d: the map waited for the busy lane", k);
    tdm_future_release(f);
  }
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* ---- maps from inside tasks on either lane -------------------------------- */
typedef struct {
  tdm_pool *p;
  atomic_long sum;
} nested;

static tdm_status nested_task(const tdm_task_env *env, void *arg) {
  (void)env;
  nested *n = arg;
  atomic_long sum;
  atomic_init(&sum, 0);
  tdm_status s = tdm_map(n->p, 500, count_item, &sum, (tdm_schedule){TDM_SCHED_DYNAMIC, 4, TDM_LANE_ANY});
  atomic_fetch_add(&n->sum, atomic_load(&sum));
  return s;
}

Test(task_maplanes, maps_inside_cpu_and_gpu_tasks, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 2);
  tdm_pool *p = pool_of(ctx, 2, 2);
  nested n = {p, 0};
  tdm_future *f[6];
  const tdm_lane l[3] = {TDM_LANE_CPU, TDM_LANE_GPU, TDM_LANE_ANY};
  for (int i = 0; i < 6; i++) cr_assert_eq(tdm_submit(p, l[i % 3], nested_task, &n, &f[i]), TDM_OK);
  for (int i = 0; i < 6; i++) {
    cr_assert_eq(tdm_future_wait(f[i]), TDM_OK, "%s", tdm_last_error());
    tdm_future_release(f[i]);
  }
  cr_assert_eq(atomic_load(&n.sum), 6L * 500 * 501 / 2);
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}
