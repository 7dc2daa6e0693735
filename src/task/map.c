/* map.c -- tdm_map: fn(i) for i in [0, n) on the pool's CPU workers and GPU
 * lanes (sched.lanes picks which). A map is Rc CPU runner tasks and Rg GPU
 * runner tasks sharing one job:
 *   STATIC  the indices are cut in a CPU part and a GPU part sized by the
 *           lanes' measured rates (the pool's running ratio, maprate.c);
 *           inside a part chunk k (default: one block per runner) belongs
 *           to runner k % R of that part;
 *   DYNAMIC runners take the next `chunk` indices (default 1) as they free up;
 *   GUIDED  runners take ceil(remaining / 2R) indices, never fewer than chunk.
 * A GPU runner syncs its lane after each chunk, so its device work is done
 * (and its errors known) before the map returns. A runner that finishes
 * takes back GPU runners still queued behind busy lanes and runs them
 * itself, so a map never waits for a lane that is busy elsewhere.
 * Every index below the lowest failing one still runs and those above it
 * that have not started are cancelled, so the status returned is the one a
 * serial loop would meet first, whatever the schedule, lanes or threads. */
#include <stdio.h>
#include <time.h>

#include "core/alloc.h"
#include "core/error.h"
#include "task/task_int.h"

typedef struct tdm__map tdm__map;
typedef struct tdm__runner {
  tdm__task task;
  tdm__map *m;
  int gpu;           /* 1: queued for a GPU lane */
  size_t r;          /* index among the runners of its part */
  atomic_int started;
} tdm__runner;

typedef struct tdm__part {
  size_t lo, hi, chunk, nchunks, R; /* STATIC: the indices one kind of runner owns */
} tdm__part;

struct tdm__map {
  tdm_pool *pool;
  tdm_map_fn fn;
  void *arg;
  tdm_status *status; /* per index, or NULL */
  tdm_sched_kind kind;
  size_t n, chunk, R, Rc, Rg;
  tdm__part part[2];   /* STATIC: [0] CPU runners, [1] GPU runners */
  atomic_size_t next;  /* DYNAMIC, GUIDED: first index not handed out */
  atomic_size_t fail;  /* lowest failing index so far, SIZE_MAX if none */
  pthread_mutex_t fmu; /* guards fstatus, fmsg, busy, ran */
  tdm_status fstatus;
  char fmsg[TDM__MSG];
  double busy[2];      /* seconds runners spent on CPU workers / GPU lanes */
  size_t ran[2];       /* indices they ran there */
  tdm__latch done;     /* counts runners */
  tdm__runner run[];
};

static double tdm__secs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Records that index i failed with s, keeping the lowest. */
static void tdm__fail(tdm__map *m, size_t i, tdm_status s) {
  if (m->status) m->status[i] = s;
  pthread_mutex_lock(&m->fmu);
  if (i < atomic_load(&m->fail)) {
    atomic_store(&m->fail, i);
    m->fstatus = s;
    snprintf(m->fmsg, sizeof m->fmsg, "%s", tdm_last_error());
  }
  pthread_mutex_unlock(&m->fmu);
}

/* Runs index i unless a lower one failed; 0 when the runner should stop. */
static int tdm__item(tdm__map *m, tdm_task_env *env, size_t i) {
  if (i >= atomic_load_explicit(&m->fail, memory_order_relaxed)) return 0;
  env->index = i;
  tdm__err_clear();
  tdm_status s = m->fn(env, i, m->arg);
  if (s == TDM_OK) {
    if (m->status) m->status[i] = s;
    return 1;
  }
  if (!tdm__status_valid(s))
    s = tdm__err(TDM_ERR_INVALID, "tdm_map: index %zu returned %d, which is not a tdm_status", i,
                 (int)s);
  tdm__fail(m, i, s);
  return 0; /* the rest of this runner's indices are above i */
}

/* Runs [lo, hi); on a GPU lane then waits for the lane's device work (a
 * device failure is charged to lo). Counts what ran in *count. */
