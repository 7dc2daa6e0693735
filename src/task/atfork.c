/* atfork.c -- the task layer's part of a child of fork(): the child's one
 * thread is the forking thread, which may have been a GPU lane or inside a
 * task body in the parent (a fork from inside a task); in the child it is
 * no lane and runs no task body. The scheduler resets its own state and
 * the thread's worker identity and parker (src/sched/sched.c, self.c);
 * the library's locks are core's (src/core/fork.c). */
#include "task/task_int.h"

static void tdm__task_atfork_child(void) {
  tdm__self *me = tdm__me();
  me->gl = NULL;
  me->nest = 0;
}

static pthread_once_t tdm__task_fork_once = PTHREAD_ONCE_INIT;
static void tdm__task_fork_register(void) { pthread_atfork(NULL, NULL, tdm__task_atfork_child); }

void tdm__task_atfork_install(void) { pthread_once(&tdm__task_fork_once, tdm__task_fork_register); }
