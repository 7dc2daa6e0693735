/* task_int.h -- the task layer's internal types: a task header every queue
 * holds, the thread's role (CPU worker, GPU lane, or any other thread),
 * parkers and latches for waiting, the pool body, and the calls between
 * the scheduler (sched.c), lanes (lane.c), futures, maps and loops. */
#ifndef TDM_TASK_INT_H
#define TDM_TASK_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "core/ctx_int.h"

/* CPU worker threads in the process: the same limit as tdm_config's
 * threads (TDM_NUM_THREADS, 1..4096), so a pool takes every count a
 * context does. */
#define TDM__MAX_WORKERS 4096
#define TDM__MAX_GPU_LANES 64
/* Stack of every library thread, and how deep tasks may nest on one: a
 * waiting worker runs other tasks on its own stack (help-first), so each
 * level of nesting costs stack. Past TDM_TASK_MAX_DEPTH levels, tdm_submit
 * and tdm_map refuse (tandem.h); 16 KiB a level is left for the task. */
#define TDM__STACK_BYTES ((size_t)16 << 20)
#define TDM__MSG 256         /* bytes of a task's error message kept for its waiter */

/* A status a task may return: one of the enum's values. */
#define TDM__ONE_STATUS(name, text) +1
enum { TDM__NSTATUS = 0 TDM_STATUS_MAP(TDM__ONE_STATUS) };
#undef TDM__ONE_STATUS
static inline int tdm__status_valid(tdm_status s) { return (unsigned)s < (unsigned)TDM__NSTATUS; }

/* ---- threads: who is running ------------------------------------------- */
enum { TDM__SELF_EXT = 0, TDM__SELF_CPU = 1, TDM__SELF_GPU = 2 };
struct tdm__glane;
typedef struct tdm__self {
  int kind;               /* TDM__SELF_* */
  int id;                 /* worker id (CPU) or lane index (GPU) */
  struct tdm__glane *gl;  /* GPU lane thread: its lane */
  int depth;              /* > 0 while running chunks of a parallel loop */
  int nest;               /* task bodies running on this thread's stack */
} tdm__self;
tdm__self *tdm__me(void);

/* ---- parking: a binary semaphore on a mutex and condition --------------- */
typedef struct tdm__parker {
  pthread_mutex_t m;
  pthread_cond_t c;
  int token;
} tdm__parker;
void tdm__parker_init(tdm__parker *p);
void tdm__parker_fini(tdm__parker *p);
void tdm__park(tdm__parker *p);   /* returns once a token is there, consuming it */
void tdm__unpark(tdm__parker *p); /* leaves a token, wakes the parked thread */
tdm__parker *tdm__my_parker(void); /* this thread's parker (created on first use) */

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
  tdm__exec_fn exec;
  tdm__task *next;   /* link in an inject or GPU queue */
  tdm_pool *pool;
  int claimable;     /* a future: claimed once (it may sit in two queues, or be cancelled) */
};
/* Runs t on the current thread at w, unless it is a future already claimed
 * (then it drops the queue's reference). */
void tdm__task_run(tdm__task *t, const tdm__where *w);
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
  /* inject queue (tasks from threads that are not its workers), under the
   * scheduler's inject lock */
  tdm__task *inj_head, *inj_tail;
  long inj_len;
  tdm_pool *inj_next;
  int inj_linked;
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

/* ---- scheduler (sched.c) ---------------------------------------------------- */
/* Starts workers until there are n (capped at TDM__MAX_WORKERS); returns
 * how many there are (fewer: *err, when not NULL, says why, an errno). */
int tdm__sched_ensure(int n, int *err);
int tdm__sched_workers(void);
/* Queues t for p's CPU workers: on this worker's deque when it is one of
 * them, else on p's inject queue; wakes a parked worker. */
void tdm__sched_push(tdm_pool *p, tdm__task *t);
/* This worker's id when it is one of p's and already has many tasks queued
 * (it should run a new one at once, like OpenMP's undeferred tasks); -1
 * otherwise. */
int tdm__sched_undeferred(tdm_pool *p);
/* Queues the n tasks first..last (linked by next) on p's inject queue. */
void tdm__sched_inject(tdm_pool *p, tdm__task *first, tdm__task *last, int n);
/* Removes p's inject queue (entries left there are dropped claimed futures). */
void tdm__sched_forget(tdm_pool *p);
/* This CPU worker runs work until *fired (forever when fired is NULL). */
void tdm__worker_run(atomic_int *fired);
/* This CPU worker runs one piece of work; 0 if it found none. */
int tdm__worker_help(void);
/* Starts a library thread (TDM__STACK_BYTES of stack, the caller's signal
 * mask); 0 or an errno. */
int tdm__thread_start(pthread_t *t, void *(*fn)(void *), void *arg, int detached);
/* Test hook: the nth thread start from now fails with EAGAIN; 0 disarms. */
void tdm__thread_fail_after(long n);
/* Wakes up to n parked workers with id < limit; returns how many. */
int tdm__sched_wake(int n, int limit);
/* Workers searching for work or parked (an estimate). */
int tdm__sched_idle(void);

/* ---- parallel loops (loop.c) -------------------------------------------- */
/* An idle worker joins a published loop; 1 if it did some of its work. */
int tdm__loop_help(void);
int tdm__loop_live(void);
void tdm__loop_atfork_child(void); /* the board, reset in a child of fork() */

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
