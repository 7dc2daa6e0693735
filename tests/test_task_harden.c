/* test_task_harden.c -- promises of the task layer that an attack broke:
 * a program started from a task (fork + exec, posix_spawn) can be stopped
 * by SIGTERM (the workers block no signal of their own); nesting 40,000
 * deep returns a clear status instead of overflowing the stack; a status
 * outside the enum is TDM_ERR_INVALID naming the index; a pool takes every
 * worker count a context does (1..4096); threads that cannot start are
 * TDM_ERR_NOMEM with the reason. */
#include <criterion/criterion.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tandem/tandem.h>

#include "support/support.h"

#include "task/task_int.h"

extern char **environ;

/* ---- signals ------------------------------------------------------------------ */
typedef struct {
  int spawn;          /* 0 fork + exec, 1 posix_spawn */
  pid_t pid;
  int term_blocked;   /* SIGTERM blocked on the worker */
} child_job;

static tdm_status start_child(const tdm_task_env *env, void *arg) {
  (void)env;
  child_job *c = arg;
  sigset_t m;
  pthread_sigmask(SIG_BLOCK, NULL, &m);
  c->term_blocked = sigismember(&m, SIGTERM);
  char *argv[] = {"sleep", "30", NULL};
  if (c->spawn) {
    if (posix_spawn(&c->pid, "/bin/sleep", NULL, NULL, argv, environ) != 0) return TDM_ERR_INTERNAL;
    return TDM_OK;
  }
  pid_t pid = fork();
  if (pid < 0) return TDM_ERR_INTERNAL;
  if (pid == 0) {
    execv("/bin/sleep", argv);
    _exit(127);
  }
  c->pid = pid;
  return TDM_OK;
}

/* SIGTERM the child; 1 if it died of it within 10 s (else it is killed). */
static int terminated_by_sigterm(pid_t pid) {
  usleep(20000); /* let it reach exec */
  kill(pid, SIGTERM);
  int st = 0;
  for (int t = 0; t < 1000; t++) {
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) return WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM;
    usleep(10000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  return 0;
}

Test(task_harden, programs_started_from_tasks_take_sigterm, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 2);
  tdm_pool_config pc = {2, 1};
  tdm_pool *p = NULL;
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_OK, "%s", tdm_last_error());
  const tdm_lane lanes[2] = {TDM_LANE_CPU, TDM_LANE_GPU};
  for (int l = 0; l < 2; l++)
    for (int spawn = 0; spawn < 2; spawn++) {
      child_job c = {spawn, 0, -1};
      tdm_future *f;
      cr_assert_eq(tdm_submit(p, lanes[l], start_child, &c, &f), TDM_OK);
      cr_assert_eq(tdm_future_wait(f), TDM_OK);
      tdm_future_release(f);
      cr_assert_eq(c.term_blocked, 0, "lane %d: SIGTERM is blocked on the library's thread", l);
      cr_assert(terminated_by_sigterm(c.pid), "lane %d spawn %d: the child ignored SIGTERM", l, spawn);
    }
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* ---- nesting depth ---------------------------------------------------------- */
typedef struct {
  tdm_pool *p;
  int depth;      /* levels still to go below this one */
  atomic_int deepest;
  int use_map;
  atomic_int refused;  /* set by the level whose submit or map was refused */
  char msg[256];
} chain;

typedef struct {
  chain *c;
  int level;
} link_arg;

static tdm_status level_task(const tdm_task_env *env, void *arg);

static tdm_status level_item(const tdm_task_env *env, size_t i, void *arg) {
  (void)i;
  return level_task(env, arg);
}

static tdm_status level_task(const tdm_task_env *env, void *arg) {
  (void)env;
  link_arg *a = arg;
  int d = atomic_load(&a->c->deepest);
  while (a->level > d && !atomic_compare_exchange_weak(&a->c->deepest, &d, a->level)) {
  }
  if (a->level == a->c->depth) return TDM_OK;
  link_arg next = {a->c, a->level + 1};
  tdm_status s;
  if (a->c->use_map) {
    s = tdm_map(a->c->p, 1, level_item, &next, (tdm_schedule){TDM_SCHED_DYNAMIC, 0, TDM_LANE_ANY});
    if (s != TDM_OK && atomic_load(&a->c->deepest) == a->level && !atomic_exchange(&a->c->refused, 1))
      snprintf(a->c->msg, sizeof a->c->msg, "%s", tdm_last_error());
    return s;
  }
  tdm_future *f;
  s = tdm_submit(a->c->p, TDM_LANE_CPU, level_task, &next, &f);
  if (s != TDM_OK) {
    if (!atomic_exchange(&a->c->refused, 1)) snprintf(a->c->msg, sizeof a->c->msg, "%s", tdm_last_error());
    return s;
  }
  s = tdm_future_wait(f);
  tdm_future_release(f);
  return s;
}

static chain c;

static tdm_status run_chain(tdm_pool *p, int depth, int use_map, int *deepest) {
  memset(&c, 0, sizeof c);
  c.p = p, c.depth = depth, c.use_map = use_map;
  link_arg top = {&c, 1};
  tdm_future *f;
  tdm_status s = tdm_submit(p, TDM_LANE_CPU, level_task, &top, &f);
  cr_assert_eq(s, TDM_OK);
  s = tdm_future_wait(f);
  tdm_future_release(f);
  *deepest = atomic_load(&c.deepest);
  return s;
}

