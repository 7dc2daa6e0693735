/* deal.c -- DYNAMIC and GUIDED maps across ranks: rank 0 owns the chunk
 * dealer; other ranks send it a request (carrying their lowest failure so
 * far) and get back the next chunk, until an empty one says "done". Rank 0
 * answers from a helper thread and works through the dealer directly; if
 * MPI gives less than MPI_THREAD_SERIALIZED, rank 0 only answers. The
 * dealer sleeps between polls (wait.c), so it costs rank 0 no core. */
#include "core/error.h"
#include "dist/dist_int.h"

enum { TDM__TAG_REQ = 7301, TDM__TAG_CHUNK = 7302 };

typedef struct tdm__server {
  tdm_dist *d;
  tdm__dealer *dl;
  int err; /* first MPI error code of the server, MPI_SUCCESS if none */
} tdm__server;

/* Answers requests until every other rank was told "done". */
static void *tdm__serve(void *p) {
  tdm__server *sv = p;
  int open = sv->d->size - 1;
  while (open > 0) {
    uint64_t fail = TDM__DIST_NONE, chunk[2];
    MPI_Request req;
    MPI_Status st;
    int rc = MPI_Irecv(&fail, 1, MPI_UINT64_T, MPI_ANY_SOURCE, TDM__TAG_REQ, sv->d->comm, &req);
    if (rc == MPI_SUCCESS) rc = tdm__dist_wait(&req, &st);
    if (rc != MPI_SUCCESS) {
      sv->err = rc;
      return NULL;
    }
    size_t lo, hi;
    tdm__dealer_next(sv->dl, fail, &lo, &hi);
    chunk[0] = lo;
    chunk[1] = hi;
    rc = MPI_Send(chunk, 2, MPI_UINT64_T, st.MPI_SOURCE, TDM__TAG_CHUNK, sv->d->comm);
    if (rc != MPI_SUCCESS) {
      sv->err = rc;
      return NULL;
    }
    if (lo == hi) open--;
  }
  return NULL;
}

static tdm_status tdm__deal_root(tdm_dist *d, tdm__dist_run *rn, size_t n, tdm_schedule sched,
                                 tdm__ranges *mine) {
  tdm__dealer dl;
  tdm__dealer_init(&dl, n, sched, d->size);
  tdm__server sv = {d, &dl, MPI_SUCCESS};
  pthread_t th;
  int threaded = 0;
  if (d->size > 1 && d->thread_level >= MPI_THREAD_SERIALIZED)
    threaded = (pthread_create(&th, NULL, tdm__serve, &sv) == 0);
  if (d->size > 1 && !threaded) {
    tdm__serve(&sv); /* rank 0 only deals */
  } else {
    /* Rank 0 works too; the server thread is the only one calling MPI. */
    for (;;) {
      size_t lo, hi;
      tdm__dealer_next(&dl, tdm__dist_run_fail(rn), &lo, &hi);
      if (lo == hi) break;
      tdm_status s = tdm__ranges_push(mine, lo, hi);
      if (s != TDM_OK) tdm__dist_run_note(rn, lo, s); /* the dealer stops at lo */
      else tdm__dist_run_range(rn, lo, hi);
    }
    if (threaded) pthread_join(th, NULL);
  }
  tdm__dealer_destroy(&dl);
  if (sv.err != MPI_SUCCESS) return tdm__dist_mpi_err(sv.err, "tdm_dist_map", "chunk server");
  return TDM_OK;
}

static tdm_status tdm__deal_worker(tdm_dist *d, tdm__dist_run *rn, tdm__ranges *mine) {
  for (;;) {
    uint64_t fail = tdm__dist_run_fail(rn), chunk[2];
    int rc = MPI_Send(&fail, 1, MPI_UINT64_T, 0, TDM__TAG_REQ, d->comm);
    if (rc == MPI_SUCCESS)
      rc = MPI_Recv(chunk, 2, MPI_UINT64_T, 0, TDM__TAG_CHUNK, d->comm, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) return tdm__dist_mpi_err(rc, "tdm_dist_map", "chunk request");
    if (chunk[0] == chunk[1]) return TDM_OK;
    tdm_status s = tdm__ranges_push(mine, (size_t)chunk[0], (size_t)chunk[1]);
    if (s != TDM_OK) tdm__dist_run_note(rn, (size_t)chunk[0], s); /* the dealer stops there */
    else tdm__dist_run_range(rn, (size_t)chunk[0], (size_t)chunk[1]);
  }
}

tdm_status tdm__dist_deal(tdm_dist *d, tdm__dist_run *rn, size_t n, tdm_schedule sched,
                          tdm__ranges *mine) {
  if (d->rank == 0) return tdm__deal_root(d, rn, n, sched, mine);
  return tdm__deal_worker(d, rn, mine);
}
