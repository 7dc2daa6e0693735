/* test_task_lanes.c -- CPU and GPU lanes on the sim device: a CPU task and a
 * sim-lane task observed running at the same time (timestamps taken inside
 * them), a GPU-lane task waiting on CPU work with one CPU worker, ANY tasks
 * taking a free GPU lane, concurrent readers of one buffer copying it once,
 * and GPU lanes asked for where there is no device. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tandem/tandem.h>

static tdm_ctx *ctx_of(tdm_backend be) {
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = be;
  cfg.threads = 2;
  tdm_ctx *ctx = NULL;
  cr_assert_eq(tdm_ctx_create(&cfg, &ctx), TDM_OK, "%s", tdm_last_error());
  return ctx;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- overlap ----------------------------------------------------------------- */
enum { N = 4096 };

typedef struct {
  tdm_buf *x;            /* shared input, read in place */
  double expect;         /* serial sum of x */
  atomic_int started[2]; /* [0] CPU task, [1] GPU task */
  double t0[2], t1[2];
  tdm_lane lane[2];
  int worker[2];
  int ops[2];
  atomic_int bad;
} overlap;

/* Runs reductions on its own lane until the other task has started too
 * (bounded), so both are seen inside their bodies at the same time. */
static void lane_work(overlap *o, int me, const tdm_task_env *env) {
  o->t0[me] = now();
  o->lane[me] = env->lane;
  o->worker[me] = env->worker;
  atomic_store(&o->started[me], 1);
  double deadline = o->t0[me] + 20.0;
  int ops = 0;
  while ((!atomic_load(&o->started[1 - me]) || ops < 5) && now() < deadline) {
    tdm_reduce_op op = TDM_SUM;
    double s;
    if (tdm_reduce(env->ctx, o->x, 1, &op, &s) != TDM_OK || s != o->expect)
      atomic_fetch_add(&o->bad, 1);
    ops++;
    usleep(200);
  }
  o->ops[me] = ops;
  o->t1[me] = now();
}

static tdm_status cpu_side(const tdm_task_env *env, void *arg) {
  lane_work(arg, 0, env);
  return TDM_OK;
}

static tdm_status gpu_side(const tdm_task_env *env, void *arg) {
  lane_work(arg, 1, env);
  return TDM_OK;
}

Test(task_lanes, cpu_and_sim_lanes_overlap, .timeout = 120) {
  tdm_ctx *ctx = ctx_of(TDM_SIM);
  cr_assert_eq(tdm_ctx_device_backend(ctx), TDM_SIM);
  tdm_pool_config pc = {2, 1};
  tdm_pool *p;
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_OK, "%s", tdm_last_error());
  static double host[N];
  double expect = 0;
  for (int i = 0; i < N; i++) host[i] = (double)(i % 17) - 3.0; /* sums exactly */
  for (int i = 0; i < N; i++) expect += host[i];
  overlap o;
  memset(&o, 0, sizeof o);
  o.expect = expect;
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, N, 1, host, &o.x), TDM_OK);
  tdm_stats before, after;
  tdm_ctx_stats(ctx, &before);
  tdm_future *fc, *fg;
  cr_assert_eq(tdm_submit(p, TDM_LANE_GPU, gpu_side, &o, &fg), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, cpu_side, &o, &fc), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_future_wait(fc), TDM_OK);
  cr_assert_eq(tdm_future_wait(fg), TDM_OK);
  tdm_ctx_stats(ctx, &after);
  cr_assert_eq(atomic_load(&o.bad), 0);
  cr_assert_eq(o.lane[0], TDM_LANE_CPU);
  cr_assert_eq(o.lane[1], TDM_LANE_GPU);
  cr_assert(o.worker[0] >= 0 && o.worker[0] < 2);
  cr_assert_eq(o.worker[1], 2); /* GPU lanes come after the CPU workers */
  /* The reductions ran on each side: the GPU lane's on the sim device. */
  cr_assert_geq(after.device_ops - before.device_ops, (uint64_t)o.ops[1]);
  cr_assert_geq(after.cpu_ops - before.cpu_ops, (uint64_t)o.ops[0]);
  cr_assert_eq(after.h2d_count - before.h2d_count, 1); /* x copied to the device once */
  /* Observed overlap: each started before the other ended. */
  cr_assert(o.t0[0] < o.t1[1] && o.t0[1] < o.t1[0], "cpu [%.6f, %.6f] gpu [%.6f, %.6f]", o.t0[0],
            o.t1[0], o.t0[1], o.t1[1]);
  double ov = fmin(o.t1[0], o.t1[1]) - fmax(o.t0[0], o.t0[1]);
  cr_log_info("overlap %.3f ms of cpu %.3f ms, gpu %.3f ms", ov * 1e3, (o.t1[0] - o.t0[0]) * 1e3,
              (o.t1[1] - o.t0[1]) * 1e3);
  tdm_future_release(fc);
  tdm_future_release(fg);
  tdm_buf_destroy(o.x);
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* ---- a GPU task waiting on CPU work does not hold the CPU worker ----------- */
typedef struct {
  tdm_pool *p;
  pthread_t gpu_thread, cpu_thread;
  atomic_long sum;
  int gpu_lane;
} chain;

