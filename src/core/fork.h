/* fork.h -- the library's fork() handlers: one pthread_atfork
 * registration (fork.c) that takes the library's locks in a fixed order
 * before a fork and, in the child, resets what the parent's other threads
 * left behind, so a child can make a fresh context and pool and work. Each
 * layer provides its part; the rule for users is in docs/tasks.md. */
#ifndef TDM_FORK_H
#define TDM_FORK_H

#include "core/ctx_int.h"

/* Registers the handlers once (tdm_ctx_create calls it). */
void tdm__fork_install(void);
/* Live top-level contexts: their locks are taken before a fork. */
void tdm__fork_track(tdm_ctx *root);
void tdm__fork_untrack(tdm_ctx *root);

/* The layers' parts, in the order prepare takes them: contexts (fork.c),
 * sim queues (src/sim/queue.c). The scheduler and the task layer register
 * their own child handlers (src/sched/sched.c, src/task/atfork.c). */
void tdm__sim_atfork_prepare(void);
void tdm__sim_atfork_parent(void);
void tdm__sim_atfork_child(void);

#endif
