/* map.c -- tdm_map: fn(i) for i in [0, n) on the pool's CPU workers.
 * A map is R = min(workers, chunks) runner tasks sharing one job:
 *   STATIC  chunk k (default n/workers, rounded up) belongs to runner k % R;
 *   DYNAMIC runners take the next `chunk` indices (default 1) as they free up;
 *   GUIDED  runners take ceil(remaining / 2R) indices, never fewer than chunk.
 * Every index below the lowest failing one still runs and those above it
 * that have not started are cancelled, so the status returned is the one a
 * serial loop would meet first, whatever the schedule or thread count. */
#include <stdio.h>

#include "core/alloc.h"
#include "core/error.h"
#include "task/task_int.h"

typedef struct tdm__map tdm__map;
typedef struct tdm__runner {
  tdm__task task;
  tdm__map *m;
  size_t r;
} tdm__runner;

struct tdm__map {
  tdm_pool *pool;
  tdm_map_fn fn;
  void *arg;
  tdm_status *status; /* per index, or NULL */
  tdm_sched_kind kind;
  size_t n, chunk, nchunks, R;
  atomic_size_t next;  /* DYNAMIC, GUIDED: first index not handed out */
  atomic_size_t fail;  /* lowest failing index so far, SIZE_MAX if none */
  pthread_mutex_t fmu; /* guards fstatus, fmsg */
  tdm_status fstatus;
  char fmsg[TDM__MSG];
  tdm__latch done;     /* counts runners */
  tdm__runner run[];
};

/* Runs index i unless a lower one failed; 0 when the runner should stop. */
static int tdm__item(tdm__map *m, tdm_task_env *env, size_t i) {
  if (i >= atomic_load_explicit(&m->fail, memory_order_relaxed)) return 0;
  env->index = i;
  tdm__err_clear();
  tdm_status s = m->fn(env, i, m->arg);
  if (m->status) m->status[i] = s;
  if (s == TDM_OK) return 1;
  pthread_mutex_lock(&m->fmu);
  if (i < atomic_load(&m->fail)) {
    atomic_store(&m->fail, i);
    m->fstatus = s;
    snprintf(m->fmsg, sizeof m->fmsg, "%s", tdm_last_error());
  }
  pthread_mutex_unlock(&m->fmu);
  return 0; /* the rest of this runner's indices are above i */
}

static int tdm__range(tdm__map *m, tdm_task_env *env, size_t lo, size_t hi) {
  for (size_t i = lo; i < hi; i++)
    if (!tdm__item(m, env, i)) return 0;
  return 1;
}

static void tdm__runner_exec(tdm__task *t, const tdm__where *w) {
  tdm__runner *rn = (tdm__runner *)(void *)t;
  tdm__map *m = rn->m;
  tdm_task_env env = {m->pool->cpu_ctx[w->id], TDM_LANE_CPU, w->id, 0};
  const size_t n = m->n, chunk = m->chunk;
  if (m->kind == TDM_SCHED_STATIC) {
    for (size_t k = rn->r; k < m->nchunks; k += m->R) {
      size_t lo = k * chunk, hi = n - lo > chunk ? lo + chunk : n;
      if (!tdm__range(m, &env, lo, hi)) break;
    }
  } else if (m->kind == TDM_SCHED_DYNAMIC) {
    for (;;) {
      size_t lo = atomic_fetch_add(&m->next, chunk);
      if (lo >= n) break;
      if (!tdm__range(m, &env, lo, n - lo > chunk ? lo + chunk : n)) break;
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
      if (!tdm__range(m, &env, lo, hi)) break;
    }
  }
out:
  tdm__latch_arrive(&m->done); /* m may be gone after this */
}

static size_t tdm__ceil_div(size_t a, size_t b) { return a / b + (a % b != 0); }

tdm_status tdm_map_status(tdm_pool *p, size_t n, tdm_map_fn fn, void *arg, tdm_schedule sched,
                          tdm_status status[]) {
  static const char fname[] = "tdm_map";
  TDM__CHECK(!p, TDM_ERR_INVALID, "%s: p: is NULL", fname);
  TDM__CHECK(!fn, TDM_ERR_INVALID, "%s: fn: is NULL", fname);
  TDM__CHECK((int)sched.kind < (int)TDM_SCHED_STATIC || (int)sched.kind > (int)TDM_SCHED_GUIDED,
             TDM_ERR_INVALID, "%s: sched.kind: %d is not STATIC, DYNAMIC or GUIDED", fname,
             (int)sched.kind);
  TDM__CHECK(n > SIZE_MAX / 1024, TDM_ERR_INVALID, "%s: n: %zu indices is too many", fname, n);
  if (n == 0) return TDM_OK;
  size_t W = (size_t)p->W, chunk = sched.chunk;
  if (chunk == 0) chunk = sched.kind == TDM_SCHED_STATIC ? tdm__ceil_div(n, W) : 1;
  if (chunk > n) chunk = n;
  size_t nchunks = tdm__ceil_div(n, chunk), R = nchunks < W ? nchunks : W;
  tdm__map *m = tdm__malloc(sizeof *m + R * sizeof m->run[0]);
  TDM__CHECK(!m, TDM_ERR_NOMEM, "%s: out of host memory for the map", fname);
  m->pool = p;
  m->fn = fn;
  m->arg = arg;
  m->status = status;
  m->kind = sched.kind;
  m->n = n;
  m->chunk = chunk;
  m->nchunks = nchunks;
  m->R = R;
  atomic_init(&m->next, 0);
  atomic_init(&m->fail, SIZE_MAX);
  pthread_mutex_init(&m->fmu, NULL);
  m->fstatus = TDM_OK;
  m->fmsg[0] = '\0';
  tdm__latch_init(&m->done, (long)R);
  if (status)
    for (size_t i = 0; i < n; i++) status[i] = TDM_ERR_CANCELLED;
  for (size_t r = 0; r < R; r++) {
    m->run[r].task = (tdm__task){tdm__runner_exec, r + 1 < R ? &m->run[r + 1].task : NULL, p, 0};
    m->run[r].m = m;
    m->run[r].r = r;
  }
  const tdm__self *me = tdm__me();
  if (me->kind == TDM__SELF_CPU && me->id < p->W) { /* a worker of p: push the others, run one */
    for (size_t r = 1; r < R; r++) tdm__sched_push(p, &m->run[r].task);
    const tdm__where at = {0, me->id};
    tdm__runner_exec(&m->run[0].task, &at);
  } else {
    tdm__sched_inject(p, &m->run[0].task, &m->run[R - 1].task, (int)R);
  }
  tdm__latch_wait(&m->done);
  tdm_status s = m->fstatus;
  if (s != TDM_OK)
    tdm__err(s, "%s: index %zu failed: %s", fname, atomic_load(&m->fail),
             m->fmsg[0] ? m->fmsg : tdm_status_text(s));
  pthread_mutex_destroy(&m->fmu);
  tdm__free(m);
  return s;
}

tdm_status tdm_map(tdm_pool *p, size_t n, tdm_map_fn fn, void *arg, tdm_schedule sched) {
  return tdm_map_status(p, n, fn, arg, sched, NULL);
}
