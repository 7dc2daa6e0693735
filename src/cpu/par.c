/* par.c -- the process-wide worker pool and the parallel loop on it.
 * Workers start once, on first use; a loop hands out chunks through an
 * atomic counter and the caller works too. A loop started while another
 * runs, or from a worker, runs on the calling thread (no oversubscription). */
#include <pthread.h>
#include <unistd.h>

#include "cpu/cpu_int.h"

#define TDM__MAX_WORKERS 256

typedef struct tdm__job {
  tdm__range_fn fn;
  void *arg;
  size_t n, chunk;
  size_t next;      /* atomic: next item to hand out */
  int want;         /* workers asked to join */
  int active;       /* participants still working (guarded by mu) */
} tdm__job;

static struct {
  pthread_once_t once;
  pthread_mutex_t mu;
  pthread_cond_t wake, done;
  int nworkers;
  int busy;          /* a loop owns the workers */
  unsigned long gen; /* bumped per loop */
  tdm__job *job;
} tdm__pool = {PTHREAD_ONCE_INIT, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
               PTHREAD_COND_INITIALIZER, 0, 0, 0, NULL};

static _Thread_local int tdm__worker_flag;

int tdm__in_worker(void) { return tdm__worker_flag; }

int tdm__ncores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

static void tdm__run_chunks(tdm__job *j) {
  for (;;) {
    size_t lo = __atomic_fetch_add(&j->next, j->chunk, __ATOMIC_RELAXED);
    if (lo >= j->n) break;
    size_t hi = lo + j->chunk < j->n ? lo + j->chunk : j->n;
    j->fn(j->arg, lo, hi);
  }
}

static void *tdm__worker_main(void *unused) {
  (void)unused;
  tdm__worker_flag = 1;
  unsigned long seen = 0;
  pthread_mutex_lock(&tdm__pool.mu);
  for (;;) {
    while (tdm__pool.gen == seen || !tdm__pool.job || tdm__pool.job->want <= 0) {
      if (tdm__pool.gen != seen && tdm__pool.job == NULL) seen = tdm__pool.gen;
      pthread_cond_wait(&tdm__pool.wake, &tdm__pool.mu);
    }
    seen = tdm__pool.gen;
    tdm__job *j = tdm__pool.job;
    j->want--;
    j->active++;
    pthread_mutex_unlock(&tdm__pool.mu);
    tdm__run_chunks(j);
    pthread_mutex_lock(&tdm__pool.mu);
    if (--j->active == 0) pthread_cond_broadcast(&tdm__pool.done);
  }
  return NULL;
}

static void tdm__pool_start(void) {
  int n = tdm__ncores() - 1;
  if (n > TDM__MAX_WORKERS) n = TDM__MAX_WORKERS;
  for (int i = 0; i < n; i++) {
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &a, tdm__worker_main, NULL) == 0) tdm__pool.nworkers++;
    pthread_attr_destroy(&a);
  }
}

void tdm__par_for(int nthreads, size_t n, size_t grain, tdm__range_fn fn, void *arg) {
  if (n == 0) return;
  if (grain == 0) grain = 1;
  if (nthreads <= 1 || n <= grain || tdm__worker_flag) {
    fn(arg, 0, n);
    return;
  }
  pthread_once(&tdm__pool.once, tdm__pool_start);
  pthread_mutex_lock(&tdm__pool.mu);
  if (tdm__pool.busy || tdm__pool.nworkers == 0) {
    pthread_mutex_unlock(&tdm__pool.mu);
    fn(arg, 0, n);
    return;
  }
  size_t parts = (size_t)nthreads * 4;
  size_t chunk = (n + parts - 1) / parts;
  if (chunk < grain) chunk = grain;
  tdm__job j = {fn, arg, n, chunk, 0, 0, 1};
  int helpers = nthreads - 1 < tdm__pool.nworkers ? nthreads - 1 : tdm__pool.nworkers;
  j.want = helpers;
  tdm__pool.busy = 1;
  tdm__pool.job = &j;
  tdm__pool.gen++;
  pthread_cond_broadcast(&tdm__pool.wake);
  pthread_mutex_unlock(&tdm__pool.mu);
  tdm__worker_flag = 1; /* nested loops in fn stay on this thread */
  tdm__run_chunks(&j);
  tdm__worker_flag = 0;
  pthread_mutex_lock(&tdm__pool.mu);
  j.want = 0; /* late workers must not join */
  if (--j.active > 0)
    while (j.active > 0) pthread_cond_wait(&tdm__pool.done, &tdm__pool.mu);
  tdm__pool.job = NULL;
  tdm__pool.busy = 0;
  pthread_mutex_unlock(&tdm__pool.mu);
}