Test(task_harden, nesting_past_the_limit_is_a_status, .timeout = 300) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  tdm_pool *p = ts_pool(ctx, 2);
  for (int use_map = 0; use_map < 2; use_map++) {
    int deepest = 0;
    tdm_status s = run_chain(p, TDM_TASK_MAX_DEPTH / 2, use_map, &deepest);
    cr_assert_eq(s, TDM_OK, "map %d: %s", use_map, tdm_last_error());
    cr_assert_eq(deepest, TDM_TASK_MAX_DEPTH / 2);
    s = run_chain(p, 40000, use_map, &deepest);
    cr_assert_eq(s, TDM_ERR_INVALID, "map %d: %s", use_map, tdm_status_name(s));
    cr_assert_eq(atomic_load(&c.refused), 1);
    cr_assert(strstr(c.msg, use_map ? "tdm_map: tasks nested" : "tdm_submit: tasks nested"), "%s", c.msg);
    cr_assert(strstr(c.msg, "TDM_TASK_MAX_DEPTH"), "%s", c.msg);
    cr_assert(deepest >= TDM_TASK_MAX_DEPTH / 2 && deepest < 40000, "deepest %d", deepest);
  }
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* ---- statuses outside the enum ------------------------------------------------ */
static tdm_status odd_status(const tdm_task_env *env, size_t i, void *arg) {
  (void)env;
  (void)arg;
  return i == 5 ? (tdm_status)77 : i == 9 ? (tdm_status)-3 : TDM_OK;
}

static tdm_status odd_task(const tdm_task_env *env, void *arg) {
  (void)env;
  (void)arg;
  return (tdm_status)300;
}

Test(task_harden, statuses_outside_the_enum_are_invalid, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 2);
  tdm_pool_config pc = {2, 1};
  tdm_pool *p = NULL;
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_OK);
  tdm_status st[16];
  for (int k = TDM_SCHED_STATIC; k <= TDM_SCHED_GUIDED; k++) {
    tdm_status s = tdm_map_status(p, 16, odd_status, NULL, (tdm_schedule){(tdm_sched_kind)k, 1, TDM_LANE_ANY}, st);
    cr_assert_eq(s, TDM_ERR_INVALID, "kind %d: %d", k, (int)s);
    cr_assert(strstr(tdm_last_error(), "index 5 returned 77, which is not a tdm_status"), "%s",
              tdm_last_error());
    cr_assert_eq(st[5], TDM_ERR_INVALID);
    cr_assert(st[9] == TDM_ERR_INVALID || st[9] == TDM_ERR_CANCELLED, "%d", (int)st[9]);
  }
  tdm_future *f;
  cr_assert_eq(tdm_submit(p, TDM_LANE_ANY, odd_task, NULL, &f), TDM_OK);
  cr_assert_eq(tdm_future_wait(f), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "returned 300"), "%s", tdm_last_error());
  tdm_future_release(f);
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

/* ---- thread limits and thread start failures ----------------------------------- */
/* Holds its worker until all 300 tasks run at once (so 300 workers exist). */
static atomic_int arrived;

static tdm_status all_at_once(const tdm_task_env *env, void *arg) {
  (void)arg;
  if (env->worker < 0 || env->worker >= 300) return TDM_ERR_INTERNAL;
  atomic_fetch_add(&arrived, 1);
  for (int t = 0; t < 60000 && atomic_load(&arrived) < 300; t++) usleep(500);
  return atomic_load(&arrived) >= 300 ? TDM_OK : TDM_ERR_INTERNAL;
}

Test(task_harden, pool_takes_every_worker_count_a_context_does, .timeout = 300) {
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = TDM_CPU;
  cfg.threads = 4097;
  tdm_ctx *ctx = NULL;
  cr_assert_eq(tdm_ctx_create(&cfg, &ctx), TDM_ERR_INVALID); /* the context's limit */
  ctx = ts_ctx(TDM_CPU, 2);
  tdm_pool_config pc = {4097, 0};
  tdm_pool *p = NULL;
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "0..4096"), "%s", tdm_last_error());
  pc.cpu_workers = 300; /* over the old silent 256 */
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_pool_workers(p, TDM_LANE_CPU), 300);
  static tdm_future *f[300];
  for (int i = 0; i < 300; i++) cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, all_at_once, NULL, &f[i]), TDM_OK);
  for (int i = 0; i < 300; i++) {
    cr_assert_eq(tdm_future_wait(f[i]), TDM_OK, "not 300 workers at once (%d)", atomic_load(&arrived));
    tdm_future_release(f[i]);
  }
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}

Test(task_harden, threads_that_cannot_start_are_nomem, .timeout = 120) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 2);
  tdm_pool_config pc = {3, 1};
  tdm_pool *p = NULL;
  tdm__thread_fail_after(2); /* the second worker */
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_ERR_NOMEM);
  cr_assert(strstr(tdm_last_error(), "tdm_pool_create: cannot start 3 worker threads (1 running)"),
            "%s", tdm_last_error());
  cr_assert(strstr(tdm_last_error(), "pthread_create"), "%s", tdm_last_error());
  cr_assert_null(p);
  tdm__thread_fail_after(3); /* workers 1 and 2 start, then the GPU lane's thread fails */
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_ERR_NOMEM);
  cr_assert(strstr(tdm_last_error(), "GPU lane 0"), "%s", tdm_last_error());
  tdm__thread_fail_after(0);
  cr_assert_eq(tdm_pool_create(ctx, &pc, &p), TDM_OK, "%s", tdm_last_error());
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}