static tdm_status add_one(const tdm_task_env *env, void *arg) {
  chain *c = arg;
  if (env->lane != TDM_LANE_CPU || env->worker != 0) return TDM_ERR_INTERNAL;
  atomic_fetch_add(&c->sum, 1);
  return TDM_OK;
}

static tdm_status cpu_parent(const tdm_task_env *env, void *arg) {
  chain *c = arg;
  c->cpu_thread = pthread_self();
  tdm_future *f[8];
  for (int i = 0; i < 8; i++) {
    tdm_status s = tdm_submit(c->p, TDM_LANE_CPU, add_one, c, &f[i]);
    if (s != TDM_OK) return s;
  }
  tdm_status st = TDM_OK;
  for (int i = 0; i < 8; i++) {
    if (tdm_future_wait(f[i]) != TDM_OK) st = TDM_ERR_INTERNAL;
    tdm_future_release(f[i]);
  }
  return env->lane == TDM_LANE_CPU ? st : TDM_ERR_INTERNAL;
}

static tdm_status gpu_parent(const tdm_task_env *env, void *arg) {
  chain *c = arg;
  c->gpu_thread = pthread_self();
  c->gpu_lane = env->lane;
  tdm_future *f;
  tdm_status s = tdm_submit(c->p, TDM_LANE_CPU, cpu_parent, c, &f);
  if (s != TDM_OK) return s;
  s = tdm_future_wait(f); /* the only CPU worker must stay free for this */
  tdm_future_release(f);
  return s;
}

Test(task_lanes, gpu_task_waits_on_cpu_tasks_with_one_worker, .timeout = 120) {
  tdm_ctx *ctx = ctx_of(TDM_SIM);
  tdm_pool_config pc = {1, 1};
  tdm_pool *p;
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_OK, "%s", tdm_last_error());
  chain c;
  memset(&c, 0, sizeof c);
  c.p = p;
  tdm_future *f;
  cr_assert_eq(tdm_submit(p, TDM_LANE_GPU, gpu_parent, &c, &f), TDM_OK);
  cr_assert_eq(tdm_future_wait(f), TDM_OK, "%s", tdm_last_error());
  tdm_future_release(f);
  cr_assert_eq(atomic_load(&c.sum), 8);
  cr_assert_eq(c.gpu_lane, TDM_LANE_GPU);
  cr_assert(!pthread_equal(c.gpu_thread, c.cpu_thread));
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* ---- ANY tasks take the GPU lane when the CPU worker is busy ---------------- */
static atomic_int any_on_gpu;

static tdm_status hold_cpu(const tdm_task_env *env, void *arg) {
  (void)env;
  (void)arg;
  for (int t = 0; t < 20000 && !atomic_load(&any_on_gpu); t++) usleep(500);
  return atomic_load(&any_on_gpu) ? TDM_OK : TDM_ERR_INTERNAL;
}

static tdm_status any_task(const tdm_task_env *env, void *arg) {
  int *where = arg;
  *where = env->lane;
  if (env->lane == TDM_LANE_GPU) atomic_store(&any_on_gpu, 1);
  return TDM_OK;
}

Test(task_lanes, any_tasks_run_where_a_lane_is_free, .timeout = 120) {
  tdm_ctx *ctx = ctx_of(TDM_SIM);
  tdm_pool_config pc = {1, 1};
  tdm_pool *p;
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_OK);
  atomic_store(&any_on_gpu, 0);
  tdm_future *hold, *f[16];
  int where[16];
  cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, hold_cpu, NULL, &hold), TDM_OK);
  for (int i = 0; i < 16; i++) cr_assert_eq(tdm_submit(p, TDM_LANE_ANY, any_task, &where[i], &f[i]), TDM_OK);
  cr_assert_eq(tdm_future_wait(hold), TDM_OK, "no ANY task ran on the idle GPU lane");
  for (int i = 0; i < 16; i++) {
    cr_assert_eq(tdm_future_wait(f[i]), TDM_OK);
    cr_assert(where[i] == TDM_LANE_CPU || where[i] == TDM_LANE_GPU);
    tdm_future_release(f[i]);
  }
  tdm_future_release(hold);
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* ---- concurrent readers of one buffer copy it once --------------------------- */
typedef struct {
  tdm_buf *x;
  double expect;
  atomic_int bad;
} readers;

