/* fork.c -- pthread_atfork for the whole library. Before a fork the
 * forking thread takes, in this order, the list of live contexts, every
 * context's lock (the one guarding its slots), then the sim queues' locks, so
 * no lock is held by a thread that does not exist in the child. After it
 * the parent releases them in reverse order; the child releases them,
 * marks the parent's sim queues dead (their threads are gone). The
 * scheduler and the task layer reset their own state and the thread's
 * identity with handlers they register themselves (src/sched/sched.c,
 * src/task/atfork.c), so core names neither. */
#include <pthread.h>

#include "core/fork.h"

static pthread_mutex_t tdm__roots_mu = PTHREAD_MUTEX_INITIALIZER;
static tdm_ctx *tdm__roots_head;

void tdm__fork_track(tdm_ctx *root) {
  pthread_mutex_lock(&tdm__roots_mu);
  root->fork_prev = NULL;
  root->fork_next = tdm__roots_head;
  if (tdm__roots_head) tdm__roots_head->fork_prev = root;
  tdm__roots_head = root;
  pthread_mutex_unlock(&tdm__roots_mu);
}

void tdm__fork_untrack(tdm_ctx *root) {
  pthread_mutex_lock(&tdm__roots_mu);
  if (root->fork_prev) root->fork_prev->fork_next = root->fork_next;
  else if (tdm__roots_head == root) tdm__roots_head = root->fork_next;
  if (root->fork_next) root->fork_next->fork_prev = root->fork_prev;
  root->fork_prev = root->fork_next = NULL;
  pthread_mutex_unlock(&tdm__roots_mu);
}

static void tdm__prepare(void) {
  pthread_mutex_lock(&tdm__roots_mu);
  for (tdm_ctx *c = tdm__roots_head; c; c = c->fork_next) pthread_mutex_lock(&c->lock);
  tdm__sim_atfork_prepare();
}

static void tdm__parent(void) {
  tdm__sim_atfork_parent();
  for (tdm_ctx *c = tdm__roots_head; c; c = c->fork_next) pthread_mutex_unlock(&c->lock);
  pthread_mutex_unlock(&tdm__roots_mu);
}

static void tdm__child(void) {
  tdm__sim_atfork_child();
  for (tdm_ctx *c = tdm__roots_head; c; c = c->fork_next) pthread_mutex_unlock(&c->lock);
  pthread_mutex_unlock(&tdm__roots_mu);
}

static pthread_once_t tdm__fork_once = PTHREAD_ONCE_INIT;
static void tdm__fork_register(void) { pthread_atfork(tdm__prepare, tdm__parent, tdm__child); }

void tdm__fork_install(void) { pthread_once(&tdm__fork_once, tdm__fork_register); }
