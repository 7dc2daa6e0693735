/* map.c -- tdm_dist_map: check that every rank asks for the same map, run
 * this rank's share (STATIC block or dealt chunks), agree on the lowest
 * failing index, then leave every result on every rank. */
#include <limits.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "dist/dist_int.h"

/* Local argument checks; the message is set, the status returned. */
static tdm_status tdm__map_check(tdm_map_fn fn, tdm_schedule sched, size_t n, void *results,
                                 size_t rb) {
  size_t bytes;
  TDM__CHECK(!fn, TDM_ERR_INVALID, "tdm_dist_map: fn: is NULL");
  TDM__CHECK((int)sched.kind < (int)TDM_SCHED_STATIC || (int)sched.kind > (int)TDM_SCHED_GUIDED,
             TDM_ERR_INVALID, "tdm_dist_map: sched.kind: %d is not STATIC, DYNAMIC or GUIDED",
             (int)sched.kind);
  TDM__CHECK(n >= TDM__DIST_MAX_N, TDM_ERR_INVALID, "tdm_dist_map: n: %zu is too large", n);
  TDM__CHECK(rb > INT_MAX, TDM_ERR_INVALID, "tdm_dist_map: result_bytes: %zu is over INT_MAX", rb);
  TDM__CHECK(tdm__mul_ovf(n, rb, &bytes), TDM_ERR_INVALID,
             "tdm_dist_map: n * result_bytes overflows (n = %zu, result_bytes = %zu)", n, rb);
  TDM__CHECK(bytes > 0 && !results, TDM_ERR_INVALID, "tdm_dist_map: results: is NULL");
  return TDM_OK;
}

/* Collective: all ranks valid and asking for the same map, or all fail. */
static tdm_status tdm__map_agree(tdm_dist *d, tdm_status s, size_t n, tdm_schedule sched, size_t rb) {
  uint64_t v[4] = {(uint64_t)n, (uint64_t)sched.kind, (uint64_t)sched.chunk, (uint64_t)rb};
  uint64_t mx[9], in[9] = {s != TDM_OK};
  for (int k = 0; k < 4; k++) {
    in[1 + 2 * k] = v[k];
    in[2 + 2 * k] = ~v[k]; /* max of ~x is ~min of x */
  }
  int rc = MPI_Allreduce(in, mx, 9, MPI_UINT64_T, MPI_MAX, d->comm);
  if (rc != MPI_SUCCESS) return tdm__dist_mpi_err(rc, "tdm_dist_map", "Allreduce");
  if (s != TDM_OK) return s;
  if (mx[0]) return tdm__err(TDM_ERR_INVALID, "tdm_dist_map: another rank rejected its arguments");
  static const char *names[4] = {"n", "sched.kind", "sched.chunk", "result_bytes"};
  for (int k = 0; k < 4; k++)
    if (mx[1 + 2 * k] != ~mx[2 + 2 * k])
      return tdm__err(TDM_ERR_INVALID, "tdm_dist_map: %s differs between ranks (%llu here)", names[k],
                      (unsigned long long)v[k]);
  return TDM_OK;
}

/* Collective: the lowest failure key of all ranks, and its message on every
 * rank. Returns TDM_OK when nothing failed. */
static tdm_status tdm__map_failure(tdm_dist *d, tdm__dist_run *rn) {
  uint64_t mine = tdm__dist_run_fail(rn), low = mine;
  /* Ranks arrive here as they finish their share: wait without spinning. */
  MPI_Request req;
  int rc = MPI_Iallreduce(&mine, &low, 1, MPI_UINT64_T, MPI_MIN, d->comm, &req);
  if (rc == MPI_SUCCESS) rc = tdm__dist_wait(&req, MPI_STATUS_IGNORE);
  if (rc != MPI_SUCCESS) return tdm__dist_mpi_err(rc, "tdm_dist_map", "Allreduce");
  if (low == TDM__DIST_NONE) return TDM_OK;
  /* Each index runs on one rank, so exactly one rank holds the key. */
  int me = (mine == low) ? d->rank : -1, owner = me;
  rc = MPI_Allreduce(&me, &owner, 1, MPI_INT, MPI_MAX, d->comm);
  if (owner < 0) owner = 0; /* cannot happen; never broadcast from rank -1 */
  if (rc == MPI_SUCCESS) rc = MPI_Bcast(rn->msg, (int)sizeof rn->msg, MPI_CHAR, owner, d->comm);
  if (rc != MPI_SUCCESS) return tdm__dist_mpi_err(rc, "tdm_dist_map", "Bcast");
  rn->msg[sizeof rn->msg - 1] = '\0';
  return tdm__err(tdm__dist_key_status(low), "tdm_dist_map: index %zu (rank %d): %s",
                  tdm__dist_key_index(low), owner, rn->msg[0] ? rn->msg : "(no message)");
}

/* STATIC: the blocks of every rank, known to all without asking. */
static tdm_status tdm__static_ranges(tdm_dist *d, size_t n, tdm__ranges *all, int **owner) {
  *owner = tdm__malloc((size_t)d->size * sizeof **owner);
  TDM__CHECK(!*owner, TDM_ERR_NOMEM, "tdm_dist_map: out of host memory for the block table");
  for (int r = 0; r < d->size; r++) {
    size_t lo, hi;
    tdm__dist_block(n, d->size, r, &lo, &hi);
    (*owner)[r] = r;
    TDM__TRY(tdm__ranges_push(all, lo, hi));
  }
  return TDM_OK;
}

tdm_status tdm_dist_map(tdm_dist *d, tdm_pool *pool, size_t n, tdm_map_fn fn, void *arg,
                        tdm_schedule sched, void *results, size_t result_bytes) {
  TDM__CHECK(tdm__dist_mpi_gone(), TDM_ERR_INVALID,
             "tdm_dist_map: MPI was already finalized (map before MPI_Finalize)");
  if (!d) { /* still take part in the check, so no rank is left waiting */
    tdm_dist *any = tdm__dist_latest();
    tdm_status s = tdm__err(TDM_ERR_INVALID, "tdm_dist_map: d: is NULL");
    if (any) tdm__map_agree(any, s, n, sched, result_bytes);
    return tdm__err(TDM_ERR_INVALID, "tdm_dist_map: d: is NULL");
  }
  TDM__TRY(tdm__map_agree(d, tdm__map_check(fn, sched, n, results, result_bytes), n, sched,
                          result_bytes));
  if (n == 0) return TDM_OK;

  tdm__dist_run rn;
  tdm__dist_run_init(&rn, d, pool, fn, arg, sched.kind);
  tdm__ranges all = {0}, mine = {0};
  int *owner = NULL;
  tdm_status s = TDM_OK;
  if (sched.kind == TDM_SCHED_STATIC) {
    s = tdm__dist_agree(d, tdm__static_ranges(d, n, &all, &owner));
    if (s == TDM_OK)
      tdm__dist_run_range(&rn, all.v[2 * d->rank], all.v[2 * d->rank + 1]);
  } else {
    s = tdm__dist_deal(d, &rn, n, sched, &mine);
  }
  if (s == TDM_OK) s = tdm__map_failure(d, &rn);
  if (s == TDM_OK && sched.kind != TDM_SCHED_STATIC && d->size > 1 && result_bytes)
    s = tdm__dist_ranges_allgather(d, &mine, &all, &owner);
  if (s == TDM_OK) s = tdm__dist_share(d, results, result_bytes, &all, owner);
  tdm__dist_run_destroy(&rn);
  tdm__ranges_free(&all);
  tdm__ranges_free(&mine);
  tdm__free(owner);
  return s;
}
