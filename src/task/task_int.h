/* task_int.h -- the task layer's internal types: a task header every queue
 * holds (a scheduler job plus what a lane needs), the thread's part in the
 * task layer (GPU lane, task bodies on its stack), latches for waiting,
 * the pool body, and the calls between lanes (lane.c), futures and maps.
 * The CPU workers, their deques, parkers and the parallel loop are the
 * scheduler's, one layer below (src/sched/sched.h). */
#ifndef TDM_TASK_INT_H
#define TDM_TASK_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "core/ctx_int.h"
#include "sched/sched.h"

#define TDM__MAX_GPU_LANES 64
#define TDM__MSG 256         /* bytes of a task's error message kept for its waiter */

/* A status a task may return: one of the enum's values. */
#define TDM__ONE_STATUS(name, text) +1
enum { TDM__NSTATUS = 0 TDM_STATUS_MAP(TDM__ONE_STATUS) };
#undef TDM__ONE_STATUS
static inline int tdm__status_valid(tdm_status s) { return (unsigned)s < (unsigned)TDM__NSTATUS; }

/* ---- threads: who is running ------------------------------------------- */
/* Whether this thread is a CPU worker (and which) is the scheduler's
 * (tdm__sched_worker_id); the task layer keeps the rest. */
struct tdm__glane;
typedef struct tdm__self {
  struct tdm__glane *gl;  /* GPU lane thread: its lane; NULL on any other */
  int nest;               /* task bodies running on this thread's stack */
} tdm__self;
tdm__self *tdm__me(void);
/* The task layer's part of a child of fork() (atfork.c): the forking
 * thread is no lane there and runs no task body. Registered by the first
 * pool. */
void tdm__task_atfork_install(void);

/* ---- latches: a count that fires its waiters once when it reaches 0 ----- */
typedef struct tdm__wnode {
  tdm__parker *p;
  struct tdm__wnode *next;
  atomic_int fired;    /* set before the waiter is unparked */
  atomic_int released; /* the firer's last touch: the node may go after this */
} tdm__wnode;
typedef struct tdm__latch {
  atomic_long count;
  _Atomic(tdm__wnode *) waiters; /* list, or TDM__FIRED once fired */
} tdm__latch;
#define TDM__FIRED ((tdm__wnode *)(uintptr_t)1)
void tdm__latch_init(tdm__latch *l, long count);
/* Counts one arrival; the last one wakes the waiters. After the last
 * arrival the latch may be freed by a waiter: callers touch nothing of
 * the object holding it after calling this. */
void tdm__latch_arrive(tdm__latch *l);
int tdm__latch_fired(tdm__latch *l);
/* Waits until fired. A CPU worker or GPU lane runs other work meanwhile
 * (help-first); any other thread sleeps. */
void tdm__latch_wait(tdm__latch *l);

/* ---- tasks ---------------------------------------------------------------- */
typedef struct tdm__task tdm__task;
typedef struct tdm__where {
  int gpu; /* 0: CPU worker `id`; 1: GPU lane `id` of the task's pool */
  int id;
} tdm__where;
/* Runs the task. For runners of a map (not claimable) the object may be
 * freed once exec returns; for futures it is reference counted. */
typedef void (*tdm__exec_fn)(tdm__task *t, const tdm__where *w);
struct tdm__task {
  tdm__job job;      /* first: the scheduler's view; job.next links the inject or GPU queue */
  tdm__exec_fn exec;
  tdm_pool *pool;
  int claimable;     /* a future: claimed once (it may sit in two queues, or be cancelled) */
};
/* The job function of every task (run.c): tdm__task_run on CPU worker w. */
void tdm__task_job(tdm__job *j, int worker);
static inline tdm__task tdm__task_make(tdm__exec_fn exec, tdm__task *next, tdm_pool *pool,
                                       int claimable) {
  return (tdm__task){{tdm__task_job, next ? &next->job : NULL}, exec, pool, claimable};
}
static inline tdm__task *tdm__task_of(tdm__job *j) { return (tdm__task *)(void *)j; }
static inline tdm__task *tdm__task_next(const tdm__task *t) {
  return t->job.next ? tdm__task_of(t->job.next) : NULL;
}
/* Runs t on the current thread at w, unless it is a future already claimed
 * (then it drops the queue's reference). */
void tdm__task_run(tdm__task *t, const tdm__where *w);
/* Drops the tasks left on a queue that is going (linked by job.next):
 * only second entries of finished futures can be left. */
void tdm__task_drop_left(tdm__job *left);
/* TDM_OK, or the error of fn (tdm_submit, tdm_map) called with
 * TDM_TASK_MAX_DEPTH task bodies already running on this thread's stack. */
tdm_status tdm__nest_check(const char *fn);
/* future.c: claim / drop for claimable tasks. */
int tdm__future_claim(tdm__task *t);
void tdm__future_unref_task(tdm__task *t);

/* fcache.c: blocks of one size (futures), cached per thread. */
void *tdm__fcache_take(size_t bytes);
void tdm__fcache_give(void *p);

/* ---- GPU lanes ------------------------------------------------------------ */
typedef struct tdm__glane {
  tdm_pool *pool;
  int g;
  int idle;     /* under pool->gmu: parked waiting for GPU work */
  int started;
  pthread_t thr;
  tdm__parker park;
} tdm__glane;

/* ---- the pool --------------------------------------------------------------- */
struct tdm_pool {
  tdm_ctx *ctx;          /* root context */
  int W, G;              /* CPU workers 0..W-1 of the scheduler; GPU lanes */
  tdm_ctx **cpu_ctx;     /* one CPU lane context per worker */
  tdm_ctx **gpu_ctx;     /* one GPU lane context per GPU lane */
  tdm__glane *lanes;
  /* inject queue (tasks from threads that are not its workers; limit W),
   * the scheduler's */
  tdm__squeue inj;
  /* GPU queue, under gmu */
  pthread_mutex_t gmu;
  tdm__task *gq_head, *gq_tail;
  int stopping;
  /* submitted futures not finished; its last decrement runs under dmu */
  atomic_long outstanding;
  pthread_mutex_t dmu;
  pthread_cond_t dcv;
  /* maps' running rate ratio (rate.c), under gmu */
  double gpu_speed; /* a GPU runner's indices per second / a CPU runner's */
  int speed_known;
};
void tdm__pool_task_done(tdm_pool *p);

/* ---- rate.c: how fast GPU lanes run map indices against CPU workers ----- */
/* The ratio STATIC maps size their GPU part by (1 until measured). */
double tdm__pool_gpu_speed(tdm_pool *p);
/* Folds in a map's measurement: busy seconds and indices run on CPU
 * workers [0] and GPU lanes [1]. */
void tdm__pool_rate_note(tdm_pool *p, const double busy[2], const size_t ran[2]);

/* ---- GPU lanes (lane.c) ----------------------------------------------------- */
tdm_status tdm__lanes_start(tdm_pool *p);
void tdm__lanes_stop(tdm_pool *p);
/* Queues t on p's GPU queue; wakes an idle lane. */
void tdm__lanes_push(tdm_pool *p, tdm__task *t);
/* Takes t out of p's GPU queue; 1 if it was there (no lane will run it). */
int tdm__lanes_remove(tdm_pool *p, tdm__task *t);
/* This GPU lane runs its pool's GPU work until *fired (or the pool stops
 * when fired is NULL). */
void tdm__lane_run(tdm__glane *gl, atomic_int *fired);

#endif
