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

/* ---- the live handles ------------------------------------------------------ */
static pthread_mutex_t tdm__dist_mu = PTHREAD_MUTEX_INITIALIZER;
static tdm_dist *tdm__dist_live;  /* newest first */
static int tdm__dist_finalize_due; /* an owner was finalized while others lived */

tdm_dist *tdm__dist_latest(void) {
  pthread_mutex_lock(&tdm__dist_mu);
  tdm_dist *d = tdm__dist_live;
  pthread_mutex_unlock(&tdm__dist_mu);
  return d;
}

int tdm__dist_mpi_gone(void) {
  int fin = 0;
  MPI_Finalized(&fin);
  return fin;
}

static void tdm__dist_register(tdm_dist *d) {
  pthread_mutex_lock(&tdm__dist_mu);
  d->next = tdm__dist_live;
  tdm__dist_live = d;
  pthread_mutex_unlock(&tdm__dist_mu);
}

/* Removes d; 1 when MPI_Finalize is now due (d or an earlier owner started
 * MPI and no handle is left). */
static int tdm__dist_unregister(tdm_dist *d) {
  pthread_mutex_lock(&tdm__dist_mu);
  for (tdm_dist **pp = &tdm__dist_live; *pp; pp = &(*pp)->next)
    if (*pp == d) {
      *pp = d->next;
      break;
    }
  if (d->owns_mpi) tdm__dist_finalize_due = 1;
  int due = tdm__dist_finalize_due && !tdm__dist_live;
  if (due) tdm__dist_finalize_due = 0;
  pthread_mutex_unlock(&tdm__dist_mu);
  return due;
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
  /* MPI errors on tandem's traffic come back as statuses (the duplicate
   * and the node communicator split from it inherit this). */
  TDM__MPI_INIT(MPI_Comm_set_errhandler(d->comm, MPI_ERRORS_RETURN), "Comm_set_errhandler");
  TDM__MPI_INIT(MPI_Comm_rank(d->comm, &d->rank), "Comm_rank");
  TDM__MPI_INIT(MPI_Comm_size(d->comm, &d->size), "Comm_size");
  TDM__MPI_INIT(MPI_Comm_split_type(d->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node),
                "Comm_split_type");
  TDM__MPI_INIT(MPI_Comm_rank(node, &d->local_rank), "Comm_rank");
  TDM__MPI_INIT(MPI_Comm_size(node, &d->local_size), "Comm_size");
  MPI_Comm_free(&node);
  tdm__dist_register(d);
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
  if (tdm__dist_mpi_gone()) { /* the program's MPI_Finalize came first */
    tdm__dist_unregister(d);
    tdm__free(d);
    return tdm__err(TDM_ERR_INVALID, "tdm_dist_finalize: MPI was already finalized (finalize "
                    "tandem's handles before MPI_Finalize); the handle is freed");
  }
  int rc = MPI_Comm_free(&d->comm);
  /* MPI_Finalize, if tandem started MPI, once the last handle goes: a
   * handle finalized after the one that started MPI still works till then. */
  int due = tdm__dist_unregister(d);
  if (due && rc == MPI_SUCCESS) rc = MPI_Finalize();
  tdm__free(d);
  if (rc != MPI_SUCCESS) return tdm__dist_mpi_err(rc, "tdm_dist_finalize", due ? "Finalize" : "Comm_free");
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
