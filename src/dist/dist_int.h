/* dist_int.h -- the body of tdm_dist and the internal pieces of a
 * distributed map: the plan (who runs which indices; no MPI), running a
 * range of indices on the local pool, rank 0's chunk server, and the
 * exchange that leaves every result on every rank. */
#ifndef TDM_DIST_INT_H
#define TDM_DIST_INT_H

#include <mpi.h>
#include <pthread.h>

#include "tandem/dist.h"

struct tdm_dist {
  MPI_Comm comm;      /* tandem's own duplicate of MPI_COMM_WORLD */
  int rank, size;
  int local_rank, local_size;
  int owns_mpi;       /* tdm_dist_init called MPI_Init_thread */
  int thread_level;   /* what MPI provides */
  tdm_ctx *ctx;       /* env->ctx of pool-less maps */
  tdm_dist *next;     /* the live handles of this process (init.c) */
};

/* The newest live handle, NULL if none: a rank that passes NULL to a
 * collective still takes part in its argument check on this one, so the
 * other ranks are not left waiting. */
tdm_dist *tdm__dist_latest(void);
/* 1 once MPI_Finalize has run (nothing of MPI may be called then). */
int tdm__dist_mpi_gone(void);

/* A status a task may return: one of the enum's values (fits a key's 8 bits). */
#define TDM__DIST_ONE(name, text) +1
enum { TDM__DIST_NSTATUS = 0 TDM_STATUS_MAP(TDM__DIST_ONE) };
#undef TDM__DIST_ONE
_Static_assert(TDM__DIST_NSTATUS <= 256, "a failure key keeps a status in 8 bits");
static inline int tdm__dist_status_valid(tdm_status s) {
  return (unsigned)s < (unsigned)TDM__DIST_NSTATUS;
}

/* ---- plan.c: pure arithmetic, no MPI ------------------------------------- */
/* A failure is one key: index << 8 | status; the smallest key is the lowest
 * failing index. TDM__DIST_NONE: no failure. Lossless: indices are below
 * 2^56 and statuses are checked to be the enum's (run.c) before packing. */
#define TDM__DIST_NONE UINT64_MAX
#define TDM__DIST_MAX_N ((size_t)1 << 56)
static inline uint64_t tdm__dist_key(size_t i, tdm_status s) {
  return ((uint64_t)i << 8) | (uint64_t)s;
}
static inline size_t tdm__dist_key_index(uint64_t k) { return (size_t)(k >> 8); }
static inline tdm_status tdm__dist_key_status(uint64_t k) { return (tdm_status)(k & 0xff); }

/* Rank r's STATIC block [*lo, *hi) of [0, n) over size ranks. */
void tdm__dist_block(size_t n, int size, int r, size_t *lo, size_t *hi);

/* The chunk dealer of DYNAMIC/GUIDED (rank 0 owns it; thread-safe). */
typedef struct tdm__dealer {
  pthread_mutex_t lock;
  size_t next, n, chunk;
  int guided, size;
  uint64_t fail; /* lowest failure key reported so far */
} tdm__dealer;
void tdm__dealer_init(tdm__dealer *dl, size_t n, tdm_schedule sched, int size);
void tdm__dealer_destroy(tdm__dealer *dl);
/* The next chunk [*lo, *hi) after folding in a failure key; empty (lo == hi)
 * when every index below min(n, lowest failure) is handed out. */
void tdm__dealer_next(tdm__dealer *dl, uint64_t fail, size_t *lo, size_t *hi);

/* ---- run.c: one rank's share on its pool or the calling thread ----------- */
typedef struct tdm__dist_run {
  tdm_dist *d;
  tdm_pool *pool;
  tdm_map_fn fn;
  void *arg;
  tdm_sched_kind kind;
  pthread_mutex_t lock; /* guards fail and msg */
  uint64_t fail;        /* lowest failure key on this rank */
  char msg[256];        /* that failure's tdm_last_error() */
} tdm__dist_run;
void tdm__dist_run_init(tdm__dist_run *rn, tdm_dist *d, tdm_pool *pool, tdm_map_fn fn, void *arg,
                        tdm_sched_kind kind);
void tdm__dist_run_destroy(tdm__dist_run *rn);
/* Runs [lo, hi); failures land in rn->fail / rn->msg. */
void tdm__dist_run_range(tdm__dist_run *rn, size_t lo, size_t hi);
uint64_t tdm__dist_run_fail(tdm__dist_run *rn);
/* Records that index i failed with s (keeps the lowest; copies tdm_last_error()). */
void tdm__dist_run_note(tdm__dist_run *rn, size_t i, tdm_status s);

/* ---- ranges: the chunks one rank ran, in order ---------------------------- */
typedef struct tdm__ranges {
  uint64_t *v; /* lo0, hi0, lo1, hi1, ... */
  size_t count, cap;
} tdm__ranges;
tdm_status tdm__ranges_push(tdm__ranges *r, size_t lo, size_t hi);
void tdm__ranges_free(tdm__ranges *r);

/* ---- deal.c: DYNAMIC / GUIDED over the ranks ------------------------------ */
/* Runs this rank's chunks, recording them in mine. */
tdm_status tdm__dist_deal(tdm_dist *d, tdm__dist_run *rn, size_t n, tdm_schedule sched,
                          tdm__ranges *mine);

/* ---- share.c: every rank gets every result --------------------------------- */
/* all: the ranges of every rank (owner[k] = rank of range k). */
tdm_status tdm__dist_share(tdm_dist *d, void *results, size_t result_bytes,
                           const tdm__ranges *all, const int *owner);
/* Gathers every rank's ranges into all/owner (DYNAMIC). */
tdm_status tdm__dist_ranges_allgather(tdm_dist *d, const tdm__ranges *mine, tdm__ranges *all,
                                      int **owner);

/* Collective: the worst status over the ranks (a rank that was fine gets
 * "another rank failed"), so all ranks take the same path. */
tdm_status tdm__dist_agree(tdm_dist *d, tdm_status s);
/* wait.c: MPI_Wait that sleeps between tests instead of spinning. */
int tdm__dist_wait(MPI_Request *req, MPI_Status *st);
/* An MPI error code as a tandem error. */
tdm_status tdm__dist_mpi_err(int code, const char *fn, const char *call);

/* ---- config.c ------------------------------------------------------------- */
/* The device a rank uses: local_rank % ndev (0 with no devices). */
int tdm__dist_pick_device(int local_rank, int ndev);
/* tdm_dist_config with a given device count and core count. */
tdm_status tdm__dist_config_with(const tdm_dist *d, tdm_config *cfg, int ndev, int ncores);

#endif
