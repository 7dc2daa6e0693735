/* atfork.c -- the task layer's part of the library's fork() handlers
 * (src/core/fork.c): the child's one thread is the forking thread, which
 * may have been a CPU worker or GPU lane in the parent (a fork from inside
 * a task). In the child it becomes an ordinary program thread, so the
 * fresh workers a new pool starts do not share its identity or deque, and
 * its parker is re-made since another thread may have held its lock. The
 * scheduler and loop board reset themselves (sched.c, loop.c). */
#include "core/fork.h"
#include "task/task_int.h"

void tdm__task_atfork_child(void) {
  tdm__self *me = tdm__me();
  me->kind = TDM__SELF_EXT;
  me->id = 0;
  me->gl = NULL;
  me->depth = 0;
  me->nest = 0; /* no task body runs in the child */
  tdm__parker_init(tdm__my_parker());
}