static int tdm__range(tdm__map *m, tdm_task_env *env, size_t lo, size_t hi, size_t *count) {
  int go = 1;
  size_t i = lo;
  for (; i < hi && go; i++) go = tdm__item(m, env, i);
  *count += i - lo;
  if (env->lane == TDM_LANE_GPU && i > lo) {
    tdm_status s = tdm_ctx_sync(env->ctx);
    if (s != TDM_OK) {
      tdm__fail(m, lo, s);
      return 0;
    }
  }
  return go;
}

/* The indices of one runner, run at w. */
static void tdm__runner_work(tdm__runner *rn, const tdm__where *w) {
  tdm__map *m = rn->m;
  tdm_pool *p = m->pool;
  /* w->id counts GPU lanes on a lane and CPU workers on a worker: index
   * only the array it belongs to */
  tdm_task_env env = w->gpu ? (tdm_task_env){p->gpu_ctx[w->id], TDM_LANE_GPU, p->W + w->id, 0}
                            : (tdm_task_env){p->cpu_ctx ? p->cpu_ctx[w->id] : NULL, TDM_LANE_CPU,
                                             w->id, 0};
  const size_t n = m->n, chunk = m->chunk;
  size_t count = 0;
  double t0 = m->Rg ? tdm__secs() : 0;
  if (m->kind == TDM_SCHED_STATIC) {
    const tdm__part *pt = &m->part[rn->gpu];
    for (size_t k = rn->r; k < pt->nchunks; k += pt->R) {
      size_t lo = pt->lo + k * pt->chunk, hi = pt->hi - lo > pt->chunk ? lo + pt->chunk : pt->hi;
      if (!tdm__range(m, &env, lo, hi, &count)) break;
    }
  } else if (m->kind == TDM_SCHED_DYNAMIC) {
    for (;;) {
      size_t lo = atomic_fetch_add(&m->next, chunk);
      if (lo >= n) break;
      if (!tdm__range(m, &env, lo, n - lo > chunk ? lo + chunk : n, &count)) break;
    }
  } else {
    for (;;) {
      size_t lo = atomic_load(&m->next), hi;
      do {
        if (lo >= n) goto out;
        size_t rem = n - lo, c = rem / (2 * m->R) + (rem % (2 * m->R) != 0);
        if (c < chunk) c = chunk;
        hi = c < rem ? lo + c : n;
      } while (!atomic_compare_exchange_weak(&m->next, &lo, hi));
      if (!tdm__range(m, &env, lo, hi, &count)) break;
    }
  }
out:
  if (m->Rg && count) { /* rates for STATIC splits to come */
    double t = tdm__secs() - t0;
    pthread_mutex_lock(&m->fmu);
    m->busy[w->gpu] += t;
    m->ran[w->gpu] += count;
    pthread_mutex_unlock(&m->fmu);
  }
}

static void tdm__runner_exec(tdm__task *t, const tdm__where *w) {
  tdm__runner *rn = (tdm__runner *)(void *)t;
  tdm__map *m = rn->m;
  atomic_store(&rn->started, 1);
  tdm__runner_work(rn, w);
  /* GPU runners still queued (their lanes busy elsewhere): run them here. */
  for (size_t g = m->Rc; g < m->R; g++) {
    tdm__runner *o = &m->run[g];
    if (o == rn || atomic_load(&o->started) || !tdm__lanes_remove(m->pool, &o->task)) continue;
    atomic_store(&o->started, 1);
    tdm__runner_work(o, w);
    tdm__latch_arrive(&m->done); /* never the last arrival: rn's own comes after */
  }
  tdm__latch_arrive(&m->done); /* m may be gone after this */
}

static size_t tdm__ceil_div(size_t a, size_t b) { return a / b + (a % b != 0); }

/* STATIC: part K gets [lo, hi) in chunks of `chunk` over at most R runners. */
static void tdm__part_set(tdm__part *pt, size_t lo, size_t hi, size_t chunk, size_t R) {
  pt->lo = lo;
  pt->hi = hi;
  if (hi <= lo || R == 0) {
    pt->chunk = 1, pt->nchunks = 0, pt->R = 0;
    return;
  }
  pt->chunk = chunk ? chunk : tdm__ceil_div(hi - lo, R);
  pt->nchunks = tdm__ceil_div(hi - lo, pt->chunk);
  pt->R = pt->nchunks < R ? pt->nchunks : R;
}

