/* run.c -- running a task on a lane: the job function the scheduler calls
 * on a CPU worker, claiming futures (a TDM_LANE_ANY future sits in two
 * queues and runs once), the count of task bodies on a thread's stack and
 * the nesting limit it is checked against. */
#include "core/error.h"
#include "task/task_int.h"

void tdm__task_run(tdm__task *t, const tdm__where *w) {
  if (t->claimable && !tdm__future_claim(t)) { /* ran or was cancelled elsewhere */
    tdm__future_unref_task(t);
    return;
  }
  tdm__self *me = tdm__me();
  me->nest++;
  t->exec(t, w);
  me->nest--;
}

void tdm__task_job(tdm__job *j, int worker) {
  const tdm__where at = {0, worker};
  tdm__task_run(tdm__task_of(j), &at);
}

void tdm__task_drop_left(tdm__job *left) {
  while (left) {
    tdm__task *t = tdm__task_of(left);
    left = left->next;
    if (t->claimable && !tdm__future_claim(t)) tdm__future_unref_task(t);
  }
}

tdm_status tdm__nest_check(const char *fn) {
  TDM__CHECK(tdm__me()->nest >= TDM_TASK_MAX_DEPTH, TDM_ERR_INVALID,
             "%s: tasks nested %d deep on this thread (the limit, TDM_TASK_MAX_DEPTH; see "
             "docs/tasks.md, \"Nesting\")", fn, tdm__me()->nest);
  return TDM_OK;
}
