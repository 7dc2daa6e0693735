/* blas.c -- the BLAS gate. OpenBLAS 0.3.21 (pthread build) keeps one
 * process-wide thread count, so calls that need different counts must not
 * overlap: single-threaded calls (from workers and tasks) share a
 * read lock and run concurrently with the count at 1; a multi-threaded call
 * (from a program thread, capped by the workers now idle) takes the write
 * lock, sets its count, and the next single-threaded caller sets 1 again.
 * Writers are preferred so a stream of task BLAS calls cannot starve one. */
#include <cblas.h>
#include <pthread.h>

#include "cpu/cpu_int.h"

static pthread_once_t tdm__gate_once = PTHREAD_ONCE_INIT;
static pthread_rwlock_t tdm__gate;
static int tdm__gate_threads = -1; /* what we last set; read under either lock */
static _Thread_local int tdm__gate_held;

static void tdm__gate_make(void) {
  pthread_rwlockattr_t a;
  pthread_rwlockattr_init(&a);
  pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  pthread_rwlock_init(&tdm__gate, &a);
  pthread_rwlockattr_destroy(&a);
}

/* A child of fork() has only the forking thread: no one holds the gate. */
static void tdm__gate_atfork_child(void) {
  tdm__gate_make();
  tdm__gate_threads = -1;
}

static void tdm__gate_init(void) {
  tdm__gate_make();
  pthread_atfork(NULL, NULL, tdm__gate_atfork_child);
}

void tdm__blas_threads(const tdm__cpu *c) {
  pthread_once(&tdm__gate_once, tdm__gate_init);
  tdm__blas_done(); /* a caller that forgot the pairing holds it no longer than this */
  int want = tdm__in_worker() ? 1 : c->threads;
  if (want > 1) {
    int idle = tdm__idle_workers();
    if (want > idle + 1) want = idle + 1;
  }
  if (want <= 1) {
    for (;;) {
      pthread_rwlock_rdlock(&tdm__gate);
      if (tdm__gate_threads == 1) break;
      pthread_rwlock_unlock(&tdm__gate);
      pthread_rwlock_wrlock(&tdm__gate);
      if (tdm__gate_threads != 1) {
        openblas_set_num_threads(1);
        tdm__gate_threads = 1;
      }
      pthread_rwlock_unlock(&tdm__gate);
    }
  } else {
    pthread_rwlock_wrlock(&tdm__gate);
    if (tdm__gate_threads != want) {
      openblas_set_num_threads(want);
      tdm__gate_threads = want;
    }
  }
  tdm__gate_held = 1;
}

void tdm__blas_done(void) {
  if (!tdm__gate_held) return;
  tdm__gate_held = 0;
  pthread_rwlock_unlock(&tdm__gate);
}
