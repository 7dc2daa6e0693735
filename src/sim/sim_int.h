/* sim_int.h -- the sim device's insides: one shared "device" (its memory
 * account, fake speed figures and list of queues) and one work queue, a
 * thread of its own, per context or task lane. Device pointers handed to
 * the core are tagged so that only the sim's own functions can use them. */
#ifndef TDM_SIM_INT_H
#define TDM_SIM_INT_H

#include <pthread.h>
#include <stdint.h>

#include "cpu/cpu_int.h"
#include "sim/ops.h"

/* Bytes of a command's argument block (an expression's operands fit). */
#define TDM__SIMQ_ARGS 768

typedef struct tdm__simq tdm__simq;
typedef struct tdm__simcmd tdm__simcmd;
typedef struct tdm__simdev tdm__simdev;

/* Runs one command on the queue thread; pointers in it are already real. */
typedef tdm_status (*tdm__simrun)(tdm__simq *q, tdm__simcmd *c);

struct tdm__simcmd {
  tdm__simcmd *next;
  tdm__simrun run;
  int async;        /* heap-owned: the queue frees it; failures become sticky */
  int done;         /* waited commands: set when run */
  tdm_status status;
  /* What the command owns (a reference it was given): release(obj) runs
   * once, on the queue thread after the command ran, or at once if it
   * could not be queued. NULL: nothing owned. */
  void (*release)(void *obj);
  void *obj;
  char msg[1024];   /* waited commands: the queue thread's error message */
  union {
    struct { void *dst; const void *src; size_t bytes; } copy; /* xfer.c */
    /* tdm__simq_call: any CPU kernel over a packed argument block (ops.c). */
    struct { tdm_status (*fn)(tdm__cpu *cpu, void *args);
             _Alignas(16) unsigned char args[TDM__SIMQ_ARGS]; } call;
  } a;
};

struct tdm__simq {
  tdm__cpu cpu;       /* first: the CPU kernels take the state as a tdm__cpu */
  tdm__simdev *dev;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t work, idle;
  tdm__simcmd *head, *tail;
  int busy, stop;
  int lane;           /* a task lane's queue (sync waits for it alone) */
  int hold;           /* test hook: run nothing until released */
  tdm_status err;     /* first failure of an async command, until reported */
  char errmsg[1024];
  tdm__simq *next;    /* in dev->queues */
  int dead;           /* made before fork(), seen in the child: no thread runs it */
  tdm__simq *all_prev, *all_next; /* in the process-wide list (fork handlers) */
};

struct tdm__simdev {
  pthread_mutex_t mu;
  int refs;
  tdm__perf perf;
  size_t mem_limit;   /* 0 = unlimited */
  size_t mem_used;
  tdm__simq *queues;
};

/* queue.c: start/stop a queue's thread; run a command and wait for it
 * (status and message land in the caller's thread), or hand a heap copy
 * to the queue (TDM_ERR_NOMEM if the copy cannot be made); drain. Either
 * way the command's release(obj) runs exactly once. */
tdm_status tdm__simq_start(tdm__simq *q, tdm__simdev *dev, int threads);
void tdm__simq_stop(tdm__simq *q);
tdm_status tdm__simq_wait(tdm__simq *q, tdm__simcmd *c);
tdm_status tdm__simq_async(tdm__simq *q, const tdm__simcmd *c);
tdm_status tdm__simq_sync(tdm__simq *q); /* a context's: the whole device */
/* Waits until every queue of the device is idle (before freeing memory). */
void tdm__simdev_drain(tdm__simdev *dev);
/* fork(): in a child, the parent's queues are dead (no thread runs them):
 * their calls fail with TDM_ERR_BACKEND and stopping one joins nothing, so
 * the child can destroy the parent's contexts and make its own. The
 * handlers are declared in core/fork.h. */

/* mem.c: device memory; handles are tagged pointers, real() untags. */
void *tdm__sim_real(const void *handle);
tdm_status tdm__sim_alloc(void *st, size_t bytes, void **p);
void tdm__sim_free(void *st, void *p);

/* Runs fn(&q->cpu, args) on the queue thread, args (size bytes, at most
 * sizeof c.a.call.args, real pointers already) copied into the command;
 * wait = 1 returns fn's status, wait = 0 returns at once (async, failures
 * sticky) as kernel launches do. ops.c generates its ops' calls from
 * the list in ops.h. */
tdm_status tdm__simq_call(void *st, tdm_status (*fn)(tdm__cpu *cpu, void *args), const void *args,
                          size_t size, int wait);
/* The same for a command that reads an object the caller may destroy as
 * soon as this returns (a program, a table): take a reference first and
 * pass its release; release(obj) runs once the command ran (or at once
 * when it could not be queued), so the object outlives the queued work. */
tdm_status tdm__simq_call_owned(void *st, tdm_status (*fn)(tdm__cpu *cpu, void *args),
                                const void *args, size_t size, int wait,
                                void (*release)(void *obj), void *obj);

/* xfer.c: the table's transfers. */
tdm_status tdm__sim_zero(void *st, void *p, size_t bytes);
tdm_status tdm__sim_h2d(void *st, void *dst, const void *src, size_t bytes);
tdm_status tdm__sim_d2h(void *st, void *dst, const void *src, size_t bytes);
tdm_status tdm__sim_d2d(void *st, void *dst, const void *src, size_t bytes);
/* ops.c: the table's ops, one tdm__sim_<op> per line of ops.h with the
 * backend table's signature. */
TDM__SIM_OPS(TDM__SIM_DECL)

#endif