/* Chooses the runners: Rc CPU and Rg GPU ones, and STATIC's parts. */
static void tdm__plan(tdm__map *m, size_t Wc, size_t Wg, size_t chunk0) {
  const size_t n = m->n;
  double speed = Wg ? tdm__pool_gpu_speed(m->pool) : 1.0; /* a GPU runner's rate / a CPU one's */
  if (m->kind == TDM_SCHED_STATIC) {
    double fc = Wg ? (double)Wc / ((double)Wc + (double)Wg * speed) : 1.0;
    if (chunk0 == 0) {
      size_t cut = (size_t)((double)n * fc + 0.5);
      if (cut > n) cut = n;
      tdm__part_set(&m->part[0], 0, cut, 0, Wc);
      tdm__part_set(&m->part[1], cut, n, 0, Wg);
      m->chunk = m->part[0].R ? m->part[0].chunk : m->part[1].chunk;
    } else {
      size_t chunk = chunk0 > n ? n : chunk0, nch = tdm__ceil_div(n, chunk);
      size_t cc = (size_t)((double)nch * fc + 0.5);
      if (cc > nch) cc = nch;
      size_t cut = cc * chunk < n ? cc * chunk : n;
      tdm__part_set(&m->part[0], 0, cut, chunk, Wc);
      tdm__part_set(&m->part[1], cut, n, chunk, Wg);
      m->chunk = chunk;
    }
    m->Rc = m->part[0].R;
    m->Rg = m->part[1].R;
  } else {
    size_t chunk = chunk0 ? (chunk0 > n ? n : chunk0) : 1, nch = tdm__ceil_div(n, chunk);
    size_t Rc = Wc, Rg = Wg;
    if (Rc + Rg > nch) { /* fewer chunks than runners: the faster kind first */
      if (speed > 1.0) Rg = Rg < nch ? Rg : nch, Rc = nch - Rg < Rc ? nch - Rg : Rc;
      else Rc = Rc < nch ? Rc : nch, Rg = nch - Rc < Rg ? nch - Rc : Rg;
    }
    m->chunk = chunk;
    m->Rc = Rc;
    m->Rg = Rg;
  }
  m->R = m->Rc + m->Rg;
}

/* The argument checks; the lanes the map may use in *Wc, *Wg. */
static tdm_status tdm__map_check(tdm_pool *p, tdm_map_fn fn, size_t n, tdm_schedule sched,
                                 size_t *Wc, size_t *Wg) {
  static const char fname[] = "tdm_map";
  TDM__CHECK(!p, TDM_ERR_INVALID, "%s: p: is NULL", fname);
  TDM__CHECK(!fn, TDM_ERR_INVALID, "%s: fn: is NULL", fname);
  TDM__CHECK((int)sched.kind < (int)TDM_SCHED_STATIC || (int)sched.kind > (int)TDM_SCHED_GUIDED,
             TDM_ERR_INVALID, "%s: sched.kind: %d is not STATIC, DYNAMIC or GUIDED", fname,
             (int)sched.kind);
  TDM__CHECK((int)sched.lanes < (int)TDM_LANE_ANY || (int)sched.lanes > (int)TDM_LANE_GPU,
             TDM_ERR_INVALID, "%s: sched.lanes: %d is not TDM_LANE_ANY, TDM_LANE_CPU or TDM_LANE_GPU",
             fname, (int)sched.lanes);
  TDM__CHECK(sched.lanes == TDM_LANE_GPU && p->G == 0, TDM_ERR_INVALID,
             "%s: sched.lanes: TDM_LANE_GPU, but the pool has no GPU lane (%s)", fname,
             p->ctx->dev ? "made with none" : tdm_ctx_device_note(p->ctx));
  TDM__CHECK(n > SIZE_MAX / 1024, TDM_ERR_INVALID, "%s: n: %zu indices is too many", fname, n);
  TDM__TRY(tdm__nest_check(fname));
  *Wc = sched.lanes == TDM_LANE_GPU ? 0 : (size_t)p->W;
  *Wg = sched.lanes == TDM_LANE_CPU ? 0 : (size_t)p->G;
  return TDM_OK;
}

