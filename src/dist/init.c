/* init.c -- the tdm_dist handle: start MPI (or adopt the host program's),
 * duplicate MPI_COMM_WORLD for tandem's own traffic, find this rank's
 * place on its node, and finalize what was started here. */
#include <stdio.h>

#include "core/alloc.h"
#include "core/error.h"
#include "dist/dist_int.h"

tdm_status tdm__dist_mpi_err(int code, const char *fn, const char *call) {
  char text[MPI_MAX_ERROR_STRING] = "";
  int len = 0;
  MPI_Error_string(code, text, &len);
  return tdm__err(TDM_ERR_BACKEND, "%s: MPI %s failed: %s", fn, call, text);
}

#define TDM__MPI_INIT(call, what)                                              \
  do {                                                                         \
    int rc_ = (call);                                                          \
    if (rc_ != MPI_SUCCESS) {                                                  \
      s = tdm__dist_mpi_err(rc_, "tdm_dist_init", what);                       \
      goto fail;                                                               \
    }                                                                          \
  } while (0)

tdm_status tdm_dist_init(int *argc, char ***argv, tdm_dist **out) {
  TDM__CHECK(!out, TDM_ERR_INVALID, "tdm_dist_init: out: is NULL");
  *out = NULL;
  TDM__CHECK((argc == NULL) != (argv == NULL), TDM_ERR_INVALID,
             "tdm_dist_init: argc and argv: give both or neither");
  int inited = 0, finalized = 0;
  MPI_Initialized(&inited);
  MPI_Finalized(&finalized);
  TDM__CHECK(finalized, TDM_ERR_INVALID, "tdm_dist_init: MPI was already finalized");
  tdm_dist *d = tdm__calloc(1, sizeof *d);
  TDM__CHECK(!d, TDM_ERR_NOMEM, "tdm_dist_init: out of host memory for the handle");
  d->comm = MPI_COMM_NULL;
  tdm_status s = TDM_OK;
  MPI_Comm node = MPI_COMM_NULL;
  if (inited) {
    TDM__MPI_INIT(MPI_Query_thread(&d->thread_level), "Query_thread");
  } else {
    TDM__MPI_INIT(MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &d->thread_level),
                  "Init_thread");
    d->owns_mpi = 1;
  }
  TDM__MPI_INIT(MPI_Comm_dup(MPI_COMM_WORLD, &d->comm), "Comm_dup");
  TDM__MPI_INIT(MPI_Comm_rank(d->comm, &d->rank), "Comm_rank");
  TDM__MPI_INIT(MPI_Comm_size(d->comm, &d->size), "Comm_size");
  TDM__MPI_INIT(MPI_Comm_split_type(d->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node),
                "Comm_split_type");
  TDM__MPI_INIT(MPI_Comm_rank(node, &d->local_rank), "Comm_rank");
  TDM__MPI_INIT(MPI_Comm_size(node, &d->local_size), "Comm_size");
  MPI_Comm_free(&node);
  *out = d;
  return TDM_OK;
fail:
  if (node != MPI_COMM_NULL) MPI_Comm_free(&node);
  if (d->comm != MPI_COMM_NULL) MPI_Comm_free(&d->comm);
  if (d->owns_mpi) MPI_Finalize();
  tdm__free(d);
  return s;
}

tdm_status tdm_dist_finalize(tdm_dist *d) {
  if (!d) return TDM_OK;
  int rc = MPI_Comm_free(&d->comm);
  if (rc == MPI_SUCCESS && d->owns_mpi) rc = MPI_Finalize();
  tdm__free(d);
  if (rc != MPI_SUCCESS) return tdm__dist_mpi_err(rc, "tdm_dist_finalize", "Finalize");
  return TDM_OK;
}

int tdm_dist_rank(const tdm_dist *d) { return d ? d->rank : -1; }
int tdm_dist_size(const tdm_dist *d) { return d ? d->size : 0; }
int tdm_dist_local_rank(const tdm_dist *d) { return d ? d->local_rank : -1; }
int tdm_dist_local_size(const tdm_dist *d) { return d ? d->local_size : 0; }

tdm_status tdm_dist_set_ctx(tdm_dist *d, tdm_ctx *ctx) {
  TDM__CHECK(!d, TDM_ERR_INVALID, "tdm_dist_set_ctx: d: is NULL");
  d->ctx = ctx;
  return TDM_OK;
}
