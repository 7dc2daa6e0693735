/* test_task_fork.c -- fork() and the library: a child forked while another
 * thread works in a context (the expression cache's lock taken and
 * released all the time) uses that context and a fresh one and pool; a
 * sim context made before the fork answers TDM_ERR_BACKEND in the child
 * (its queue thread is not there) and can be destroyed, and a fresh sim
 * context works; a fork from inside a task gives a child whose new pool
 * works. Every child checks values, and dies by alarm() if it hangs.
 * Skipped under sanitizers: their own locks can hang forked children. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/support.h"
#include <valgrind/valgrind.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static void skip_if_sanitized(void) {
  if (SANITIZED)
    cr_skip_test("fork tests run in plain builds: a sanitizer's own locks can hang a forked child");
  if (RUNNING_ON_VALGRIND) /* it serializes threads, so a busy parent's child times out */
    cr_skip_test("fork tests run in plain builds: under valgrind the children's time limit is meaningless");
}

/* Child exit codes: 0 right; 2..9 a wrong value or status; 100 + signal
 * when it was killed; HUNG when it was still running after 30 s. */
#define HUNG 99
static int reap(pid_t pid) {
  int st = 0;
  for (int ms = 0; ms < 30000; ms += 5) {
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) return WIFSIGNALED(st) ? 100 + WTERMSIG(st) : WEXITSTATUS(st);
    if (r < 0) return 98;
    usleep(5000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  return HUNG;
}

/* The child's first step: a hang ends it even if the forking thread
 * blocked signals (a worker thread does). */
static void child_start(void) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGALRM);
  pthread_sigmask(SIG_UNBLOCK, &s, NULL);
  alarm(25);
}

/* y = x*x + k on ctx, checked. */
static int eval_ok(tdm_ctx *ctx, int k) {
  enum { N = 300 };
  double x[N], y[N];
  for (int i = 0; i < N; i++) x[i] = i * 0.5 - 7;
  tdm_buf *X, *Y;
  if (tdm_buf_create(ctx, TDM_F64, N, 1, &X) != TDM_OK) return 0;
  if (tdm_buf_create(ctx, TDM_F64, N, 1, &Y) != TDM_OK) return 0;
  char src[32];
  snprintf(src, sizeof src, "x*x+%d", k);
  tdm_buf *in[] = {X};
  int ok = tdm_buf_write(X, x) == TDM_OK && tdm_eval(ctx, src, "x", Y, in) == TDM_OK &&
           tdm_buf_read(Y, y) == TDM_OK;
  for (int i = 0; ok && i < N; i++) ok = y[i] == x[i] * x[i] + k;
  tdm_buf_destroy(X);
  tdm_buf_destroy(Y);
  return ok;
}

static tdm_status square(const tdm_task_env *env, size_t i, void *arg) {
  (void)env;
  ((double *)arg)[i] = (double)i * (double)i;
  return TDM_OK;
}

/* A fresh pool on ctx runs a map to the right values. */
static int map_ok(tdm_ctx *ctx, int workers) {
  enum { N = 2000 };
  static double out[N];
  memset(out, 0, sizeof out);
  tdm_pool *p;
  tdm_pool_config pc = {workers, 0};
  if (tdm_pool_create(ctx, &pc, &p) != TDM_OK) return 0;
  int ok = tdm_map(p, N, square, out, (tdm_schedule){TDM_SCHED_DYNAMIC, 7, TDM_LANE_CPU}) == TDM_OK;
  for (size_t i = 0; ok && i < N; i++) ok = out[i] == (double)i * (double)i;
  tdm_pool_destroy(p);
  return ok;
}

typedef struct {
  tdm_ctx *ctx;
  atomic_int stop;
} busy_arg;

/* Keeps the context's expression cache busy: distinct sources, so its
 * lock is taken over and over (and compiles run). */
static void *busy(void *arg) {
  busy_arg *b = arg;
  for (int k = 0; !atomic_load(&b->stop); k++) eval_ok(b->ctx, k % 200);
  return NULL;
}