static tdm_status read_item(const tdm_task_env *env, size_t i, void *arg) {
  (void)i;
  readers *r = arg;
  tdm_reduce_op op = TDM_SUM;
  double s;
  if (tdm_reduce(env->ctx, r->x, 1, &op, &s) != TDM_OK || s != r->expect) atomic_fetch_add(&r->bad, 1);
  return TDM_OK;
}

static tdm_status read_task(const tdm_task_env *env, void *arg) { return read_item(env, 0, arg); }

Test(task_lanes, concurrent_readers_copy_once, .timeout = 120) {
  tdm_ctx *ctx = ctx_of(TDM_SIM);
  tdm_pool_config pc = {2, 3};
  tdm_pool *p;
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_OK);
  enum { M = 1 << 16 };
  double *h = malloc(M * sizeof *h);
  readers r = {NULL, 0, 0};
  for (int i = 0; i < M; i++) h[i] = (double)(i % 5);
  for (int i = 0; i < M; i++) r.expect += h[i];
  /* Host-valid: three GPU lanes read it at once; one h2d. */
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, M, 1, &r.x), TDM_OK);
  cr_assert_eq(tdm_buf_write(r.x, h), TDM_OK);
  tdm_ctx_stats_reset(ctx);
  tdm_future *f[12];
  for (int i = 0; i < 12; i++) cr_assert_eq(tdm_submit(p, TDM_LANE_GPU, read_task, &r, &f[i]), TDM_OK);
  for (int i = 0; i < 12; i++) {
    cr_assert_eq(tdm_future_wait(f[i]), TDM_OK);
    tdm_future_release(f[i]);
  }
  tdm_stats st;
  tdm_ctx_stats(ctx, &st);
  cr_assert_eq(st.h2d_count, 1);
  cr_assert_eq(atomic_load(&r.bad), 0);
  /* Device-valid only (a device op wrote it): CPU workers read it at once;
   * one d2h. A group reduction on the sim device writes the sums. */
  tdm_buf *g, *sums;
  int32_t *ids = malloc(M * sizeof *ids);
  for (int i = 0; i < M; i++) ids[i] = i % 4;
  cr_assert_eq(tdm_buf_create(ctx, TDM_I32, M, 1, &g), TDM_OK);
  cr_assert_eq(tdm_buf_write(g, ids), TDM_OK);
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 4, 1, &sums), TDM_OK);
  cr_assert_eq(tdm_group_reduce(ctx, r.x, g, 4, TDM_SUM, sums), TDM_OK, "%s", tdm_last_error());
  readers r2 = {sums, 0, 0};
  for (int k = 0; k < 4; k++) {
    double s = 0;
    for (int i = k; i < M; i += 4) s += h[i];
    r2.expect += s;
  }
  tdm_ctx_stats_reset(ctx);
  cr_assert_eq(tdm_map(p, 64, read_item, &r2, (tdm_schedule){TDM_SCHED_DYNAMIC, 1, TDM_LANE_CPU}), TDM_OK);
  tdm_ctx_stats(ctx, &st);
  cr_assert_eq(st.d2h_count, 1);
  cr_assert_eq(atomic_load(&r2.bad), 0);
  tdm_buf_destroy(g);
  tdm_buf_destroy(sums);
  tdm_buf_destroy(r.x);
  free(ids);
  free(h);
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* ---- no device ---------------------------------------------------------------- */
static tdm_status lane_of(const tdm_task_env *env, void *arg) {
  *(int *)arg = env->lane;
  return TDM_OK;
}

Test(task_lanes, no_device_means_no_gpu_lane, .timeout = 120) {
  tdm_ctx *ctx = ctx_of(TDM_CPU);
  tdm_pool *p;
  tdm_pool_config pc = {2, 2};
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_ERR_NO_DEVICE);
  cr_assert(strstr(tdm_last_error(), "tdm_pool_create"), "%s", tdm_last_error());
  cr_assert_eq(tdm_pool_create(ctx, NULL, &p), TDM_OK);
  tdm_future *f;
  cr_assert_eq(tdm_submit(p, TDM_LANE_GPU, lane_of, NULL, &f), TDM_ERR_NO_DEVICE);
  cr_assert(strstr(tdm_last_error(), "tdm_submit: lane"), "%s", tdm_last_error());
  int lane = -1;
  cr_assert_eq(tdm_submit(p, TDM_LANE_ANY, lane_of, &lane, &f), TDM_OK);
  cr_assert_eq(tdm_future_wait(f), TDM_OK);
  cr_assert_eq(lane, TDM_LANE_CPU);
  tdm_future_release(f);
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}
