/* sched.h -- the work-stealing scheduler below every other layer: the one
 * process-wide set of CPU workers (sched.c), their deques (deque.c), the
 * CPU kernels' parallel loop (loop.c), and each thread's identity and
 * parker (self.c). It knows nothing of contexts, pools or statuses: it
 * runs jobs (a function and a link) from queues with a worker limit, and
 * reports failures as errno values. The task layer (src/task) builds
 * futures, maps and pools on it. Includes only libc and pthreads. */
#ifndef TDM_SCHED_H
#define TDM_SCHED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* CPU worker threads in the process: the same limit as tdm_config's
 * threads (TDM_NUM_THREADS, 1..4096), so a pool takes every count a
 * context does. */
#define TDM__MAX_WORKERS 4096
/* Stack of every library thread, and how deep tasks may nest on one: a
 * waiting worker runs other tasks on its own stack (help-first), so each
 * level of nesting costs stack. Past TDM_TASK_MAX_DEPTH levels, tdm_submit
 * and tdm_map refuse (tandem.h); 16 KiB a level is left for the task. */
#define TDM__STACK_BYTES ((size_t)16 << 20)

/* ---- parking: a binary semaphore on a mutex and condition (self.c) ------ */
typedef struct tdm__parker {
  pthread_mutex_t m;
  pthread_cond_t c;
  int token;
} tdm__parker;
void tdm__parker_init(tdm__parker *p);
void tdm__parker_fini(tdm__parker *p);
void tdm__park(tdm__parker *p);   /* returns once a token is there, consuming it */
void tdm__unpark(tdm__parker *p); /* leaves a token, wakes the parked thread */
/* This thread's parker: the one it adopted (tdm__sched_adopt), else its
 * own (created on first use). */
tdm__parker *tdm__my_parker(void);

/* ---- this thread (self.c) ------------------------------------------------ */
/* This thread's CPU worker id, or -1 when it is not a CPU worker. */
int tdm__sched_worker_id(void);
/* Marks this thread as a library thread that is not a CPU worker (a GPU
 * lane): its parallel loops count as nested, and it parks on p. */
void tdm__sched_adopt(tdm__parker *p);
/* 1 on a library thread (worker or adopted) or inside a loop's chunk. */
int tdm__in_worker(void);

/* ---- jobs and queues (sched.c) ------------------------------------------- */
typedef struct tdm__job tdm__job;
/* Runs j on CPU worker `worker` (the job may be freed once it returns). */
typedef void (*tdm__job_fn)(tdm__job *j, int worker);
struct tdm__job {
  tdm__job_fn run;
  tdm__job *next; /* link while queued (the layer above may reuse it in its own queues) */
};
/* An inject queue: jobs queued by threads that are not among its workers
 * (0..limit-1). Zero it, set limit, and hand it to the calls below; the
 * other fields are the scheduler's (under its inject lock). */
typedef struct tdm__squeue {
  int limit;
  tdm__job *head, *tail;
  long len;
  struct tdm__squeue *next;
  int linked;
} tdm__squeue;

/* Starts workers until there are n (capped at TDM__MAX_WORKERS); returns
 * how many there are (fewer: *err, when not NULL, says why, an errno). */
int tdm__sched_ensure(int n, int *err);
int tdm__sched_workers(void);
/* Queues j for q's workers: on this worker's deque when it is one of them,
 * else on q; wakes a parked worker. */
void tdm__sched_push(tdm__squeue *q, tdm__job *j);
/* This worker's id when it is below limit and already has many jobs
 * queued (it should run a new one at once, like OpenMP's undeferred
 * tasks); -1 otherwise. */
int tdm__sched_undeferred(int limit);
/* Queues the n jobs first..last (linked by next) on q. */
void tdm__sched_inject(tdm__squeue *q, tdm__job *first, tdm__job *last, int n);
/* Removes q from the scheduler; returns the jobs left on it (linked by
 * next), for the caller to drop. */
tdm__job *tdm__sched_forget(tdm__squeue *q);
/* This CPU worker runs work until *fired (forever when fired is NULL). */
void tdm__worker_run(atomic_int *fired);
/* This CPU worker runs one piece of work; 0 if it found none. */
int tdm__worker_help(void);
/* Wakes up to n parked workers with id < limit; returns how many. */
int tdm__sched_wake(int n, int limit);
/* Workers searching for work or parked (an estimate); TDM__MAX_WORKERS
 * when none has started. */
int tdm__sched_idle(void);
/* The same, under the name the CPU backend uses (BLAS thread counts). */
int tdm__idle_workers(void);
/* Cores online. */
int tdm__ncores(void);

/* Starts a library thread (TDM__STACK_BYTES of stack, the caller's signal
 * mask); 0 or an errno. */
int tdm__thread_start(pthread_t *t, void *(*fn)(void *), void *arg, int detached);
/* Test hook: the nth thread start from now fails with EAGAIN; 0 disarms. */
void tdm__thread_fail_after(long n);

/* ---- parallel loops (loop.c) -------------------------------------------- */
/* fn(arg, lo, hi) over [0, n) in chunks of at least grain items, on up to
 * nthreads threads (the caller included). Chunk boundaries are not fixed:
 * code that needs results independent of the thread count works on fixed
 * blocks and merges them in order. */
typedef void (*tdm__range_fn)(void *arg, size_t lo, size_t hi);
void tdm__par_for(int nthreads, size_t n, size_t grain, tdm__range_fn fn, void *arg);

/* ---- between the files of src/sched ---------------------------------------- */
int tdm__loop_help(void);          /* an idle worker joins a loop; 1 if it did some work */
int tdm__loop_live(void);          /* loops that still take helpers exist */
void tdm__loop_atfork_child(void); /* the loop board, reset in a child of fork() */
void tdm__self_atfork_child(void); /* this thread's identity, reset in a child */
void tdm__self_set_worker(int id); /* this thread is CPU worker id (sched.c) */
void tdm__self_depth(int delta);   /* entering (+1) or leaving (-1) a loop's chunks */

#endif