Test(task_fork, child_of_a_busy_context_makes_a_fresh_one) {
  skip_if_sanitized();
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  cr_assert(map_ok(ctx, 2), "the parent's pool works");
  busy_arg b = {ctx, 0};
  pthread_t t;
  cr_assert_eq(pthread_create(&t, NULL, busy, &b), 0);
  int bad = 0;
  for (int i = 0; i < 60; i++) {
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
      child_start();
      if (!eval_ok(ctx, 1000 + i)) _exit(2); /* the parent's CPU context still works */
      tdm_ctx *c2;
      if (tdm_ctx_create(&(tdm_config){TDM_CPU, 2, 0}, &c2) != TDM_OK) _exit(3);
      if (!eval_ok(c2, 5)) _exit(4);
      if (!map_ok(c2, 3)) _exit(5);
      tdm_ctx_destroy(c2);
      _exit(0);
    }
    int rc = reap(pid);
    if (rc != 0) bad++;
    cr_expect_eq(rc, 0, "child %d: exit %d (%d: hung; 100+signal: %d is SIGALRM, it hung)", i, rc,
                 HUNG, 100 + SIGALRM);
  }
  atomic_store(&b.stop, 1);
  pthread_join(t, NULL);
  cr_assert_eq(bad, 0);
  tdm_ctx_destroy(ctx);
}

Test(task_fork, sim_context_made_before_fork) {
  skip_if_sanitized();
  tdm_ctx *sim = ts_ctx(TDM_SIM, 1);
  cr_assert(eval_ok(sim, 1));
  tdm_buf *X = ts_buf(sim, TDM_F64, 8, 1, NULL);
  for (int i = 0; i < 5; i++) {
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
      child_start();
      tdm_buf *in[] = {X};
      tdm_status s = tdm_eval(sim, "x+1", "x", X, in);
      if (s != TDM_ERR_BACKEND) _exit(2);
      if (!strstr(tdm_last_error(), "before fork()")) _exit(3);
      if (tdm_ctx_sync(sim) != TDM_ERR_BACKEND) _exit(4);
      tdm_buf_destroy(X);
      tdm_ctx_destroy(sim); /* joins no thread: returns */
      tdm_ctx *fresh;
      if (tdm_ctx_create(&(tdm_config){TDM_SIM, 1, 0}, &fresh) != TDM_OK) _exit(5);
      if (!eval_ok(fresh, 7)) _exit(6);
      if (!map_ok(fresh, 2)) _exit(7);
      tdm_ctx_destroy(fresh);
      _exit(0);
    }
    int rc = reap(pid);
    cr_assert_eq(rc, 0, "child %d: exit %d (%d: hung; 100+signal: %d is SIGALRM, it hung)", i, rc,
                 HUNG, 100 + SIGALRM);
  }
  cr_assert(eval_ok(sim, 2), "the parent's sim context still works");
  tdm_buf_destroy(X);
  tdm_ctx_destroy(sim);
}

/* The task forks; its child makes a context and a pool of more workers
 * than the parent's (the forking thread was worker 0 or 1 there). */
static tdm_status fork_task(const tdm_task_env *env, void *arg) {
  (void)env;
  int *rc = arg;
  pid_t pid = fork();
  if (pid < 0) return TDM_ERR_INTERNAL;
  if (pid == 0) {
    child_start();
    tdm_ctx *c;
    if (tdm_ctx_create(&(tdm_config){TDM_CPU, 4, 0}, &c) != TDM_OK) _exit(2);
    for (int rep = 0; rep < 20; rep++)
      if (!map_ok(c, 4)) _exit(3);
    if (!eval_ok(c, 3)) _exit(4);
    tdm_ctx_destroy(c);
    _exit(0);
  }
  *rc = reap(pid);
  return TDM_OK;
}

Test(task_fork, fork_from_inside_a_task) {
  skip_if_sanitized();
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2);
  tdm_pool *p = ts_pool(ctx, 2);
  for (int i = 0; i < 30; i++) {
    int rc = -1;
    tdm_future *f;
    cr_assert_eq(tdm_submit(p, TDM_LANE_CPU, fork_task, &rc, &f), TDM_OK);
    cr_assert_eq(tdm_future_wait(f), TDM_OK);
    tdm_future_release(f);
    cr_assert_eq(rc, 0, "child %d: exit %d (%d: hung; 100+signal: %d is SIGALRM, it hung)", i, rc,
                 HUNG, 100 + SIGALRM);
  }
  cr_assert(map_ok(ctx, 2), "the parent's pools still work");
  tdm_pool_destroy(p);
  tdm_ctx_destroy(ctx);
}
