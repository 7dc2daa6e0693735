/* share.c -- after a map every rank holds every result: each rank in turn
 * broadcasts the results of the ranges it ran, described by one MPI
 * datatype over the caller's array, so data lands in place without packing.
 * DYNAMIC maps first gather which rank ran which ranges. */
#include <limits.h>
#include <stdio.h>

#include "core/alloc.h"
#include "core/error.h"
#include "dist/dist_int.h"

tdm_status tdm__dist_agree(tdm_dist *d, tdm_status s) {
  int mine = (int)s, worst = mine;
  if (d->size > 1) {
    int rc = MPI_Allreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, d->comm);
    if (rc != MPI_SUCCESS) return tdm__dist_mpi_err(rc, "tdm_dist_map", "Allreduce");
  }
  if (worst != TDM_OK && mine == TDM_OK)
    return tdm__err((tdm_status)worst, "tdm_dist_map: another rank failed with %s",
                    tdm_status_name((tdm_status)worst));
  return s;
}

#define TDM__MPI(call, what)                                                   \
  do {                                                                         \
    int rc_ = (call);                                                          \
    if (rc_ != MPI_SUCCESS) return tdm__dist_mpi_err(rc_, "tdm_dist_map", what); \
  } while (0)

tdm_status tdm__dist_ranges_allgather(tdm_dist *d, const tdm__ranges *mine, tdm__ranges *all,
                                      int **owner) {
  int size = d->size;
  int cnt = mine->count > INT_MAX / 2 ? 0 : (int)(2 * mine->count);
  int *counts = tdm__malloc(2 * (size_t)size * sizeof *counts);
  tdm_status s = TDM_OK;
  if (mine->count > INT_MAX / 2) s = tdm__err(TDM_ERR_INVALID, "tdm_dist_map: too many chunks on one rank");
  else if (!counts) s = tdm__err(TDM_ERR_NOMEM, "tdm_dist_map: out of host memory for the chunk table");
  s = tdm__dist_agree(d, s); /* one rank's NOMEM stops all, before any exchange */
  if (s != TDM_OK) {
    tdm__free(counts);
    return s;
  }
  int *displs = counts + size;
  int rc = MPI_Allgather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, d->comm);
  size_t total = 0;
  for (int r = 0; rc == MPI_SUCCESS && r < size; r++) total += (size_t)counts[r];
  if (rc != MPI_SUCCESS) s = tdm__dist_mpi_err(rc, "tdm_dist_map", "Allgather");
  else if (total > INT_MAX) s = tdm__err(TDM_ERR_INVALID, "tdm_dist_map: too many chunks");
  if (s == TDM_OK) {
    all->v = tdm__malloc((total ? total : 1) * sizeof *all->v);
    *owner = tdm__malloc((total ? total / 2 : 1) * sizeof **owner);
    if (!all->v || !*owner) s = tdm__err(TDM_ERR_NOMEM, "tdm_dist_map: out of host memory for the chunk table");
  }
  if (rc == MPI_SUCCESS) s = tdm__dist_agree(d, s); /* one rank's NOMEM stops all */
  if (s == TDM_OK) {
    int off = 0;
    for (int r = 0; r < size; r++) {
      displs[r] = off;
      for (int k = 0; k < counts[r] / 2; k++) (*owner)[off / 2 + k] = r;
      off += counts[r];
    }
    all->count = all->cap = total / 2;
    rc = MPI_Allgatherv(mine->v ? mine->v : all->v, cnt, MPI_UINT64_T, all->v, counts, displs,
                        MPI_UINT64_T, d->comm);
    if (rc != MPI_SUCCESS) s = tdm__dist_mpi_err(rc, "tdm_dist_map", "Allgatherv");
  }
  tdm__free(counts);
  return s;
}

/* Rank root's ranges as one datatype over results (units of one result). */
static tdm_status tdm__root_type(const tdm__ranges *all, const int *owner, int root,
                                 MPI_Datatype elem, size_t rb, MPI_Datatype *out, int *nblocks) {
  size_t nb = 0;
  for (size_t k = 0; k < all->count; k++) {
    if (owner[k] != root) continue;
    size_t len = all->v[2 * k + 1] - all->v[2 * k];
    nb += (len + INT_MAX - 1) / INT_MAX;
  }
  *nblocks = 0;
  if (nb == 0) return TDM_OK;
  TDM__CHECK(nb > INT_MAX, TDM_ERR_INVALID, "tdm_dist_map: too many chunks");
  int *lens = tdm__malloc(nb * sizeof *lens);
  MPI_Aint *disp = tdm__malloc(nb * sizeof *disp);
  if (!lens || !disp) {
    tdm__free(lens);
    tdm__free(disp);
    return tdm__err(TDM_ERR_NOMEM, "tdm_dist_map: out of host memory for the result layout");
  }
  size_t b = 0;
  for (size_t k = 0; k < all->count; k++) {
    if (owner[k] != root) continue;
    for (size_t lo = all->v[2 * k], hi = all->v[2 * k + 1]; lo < hi;) {
      size_t len = hi - lo > INT_MAX ? INT_MAX : hi - lo;
      lens[b] = (int)len;
      disp[b] = (MPI_Aint)(lo * rb);
      b++;
      lo += len;
    }
  }
  int rc = MPI_Type_create_hindexed((int)nb, lens, disp, elem, out);
  if (rc == MPI_SUCCESS) rc = MPI_Type_commit(out);
  tdm__free(lens);
  tdm__free(disp);
  if (rc != MPI_SUCCESS) return tdm__dist_mpi_err(rc, "tdm_dist_map", "Type_create_hindexed");
  *nblocks = (int)nb;
  return TDM_OK;
}

tdm_status tdm__dist_share(tdm_dist *d, void *results, size_t result_bytes,
                           const tdm__ranges *all, const int *owner) {
  if (d->size == 1 || result_bytes == 0) return TDM_OK;
  MPI_Datatype elem;
  TDM__MPI(MPI_Type_contiguous((int)result_bytes, MPI_BYTE, &elem), "Type_contiguous");
  TDM__MPI(MPI_Type_commit(&elem), "Type_commit");
  MPI_Datatype *types = tdm__calloc((size_t)d->size, sizeof *types);
  int *nb = tdm__calloc((size_t)d->size, sizeof *nb);
  tdm_status s = TDM_OK;
  if (!types || !nb) s = tdm__err(TDM_ERR_NOMEM, "tdm_dist_map: out of host memory for the result layout");
  for (int root = 0; root < d->size && s == TDM_OK; root++)
    s = tdm__root_type(all, owner, root, elem, result_bytes, &types[root], &nb[root]);
  s = tdm__dist_agree(d, s); /* all ranks broadcast, or none */
  for (int root = 0; root < d->size && s == TDM_OK; root++) {
    if (nb[root] == 0) continue;
    int rc = MPI_Bcast(results, 1, types[root], root, d->comm);
    if (rc != MPI_SUCCESS) s = tdm__dist_mpi_err(rc, "tdm_dist_map", "Bcast");
  }
  for (int root = 0; nb && root < d->size; root++)
    if (nb[root]) MPI_Type_free(&types[root]);
  tdm__free(types);
  tdm__free(nb);
  MPI_Type_free(&elem);
  return s;
}