/* Queues the runners and runs one here when this thread is a lane of p. */
static void tdm__launch(tdm__map *m) {
  tdm_pool *p = m->pool;
  const tdm__self *me = tdm__me();
  const int id = tdm__sched_worker_id();
  size_t self = SIZE_MAX;
  tdm__where at = {0, id};
  if (id >= 0 && id < p->W && m->Rc) self = 0;
  else if (me->gl && me->gl->pool == p && m->Rg) self = m->Rc, at = (tdm__where){1, me->gl->g};
  for (size_t g = m->Rc; g < m->R; g++)
    if (g != self) tdm__lanes_push(p, &m->run[g].task);
  if (self == 0) {
    for (size_t r = 1; r < m->Rc; r++) tdm__sched_push(&p->inj, &m->run[r].task.job);
  } else if (m->Rc) {
    tdm__sched_inject(&p->inj, &m->run[0].task.job, &m->run[m->Rc - 1].task.job, (int)m->Rc);
  }
  if (self != SIZE_MAX) {
    tdm__self *mine = tdm__me();
    mine->nest++;
    tdm__runner_exec(&m->run[self].task, &at);
    mine->nest--;
  }
}

tdm_status tdm_map_status(tdm_pool *p, size_t n, tdm_map_fn fn, void *arg, tdm_schedule sched,
                          tdm_status status[]) {
  size_t Wc = 0, Wg = 0;
  TDM__TRY(tdm__map_check(p, fn, n, sched, &Wc, &Wg));
  if (n == 0) return TDM_OK;
  size_t most = Wc + Wg;
  tdm__map *m = tdm__malloc(sizeof *m + most * sizeof m->run[0]);
  TDM__CHECK(!m, TDM_ERR_NOMEM, "tdm_map: out of host memory for the map");
  m->pool = p;
  m->fn = fn;
  m->arg = arg;
  m->status = status;
  m->kind = sched.kind;
  m->n = n;
  tdm__plan(m, Wc, Wg, sched.chunk);
  atomic_init(&m->next, 0);
  atomic_init(&m->fail, SIZE_MAX);
  pthread_mutex_init(&m->fmu, NULL);
  m->fstatus = TDM_OK;
  m->fmsg[0] = '\0';
  m->busy[0] = m->busy[1] = 0;
  m->ran[0] = m->ran[1] = 0;
  tdm__latch_init(&m->done, (long)m->R);
  if (status)
    for (size_t i = 0; i < n; i++) status[i] = TDM_ERR_CANCELLED;
  for (size_t r = 0; r < m->R; r++) {
    tdm__runner *rn = &m->run[r];
    int gpu = r >= m->Rc;
    rn->task = tdm__task_make(tdm__runner_exec, r + 1 < m->Rc ? &m->run[r + 1].task : NULL, p, 0);
    rn->m = m;
    rn->gpu = gpu;
    rn->r = gpu ? r - m->Rc : r;
    atomic_init(&rn->started, 0);
  }
  tdm__launch(m);
  tdm__latch_wait(&m->done);
  tdm_status s = m->fstatus;
  if (s != TDM_OK)
    tdm__err(s, "tdm_map: index %zu failed: %s", atomic_load(&m->fail),
             m->fmsg[0] ? m->fmsg : tdm_status_text(s));
  if (m->Rg) tdm__pool_rate_note(p, m->busy, m->ran);
  pthread_mutex_destroy(&m->fmu);
  tdm__free(m);
  return s;
}

tdm_status tdm_map(tdm_pool *p, size_t n, tdm_map_fn fn, void *arg, tdm_schedule sched) {
  return tdm_map_status(p, n, fn, arg, sched, NULL);
}
